import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { miniSubset, runCli, tempDir } from '../helpers.ts';

const noStack = (s: string): void => assert.doesNotMatch(s, /\n\s+at .+:\d+:\d+/, `stack trace printed:\n${s}`);

test('missing data folder: one clear message, exit 2, no stack trace', () => {
  const r = runCli(['run', '--data', '/nonexistent/activekd-data', '--rounds', '2']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /\/nonexistent\/activekd-data/);
  noStack(r.stderr);
});

test('unknown strategy: lists the valid names and suggests the closest', () => {
  const r = runCli(['run', '--data', '/nonexistent', '--strategy', 'pcorset']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /pcorset/);
  assert.match(r.stderr, /did you mean "?pcoreset"?/i);
  assert.match(r.stderr, /random/);
  noStack(r.stderr);
});

test('empty class folder is named in the error', () => {
  const root = tempDir();
  mkdirSync(join(root, 'train', 'cat'), { recursive: true });
  mkdirSync(join(root, 'train', 'dog'), { recursive: true });
  writeFileSync(join(root, 'train', 'cat', 'a.jpg'), 'x');
  const r = runCli(['run', '--data', root, '--rounds', '2']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /dog/);
  noStack(r.stderr);
});

test('missing model file is named in the error', () => {
  const root = tempDir();
  for (const c of ['cat', 'dog']) {
    mkdirSync(join(root, 'train', c), { recursive: true });
    writeFileSync(join(root, 'train', c, 'a.jpg'), 'x');
  }
  const r = runCli(['run', '--data', root, '--framework', 'no-distill', '--student-model', '/nope/student.onnx', '--no-cache']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /\/nope\/student\.onnx/);
  noStack(r.stderr);
});

test('bad numeric option is rejected by the parser', () => {
  const r = runCli(['run', '--data', '/x', '--rounds', 'zero']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--rounds must be a positive integer/);
});

test('--help works for every command', () => {
  for (const args of [['--help'], ['run', '--help'], ['demo', '--help'], ['strategies', '--help']]) {
    const r = runCli(args);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /Usage: activekd/);
  }
});

test('bench --help shows bench defaults (frameworks no-distill,zero-shot, seeds 1-5), not run\'s (regression)', () => {
  const r = runCli(['bench', '--help']);
  assert.equal(r.status, 0, r.stderr);
  const flat = r.stdout.replace(/\s+/g, ' ');
  assert.match(flat, /--framework <names> .*?default: "no-distill,zero-shot"\)/);
  assert.match(flat, /--seed <n> one random seed instead of the list \(same as --seeds N\) \(default: see --seeds\)/);
  assert.match(flat, /--seeds <list> .*?\(default: 1-5\)/);
  assert.match(flat, /--class-map <file> .*?Fashion-MNIST map/);
  assert.doesNotMatch(flat, /default: "zero-shot"\)/);
});

test('misspelled framework: one clear message, not a silent exit (regression)', () => {
  const r = runCli(['run', '--data', '/x', '--framework', 'zeroshot']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--framework must be one of zero-shot, few-shot, no-distill.*"zeroshot"/);
  noStack(r.stderr);
});

test('a missing required option of an added command exits 2 with a usage hint', () => {
  const r = runCli(['select', '--strategy', 'random', '--query', '2']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /required option/);
  assert.match(r.stderr, /--help/);
});

test('--version prints the package version', () => {
  const r = runCli(['--version']);
  assert.equal(r.status, 0);
  assert.match(r.stdout.trim(), /^\d+\.\d+\.\d+$/);
});

test('too few images of a class for --initial-shots: the class is named, not numbered', () => {
  // cat: 3 images, bird: 1 (from the embedded CIFAR-10 subset); no teacher needed.
  const root = miniSubset(['bird', 'cat'], 3, 1);
  for (const f of readdirSync(join(root, 'train', 'bird')).sort().slice(1)) rmSync(join(root, 'train', 'bird', f));
  const r = runCli(['run', '--data', root, '--framework', 'no-distill', '--initial-shots', '2', '--rounds', '1', '--no-cache', '--out', join(tempDir(), 'out')]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /class "bird" has 1 image, fewer than --initial-shots 2/);
  noStack(r.stderr);
});

test('--out naming a file is refused before any work (run and bench); an explicit bench --reference must be among the strategies', () => {
  const dir = tempDir();
  const file = join(dir, 'afile');
  writeFileSync(file, 'not a folder');
  for (const args of [
    ['run', '--data', '/nonexistent-activekd-data', '--out', file],
    ['bench', '--data', '/nonexistent-activekd-data', '--out', file],
  ]) {
    const r = runCli(args);
    assert.equal(r.status, 2, `${args[0]}: ${r.stderr}`);
    assert.match(r.stderr, /--out .*afile: that is a file, not a folder/, args[0]);
    assert.doesNotMatch(r.stderr, /internal error/);
  }
  const ref = runCli(['bench', '--data', '/nonexistent-activekd-data', '--out', join(dir, 'b'), '--strategies', 'random,pcoreset', '--reference', 'entropy']);
  assert.equal(ref.status, 2, ref.stderr);
  assert.match(ref.stderr, /the reference strategy entropy \(--reference\) is not among the strategies \(random, pcoreset\)/);
});

test('a reader that closes the pipe early (`activekd bench --help | head`) ends the command quietly: exit 0, no EPIPE stack trace', () => {
  // `true` exits without reading, so the help text is written into a closed pipe.
  const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" --import tsx src/cli/main.ts bench --help | true`], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /EPIPE/);
  noStack(r.stderr);
});

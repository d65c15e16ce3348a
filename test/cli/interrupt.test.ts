/**
 * Ctrl-C (SIGINT) during a long command (a fresh-user trial: it printed nothing and left the feature
 * cache looking half-written): the command prints one line saying what a rerun does and exits with
 * 130; the rerun reuses the rows encoded before the interrupt, leaves no stray file, and gives the
 * same result as an uninterrupted run.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import type { Command } from 'commander';
import { exitOnInterrupt, interruptMessage } from '../../src/cli/interrupt.ts';
import { buildProgram } from '../../src/cli/main.ts';
import { initProject, runProjectRound } from '../../src/project/project.ts';
import { miniSubset, runCli, tempDir } from '../helpers.ts';
import { FAST_DHO, projectData } from '../project/helpers.ts';

/** Every file under `dir`, relative to it, sorted. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** Index lines of every segment of the feature cache under `cache` (one per stored row). */
function cachedRows(cache: string): string[] {
  return filesUnder(cache)
    .filter((f) => f.endsWith('.index.tsv'))
    .flatMap((f) => readFileSync(join(cache, f), 'utf8').split('\n').filter((l) => l !== ''));
}

/**
 * Starts the CLI and sends it `signal` (default SIGINT) as soon as `ready()` holds (polled every 20 ms).
 * @returns the exit code (null when killed by a signal), the signal and the output
 */
function interruptWhen(args: readonly string[], env: Record<string, string>, ready: () => boolean, signal: NodeJS.Signals = 'SIGINT'): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; interrupted: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setInterval(() => {
      if (!interrupted && ready()) {
        interrupted = true;
        child.kill(signal);
      }
    }, 20);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(timer);
      resolve({ code, signal, stdout, stderr, interrupted });
    });
  });
}

test('SIGINT while encoding: one line, exit 130; the rerun reuses the cached rows, leaves no stray file and equals an uninterrupted run', { timeout: 300_000 }, async () => {
  const data = miniSubset(['airplane', 'cat', 'ship'], 60, 10);
  // One image per inference call and one thread: the rows do not depend on how the images were
  // batched, so the rerun (which encodes only what is missing) must give the same bytes.
  const args = (out: string): string[] => ['encode', data, '--out', out, '--encoder-batch-size', '1', '--threads', '1'];

  const refCache = tempDir();
  const refOut = join(tempDir(), 'out');
  const ref = runCli(args(refOut), { ACTIVEKD_CACHE: refCache });
  assert.equal(ref.status, 0, ref.stderr);

  const cache = tempDir();
  const out = join(tempDir(), 'out');
  const first = await interruptWhen(args(out), { ACTIVEKD_CACHE: cache }, () => {
    try {
      return cachedRows(cache).length > 0;
    } catch {
      return false; // the cache folder is not there yet
    }
  });
  assert.ok(first.interrupted, `the command finished before any row was cached:\n${first.stderr}`);
  assert.equal(first.signal, null, 'killed by the signal instead of exiting');
  assert.equal(first.code, 130, first.stderr);
  const lines = first.stderr.split('\n').filter((l) => l.startsWith('activekd:'));
  assert.deepEqual(lines, ['activekd: interrupted — the images encoded so far stay in the feature cache: rerun the same command to resume'], first.stderr);
  const kept = cachedRows(cache).length;
  assert.ok(kept > 0);

  const rerun = runCli(args(out), { ACTIVEKD_CACHE: cache });
  assert.equal(rerun.status, 0, rerun.stderr);
  // Reused, not encoded again: each image has one row per encoder output (student features,
  // teacher probabilities), however the work was split between the two runs.
  const rows = cachedRows(cache);
  const refRows = cachedRows(refCache);
  assert.equal(rows.length, refRows.length, 'rows encoded twice');
  assert.deepEqual(new Set(rows.map((l) => l.split('\t')[0])), new Set(refRows.map((l) => l.split('\t')[0])));
  // The same result as without the interrupt.
  assert.deepEqual(filesUnder(out), filesUnder(refOut));
  for (const f of filesUnder(refOut)) assert.ok(readFileSync(join(out, f)).equals(readFileSync(join(refOut, f))), `${f} differs from the uninterrupted run's`);
  // No stray file: every cache segment has its index, no temporary file anywhere.
  for (const dir of [cache, out]) {
    const files = filesUnder(dir);
    assert.deepEqual(files.filter((f) => /\.tmp|\.part/.test(f)), [], `temporary files in ${dir}`);
    for (const f of files.filter((x) => x.endsWith('.f32'))) assert.ok(files.includes(f.replace(/\.f32$/, '.index.tsv')), `${f} has no index`);
  }
});

test('interrupt lines: a command without a note says "interrupted" alone; --no-cache says nothing was kept; a command with its own handling gets no handler', () => {
  const program = buildProgram();
  const cmd = (name: string): Command => program.commands.find((c) => c.name() === name) as Command;
  assert.equal(interruptMessage(cmd('status')), 'activekd: interrupted');
  assert.match(interruptMessage(cmd('bench')), /^activekd: interrupted — the finished cells are kept: rerun the same command to resume$/);
  const run = cmd('run');
  run.setOptionValue('cache', false);
  assert.equal(interruptMessage(run), 'activekd: interrupted — nothing was kept (--no-cache): a rerun starts over');
  run.setOptionValue('cache', true);
  assert.match(interruptMessage(run), /feature cache: rerunning the same command reuses them \(the rounds start over\)$/);
  for (const own of ['worker', 'label']) {
    const before = process.listenerCount('SIGINT');
    const remove = exitOnInterrupt(cmd(own));
    assert.equal(process.listenerCount('SIGINT'), before, `${own} handles SIGINT itself`);
    remove();
  }
  const before = process.listenerCount('SIGINT');
  const beforeTerm = process.listenerCount('SIGTERM');
  const remove = exitOnInterrupt(cmd('status'));
  assert.equal(process.listenerCount('SIGINT'), before + 1);
  assert.equal(process.listenerCount('SIGTERM'), beforeTerm + 1, 'SIGTERM is handled too');
  remove();
  assert.equal(process.listenerCount('SIGINT'), before);
  assert.equal(process.listenerCount('SIGTERM'), beforeTerm);
});

test('SIGTERM: the same line, exit 143', { timeout: 120_000 }, async () => {
  const data = miniSubset(['airplane', 'cat'], 40, 5);
  const cache = tempDir();
  const r = await interruptWhen(['encode', data, '--encoder-batch-size', '1', '--threads', '1'], { ACTIVEKD_CACHE: cache }, () => {
    try {
      return cachedRows(cache).length > 0;
    } catch {
      return false;
    }
  }, 'SIGTERM');
  assert.ok(r.interrupted, r.stderr);
  assert.equal(r.signal, null, 'killed by the signal instead of exiting');
  assert.equal(r.code, 143, r.stderr);
  assert.match(r.stderr, /^activekd: interrupted — the images encoded so far stay in the feature cache: rerun the same command to resume$/m);
});

test('Ctrl-C on `label`: the page shuts down, one line says the labels are stored, exit 0', { timeout: 300_000 }, async () => {
  const d = projectData(['cat', 'ship'], 3, 0);
  const dir = join(d.root, 'p');
  await initProject(dir, { images: d.images, classesFile: d.classes, teacher: 'none', dho: FAST_DHO, cacheDir: join(d.root, 'cache') });
  await runProjectRound(dir, {});
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'label', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let sent = false;
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    if (!sent && out.includes('labeling page: ')) sent = child.kill('SIGINT');
  });
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
  assert.equal(code, 0, out);
  assert.match(out, /labeling page stopped; every label given is stored in .*activekd round/);
});

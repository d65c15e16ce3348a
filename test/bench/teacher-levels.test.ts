/**
 * `activekd bench --teacher-levels` (issue 14): the grid per teacher level plus one no-distill grid,
 * one report across levels, resumable (a rerun runs nothing), the boosted level's teacher at its
 * target pool accuracy (±1 point), `activekd report` regenerating the sweep's report.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { miniSubset, runCli, tempDir } from '../helpers.ts';

test('bench --teacher-levels runs every level once, reports across levels, and resumes without rerunning', { timeout: 600_000 }, () => {
  const data = miniSubset(['cat', 'ship', 'frog', 'dog'], 14, 6);
  const cache = tempDir('activekd-cache-');
  const out = tempDir('activekd-levels-');
  const args = ['bench', '--data', data, '--out', out, '--cache-dir', cache, '--strategies', 'random,pcoreset', '--frameworks', 'no-distill,zero-shot', '--seeds', '1-2', '--rounds', '2', '--steps-per-batch', '5', '--hidden', '16', '--jobs', '2', '--no-png', '--no-analysis', '--limit-per-class', '10,6', '--teacher-levels', 'zero-shot,shots:2,accuracy:0.9'];
  const r = runCli(args);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /16 cell\(s\) run, 0 reused over 3 teacher level\(s\)/);
  for (const d of ['no-distill', 'levels/zero-shot', 'levels/shots-2', 'levels/accuracy-0.9']) assert.ok(existsSync(join(out, d, 'runs', 'pcoreset__' + (d === 'no-distill' ? 'no-distill' : 'zero-shot') + '__seed2', 'results.json')), d);
  const md = readFileSync(join(out, 'teacher-levels.md'), 'utf8');
  for (const label of ['| no-distill |', '| zero-shot |', '| held-out 2-shot |', '| boosted 90% (synthetic) |', '− random']) assert.ok(md.includes(label), label);
  for (const f of ['teacher-levels.html', 'teacher-levels.csv', 'teacher-levels-differences.csv', 'plots/teacher-levels-diff-final.svg', 'plots/teacher-levels-kd-gain.svg']) assert.ok(existsSync(join(out, f)), f);

  const boosted = JSON.parse(readFileSync(join(out, 'levels/accuracy-0.9/runs/random__zero-shot__seed1/results.json'), 'utf8')) as { teacher: { poolAccuracy: number; synthetic: { targetPoolAccuracy: number } } };
  assert.equal(boosted.teacher.synthetic.targetPoolAccuracy, 0.9);
  assert.ok(Math.abs(boosted.teacher.poolAccuracy - 0.9) <= 0.01, `boosted pool accuracy ${boosted.teacher.poolAccuracy}`);
  const held = JSON.parse(readFileSync(join(out, 'levels/shots-2/runs/random__zero-shot__seed1/results.json'), 'utf8')) as { teacher: { heldOut: { teacherSplitIds: string[] } } };
  assert.equal(held.teacher.heldOut.teacherSplitIds.length, 4 * 2);
  // The teacher split is the 2 images after the pool's first 10 of each class.
  assert.ok(held.teacher.heldOut.teacherSplitIds.every((id) => /train\/\w+\//.test(id)));

  const again = runCli(args);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /0 cell\(s\) run, 16 reused over 3 teacher level\(s\)/);

  const rep = runCli(['report', out, '--no-png']);
  assert.equal(rep.status, 0, rep.stderr);
  assert.ok(rep.stdout.includes('| boosted 90% (synthetic) |'));
  const noLimit = args.filter((a, i) => a !== '--limit-per-class' && args[i - 1] !== '--limit-per-class');
  const refused = runCli([...noLimit.slice(0, -1), 'zero-shot,shots:2'].map((a) => (a === out ? tempDir('activekd-levels-x-') : a)));
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /shots:K needs --limit-per-class/);
  const tooMany = runCli([...args.slice(0, -1), 'zero-shot,shots:500'].map((a) => (a === out ? tempDir('activekd-levels-y-') : a)));
  assert.notEqual(tooMany.status, 0);
  assert.match(tooMany.stderr, /--teacher-shots 500: class "\w+" has 14 training images/);
  const noRef = runCli([...args, '--reference', 'badge'].map((a) => (a === out ? tempDir('activekd-levels-z-') : a)));
  assert.notEqual(noRef.status, 0);
  assert.match(noRef.stderr, /the reference strategy badge \(--reference\) is not among the strategies/);
  const bad = runCli([...args.slice(0, -1), 'shots:2,strong']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /"strong" is not a teacher level/);
});

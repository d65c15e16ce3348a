/**
 * The teacher-strength sweep's levels and aggregation (issue 14): level syntax, paired differences
 * reference − baseline and KD − no-distill per seed, levels ordered by teacher accuracy.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTeacherLevels } from '../../src/bench/teacher-levels.ts';
import type { RunResult } from '../../src/eval/aggregate.ts';
import { pairedTTest } from '../../src/eval/compare.ts';
import { meanCI } from '../../src/eval/stats.ts';
import { summarizeTeacherLevels } from '../../src/eval/teacher-levels.ts';
import { teacherLevelsCsvs, teacherLevelsMarkdown } from '../../src/report/teacher-levels-report.ts';

test('parseTeacherLevels reads zero-shot, shots:K and accuracy:A and names their folders', () => {
  assert.deepEqual(parseTeacherLevels('zero-shot, shots:16,accuracy:0.85'), [
    { kind: 'zero-shot', name: 'zero-shot' },
    { kind: 'shots', name: 'shots-16', shots: 16 },
    { kind: 'accuracy', name: 'accuracy-0.85', accuracy: 0.85 },
  ]);
  assert.throws(() => parseTeacherLevels('shots:0'), /"shots:0" is not a teacher level/);
  assert.throws(() => parseTeacherLevels('accuracy:85'), /"accuracy:85" is not a teacher level \(the accuracy is a fraction: accuracy:0\.85\)/);
  assert.throws(() => parseTeacherLevels('shots:0x10'), /"shots:0x10" is not a teacher level/);
  assert.throws(() => parseTeacherLevels('shots:1e1'), /"shots:1e1" is not a teacher level/);
  assert.deepEqual(parseTeacherLevels('accuracy:.5'), [{ kind: 'accuracy', name: 'accuracy-0.5', accuracy: 0.5 }]);
  assert.throws(() => parseTeacherLevels('strong'), /"strong" is not a teacher level/);
  assert.throws(() => parseTeacherLevels('shots:4,shots:4'), /level shots-4 is given twice/);
  assert.throws(() => parseTeacherLevels(' , '), /no level given/);
});

/** A run whose accuracy is `final` (%) at |L| = 10 and 20, with a teacher of test accuracy `t`. */
function run(strategy: string, framework: string, seed: number, first: number, final: number, t: { test: number; pool: number } | null): RunResult {
  return {
    config: { strategy, strategyConfig: {}, framework, seed, rounds: 2, querySize: 10, initialShots: 1 },
    rounds: [
      { round: 0, labeledCount: 10, testAccuracy: first / 100, selectedIds: [], trainSeconds: 0, selectSeconds: 0 },
      { round: 1, labeledCount: 20, testAccuracy: final / 100, selectedIds: [], trainSeconds: 0, selectSeconds: 0 },
    ],
    teacher: t ? { id: 'tch', testAccuracy: t.test / 100, poolAccuracy: t.pool / 100 } : null,
  } as unknown as RunResult;
}

test('summarizeTeacherLevels: paired differences and KD gains per seed, levels sorted by teacher test accuracy', () => {
  const strong = { test: 90, pool: 91 };
  const weak = { test: 40, pool: 41 };
  const pc = [61, 65, 60];
  const rd = [58, 61, 59];
  const nd = [50, 52, 49];
  const lvl = (t: typeof weak, shift: number) => [1, 2, 3].flatMap((s, i) => [run('pcoreset', 'zero-shot', s, 30, (pc[i] as number) + shift, t), run('random', 'zero-shot', s, 30, rd[i] as number, t)]);
  const noDistill = [1, 2, 3].flatMap((s, i) => [run('pcoreset', 'no-distill', s, 30, nd[i] as number, null), run('random', 'no-distill', s, 30, nd[i] as number, null)]);
  const s = summarizeTeacherLevels(
    [
      { level: { kind: 'accuracy', name: 'accuracy-0.9', accuracy: 0.9 }, runs: lvl(strong, 2) },
      { level: { kind: 'zero-shot', name: 'zero-shot' }, runs: lvl(weak, 0) },
      { level: { kind: 'shots', name: 'shots-4', shots: 4 }, runs: [] },
    ],
    noDistill,
    'pcoreset',
  );
  assert.deepEqual(s.levels.map((l) => l.level.name), ['zero-shot', 'accuracy-0.9'], 'weakest first; a level without runs is left out');
  const [w, st] = s.levels;
  assert.ok(w && st);
  assert.ok(Math.abs((w.teacher.testAccuracy ?? 0) - 40) < 1e-9 && Math.abs((st.teacher.poolAccuracy ?? 0) - 91) < 1e-9);
  const d = w.differences.find((x) => x.baseline === 'random' && x.metric === 'final');
  const diffs = pc.map((v, i) => v - (rd[i] as number));
  const ci = meanCI(diffs);
  assert.ok(d && Math.abs(d.diff.mean - ci.mean) < 1e-9 && Math.abs(d.diff.ci95 - ci.halfWidth) < 1e-9);
  assert.ok(Math.abs((d.tTest.pValue ?? NaN) - (pairedTTest(pc, rd).pValue ?? NaN)) < 1e-12);
  const ds = st.differences.find((x) => x.baseline === 'random' && x.metric === 'final');
  assert.ok(ds && Math.abs(ds.diff.mean - (ci.mean + 2)) < 1e-9, 'the stronger level shifts the difference by 2 points');
  const g = st.kdGain.find((x) => x.strategy === 'pcoreset' && x.metric === 'final');
  assert.ok(g && Math.abs(g.diff.mean - meanCI(pc.map((v, i) => v + 2 - (nd[i] as number))).mean) < 1e-9);
  // AUBC of a two-point curve is its trapezoid area over the labeled range, normalised: (first + final) / 2.
  const a = w.strategies.find((x) => x.strategy === 'random')?.aubc.mean ?? NaN;
  assert.ok(Math.abs(a - meanCI(rd.map((v) => (30 + v) / 2)).mean) < 1e-6, `AUBC ${a}`);
  const md = teacherLevelsMarkdown(s);
  assert.match(md, /\| boosted 90% \(synthetic\) \| 91\.00 \| 90\.00 \|/);
  assert.match(md, /\| no-distill \| — \| — \|/);
  const csvs = teacherLevelsCsvs(s);
  assert.equal(csvs['teacher-levels.csv']?.trim().split('\n').length, 1 + 2 + 2 * 2, 'header + no-distill rows + level rows');
});

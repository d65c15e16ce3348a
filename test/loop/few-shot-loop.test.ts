import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../src/linalg/matrix.ts';
import { runActiveLoop } from '../../src/loop/active-loop.ts';
import { SimulatedOracle } from '../../src/loop/oracle.ts';
import { createStrategy } from '../../src/strategies/registry.ts';
import { DEFAULT_DHO } from '../../src/student/config.ts';
import { ClapFewShotTeacher, type ClapTiming } from '../../src/teachers/clap.ts';
import { Rng } from '../../src/util/rng.ts';

/** 3 classes × 8 items, student features = teacher features (E = 4). */
function toy(): { f: ReturnType<typeof matrix>; y: Int32Array; Wraw: ReturnType<typeof matrix> } {
  const rng = new Rng(4);
  const n = 24;
  const f = new Float32Array(n * 4);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    for (let d = 0; d < 4; d++) f[i * 4 + d] = (d === y[i] ? 1 : 0) + rng.uniform(-0.3, 0.3);
  }
  const Wraw = matrix(4, 3, Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1, 0.1, 0.1, 0.1]));
  return { f: matrix(n, 4, f), y, Wraw };
}

for (const [timing, expected] of [
  // others code (SPEC §8.1): CLAP(L_0) before round 0, CLAP(L_1) after student 1, none after the last.
  ['afterStudent', [[3], [6], []]],
  ['beforeStudent', [[3], [6], [9]]],
] as [ClapTiming, number[][]][]) {
  test(`active loop, framework few-shot, clapTiming ${timing}: CLAP refits at the SPEC §7.2 points (O1)`, async () => {
    const { f, y, Wraw } = toy();
    const teacher = new ClapFewShotTeacher({ baseId: 'toy', poolFeatures: f, zeroShotRaw: Wraw, config: { clapTiming: timing, passes: 20 }, rng: new Rng(1) });
    const res = await runActiveLoop({
      ids: Array.from({ length: f.rows }, (_, i) => `item${i}`),
      features: f,
      fewShotTeacher: teacher,
      poolLabels: y,
      numClasses: 3,
      oracle: new SimulatedOracle(y),
      strategy: createStrategy('random'),
      config: { framework: 'few-shot', rounds: 3, querySize: 3, initialShots: 1, seed: 2, dho: { ...DEFAULT_DHO, hidden: 8, stepsPerLabeledBatch: 3, engine: 'ts' } },
    });
    assert.deepEqual(
      res.rounds.map((r) => (r.teacherFits ?? []).map((x) => x.labeledCount)),
      expected,
    );
    assert.equal(teacher.fits.length, expected.flat().length);
  });
}

test('active loop: framework few-shot without a few-shot teacher is rejected', async () => {
  const { f, y } = toy();
  await assert.rejects(
    runActiveLoop({ ids: Array.from({ length: f.rows }, (_, i) => `i${i}`), features: f, poolLabels: y, numClasses: 3, oracle: new SimulatedOracle(y), strategy: createStrategy('random'), config: { framework: 'few-shot', rounds: 1, querySize: 3, initialShots: 1, seed: 1, dho: DEFAULT_DHO } }),
    /needs a few-shot teacher/,
  );
});

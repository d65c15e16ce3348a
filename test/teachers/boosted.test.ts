/**
 * The boosted teacher (issue 14): a synthetic teacher whose pool accuracy hits a requested value
 * within ±1 point, for simulations only, marked as synthetic in results.json.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ASSETS } from '../../src/assets.ts';
import { experimentOptions, runExperiment } from '../../src/bench/experiment.ts';
import { accuracy } from '../../src/linalg/accuracy.ts';
import { softmaxRows } from '../../src/linalg/softmax.ts';
import { DEFAULT_DHO } from '../../src/student/config.ts';
import { boostProbs, boostTeacher } from '../../src/teachers/boosted.ts';
import { Rng } from '../../src/util/rng.ts';
import { tempDir } from '../helpers.ts';

function weakTeacher(n: number, C: number, seed: number): { probs: ReturnType<typeof softmaxRows>; labels: Int32Array } {
  const rng = new Rng(seed);
  const labels = Int32Array.from({ length: n }, (_, i) => i % C);
  const logits = Float32Array.from({ length: n * C }, (_, k) => rng.uniform(-2, 2) + (k % C === (labels[Math.floor(k / C)] as number) ? 0.5 : 0));
  return { probs: softmaxRows({ rows: n, cols: C, data: logits }), labels };
}

test('boostTeacher hits each requested pool accuracy within ±1 point, below and above the base teacher', () => {
  const { probs, labels } = weakTeacher(1000, 10, 7);
  const base = accuracy(probs, labels);
  assert.ok(base > 0.15 && base < 0.6, `base accuracy ${base}`);
  let lastKappa = -Infinity;
  for (const target of [0.1, 0.4, 0.6, 0.85, 0.99]) {
    const b = boostTeacher(probs, labels, target);
    assert.ok(Math.abs(b.poolAccuracy - target) <= 0.01, `target ${target}: got ${b.poolAccuracy}`);
    assert.equal(accuracy(b.probs, labels), b.poolAccuracy);
    assert.ok(b.kappa > lastKappa, 'κ grows with the target');
    lastKappa = b.kappa;
    if (target < base) assert.ok(b.kappa < 0, `a target below the base (${base}) needs κ < 0`);
    for (let i = 0; i < 5; i++) assert.ok(Math.abs(b.probs.data.slice(i * 10, i * 10 + 10).reduce((a, v) => a + v, 0) - 1) < 1e-5);
  }
  assert.equal(accuracy(boostProbs(probs, labels, 0), labels), base, 'κ = 0 is the base teacher');
  assert.throws(() => boostTeacher(probs, labels, 0), /target accuracy must be in \(0, 1\]/);
  assert.throws(() => boostProbs(probs, new Int32Array(3), 1), /3 labels for 1000 rows/);
});

test('a simulation with --teacher-accuracy 0.8 distils from the synthetic teacher, marked as such; few-shot is refused', { timeout: 600_000 }, async () => {
  const out = tempDir('activekd-boosted-');
  await runExperiment(experimentOptions({ data: ASSETS.cifar10Mini, rounds: 1, strategies: ['random'], dho: { ...DEFAULT_DHO, hidden: 16, stepsPerLabeledBatch: 5 }, teacherAccuracy: 0.8, out, log: () => {} }));
  const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { teacher: { id: string; testAccuracy: number; synthetic?: { kind: string; poolAccuracy: number; basePoolAccuracy: number; targetPoolAccuracy: number } } };
  assert.equal(res.teacher.synthetic?.kind, 'boosted');
  assert.match(res.teacher.id, /^boosted\(label-transfer:/);
  assert.ok(Math.abs((res.teacher.synthetic?.poolAccuracy ?? 0) - 0.8) <= 0.01, `pool accuracy ${res.teacher.synthetic?.poolAccuracy}`);
  assert.ok((res.teacher.synthetic?.basePoolAccuracy ?? 1) < 0.6, 'the embedded label-transfer teacher is weaker than the target');
  assert.ok(res.teacher.testAccuracy > 0.6, `the same κ lifts the test accuracy too: ${res.teacher.testAccuracy}`);
  await assert.rejects(runExperiment(experimentOptions({ data: ASSETS.cifar10Mini, frameworks: ['few-shot'], teacherAccuracy: 0.8, out: tempDir('activekd-boosted-fs-'), log: () => {} })), /--teacher-accuracy sets a synthetic zero-shot teacher/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix } from '../../src/linalg/matrix.ts';
import { biasMetrics, teacherClusters } from '../../src/eval/bias.ts';
import { batchCriteria, normalisedEntropy } from '../../src/eval/criteria.ts';
import { createRunAnalysis, type RunAnalysis } from '../../src/eval/analysis.ts';
import type { SelectInfo } from '../../src/loop/active-loop.ts';

test('criteria: uniform batch is maximally uncertain and balanced; duplicates have zero diversity', () => {
  assert.ok(Math.abs(normalisedEntropy([0.25, 0.25, 0.25, 0.25]) - 1) < 1e-12);
  assert.equal(normalisedEntropy([1, 0, 0]), 0);
  const probs = matrix(2, 2, Float32Array.from([0.5, 0.5, 0.5, 0.5]));
  const feats = matrix(2, 2, Float32Array.from([1, 0, 2, 0]));
  const empty = { probs: matrix(0, 2), features: matrix(0, 2) };
  const c = batchCriteria({ probs, features: feats }, empty, [0, 1], 2);
  assert.ok(Math.abs(c.uncertainty - 1) < 1e-6);
  assert.ok(Math.abs(c.classBalance - 1) < 1e-12);
  assert.ok(Math.abs(c.featureDiversity) < 1e-6);
  assert.ok(Math.abs(c.probDiversity) < 1e-6);
  // One-hot picks at opposite corners: prob diversity √2/√2 = 1; orthogonal features: 1 − 0 = 1.
  const c2 = batchCriteria({ probs: matrix(2, 2, Float32Array.from([1, 0, 0, 1])), features: matrix(2, 2, Float32Array.from([1, 0, 0, 3])) }, empty, [0, 0], 2);
  assert.ok(Math.abs(c2.probDiversity - 1) < 1e-6);
  assert.ok(Math.abs(c2.featureDiversity - 1) < 1e-6);
  assert.equal(c2.classBalance, 0);
  assert.equal(c2.uncertainty, 0);
});

test('teacherClusters is seeded and separates two blobs; bias metrics of a perfect student', () => {
  const pts = [0.9, 0.1, 0.92, 0.08, 0.88, 0.12, 0.1, 0.9, 0.12, 0.88, 0.08, 0.92];
  const pt = matrix(6, 2, Float32Array.from(pts));
  const a = teacherClusters(pt, 2, { seed: 3 });
  const b = teacherClusters(pt, 2, { seed: 3 });
  assert.deepEqual(a.labels, b.labels);
  assert.equal(a.labels[0], a.labels[1]);
  assert.notEqual(a.labels[0], a.labels[3]);
  const labels = Int32Array.from([0, 0, 0, 1, 1, 1]);
  // Student exactly at ν(x) = 0.5·onehot(y) + 0.5·μ_k(x).
  const ps = matrix(6, 2);
  for (let i = 0; i < 6; i++) for (let t = 0; t < 2; t++) ps.data[i * 2 + t] = 0.5 * (t === labels[i] ? 1 : 0) + 0.5 * (a.centroids[(a.labels[i] as number) * 2 + t] as number);
  const m = biasMetrics(ps, pt, labels, a, { delta: 0.01 });
  assert.ok(m.knnLoss < 1e-6 && m.propDistance < 1e-6);
  assert.equal(m.propWithinDelta, 1);
  assert.equal(m.clusterPurity, 1);
  assert.equal(m.activeCentroids, 2);
});

test('run analysis records the picked-class histograms and the stopping signals per query round (hand-computed, 2 rounds)', () => {
  const C = 2;
  const m = (rs: number[][]): ReturnType<typeof matrix> => matrix(rs.length, C, Float32Array.from(rs.flat()));
  const preds = (p: number[][]): SelectInfo['pool'] => ({ ce: m(p), kd: m(p), probs: m(p), features: m(p) });
  // Teacher argmax on rows 2, 3, 4: 0, 0, 1.
  const teacherProbs = m([
    [0.9, 0.1],
    [0.1, 0.9],
    [0.7, 0.3],
    [0.6, 0.4],
    [0.4, 0.6],
  ]);
  const poolLabels = Int32Array.from([0, 1, 0, 1, 1]);
  const round0: SelectInfo = {
    round: 0,
    poolRows: Uint32Array.from([2, 3, 4]),
    pickedRows: Uint32Array.from([4]),
    pool: preds([
      [0.8, 0.2],
      [0.3, 0.7],
      [0.6, 0.4],
    ]),
    labeled: preds([
      [0.9, 0.1],
      [0.2, 0.8],
    ]),
    labeledRows: Uint32Array.from([0, 1]),
    labeledLabels: Int32Array.from([0, 1]),
    pickedLabels: Int32Array.from([1]),
  };
  const round1: SelectInfo = {
    round: 1,
    poolRows: Uint32Array.from([2, 3]),
    pickedRows: Uint32Array.from([2]),
    pool: preds([
      [0.45, 0.55],
      [0.1, 0.9],
    ]),
    labeled: preds([
      [0.9, 0.1],
      [0.2, 0.8],
      [0.3, 0.7],
    ]),
    labeledRows: Uint32Array.from([0, 1, 4]),
    labeledLabels: Int32Array.from([0, 1, 1]),
    pickedLabels: Int32Array.from([0]),
  };
  const ids = ['a', 'b', 'c', 'd', 'e'];
  const a = createRunAnalysis({ ids, teacherProbs, poolLabels, numClasses: C, options: { bias: false } });
  a.onSelect(round0);
  a.onSelect(round1);
  const [r0, r1] = (JSON.parse(JSON.stringify(a.result())) as RunAnalysis).rounds;
  // Round 0: picked row 4, student (0.6, 0.4) → predicted class 0, true class 1.
  assert.deepEqual(r0?.pickedClasses, { predicted: [1, 0], true: [0, 1] });
  // Radius: row 4 is farthest, √(0.3² + 0.3²) = 0.3√2 from (0.9, 0.1); agreement: student 0, 1, 0 vs teacher 0, 0, 1 → 1/3.
  assert.ok(Math.abs((r0?.stopping?.coverageRadius ?? NaN) - 0.3 * Math.SQRT2) < 1e-6);
  assert.ok(Math.abs((r0?.stopping?.teacherAgreement ?? NaN) - 1 / 3) < 1e-12);
  assert.equal(r0?.stopping?.predictionStability, null, 'no previous round');
  // Round 1: row 2 flips 0 → 1, row 3 stays 1 → stability 1/2; radius 0.15√2 (row 2 to (0.3, 0.7)); agreement 0.
  assert.deepEqual(r1?.pickedClasses, { predicted: [0, 1], true: [1, 0] });
  assert.ok(Math.abs((r1?.stopping?.coverageRadius ?? NaN) - 0.15 * Math.SQRT2) < 1e-6);
  assert.equal(r1?.stopping?.teacherAgreement, 0);
  assert.equal(r1?.stopping?.predictionStability, 0.5);
  // Without a teacher: no agreement; turned off: nothing recorded.
  const b = createRunAnalysis({ ids, poolLabels, numClasses: C, options: {} });
  b.onSelect(round0);
  assert.equal(b.result().rounds[0]?.stopping?.teacherAgreement, null);
  assert.equal(b.result().rounds[0]?.bias, undefined);
  const c = createRunAnalysis({ ids, teacherProbs, poolLabels, numClasses: C, options: { stopping: false, pickedClasses: false, bias: false } });
  c.onSelect(round0);
  assert.equal(c.result().rounds[0]?.stopping, undefined);
  assert.equal(c.result().rounds[0]?.pickedClasses, undefined);
});

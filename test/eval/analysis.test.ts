import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrix } from '../../src/linalg/matrix.ts';
import { biasMetrics, kmeans } from '../../src/eval/bias.ts';
import { batchCriteria, normalisedEntropy } from '../../src/eval/criteria.ts';

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

test('kmeans is seeded and separates two blobs; bias metrics of a perfect student', () => {
  const pts = [0.9, 0.1, 0.92, 0.08, 0.88, 0.12, 0.1, 0.9, 0.12, 0.88, 0.08, 0.92];
  const pt = matrix(6, 2, Float32Array.from(pts));
  const a = kmeans(pt, 2, { seed: 3 });
  const b = kmeans(pt, 2, { seed: 3 });
  assert.deepEqual(a.assign, b.assign);
  assert.equal(a.assign[0], a.assign[1]);
  assert.notEqual(a.assign[0], a.assign[3]);
  const labels = Int32Array.from([0, 0, 0, 1, 1, 1]);
  // Student exactly at ν(x) = 0.5·onehot(y) + 0.5·μ_k(x).
  const ps = matrix(6, 2);
  for (let i = 0; i < 6; i++) for (let t = 0; t < 2; t++) ps.data[i * 2 + t] = 0.5 * (t === labels[i] ? 1 : 0) + 0.5 * (a.centroids[(a.assign[i] as number) * 2 + t] as number);
  const m = biasMetrics(ps, pt, labels, a, { delta: 0.01 });
  assert.ok(m.knnLoss < 1e-6 && m.propDistance < 1e-6);
  assert.equal(m.propWithinDelta, 1);
  assert.equal(m.clusterPurity, 1);
  assert.equal(m.activeCentroids, 2);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { matrix } from '../../src/linalg/matrix.ts';
import { createEntropy } from '../../src/strategies/entropy.ts';
import { createLeastConfidence } from '../../src/strategies/least-confidence.ts';
import { createMargin } from '../../src/strategies/margin.ts';
import { entropyScores, leastConfidenceScores, marginScores } from '../../src/strategies/scores.ts';
import { probsContext, assertClose } from './helpers.ts';

// C = 3 fixture:
//   row 0 [0.4, 0.4, 0.2]     H = 1.0549  margin 0     1−max 0.6
//   row 1 [0.5, 0.25, 0.25]   H = 1.0397  margin 0.25  1−max 0.5
//   row 2 [0.34, 0.33, 0.33]  H = 1.0986  margin 0.01  1−max 0.66
//   row 3 [0.6, 0.4, 0]       H = 0.6730  margin 0.2   1−max 0.4
const POOL = [
  [0.4, 0.4, 0.2],
  [0.5, 0.25, 0.25],
  [0.34, 0.33, 0.33],
  [0.6, 0.4, 0],
];
const ctx = () => probsContext(POOL, []);

test('entropy: H = −Σ p log(p + 1e-10), highest first (SPEC §9.2)', () => {
  const h = entropyScores(matrix(4, 3, Float32Array.from(POOL.flat())));
  assertClose(h, [1.0549, 1.0397, 1.0986, 0.673], 1e-4, 'H');
  const s = createEntropy().select(ctx(), 3);
  assert.deepEqual([...s.rows], [2, 0, 1]);
  assertClose(s.scores ?? [], [1.0986, 1.0549, 1.0397], 1e-4, 'scores');
});

test('margin: smallest top1 − top2 first', () => {
  assertClose(marginScores(matrix(4, 3, Float32Array.from(POOL.flat()))), [0, 0.25, 0.01, 0.2], 1e-6, 'margin');
  assert.deepEqual([...createMargin().select(ctx(), 4).rows], [0, 2, 3, 1]);
});

test('least-confidence: smallest max probability first', () => {
  assertClose(leastConfidenceScores(matrix(4, 3, Float32Array.from(POOL.flat()))), [0.6, 0.5, 0.66, 0.4], 1e-6, '1−max');
  assert.deepEqual([...createLeastConfidence().select(ctx(), 2).rows], [2, 0]);
});

test('ties go to the lowest row (stable), for every score strategy', () => {
  const tied = probsContext(
    [
      [0.9, 0.1],
      [0.5, 0.5],
      [0.9, 0.1],
      [0.5, 0.5],
    ],
    [],
  );
  assert.deepEqual([...createEntropy().select(tied, 4).rows], [1, 3, 0, 2]);
  assert.deepEqual([...createMargin().select(tied, 4).rows], [1, 3, 0, 2]);
  assert.deepEqual([...createLeastConfidence().select(tied, 4).rows], [1, 3, 0, 2]);
});

test('margin with one class treats top2 as 0; entropy of a one-hot row is 0', () => {
  assert.deepEqual([...marginScores(matrix(2, 1, Float32Array.of(1, 0.5)))], [1, 0.5]);
  assert.equal(entropyScores(matrix(1, 2, Float32Array.of(1, 0)))[0], -Math.log(1 + 1e-10));
});

test('rows that are permutations of the same probabilities tie exactly: the lowest row is picked first (issue 15 #14)', () => {
  // [0.1, 0.2, 0.4, 0.3] and [0.4, 0.3, 0.2, 0.1] have the same entropy, yet summed in column order
  // (float32 inputs, float64 sums) the second comes out 1 ulp larger.
  const a = [0.1, 0.2, 0.4, 0.3];
  const b = [0.4, 0.3, 0.2, 0.1];
  const columnOrder = (row: number[]): number => Array.from(Float32Array.from(row)).reduce((h, p) => h - p * Math.log(p + 1e-10), 0);
  assert.ok(columnOrder(b) > columnOrder(a), 'the fixture must separate the rows under column-order summation');
  const confident = [0.97, 0.01, 0.01, 0.01];
  const pool = probsContext([confident, a, confident, b, a], []);
  assert.deepEqual([...createEntropy().select(pool, 3).rows], [1, 3, 4]);
  const h = entropyScores(pool.pool.probs);
  assert.ok(h[1] === h[3] && h[3] === h[4]);
  for (const strategy of [createEntropy(), createMargin(), createLeastConfidence()]) {
    assert.deepEqual([...strategy.select(pool, 3).rows], [1, 3, 4], strategy.name);
  }
});

test('property: every uncertainty score is bit-identical under a permutation of the row', () => {
  const row = fc.integer({ min: 2, max: 12 }).chain((c) => fc.array(fc.float({ min: Math.fround(1e-6), max: 1, noNaN: true }), { minLength: c, maxLength: c }));
  fc.assert(
    fc.property(row, fc.infiniteStream(fc.nat()), (w, rnd) => {
      const s = w.reduce((x, y) => x + y, 0);
      const p = Float32Array.from(w, (x) => x / s);
      const perm = Array.from(p.keys());
      const it = rnd[Symbol.iterator]();
      for (let i = perm.length - 1; i > 0; i--) {
        const j = (it.next().value as number) % (i + 1);
        [perm[i], perm[j]] = [perm[j] as number, perm[i] as number];
      }
      const both = matrix(2, p.length, Float32Array.from([...p, ...perm.map((k) => p[k] as number)]));
      for (const f of [entropyScores, marginScores, leastConfidenceScores]) {
        const v = f(both);
        assert.ok(Object.is(v[0], v[1]), `${f.name}: ${v[0]} vs ${v[1]}`);
      }
    }),
    { numRuns: 500 },
  );
});

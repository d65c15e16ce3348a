import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { matrix, type Matrix } from '../../src/linalg/matrix.ts';
import { badgeDistance, badgeEmbeddingDot, badgeFactors, badgeFirstPick, badgeGreedy } from '../../src/strategies/badge-kernel.ts';
import { badgeGreedyNaive, explicitBadgeEmbedding } from '../../src/strategies/kcenter-reference.ts';
import { createBadge } from '../../src/strategies/badge.ts';
import { Rng } from '../../src/util/rng.ts';
import { probsContext, randomMatrix } from './helpers.ts';

// C = 2, D = 2. For p = (a, 1−a): diff = (1−a)(1, −1) when a > 0.5 (pred 0), a(−1, 1) when a < 0.5 (pred 1),
// so g_i ∝ sign_i · (1, −1) ⊗ ẑ_i with sign + for pred 0, − for pred 1, and cos(g_i, g_j) = sign_i sign_j cos(z_i, z_j).
// Raw norm ‖g_i‖ = √2 (1 − max p_i) ‖z_i‖.
const PROBS = [
  [0.9, 0.1], // row 0: +, z = (1,0)  → direction (1,0),  raw √2·0.1·1 = 0.14
  [0.2, 0.8], // row 1: −, z = (1,0)  → direction (−1,0), raw √2·0.2·1 = 0.28
  [0.6, 0.4], // row 2: +, z = (0,1)  → direction (0,1),  raw √2·0.4·1 = 0.57
  [0.7, 0.3], // row 3: +, z = (0,3)  → direction (0,1),  raw √2·0.3·3 = 1.27
  [1, 0], //     row 4: one-hot → diff = 0 → zero embedding, distance 1 to everything
];
const FEATS = [
  [1, 0],
  [1, 0],
  [0, 1],
  [0, 3],
  [1, 1],
];
const P: Matrix = matrix(5, 2, Float32Array.from(PROBS.flat()));
const Z: Matrix = matrix(5, 2, Float32Array.from(FEATS.flat()));

test('badge: hand-checked fixture, first pick argmaxRawNorm (SPEC §9.6)', () => {
  // first = row 3 (largest raw norm). Distances to (0,1): rows 0,1 → 1, row 2 → 0, row 4 → 1 → pick 0 (first of ties).
  // Centre (1,0): row 1 → 1 − (−1) = 2 but min stays 1; row 2 stays 0; row 4 stays 1 → pick 1, then 4, then 2.
  const r = badgeGreedy({ probs: P, features: Z, q: 5 });
  assert.deepEqual([...r.rows], [3, 0, 1, 4, 2]);
  assert.equal(r.minDist[0], Infinity);
  assert.ok(Math.abs((r.minDist[1] as number) - 1) < 1e-6 && Math.abs(r.minDist[4] as number) < 1e-6);
});

test('badge: firstPick index0 / argmaxNormalizedNorm', () => {
  // first = row 0 (1,0): row 1 → 2, rows 2,3,4 → 1 → pick 1 (2). Centre (−1,0): rows 2,3 stay 1, row 4 1 → pick 2;
  // centre (0,1): row 3 → ≈0, row 4 stays 1 → pick 4, then 3.
  assert.deepEqual([...badgeGreedy({ probs: P, features: Z, q: 5, firstPick: 'index0' }).rows], [0, 1, 2, 4, 3]);
  // Normalised norms are 1 except for zero embeddings: the first non-zero row.
  const f = badgeFactors(matrix(3, 2, Float32Array.from([1, 0, 0.3, 0.7, 0.6, 0.4])), matrix(3, 1, Float32Array.from([1, 1, 5])));
  assert.equal(badgeFirstPick(f, 'argmaxNormalizedNorm'), 1);
  assert.equal(badgeFirstPick(f, 'argmaxRawNorm'), 2);
  assert.equal(badgeFirstPick(f, 'index0'), 0);
});

test('badge: zero-norm embeddings have cosine distance exactly 1', () => {
  const f = badgeFactors(P, Z);
  for (let j = 0; j < 5; j++) {
    assert.equal(badgeDistance(f, Z, 4, j), 1);
    assert.equal(badgeDistance(f, Z, j, 4), 1);
  }
  const zeroFeat = badgeFactors(matrix(2, 2, Float32Array.from([0.7, 0.3, 0.6, 0.4])), matrix(2, 3));
  assert.equal(badgeDistance(zeroFeat, matrix(2, 3), 0, 1), 1);
});

const dims = fc.record({ n: fc.integer({ min: 1, max: 12 }), C: fc.integer({ min: 1, max: 6 }), D: fc.integer({ min: 1, max: 9 }), seed: fc.integer(), oneHot: fc.boolean() });

function randomBadge(n: number, C: number, D: number, seed: number, oneHot: boolean): { probs: Matrix; features: Matrix } {
  const rng = new Rng(seed);
  const probs = new Float32Array(n * C);
  for (let i = 0; i < n; i++) {
    if (oneHot && rng.next() < 0.3) {
      probs[i * C + rng.int(C)] = 1;
      continue;
    }
    let s = 0;
    for (let c = 0; c < C; c++) s += probs[i * C + c] = Math.exp(rng.uniform(-3, 3));
    for (let c = 0; c < C; c++) probs[i * C + c] = (probs[i * C + c] as number) / s;
  }
  return { probs: matrix(n, C, probs), features: randomMatrix(rng, n, D) };
}

test('property: factorised ⟨g_i,g_j⟩ == explicit C·D embedding dot; cosine distance matches', () => {
  fc.assert(
    fc.property(dims, ({ n, C, D, seed, oneHot }) => {
      const { probs, features } = randomBadge(n, C, D, seed, oneHot);
      const f = badgeFactors(probs, features);
      const g = Array.from({ length: n }, (_, i) => explicitBadgeEmbedding(probs, features, i));
      const dot = (a: Float64Array, b: Float64Array): number => a.reduce((s, v, k) => s + v * (b[k] as number), 0);
      for (let i = 0; i < n; i++) {
        const gi = g[i] as Float64Array;
        assert.ok(Math.abs(Math.sqrt(dot(gi, gi)) - (f.rawNorm[i] as number)) <= 1e-9 * (1 + (f.rawNorm[i] as number)));
        for (let j = 0; j < n; j++) {
          const gj = g[j] as Float64Array;
          const e = dot(gi, gj);
          assert.ok(Math.abs(badgeEmbeddingDot(f, features, i, j) - e) <= 1e-9 * (1 + Math.abs(e)), `dot ${i},${j}`);
          const ni = Math.sqrt(dot(gi, gi));
          const nj = Math.sqrt(dot(gj, gj));
          const cos = ni > 0 && nj > 0 ? e / (ni * nj) : 0; // F.normalize keeps a zero embedding at zero
          assert.ok(Math.abs(badgeDistance(f, features, i, j) - (1 - cos)) <= 1e-6, `distance ${i},${j}`);
        }
      }
    }),
    { numRuns: 150 },
  );
});

test('property: fast badge kernel == naive SPEC §9.6 loop (rows and scores)', () => {
  fc.assert(
    fc.property(dims, fc.integer({ min: 0, max: 14 }), fc.constantFrom('argmaxRawNorm' as const, 'argmaxNormalizedNorm' as const, 'index0' as const), ({ n, C, D, seed, oneHot }, q, firstPick) => {
      const { probs, features } = randomBadge(n, C, D, seed, oneHot);
      const a = badgeGreedy({ probs, features, q, firstPick });
      const b = badgeGreedyNaive({ probs, features, q, firstPick });
      assert.deepEqual([...a.rows], [...b.rows]);
      assert.deepEqual([...a.minDist], [...b.minDist]);
    }),
    { numRuns: 200 },
  );
});

test('badge picks equal a k-center run on the explicit normalised C·D embeddings', () => {
  for (const seed of [1, 2, 3]) {
    const { probs, features } = randomBadge(40, 4, 6, seed, false);
    const g = Array.from({ length: 40 }, (_, i) => {
      const v = explicitBadgeEmbedding(probs, features, i);
      const nrm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
      return { v: v.map((x) => x / nrm), nrm };
    });
    // Explicit SPEC §9.6 loop in float64.
    let first = 0;
    g.forEach((e, i) => {
      if (e.nrm > (g[first] as { nrm: number }).nrm) first = i;
    });
    const S = [first];
    while (S.length < 10) {
      let bi = -1;
      let bv = -Infinity;
      for (let i = 0; i < 40; i++) {
        if (S.includes(i)) continue;
        const mi = Math.min(...S.map((s) => 1 - (g[i] as { v: Float64Array }).v.reduce((acc, x, k) => acc + x * ((g[s] as { v: Float64Array }).v[k] as number), 0)));
        if (mi > bv) {
          bv = mi;
          bi = i;
        }
      }
      S.push(bi);
    }
    assert.deepEqual([...badgeGreedy({ probs, features, q: 10 }).rows], S, `seed ${seed}`);
  }
});

test('badge strategy: config, needs, head variants', () => {
  const ctx = probsContext(PROBS, [[0.5, 0.5]], { poolFeatures: FEATS, labeledFeatures: [[1, 0]] });
  const s = createBadge();
  assert.deepEqual(s.needs, ['probs', 'features']);
  assert.equal(s.config.firstPick, 'argmaxRawNorm');
  assert.deepEqual([...s.select(ctx, 3).rows], [3, 0, 1]);
  // probsContext's ce = kd = log p, so softmax(ce) = p and every head agrees (up to float rounding on row 4).
  const ce = createBadge({ head: 'ce' });
  assert.deepEqual(ce.needs, ['logits', 'features']);
  assert.deepEqual([...ce.select(ctx, 3).rows], [3, 0, 1]);
});

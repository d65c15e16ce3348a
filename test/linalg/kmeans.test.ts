import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { kMeans, sampleD2, type KMeansArithmetic } from '../../src/linalg/kmeans.ts';
import { matrix, type Matrix } from '../../src/linalg/matrix.ts';
import { Rng } from '../../src/util/rng.ts';

const ARITHMETICS: KMeansArithmetic[] = ['float32-euclidean', 'float64-squared'];
const rows = (rs: number[][]): Matrix => matrix(rs.length, rs[0]?.length ?? 0, Float32Array.from(rs.flat()));

/** Three tight 2-D blobs around (0,0), (10,0), (0,10): four points each, members of blob b at rows 4b..4b+3. */
const blobs = rows([
  [0, 0],
  [1, 0],
  [0, 1],
  [1, 1],
  [10, 0],
  [11, 0],
  [10, 1],
  [11, 1],
  [0, 10],
  [1, 10],
  [0, 11],
  [1, 11],
]);

/** An Rng stand-in that replays fixed draws and records which methods were called. */
function scriptedRng(ints: number[], uniforms: number[]): { rng: Rng; calls: string[] } {
  const calls: string[] = [];
  const rng = {
    int: (n: number): number => {
      calls.push('int');
      return (ints.shift() ?? 0) % n;
    },
    next: (): number => {
      calls.push('next');
      return uniforms.shift() ?? 0;
    },
  } as unknown as Rng;
  return { rng, calls };
}

test('kMeans: three known blobs are recovered with their means as centroids (both arithmetics)', () => {
  for (const arithmetic of ARITHMETICS) {
    for (let seed = 0; seed < 20; seed++) {
      const r = kMeans(blobs, 3, new Rng(seed), { arithmetic, restarts: 5 });
      assert.equal(r.k, 3);
      const blobOf = [0, 1, 2].map((b) => r.labels[4 * b] as number);
      assert.equal(new Set(blobOf).size, 3, `${arithmetic} seed ${seed}: blobs share a cluster`);
      for (let i = 0; i < 12; i++) assert.equal(r.labels[i], blobOf[Math.floor(i / 4)]);
      const means = [
        [0.5, 0.5],
        [10.5, 0.5],
        [0.5, 10.5],
      ];
      for (let b = 0; b < 3; b++) {
        const j = blobOf[b] as number;
        assert.equal(r.sizes[j], 4);
        assert.deepEqual([r.centroids[2 * j], r.centroids[2 * j + 1]], means[b]);
      }
      // Inertia: every point is at squared distance 0.5 from its blob mean.
      assert.ok(Math.abs(r.inertia - 12 * 0.5) < 1e-12);
      assert.ok(r.centroids instanceof (arithmetic === 'float32-euclidean' ? Float32Array : Float64Array));
    }
  }
});

test('kMeans: deterministic given the seed, and consumes the Rng identically', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 10 }), fc.constantFrom(...ARITHMETICS), (seed, n, k, arithmetic) => {
      const src = new Rng(seed ^ 0x5bd1);
      const x = matrix(n, 3, Float32Array.from({ length: n * 3 }, () => src.uniform(-1, 1)));
      const r1 = new Rng(seed);
      const r2 = new Rng(seed);
      const a = kMeans(x, k, r1, { arithmetic, restarts: 2 });
      const b = kMeans(x, k, r2, { arithmetic, restarts: 2 });
      assert.deepEqual(a, b);
      assert.equal(r1.nextUint32(), r2.nextUint32());
    }),
    { numRuns: 100 },
  );
});

test('kMeans (property): a converged run is a Lloyd fixed point — labels nearest, centroids the member means', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 2, max: 50 }), fc.integer({ min: 1, max: 8 }), fc.constantFrom(...ARITHMETICS), (seed, n, k, arithmetic) => {
      const src = new Rng(seed + 1);
      const D = 2;
      const x = matrix(n, D, Float32Array.from({ length: n * D }, () => src.uniform(-1, 1)));
      const r = kMeans(x, k, new Rng(seed), { arithmetic, maxIterations: 200 });
      assert.ok(r.iterations < 200, 'did not converge');
      assert.equal(r.k, Math.min(k, n));
      assert.equal(r.sizes.reduce((s, v) => s + v, 0), n);
      let inertia = 0;
      for (let i = 0; i < n; i++) {
        const d2 = (j: number): number => ((x.data[i * D] as number) - (r.centroids[j * D] as number)) ** 2 + ((x.data[i * D + 1] as number) - (r.centroids[j * D + 1] as number)) ** 2;
        const own = d2(r.labels[i] as number);
        for (let j = 0; j < r.k; j++) assert.ok(own <= d2(j) + 1e-9, `row ${i} is closer to ${j}`);
        inertia += own;
      }
      assert.ok(Math.abs(inertia - r.inertia) < 1e-9 * Math.max(1, inertia));
      for (let j = 0; j < r.k; j++) {
        if (r.sizes[j] === 0) continue;
        for (let e = 0; e < D; e++) {
          let s = 0;
          for (let i = 0; i < n; i++) if (r.labels[i] === j) s += x.data[i * D + e] as number;
          const mean = s / (r.sizes[j] as number);
          assert.ok(Math.abs((r.centroids[j * D + e] as number) - mean) < 1e-6, `centroid ${j} ≠ member mean`);
        }
      }
    }),
    { numRuns: 150 },
  );
});

test('kMeans: more restarts never give a higher inertia than the first restart alone', () => {
  for (let seed = 0; seed < 30; seed++) {
    const src = new Rng(seed + 100);
    const x = matrix(30, 2, Float32Array.from({ length: 60 }, () => src.uniform(0, 1)));
    const one = kMeans(x, 4, new Rng(seed), { arithmetic: 'float64-squared' });
    const five = kMeans(x, 4, new Rng(seed), { arithmetic: 'float64-squared', restarts: 5 });
    assert.ok(five.inertia <= one.inertia);
  }
});

test('kMeans seeding: D² draws of the two arithmetics (hand-checked on 0, 1, 3 on a line)', () => {
  const line = rows([[0], [1], [3]]);
  // First centre row 0; D² weights [0, 1, 9] (total 10). U = 0.05 → r = 0.5 → row 1 (value 1);
  // U = 0.2 → r = 2 → row 2 (value 3).
  for (const arithmetic of ARITHMETICS) {
    for (const [u, expected] of [
      [0.05, 1],
      [0.2, 3],
    ] as const) {
      const { rng, calls } = scriptedRng([0], [u]);
      const r = kMeans(line, 2, rng, { arithmetic, maxIterations: 0 });
      assert.deepEqual(Array.from(r.centroids), [0, expected], `${arithmetic} U = ${u}`);
      assert.deepEqual(calls, ['int', 'next']);
    }
  }
  // All rows identical (D² total 0): float32-euclidean draws one uniform row; float64-squared draws U, then a row.
  const dup = rows([[2], [2], [2]]);
  const a = scriptedRng([0, 2], []);
  kMeans(dup, 2, a.rng, { arithmetic: 'float32-euclidean' });
  assert.deepEqual(a.calls, ['int', 'int']);
  const b = scriptedRng([0, 2], [0.5]);
  const rb = kMeans(dup, 2, b.rng, { arithmetic: 'float64-squared' });
  assert.deepEqual(b.calls, ['int', 'next', 'int']);
  // Equal centroids: every row goes to the lowest cluster index.
  assert.deepEqual(Array.from(rb.labels), [0, 0, 0]);
  assert.deepEqual(Array.from(rb.sizes), [3, 0]);
});

test('sampleD2: running sum of the positive weights against U·total; zero weights never drawn; −1 without a draw when total is 0', () => {
  const w = Float64Array.of(0, 1, 0, 9);
  for (const [u, expected] of [
    [0, 1],
    [0.05, 1],
    [0.0999, 1],
    [0.1, 3],
    [0.999, 3],
  ] as const) {
    const { rng, calls } = scriptedRng([], [u]);
    assert.equal(sampleD2(w, 10, rng), expected, `U = ${u}`);
    assert.deepEqual(calls, ['next']);
  }
  const { rng, calls } = scriptedRng([], [0.5]);
  assert.equal(sampleD2(new Float64Array(3), 0, rng), -1);
  assert.deepEqual(calls, []);
  // Frequencies follow the weights.
  const counts = [0, 0, 0, 0];
  const real = new Rng(3);
  for (let t = 0; t < 20000; t++) counts[sampleD2(w, 10, real)]! += 1;
  assert.equal(counts[0], 0);
  assert.equal(counts[2], 0);
  assert.ok(Math.abs((counts[1] as number) / 20000 - 0.1) < 0.01, `row 1 drawn ${counts[1]} times`);
});

test('kMeans: k clamped to N (each distinct row its own cluster), maxIterations 0 assigns to the seeds', () => {
  const x = rows([[0], [5], [9]]);
  for (const arithmetic of ARITHMETICS) {
    const r = kMeans(x, 10, new Rng(1), { arithmetic });
    assert.equal(r.k, 3);
    assert.deepEqual(Array.from(r.sizes), [1, 1, 1]);
    assert.equal(r.inertia, 0);
    const z = kMeans(x, 2, new Rng(1), { arithmetic, maxIterations: 0 });
    assert.equal(z.iterations, 0);
    for (const l of z.labels) assert.ok(l === 0 || l === 1);
    assert.equal(z.sizes[0]! + z.sizes[1]!, 3);
  }
});

test('kMeans: bad input → RangeError', () => {
  const rng = new Rng(0);
  assert.throws(() => kMeans(matrix(0, 2), 1, rng), RangeError);
  assert.throws(() => kMeans(blobs, 0, rng), RangeError);
  assert.throws(() => kMeans(blobs, 1.5, rng), RangeError);
  assert.throws(() => kMeans(blobs, 2, rng, { maxIterations: -1 }), RangeError);
  assert.throws(() => kMeans(blobs, 2, rng, { restarts: 0 }), RangeError);
  assert.throws(() => kMeans({ rows: 3, cols: 2, data: new Float32Array(5) }, 2, rng), RangeError);
  assert.throws(() => kMeans(blobs, 2, rng, { arithmetic: 'float16' as KMeansArithmetic }), RangeError);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { matrix, type Matrix } from '../../src/linalg/matrix.ts';
import { kCenterGreedy, type KCenterArgs } from '../../src/strategies/kcenter.ts';
import { kCenterGreedyNaive } from '../../src/strategies/kcenter-reference.ts';
import { l2Distance, l2NormalizeRows } from '../../src/linalg/distance.ts';
import { Rng } from '../../src/util/rng.ts';
import { assertClose } from './helpers.ts';

/** 2-class probability points (a, 1−a): ‖(a,1−a) − (b,1−b)‖ = √2·|a − b|, a 1-D problem in a. */
const simplex = (as: number[]): Matrix => matrix(as.length, 2, Float32Array.from(as.flatMap((a) => [a, 1 - a])));
const S2 = Math.SQRT2;

test('kCenterGreedy farthest: hand-checked 2-class fixture (SPEC §9.4)', () => {
  // pool a = [0.1, 0.5, 0.9, 0.55, 0.3], labeled centre a = 0.5. In units of √2·|Δa|:
  //   m = [0.4, 0, 0.4, 0.05, 0.2]  → pick 0 (0.4; row 2's float32 0.9 is 0.39999998 away, and ties go low anyway)
  //   centre 0.1: m = [·, 0, 0.4, 0.05, 0.2] → pick 2 (0.4)
  //   centre 0.9: m = [·, 0, ·, 0.05, 0.2]   → pick 4 (0.2), then 3 (0.05), then 1 (exactly 0: duplicate of the centre)
  const points = simplex([0.1, 0.5, 0.9, 0.55, 0.3]);
  const r = kCenterGreedy({ points, centers: simplex([0.5]), q: 5, distance: 'l2', mode: 'farthest' });
  assert.deepEqual([...r.rows], [0, 2, 4, 3, 1]);
  assertClose(r.minDist, [0.4 * S2, 0.4 * S2, 0.2 * S2, 0.05 * S2, 0], 1e-6, 'minDist');
  assert.equal(r.minDist[4], 0, 'an exact duplicate of a centre has distance exactly 0');
});

test('kCenterGreedy nearest: hand-checked fixture (PCoreSet+R, SPEC §9.5)', () => {
  // Same data. m = [0.4, 0, 0.4, 0.05, 0.2] → pick 1 (0); centre 0.5 again changes nothing → pick 3 (0.05);
  // centre 0.55: row 2 → 0.35, row 0 stays 0.4, row 4 stays 0.2 → pick 4 (0.2);
  // centre 0.3: row 0 → 0.2, row 2 stays 0.35 → pick 0 (0.2), then 2 (0.35).
  const points = simplex([0.1, 0.5, 0.9, 0.55, 0.3]);
  const r = kCenterGreedy({ points, centers: simplex([0.5]), q: 5, distance: 'l2', mode: 'nearest' });
  assert.deepEqual([...r.rows], [1, 3, 4, 0, 2]);
  assertClose(r.minDist, [0, 0.05 * S2, 0.2 * S2, 0.2 * S2, 0.35 * S2], 1e-6, 'minDist');
});

test('kCenterGreedy cosine: hand-checked unit-circle fixture (SPEC §9.3)', () => {
  // pool at angles 0° (length 2, normalised first), 90°, 180°, 45°; labeled centre at 0°.
  // d = 1 − cos Δθ: m = [0, 1, 2, 0.293] → pick 2; centre 180°: row 1 min(1, 1) = 1, row 3 min(0.293, 1.707)
  // → pick 1 (1); centre 90°: row 3 stays 0.293 → pick 3, then 0 (0).
  const c = Math.SQRT1_2;
  const points = l2NormalizeRows(matrix(4, 2, Float32Array.from([2, 0, 0, 1, -1, 0, c, c])));
  const r = kCenterGreedy({ points, centers: matrix(1, 2, Float32Array.from([1, 0])), q: 4, distance: 'cosine', mode: 'farthest' });
  assert.deepEqual([...r.rows], [2, 1, 3, 0]);
  assertClose(r.minDist, [2, 1, 1 - c, 0], 1e-6, 'minDist');
});

test('kCenterGreedy without centres starts at `first` (default 0), score +∞', () => {
  const points = simplex([0.2, 0.4, 0.9]);
  const a = kCenterGreedy({ points, q: 3, distance: 'l2', mode: 'farthest' });
  assert.deepEqual([...a.rows], [0, 2, 1]);
  assert.equal(a.minDist[0], Infinity);
  const b = kCenterGreedy({ points, q: 2, distance: 'l2', mode: 'farthest', first: 2 });
  assert.deepEqual([...b.rows], [2, 0]);
  const e = kCenterGreedy({ points, centers: matrix(0, 2), q: 1, distance: 'l2', mode: 'nearest', first: 1 });
  assert.deepEqual([...e.rows], [1], 'an empty centre matrix means no centres');
});

test('kCenterGreedy: q larger than N, q = 0, empty pool', () => {
  const points = simplex([0.2, 0.4]);
  assert.equal(kCenterGreedy({ points, q: 10, distance: 'l2', mode: 'farthest' }).rows.length, 2);
  assert.equal(kCenterGreedy({ points, q: 0, distance: 'l2', mode: 'farthest' }).rows.length, 0);
  assert.equal(kCenterGreedy({ points: matrix(0, 2), q: 3, distance: 'l2', mode: 'farthest' }).rows.length, 0);
});

test('kCenterGreedy rejects bad arguments', () => {
  const points = simplex([0.2, 0.4]);
  assert.throws(() => kCenterGreedy({ points, q: -1, distance: 'l2', mode: 'farthest' }), RangeError);
  assert.throws(() => kCenterGreedy({ points, q: 1.5, distance: 'l2', mode: 'farthest' }), RangeError);
  assert.throws(() => kCenterGreedy({ points, q: 1, distance: 'l2', mode: 'farthest', first: 2 }), RangeError);
  assert.throws(() => kCenterGreedy({ points, q: 1, distance: 'l2', mode: 'farthest', chunkRows: 0 }), RangeError);
  assert.throws(() => kCenterGreedy({ points, centers: matrix(1, 3), q: 1, distance: 'l2', mode: 'farthest' }), RangeError);
  assert.throws(() => kCenterGreedy({ points: matrix(1, 2, Float32Array.of(NaN, 0)), q: 1, distance: 'l2', mode: 'farthest' }), RangeError);
});

test('l2Distance is plain Euclidean from differences: duplicates give exactly 0', () => {
  const a = Float32Array.from([0.1, 0.7, 0.2, 1e3, 5, 6, 7]);
  assert.equal(l2Distance(a, 0, Float32Array.from(a), 0, 7), 0);
  assert.ok(Math.abs(l2Distance(Float32Array.of(0, 0, 0, 0, 0), 0, Float32Array.of(1, 2, 2, 0, 4), 0, 5) - 5) < 1e-12);
});

/** Random k-center problems: coordinates from a coarse grid (forcing ties and duplicates) or continuous. */
const problem = fc.record({
  n: fc.integer({ min: 0, max: 30 }),
  m: fc.integer({ min: 0, max: 5 }),
  dim: fc.integer({ min: 1, max: 7 }),
  q: fc.integer({ min: 0, max: 35 }),
  seed: fc.integer(),
  grid: fc.boolean(),
  distance: fc.constantFrom('l2' as const, 'cosine' as const),
  mode: fc.constantFrom('farthest' as const, 'nearest' as const),
  chunk: fc.integer({ min: 1, max: 31 }),
  firstFrac: fc.double({ min: 0, max: 0.999, noNaN: true }),
});

type Problem = typeof problem extends fc.Arbitrary<infer T> ? T : never;

function makeArgs(p: Problem): KCenterArgs {
  const rng = new Rng(p.seed);
  const gen = (rows: number): Matrix => {
    const d = Float32Array.from({ length: rows * p.dim }, () => (p.grid ? rng.int(3) * 0.5 : rng.uniform(-1, 1)));
    const mtx = matrix(rows, p.dim, d);
    return p.distance === 'cosine' ? l2NormalizeRows(mtx) : mtx;
  };
  return { points: gen(p.n), centers: gen(p.m), q: p.q, distance: p.distance, mode: p.mode, first: Math.floor(p.firstFrac * Math.max(1, p.n)) };
}

test('property: fast running-minimum kernel == naive SPEC pseudo-code (rows and scores, ties included)', () => {
  fc.assert(
    fc.property(problem, (p) => {
      const args = makeArgs(p);
      const fast = kCenterGreedy(args);
      const naive = kCenterGreedyNaive(args);
      assert.deepEqual([...fast.rows], [...naive.rows]);
      assert.deepEqual([...fast.minDist], [...naive.minDist]);
      assert.equal(fast.rows.length, Math.min(p.q, p.n));
      assert.equal(new Set(fast.rows).size, fast.rows.length, 'distinct');
    }),
    { numRuns: 300 },
  );
});

test('property: chunked == unchunked', () => {
  fc.assert(
    fc.property(problem, (p) => {
      const args = makeArgs(p);
      const a = kCenterGreedy(args);
      const b = kCenterGreedy({ ...args, chunkRows: p.chunk });
      assert.deepEqual([...a.rows], [...b.rows]);
      assert.deepEqual([...a.minDist], [...b.minDist]);
    }),
    { numRuns: 200 },
  );
});

test('many centres (several centre blocks) give the same result as the naive reference', () => {
  const rng = new Rng(5);
  const dim = 300; // 16384/300 = 54 centres per block → 3 blocks for 130 centres
  const points = matrix(60, dim, Float32Array.from({ length: 60 * dim }, () => rng.uniform(0, 1)));
  const centers = matrix(130, dim, Float32Array.from({ length: 130 * dim }, () => rng.uniform(0, 1)));
  const args: KCenterArgs = { points, centers, q: 12, distance: 'l2', mode: 'farthest', chunkRows: 7 };
  assert.deepEqual([...kCenterGreedy(args).rows], [...kCenterGreedyNaive(args).rows]);
});

test('property: triangle-inequality pruning stays exact on clustered (student-like) probabilities', () => {
  // Peaked softmax rows cluster near simplex vertices, where the L2 update skips most rows.
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 2, max: 6 }), fc.integer({ min: 0, max: 40 }), fc.integer(), fc.constantFrom('farthest' as const, 'nearest' as const), (n, m, C, q, seed, mode) => {
      const rng = new Rng(seed);
      const peaked = (rows: number): Matrix => {
        const d = new Float32Array(rows * C);
        for (let i = 0; i < rows; i++) {
          const k = rng.int(C);
          let s = 0;
          for (let c = 0; c < C; c++) s += d[i * C + c] = Math.exp((c === k ? 6 : 0) + rng.uniform(0, 2));
          for (let c = 0; c < C; c++) d[i * C + c] = (d[i * C + c] as number) / s;
        }
        return matrix(rows, C, d);
      };
      const args: KCenterArgs = { points: peaked(n), centers: peaked(m), q, distance: 'l2', mode };
      const fast = kCenterGreedy(args);
      const naive = kCenterGreedyNaive(args);
      assert.deepEqual([...fast.rows], [...naive.rows]);
      assert.deepEqual([...fast.minDist], [...naive.minDist]);
    }),
    { numRuns: 150 },
  );
});

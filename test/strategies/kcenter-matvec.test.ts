import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { l2NormalizeRows } from '../../src/linalg/distance.ts';
import { matrix, type Matrix } from '../../src/linalg/matrix.ts';
import { kCenterGreedy, type KCenterArgs, type KCenterResult } from '../../src/strategies/kcenter.ts';
import { kCenterGreedyNaive } from '../../src/strategies/kcenter-reference.ts';
import { kCenterGreedyMatVec, releaseMatVecSession } from '../../src/strategies/kcenter-matvec.ts';
import { Rng } from '../../src/util/rng.ts';

after(() => releaseMatVecSession());

function assertSame(a: KCenterResult, b: KCenterResult, what: string): void {
  assert.deepEqual([...a.rows], [...b.rows], `${what}: picks`);
  assert.deepEqual([...a.minDist].map((v) => (Object.is(v, -0) ? 0 : v)), [...b.minDist].map((v) => (Object.is(v, -0) ? 0 : v)), `${what}: scores`);
  for (let i = 0; i < a.minDist.length; i++) assert.ok(Object.is(a.minDist[i], b.minDist[i]), `${what}: score ${i} bit-identical`);
}

/**
 * Random problem with near-ties: rows drawn from a small grid of probability-like values (many exact
 * duplicates and equal distances), plus tiny perturbations (distances that differ in the last bits).
 */
function problem(seed: number, n: number, m: number, dim: number, levels: number, jitter: number): { points: Matrix; centers: Matrix } {
  const rng = new Rng(seed);
  const gen = (rows: number): Matrix => {
    const d = new Float32Array(rows * dim);
    for (let k = 0; k < d.length; k++) d[k] = rng.int(levels) / levels + (rng.uniform(0, 1) < 0.3 ? jitter * rng.uniform(-1, 1) : 0);
    return matrix(rows, dim, d);
  };
  const points = gen(n);
  // duplicate some rows exactly
  for (let i = 1; i < n; i += 3) points.data.copyWithin(i * dim, rng.int(i) * dim, rng.int(i) * dim + dim);
  const centers = gen(m);
  if (m > 0 && n > 0) centers.data.set(points.data.subarray(0, dim), 0);
  return { points, centers };
}

const shape = fc.record({
  n: fc.integer({ min: 0, max: 60 }),
  m: fc.integer({ min: 0, max: 9 }),
  dim: fc.integer({ min: 1, max: 13 }),
  q: fc.integer({ min: 0, max: 70 }),
  levels: fc.integer({ min: 1, max: 4 }),
  jitter: fc.constantFrom(0, 1e-7, 1e-6, 1e-3),
  seed: fc.integer(),
  nearest: fc.boolean(),
  first: fc.nat(),
});

for (const engine of ['js', 'onnx'] as const) {
  test(`kCenterGreedyMatVec (${engine}): picks and scores equal the reference on random fixtures with near-ties and duplicates`, async () => {
    await fc.assert(
      fc.asyncProperty(shape, async (s) => {
        const { points, centers } = problem(s.seed, s.n, s.m, s.dim, s.levels, s.jitter);
        const args: KCenterArgs = { points, centers, q: s.q, distance: 'l2', mode: s.nearest ? 'nearest' : 'farthest', ...(s.n > 0 ? { first: s.first % s.n } : {}) };
        const ref = kCenterGreedyNaive(args);
        const got = await kCenterGreedyMatVec(args, { engine, threads: 1 });
        assertSame(got, ref, JSON.stringify(s));
      }),
      { numRuns: engine === 'js' ? 300 : 80 },
    );
  });

  test(`kCenterGreedyMatVec (${engine}): equals kCenterGreedy on a larger diffuse simplex problem (dim 50)`, async () => {
    const rng = new Rng(5);
    const [n, m, dim] = [1500, 40, 50];
    const simplex = (rows: number): Matrix => {
      const d = new Float32Array(rows * dim);
      for (let i = 0; i < rows; i++) {
        let t = 0;
        for (let c = 0; c < dim; c++) t += d[i * dim + c] = Math.exp(rng.uniform(0, 3));
        for (let c = 0; c < dim; c++) d[i * dim + c] = (d[i * dim + c] as number) / t;
      }
      return matrix(rows, dim, d);
    };
    const args: KCenterArgs = { points: simplex(n), centers: simplex(m), q: 120, distance: 'l2', mode: 'farthest' };
    const stats = { rechecks: 0 };
    assertSame(await kCenterGreedyMatVec(args, { engine, stats }), kCenterGreedy(args), 'farthest');
    assert.ok(stats.rechecks < n * (m + 120), 'the filter skips most direct distances');
    assertSame(await kCenterGreedyMatVec({ ...args, mode: 'nearest' }, { engine }), kCenterGreedy({ ...args, mode: 'nearest' }), 'nearest');
  });
}

for (const engine of ['js', 'onnx'] as const) {
  test(`kCenterGreedyMatVec (${engine}), cosine: picks and scores equal kCenterGreedy on L2-normalised fixtures with near-ties, duplicates and zero rows`, async () => {
    await fc.assert(
      fc.asyncProperty(shape, async (s) => {
        const raw = problem(s.seed, s.n, s.m, s.dim, s.levels, s.jitter);
        const points = l2NormalizeRows(raw.points);
        const centers = l2NormalizeRows(raw.centers);
        const args: KCenterArgs = { points, centers, q: s.q, distance: 'cosine', mode: s.nearest ? 'nearest' : 'farthest', ...(s.n > 0 ? { first: s.first % s.n } : {}) };
        assertSame(await kCenterGreedyMatVec(args, { engine, threads: 1 }), kCenterGreedy(args), JSON.stringify(s));
      }),
      { numRuns: engine === 'js' ? 300 : 80 },
    );
  });

  test(`kCenterGreedyMatVec (${engine}), cosine: equals kCenterGreedy on 1,500 normalised 64-d features (both modes), skipping most direct distances`, async () => {
    const rng = new Rng(9);
    const gen = (rows: number): Matrix => l2NormalizeRows(matrix(rows, 64, Float32Array.from({ length: rows * 64 }, () => rng.uniform(-1, 1) + (rng.uniform(0, 1) < 0.5 ? 2 : 0))));
    const args: KCenterArgs = { points: gen(1500), centers: gen(40), q: 120, distance: 'cosine', mode: 'farthest' };
    const stats = { rechecks: 0 };
    assertSame(await kCenterGreedyMatVec(args, { engine, stats }), kCenterGreedy(args), 'farthest');
    assert.ok(stats.rechecks < 1500 * (40 + 120) * 0.5, `the filter skips most direct distances (${stats.rechecks} re-checks)`);
    assertSame(await kCenterGreedyMatVec({ ...args, mode: 'nearest' }, { engine }), kCenterGreedy({ ...args, mode: 'nearest' }), 'nearest');
  });
}

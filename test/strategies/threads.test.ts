/**
 * Worker-thread k-center kernels (kcenter-threads.ts) give exactly the single-thread picks and scores,
 * including exact ties (duplicated rows, quantised values), for every distance and mode; chunked
 * computation of the initial distances gives the same result as unchunked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix, type Matrix } from '../../src/linalg/matrix.ts';
import { badgeGreedy } from '../../src/strategies/badge-kernel.ts';
import { l2NormalizeRows } from '../../src/linalg/distance.ts';
import { kCenterGreedy, type KCenterArgs } from '../../src/strategies/kcenter.ts';
import { badgeGreedyThreaded, kCenterGreedyThreaded } from '../../src/strategies/kcenter-threads.ts';
import { createStrategy } from '../../src/strategies/registry.ts';
import { Rng } from '../../src/util/rng.ts';
import { randomContext } from './helpers.ts';

/** Rows with values on a coarse grid and many exact duplicates → many exact ties. */
function tiedMatrix(rng: Rng, n: number, dim: number): Matrix {
  const d = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    if (i > 0 && rng.next() < 0.3) {
      const src = rng.int(i);
      d.copyWithin(i * dim, src * dim, (src + 1) * dim);
    } else for (let j = 0; j < dim; j++) d[i * dim + j] = rng.int(3) / 2;
  }
  return matrix(n, dim, d);
}

function same(a: { rows: Uint32Array; minDist: Float32Array }, b: { rows: Uint32Array; minDist: Float32Array }, what: string): void {
  assert.deepEqual([...b.rows], [...a.rows], `${what}: rows`);
  assert.deepEqual([...b.minDist], [...a.minDist], `${what}: scores`);
}

test('threaded k-center == single thread (l2/cosine × farthest/nearest, with and without centres, ties)', () => {
  const rng = new Rng(11);
  const cases: [string, KCenterArgs][] = [];
  for (const tied of [false, true]) {
    const pts = tied ? tiedMatrix(rng, 157, 3) : matrix(157, 5, Float32Array.from({ length: 157 * 5 }, () => rng.next()));
    const ctr = tied ? tiedMatrix(rng, 4, 3) : matrix(4, 5, Float32Array.from({ length: 20 }, () => rng.next()));
    cases.push([`l2 farthest tied=${tied}`, { points: pts, centers: ctr, q: 40, distance: 'l2', mode: 'farthest' }]);
    cases.push([`l2 nearest tied=${tied}`, { points: pts, centers: ctr, q: 30, distance: 'l2', mode: 'nearest' }]);
    cases.push([`l2 no centres tied=${tied}`, { points: pts, q: 40, distance: 'l2', mode: 'farthest', first: 3 }]);
    cases.push([`cosine tied=${tied}`, { points: l2NormalizeRows(pts), centers: l2NormalizeRows(ctr), q: 40, distance: 'cosine', mode: 'farthest' }]);
  }
  for (const [what, args] of cases) {
    const plain = kCenterGreedy(args);
    same(plain, kCenterGreedyThreaded(args, 3), what);
    same(plain, kCenterGreedy({ ...args, chunkRows: 17 }), `${what} chunked`);
  }
  // q ≥ N: every row exactly once, in the same order.
  const small: KCenterArgs = { points: tiedMatrix(rng, 9, 2), q: 20, distance: 'l2', mode: 'farthest' };
  same(kCenterGreedy(small), kCenterGreedyThreaded(small, 4), 'q ≥ N');
});

test('threaded BADGE == single thread (incl. duplicated rows and zero embeddings)', () => {
  const ctx = randomContext({ n: 120, m: 0, C: 4, D: 6, seed: 5, duplicates: true });
  const args = { probs: ctx.pool.probs, features: ctx.pool.features, q: 50 };
  same(badgeGreedy(args), badgeGreedyThreaded(args, 2), 'badge');
  const zero = { ...args, features: matrix(120, 6, new Float32Array(720)) };
  same(badgeGreedy(zero), badgeGreedyThreaded(zero, 3), 'badge all-zero features');
});

test('strategies: threads option gives the same selection (select and selectAsync)', async () => {
  const ctx = randomContext({ n: 90, m: 3, C: 4, D: 5, seed: 9, duplicates: true });
  for (const name of ['pcoreset', 'coreset', 'badge', 'pcoreset-reverse'] as const) {
    const a = createStrategy(name).select(ctx, 25);
    const b = createStrategy(name, { threads: 2 }).select(ctx, 25);
    assert.deepEqual([...b.rows], [...a.rows], name);
    assert.deepEqual([...(b.scores ?? [])], [...(a.scores ?? [])], name);
    const viaAsync = await createStrategy(name, { threads: 2 }).selectAsync?.(ctx, 25);
    if (viaAsync !== undefined) assert.deepEqual([...viaAsync.rows], [...a.rows], `${name} selectAsync`);
  }
});

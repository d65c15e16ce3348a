/**
 * typiclust and probcover on the blocked neighbour-graph kernels (default) give the same picks and
 * scores, bit for bit, as their direct kernels (`kernel: 'direct'`, the pre-graph arithmetic), on
 * random and clustered pools with duplicates, small clusters (graph rebuilds) and tight degree caps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { l2NormalizeRows } from '../../src/linalg/distance.ts';
import { ballGraph, ballGraphDirect, createProbCover, purityDelta } from '../../src/strategies/probcover.ts';
import { createTypiClust } from '../../src/strategies/typiclust.ts';
import type { Selection, SelectionContext } from '../../src/strategies/types.ts';
import { Rng } from '../../src/util/rng.ts';
import { randomContext } from './helpers.ts';

/** A random context whose features are drawn around `centres` random centres (clusters), with duplicates. */
function clusteredContext(seed: number, n: number, m: number, D: number, centres: number, spread: number): SelectionContext {
  const ctx = randomContext({ n, m, C: 4, D, seed });
  const rng = new Rng(seed ^ 0x3c6e);
  const cs = Array.from({ length: centres }, () => Float32Array.from({ length: D }, () => rng.uniform(-1, 1)));
  for (const f of [ctx.pool.features, ctx.labeled.features]) {
    for (let i = 0; i < f.rows; i++) {
      const c = cs[rng.int(centres)] as Float32Array;
      for (let t = 0; t < D; t++) (f.data as Float32Array)[i * D + t] = (c[t] as number) + spread * rng.uniform(-1, 1);
    }
  }
  // Some exact duplicate feature rows.
  for (let i = 1; i < n; i++) if (rng.next() < 0.2) ctx.pool.features.data.copyWithin(i * D, rng.int(i) * D, (rng.int(i) + 1) * D);
  return ctx;
}

function assertSameSelection(got: Selection, want: Selection, what: string): void {
  assert.deepEqual([...got.rows], [...want.rows], `${what}: picks`);
  assert.ok(got.scores !== undefined && want.scores !== undefined, `${what}: scores`);
  assert.equal(got.scores.length, want.scores.length);
  got.scores.forEach((v, i) => assert.ok(Object.is(v, want.scores?.[i]), `${what}: score ${i} ${v} vs ${want.scores?.[i]}`));
}

const ctxShape = fc.record({
  seed: fc.integer(),
  n: fc.integer({ min: 1, max: 220 }),
  m: fc.integer({ min: 0, max: 8 }),
  D: fc.integer({ min: 1, max: 12 }),
  centres: fc.integer({ min: 1, max: 6 }),
  spread: fc.constantFrom(0.05, 0.3, 1),
  q: fc.integer({ min: 1, max: 60 }),
});

test('property: typiclust graph kernel = direct kernel (picks and scores bit-identical)', () => {
  fc.assert(
    fc.property(ctxShape, fc.integer({ min: 1, max: 25 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 6 }), (p, neighbors, maxClusters, minClusterSize) => {
      const opts = { neighbors, maxClusters, minClusterSize };
      const mk = (): SelectionContext => clusteredContext(p.seed, p.n, p.m, p.D, p.centres, p.spread);
      const direct = createTypiClust({ ...opts, kernel: 'direct' }).select(mk(), p.q);
      const graph = createTypiClust(opts).select(mk(), p.q);
      assertSameSelection(graph, direct, `typiclust ${JSON.stringify({ ...p, ...opts })}`);
    }),
    { numRuns: 60 },
  );
});

test('property: probcover graph kernel = direct kernel (fixed δ and purity rule, degree caps)', () => {
  fc.assert(
    fc.property(ctxShape, fc.option(fc.double({ min: 0.01, max: 2, noNaN: true }), { nil: undefined }), fc.integer({ min: 1, max: 40 }), fc.constantFrom(0.6, 0.95, 1), (p, delta, maxDegree, purity) => {
      const opts = { maxDegree, purity, purityRows: 50, ...(delta === undefined ? {} : { delta }) };
      const mk = (): SelectionContext => clusteredContext(p.seed, p.n, p.m, p.D, p.centres, p.spread);
      const direct = createProbCover({ ...opts, kernel: 'direct' }).select(mk(), p.q);
      const graph = createProbCover(opts).select(mk(), p.q);
      assertSameSelection(graph, direct, `probcover ${JSON.stringify({ ...p, ...opts })}`);
    }),
    { numRuns: 60 },
  );
});

test('ballGraph = ballGraphDirect and purityDelta graph = direct on a larger clustered pool', () => {
  const ctx = clusteredContext(11, 900, 0, 24, 8, 0.4);
  const x = l2NormalizeRows(ctx.pool.features);
  const labels = Int32Array.from({ length: 900 }, (_, i) => i % 5);
  for (const [delta, cap] of [
    [0.3, 1000],
    [0.6, 25],
    [1.2, 300],
  ] as const) {
    const g = ballGraph(x, 700, delta, cap);
    const d = ballGraphDirect(x, 700, delta, cap);
    assert.deepEqual([...g.offset], [...d.offset], `offsets δ=${delta}`);
    assert.deepEqual([...g.index], [...d.index], `members δ=${delta}`);
    assert.ok(g.index.length > 700, 'balls are not trivial');
  }
  for (const alpha of [0.5, 0.95, 1]) {
    assert.ok(Object.is(purityDelta(x, labels, alpha, 300, new Rng(3)), purityDelta(x, labels, alpha, 300, new Rng(3), 'direct')), `δ at α=${alpha}`);
  }
});

/**
 * The blocked neighbour kernels (src/linalg/neighbors.ts) against brute-force twins written here: one
 * direct `l2Distance` per pair, a full sort by (distance, index). Inputs include exact duplicates and
 * integer grids (many equal distances), and every block size, so ties and blocking are exercised.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { l2Distance } from '../../src/linalg/distance.ts';
import { matrix, type Matrix } from '../../src/linalg/matrix.ts';
import { knnGraph, neighborLists } from '../../src/linalg/neighbors.ts';
import { Rng } from '../../src/util/rng.ts';

interface BruteOptions {
  rows: number[];
  k: number;
  radius: number;
  excludeSelf: boolean;
  group?: Int32Array;
  order: 'distance' | 'index';
}

/** Brute force: every pair by `l2Distance`, filtered, sorted by (distance, index), first k. */
function brute(x: Matrix, o: BruteOptions): { lists: number[][]; dists: number[][] } {
  const D = x.cols;
  const lists: number[][] = [];
  const dists: number[][] = [];
  for (const i of o.rows) {
    const all: [number, number][] = [];
    for (let j = 0; j < x.rows; j++) {
      if (o.excludeSelf && j === i) continue;
      if (o.group !== undefined && o.group[j] === o.group[i]) continue;
      const d = l2Distance(x.data, i * D, x.data, j * D, D);
      if (d < o.radius) all.push([j, d]);
    }
    all.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    const kept = all.slice(0, o.k);
    if (o.order === 'index') kept.sort((a, b) => a[0] - b[0]);
    lists.push(kept.map((p) => p[0]));
    dists.push(kept.map((p) => p[1]));
  }
  return { lists, dists };
}

/** Random points: U(−1, 1), or a small integer grid (ties), with some rows copied from earlier ones. */
function points(seed: number, n: number, D: number, grid: boolean, dupRate: number): Matrix {
  const rng = new Rng(seed);
  const data = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    if (i > 0 && rng.next() < dupRate) {
      const src = rng.int(i);
      data.copyWithin(i * D, src * D, (src + 1) * D);
      continue;
    }
    for (let t = 0; t < D; t++) data[i * D + t] = grid ? rng.int(3) - 1 : rng.uniform(-1, 1);
  }
  return matrix(n, D, data);
}

const shape = fc.record({
  n: fc.integer({ min: 2, max: 45 }),
  D: fc.integer({ min: 1, max: 9 }),
  seed: fc.integer(),
  grid: fc.boolean(),
  dupRate: fc.constantFrom(0, 0.3, 0.7),
  blockRows: fc.integer({ min: 1, max: 9 }),
  blockCols: fc.integer({ min: 1, max: 50 }),
});

test('property: knnGraph equals the brute-force k-NN (self excluded, duplicates at 0, ties → lower index), any blocking', () => {
  fc.assert(
    fc.property(shape, fc.integer({ min: 1, max: 50 }), (p, kk) => {
      const x = points(p.seed, p.n, p.D, p.grid, p.dupRate);
      const k = 1 + (kk % (p.n - 1));
      const g = knnGraph(x, k, { blockRows: p.blockRows, blockCols: p.blockCols });
      const want = brute(x, { rows: Array.from({ length: p.n }, (_, i) => i), k, radius: Infinity, excludeSelf: true, order: 'distance' });
      assert.equal(g.index.length, p.n * k);
      for (let i = 0; i < p.n; i++) {
        assert.deepEqual([...g.index.subarray(i * k, (i + 1) * k)], want.lists[i], `row ${i} indices`);
        assert.deepEqual([...g.dist.subarray(i * k, (i + 1) * k)], want.dists[i], `row ${i} distances (bit-identical)`);
      }
    }),
    { numRuns: 150 },
  );
});

test('property: neighborLists (radius, cap, groups, query subset, index order) equals brute force', () => {
  fc.assert(
    fc.property(shape, fc.integer({ min: 1, max: 60 }), fc.double({ min: 0.05, max: 3, noNaN: true }), fc.boolean(), fc.boolean(), fc.boolean(), (p, k, radius, useGroups, excludeSelf, byIndex) => {
      const x = points(p.seed, p.n, p.D, p.grid, p.dupRate);
      const rng = new Rng(p.seed ^ 0x5bd1);
      const rows = Array.from({ length: rng.int(p.n + 1) }, () => rng.int(p.n));
      const group = useGroups ? Int32Array.from({ length: p.n }, () => rng.int(3)) : undefined;
      const order = byIndex ? 'index' : 'distance';
      const got = neighborLists(x, { rows, k, radius, excludeSelf, order, blockRows: p.blockRows, blockCols: p.blockCols, ...(group ? { otherGroup: group } : {}) });
      const want = brute(x, { rows, k, radius, excludeSelf, order, ...(group ? { group } : {}) });
      assert.equal(got.offset.length, rows.length + 1);
      rows.forEach((_, r) => {
        const a = got.offset[r] as number;
        const b = got.offset[r + 1] as number;
        assert.deepEqual([...got.index.subarray(a, b)], want.lists[r], `query ${r} indices`);
        assert.deepEqual([...got.dist.subarray(a, b)], want.dists[r], `query ${r} distances`);
      });
    }),
    { numRuns: 150 },
  );
});

test('knnGraph: all-duplicate rows tie at distance 0 and are broken by index', () => {
  const x = matrix(5, 3, new Float32Array(15).fill(0.25));
  const g = knnGraph(x, 3);
  assert.deepEqual([...g.index.subarray(0, 3)], [1, 2, 3]);
  assert.deepEqual([...g.index.subarray(6, 9)], [0, 1, 3]);
  assert.deepEqual([...g.dist], new Array<number>(15).fill(0));
});

test('knnGraph on a line: hand-checked neighbours', () => {
  // Points 0, 1, 3, 7 on a line: the two nearest of 3 are 1 (distance 2) and 0 (3), of 7 are 3 (4) and 1 (6).
  const x = matrix(4, 1, Float32Array.from([0, 1, 3, 7]));
  const g = knnGraph(x, 2);
  assert.deepEqual([...g.index], [1, 2, 0, 2, 1, 0, 2, 1]);
  assert.deepEqual([...g.dist], [1, 3, 1, 2, 2, 3, 4, 6]);
});

test('neighborLists: a 1-D radius query with its members; withDistances: false leaves dist empty', () => {
  const x = matrix(4, 1, Float32Array.from([0, 0.3, 0.1, 5]));
  const g = neighborLists(x, { k: 10, radius: 0.5, order: 'index', withDistances: false });
  assert.deepEqual([...g.offset], [0, 3, 6, 9, 10]);
  assert.deepEqual([...g.index], [0, 1, 2, 0, 1, 2, 0, 1, 2, 3]);
  assert.equal(g.dist.length, 0);
  // The radius is strict: neighbours at exactly the radius are left out.
  const line = neighborLists(matrix(3, 1, Float32Array.from([0, 1, 2])), { k: 10, radius: 1 });
  assert.deepEqual([...line.index], [0, 1, 2]);
  assert.deepEqual([...neighborLists(matrix(3, 1, Float32Array.from([0, 1, 2])), { k: 10, radius: 1.5 }).offset], [0, 2, 5, 7]);
});

test('knnGraph / neighborLists refuse bad arguments', () => {
  const x = matrix(3, 2, new Float32Array(6));
  assert.throws(() => knnGraph(x, 3), RangeError);
  assert.throws(() => knnGraph(x, 0), RangeError);
  assert.throws(() => neighborLists(x, { k: 1, rows: [3] }), RangeError);
  assert.throws(() => neighborLists(x, { k: 1.5 }), RangeError);
  assert.throws(() => neighborLists(x, { k: 1, otherGroup: new Int32Array(2) }), RangeError);
  assert.equal(knnGraph(matrix(0, 2, new Float32Array(0)), 5).index.length, 0);
});

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix, type Matrix } from '../../src/linalg/matrix.ts';
import { badgeGreedy } from '../../src/strategies/badge-kernel.ts';
import { l2NormalizeRows } from '../../src/linalg/distance.ts';
import { kCenterGreedy, type KCenterArgs } from '../../src/strategies/kcenter.ts';
import { badgeGreedyAuto, badgeGreedyGraph, CALIBRATE_MIN_WORK, chooseKCenterBackend, kCenterGreedyAuto, kCenterGreedyGraph, preferGraph, releaseKCenterGraphs } from '../../src/strategies/kcenter-graph.ts';
import { Rng } from '../../src/util/rng.ts';
import { assertClose, randomMatrix } from './helpers.ts';

after(() => releaseKCenterGraphs());

function simplexPoints(rng: Rng, n: number, C: number): Matrix {
  const d = new Float32Array(n * C);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += d[i * C + c] = Math.exp(rng.uniform(-3, 3));
    for (let c = 0; c < C; c++) d[i * C + c] = (d[i * C + c] as number) / s;
  }
  return matrix(n, C, d);
}

test('graph L2 (exact MatMul mat-vec) == JS oracle, picks and scores bit-identical', async () => {
  const rng = new Rng(11);
  const args: KCenterArgs = { points: simplexPoints(rng, 3000, 10), centers: simplexPoints(rng, 10, 10), q: 40, distance: 'l2', mode: 'farthest' };
  const js = kCenterGreedy(args);
  for (const chunkRows of [undefined, 1000, 777]) {
    const g = await kCenterGreedyGraph({ ...args, ...(chunkRows === undefined ? {} : { chunkRows }) });
    assert.deepEqual([...g.rows], [...js.rows], `chunkRows ${chunkRows}`);
    assert.deepEqual([...g.minDist], [...js.minDist], 'minDist');
  }
});

test('cosine (coreset) on onnxruntime == JS oracle, picks and scores bit-identical, both modes', async () => {
  const rng = new Rng(12);
  const args: KCenterArgs = { points: l2NormalizeRows(randomMatrix(rng, 2000, 32)), centers: l2NormalizeRows(randomMatrix(rng, 5, 32)), q: 30, distance: 'cosine', mode: 'farthest' };
  const js = kCenterGreedy(args);
  const g = await kCenterGreedyGraph({ ...args, chunkRows: 600 });
  assert.deepEqual([...g.rows], [...js.rows]);
  assert.deepEqual([...g.minDist], [...js.minDist], 'minDist bit-identical (the exact mat-vec kernel)');
  for (const backend of ['onnx', 'auto'] as const) {
    const near = await kCenterGreedyAuto({ ...args, mode: 'nearest' }, backend);
    assert.deepEqual([...near.rows], [...kCenterGreedy({ ...args, mode: 'nearest' }).rows], `nearest on ${backend}`);
  }
});

test('graph without centres starts at `first`; exact ties go to the lowest row, as in JS', async () => {
  // Grid points (0, 0.5, 1 coordinates) with many duplicates: distances are exactly representable sums.
  const rng = new Rng(3);
  const points = matrix(200, 3, Float32Array.from({ length: 600 }, () => rng.int(3) * 0.5));
  for (const first of [0, 17]) {
    const args: KCenterArgs = { points, q: 25, distance: 'l2', mode: 'farthest', first };
    const js = kCenterGreedy(args);
    const g = await kCenterGreedyGraph({ ...args, chunkRows: 64 });
    assert.deepEqual([...g.rows], [...js.rows], `first ${first}`);
    assert.equal(g.minDist[0], Infinity);
  }
});

test('graph: q ≥ N picks every row once; nearest mode is refused', async () => {
  const rng = new Rng(4);
  const points = simplexPoints(rng, 9, 3);
  const g = await kCenterGreedyGraph({ points, centers: simplexPoints(rng, 2, 3), q: 20, distance: 'l2', mode: 'farthest', chunkRows: 4 });
  assert.deepEqual([...g.rows].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  await assert.rejects(kCenterGreedyGraph({ points, q: 2, distance: 'l2', mode: 'nearest' }), RangeError);
  const auto = await kCenterGreedyAuto({ points, q: 3, distance: 'l2', mode: 'nearest' }, 'onnx');
  assert.deepEqual([...auto.rows], [...kCenterGreedy({ points, q: 3, distance: 'l2', mode: 'nearest' }).rows], 'nearest on onnx: the exact L2 mat-vec kernel, identical to JS');
});

test('graph BADGE update == JS factorised kernel', async () => {
  const rng = new Rng(13);
  const probs = simplexPoints(rng, 1500, 6);
  const features = randomMatrix(rng, 1500, 40);
  const js = badgeGreedy({ probs, features, q: 25 });
  for (const chunkRows of [undefined, 500]) {
    const g = await badgeGreedyGraph({ probs, features, q: 25, ...(chunkRows === undefined ? {} : { chunkRows }) });
    assert.deepEqual([...g.rows], [...js.rows]);
    assertClose(g.minDist.subarray(1), js.minDist.subarray(1), 1e-5, 'minDist');
  }
  const auto = await badgeGreedyAuto({ probs, features, q: 25 }, 'onnx');
  assert.deepEqual([...auto.rows], [...js.rows]);
});

test('preferGraph: small problems stay in JS', () => {
  assert.equal(preferGraph('l2', 1000, 10, 100), false);
  assert.equal(preferGraph('l2', 50_000, 100, 200), true);
  assert.equal(preferGraph('l2', 50_000, 100, 2), false);
  assert.equal(preferGraph('l2', 50_000, 50, 200), false);
  assert.equal(preferGraph('cosine', 50_000, 50, 200), true);
  assert.equal(preferGraph('badge', 20_000, 1124, 100), true);
});

test('auto (cosine, coreset): calibrated separately from L2, every backend gives the JS picks and scores', async () => {
  const rng = new Rng(22);
  const args: KCenterArgs = { points: l2NormalizeRows(randomMatrix(rng, 20_000, 50)), centers: l2NormalizeRows(randomMatrix(rng, 40, 50)), q: 30, distance: 'cosine', mode: 'farthest' };
  const c = await chooseKCenterBackend(args);
  assert.deepEqual(Object.keys(c.times).sort(), ['js-direct', 'js-matvec', 'onnx-matvec'], 'cosine is calibrated');
  assert.notEqual(await chooseKCenterBackend({ ...args, distance: 'l2' }), c, 'a separate cache entry per distance');
  const js = kCenterGreedy(args);
  for (const backend of ['auto', 'onnx'] as const) {
    const r = await kCenterGreedyAuto(args, backend);
    assert.deepEqual([...r.rows], [...js.rows], backend);
    assert.deepEqual([...r.minDist], [...js.minDist], backend);
  }
});

test('auto (L2): the backend is chosen by a cached calibration measurement, and the result is the JS one', async () => {
  const rng = new Rng(21);
  const args: KCenterArgs = { points: simplexPoints(rng, 20_000, 50), centers: simplexPoints(rng, 40, 50), q: 30, distance: 'l2', mode: 'farthest' };
  assert.ok(20_000 * 50 * 70 >= CALIBRATE_MIN_WORK);
  const c1 = await chooseKCenterBackend(args);
  assert.deepEqual(Object.keys(c1.times).sort(), ['js-direct', 'js-matvec', 'onnx-matvec']);
  const fastest = Math.min(...Object.values(c1.times));
  assert.equal(c1.times[c1.backend], fastest, 'the fastest measured backend wins');
  assert.equal(await chooseKCenterBackend(args), c1, 'measured once per process (cached)');
  const small = await chooseKCenterBackend({ ...args, points: simplexPoints(rng, 50, 50) });
  assert.deepEqual(small, { backend: 'js-direct', times: {} }, 'tiny problems are not calibrated');
  const js = kCenterGreedy(args);
  const auto = await kCenterGreedyAuto(args, 'auto');
  assert.deepEqual([...auto.rows], [...js.rows]);
  assert.deepEqual([...auto.minDist], [...js.minDist]);
});

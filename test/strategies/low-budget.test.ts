/**
 * badge-kmeanspp against an explicit 2·C·D embedding; typiclust and probcover on hand-checked fixtures
 * (points on the unit circle, so L2-normalisation keeps them and chord distances are easy to reason about).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../src/linalg/matrix.ts';
import { badgeKMeansPP, twoHeadFactors, twoHeadSqDistance } from '../../src/strategies/badge-kmeanspp.ts';
import { softmaxRows } from '../../src/linalg/softmax.ts';
import { ballGraph, purityDelta } from '../../src/strategies/probcover.ts';
import { createStrategy } from '../../src/strategies/registry.ts';
import { typicality } from '../../src/strategies/typiclust.ts';
import type { SelectionContext } from '../../src/strategies/types.ts';
import { Rng } from '../../src/util/rng.ts';
import { randomContext } from './helpers.ts';

/** Explicit g_i = [(onehot − softmax(ce)) ⊗ z, (onehot − softmax(kd)) ⊗ z] (2·C·D values per row). */
function explicitEmbedding(ctx: SelectionContext): Float64Array[] {
  const { probs, ce, kd, features } = ctx.pool;
  const C = probs.cols;
  const D = features.cols;
  const sce = softmaxRows(ce).data;
  const skd = softmaxRows(kd).data;
  const out: Float64Array[] = [];
  for (let i = 0; i < probs.rows; i++) {
    let y = 0;
    for (let c = 1; c < C; c++) if ((probs.data[i * C + c] as number) > (probs.data[i * C + y] as number)) y = c;
    const g = new Float64Array(2 * C * D);
    for (let h = 0; h < 2; h++) {
      const s = h === 0 ? sce : skd;
      for (let c = 0; c < C; c++) {
        const d = (c === y ? 1 : 0) - (s[i * C + c] as number);
        for (let e = 0; e < D; e++) g[h * C * D + c * D + e] = d * (features.data[i * D + e] as number);
      }
    }
    out.push(g);
  }
  return out;
}

function explicitKMeansPP(g: Float64Array[], q: number, rng: Rng): { rows: number[]; d2: number[] } {
  const n = g.length;
  const sq = (a: Float64Array, b: Float64Array): number => a.reduce((s, v, k) => s + (v - (b[k] as number)) ** 2, 0);
  const norm = g.map((a) => a.reduce((s, v) => s + v * v, 0));
  let k = 0;
  for (let i = 1; i < n; i++) if ((norm[i] as number) > (norm[k] as number)) k = i;
  const rows: number[] = [];
  const d2: number[] = [];
  const picked = new Set<number>();
  let cur = Infinity;
  while (rows.length < Math.min(q, n)) {
    rows.push(k);
    d2.push(cur);
    picked.add(k);
    if (rows.length === Math.min(q, n)) break;
    const D2 = g.map((a, i) => (picked.has(i) ? 0 : Math.min(...rows.map((s) => sq(a, g[s] as Float64Array)))));
    const total = D2.reduce((s, v) => s + v, 0);
    const r = rng.next() * total;
    let acc = 0;
    for (let i = 0; i < n; i++) {
      if (picked.has(i) || (D2[i] as number) <= 0) continue;
      acc += D2[i] as number;
      k = i;
      if (acc > r) break;
    }
    cur = D2[k] as number;
  }
  return { rows, d2 };
}

test('badge-kmeanspp: factorised D² equals the explicit 2·C·D embedding; same picks as explicit k-means++', () => {
  for (const seed of [1, 2, 3]) {
    const ctx = randomContext({ n: 25, m: 0, C: 3, D: 4, seed });
    const g = explicitEmbedding(ctx);
    const f = twoHeadFactors(ctx.pool.probs, ctx.pool.ce, ctx.pool.kd, ctx.pool.features);
    for (let i = 0; i < 25; i += 3) {
      for (let j = 0; j < 25; j += 4) {
        const exact = (g[i] as Float64Array).reduce((s, v, k) => s + (v - ((g[j] as Float64Array)[k] as number)) ** 2, 0);
        assert.ok(Math.abs(twoHeadSqDistance(f, ctx.pool.features, i, j) - exact) < 1e-9, `D²(${i},${j})`);
      }
    }
    const fast = badgeKMeansPP({ ...ctx.pool, q: 10, rng: new Rng(seed + 100) });
    const ref = explicitKMeansPP(g, 10, new Rng(seed + 100));
    assert.deepEqual([...fast.rows], ref.rows);
    for (let t = 1; t < 10; t++) assert.ok(Math.abs((fast.d2[t] as number) - (ref.d2[t] as number)) <= 1e-5 * Math.max(1, ref.d2[t] as number));
    // Through the registry, with ctx.rng.
    const viaRegistry = createStrategy('badge-kmeanspp').select({ ...ctx, rng: new Rng(seed + 100) }, 10);
    assert.deepEqual([...viaRegistry.rows], ref.rows);
  }
});

test('badge-kmeanspp: all-duplicate pool falls back to uniform new rows', () => {
  const ctx = randomContext({ n: 1, m: 0, C: 3, D: 2, seed: 4 });
  const rep = (m: { cols: number; data: Float32Array }) => matrix(6, m.cols, Float32Array.from({ length: 6 * m.cols }, (_, k) => m.data[k % m.cols] as number));
  const pool = { ce: rep(ctx.pool.ce), kd: rep(ctx.pool.kd), probs: rep(ctx.pool.probs), features: rep(ctx.pool.features) };
  const r = badgeKMeansPP({ ...pool, q: 6, rng: new Rng(1) });
  assert.equal(r.rows[0], 0);
  assert.deepEqual([...r.rows].sort(), [0, 1, 2, 3, 4, 5]);
});

/** A context whose features are unit vectors at the given angles (probs uniform, C = 2). */
function circleContext(poolAngles: number[], labeledAngles: number[], seed = 1): SelectionContext {
  const feats = (a: number[]) => matrix(a.length, 2, Float32Array.from(a.flatMap((t) => [Math.cos(t), Math.sin(t)])));
  const probs = (k: number) => matrix(k, 2, new Float32Array(2 * k).fill(0.5));
  const preds = (a: number[]) => ({ ce: probs(a.length), kd: probs(a.length), probs: probs(a.length), features: feats(a) });
  return { pool: preds(poolAngles), labeled: preds(labeledAngles), labeledLabels: new Int32Array(labeledAngles.length), numClasses: 2, rng: new Rng(seed) };
}

const H = Math.PI / 2;
// Rows 0–3: group B around π/2 (most typical: row 0); rows 4–11: group A around 0 (most typical: row 4).
const B = [H, H + 0.05, H - 0.05, H + 0.3];
const A = [0, 0.05, -0.05, 0.1, -0.1, 0.15, -0.15, 0.2];

test('typicality: 1 / (mean distance to the K nearest + 1e-5), K = min(k, ⌊s/2⌋)', () => {
  const x = matrix(3, 1, Float32Array.from([0, 1, 3]));
  const t = typicality(x, [0, 1, 2], 20); // K = 1
  assert.ok(Math.abs((t[0] as number) - 1 / (1 + 1e-5)) < 1e-12);
  assert.ok(Math.abs((t[2] as number) - 1 / (2 + 1e-5)) < 1e-12);
  assert.deepEqual([...typicality(x, [1], 20)], [0]);
});

test('typiclust: the most typical point of the largest clusters first; clusters with labels last', () => {
  const ctx = circleContext([...B, ...A], []);
  const s = createStrategy('typiclust', { minClusterSize: 2 }).select(ctx, 2);
  assert.deepEqual([...s.rows], [4, 0]); // A (8 items) before B (4 items), centres of each
  // One labeled item in A: k = 2 clusters, B has no labels → B first.
  const withLabel = circleContext([...B, ...A], [0.02]);
  assert.deepEqual([...createStrategy('typiclust', { minClusterSize: 2 }).select(withLabel, 1).rows], [0]);
  // Default minClusterSize 5: only A qualifies, so it is visited again before B (reference behaviour).
  const again = createStrategy('typiclust').select(ctx, 2).rows;
  assert.equal(again[0], 4);
  assert.ok((again[1] as number) >= 4, `second pick ${again[1]} should come from A again`);
});

test('probcover (fixed δ): greedy max coverage, labeled balls pre-covered, random once nothing is left', () => {
  // A: 5 points within 0.04 rad; B: 3 points within 0.02 rad; C: one isolated point.
  const pool = [0, 0.01, 0.02, 0.03, 0.04, 1.5, 1.51, 1.52, 3.0];
  const s = createStrategy('probcover', { delta: 0.2 }).select(circleContext(pool, []), 3);
  assert.deepEqual([...s.rows], [0, 5, 8]);
  assert.deepEqual([...(s.scores ?? [])], [5, 3, 1]);
  const covered = createStrategy('probcover', { delta: 0.2 }).select(circleContext(pool, [1.505]), 3);
  assert.deepEqual([...covered.rows].slice(0, 2), [0, 8]);
  assert.equal(covered.scores?.[2], 0);
});

test('probcover purity rule: δ = ⌊(1−α)·s⌋-th smallest distance to another pseudo-label', () => {
  const x = matrix(4, 1, Float32Array.from([0, 0.1, 1, 1.5]));
  const labels = Int32Array.from([0, 0, 1, 1]);
  // r = [1, 0.9, 0.9, 1.4] → sorted [0.9, 0.9, 1, 1.4]
  assert.ok(Math.abs(purityDelta(x, labels, 1, 100, new Rng(1)) - 0.9) < 1e-6);
  assert.ok(Math.abs(purityDelta(x, labels, 0.5, 100, new Rng(1)) - 1) < 1e-6);
  assert.equal(purityDelta(x, new Int32Array(4), 0.95, 100, new Rng(1)), 2);
});

test('ballGraph: members within δ, capped at the maxDegree closest', () => {
  const x = matrix(4, 1, Float32Array.from([0, 0.3, 0.1, 5]));
  const g = ballGraph(x, 4, 0.5, 10);
  assert.deepEqual([...g.index.subarray(g.offset[0], g.offset[1])], [0, 1, 2]);
  assert.deepEqual([...g.index.subarray(g.offset[3], g.offset[4])], [3]);
  const capped = ballGraph(x, 1, 0.5, 2);
  assert.deepEqual([...capped.index], [0, 2]);
});

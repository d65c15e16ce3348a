/**
 * Seeded Euclidean k-means (k-means++ initialisation, then Lloyd iterations) used by `typiclust` and by
 * the purity rule of `probcover`. Pure JS, O(iterations·N·k·D) time, O(N + k·D) extra memory (no N×k
 * matrix). Deterministic given the Rng: the initial centres are drawn with D² sampling from `rng`.
 */
import type { Matrix } from '../linalg/matrix.ts';
import type { Rng } from '../util/rng.ts';
import { l2Distance } from './kcenter.ts';

/** Result of {@link kMeans}. */
export interface KMeansResult {
  /** Cluster of each row (0..k−1). */
  readonly labels: Int32Array;
  /** k×D centroids, row-major. */
  readonly centroids: Float32Array;
  /** Number of rows in each cluster. */
  readonly sizes: Int32Array;
  /** Lloyd iterations run. */
  readonly iterations: number;
}

/**
 * k-means on the rows of `x` (N×D).
 * @param k clusters, clamped to [1, N]; @param maxIterations Lloyd iterations (stops earlier when no
 *   label changes). Empty clusters keep their previous centroid. Ties → lowest cluster index.
 * @throws RangeError when N = 0 or k < 1.
 */
export function kMeans(x: Matrix, k: number, rng: Rng, maxIterations = 20): KMeansResult {
  const n = x.rows;
  const D = x.cols;
  if (n === 0) throw new RangeError('kMeans: no rows');
  if (!Number.isSafeInteger(k) || k < 1) throw new RangeError(`kMeans: k must be a positive integer, got ${k}`);
  const K = Math.min(k, n);
  const d = x.data;
  const centroids = new Float32Array(K * D);
  // k-means++ seeding.
  const minD2 = new Float64Array(n).fill(Infinity);
  let c = rng.int(n);
  for (let t = 0; t < K; t++) {
    centroids.set(d.subarray(c * D, (c + 1) * D), t * D);
    if (t + 1 === K) break;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const dist = l2Distance(d, i * D, centroids, t * D, D);
      const v = dist * dist;
      if (v < (minD2[i] as number)) minD2[i] = v;
      total += minD2[i] as number;
    }
    if (total > 0) {
      const r = rng.next() * total;
      let acc = 0;
      c = -1;
      for (let i = 0; i < n; i++) {
        const v = minD2[i] as number;
        if (v <= 0) continue;
        acc += v;
        c = i;
        if (acc > r) break;
      }
    } else c = rng.int(n);
  }
  const labels = new Int32Array(n).fill(-1);
  const sizes = new Int32Array(K);
  const sums = new Float64Array(K * D);
  let it = 0;
  for (; it < maxIterations; it++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const best = nearestCentroid(d, i, centroids, K, D);
      if (labels[i] !== best) {
        labels[i] = best;
        changed++;
      }
    }
    sizes.fill(0);
    sums.fill(0);
    for (let i = 0; i < n; i++) {
      const l = labels[i] as number;
      sizes[l] = (sizes[l] as number) + 1;
      for (let e = 0; e < D; e++) sums[l * D + e] = (sums[l * D + e] as number) + (d[i * D + e] as number);
    }
    for (let j = 0; j < K; j++) {
      const s = sizes[j] as number;
      if (s === 0) continue;
      for (let e = 0; e < D; e++) centroids[j * D + e] = (sums[j * D + e] as number) / s;
    }
    if (changed === 0) break;
  }
  if (it === maxIterations || maxIterations === 0) {
    // Labels were computed against the centroids before the last update; recompute sizes for them.
    sizes.fill(0);
    for (let i = 0; i < n; i++) {
      if ((labels[i] as number) < 0) {
        const best = nearestCentroid(d, i, centroids, K, D);
        labels[i] = best;
      }
      sizes[labels[i] as number] = (sizes[labels[i] as number] as number) + 1;
    }
  }
  return { labels, centroids, sizes, iterations: it };
}

/** Index of the centroid nearest (L2) to row `i` of `d` (ties → lowest index). */
function nearestCentroid(d: Float32Array, i: number, centroids: Float32Array, K: number, D: number): number {
  let best = 0;
  let bv = Infinity;
  for (let j = 0; j < K; j++) {
    const v = l2Distance(d, i * D, centroids, j * D, D);
    if (v < bv) {
      bv = v;
      best = j;
    }
  }
  return best;
}

/** Stacks two matrices with equal column counts (pool rows first, then labeled rows). */
export function stackRows(a: Matrix, b: Matrix): Matrix {
  if (b.rows > 0 && a.cols !== b.cols) throw new RangeError(`stackRows: ${a.cols} vs ${b.cols} columns`);
  const data = new Float32Array((a.rows + b.rows) * a.cols);
  data.set(a.data, 0);
  data.set(b.data.subarray(0, b.rows * a.cols), a.rows * a.cols);
  return { rows: a.rows + b.rows, cols: a.cols, data };
}

/**
 * Seeded Euclidean k-means — the one implementation of activekd: k-means++ initialisation (D²
 * sampling), then Lloyd iterations, optionally restarted. Used by `typiclust` and the purity rule of
 * `probcover` (strategies) and by the bias-propagation metrics (SPEC §11.1: KMeans(K, Euclidean,
 * n_init ≥ 10) on the teacher's probabilities).
 *
 * Pure JS, O(restarts·iterations·N·K·D) time, O(N + K·D) extra memory (no N×K matrix). Deterministic
 * given the {@link Rng}: every random draw comes from it, in a fixed order.
 *
 * Two arithmetics ({@link KMeansArithmetic}) are kept so that each caller reproduces its historical
 * results bit for bit (a flipped float can change a cluster, hence a pick); they implement the same
 * algorithm and differ only in rounding and in the exact RNG draws of the seeding.
 */
import { l2Distance, type RowDistance, squaredL2Serial } from './distance.ts';
import type { Matrix } from './matrix.ts';
import type { Rng } from '../util/rng.ts';

/**
 * The arithmetic of a k-means run:
 * - `'float32-euclidean'` (default; typiclust, probcover): centroids stored as float32; rows are
 *   assigned by the Euclidean distance {@link l2Distance} (four-lane float64 sum, then sqrt), the D²
 *   weights are that distance squared (`d·d`, not the unsquared sum); D² draw: `r = U·Σw`, the first
 *   row whose running sum of its (non-zero) weights exceeds r; when Σw = 0, one uniform row draw
 *   instead (no U drawn).
 * - `'float64-squared'` (bias metrics): centroids stored as float64; rows are assigned by the squared
 *   distance {@link squaredL2Serial} (serial float64 sum), which is also the D² weight; D² draw: `r = U·Σw`
 *   (U always drawn), then `r −= w_i` until r < 0 (last row if never); when Σw is not > 0, an extra
 *   uniform row draw replaces that pick.
 */
export type KMeansArithmetic = 'float32-euclidean' | 'float64-squared';

/** Options of {@link kMeans}. */
export interface KMeansOptions {
  /** Lloyd iterations per restart (a restart stops earlier when no label changes). Default 20. */
  readonly maxIterations?: number;
  /** Independent k-means++ restarts drawn one after another from the same Rng; the lowest inertia wins (first on ties). Default 1. */
  readonly restarts?: number;
  /** Default `'float32-euclidean'`. */
  readonly arithmetic?: KMeansArithmetic;
}

/** Result of {@link kMeans}. */
export interface KMeansResult {
  /** Number of clusters K = min(k, N). */
  readonly k: number;
  /** Cluster of each row, 0..K−1, as assigned by the last assignment pass. */
  readonly labels: Int32Array;
  /** K×D centroids, row-major: Float32Array or Float64Array per {@link KMeansArithmetic}. */
  readonly centroids: Float32Array | Float64Array;
  /** Number of rows in each cluster (K). */
  readonly sizes: Int32Array;
  /** Lloyd iterations run by the winning restart (the pass that found no change is not counted). */
  readonly iterations: number;
  /** Σ squared distance of each row to its centroid, as measured in the last assignment pass. */
  readonly inertia: number;
}

/**
 * k-means on the rows of `x`. Empty clusters keep their previous centroid; assignment ties → the
 * lowest cluster index. When `maxIterations` is reached, the labels are those of the last assignment
 * (against the centroids before the last update) while the centroids are updated once more; with
 * `maxIterations = 0` rows are assigned to the seeded centroids.
 *
 * @param x N×D row-major Float32Array rows (N ≥ 1).
 * @param k clusters, clamped to N; a positive integer.
 * @param rng the source of every random draw (seeding only).
 * @throws RangeError when N = 0, k is not a positive integer, `x.data` is not N×D long, or
 *   maxIterations / restarts are not integers ≥ 0 / ≥ 1.
 */
export function kMeans(x: Matrix, k: number, rng: Rng, options: KMeansOptions = {}): KMeansResult {
  const n = x.rows;
  const D = x.cols;
  const maxIterations = options.maxIterations ?? 20;
  const restarts = options.restarts ?? 1;
  const arithmetic = options.arithmetic ?? 'float32-euclidean';
  if (n === 0) throw new RangeError('kMeans: no rows');
  if (x.data.length !== n * D) throw new RangeError(`kMeans: data length ${x.data.length} != ${n}×${D}`);
  if (!Number.isSafeInteger(k) || k < 1) throw new RangeError(`kMeans: k must be a positive integer, got ${k}`);
  if (!Number.isSafeInteger(maxIterations) || maxIterations < 0) throw new RangeError(`kMeans: maxIterations must be a non-negative integer, got ${maxIterations}`);
  if (!Number.isSafeInteger(restarts) || restarts < 1) throw new RangeError(`kMeans: restarts must be a positive integer, got ${restarts}`);
  if (arithmetic !== 'float32-euclidean' && arithmetic !== 'float64-squared') throw new RangeError(`kMeans: unknown arithmetic '${String(arithmetic)}'`);
  let best: KMeansResult | null = null;
  for (let run = 0; run < restarts; run++) {
    const r = lloyd(x, Math.min(k, n), rng, maxIterations, arithmetic);
    if (best === null || r.inertia < best.inertia) best = r;
  }
  return best as KMeansResult;
}

/** One k-means++ seeding + Lloyd run (see {@link kMeans}). */
function lloyd(x: Matrix, K: number, rng: Rng, maxIterations: number, arithmetic: KMeansArithmetic): KMeansResult {
  const n = x.rows;
  const D = x.cols;
  const d = x.data;
  const euclid = arithmetic === 'float32-euclidean';
  // Assignment distance: Euclidean ('float32-euclidean') or already squared ('float64-squared'); the
  // squared value is the D² weight and the inertia term.
  const dist: RowDistance = euclid ? l2Distance : squaredL2Serial;
  const centroids = euclid ? new Float32Array(K * D) : new Float64Array(K * D);
  // Index of the centroid nearest to row i; its squared distance is left in `nearestSq`.
  let nearestSq = 0;
  const nearest = (i: number): number => {
    let bj = 0;
    let bv = Infinity;
    for (let j = 0; j < K; j++) {
      const v = dist(d, i * D, centroids, j * D, D);
      if (v < bv) {
        bv = v;
        bj = j;
      }
    }
    nearestSq = euclid ? bv * bv : bv;
    return bj;
  };

  // k-means++ seeding: centroid t is row c; the D² weights then take centroid t into account.
  const w = new Float64Array(n).fill(Infinity);
  let c = rng.int(n);
  for (let t = 0; t < K; t++) {
    centroids.set(d.subarray(c * D, (c + 1) * D), t * D);
    if (t + 1 === K) break;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const v = dist(d, i * D, centroids, t * D, D);
      if (euclid) {
        const v2 = v * v;
        if (v2 < (w[i] as number)) w[i] = v2;
      } else w[i] = Math.min(w[i] as number, v);
      total += w[i] as number;
    }
    c = euclid ? (total > 0 ? sampleD2(w, total, rng) : rng.int(n)) : drawSubtractive(w, total, rng);
  }

  // Lloyd iterations.
  const labels = new Int32Array(n).fill(-1);
  const sizes = new Int32Array(K);
  const sums = new Float64Array(K * D);
  let inertia = 0;
  let it = 0;
  for (; it < maxIterations; it++) {
    let changed = 0;
    inertia = 0;
    for (let i = 0; i < n; i++) {
      const bj = nearest(i);
      inertia += nearestSq;
      if (labels[i] !== bj) {
        labels[i] = bj;
        changed++;
      }
    }
    if (changed === 0) break; // centroids and sizes already match these labels
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
  }
  if (maxIterations === 0) {
    for (let i = 0; i < n; i++) {
      const bj = nearest(i);
      inertia += nearestSq;
      labels[i] = bj;
      sizes[bj] = (sizes[bj] as number) + 1;
    }
  }
  return { k: K, labels, centroids, sizes, iterations: it, inertia };
}

/**
 * The D² (k-means++) draw of `'float32-euclidean'`, also used by `badge-kmeanspp`: with r = U·total
 * (U = `rng.next()`), the first row whose running sum of the positive weights exceeds r (the last
 * positive row if rounding keeps the sum ≤ r). Rows with weight ≤ 0 (e.g. rows already picked) are
 * never drawn.
 * @param weights N non-negative D² weights.
 * @param total their sum, accumulated in index order by the caller.
 * @returns the drawn row, or −1 without drawing anything when total is not > 0.
 */
export function sampleD2(weights: Float64Array, total: number, rng: Rng): number {
  if (!(total > 0)) return -1;
  const r = rng.next() * total;
  let acc = 0;
  let c = -1;
  for (let i = 0; i < weights.length; i++) {
    const v = weights[i] as number;
    if (v <= 0) continue;
    acc += v;
    c = i;
    if (acc > r) break;
  }
  return c;
}

/**
 * D² draw of `'float64-squared'`: r = U·total (always drawn), then `r −= w_i` until r < 0 (the last
 * row if it never is); when total is not > 0 a second, uniform row draw replaces the pick.
 */
function drawSubtractive(w: Float64Array, total: number, rng: Rng): number {
  const n = w.length;
  let r = rng.next() * total;
  let pick = n - 1;
  for (let i = 0; i < n; i++) {
    r -= w[i] as number;
    if (r < 0) {
      pick = i;
      break;
    }
  }
  return total > 0 ? pick : rng.int(n);
}

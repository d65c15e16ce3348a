/**
 * Row distances, dot products and row normalisation — the one place for them (k-center / coreset /
 * BADGE kernels, k-means, typiclust, probcover, the stopping signals and selection criteria).
 *
 * Rows are addressed as (array, element offset) pairs into row-major float32/float64 buffers, so no
 * row is ever copied. All accumulation is float64. Two summation orders exist on purpose, because
 * callers are pinned to their historical rounding:
 * - four-lane (`dotRows`, `l2Distance`, `cosineDistance`): four interleaved partial sums, combined as
 *   `s0 + s1 + (s2 + s3)` — the fast kernels (SPEC §9.3–§9.6);
 * - serial (`dotSerial`, `squaredL2Serial`, `l1DistanceSerial`): one accumulator in index order — the analysis metrics
 *   (SPEC §11) and the float64 k-means of the bias metrics.
 *
 * `dotRows` and `l2Distance` are also shipped as source text to worker threads
 * (strategies/kcenter-threads.ts): keep them self-contained (no reference to anything outside their
 * own body) and keep their names.
 */
import type { Matrix } from './matrix.ts';

/** A numeric row buffer: row-major float32 or float64. */
export type RowBuffer = Float32Array | Float64Array;

/** A distance between row `ao` of `a` and row `bo` of `b` (element offsets), both `dim` long. */
export type RowDistance = (a: RowBuffer, ao: number, b: RowBuffer, bo: number, dim: number) => number;

/**
 * Dot product `a[ao..ao+dim) · b[bo..bo+dim)`, float64 accumulation over four partial sums.
 * Deliberately self-contained (shipped to worker threads as source text).
 */
export function dotRows(a: RowBuffer, ao: number, b: RowBuffer, bo: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  const d4 = dim - (dim & 3);
  for (; j < d4; j += 4) {
    s0 += (a[ao + j] as number) * (b[bo + j] as number);
    s1 += (a[ao + j + 1] as number) * (b[bo + j + 1] as number);
    s2 += (a[ao + j + 2] as number) * (b[bo + j + 2] as number);
    s3 += (a[ao + j + 3] as number) * (b[bo + j + 3] as number);
  }
  for (; j < dim; j++) s0 += (a[ao + j] as number) * (b[bo + j] as number);
  return s0 + s1 + (s2 + s3);
}

/**
 * Euclidean distance ‖a − b‖₂ between two rows (torch.cdist p=2), from direct differences (never
 * ‖a‖²+‖b‖²−2a·b, so exact duplicates are exactly 0); float64 accumulation over four partial sums,
 * then `Math.sqrt`. Shared verbatim by the k-center kernels, their naive reference and worker threads,
 * which therefore compute bit-identical distances. Deliberately self-contained.
 */
export function l2Distance(a: RowBuffer, ao: number, b: RowBuffer, bo: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  const d4 = dim - (dim & 3);
  for (; j < d4; j += 4) {
    const x0 = (a[ao + j] as number) - (b[bo + j] as number);
    const x1 = (a[ao + j + 1] as number) - (b[bo + j + 1] as number);
    const x2 = (a[ao + j + 2] as number) - (b[bo + j + 2] as number);
    const x3 = (a[ao + j + 3] as number) - (b[bo + j + 3] as number);
    s0 += x0 * x0;
    s1 += x1 * x1;
    s2 += x2 * x2;
    s3 += x3 * x3;
  }
  for (; j < dim; j++) {
    const x = (a[ao + j] as number) - (b[bo + j] as number);
    s0 += x * x;
  }
  return Math.sqrt(s0 + s1 + (s2 + s3));
}

/** Cosine distance `1 − a·b` (four-lane {@link dotRows}) between rows assumed L2-normalised (SPEC §9.3). */
export function cosineDistance(a: RowBuffer, ao: number, b: RowBuffer, bo: number, dim: number): number {
  return 1 - dotRows(a, ao, b, bo, dim);
}

/** Dot product of two rows with one float64 accumulator in index order (serial; see module docs). */
export function dotSerial(a: RowBuffer, ao: number, b: RowBuffer, bo: number, dim: number): number {
  let s = 0;
  for (let k = 0; k < dim; k++) s += (a[ao + k] as number) * (b[bo + k] as number);
  return s;
}

/** Squared Euclidean distance ‖a − b‖₂² of two rows, one float64 accumulator in index order (serial). */
export function squaredL2Serial(a: RowBuffer, ao: number, b: RowBuffer, bo: number, dim: number): number {
  let s = 0;
  for (let k = 0; k < dim; k++) s += ((a[ao + k] as number) - (b[bo + k] as number)) ** 2;
  return s;
}

/** L1 distance ‖a − b‖₁ of two rows, one float64 accumulator in index order (serial). */
export function l1DistanceSerial(a: RowBuffer, ao: number, b: RowBuffer, bo: number, dim: number): number {
  let s = 0;
  for (let k = 0; k < dim; k++) s += Math.abs((a[ao + k] as number) - (b[bo + k] as number));
  return s;
}

/**
 * Row-wise L2 normalisation as torch `F.normalize(x, dim=1)` (SPEC §9.3): `x / max(‖x‖, 1e-12)` with
 * ‖x‖² summed serially in float64, so a zero row stays zero (its cosine distance to anything is then 1).
 * @param m N×D row-major Float32Array matrix; not modified.
 * @returns a new N×D row-major Float32Array matrix.
 */
export function l2NormalizeRows(m: Matrix): Matrix {
  const { rows, cols, data } = m;
  const out = new Float32Array(rows * cols);
  for (let i = 0, o = 0; i < rows; i++, o += cols) {
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const v = data[o + j] as number;
      s += v * v;
    }
    const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
    for (let j = 0; j < cols; j++) out[o + j] = (data[o + j] as number) * inv;
  }
  return { rows, cols, data: out };
}

/** Options of {@link minDistances}. */
export interface MinDistancesOptions {
  /**
   * N-vector filled with the index of each point's nearest centre (−1: no centre; ties → the lowest
   * centre index).
   */
  readonly nearest?: Int32Array;
  /** Points per block (default: all). Does not change the result. */
  readonly chunkRows?: number;
}

/**
 * Distance of every point to its nearest centre, `m_i = min_j d(p_i, c_j)` (+∞ when there are no
 * centres) — the running-minimum start of k-center greedy (SPEC §9.4) and the coverage radius. Blocks
 * of `chunkRows` points × a cache-sized block (~64 KB) of centres; O(N) extra memory, no N×M matrix.
 * Comparisons are strict, in centre order, so the result does not depend on the blocking.
 * @param points N×dim row-major Float32Array.
 * @param centers M×dim row-major Float32Array (absent or M = 0: no centres).
 * @param distance the row distance, e.g. {@link l2Distance} or {@link cosineDistance}.
 * @returns a Float64Array of length N. Finiteness of the inputs is not checked.
 * @throws RangeError when M > 0 and the column counts differ.
 */
export function minDistances(points: Matrix, centers: Matrix | undefined, distance: RowDistance, opts: MinDistancesOptions = {}): Float64Array {
  const n = points.rows;
  const dim = points.cols;
  const { nearest } = opts;
  const minDist = new Float64Array(n).fill(Infinity);
  nearest?.fill(-1);
  if (centers === undefined || centers.rows === 0) return minDist;
  if (centers.cols !== dim) throw new RangeError(`minDistances: centres have ${centers.cols} columns, points ${dim}`);
  if (n === 0) return minDist;
  const p = points.data;
  const c = centers.data;
  const rowBlock = opts.chunkRows ?? n;
  // ~64 KB of centre rows per block, so the block stays in cache while all points stream past it.
  const centreBlock = Math.max(1, Math.floor(16384 / Math.max(1, dim)));
  for (let cs = 0; cs < centers.rows; cs += centreBlock) {
    const ce = Math.min(centers.rows, cs + centreBlock);
    for (let rs = 0; rs < n; rs += rowBlock) {
      const re = Math.min(n, rs + rowBlock);
      for (let i = rs; i < re; i++) {
        let mi = minDist[i] as number;
        let a = -1;
        const io = i * dim;
        for (let j = cs; j < ce; j++) {
          const d = distance(p, io, c, j * dim, dim);
          if (d < mi) {
            mi = d;
            a = j;
          }
        }
        minDist[i] = mi;
        if (nearest !== undefined && a >= 0) nearest[i] = a;
      }
    }
  }
  return minDist;
}

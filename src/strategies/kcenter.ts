/**
 * Greedy k-center (farthest-first / nearest-first traversal) with a running minimum — the pure numeric
 * core of `pcoreset` (SPEC.md §9.4), `pcoreset-reverse` (§9.5) and `coreset` (§9.3).
 *
 * Algorithm (SPEC §9.4 "equivalent incremental implementation"):
 * ```
 * m_i ← min_j d(p_i, c_j)            (+∞ without centres; centres processed in cache-sized chunks)
 * repeat q times:
 *     k ← argmax_i m_i (farthest) | argmin_i m_i (nearest), over rows not yet picked, ties → lowest i
 *     pick k (score = m_k at pick time)
 *     m_i ← min(m_i, d(p_i, p_k))    (fused with the next arg-max scan)
 * ```
 * O(Q·N·dim + N·M·dim) time, O(N) extra memory: no N×N or N×M matrix is ever built. Picked rows are
 * marked with NaN in the running minimum, which is why inputs must be finite. The L2 update skips rows
 * that the triangle inequality proves unaffected (exact: same result as without pruning).
 *
 * Without centres the first pick is row `first` (default 0) in both modes — all running minima are +∞
 * there, so this is exactly what "argmax, ties → lowest index" gives for `first = 0`.
 *
 * Distances are computed in float64 from the float32 inputs. `'l2'` is the plain Euclidean distance
 * (torch.cdist p=2) from direct differences (never ‖a‖²+‖b‖²−2a·b), so exact duplicates are exactly 0;
 * `'cosine'` is `1 − a·b` on rows assumed already L2-normalised. Both are the shared primitives of
 * src/linalg/distance.ts (`l2Distance`, `cosineDistance`, `minDistances`).
 *
 * The plain reference (SPEC pseudo-code verbatim) is `kCenterGreedyNaive` in kcenter-reference.ts; an
 * onnxruntime version of the update lives in kcenter-graph.ts.
 */
import { cosineDistance, dotRows, l2Distance, minDistances, type RowDistance } from '../linalg/distance.ts';
import { assertFinite, type Matrix } from '../linalg/matrix.ts';

/** Distance of {@link kCenterGreedy}: `'l2'` Euclidean, `'cosine'` = 1 − a·b on L2-normalised rows. */
export type KCenterDistance = 'l2' | 'cosine';
/** `'farthest'`: pick argmax of the running minimum (k-center greedy); `'nearest'`: argmin (PCoreSet+R). */
export type KCenterMode = 'farthest' | 'nearest';

/** Arguments of {@link kCenterGreedy} (and of the reference and graph twins). */
export interface KCenterArgs {
  /** N×dim pool points, row-major Float32Array. Must be finite. */
  readonly points: Matrix;
  /** M×dim initial centres (e.g. the labeled set); absent or M = 0 means no centres. Must be finite. */
  readonly centers?: Matrix;
  /** Number of picks; the result has min(q, N) rows. Non-negative integer. */
  readonly q: number;
  readonly distance: KCenterDistance;
  readonly mode: KCenterMode;
  /**
   * Pool rows per block when computing initial centre distances (JS) or per onnxruntime call (graph).
   * Does not change the result. Default: all rows.
   */
  readonly chunkRows?: number;
  /** First pick when there are no centres (default 0). Ignored when centres are given. */
  readonly first?: number;
}

/** Result of a k-center traversal. */
export interface KCenterResult {
  /** Picked pool rows in pick order (distinct). */
  readonly rows: Uint32Array;
  /** Running minimum distance of each pick at pick time (+∞ for a first pick without centres). */
  readonly minDist: Float32Array;
}

/** The pairwise distance function of a {@link KCenterDistance}. */
export function distanceFn(distance: KCenterDistance): RowDistance {
  return distance === 'l2' ? l2Distance : cosineDistance;
}

/**
 * Validates {@link KCenterArgs} and returns the sizes.
 * @throws RangeError on a bad q / first / chunkRows, a column mismatch between points and centres,
 *   an unknown distance or mode, or non-finite inputs.
 */
export function checkKCenterArgs(args: KCenterArgs): { n: number; dim: number; m: number; q: number } {
  const { points, centers, q } = args;
  if (!Number.isSafeInteger(q) || q < 0) throw new RangeError(`kCenterGreedy: q must be a non-negative integer, got ${q}`);
  if (args.distance !== 'l2' && args.distance !== 'cosine') throw new RangeError(`kCenterGreedy: unknown distance '${String(args.distance)}'`);
  if (args.mode !== 'farthest' && args.mode !== 'nearest') throw new RangeError(`kCenterGreedy: unknown mode '${String(args.mode)}'`);
  if (points.data.length !== points.rows * points.cols) throw new RangeError('kCenterGreedy: points data length does not match rows×cols');
  const m = centers?.rows ?? 0;
  if (centers !== undefined && m > 0) {
    if (centers.cols !== points.cols) throw new RangeError(`kCenterGreedy: centres have ${centers.cols} columns, points ${points.cols}`);
    if (centers.data.length !== centers.rows * centers.cols) throw new RangeError('kCenterGreedy: centres data length does not match rows×cols');
    assertFinite('kCenterGreedy centres', centers);
  }
  assertFinite('kCenterGreedy points', points);
  const n = points.rows;
  if (args.first !== undefined && (!Number.isSafeInteger(args.first) || args.first < 0 || (n > 0 && args.first >= n))) {
    throw new RangeError(`kCenterGreedy: first must be a row index in 0..${n - 1}, got ${args.first}`);
  }
  if (args.chunkRows !== undefined && (!Number.isSafeInteger(args.chunkRows) || args.chunkRows < 1)) {
    throw new RangeError(`kCenterGreedy: chunkRows must be a positive integer, got ${args.chunkRows}`);
  }
  return { n, dim: points.cols, m, q: Math.min(q, n) };
}

/**
 * Initial running minimum `m_i = min_j d(p_i, c_j)` (+∞ when there are no centres), computed over
 * blocks of `chunkRows` pool rows × a cache-sized block of centres; O(N) memory.
 * @param nearest optional N-vector filled with the index of each row's nearest centre (−1: none;
 *   ties → the lowest centre index).
 * @returns a Float64Array of length N.
 */
export function initialMinDist(args: KCenterArgs, nearest?: Int32Array): Float64Array {
  return minDistances(args.points, args.centers, distanceFn(args.distance), { nearest, chunkRows: args.chunkRows });
}

/**
 * Arg-max (farthest) or arg-min (nearest) of the running minimum over unpicked rows (NaN = picked),
 * ties → lowest index. Returns −1 when every row is picked.
 */
export function scanBest(minDist: Float64Array | Float32Array, farthest: boolean): number {
  let best = -1;
  let bv = 0;
  for (let i = 0; i < minDist.length; i++) {
    const v = minDist[i] as number;
    if (v !== v) continue;
    if (best < 0 || (farthest ? v > bv : v < bv)) {
      bv = v;
      best = i;
    }
  }
  return best;
}

/**
 * One running-minimum update after picking row `k`, fused with the scan for the next pick:
 * `m_i ← min(m_i, d(p_i, p_k))` for every unpicked i, then arg-max/arg-min as {@link scanBest}.
 * Callers must have marked `k` picked (NaN) first.
 * @returns the next pick, or −1 when every row is picked.
 */
export type RunningMinUpdate = (k: number, minDist: Float64Array) => number;

/**
 * The shared greedy loop of every k-center-style kernel (pcoreset, coreset, badge): q picks from a
 * running minimum, using `update` (fused update + scan) after each pick.
 *
 * @param minDist N running minima (+∞ = no centre yet); modified in place (picked rows become NaN).
 * @param first the first pick when `hasCenters` is false (default 0); with centres the first pick is
 *   the scan of `minDist`.
 * @returns the picks and their running minimum at pick time.
 */
export function greedyTraversal(opts: { q: number; mode: KCenterMode; minDist: Float64Array; hasCenters: boolean; first?: number; update: RunningMinUpdate }): KCenterResult {
  const { minDist, update } = opts;
  const n = minDist.length;
  const q = Math.min(opts.q, n);
  const farthest = opts.mode === 'farthest';
  const rows = new Uint32Array(q);
  const scores = new Float32Array(q);
  if (q === 0) return { rows, minDist: scores };
  let k = opts.hasCenters ? scanBest(minDist, farthest) : (opts.first ?? 0);
  for (let t = 0; t < q; t++) {
    rows[t] = k;
    scores[t] = minDist[k] as number;
    minDist[k] = NaN;
    if (t + 1 < q) {
      k = update(k, minDist);
      if (k < 0) throw new Error('greedyTraversal: internal error, no row left to pick');
    }
  }
  return { rows, minDist: scores };
}

/**
 * Relative safety margin of the triangle-inequality pruning below: far above float64 rounding of a
 * distance (≲ dim·1.1e-16 relative), so a skipped distance is provably ≥ the running minimum and the
 * result stays bit-identical to the unpruned loop.
 */
export const PRUNE_SAFETY = 1 + 1e-9;

/**
 * Fused L2 update + scan (see {@link RunningMinUpdate}) with exact triangle-inequality pruning:
 * every row remembers its nearest centre a_i (m_i = d(p_i, c_{a_i})); when the new centre k satisfies
 * d(c_{a_i}, p_k) ≥ 2·m_i, then d(p_i, p_k) ≥ d(c_{a_i}, p_k) − m_i ≥ m_i and the row cannot change, so
 * its distance is not computed. Costs O(N) memory (a_i) plus O(M + Q) centre–centre distances per
 * pick; on peaked (student-like) probabilities it skips most rows, on diffuse ones it costs nothing.
 */
function l2Update(p: Float32Array, dim: number, farthest: boolean, centers: Matrix | undefined, nearest: Int32Array, q: number): RunningMinUpdate {
  const m0 = centers?.rows ?? 0;
  // Centre list: initial centres (rows of `centers`), then picked pool rows.
  const pickedRows = new Int32Array(q);
  let numPicked = 0;
  const cc = new Float64Array(m0 + q);
  return (k, minDist) => {
    const n = minDist.length;
    const ko = k * dim;
    const kid = m0 + numPicked;
    for (let j = 0; j < m0; j++) cc[j] = l2Distance((centers as Matrix).data, j * dim, p, ko, dim);
    for (let t = 0; t < numPicked; t++) cc[m0 + t] = l2Distance(p, (pickedRows[t] as number) * dim, p, ko, dim);
    pickedRows[numPicked++] = k;
    let best = -1;
    let bv = 0;
    for (let i = 0, o = 0; i < n; i++, o += dim) {
      let mi = minDist[i] as number;
      if (mi !== mi) continue;
      const a = nearest[i] as number;
      if (a < 0 || (cc[a] as number) <= 2 * mi * PRUNE_SAFETY) {
        const d = l2Distance(p, o, p, ko, dim);
        if (d < mi) {
          mi = d;
          minDist[i] = d;
          nearest[i] = kid;
        }
      }
      if (best < 0 || (farthest ? mi > bv : mi < bv)) {
        bv = mi;
        best = i;
      }
    }
    return best;
  };
}

/** Fused cosine update + scan (see {@link RunningMinUpdate}). */
function cosineUpdate(p: Float32Array, dim: number, farthest: boolean): RunningMinUpdate {
  return (k, minDist) => {
    const n = minDist.length;
    const ko = k * dim;
    let best = -1;
    let bv = 0;
    for (let i = 0, o = 0; i < n; i++, o += dim) {
      let mi = minDist[i] as number;
      if (mi !== mi) continue;
      const d = 1 - dotRows(p, o, p, ko, dim);
      if (d < mi) {
        mi = d;
        minDist[i] = d;
      }
      if (best < 0 || (farthest ? mi > bv : mi < bv)) {
        bv = mi;
        best = i;
      }
    }
    return best;
  };
}

/**
 * Greedy k-center traversal with a running minimum (SPEC §9.3–§9.5), pure JS.
 *
 * @param args points (N×dim row-major Float32Array), optional centres (M×dim), q, distance, mode,
 *   chunkRows, first — see {@link KCenterArgs}.
 * @returns min(q, N) distinct pool rows in pick order and their running minimum at pick time.
 * @throws RangeError on invalid arguments or non-finite inputs (see {@link checkKCenterArgs}).
 */
export function kCenterGreedy(args: KCenterArgs): KCenterResult {
  const { n, dim, m, q } = checkKCenterArgs(args);
  const farthest = args.mode === 'farthest';
  if (args.distance === 'l2') {
    const nearest = new Int32Array(n);
    const minDist = initialMinDist(args, nearest);
    const update = l2Update(args.points.data, dim, farthest, m > 0 ? args.centers : undefined, nearest, q);
    return greedyTraversal({ q, mode: args.mode, minDist, hasCenters: m > 0, first: args.first, update });
  }
  const minDist = initialMinDist(args);
  const update = cosineUpdate(args.points.data, dim, farthest);
  return greedyTraversal({ q, mode: args.mode, minDist, hasCenters: m > 0, first: args.first, update });
}

/**
 * Exact nearest-neighbour lists without an N×N matrix: the k-NN graph of typiclust's typicality and the
 * δ-ball graph, the purity radii and the labeled balls of probcover (their module docs).
 *
 * Query rows are processed in blocks of `blockRows` rows against all N rows in chunks of `blockCols`
 * columns. For each block the squared distances are first formed in GEMM form
 * ‖x‖² − 2·x·y + ‖y‖² ({@link gemmBlock}, float64), which is used only as a **filter**: a pair is skipped
 * when its approximate squared distance provably exceeds the row's current threshold T (the radius, or
 * the k-th smallest distance found so far; bound: {@link matVecTolerance}); every other pair is
 * recomputed with the direct-difference `l2Distance`. Distances returned are therefore exactly the
 * `l2Distance` values (float64), and lists equal a brute-force scan bit for bit. Columns are visited
 * in increasing index and accepted with a strict `d < T`, so ties are broken by the lower index.
 *
 * Memory: the result (O(Σ list lengths), N·k for a k-NN graph), the norms (O(N)), one
 * blockRows×blockCols float64 block and per query row of the block a candidate buffer of at most 2·k
 * entries: O(N·k + blockRows·(blockCols + k)). Time: O(N_query·N·D) for the GEMM form plus the direct
 * re-checks (about k·(1 + ln(N/k)) per row for k-NN on random orders, the ball members plus a thin
 * shell for radius queries).
 */
import { l2Distance } from './distance.ts';
import { gemmBlock, matVecTolerance, rowSquaredNorms, squaredLimit } from './gemm.ts';
import type { Matrix } from './matrix.ts';

/** Options of {@link neighborLists}. */
export interface NeighborListOptions {
  /** Query rows (row indices of `x`), in output order; default every row 0..N−1. */
  readonly rows?: ArrayLike<number>;
  /** At most this many neighbours per query row: the k nearest by (distance, index). ≥ 1. */
  readonly k: number;
  /** Keep only neighbours at distance < radius (strict; default +∞). */
  readonly radius?: number;
  /** Leave the query row itself out (by index; exact duplicates of it stay in). Default false. */
  readonly excludeSelf?: boolean;
  /**
   * Group of every row (length N): keep only neighbours in another group than the query row (the
   * purity radius of probcover). Default: no groups.
   */
  readonly otherGroup?: Int32Array;
  /** Order of each list: `'distance'` (ascending, ties → lower index; default) or `'index'` (ascending). */
  readonly order?: 'distance' | 'index';
  /** Query rows per block (default 32). Does not change the result. */
  readonly blockRows?: number;
  /** Columns per block (default ≈ 64 KB of float32 rows, at least 16). Does not change the result. */
  readonly blockCols?: number;
  /** Return the distances (default true; false: `dist` is empty, saving 8 bytes per edge). */
  readonly withDistances?: boolean;
}

/**
 * Compressed neighbour lists: the neighbours of query row r are `index[offset[r] .. offset[r+1])`
 * (row indices of the input), their distances `dist[offset[r] .. offset[r+1])`.
 */
export interface NeighborLists {
  /** Length (#query rows + 1), non-decreasing, offset[0] = 0. */
  readonly offset: Uint32Array;
  /** Neighbour row indices. */
  readonly index: Int32Array;
  /** Euclidean distances, exactly `l2Distance(x_i, x_j)` (float64); empty when `withDistances` is false. */
  readonly dist: Float64Array;
  /** Number of direct `l2Distance` evaluations (diagnostics). */
  readonly rechecks: number;
}

/** Per-query-row candidate buffer that grows up to 2·k entries, then is cut to the k best. */
class Candidates {
  idx = new Int32Array(16);
  d = new Float64Array(16);
  n = 0;
  push(j: number, d: number): void {
    if (this.n === this.idx.length) {
      const idx = new Int32Array(this.n * 2);
      idx.set(this.idx);
      const dd = new Float64Array(this.n * 2);
      dd.set(this.d);
      this.idx = idx;
      this.d = dd;
    }
    this.idx[this.n] = j;
    this.d[this.n] = d;
    this.n++;
  }
  /** Sorts by (distance, index) and keeps the first `k`. */
  cut(k: number): void {
    const { idx, d } = this;
    const perm = Array.from({ length: this.n }, (_, t) => t);
    perm.sort((a, b) => (d[a] as number) - (d[b] as number) || (idx[a] as number) - (idx[b] as number));
    const m = Math.min(k, this.n);
    const ni = new Int32Array(m);
    const nd = new Float64Array(m);
    for (let t = 0; t < m; t++) {
      ni[t] = idx[perm[t] as number] as number;
      nd[t] = d[perm[t] as number] as number;
    }
    this.idx.set(ni);
    this.d.set(nd);
    this.n = m;
  }
}

/**
 * Exact neighbour lists of the query rows of `x` over all its rows (module docs).
 * @param x N×D row-major Float32Array matrix; not modified.
 * @returns lists of at most `k` neighbours per query row, at distance < `radius`, ordered per `order`.
 * @throws RangeError when k is not a positive integer, a query row is out of range, or `otherGroup`
 *   has a length other than N.
 */
export function neighborLists(x: Matrix, opts: NeighborListOptions): NeighborLists {
  const N = x.rows;
  const dim = x.cols;
  const { k } = opts;
  if (!Number.isSafeInteger(k) || k < 1) throw new RangeError(`neighborLists: k must be a positive integer, got ${k}`);
  const rows = opts.rows ?? Uint32Array.from({ length: N }, (_, i) => i);
  const nq = rows.length;
  for (let r = 0; r < nq; r++) {
    const i = rows[r] as number;
    if (!(Number.isInteger(i) && i >= 0 && i < N)) throw new RangeError(`neighborLists: query row ${i} is outside 0..${N - 1}`);
  }
  const group = opts.otherGroup;
  if (group !== undefined && group.length !== N) throw new RangeError(`neighborLists: otherGroup has ${group.length} entries, expected ${N}`);
  const radius = opts.radius ?? Infinity;
  const excludeSelf = opts.excludeSelf ?? false;
  const B = Math.max(1, opts.blockRows ?? 32);
  const C = Math.max(1, opts.blockCols ?? Math.max(16, Math.floor(16384 / Math.max(1, dim))));
  const data = x.data.subarray(0, N * dim);
  const tol = matVecTolerance(dim, 'js');
  const norms = rowSquaredNorms(data, N, dim);
  const tolN = new Float64Array(N);
  for (let j = 0; j < N; j++) tolN[j] = tol * (norms[j] as number);

  const offset = new Uint32Array(nq + 1);
  let outIdx = new Int32Array(Math.max(16, Math.min(nq * k, 1 << 20)));
  const keepD = opts.withDistances ?? true;
  let outD = new Float64Array(keepD ? outIdx.length : 0);
  let len = 0;
  let rechecks = 0;
  const xb = new Float32Array(B * dim);
  const buf = new Float64Array(B * C);
  const cand = Array.from({ length: B }, () => new Candidates());
  const thr = new Float64Array(B);
  const lim = new Float64Array(B);
  const setThreshold = (r: number, t: number, ni: number): void => {
    thr[r] = t;
    lim[r] = squaredLimit(t) + tol * ni;
  };
  for (let q0 = 0; q0 < nq; q0 += B) {
    const b = Math.min(B, nq - q0);
    for (let r = 0; r < b; r++) {
      const i = rows[q0 + r] as number;
      xb.set(data.subarray(i * dim, (i + 1) * dim), r * dim);
      (cand[r] as Candidates).n = 0;
      setThreshold(r, radius, norms[i] as number);
    }
    for (let c0 = 0; c0 < N; c0 += C) {
      const cols = Math.min(C, N - c0);
      gemmBlock(xb, 0, b, data, c0, cols, dim, buf);
      for (let r = 0; r < b; r++) {
        const i = rows[q0 + r] as number;
        const io = i * dim;
        const ni = norms[i] as number;
        const gi = group === undefined ? 0 : (group[i] as number);
        const cr = cand[r] as Candidates;
        let t = thr[r] as number;
        let l = lim[r] as number;
        const bo = r * cols;
        for (let c = 0; c < cols; c++) {
          const j = c0 + c;
          // Approximate squared distance (GEMM form); skip only what provably has l2Distance ≥ t.
          if (ni - 2 * (buf[bo + c] as number) + (norms[j] as number) > l + (tolN[j] as number)) continue;
          if (excludeSelf && j === i) continue;
          if (group !== undefined && group[j] === gi) continue;
          rechecks++;
          const d = l2Distance(data, io, data, j * dim, dim);
          if (!(d < t)) continue;
          cr.push(j, d);
          if (cr.n >= 2 * k) {
            cr.cut(k);
            setThreshold(r, cr.d[k - 1] as number, ni);
            t = thr[r] as number;
            l = lim[r] as number;
          }
        }
      }
    }
    for (let r = 0; r < b; r++) {
      const cr = cand[r] as Candidates;
      cr.cut(k);
      if (opts.order === 'index' && cr.n > 1) {
        const pairs = Array.from({ length: cr.n }, (_, t) => [cr.idx[t] as number, cr.d[t] as number] as const).sort((p, q) => p[0] - q[0]);
        pairs.forEach(([j, d], t) => {
          cr.idx[t] = j;
          cr.d[t] = d;
        });
      }
      if (len + cr.n > outIdx.length) {
        const cap = Math.max(outIdx.length * 2, len + cr.n);
        const gi = new Int32Array(cap);
        gi.set(outIdx.subarray(0, len));
        outIdx = gi;
        if (keepD) {
          const gd = new Float64Array(cap);
          gd.set(outD.subarray(0, len));
          outD = gd;
        }
      }
      outIdx.set(cr.idx.subarray(0, cr.n), len);
      if (keepD) outD.set(cr.d.subarray(0, cr.n), len);
      len += cr.n;
      offset[q0 + r + 1] = len;
    }
  }
  return { offset, index: outIdx.slice(0, len), dist: keepD ? outD.slice(0, len) : outD, rechecks };
}

/** A k-nearest-neighbour graph: row i's neighbours are `index[i·k .. (i+1)·k)`, nearest first. */
export interface KnnGraph {
  readonly k: number;
  /** N×k row-major neighbour indices (never i itself; ties → lower index). */
  readonly index: Int32Array;
  /** N×k row-major distances, exactly `l2Distance` (float64, ascending per row). */
  readonly dist: Float64Array;
}

/**
 * Exact k-NN graph of the rows of `x` (Euclidean, `l2Distance` values; the row itself excluded by
 * index, exact duplicates included at distance 0; ties → lower index). Blocked, no N×N matrix
 * (module docs): O(N·k + blocks) memory.
 * @param x N×D row-major Float32Array matrix; not modified.
 * @param k neighbours per row, 1 ≤ k ≤ N − 1 (any k for N = 0).
 * @returns N×k Int32Array indices and Float64Array distances.
 * @throws RangeError when k is not an integer in 1..N−1.
 */
export function knnGraph(x: Matrix, k: number, opts: Pick<NeighborListOptions, 'blockRows' | 'blockCols'> = {}): KnnGraph {
  const N = x.rows;
  if (N === 0) return { k, index: new Int32Array(0), dist: new Float64Array(0) };
  if (!Number.isSafeInteger(k) || k < 1 || k > N - 1) throw new RangeError(`knnGraph: k must be an integer in 1..${N - 1} (N − 1), got ${k}`);
  const lists = neighborLists(x, { ...opts, k, excludeSelf: true });
  return { k, index: lists.index, dist: lists.dist };
}

/**
 * k-center (L2: pcoreset / pcoreset-reverse, SPEC.md §9.4–§9.5; cosine: coreset, SPEC §9.3) in mat-vec
 * form, **exact**: picks and scores equal `kCenterGreedy` (and, for L2, `kCenterGreedyNaive`) bit for bit.
 *
 * Squared distances are first computed as `‖x‖² − 2·x·c + ‖c‖²` (precomputed row norms, clamped at 0)
 * — a GEMM against the M initial centres, one mat-vec per pick. That form is cheap (GEMM / GEMV) but
 * not the reference's arithmetic, so it is used only as a filter with a rigorous error bound `tol`:
 * - initial minimum: for each row, every centre whose approximate squared distance is within 2·tol of
 *   the row's smallest approximate one is re-checked with the direct difference `l2Distance` (the
 *   reference kernel's exact float order); the minimum of those direct distances is the reference's
 *   `min_j d(p_i, c_j)` because no centre outside the candidate set can be closer.
 * - update after pick k: a row whose approximate squared distance exceeds `m_i² + tol` cannot improve
 *   (its direct distance is ≥ m_i) and is skipped; every other row is re-checked directly and updated
 *   with the same strict `<` as the reference.
 * The running minimum therefore always holds the reference's float64 values, and the arg-max /
 * arg-min scan (ties → lowest row) is the reference's.
 *
 * Cosine (`1 − x·c` on rows the caller L2-normalised) is the same with `1 − x·c` as the approximate
 * value (the dot product's error bound is half the L2 one above, plus the rounding of `1 − ·`) and
 * `cosineDistance` as the direct re-check.
 *
 * Error bound: both forms accumulate at most `dim` products; for float64 accumulation of float32
 * inputs the error of either is ≤ (dim + 2)·2⁻⁵³·(‖x‖² + ‖c‖²)·2, and for the onnxruntime float32
 * GEMM/GEMV ≤ (dim + 2)·2⁻²⁴·(‖x‖² + ‖c‖²) (|2x·c| ≤ ‖x‖² + ‖c‖²). `tol` takes 4× these.
 *
 * Backends: `'js'` blocked float64 loops; `'onnx'` onnxruntime MatMul (float32) for the GEMM and the
 * per-pick GEMV (X is never copied or differenced: no N×dim intermediate).
 */
import { cosineDistance, l2Distance, type RowDistance } from '../linalg/distance.ts';
import { gemmBlock, type GemmEngine, matVecTolerance, rowSquaredNorms, squaredLimit, U64 } from '../linalg/gemm.ts';
import { GraphBuilder } from '../linalg/onnx-graph.ts';
import { createSession, f32Tensor, type ort } from '../linalg/ort-session.ts';
import { checkKCenterArgs, type KCenterArgs, type KCenterResult, scanBest } from './kcenter.ts';

/** Which GEMM / GEMV computes the approximate squared distances. */
export type MatVecEngine = GemmEngine;

/**
 * The distance-specific parts of the kernel: the approximate value from the row norms and the dot
 * product, the reference's direct distance, and whether a row with approximate value `a` may improve
 * on its running minimum `mi` given the dot products' error bound `e` (module docs).
 */
interface MatVecDistance {
  approx(ni: number, dot: number, nc: number): number;
  readonly exact: RowDistance;
  mayImprove(a: number, mi: number, e: number): boolean;
}

const L2: MatVecDistance = {
  approx: (ni, dot, nc) => Math.max(0, ni - 2 * dot + nc),
  exact: l2Distance,
  mayImprove: (a, mi, e) => a <= squaredLimit(mi) + e,
};

const COSINE: MatVecDistance = {
  approx: (_ni, dot) => 1 - dot,
  exact: cosineDistance,
  mayImprove: (a, mi, e) => a <= mi + e + 8 * U64,
};

/** A computes `out[r·K + j] = X[r0 + r] · C[j]` for a block of rows against K column vectors. */
type GemmFn = (r0: number, rows: number, out: Float64Array) => Promise<void> | void;

const ROW_BLOCK = 256;

/**
 * Exact initial running minimum (see module docs): `minDist[i] = min_j l2Distance(p_i, c_j)` and
 * `nearest[i]` = lowest such j, from the approximate GEMM plus direct re-checks of near-minimum centres.
 */
async function initialExact(dist: MatVecDistance, p: Float32Array, n: number, dim: number, c: Float32Array, m: number, pn: Float64Array, tolF: number, gemm: GemmFn, minDist: Float64Array, nearest: Int32Array): Promise<number> {
  const cn = rowSquaredNorms(c, m, dim);
  let maxCn = 0;
  for (let j = 0; j < m; j++) maxCn = Math.max(maxCn, cn[j] as number);
  const buf = new Float64Array(ROW_BLOCK * m);
  let rechecks = 0;
  for (let r0 = 0; r0 < n; r0 += ROW_BLOCK) {
    const rows = Math.min(ROW_BLOCK, n - r0);
    await gemm(r0, rows, buf);
    for (let r = 0; r < rows; r++) {
      const i = r0 + r;
      const ni = pn[i] as number;
      const bo = r * m;
      let minA = Infinity;
      for (let j = 0; j < m; j++) {
        const a = dist.approx(ni, buf[bo + j] as number, cn[j] as number);
        buf[bo + j] = a;
        if (a < minA) minA = a;
      }
      const lim = minA + 2 * tolF * (ni + maxCn) + 16 * U64;
      let mi = Infinity;
      let best = -1;
      for (let j = 0; j < m; j++) {
        if ((buf[bo + j] as number) > lim) continue;
        rechecks++;
        const d = dist.exact(p, i * dim, c, j * dim, dim);
        if (d < mi) {
          mi = d;
          best = j;
        }
      }
      minDist[i] = mi;
      nearest[i] = best;
    }
  }
  return rechecks;
}

/** Options of {@link kCenterGreedyMatVec}. */
export interface MatVecOptions {
  /** GEMM / GEMV engine (default `'js'`). */
  readonly engine?: MatVecEngine;
  /** onnxruntime intra-op threads for `'onnx'` (default: every core). */
  readonly threads?: number;
  /** Filled with the number of direct re-checks (diagnostics). */
  readonly stats?: { rechecks: number };
}

let matMulSession: Promise<ort.InferenceSession> | undefined;
let matMulThreads: number | undefined;

/** onnxruntime session of `Y = X·B` (X: N×dim, B: dim×K, both symbolic), cached per process. */
function matMul(threads: number | undefined): Promise<ort.InferenceSession> {
  if (matMulSession === undefined || matMulThreads !== threads) {
    const g = new GraphBuilder('kcenter_matmul');
    const x = g.input('X', 'float32', ['N', 'D']);
    const b = g.input('B', 'float32', ['D', 'K']);
    g.output(g.op('MatMul', [x, b], {}, 'Y'), 'float32', ['N', 'K']);
    const s = createSession(g.build(), threads === undefined ? {} : { threads });
    s.catch(() => {
      if (matMulSession === s) matMulSession = undefined;
    });
    matMulSession = s;
    matMulThreads = threads;
  }
  return matMulSession;
}

/** Releases the cached MatMul session. */
export async function releaseMatVecSession(): Promise<void> {
  const s = matMulSession;
  matMulSession = undefined;
  if (s !== undefined) {
    try {
      await (await s).release();
    } catch {
      // creation failed: nothing to release
    }
  }
}

/**
 * Exact greedy k-center in mat-vec form (module docs). Same contract and bit-identical results as
 * `kCenterGreedy` (both distances, both modes).
 * @throws RangeError on invalid arguments (see `checkKCenterArgs`).
 */
export async function kCenterGreedyMatVec(args: KCenterArgs, opts: MatVecOptions = {}): Promise<KCenterResult> {
  const { n, dim, m, q } = checkKCenterArgs(args);
  const dist = args.distance === 'l2' ? L2 : COSINE;
  const engine = opts.engine ?? 'js';
  const p = args.points.data.subarray(0, n * dim);
  const farthest = args.mode === 'farthest';
  const minDist = new Float64Array(n).fill(Infinity);
  if (q === 0) return { rows: new Uint32Array(0), minDist: new Float32Array(0) };
  const pn = rowSquaredNorms(p, n, dim);
  const tolF = matVecTolerance(dim, engine);
  const nearest = new Int32Array(n).fill(-1);
  const sess = engine === 'onnx' ? await matMul(opts.threads) : undefined;
  const xAll = sess ? f32Tensor(p, [n, dim]) : undefined;
  let rechecks = 0;
  if (m > 0) {
    const c = (args.centers as NonNullable<KCenterArgs['centers']>).data.subarray(0, m * dim);
    let gemm: GemmFn;
    if (sess) {
      const ct = new Float32Array(dim * m);
      for (let j = 0; j < m; j++) for (let t = 0; t < dim; t++) ct[t * m + j] = c[j * dim + t] as number;
      const bT = f32Tensor(ct, [dim, m]);
      gemm = async (r0, rows, out) => {
        const y = (await sess.run({ X: f32Tensor(p.subarray(r0 * dim, (r0 + rows) * dim), [rows, dim]), B: bT })).Y as ort.Tensor;
        out.set(y.data as Float32Array);
      };
    } else {
      gemm = (r0, rows, out) => gemmBlock(p, r0, rows, c, 0, m, dim, out);
    }
    rechecks += await initialExact(dist, p, n, dim, c, m, pn, tolF, gemm, minDist, nearest);
  }
  // Approximate dot products of every row with the new pick (GEMV).
  const dots = new Float64Array(n);
  const picks: number[] = [];
  let k = m > 0 ? -2 : (args.first ?? 0);
  const rows = new Uint32Array(q);
  const scores = new Float32Array(q);
  if (k === -2) k = scanBest(minDist, farthest);
  for (let t = 0; t < q; t++) {
    rows[t] = k;
    scores[t] = minDist[k] as number;
    minDist[k] = NaN;
    picks.push(k);
    if (t + 1 === q) break;
    const ko = k * dim;
    if (sess) {
      const y = (await sess.run({ X: xAll as ort.Tensor, B: f32Tensor(p.subarray(ko, ko + dim), [dim, 1]) })).Y as ort.Tensor;
      dots.set(y.data as Float32Array);
    } else {
      for (let i = 0, o = 0; i < n; i++, o += dim) {
        let s0 = 0;
        let s1 = 0;
        let j = 0;
        for (; j + 2 <= dim; j += 2) {
          s0 += (p[o + j] as number) * (p[ko + j] as number);
          s1 += (p[o + j + 1] as number) * (p[ko + j + 1] as number);
        }
        if (j < dim) s0 += (p[o + j] as number) * (p[ko + j] as number);
        dots[i] = s0 + s1;
      }
    }
    const nk = pn[k] as number;
    let best = -1;
    let bv = 0;
    for (let i = 0; i < n; i++) {
      let mi = minDist[i] as number;
      if (mi !== mi) continue;
      const ni = pn[i] as number;
      const a = dist.approx(ni, dots[i] as number, nk);
      if (dist.mayImprove(a, mi, tolF * (ni + nk))) {
        rechecks++;
        const d = dist.exact(p, i * dim, p, ko, dim);
        if (d < mi) {
          mi = d;
          minDist[i] = d;
        }
      }
      if (best < 0 || (farthest ? mi > bv : mi < bv)) {
        bv = mi;
        best = i;
      }
    }
    if (best < 0) throw new Error('kCenterGreedyMatVec: internal error, no row left to pick');
    k = best;
  }
  if (opts.stats) opts.stats.rechecks = rechecks;
  return { rows, minDist: scores };
}

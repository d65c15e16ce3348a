/**
 * onnxruntime versions of the k-center running-minimum update (SPEC.md §9.3, §9.4, §9.6), for
 * large pools.
 *
 * - `'l2'` (pcoreset, pcoreset-reverse) and `'cosine'` (coreset): the exact mat-vec kernel of
 *   kcenter-matvec.ts with the onnxruntime MatMul engine — one GEMM against the initial centres, one
 *   GEMV per pick, no N×dim intermediate, picks and scores bit-identical to the JS kernel.
 * - `'badge'`: `mo = Min(m, 1 − (Δ·δ_k)⊙(Z·z_k)⊙s·s_k)` (factorised BADGE) followed by
 *   `am = ArgMax(mo)` (first maximum). Picked rows carry −∞ in `m`, so `Min` keeps them at −∞ and
 *   `ArgMax` never returns them while an unpicked row remains. It computes in float32, the JS kernel
 *   (badge-kernel.ts) in float64: picks agree except when two candidates' running minima differ by
 *   less than float32 rounding.
 *
 * `backend: 'auto'`: for k-center (L2 and cosine, where every backend gives identical results) the
 * fastest backend measured on a calibration block, once per process and shape class
 * ({@link chooseKCenterBackend}); for BADGE the size rule {@link preferGraph} (its graph can flip a
 * near-tie, so a choice by timing would make picks depend on machine load).
 */
import { GraphBuilder } from '../linalg/onnx-graph.ts';
import { createSession, f32Tensor, ort, scalarTensor } from '../linalg/ort-session.ts';
import { type BadgeArgs, badgeFactors, badgeFirstPick, badgeGreedy } from './badge-kernel.ts';
import { kCenterGreedyMatVec } from './kcenter-matvec.ts';
import { checkKCenterArgs, kCenterGreedy, type KCenterArgs, type KCenterResult } from './kcenter.ts';

/** Which implementation a k-center strategy runs: `'auto'` chooses by measurement (k-center) or size (BADGE; module docs). */
export type KCenterBackend = 'auto' | 'js' | 'onnx';

/** Options of the graph kernels. */
export interface KCenterGraphOptions {
  /** onnxruntime intra-op threads (default: every core). */
  readonly threads?: number;
}

/** The update graphs: factorised BADGE (`'l2'` and `'cosine'` name the k-center mat-vec kernel in {@link preferGraph}). */
export type GraphKind = 'l2' | 'cosine' | 'badge';

const sessions = new Map<string, Promise<ort.InferenceSession>>();

/**
 * Builds the update graph of `kind` (see module docs). `dims` = [C, D] of the BADGE factors.
 * @throws RangeError for `'l2'` and `'cosine'` (k-center uses the MatMul kernel of kcenter-matvec.ts).
 */
export function buildUpdateGraph(kind: GraphKind, dims: readonly number[]): Uint8Array {
  if (kind !== 'badge') throw new RangeError(`buildUpdateGraph: ${kind} k-center runs as MatMul in kcenter-matvec.ts (no update graph)`);
  const g = new GraphBuilder(`kcenter_${kind}_update`);
  const m = g.input('m', 'float32', ['N']);
  const C = dims[0] as number;
  const D = dims[1] as number;
  const diff = g.input('Diff', 'float32', ['N', C]);
  const z = g.input('Z', 'float32', ['N', D]);
  const s = g.input('s', 'float32', ['N']);
  const dk = g.input('dk', 'float32', [C, 1]);
  const zk = g.input('zk', 'float32', [D, 1]);
  const sk = g.input('sk', 'float32', []);
  const flat = g.constInt64([-1]);
  const a = g.op('Reshape', [g.op('MatMul', [diff, dk]), flat]);
  const b = g.op('Reshape', [g.op('MatMul', [z, zk]), flat]);
  const cos = g.op('Mul', [g.op('Mul', [a, b]), g.op('Mul', [s, sk])]);
  const d = g.op('Sub', [g.constScalar(1), cos]);
  g.output(g.op('Min', [m, d], {}, 'mo'), 'float32', ['N']);
  g.output(g.op('ArgMax', ['mo'], { axis: 0, keepdims: 0 }, 'am'), 'int64', []);
  return g.build();
}

function session(kind: GraphKind, dims: readonly number[], opts: KCenterGraphOptions): Promise<ort.InferenceSession> {
  const key = `${kind}:${dims.join('x')}:${opts.threads ?? 'default'}`;
  let s = sessions.get(key);
  if (s === undefined) {
    s = createSession(buildUpdateGraph(kind, dims), opts.threads === undefined ? {} : { threads: opts.threads });
    sessions.set(key, s);
    // A failed creation must not poison the cache.
    s.catch(() => sessions.delete(key));
  }
  return s;
}

/** Releases every cached update-graph session (they are re-created on demand). */
export async function releaseKCenterGraphs(): Promise<void> {
  const all = [...sessions.values()];
  sessions.clear();
  for (const s of all) {
    try {
      await (await s).release();
    } catch {
      // creation failed: nothing to release
    }
  }
}

/**
 * Size rule of `backend: 'auto'` for BADGE (k-center is chosen by measurement,
 * {@link chooseKCenterBackend}; the `'l2'` and `'cosine'` rows are kept for callers that want a size hint only). Measured
 * on this project's 2-core machine (N = 50,000, under the load of other jobs, so indicative): the
 * mat-vec graphs (`'cosine'`, `'badge'`) are 2.5–3× faster than JS from ~10⁶ floats per update.
 * There must be enough updates (q + centres) to amortise the session set-up.
 * @param kind the update graph; @param n pool rows; @param width floats read per row per update (dim,
 *   or C + D for badge); @param updates running-minimum updates (picks + initial centres).
 */
export function preferGraph(kind: GraphKind, n: number, width: number, updates: number): boolean {
  const threshold = kind === 'l2' ? 4_000_000 : 1_000_000;
  return n * width >= threshold && updates >= 8;
}

/** One chunk of pool rows fed to the graph: [start, end) and its fixed feeds. */
interface Chunk {
  readonly start: number;
  readonly end: number;
  readonly feeds: Record<string, ort.Tensor>;
}

function chunks(n: number, chunkRows: number | undefined, make: (s: number, e: number) => Record<string, ort.Tensor>): Chunk[] {
  const step = chunkRows ?? n;
  const out: Chunk[] = [];
  for (let s = 0; s < n; s += step) {
    const e = Math.min(n, s + step);
    out.push({ start: s, end: e, feeds: make(s, e) });
  }
  return out;
}

/**
 * Runs one update over every chunk: `m ← Min(m, d(·, centre))`, returns the global first arg-max of
 * the updated `m` (ties → lowest row; −∞ rows never chosen) or −1 when every row is −∞.
 */
async function updateAll(sess: ort.InferenceSession, parts: readonly Chunk[], m: Float32Array, centreFeeds: Record<string, ort.Tensor>): Promise<number> {
  let best = -1;
  let bv = -Infinity;
  for (const part of parts) {
    const out = await sess.run({ ...part.feeds, ...centreFeeds, m: f32Tensor(m.subarray(part.start, part.end), [part.end - part.start]) });
    const mo = (out.mo as ort.Tensor).data as Float32Array;
    m.set(mo, part.start);
    const a = part.start + Number(((out.am as ort.Tensor).data as BigInt64Array)[0]);
    const v = m[a] as number;
    if (v > bv) {
      bv = v;
      best = a;
    }
  }
  return best;
}

async function traverseGraph(q: number, m: Float32Array, first: number, update: (k: number) => Promise<number>): Promise<KCenterResult> {
  const rows = new Uint32Array(q);
  const scores = new Float32Array(q);
  let k = first;
  for (let t = 0; t < q; t++) {
    rows[t] = k;
    scores[t] = m[k] as number;
    m[k] = -Infinity;
    if (t + 1 < q) {
      k = await update(k);
      if (k < 0) throw new Error('kCenterGreedyGraph: internal error, no row left to pick');
    }
  }
  return { rows, minDist: scores };
}

/**
 * Farthest-first greedy k-center (same contract as `kCenterGreedy`) on onnxruntime: the exact MatMul
 * mat-vec kernel (kcenter-matvec.ts), L2 or cosine; results bit-identical to `kCenterGreedy`.
 * @returns min(q, N) distinct rows in pick order and their running minimum at pick time.
 * @throws RangeError on invalid arguments, or for `mode: 'nearest'` (use {@link kCenterGreedyAuto}).
 */
export async function kCenterGreedyGraph(args: KCenterArgs, opts: KCenterGraphOptions = {}): Promise<KCenterResult> {
  checkKCenterArgs(args);
  if (args.mode !== 'farthest') throw new RangeError('kCenterGreedyGraph: only mode "farthest" runs as a graph');
  return kCenterGreedyMatVec(args, { engine: 'onnx', ...(opts.threads === undefined ? {} : { threads: opts.threads }) });
}

/**
 * BADGE (same contract as `badgeGreedy`, SPEC §9.6) with the factorised cosine update run as an
 * onnxruntime graph: per pick two mat-vec products (N×C by C, N×D by D), never a C·D embedding.
 * @param opts threads; `chunkRows` splits the pool across calls (default all rows).
 * @throws RangeError on invalid arguments.
 */
export async function badgeGreedyGraph(args: BadgeArgs & { readonly chunkRows?: number }, opts: KCenterGraphOptions = {}): Promise<KCenterResult> {
  if (!Number.isSafeInteger(args.q) || args.q < 0) throw new RangeError(`badge: q must be a non-negative integer, got ${args.q}`);
  const f = badgeFactors(args.probs, args.features);
  const n = args.probs.rows;
  const q = Math.min(args.q, n);
  if (q === 0) return { rows: new Uint32Array(0), minDist: new Float32Array(0) };
  const C = f.numClasses;
  const D = args.features.cols;
  const diff32 = Float32Array.from(f.diff);
  const s32 = Float32Array.from(f.scale);
  const z = args.features.data;
  const sess = await session('badge', [C, D], opts);
  const parts = chunks(n, args.chunkRows, (s, e) => ({
    Diff: f32Tensor(diff32.subarray(s * C, e * C), [e - s, C]),
    Z: f32Tensor(z.subarray(s * D, e * D), [e - s, D]),
    s: f32Tensor(s32.subarray(s, e), [e - s]),
  }));
  const m = new Float32Array(n).fill(Infinity);
  const first = badgeFirstPick(f, args.firstPick ?? 'argmaxRawNorm');
  return traverseGraph(q, m, first, (k) =>
    updateAll(sess, parts, m, {
      dk: f32Tensor(diff32.subarray(k * C, (k + 1) * C), [C, 1]),
      zk: f32Tensor(z.subarray(k * D, (k + 1) * D), [D, 1]),
      sk: scalarTensor(s32[k] as number),
    }),
  );
}

/** An exact k-center backend (L2 or cosine): direct JS kernel, mat-vec in JS, mat-vec on onnxruntime MatMul. */
export type KCenterExactBackend = 'js-direct' | 'js-matvec' | 'onnx-matvec';

/** Below this many distance coordinates (N·dim·(M + Q)) the JS kernel is used without calibrating (≲ 50 ms). */
export const CALIBRATE_MIN_WORK = 5e7;

const choices = new Map<string, { backend: KCenterExactBackend; times: Record<KCenterExactBackend, number> }>();

function runExact(b: KCenterExactBackend, args: KCenterArgs, opts: KCenterGraphOptions): Promise<KCenterResult> | KCenterResult {
  if (b === 'js-direct') return kCenterGreedy(args);
  return kCenterGreedyMatVec(args, { engine: b === 'js-matvec' ? 'js' : 'onnx', ...(opts.threads === undefined ? {} : { threads: opts.threads }) });
}

/**
 * Chooses the fastest exact k-center backend for `args` by measurement: each backend runs (after a
 * warm-up) on a calibration block of the problem itself — its first ≤ 4096 pool rows, ≤ 32 of its
 * centres, 8 picks — and the fastest wins. Cached per process by (distance, dim, mode, centres
 * present, log₂ N), so the calibration (≈ 3 × 2 small runs) is paid once. All candidates return
 * identical picks and scores, so the choice never changes a result. Problems under
 * {@link CALIBRATE_MIN_WORK} use `'js-direct'`.
 * @returns the backend and the measured calibration times in ms (empty when not calibrated).
 */
export async function chooseKCenterBackend(args: KCenterArgs, opts: KCenterGraphOptions = {}): Promise<{ backend: KCenterExactBackend; times: Partial<Record<KCenterExactBackend, number>> }> {
  const n = args.points.rows;
  const dim = args.points.cols;
  const m = args.centers?.rows ?? 0;
  const q = Math.min(args.q, n);
  if (n * dim * (m + q) < CALIBRATE_MIN_WORK) return { backend: 'js-direct', times: {} };
  const key = `${args.distance}:${dim}:${args.mode}:${m > 0}:${Math.round(Math.log2(n))}:${opts.threads ?? 'default'}`;
  const hit = choices.get(key);
  if (hit !== undefined) return hit;
  const s = Math.min(n, 4096);
  const ms = Math.min(m, 32);
  const sample: KCenterArgs = {
    points: { rows: s, cols: dim, data: args.points.data.subarray(0, s * dim) },
    ...(ms > 0 && args.centers !== undefined ? { centers: { rows: ms, cols: dim, data: args.centers.data.subarray(0, ms * dim) } } : {}),
    q: Math.min(8, s),
    distance: args.distance,
    mode: args.mode,
  };
  const times = { 'js-direct': 0, 'js-matvec': 0, 'onnx-matvec': 0 } as Record<KCenterExactBackend, number>;
  let backend: KCenterExactBackend = 'js-direct';
  for (const b of Object.keys(times) as KCenterExactBackend[]) {
    await runExact(b, sample, opts); // warm-up (JIT, session creation)
    const t0 = performance.now();
    await runExact(b, sample, opts);
    times[b] = performance.now() - t0;
    if (times[b] < times[backend]) backend = b;
  }
  const choice = { backend, times };
  choices.set(key, choice);
  return choice;
}

/**
 * `kCenterGreedy` with a backend choice: `'js'` the float64 JS kernel, `'onnx'` the exact MatMul
 * mat-vec kernel on onnxruntime (both distances, both modes), `'auto'` the fastest by measurement
 * ({@link chooseKCenterBackend}). Results are identical whichever runs.
 */
export async function kCenterGreedyAuto(args: KCenterArgs, backend: KCenterBackend = 'auto', opts: KCenterGraphOptions = {}): Promise<KCenterResult> {
  if (backend === 'js') return kCenterGreedy(args);
  if (backend === 'onnx') return runExact('onnx-matvec', args, opts);
  checkKCenterArgs(args);
  return runExact((await chooseKCenterBackend(args, opts)).backend, args, opts);
}

/** `badgeGreedy` with a backend choice (see {@link kCenterGreedyAuto}). */
export async function badgeGreedyAuto(args: BadgeArgs, backend: KCenterBackend = 'auto', opts: KCenterGraphOptions = {}): Promise<KCenterResult> {
  const useGraph = backend === 'onnx' || (backend === 'auto' && preferGraph('badge', args.probs.rows, args.probs.cols + args.features.cols, Math.min(args.q, args.probs.rows)));
  return useGraph ? badgeGreedyGraph(args, opts) : badgeGreedy(args);
}

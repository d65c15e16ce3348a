/**
 * onnxruntime-node versions of the k-center running-minimum update (SPEC.md §9.3, §9.4, §9.6), for
 * large pools. One small graph per distance kind, run once per pick (per row chunk):
 *
 * - `'l2'`:     `mo = Min(m, Sqrt(ReduceSumSquare(X − c, axis 1)))`           (direct differences)
 * - `'cosine'`: `mo = Min(m, 1 − X·cᵀ)`                                        (rows L2-normalised)
 * - `'badge'`:  `mo = Min(m, 1 − (Δ·δ_k)⊙(Z·z_k)⊙s·s_k)`                       (factorised BADGE)
 *
 * each followed by `am = ArgMax(mo)` (first maximum). Picked rows carry −∞ in `m`, so `Min` keeps them
 * at −∞ and `ArgMax` never returns them while an unpicked row remains. Only farthest-first runs here;
 * nearest-first (PCoreSet+R) always uses the JS kernel.
 *
 * The graph computes in float32, the JS kernels (the oracle, kcenter.ts / badge-kernel.ts) in float64:
 * picks agree except when two candidates' running minima differ by less than float32 rounding.
 * {@link preferGraph} says which is faster for a given size.
 */
import { GraphBuilder } from '../linalg/onnx-graph.ts';
import { createSession, f32Tensor, ort, scalarTensor } from '../linalg/ort-session.ts';
import { type BadgeArgs, badgeFactors, badgeFirstPick, badgeGreedy } from './badge-kernel.ts';
import { checkKCenterArgs, kCenterGreedy, type KCenterArgs, type KCenterResult, scanBest } from './kcenter.ts';

/** Which implementation a k-center strategy runs: `'auto'` chooses by size ({@link preferGraph}). */
export type KCenterBackend = 'auto' | 'js' | 'onnx';

/** Options of the graph kernels. */
export interface KCenterGraphOptions {
  /** onnxruntime intra-op threads (default: every core). */
  readonly threads?: number;
}

/** The update graphs: L2 and cosine k-center, factorised BADGE. */
export type GraphKind = 'l2' | 'cosine' | 'badge';

const sessions = new Map<string, Promise<ort.InferenceSession>>();

/** Builds the update graph of `kind` (see module docs). `dims` = [dim] or, for badge, [C, D]. */
export function buildUpdateGraph(kind: GraphKind, dims: readonly number[]): Uint8Array {
  const g = new GraphBuilder(`kcenter_${kind}_update`);
  const m = g.input('m', 'float32', ['N']);
  let d: string;
  if (kind === 'l2') {
    const dim = dims[0] as number;
    const x = g.input('X', 'float32', ['N', dim]);
    const c = g.input('c', 'float32', [1, dim]);
    const diff = g.op('Sub', [x, c]);
    d = g.op('Sqrt', [g.op('ReduceSumSquare', [diff], { axes: [1], keepdims: 0 })]);
  } else if (kind === 'cosine') {
    const dim = dims[0] as number;
    const x = g.input('X', 'float32', ['N', dim]);
    const c = g.input('c', 'float32', [dim, 1]);
    const dot = g.op('Reshape', [g.op('MatMul', [x, c]), g.constInt64([-1])]);
    d = g.op('Sub', [g.constScalar(1), dot]);
  } else {
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
    d = g.op('Sub', [g.constScalar(1), cos]);
  }
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
 * Size rule for `backend: 'auto'`. Measured on this project's 2-core machine (N = 50,000, under the
 * load of other jobs, so indicative): the mat-vec graphs (`'cosine'`, `'badge'`) are 2.5–3× faster
 * than JS from ~10⁶ floats per update; the `'l2'` graph (direct differences, an N×dim intermediate per
 * call) was 2.5× faster than an unpruned JS loop at N·dim = 5·10⁶ on an idle machine, but only on par
 * under load, and the pruned JS update wins on peaked (student-like) probabilities — hence its higher
 * threshold. Either way there must be enough updates (q + centres) to amortise the session set-up.
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
 * Farthest-first greedy k-center (same contract as `kCenterGreedy`) with the running-minimum update
 * run as an onnxruntime graph, one call per pick and row chunk (`args.chunkRows`, default all rows).
 * Initial centres go through the same graph, one call per centre.
 *
 * @returns min(q, N) distinct rows in pick order and their (float32) running minimum at pick time.
 * @throws RangeError on invalid arguments, or for `mode: 'nearest'` (JS only).
 */
export async function kCenterGreedyGraph(args: KCenterArgs, opts: KCenterGraphOptions = {}): Promise<KCenterResult> {
  const { n, dim, m: numCentres, q } = checkKCenterArgs(args);
  if (args.mode !== 'farthest') throw new RangeError('kCenterGreedyGraph: only mode "farthest" runs as a graph');
  const m = new Float32Array(n).fill(Infinity);
  if (q === 0) return { rows: new Uint32Array(0), minDist: new Float32Array(0) };
  const sess = await session(args.distance, [dim], opts);
  const p = args.points.data;
  const parts = chunks(n, args.chunkRows, (s, e) => ({ X: f32Tensor(p.subarray(s * dim, e * dim), [e - s, dim]) }));
  const cDims = args.distance === 'l2' ? [1, dim] : [dim, 1];
  const centreFeed = (data: Float32Array, row: number): Record<string, ort.Tensor> => ({ c: f32Tensor(data.subarray(row * dim, (row + 1) * dim), cDims) });
  let first = args.first ?? 0;
  if (numCentres > 0 && args.centers !== undefined) {
    for (let j = 0; j < numCentres; j++) await updateAll(sess, parts, m, centreFeed(args.centers.data, j));
    first = scanBest(m, true);
  }
  return traverseGraph(q, m, first, (k) => updateAll(sess, parts, m, centreFeed(p, k)));
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

/**
 * `kCenterGreedy` with a backend choice: `'js'` the float64 JS kernel, `'onnx'` the graph (farthest
 * only; nearest falls back to JS), `'auto'` the graph when {@link preferGraph} says so.
 */
export async function kCenterGreedyAuto(args: KCenterArgs, backend: KCenterBackend = 'auto', opts: KCenterGraphOptions = {}): Promise<KCenterResult> {
  const useGraph = args.mode === 'farthest' && (backend === 'onnx' || (backend === 'auto' && preferGraph(args.distance, args.points.rows, args.points.cols, Math.min(args.q, args.points.rows) + (args.centers?.rows ?? 0))));
  return useGraph ? kCenterGreedyGraph(args, opts) : kCenterGreedy(args);
}

/** `badgeGreedy` with a backend choice (see {@link kCenterGreedyAuto}). */
export async function badgeGreedyAuto(args: BadgeArgs, backend: KCenterBackend = 'auto', opts: KCenterGraphOptions = {}): Promise<KCenterResult> {
  const useGraph = backend === 'onnx' || (backend === 'auto' && preferGraph('badge', args.probs.rows, args.probs.cols + args.features.cols, Math.min(args.q, args.probs.rows)));
  return useGraph ? badgeGreedyGraph(args, opts) : badgeGreedy(args);
}

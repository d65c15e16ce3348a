/**
 * Train-step and predict engines of the DHO student: the ONNX graphs (src/linalg/dho-graph.ts) run
 * by onnxruntime-node — loss and gradient in the graph, AdamW in one pass over the flat parameter
 * vector (src/linalg/dho-adamw.ts) — or their plain-TypeScript twins (src/linalg/dho-ref.ts).
 * SPEC.md §5.1, §5.2, §6.
 *
 * Sessions are built once per graph variant and shape and cached for the life of the process
 * (training runs 16 rounds × many seeds with the same shapes); see {@link disposeSessionCache}.
 */
import type * as ortTypes from 'onnxruntime-node';
import type { DhoBatch, DhoLayout, DhoShape, StepScalars } from '../linalg/dho-layout.ts';
import { block, blockNames, OPT_LEN, packScalars } from '../linalg/dho-layout.ts';
import { blockIo, buildDhoGradGraph, buildDhoPredictGraph, buildDhoTrainGraph, PREDICT_IO, TRAIN_IO } from '../linalg/dho-graph.ts';
import { createFlatAdamw } from '../linalg/dho-adamw.ts';
import type { DhoPredictOut, DhoPredictParams } from '../linalg/dho-ref.ts';
import { dhoPredictRef, dhoStepRef } from '../linalg/dho-ref.ts';
import { createSession, defaultThreads, f32Tensor, ort } from '../linalg/ort-session.ts';

const sessionCache = new Map<string, Promise<ortTypes.InferenceSession>>();

async function cachedSession(key: string, build: () => Uint8Array, threads: number): Promise<ortTypes.InferenceSession> {
  const k = `${key}|t${threads}`;
  let s = sessionCache.get(k);
  if (s === undefined) {
    s = createSession(build(), { threads });
    sessionCache.set(k, s);
    s.catch(() => sessionCache.delete(k));
  }
  return s;
}

function shapeKey(shape: DhoShape): string {
  return `${shape.head}|${shape.distill ? 'kd' : 'ce'}|D${shape.D}|H${shape.head === 'adapter' ? shape.H : 0}|C${shape.C}`;
}

/** The cached fused train-step session (AdamW in the graph) for `shape` (built on first use). */
export function trainSession(shape: DhoShape, threads: number = defaultThreads()): Promise<ortTypes.InferenceSession> {
  return cachedSession(`train|${shapeKey(shape)}`, () => buildDhoTrainGraph(shape), threads);
}

/** The cached predict session for `shape` (built on first use). */
export function predictSession(shape: Pick<DhoShape, 'head' | 'D' | 'H' | 'C'>, threads: number = defaultThreads()): Promise<ortTypes.InferenceSession> {
  return cachedSession(`predict|${shapeKey({ ...shape, distill: true })}`, () => buildDhoPredictGraph(shape), threads);
}

/** Number of sessions currently cached (for tests and diagnostics). */
export function sessionCacheSize(): number {
  return sessionCache.size;
}

/** Releases every cached session (later calls rebuild them). */
export async function disposeSessionCache(): Promise<void> {
  const all = [...sessionCache.values()];
  sessionCache.clear();
  for (const p of all) {
    try {
      await (await p).release();
    } catch {
      // a session that failed to build has nothing to release
    }
  }
}

/**
 * A stateful DHO optimiser: holds θ, Adam's m and v (flat, dho-layout.ts) and applies one train
 * step (loss, gradient, AdamW) per call.
 */
export interface DhoEngine {
  readonly kind: 'onnx' | 'ts';
  readonly layout: DhoLayout;
  /** Current parameters (length `layout.total`). The array may change identity after `step`. */
  theta(): Float32Array;
  /** Current first moments. */
  m(): Float32Array;
  /** Current second moments. */
  v(): Float32Array;
  /**
   * One step on `batch` with the given AdamW scalars; returns the loss at the parameters before
   * the update. The ONNX engine reads the batch arrays during the call only.
   */
  step(batch: DhoBatch, s: StepScalars): Promise<number>;
}

/** Plain-TypeScript engine (dho-ref.ts): exact twin of the ONNX step, for tiny problems and tests. */
export function createTsEngine(layout: DhoLayout, theta0: Float32Array): DhoEngine {
  if (theta0.length !== layout.total) throw new RangeError(`createTsEngine: θ has ${theta0.length} values, layout needs ${layout.total}`);
  const theta = theta0.slice();
  const m = new Float32Array(layout.total);
  const v = new Float32Array(layout.total);
  const scratch = new Float32Array(layout.total);
  return {
    kind: 'ts',
    layout,
    theta: () => theta,
    m: () => m,
    v: () => v,
    step: (batch, s) => Promise.resolve(dhoStepRef(layout, theta, m, v, batch, s, scratch)),
  };
}

/**
 * Where the ONNX engine runs AdamW. `'wasm'` / `'js'`: the gradient graph (dho-graph.ts
 * `buildDhoGradGraph`) writes ∂loss/∂θ into one flat vector, then ONE single-pass update over the
 * flat θ, m, v (linalg/dho-adamw.ts: WebAssembly SIMD or a `Math.fround` loop); `'auto'` (default):
 * `'wasm'` when the runtime has WebAssembly SIMD, else `'js'`. `'graph'`: the fused train graph with
 * AdamW as 14 element-wise ops per block (the previous path, kept as the reference and for the
 * benchmark). All four give bit-identical θ, m, v and loss.
 */
export type OnnxAdamw = 'auto' | 'wasm' | 'js' | 'graph';

/** The cached gradient-graph session for `shape` (built on first use). */
export function gradSession(shape: DhoShape, threads: number = defaultThreads()): Promise<ortTypes.InferenceSession> {
  return cachedSession(`grad|${shapeKey(shape)}`, () => buildDhoGradGraph(shape), threads);
}

/**
 * ONNX engine: one train step per call in a cached session (see {@link OnnxAdamw}). All feeds and
 * fetches are built once and reused (the batch tensors are rebuilt only when the batch object
 * changes; the trainer reuses one), so a step allocates no buffers in JS.
 * @throws RangeError when θ has the wrong length.
 */
export async function createOnnxEngine(layout: DhoLayout, theta0: Float32Array, threads: number = defaultThreads(), adamw: OnnxAdamw = 'auto'): Promise<DhoEngine> {
  if (theta0.length !== layout.total) throw new RangeError(`createOnnxEngine: θ has ${theta0.length} values, layout needs ${layout.total}`);
  return adamw === 'graph' ? createFusedEngine(layout, theta0, threads) : createFlatEngine(layout, theta0, threads, adamw);
}

/** A float32 tensor over block `name` of the flat vector `a` (no copy). */
function blockView(layout: DhoLayout, a: Float32Array, name: 'W1' | 'b1' | 'W2' | 'b2'): ortTypes.Tensor {
  const b = block(layout, name);
  return f32Tensor(a.subarray(b.offset, b.offset + b.size), b.rows === 1 ? [b.cols] : [b.rows, b.cols]);
}

/**
 * Points `feeds` at the tensors of `batch` (checked against the layout).
 * @throws RangeError when the batch arrays do not match B, D, C or Q/wkd are missing when distilling.
 */
function setBatchFeeds(layout: DhoLayout, batch: DhoBatch, feeds: Record<string, ortTypes.Tensor>): void {
  const { D, C, distill } = layout.shape;
  const B = batch.B;
  if (batch.X.length !== B * D || batch.Y.length !== B * C || batch.wce.length !== B) throw new RangeError('DHO engine: batch arrays do not match B, D, C');
  feeds[TRAIN_IO.X] = f32Tensor(batch.X, [B, D]);
  feeds[TRAIN_IO.Y] = f32Tensor(batch.Y, [B, C]);
  feeds[TRAIN_IO.wce] = f32Tensor(batch.wce, [B, 1]);
  if (distill) {
    if (batch.Q === undefined || batch.wkd === undefined) throw new RangeError('DHO engine: distillation needs Q and wkd');
    feeds[TRAIN_IO.Q] = f32Tensor(batch.Q, [B, C]);
    feeds[TRAIN_IO.wkd] = f32Tensor(batch.wkd, [B, 1]);
  }
}

/** Gradient graph + one flat AdamW pass; θ, m, v keep their identity across steps. */
async function createFlatEngine(layout: DhoLayout, theta0: Float32Array, threads: number, kind: Exclude<OnnxAdamw, 'graph'>): Promise<DhoEngine> {
  const session = await gradSession(layout.shape, threads);
  const opt = new Float32Array(OPT_LEN);
  const lossBuf = new Float32Array(1);
  const flat = createFlatAdamw(layout.total, kind);
  flat.theta.set(theta0);
  const feeds: Record<string, ortTypes.Tensor> = { [TRAIN_IO.opt]: f32Tensor(opt, [OPT_LEN]) };
  const fetches: Record<string, ortTypes.Tensor> = { [TRAIN_IO.loss]: f32Tensor(lossBuf, []) };
  for (const name of blockNames(layout)) {
    const n = blockIo(name);
    feeds[n.p] = blockView(layout, flat.theta, name);
    fetches[n.g] = blockView(layout, flat.grad, name);
  }
  let lastBatch: DhoBatch | undefined;
  return {
    kind: 'onnx',
    layout,
    theta: () => flat.theta,
    m: () => flat.m,
    v: () => flat.v,
    async step(batch, s) {
      if (batch !== lastBatch) {
        setBatchFeeds(layout, batch, feeds);
        lastBatch = batch;
      }
      packScalars(s, opt);
      await session.run(feeds, fetches);
      flat.step(opt);
      return lossBuf[0] as number;
    },
  };
}

/**
 * The fused train graph (AdamW inside, per block). θ, m, v are double-buffered flat vectors; each
 * block is fed as a sub-array view and the updated block is written by onnxruntime straight into
 * the other buffer (pre-allocated outputs).
 */
async function createFusedEngine(layout: DhoLayout, theta0: Float32Array, threads: number): Promise<DhoEngine> {
  const session = await trainSession(layout.shape, threads);
  const P = layout.total;
  const bufs = [
    { theta: theta0.slice(), m: new Float32Array(P), v: new Float32Array(P) },
    { theta: new Float32Array(P), m: new Float32Array(P), v: new Float32Array(P) },
  ] as const;
  const opt = new Float32Array(OPT_LEN);
  const lossBuf = new Float32Array(1);
  const lossT = f32Tensor(lossBuf, []);
  const optT = f32Tensor(opt, [OPT_LEN]);
  // Feeds/fetches for both parities, built once.
  const feeds: Array<Record<string, ortTypes.Tensor>> = [];
  const fetches: Array<Record<string, ortTypes.Tensor>> = [];
  for (let par = 0; par < 2; par++) {
    const src = bufs[par] as (typeof bufs)[number];
    const dst = bufs[1 - par] as (typeof bufs)[number];
    const f: Record<string, ortTypes.Tensor> = { [TRAIN_IO.opt]: optT };
    const o: Record<string, ortTypes.Tensor> = { [TRAIN_IO.loss]: lossT };
    for (const name of blockNames(layout)) {
      const n = blockIo(name);
      f[n.p] = blockView(layout, src.theta, name);
      f[n.m] = blockView(layout, src.m, name);
      f[n.v] = blockView(layout, src.v, name);
      o[n.pOut] = blockView(layout, dst.theta, name);
      o[n.mOut] = blockView(layout, dst.m, name);
      o[n.vOut] = blockView(layout, dst.v, name);
    }
    feeds.push(f);
    fetches.push(o);
  }
  let cur = 0;
  let lastBatch: DhoBatch | undefined;
  return {
    kind: 'onnx',
    layout,
    theta: () => (cur === 0 ? bufs[0] : bufs[1]).theta,
    m: () => (cur === 0 ? bufs[0] : bufs[1]).m,
    v: () => (cur === 0 ? bufs[0] : bufs[1]).v,
    async step(batch, s) {
      if (batch !== lastBatch) {
        for (const f of feeds) setBatchFeeds(layout, batch, f);
        lastBatch = batch;
      }
      packScalars(s, opt);
      await session.run(feeds[cur] as Record<string, ortTypes.Tensor>, fetches[cur] as Record<string, ortTypes.Tensor>);
      cur = 1 - cur;
      return lossBuf[0] as number;
    },
  };
}

/**
 * Runs the predict computation on n rows of X (n×D row-major) — ONNX session (in chunks of
 * `chunk` rows, outputs written in place) or the TypeScript twin. Returns n×C ce, kd, probs and
 * (adapter, unless `hidden: false`) n×H h. @throws RangeError on size mismatches.
 */
export async function predictRows(p: DhoPredictParams, X: Float32Array, n: number, alpha: number, invBeta: number, o: { engine: 'onnx' | 'ts'; threads?: number; chunk: number; transform?: (src: Float32Array, dst: Float32Array) => void; hidden?: boolean }): Promise<DhoPredictOut> {
  const { D, H, C } = p;
  if (X.length !== n * D) throw new RangeError(`predict: features have ${X.length} values, expected ${n}×${D}`);
  const adapter = p.W1 !== undefined;
  if (o.engine === 'ts') {
    let Xs = X;
    if (o.transform) {
      Xs = new Float32Array(X.length);
      o.transform(X, Xs);
    }
    return dhoPredictRef(p, Xs, n, alpha, invBeta);
  }
  const shape = { head: adapter ? ('adapter' as const) : ('linear' as const), D, H: adapter ? H : 0, C };
  const session = await predictSession(shape, o.threads ?? defaultThreads());
  const ce = new Float32Array(n * C);
  const kd = new Float32Array(n * C);
  const probs = new Float32Array(n * C);
  const h = adapter && o.hidden !== false ? new Float32Array(n * H) : undefined;
  const io = PREDICT_IO;
  const base: Record<string, ortTypes.Tensor> = {
    [io.W2]: f32Tensor(p.W2, [adapter ? H : D, 2 * C]),
    [io.b2]: f32Tensor(p.b2, [2 * C]),
    [io.alpha]: new ort.Tensor('float32', Float32Array.of(alpha), []),
    [io.invBeta]: new ort.Tensor('float32', Float32Array.of(invBeta), []),
  };
  if (adapter && p.W1 && p.b1) {
    base[io.W1] = f32Tensor(p.W1, [D, H]);
    base[io.b1] = f32Tensor(p.b1, [H]);
  }
  const chunk = Math.max(1, Math.floor(o.chunk));
  const tmp = o.transform ? new Float32Array(Math.min(chunk, n) * D) : undefined;
  for (let r0 = 0; r0 < n; r0 += chunk) {
    const r1 = Math.min(n, r0 + chunk);
    const rows = r1 - r0;
    let xs = X.subarray(r0 * D, r1 * D);
    if (o.transform && tmp) {
      const t = tmp.subarray(0, rows * D);
      o.transform(xs, t);
      xs = t;
    }
    const fetch: Record<string, ortTypes.Tensor> = {
      [io.ce]: f32Tensor(ce.subarray(r0 * C, r1 * C), [rows, C]),
      [io.kd]: f32Tensor(kd.subarray(r0 * C, r1 * C), [rows, C]),
      [io.probs]: f32Tensor(probs.subarray(r0 * C, r1 * C), [rows, C]),
    };
    if (h) fetch[io.h] = f32Tensor(h.subarray(r0 * H, r1 * H), [rows, H]);
    await session.run({ ...base, [io.X]: f32Tensor(xs, [rows, D]) }, fetch);
  }
  return h === undefined ? { ce, kd, probs } : { ce, kd, probs, h };
}

/**
 * onnxruntime-node session helpers (docs/ARCHITECTURE.md, `linalg/`): create a CPU session from in-memory model
 * bytes (see src/linalg/onnx-graph.ts) and run it with {@link Matrix} feeds and results.
 */
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import type { Matrix } from './matrix.ts';

/** Options of {@link createSession}. */
export interface OrtSessionOptions {
  /** Intra-op threads (one op parallelised over this many threads). Default: `os.availableParallelism()`. */
  readonly threads?: number;
  /** Graph optimisation level (default `'all'`). */
  readonly optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /**
   * Let idle intra-op threads spin-wait for work (onnxruntime's default). Default false here: on
   * small, shared machines spinning threads compete with the JS thread and other processes, which
   * was measured to double or triple the median step time under load, while costing little when idle.
   */
  readonly spin?: boolean;
}

/** Default intra-op thread count: every core the OS grants this process. */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Creates a CPU inference session from serialized ONNX model bytes.
 * Sequential execution, one inter-op thread, `threads` intra-op threads, no spin-waiting unless
 * `spin` is set.
 * @throws RangeError when `threads` is not a positive integer; rejects with onnxruntime's error
 *   when the model is invalid.
 */
export async function createSession(model: Uint8Array, opts: OrtSessionOptions = {}): Promise<ort.InferenceSession> {
  const threads = opts.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`createSession: threads must be a positive integer, got ${threads}`);
  return ort.InferenceSession.create(model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: opts.optimization ?? 'all',
    executionProviders: ['cpu'],
    extra: { session: { intra_op: { allow_spinning: opts.spin === true ? '1' : '0' } } },
  });
}

/** A float32 tensor over `data` (no copy) with the given dims. @throws RangeError on a size mismatch. */
export function f32Tensor(data: Float32Array, dims: readonly number[]): ort.Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new RangeError(`f32Tensor: ${data.length} values do not fill dims [${dims.join(',')}]`);
  return new ort.Tensor('float32', data, dims);
}

/** A rows×cols float32 tensor over the matrix's data (no copy). */
export function matrixTensor(m: Matrix): ort.Tensor {
  return f32Tensor(m.data, [m.rows, m.cols]);
}

/** A rank-0 float32 tensor holding `v`. */
export function scalarTensor(v: number): ort.Tensor {
  return new ort.Tensor('float32', Float32Array.of(v), []);
}

/** A feed: a {@link Matrix} (sent as a rows×cols float32 tensor) or any ready-made tensor. */
export type Feed = Matrix | ort.Tensor;

function isTensor(f: Feed): f is ort.Tensor {
  return f instanceof ort.Tensor;
}

/**
 * Converts a float32 output tensor to a {@link Matrix} without copying: rank 2 [r, c] → r×c;
 * rank 0 or 1 ([n]) → n×1. @throws RangeError for other ranks or element types.
 */
export function tensorToMatrix(t: ort.Tensor, name = 'output'): Matrix {
  if (t.type !== 'float32') throw new RangeError(`tensorToMatrix: '${name}' has type ${t.type}, expected float32`);
  const data = t.data as Float32Array;
  const d = t.dims;
  if (d.length === 2) return { rows: d[0] as number, cols: d[1] as number, data };
  if (d.length <= 1) return { rows: data.length, cols: 1, data };
  throw new RangeError(`tensorToMatrix: '${name}' has rank ${d.length}, expected ≤ 2`);
}

/**
 * Runs `session` on `feeds` and returns the requested float32 outputs as matrices.
 *
 * @param outputs the outputs to fetch: a list of names (results in fresh arrays), or a map
 *   name → pre-allocated {@link Matrix} that onnxruntime writes into (the returned matrix then shares
 *   that matrix's `data`). Default: every output of the session, freshly allocated.
 * Pre-allocated outputs must have exactly the output's shape and must not alias any feed.
 * @throws RangeError (or onnxruntime's error) on unknown names or shape mismatches.
 */
export async function runSession(session: ort.InferenceSession, feeds: Readonly<Record<string, Feed>>, outputs?: readonly string[] | Readonly<Record<string, Matrix>>): Promise<Record<string, Matrix>> {
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [k, f] of Object.entries(feeds)) ortFeeds[k] = isTensor(f) ? f : matrixTensor(f);
  let result: ort.InferenceSession.ReturnType;
  if (outputs === undefined) {
    result = await session.run(ortFeeds);
  } else if (Array.isArray(outputs)) {
    result = await session.run(ortFeeds, outputs as string[]);
  } else {
    const fetches: Record<string, ort.Tensor> = {};
    for (const [k, m] of Object.entries(outputs as Readonly<Record<string, Matrix>>)) fetches[k] = matrixTensor(m);
    result = await session.run(ortFeeds, fetches);
    const out: Record<string, Matrix> = {};
    for (const [k, m] of Object.entries(outputs as Readonly<Record<string, Matrix>>)) out[k] = m;
    return out;
  }
  const out: Record<string, Matrix> = {};
  for (const [k, t] of Object.entries(result)) out[k] = tensorToMatrix(t as ort.Tensor, k);
  return out;
}

export { ort };

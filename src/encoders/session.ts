import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { UserError } from '../util/errors.ts';
import { fusePreprocessing } from './preprocess-graph.ts';
import type { EncoderSpec } from './spec.ts';

const sessions = new Map<string, Promise<ort.InferenceSession>>();
const hashes = new Map<string, string>();

/**
 * sha256 (hex) of a model file, memoised per path + size + mtime.
 * @throws UserError when the file does not exist.
 */
export function modelHash(path: string): string {
  if (!existsSync(path)) throw new UserError(`model file not found: ${path}`);
  const st = statSync(path);
  const key = `${path}:${st.size}:${st.mtimeMs}`;
  let h = hashes.get(key);
  if (!h) {
    h = createHash('sha256').update(readFileSync(path)).digest('hex');
    hashes.set(key, h);
  }
  return h;
}

/**
 * One shared onnxruntime-node session per model file (CPU execution provider, intra-op threads
 * sleep instead of spinning when idle).
 * @param threads intra-op threads (default: all cores)
 * @throws UserError when the file is missing or is not a loadable ONNX model.
 */
export function getSession(path: string, threads = availableParallelism()): Promise<ort.InferenceSession> {
  return cachedSession(`${path}#${threads}`, path, () => ort.InferenceSession.create(path, options(threads)));
}

const fusedSessions = new Map<string, Promise<ort.InferenceSession | null>>();

/**
 * One shared session per (model file, preprocessing contract, threads) of the encoder with the
 * `v2-graph` preprocessing graph in front of it (`fusePreprocessing`, src/encoders/preprocess-graph.ts):
 * it takes native-size 8-bit pixels (`preprocessFeeds`) and returns the encoder's outputs.
 * @returns `null` when the model's opset is too old to fuse (run the preprocessing graph, then {@link getSession})
 * @throws UserError as {@link getSession}, or when the model has no input `spec.inputName`
 */
export function getFusedSession(spec: EncoderSpec, threads = availableParallelism()): Promise<ort.InferenceSession | null> {
  const path = spec.modelPath;
  const key = JSON.stringify([path, threads, spec.inputName, spec.size, spec.scaling]);
  let s = fusedSessions.get(key);
  if (!s) {
    if (!existsSync(path)) throw new UserError(`model file not found: ${path}`);
    let fused: Uint8Array | null;
    try {
      fused = fusePreprocessing(spec, readFileSync(path));
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`cannot load ONNX model ${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
    s = fused === null ? Promise.resolve(null) : cachedSession(`fused:${key}`, path, () => ort.InferenceSession.create(fused, options(threads)));
    s.catch(() => fusedSessions.delete(key));
    fusedSessions.set(key, s);
  }
  return s;
}

/** The session of `key`, created once by `create` (a failure is not cached and reads as a UserError naming `path`). */
function cachedSession(key: string, path: string, create: () => Promise<ort.InferenceSession>): Promise<ort.InferenceSession> {
  let s = sessions.get(key);
  if (!s) {
    if (!existsSync(path)) throw new UserError(`model file not found: ${path}`);
    s = create().catch((e: unknown) => {
      sessions.delete(key);
      throw new UserError(`cannot load ONNX model ${path}: ${e instanceof Error ? e.message : String(e)}`);
    });
    sessions.set(key, s);
  }
  return s;
}

/**
 * CPU session options. No spin-waiting: spinning intra-op threads starve the decoding of the next
 * batch that encodeImages overlaps with inference (measured, bench encoder: both onnxruntime alone
 * and the pipeline got faster without it on 2 cores); results are the same either way.
 */
function options(threads: number): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { UserError } from '../util/errors.ts';

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
  const key = `${path}#${threads}`;
  let s = sessions.get(key);
  if (!s) {
    if (!existsSync(path)) throw new UserError(`model file not found: ${path}`);
    // No spin-waiting: spinning intra-op threads starve the decoding of the next batch that
    // encodeImages overlaps with inference (measured, bench encoder: both onnxruntime alone and the
    // pipeline got faster without it on 2 cores); results are the same either way.
    s = ort.InferenceSession.create(path, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    }).catch((e: unknown) => {
      sessions.delete(key);
      throw new UserError(`cannot load ONNX model ${path}: ${e instanceof Error ? e.message : String(e)}`);
    });
    sessions.set(key, s);
  }
  return s;
}

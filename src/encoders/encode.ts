import { homedir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { matrix, type Matrix } from '../linalg/matrix.ts';
import { ENCODER_BATCH_SIZE_OPTION } from '../options/definitions.ts';
import { createProgress } from '../util/progress.ts';
import { FeatureCache, imageContentKey } from './feature-cache.ts';
import { decodeImage, preprocessImage, type DecodedImage } from './preprocess.ts';
import { runPreprocessGraph } from './preprocess-graph.ts';
import { getSession, modelHash } from './session.ts';
import { preprocessKey, preprocessVersion, type EncoderSpec } from './spec.ts';

/** Options of {@link encodeImages}. */
export interface EncodeOptions {
  /** Cache root; `null` disables the cache. Default: `$ACTIVEKD_CACHE` or `~/.cache/activekd`. */
  cacheDir?: string | null;
  /** Images per inference call (default: `--encoder-batch-size`'s, 32). */
  batchSize?: number;
  /** Label of the progress bar; no bar when omitted. */
  progressLabel?: string;
  /** onnxruntime intra-op threads (default: all cores). */
  threads?: number;
}

/** An image that could not be decoded, with its position in the input list. */
export interface SkippedImage {
  index: number;
  path: string;
  reason: string;
}

/** Encoder outputs: one row per input path (zeros for skipped images). */
export interface EncodeResult {
  outputs: Record<string, Matrix>;
  skipped: SkippedImage[];
  /** How many images went through the model in this call (the rest came from the cache). */
  computed: number;
}

/** The default cache root: `$ACTIVEKD_CACHE`, else `~/.cache/activekd`. */
export function defaultCacheDir(): string {
  return process.env.ACTIVEKD_CACHE ?? join(homedir(), '.cache', 'activekd');
}

/** Cache folder of one (encoder, model file, preprocessing) triple. */
export function cacheFolder(root: string, spec: EncoderSpec): string {
  return join(root, 'features', `${modelHash(spec.modelPath).slice(0, 16)}-${preprocessKey(spec)}`);
}

async function outputWidths(spec: EncoderSpec, session: ort.InferenceSession): Promise<Record<string, number>> {
  const x = new Float32Array(3 * spec.size * spec.size);
  const r = await session.run({ [spec.inputName]: new ort.Tensor('float32', x, [1, 3, spec.size, spec.size]) }, [...spec.outputs]);
  const widths: Record<string, number> = {};
  for (const name of spec.outputs) {
    const t = r[name];
    if (!t) throw new Error(`model ${spec.modelPath} has no output ${name}`);
    widths[name] = t.dims.slice(1).reduce((a, b) => a * b, 1);
  }
  return widths;
}

/**
 * The `v2-graph` model input of decoded images: images of one native size go through the
 * preprocessing graph together (one run per size; CIFAR batches have one), in input order.
 * @returns float32 NCHW [images.length,3,size,size]
 */
async function graphBatch(spec: EncoderSpec, images: readonly DecodedImage[]): Promise<Float32Array> {
  const groups = new Map<string, number[]>();
  images.forEach((d, k) => {
    const key = `${d.height}x${d.width}`;
    const g = groups.get(key);
    if (g) g.push(k);
    else groups.set(key, [k]);
  });
  const imgLen = 3 * spec.size * spec.size;
  const run = (ks: number[]): Promise<Float32Array> => {
    const { width, height } = images[ks[0] as number] as DecodedImage;
    const len = width * height * 3;
    const px = new Uint8Array(ks.length * len);
    ks.forEach((k, j) => px.set((images[k] as DecodedImage).data, j * len));
    return runPreprocessGraph(spec, px, ks.length, height, width);
  };
  if (groups.size <= 1) return images.length === 0 ? new Float32Array(0) : run([...groups.values()][0] as number[]);
  const x = new Float32Array(images.length * imgLen);
  for (const ks of groups.values()) {
    const y = await run(ks);
    ks.forEach((k, j) => x.set(y.subarray(j * imgLen, (j + 1) * imgLen), k * imgLen));
  }
  return x;
}

/**
 * Runs an ONNX image encoder over image files, batched, with decoding of the next batch
 * overlapped with inference of the current one (preprocessing by `spec.preprocess`: sharp
 * + JS, or native-size decode + the preprocessing graph), through a content-addressed on-disk cache
 * (model sha256 + image-bytes sha1 + preprocessing), so that a second run recomputes nothing.
 *
 * @param spec the encoder's input contract and outputs
 * @param paths image files (any order; duplicates allowed)
 * @returns for each output, an N×W row-major matrix (N = paths.length); undecodable images get a
 *   zero row and are listed in `skipped` with the reason
 * @throws UserError when the model file is missing or cannot be loaded
 */
export async function encodeImages(spec: EncoderSpec, paths: readonly string[], opts: EncodeOptions = {}): Promise<EncodeResult> {
  const batchSize = opts.batchSize ?? ENCODER_BATCH_SIZE_OPTION.default;
  const session = await getSession(spec.modelPath, opts.threads);
  const widths = await outputWidths(spec, session);
  const n = paths.length;
  const outputs: Record<string, Matrix> = {};
  for (const [name, w] of Object.entries(widths)) outputs[name] = matrix(n, w);
  const skipped: SkippedImage[] = [];
  const cacheRoot = opts.cacheDir === undefined ? defaultCacheDir() : opts.cacheDir;
  const folder = cacheRoot === null ? null : cacheFolder(cacheRoot, spec);
  const caches = folder === null ? [] : Object.entries(widths).map(([name, w]) => new FeatureCache(folder, name, w));
  const cache = caches[0] ?? null;

  // 1. Hash the image bytes; serve cached rows.
  const hashes: string[] = new Array<string>(n);
  const todo: number[] = [];
  const progress = opts.progressLabel ? createProgress(opts.progressLabel, n) : null;
  const hashChunk = 64;
  for (let s = 0; s < n; s += hashChunk) {
    const idx = Array.from({ length: Math.min(hashChunk, n - s) }, (_, k) => s + k);
    await Promise.all(
      idx.map(async (i) => {
        const p = paths[i] as string;
        let h: string;
        try {
          h = await imageContentKey(p);
        } catch (e) {
          skipped.push({ index: i, path: p, reason: `cannot read file: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
          hashes[i] = '';
          return;
        }
        hashes[i] = h;
        const bad = cache?.badReason(h);
        if (bad !== undefined) skipped.push({ index: i, path: p, reason: bad });
        else if (caches.length === 0 || !caches.every((c) => c.has(h))) todo.push(i);
        else for (const c of caches) c.read(h, outputs[c.output]!.data, i * c.width);
      }),
    );
  }
  todo.sort((a, b) => a - b);
  const todoSet = new Set(todo);
  progress?.tick(n - todo.length);

  // 2. Decode + infer the rest, decode of batch k+1 overlapped with inference of batch k.
  const imgLen = 3 * spec.size * spec.size;
  const graph = preprocessVersion(spec) === 'v2-graph';
  const decodeBatch = async (batch: number[]): Promise<{ ok: number[]; x: Float32Array }> => {
    const x = graph ? new Float32Array(0) : new Float32Array(batch.length * imgLen);
    const decoded: (DecodedImage | null)[] = new Array<DecodedImage | null>(batch.length).fill(null);
    const good: boolean[] = new Array<boolean>(batch.length).fill(false);
    const decode = async (k: number): Promise<void> => {
      const path = paths[batch[k] as number] as string;
      if (graph) decoded[k] = await decodeImage(spec, path);
      else await preprocessImage(spec, path, x.subarray(k * imgLen, (k + 1) * imgLen));
      good[k] = true;
    };
    const failed: number[] = [];
    await Promise.all(batch.map((_, k) => decode(k).catch(() => failed.push(k))));
    // Failures are decoded again one at a time: libvips' error buffer is shared by concurrent
    // decodes, so a failure among them can surface as "Unknown error" (regression: a truncated
    // JPEG's reason lost its "premature end"); alone, the real reason comes back.
    for (const k of failed) {
      await decode(k).catch((e: unknown) => {
        const i = batch[k] as number;
        const reason = `cannot decode image: ${e instanceof Error ? e.message : String(e)}`;
        skipped.push({ index: i, path: paths[i] as string, reason });
        cache?.markBad(hashes[i] as string, reason);
      });
    }
    const okK = batch.map((_, k) => k).filter((k) => good[k]);
    const ok = okK.map((k) => batch[k] as number);
    if (graph) return { ok, x: await graphBatch(spec, okK.map((k) => decoded[k] as DecodedImage)) };
    if (ok.length === batch.length) return { ok, x };
    const packed = new Float32Array(ok.length * imgLen);
    okK.forEach((k, j) => packed.set(x.subarray(k * imgLen, (k + 1) * imgLen), j * imgLen));
    return { ok, x: packed };
  };
  const batches: number[][] = [];
  for (let s = 0; s < todo.length; s += batchSize) batches.push(todo.slice(s, s + batchSize));
  let next = batches.length > 0 ? decodeBatch(batches[0]!) : null;
  for (let b = 0; b < batches.length; b++) {
    const cur = await next!;
    next = b + 1 < batches.length ? decodeBatch(batches[b + 1]!) : null;
    if (cur.ok.length > 0) {
      const r = await session.run({ [spec.inputName]: new ort.Tensor('float32', cur.x, [cur.ok.length, 3, spec.size, spec.size]) }, [...spec.outputs]);
      const rows: Record<string, Float32Array> = {};
      for (const [name, w] of Object.entries(widths)) {
        const data = r[name]!.data as Float32Array;
        rows[name] = data;
        cur.ok.forEach((i, k) => outputs[name]!.data.set(data.subarray(k * w, (k + 1) * w), i * w));
      }
      const okHashes = cur.ok.map((i) => hashes[i] as string);
      for (const c of caches) c.append(okHashes, rows[c.output]!);
    }
    progress?.tick(batches[b]!.length);
  }
  progress?.stop();
  for (const c of caches) c.close();
  skipped.sort((a, b) => a.index - b.index);
  return { outputs, skipped, computed: todo.length - skipped.filter((s) => todoSet.has(s.index)).length };
}

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { matrix, type Matrix } from '../linalg/matrix.ts';
import { ENCODER_BATCH_SIZE_OPTION, LEGACY_PREPROCESS } from '../options/definitions.ts';
import { createProgress } from '../util/progress.ts';
import { FeatureCache, imageContentKey } from './feature-cache.ts';
import { decodeImage, preprocessImage, type DecodedImage } from './preprocess.ts';
import { preprocessFeeds, runPreprocessGraph } from './preprocess-graph.ts';
import { getFusedSession, getSession, modelHash } from './session.ts';
import { defaultPreprocess, preprocessKey, preprocessVersion, withPreprocess, type EncoderSpec, type PreprocessVersion } from './spec.ts';

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
  /**
   * Preprocessing of encoders whose spec names none (`--preprocess`; see `EncoderSpec.preprocess`).
   * Default: `$ACTIVEKD_PREPROCESS`, else `DEFAULT_PREPROCESS` (`v2-graph`).
   */
  preprocess?: PreprocessVersion;
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

/**
 * The part of {@link EncodeOptions} that can change the features (for the keys of bench grids and
 * prepared experiments): the batch size and the default preprocessing, resolved (so that
 * `ACTIVEKD_PREPROCESS` counts too); `v1-sharp` is left out so that keys from before preprocessing
 * versions stay valid. Where caches live and how many threads encode do not change features.
 * @throws UserError as `defaultPreprocess` (src/encoders/spec.ts)
 */
export function encodeKey(o: EncodeOptions): { batchSize: number; preprocess?: PreprocessVersion } {
  const preprocess = o.preprocess ?? defaultPreprocess();
  return { batchSize: o.batchSize ?? ENCODER_BATCH_SIZE_OPTION.default, ...(preprocess !== LEGACY_PREPROCESS ? { preprocess } : {}) };
}

/** The default cache root: `$ACTIVEKD_CACHE`, else `~/.cache/activekd`. */
export function defaultCacheDir(): string {
  return process.env.ACTIVEKD_CACHE ?? join(homedir(), '.cache', 'activekd');
}

/** Cache folder of one (encoder, model file, preprocessing) triple. */
export function cacheFolder(root: string, spec: EncoderSpec): string {
  return join(root, 'features', `${modelHash(spec.modelPath).slice(0, 16)}-${preprocessKey(spec)}`);
}

/** A batch ready for inference: the images `ok` (input indices) in one model call. */
interface Ready {
  ok: number[];
  /** `v1-sharp`: the encoder input, float32 NCHW [ok.length,3,size,size]. */
  x?: Float32Array;
  /** `v2-graph`: n×height×width×3 uint8 pixels of images of one native size. */
  pixels?: { data: Uint8Array; height: number; width: number };
}

/** The encoder, with the preprocessing the spec asks for in front of it when it runs in onnxruntime. */
interface Encoder {
  run(batch: Ready): Promise<Record<string, Float32Array>>;
}

async function openEncoder(spec: EncoderSpec, threads?: number): Promise<Encoder> {
  const outputs = [...spec.outputs];
  const plain = (): Promise<ort.InferenceSession> => getSession(spec.modelPath, threads);
  const results = (r: ort.InferenceSession.OnnxValueMapType): Record<string, Float32Array> => {
    const out: Record<string, Float32Array> = {};
    for (const name of outputs) {
      const t = r[name];
      if (!t) throw new Error(`model ${spec.modelPath} has no output ${name}`);
      out[name] = t.data as Float32Array;
    }
    return out;
  };
  if (preprocessVersion(spec) === 'v1-sharp') {
    const session = await plain();
    return { run: async (b) => results(await session.run({ [spec.inputName]: new ort.Tensor('float32', b.x!, [b.ok.length, 3, spec.size, spec.size]) }, outputs)) };
  }
  const fused = await getFusedSession(spec, threads);
  if (fused) return { run: async (b) => results(await fused.run(preprocessFeeds(spec, b.pixels!.data, b.ok.length, b.pixels!.height, b.pixels!.width), outputs)) };
  // An encoder too old to fuse: the preprocessing graph, then the encoder.
  const session = await plain();
  return {
    run: async (b) => {
      const x = await runPreprocessGraph(spec, b.pixels!.data, b.ok.length, b.pixels!.height, b.pixels!.width);
      return results(await session.run({ [spec.inputName]: new ort.Tensor('float32', x, [b.ok.length, 3, spec.size, spec.size]) }, outputs));
    },
  };
}

const widthMemo = new Map<string, Record<string, number>>();

/**
 * Width (values per image) of each output, from one run over a one-pixel (v2) or blank (v1) image,
 * once per model file, preprocessing and outputs (a whole inference: worth keeping).
 */
async function outputWidths(spec: EncoderSpec, encoder: Encoder): Promise<Record<string, number>> {
  const key = JSON.stringify([spec.modelPath, preprocessKey(spec), spec.outputs]);
  const known = widthMemo.get(key);
  if (known) return known;
  const v1 = preprocessVersion(spec) === 'v1-sharp';
  const r = await encoder.run(v1 ? { ok: [0], x: new Float32Array(3 * spec.size * spec.size) } : { ok: [0], pixels: { data: new Uint8Array(3), height: 1, width: 1 } });
  const widths = Object.fromEntries(Object.entries(r).map(([name, data]) => [name, data.length]));
  widthMemo.set(key, widths);
  return widths;
}

/** Groups decoded images by native size (one model call per size; CIFAR batches have one), in input order. */
function sizeGroups(ok: readonly number[], images: readonly DecodedImage[]): Ready[] {
  const groups = new Map<string, number[]>();
  images.forEach((d, k) => {
    const key = `${d.height}x${d.width}`;
    const g = groups.get(key);
    if (g) g.push(k);
    else groups.set(key, [k]);
  });
  return [...groups.values()].map((ks) => {
    const { width, height } = images[ks[0] as number] as DecodedImage;
    const len = width * height * 3;
    const data = new Uint8Array(ks.length * len);
    ks.forEach((k, j) => data.set((images[k] as DecodedImage).data, j * len));
    return { ok: ks.map((k) => ok[k] as number), pixels: { data, height, width } };
  });
}

/**
 * Runs an ONNX image encoder over image files, batched, with decoding of the next batch
 * overlapped with inference of the current one (preprocessing by `spec.preprocess`: sharp
 * + JS, or native-size decode + the preprocessing graph), through a content-addressed on-disk cache
 * (model sha256 + image-bytes sha1 + preprocessing), so that a second run recomputes nothing.
 *
 * @param anySpec the encoder's input contract and outputs (its preprocessing: `spec.preprocess`, else `opts.preprocess`, else the default)
 * @param paths image files (any order; duplicates allowed)
 * @returns for each output, an N×W row-major matrix (N = paths.length); undecodable images get a
 *   zero row and are listed in `skipped` with the reason
 * @throws UserError when the model file is missing or cannot be loaded
 */
export async function encodeImages(anySpec: EncoderSpec, paths: readonly string[], opts: EncodeOptions = {}): Promise<EncodeResult> {
  const spec = withPreprocess(anySpec, opts.preprocess);
  const batchSize = opts.batchSize ?? ENCODER_BATCH_SIZE_OPTION.default;
  const encoder = await openEncoder(spec, opts.threads);
  const widths = await outputWidths(spec, encoder);
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
  // Without a cache no key is needed: every image is encoded (unreadable ones are skipped when decoded).
  if (caches.length === 0) for (let i = 0; i < n; i++) todo.push(i);
  else for (let s = 0; s < n; s += hashChunk) {
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
  const decodeBatch = async (batch: number[]): Promise<Ready[]> => {
    const x = graph ? new Float32Array(0) : new Float32Array(batch.length * imgLen);
    const decoded: (DecodedImage | null)[] = new Array<DecodedImage | null>(batch.length).fill(null);
    const good: boolean[] = new Array<boolean>(batch.length).fill(false);
    const decode = async (k: number): Promise<void> => {
      const path = paths[batch[k] as number] as string;
      // The bytes are read synchronously and handed to sharp, so that every decode of the batch is
      // queued on libuv's threads before the next inference starts: onnxruntime-node runs a
      // session on the main thread, and a decode waiting there for an async read's callback would
      // not start until that inference ends (measured: ≈ 15 ms waited per batch of 32). Reading
      // the bytes ourselves also costs less CPU than libvips opening the file (≈ 0.13 ms per CIFAR
      // image, a third of its decode).
      let bytes: Buffer;
      try {
        bytes = readFileSync(path);
      } catch (e) {
        throw new Error(`cannot read file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
      if (graph) decoded[k] = await decodeImage(spec, bytes);
      else await preprocessImage(spec, bytes, x.subarray(k * imgLen, (k + 1) * imgLen));
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
        const msg = e instanceof Error ? e.message : String(e);
        const reason = msg.startsWith('cannot read file:') ? msg : `cannot decode image: ${msg}`;
        skipped.push({ index: i, path: paths[i] as string, reason });
        cache?.markBad(hashes[i] as string, reason);
      });
    }
    const okK = batch.map((_, k) => k).filter((k) => good[k]);
    const ok = okK.map((k) => batch[k] as number);
    if (graph) return sizeGroups(ok, okK.map((k) => decoded[k] as DecodedImage));
    if (ok.length === 0) return [];
    if (ok.length === batch.length) return [{ ok, x }];
    const packed = new Float32Array(ok.length * imgLen);
    okK.forEach((k, j) => packed.set(x.subarray(k * imgLen, (k + 1) * imgLen), j * imgLen));
    return [{ ok, x: packed }];
  };
  const batches: number[][] = [];
  for (let s = 0; s < todo.length; s += batchSize) batches.push(todo.slice(s, s + batchSize));
  let next = batches.length > 0 ? decodeBatch(batches[0]!) : null;
  for (let b = 0; b < batches.length; b++) {
    const ready = await next!;
    next = b + 1 < batches.length ? decodeBatch(batches[b + 1]!) : null;
    for (const cur of ready) {
      const rows = await encoder.run(cur);
      for (const [name, w] of Object.entries(widths)) {
        const data = rows[name] as Float32Array;
        cur.ok.forEach((i, k) => outputs[name]!.data.set(data.subarray(k * w, (k + 1) * w), i * w));
      }
      const okHashes = cur.ok.map((i) => hashes[i] as string);
      for (const c of caches) c.append(okHashes, rows[c.output]!);
    }
    progress?.tick(batches[b]!.length);
  }
  const computed = todo.length - skipped.filter((s) => todoSet.has(s.index)).length;
  const cached = n - todo.length - skipped.filter((s) => !todoSet.has(s.index)).length;
  progress?.stop(caches.length === 0 ? undefined : `${cached} from the feature cache, ${computed} encoded`);
  for (const c of caches) c.close();
  skipped.sort((a, b) => a.index - b.index);
  return { outputs, skipped, computed };
}

import { cacheFolder, encodeImages, type SkippedImage } from './encode.ts';
import { FeatureCache, imageContentKey } from './feature-cache.ts';
import { FsShardStore, shardKey, type ShardStore } from './shard-store.ts';
import type { EncoderSpec } from './spec.ts';

/** What one shard did, per encoder output. */
export interface ShardOutcome {
  /** Encoder name (`EncoderSpec.name`). */
  encoder: string;
  output: string;
  /** {@link shardKey} of the shard's distinct images. */
  key: string;
  /** `written`: this call stored the shard; `exists`: it was already complete (nothing computed). */
  status: 'written' | 'exists';
}

/** Result of {@link encodeShard}. */
export interface ShardResult {
  /** Images in the shard (paths given). */
  images: number;
  /** Images that went through a model in this call (summed over encoders). */
  computed: number;
  /** Unreadable or undecodable images (index = position in the shard's path list), also recorded in the cache's `bad.tsv`. */
  skipped: SkippedImage[];
  outcomes: ShardOutcome[];
}

/** Options of {@link encodeShard}. */
export interface ShardEncodeOptions {
  batchSize?: number;
  threads?: number;
  /** The store of one encoder's cache folder (default: {@link FsShardStore} on `cacheFolder(cacheRoot, spec)`). */
  store?: (spec: EncoderSpec, folder: string) => ShardStore;
}

/**
 * Encodes one shard (a list of image files) with each encoder and stores the rows as one
 * content-addressed shard per encoder output in the feature cache under `cacheRoot`, which the
 * ordinary {@link encodeImages} then reads. Rows are the shard's distinct decodable images in
 * first-occurrence order; an encoder whose shard is already stored computes nothing. Undecodable
 * images are recorded in the cache's `bad.tsv` (so later runs skip them) and returned, never thrown.
 * @param specs encoders (e.g. the student backbone and the teacher's image encoder)
 * @param paths image files of the shard
 * @param cacheRoot feature-cache root reachable by every worker
 * @throws UserError when a model file is missing or cannot be loaded
 */
export async function encodeShard(specs: readonly EncoderSpec[], paths: readonly string[], cacheRoot: string, opts: ShardEncodeOptions = {}): Promise<ShardResult> {
  const skipped: SkippedImage[] = [];
  const hashes: (string | null)[] = await Promise.all(
    paths.map(async (p, index) => {
      try {
        return await imageContentKey(p);
      } catch (e) {
        skipped.push({ index, path: p, reason: `cannot read file: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
        return null;
      }
    }),
  );
  const firstOf = new Map<string, number>();
  hashes.forEach((h, i) => {
    if (h !== null && !firstOf.has(h)) firstOf.set(h, i);
  });
  const uniq = [...firstOf.values()];
  const uniqHashes = uniq.map((i) => hashes[i] as string);
  const key = shardKey(uniqHashes);
  const outcomes: ShardOutcome[] = [];
  let computed = 0;
  const badHashes = new Map<string, string>();
  for (const spec of specs) {
    const folder = cacheFolder(cacheRoot, spec);
    const store = opts.store ? opts.store(spec, folder) : new FsShardStore(folder);
    if (uniq.length === 0 || spec.outputs.every((o) => store.has(key, o))) {
      for (const output of spec.outputs) outcomes.push({ encoder: spec.name, output, key, status: 'exists' });
      continue;
    }
    const enc = await encodeImages(
      spec,
      uniq.map((i) => paths[i] as string),
      { cacheDir: null, ...(opts.batchSize ? { batchSize: opts.batchSize } : {}), ...(opts.threads ? { threads: opts.threads } : {}) },
    );
    computed += uniq.length - enc.skipped.length;
    const bad = new Set(enc.skipped.map((s) => s.index));
    if (enc.skipped.length > 0) {
      const first = spec.outputs[0] as string;
      const cache = new FeatureCache(folder, first, enc.outputs[first]!.cols);
      for (const s of enc.skipped) {
        const h = uniqHashes[s.index] as string;
        cache.markBad(h, s.reason);
        if (!badHashes.has(h)) badHashes.set(h, s.reason);
      }
      cache.close();
    }
    const keep = uniq.map((_, k) => k).filter((k) => !bad.has(k));
    const keptHashes = keep.map((k) => uniqHashes[k] as string);
    for (const output of spec.outputs) {
      const m = enc.outputs[output]!;
      const rows = new Float32Array(keep.length * m.cols);
      keep.forEach((k, j) => rows.set(m.data.subarray(k * m.cols, (k + 1) * m.cols), j * m.cols));
      outcomes.push({ encoder: spec.name, output, key, status: store.put(key, output, keptHashes, rows) });
    }
  }
  hashes.forEach((h, index) => {
    const reason = h === null ? undefined : badHashes.get(h);
    if (reason !== undefined) skipped.push({ index, path: paths[index] as string, reason });
  });
  skipped.sort((a, b) => a.index - b.index);
  return { images: paths.length, computed, skipped, outcomes };
}

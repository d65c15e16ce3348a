import { createHash, randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where finished encoding shards go: one (encoder, model file, preprocessing) cache folder's
 * shards, addressed by {@link shardKey}. The file-system store below writes them as
 * {@link FeatureCache} segments; an object store could implement the same interface later.
 */
export interface ShardStore {
  /** Whether the shard `key` of `output` is complete in the store. */
  has(key: string, output: string): boolean;
  /**
   * Stores the shard atomically and at most once.
   * @param hashes content hashes of the rows (distinct)
   * @param rows `hashes.length × width` row-major float32
   * @returns `written` when this call stored it, `exists` when it was already complete
   */
  put(key: string, output: string, hashes: readonly string[], rows: Float32Array): 'written' | 'exists';
}

/** Content address of a shard: sha256 of its images' content hashes, sorted (hex, 32 chars). */
export function shardKey(hashes: readonly string[]): string {
  return createHash('sha256').update([...hashes].sort().join('\n')).digest('hex').slice(0, 32);
}

/**
 * A {@link ShardStore} in a feature-cache folder on a file system that every worker reaches (a
 * local disk for one machine, a shared mount for several). A shard is the segment pair
 * `<output>.shard-<key>.f32` + `<output>.shard-<key>.index.tsv` that {@link FeatureCache} already
 * merges. Each file is written to a temporary name and then hard-linked into place: `link` fails
 * when the name exists, so a shard finished twice (two workers, a re-run after a crash) is
 * written once, and since its content is a function of its images alone (rows in the given
 * order) any copy is byte-identical. The index is linked after the rows, so a reader never sees
 * an index without its rows.
 */
export class FsShardStore implements ShardStore {
  constructor(readonly dir: string) {}

  private base(key: string, output: string): string {
    return join(this.dir, `${output}.shard-${key}`);
  }

  has(key: string, output: string): boolean {
    return existsSync(`${this.base(key, output)}.index.tsv`);
  }

  put(key: string, output: string, hashes: readonly string[], rows: Float32Array): 'written' | 'exists' {
    const base = this.base(key, output);
    if (existsSync(`${base}.index.tsv`)) return 'exists';
    mkdirSync(this.dir, { recursive: true });
    placeOnce(`${base}.f32`, new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength));
    const index = hashes.map((h, i) => `${h}\t${i}\n`).join('');
    return placeOnce(`${base}.index.tsv`, Buffer.from(index, 'utf8')) ? 'written' : 'exists';
  }
}

/** Writes `bytes` to a temporary file and hard-links it to `path`; false when `path` already exists. */
function placeOnce(path: string, bytes: Uint8Array): boolean {
  if (existsSync(path)) return false;
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, bytes);
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}

import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

interface Segment {
  readonly file: string;
  fd: number | null;
}

/**
 * The key of an image in the feature cache: sha1 (hex) of its file bytes, so a renamed or moved
 * image is still found and an edited one is encoded again. The one definition every encoder path
 * (local, shard, queue dispatch) uses.
 * @throws the file system's error when the file cannot be read (callers record it as a skip)
 */
export async function imageContentKey(path: string): Promise<string> {
  return createHash('sha1').update(await readFile(path)).digest('hex');
}

/** Age after which a temporary file in a feature-cache folder is deleted as stale (1 hour). */
export const STALE_TEMPORARY_MS = 3_600_000;

/**
 * Content-addressed on-disk cache of ONE encoder output for one (model hash, preprocessing) folder.
 *
 * Several processes may fill the same folder at once (a benchmark's workers, a demo next to a run):
 * each writer appends only to its own segment, `<output>.<writer>.f32` (rows of `width` float32)
 * with `<output>.<writer>.index.tsv` (`contentHash<TAB>row`, appended after the rows are written, so
 * an index line never points at a partial row). Readers merge the indexes of all segments. Rows are
 * immutable once written, so no lock is needed. (Regression: with one shared file and per-process
 * row counters, two concurrent writers interleaved rows and indexed them wrongly.) `bad.tsv`
 * (`contentHash<TAB>reason`, one short `O_APPEND` line per entry) lists undecodable images, so that
 * a second run recomputes nothing and retries nothing. Rows are read on demand (positional reads).
 * The single-file layout of earlier versions (`<output>.f32` + `<output>.index.tsv`) is read as one
 * more segment.
 *
 * What an interrupted writer leaves is tolerated: its segment's rows up to the last index line are
 * used (a partial row or index line at the end is ignored), a segment without its index is not read,
 * and temporary files of a shard store (`<output>.….tmp-…`, see shard-store.ts) are never read and
 * are deleted by the first open more than {@link STALE_TEMPORARY_MS} after their last write (a live
 * writer keeps one for milliseconds; the delay keeps a writer on another machine of a shared folder safe).
 */
export class FeatureCache {
  private readonly index = new Map<string, { seg: number; row: number }>();
  private readonly bad = new Map<string, string>();
  private readonly segments: Segment[] = [];
  /** This instance's own segment (created on the first append) and its row count. */
  private own: { seg: number; rows: number; index: string } | null = null;

  /**
   * @param dir cache folder (created if missing)
   * @param output model output name
   * @param width floats per row
   */
  constructor(
    readonly dir: string,
    readonly output: string,
    readonly width: number,
  ) {
    mkdirSync(dir, { recursive: true });
    const names = readdirSync(dir);
    removeStaleTemporaries(dir, names, output);
    const bases: string[] = [];
    if (names.includes(`${output}.f32`) && names.includes(`${output}.index.tsv`)) bases.push(output);
    const re = new RegExp(`^${output.replace(/[^\w-]/g, '\\$&')}\\.([\\w-]+)\\.index\\.tsv$`);
    for (const n of names.sort()) {
      const m = re.exec(n);
      if (m && names.includes(`${output}.${m[1]}.f32`)) bases.push(`${output}.${m[1]}`);
    }
    for (const base of bases) {
      const file = join(dir, `${base}.f32`);
      const rows = Math.floor(statSync(file).size / (4 * width));
      const seg = this.segments.push({ file, fd: null }) - 1;
      const lines = readFileSync(join(dir, `${base}.index.tsv`), 'utf8').split('\n');
      lines.pop(); // '' after the final newline, or a line cut short by a crash: never trusted
      for (const line of lines) {
        const tab = line.indexOf('\t');
        if (tab < 0) continue;
        const r = Number(line.slice(tab + 1));
        if (Number.isInteger(r) && r >= 0 && r < rows) this.index.set(line.slice(0, tab), { seg, row: r });
      }
    }
    const badF = join(dir, 'bad.tsv');
    if (existsSync(badF)) {
      for (const line of readFileSync(badF, 'utf8').split('\n')) {
        const tab = line.indexOf('\t');
        if (tab > 0) this.bad.set(line.slice(0, tab), line.slice(tab + 1));
      }
    }
  }

  /** Number of cached rows. */
  get size(): number {
    return this.index.size;
  }

  has(hash: string): boolean {
    return this.index.has(hash);
  }

  /** Copies the cached row for `hash` into `dst` at `offset` (a positional read); false when not cached. */
  read(hash: string, dst: Float32Array, offset: number): boolean {
    const at = this.index.get(hash);
    if (at === undefined) return false;
    const seg = this.segments[at.seg] as Segment;
    const bytes = this.width * 4;
    const fd = seg.fd ?? (seg.fd = openSync(seg.file, 'r'));
    const view = new Uint8Array(dst.buffer, dst.byteOffset + offset * 4, bytes);
    if (readSync(fd, view, 0, bytes, at.row * bytes) !== bytes) throw new Error(`FeatureCache: short read of row ${at.row} in ${seg.file}`);
    return true;
  }

  /** The recorded decode failure for `hash`, if any. */
  badReason(hash: string): string | undefined {
    return this.bad.get(hash);
  }

  /** Appends rows to this writer's segment (`rows` holds `hashes.length` rows, row-major); hashes already cached are skipped. */
  append(hashes: readonly string[], rows: Float32Array): void {
    const w = this.width;
    const keep: number[] = [];
    const seen = new Set<string>();
    hashes.forEach((h, i) => {
      if (!this.index.has(h) && !seen.has(h)) {
        keep.push(i);
        seen.add(h);
      }
    });
    if (keep.length === 0) return;
    if (this.own === null) {
      const base = `${this.output}.${process.pid}-${randomBytes(4).toString('hex')}`;
      const file = join(this.dir, `${base}.f32`);
      closeSync(openSync(file, 'a'));
      const seg = this.segments.push({ file, fd: null }) - 1;
      this.own = { seg, rows: 0, index: join(this.dir, `${base}.index.tsv`) };
    }
    const own = this.own;
    const buf = new Float32Array(keep.length * w);
    keep.forEach((i, k) => buf.set(rows.subarray(i * w, (i + 1) * w), k * w));
    const fd = openSync((this.segments[own.seg] as Segment).file, 'a');
    try {
      writeSync(fd, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
    } finally {
      closeSync(fd);
    }
    let lines = '';
    keep.forEach((i, k) => {
      const h = hashes[i] as string;
      this.index.set(h, { seg: own.seg, row: own.rows + k });
      lines += `${h}\t${own.rows + k}\n`;
    });
    own.rows += keep.length;
    appendFileSync(own.index, lines);
  }

  /** Records an undecodable image so later runs skip it without retrying. */
  markBad(hash: string, reason: string): void {
    if (this.bad.has(hash)) return;
    const clean = reason.replace(/[\t\n\r]+/g, ' ');
    this.bad.set(hash, clean);
    appendFileSync(join(this.dir, 'bad.tsv'), `${hash}\t${clean}\n`);
  }

  /** Closes the read handles (reopened on demand). */
  close(): void {
    for (const s of this.segments) {
      if (s.fd !== null) closeSync(s.fd);
      s.fd = null;
    }
  }
}

/** Deletes `<output>.….tmp-…` files of `dir` last written more than {@link STALE_TEMPORARY_MS} ago (left by a killed writer). */
function removeStaleTemporaries(dir: string, names: readonly string[], output: string): void {
  const now = Date.now();
  for (const n of names) {
    if (!n.startsWith(`${output}.`) || !n.includes('.tmp-')) continue;
    const path = join(dir, n);
    try {
      if (now - statSync(path).mtimeMs > STALE_TEMPORARY_MS) unlinkSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // removed meanwhile by another reader
    }
  }
}

import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Content-addressed on-disk cache of ONE encoder output for one (model hash, preprocessing) folder.
 *
 * Files in `dir`: `<output>.f32` (rows of `width` float32, appended), `<output>.index.tsv`
 * (`contentHash<TAB>row`, appended after the rows are written, so a crash leaves at worst
 * unreferenced rows or a partial tail, which is cut on open), and `bad.tsv`
 * (`contentHash<TAB>reason`, shared by the outputs) for undecodable images, so that a second run
 * recomputes nothing and retries nothing. Rows are read from disk on demand (positional reads), so
 * memory does not grow with the size of the cache.
 */
export class FeatureCache {
  private readonly index = new Map<string, number>();
  private readonly bad = new Map<string, string>();
  private rowCount: number;
  private readonly file: string;

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
    const f = join(dir, `${output}.f32`);
    this.file = f;
    const bytes = existsSync(f) ? statSync(f).size : 0;
    this.rowCount = Math.floor(bytes / (4 * width));
    // Drop a partial tail (crash while appending) so later appends stay row-aligned.
    if (bytes !== this.rowCount * width * 4) truncateSync(f, this.rowCount * width * 4);
    const idx = join(dir, `${output}.index.tsv`);
    if (existsSync(idx)) {
      for (const line of readFileSync(idx, 'utf8').split('\n')) {
        const tab = line.indexOf('\t');
        if (tab < 0) continue;
        const r = Number(line.slice(tab + 1));
        if (Number.isInteger(r) && r >= 0 && r < this.rowCount) this.index.set(line.slice(0, tab), r);
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
    const r = this.index.get(hash);
    if (r === undefined) return false;
    const bytes = this.width * 4;
    const fd = this.fd ?? (this.fd = openSync(this.file, 'r'));
    const view = new Uint8Array(dst.buffer, dst.byteOffset + offset * 4, bytes);
    if (readSync(fd, view, 0, bytes, r * bytes) !== bytes) throw new Error(`FeatureCache: short read of row ${r} in ${this.file}`);
    return true;
  }

  private fd: number | null = null;

  /** Closes the read handle (reopened on demand). */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** The recorded decode failure for `hash`, if any. */
  badReason(hash: string): string | undefined {
    return this.bad.get(hash);
  }

  /** Appends rows (`rows` holds `hashes.length` rows, row-major); hashes already cached are skipped. */
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
    const buf = new Float32Array(keep.length * w);
    keep.forEach((i, k) => buf.set(rows.subarray(i * w, (i + 1) * w), k * w));
    const fd = openSync(join(this.dir, `${this.output}.f32`), 'a');
    try {
      writeSync(fd, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
    } finally {
      closeSync(fd);
    }
    let lines = '';
    keep.forEach((i, k) => {
      const h = hashes[i] as string;
      this.index.set(h, this.rowCount + k);
      lines += `${h}\t${this.rowCount + k}\n`;
    });
    this.rowCount += keep.length;
    appendFileSync(join(this.dir, `${this.output}.index.tsv`), lines);
  }

  /** Records an undecodable image so later runs skip it without retrying. */
  markBad(hash: string, reason: string): void {
    if (this.bad.has(hash)) return;
    const clean = reason.replace(/[\t\n\r]+/g, ' ');
    this.bad.set(hash, clean);
    appendFileSync(join(this.dir, 'bad.tsv'), `${hash}\t${clean}\n`);
  }
}

/**
 * Helpers shared by the dataset readers (SPEC.md §2): text files with line-numbered errors, file
 * existence checks that list the first few missing files, per-class limits, a seeded stratified
 * split, and file names that are not valid UTF-8.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../util/errors.ts';
import { fileSha256 } from '../util/file-hash.ts';
import { Rng } from '../util/rng.ts';
import { nfc } from '../util/unicode.ts';
import type { DataSource, Dataset, SkippedFile, Split } from './dataset.ts';

/** A dataset as returned by the readers: a {@link Dataset} plus the validation split when the format has one (SPEC.md §2.1: loaded, never used for decisions). */
export interface ReadDataset extends Dataset {
  /** The validation split (CoOp JSON, FGVC, manifest `split=val`); read and validated, unused by the loop. */
  readonly val?: Split;
}

/** Code-point order, independent of locale, so that orders are the same on every machine. */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** 1-based line and column of a character offset in `text`. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, col: end - start + 1 };
}

/** Line numbers of many offsets of one text: line starts computed once, each lookup a binary search. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  /** 1-based line of a character offset. */
  line(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
}

/** `stat` that returns null for a missing path (or a path through a non-folder) instead of throwing. */
export async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'ENAMETOOLONG') return null;
    throw e;
  }
}

/**
 * Reads a UTF-8 text file (a leading byte-order mark is dropped).
 * @param what how the file is called in messages, e.g. `split file`.
 * @throws UserError when the file is missing, is a folder, cannot be read, or is empty (only
 *   white space), naming the file.
 */
export async function readTextFile(path: string, what: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${what} not found: ${path}`);
    if (code === 'EISDIR') throw new UserError(`${what} ${path} is a folder, expected a file`);
    throw new UserError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
  text = text.replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new UserError(`${what} ${path} is empty`);
  return text;
}

/** Lines of a text file without their line ends (`\n` or `\r\n`); a final empty line is dropped. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** An image file named by a split file, with where it was named (for messages). */
export interface ListedFile {
  /** Absolute path. */
  path: string;
  /** Where it is listed, e.g. `line 12`. */
  where: string;
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Folder listings of {@link findOnDisk}: folder → NFC name → the names on disk with that NFC form. */
export type FolderNames = Map<string, Promise<Map<string, string[]> | null>>;

/**
 * The path of a file as it is named on disk, when `path` names it with its accents composed
 * differently (a list typed with a composed "é", files written decomposed by macOS; see
 * src/util/unicode.ts): each component of `path` that does not exist is looked up among its
 * folder's entries by NFC form.
 * @param folders listings already read (pass one map for many lookups of one list).
 * @returns the on-disk path (= `path` when it exists as given), or null when it does not exist or
 *   a component matches several entries.
 */
export async function findOnDisk(path: string, folders: FolderNames = new Map()): Promise<string | null> {
  if ((await statOrNull(path)) !== null) return path;
  const parent = dirname(path);
  if (parent === path) return null;
  const dir = await findOnDisk(parent, folders);
  if (dir === null) return null;
  let listing = folders.get(dir);
  if (listing === undefined) {
    listing = readdir(dir).then(
      (names) => {
        const m = new Map<string, string[]>();
        for (const n of names) m.set(nfc(n), [...(m.get(nfc(n)) ?? []), n]);
        return m;
      },
      () => null,
    );
    folders.set(dir, listing);
  }
  const found = (await listing)?.get(nfc(basename(path)));
  return found?.length === 1 ? join(dir, found[0] as string) : null;
}

/**
 * Checks that every listed image is an existing regular file. A listed path that exists only with
 * its accents composed differently on disk (see {@link findOnDisk}) counts as found.
 *
 * @param listFile the split/manifest file that lists them (named in messages).
 * @param allowMissing when true, missing files are returned (to be skipped) instead of thrown.
 * @param onDisk filled with listed path → path on disk for the files found by {@link findOnDisk}
 *   under a name that differs from the listed one; read the images through it.
 * @returns the set of missing or unusable paths, each also pushed to `skipped` with the reason.
 * @throws UserError (unless `allowMissing`) naming the list file, the first five missing files
 *   with their lines, and the total count.
 */
export async function checkListedFiles(files: readonly ListedFile[], listFile: string, allowMissing: boolean, skipped: SkippedFile[], onDisk?: Map<string, string>): Promise<Set<string>> {
  const folders: FolderNames = new Map();
  const problems = (
    await mapLimit(files, 64, async (f) => {
      let st = await statOrNull(f.path);
      if (st === null) {
        const real = await findOnDisk(f.path, folders);
        if (real !== null) {
          st = await statOrNull(real);
          if (st !== null) onDisk?.set(f.path, real);
        }
      }
      if (st === null) return { f, reason: 'file not found (or a broken or looping symbolic link)' };
      if (!st.isFile()) return { f, reason: st.isDirectory() ? 'is a folder, not an image file' : 'not a regular file' };
      return null;
    })
  ).filter((p): p is { f: ListedFile; reason: string } => p !== null);
  const bad = new Set<string>();
  if (problems.length === 0) return bad;
  if (!allowMissing) {
    const first = problems.slice(0, 5).map((p) => `${p.f.path} (${p.f.where}: ${p.reason})`);
    const more = problems.length > 5 ? `, … (${problems.length} in all)` : '';
    throw new UserError(`${problems.length} image file(s) listed in ${listFile} are missing or unusable: ${first.join('; ')}${more}. Check the image root, or allow missing files to skip them.`);
  }
  for (const p of problems) {
    bad.add(p.f.path);
    skipped.push({ path: p.f.path, reason: `${p.reason} (listed in ${listFile}, ${p.f.where})` });
  }
  return bad;
}

/**
 * An item id for `path`: relative to `root` with `/` separators when inside it, else the absolute
 * path; in Unicode NFC (src/util/unicode.ts), whatever the composition of the path's accents.
 */
export function itemId(root: string, path: string): string {
  const rel = relative(root, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return nfc(path.split(sep).join('/'));
  return nfc(rel.split(sep).join('/'));
}

/** Builds a {@link Split} from parallel arrays. */
export function makeSplit(ids: string[], paths: string[], labels: readonly number[]): Split {
  return { ids, paths, labels: Int32Array.from(labels) };
}

/** Keeps the rows `keep` (ascending indices) of a split. */
export function takeSplit(split: Split, keep: readonly number[]): Split {
  return {
    ids: keep.map((i) => split.ids[i] as string),
    paths: keep.map((i) => split.paths[i] as string),
    labels: Int32Array.from(keep, (i) => split.labels[i] as number),
  };
}

/** A per-split item limit: one number for every split, or one per split. */
export type SplitLimit = number | { train?: number; test?: number; val?: number };

/** The limit of `split` under {@link SplitLimit}; undefined = no limit. */
export function limitFor(limit: SplitLimit | undefined, split: 'train' | 'test' | 'val'): number | undefined {
  if (limit === undefined) return undefined;
  if (typeof limit === 'number') return limit;
  return limit[split];
}

/** Validates a {@link SplitLimit}. @throws UserError when a value is not a positive integer. */
export function checkLimit(name: string, limit: SplitLimit | undefined): void {
  if (limit === undefined) return;
  const vals = typeof limit === 'number' ? [limit] : Object.values(limit).filter((v) => v !== undefined);
  for (const v of vals) if (!Number.isInteger(v) || (v as number) <= 0) throw new UserError(`${name} must be a positive integer, got ${String(v)}`);
}

/**
 * Row indices of the first items of a split (in split order) under a per-class and a total limit.
 * Unlabeled items (label −1) count as one class of their own.
 */
export function firstPerClass(labels: ArrayLike<number>, perClass: number | undefined, total: number | undefined): number[] {
  const counts = new Map<number, number>();
  const keep: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (total !== undefined && keep.length >= total) break;
    const y = labels[i] as number;
    const c = counts.get(y) ?? 0;
    if (perClass !== undefined && c >= perClass) continue;
    counts.set(y, c + 1);
    keep.push(i);
  }
  return keep;
}

/** Applies per-class and total limits to every split of a dataset (first items in split order). */
export function limitDataset<D extends ReadDataset>(ds: D, perClass: SplitLimit | undefined, total: SplitLimit | undefined): D {
  if (perClass === undefined && total === undefined) return ds;
  const one = (s: Split | undefined, name: 'train' | 'test' | 'val'): Split | undefined =>
    s === undefined ? undefined : takeSplit(s, firstPerClass(s.labels, limitFor(perClass, name), limitFor(total, name)));
  return {
    ...ds,
    train: one(ds.train, 'train') as Split,
    ...(ds.test ? { test: one(ds.test, 'test') } : {}),
    ...(ds.val ? { val: one(ds.val, 'val') } : {}),
  };
}

/** 32-bit FNV-1a hash of a string (to derive per-class seeds). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * A seeded split stratified per class: in each class, `round(n · testFraction)` items (at most
 * n − 1, so every class keeps a training item) go to the test split. Each class draws from its own
 * generator seeded by (seed, class name), so adding images to one class does not change the split
 * of the others. Both outputs are ascending row indices.
 * @throws UserError when testFraction is not in [0, 1).
 */
export function stratifiedSplit(labels: ArrayLike<number>, classNames: readonly string[], testFraction: number, seed: number): { train: number[]; test: number[] } {
  if (!(testFraction >= 0 && testFraction < 1)) throw new UserError(`test fraction must be in [0, 1), got ${testFraction}`);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] as number;
    const rows = byClass.get(y) ?? [];
    rows.push(i);
    byClass.set(y, rows);
  }
  const isTest = new Uint8Array(labels.length);
  for (const [y, rows] of byClass) {
    const n = rows.length;
    const k = Math.min(n - 1, Math.round(n * testFraction));
    if (k <= 0) continue;
    const rng = new Rng((Math.imul(seed >>> 0, 0x9e3779b1) ^ fnv1a(classNames[y] ?? String(y))) >>> 0);
    const perm = rng.permutation(n);
    for (let j = 0; j < k; j++) isTest[rows[perm[j] as number] as number] = 1;
  }
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < labels.length; i++) (isTest[i] ? test : train).push(i);
  return { train, test };
}

/** True when the bytes are valid UTF-8 (so the name survives a round trip through a JS string). */
export function isUtf8Name(name: Buffer): boolean {
  return Buffer.from(name.toString('utf8'), 'utf8').equals(name);
}

/** A printable form of a file name that may not be UTF-8: invalid bytes as `\xNN`. */
export function displayName(name: Buffer): string {
  if (isUtf8Name(name)) return name.toString('utf8');
  let out = '';
  let i = 0;
  while (i < name.length) {
    const b = name[i] as number;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    const chunk = len > 0 ? name.subarray(i, i + len) : null;
    if (chunk && chunk.length === len && isUtf8Name(chunk)) {
      out += chunk.toString('utf8');
      i += len;
    } else {
      out += `\\x${b.toString(16).padStart(2, '0')}`;
      i++;
    }
  }
  return out;
}

/**
 * The {@link DataSource}s of files a reader read (sha256 of each), in the given order, duplicates
 * dropped.
 * @throws UserError when a file cannot be read.
 */
export async function dataSources(paths: readonly string[]): Promise<DataSource[]> {
  const unique = [...new Set(paths.map((p) => resolve(p)))];
  return Promise.all(unique.map(async (path) => ({ path, sha256: await fileSha256(path, 'dataset file') })));
}

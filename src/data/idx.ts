/**
 * IDX reader (MNIST, Fashion-MNIST and their relatives; gzipped or not). The images are not
 * files, so each selected image is written once as a grayscale PNG into a cache folder keyed by
 * the sha256 of the IDX images file, and the dataset points at those PNGs.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';
import { UserError } from '../util/errors.ts';
import { dataSources, firstPerClass, limitFor, mapLimit, makeSplit, statOrNull, type ReadDataset, type SplitLimit } from './common.ts';
import type { Split } from './dataset.ts';
import type { DatasetFormatEntry } from './format-entry.ts';
import { readClassesFile } from './image-folder.ts';

/** Fashion-MNIST's class names, label order (zalandoresearch/fashion-mnist README). */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);

/** MNIST's class names: the digits. */
export const MNIST_CLASSES: readonly string[] = Object.freeze(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);

/** Options of {@link readIdx}. */
export interface IdxOptions {
  /** Class names, one per line, label order. Default: Fashion-MNIST's names for a `*fashion*` folder, else the digits 0–9 (or `0…max label`). */
  classesFile?: string;
  /** Keep only the first N items of each class (per split, in file order). */
  limitPerClass?: SplitLimit;
  /** Keep only the first N items (per split, in file order, after `limitPerClass`). */
  limit?: SplitLimit;
  /** Cache root for the PNGs (`<root>/idx/<sha256>/`). Default `$ACTIVEKD_CACHE` or `~/.cache/activekd`. */
  cacheDir?: string;
}

/** The images/labels files of one split. */
export interface IdxPair {
  split: 'train' | 'test';
  images: string;
  labels: string;
}

const IMAGES_RE = /^(train|t10k|test)-images[-.]idx3-ubyte(\.gz)?$/i;

/** True when a file name looks like an IDX file (`*-idx1-ubyte`, `*-idx3-ubyte`, gzipped or not). */
export function isIdxName(name: string): boolean {
  return /[-.]idx\d-ubyte(\.gz)?$/i.test(basename(name));
}

/**
 * Finds the IDX image/label file pairs of a folder: `train-images-idx3-ubyte[.gz]` with
 * `train-labels-idx1-ubyte[.gz]`, and `t10k-…` (or `test-…`) for the test split.
 * @throws UserError when the folder has no train images file, or an images file has no labels file.
 */
export async function findIdxFiles(dir: string): Promise<IdxPair[]> {
  const names = (await readdir(dir)).sort();
  const pairs: IdxPair[] = [];
  for (const name of names) {
    const m = IMAGES_RE.exec(name);
    if (!m) continue;
    const split = m[1]?.toLowerCase() === 'train' ? 'train' : 'test';
    if (pairs.some((p) => p.split === split)) continue; // prefer the first (e.g. uncompressed before .gz by sort order)
    const stem = name.replace(/images([-.])idx3/i, 'labels$1idx1');
    const labels = [stem, stem.replace(/\.gz$/i, ''), `${stem.replace(/\.gz$/i, '')}.gz`].find((n) => names.includes(n));
    if (labels === undefined) throw new UserError(`IDX images file ${join(dir, name)} has no labels file beside it (expected ${join(dir, stem)})`);
    pairs.push({ split, images: join(dir, name), labels: join(dir, labels) });
  }
  if (!pairs.some((p) => p.split === 'train')) throw new UserError(`no IDX training images in ${dir}: expected train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz]`);
  return pairs.sort((a, b) => (a.split === 'train' ? -1 : 1) - (b.split === 'train' ? -1 : 1));
}

/** Reads an IDX file, un-gzipping it when it starts with the gzip magic. */
async function readIdxBytes(file: string): Promise<Buffer> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (e) {
    throw new UserError(`cannot read IDX file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (buf.length === 0) throw new UserError(`IDX file ${file} is empty`);
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new UserError(`cannot decompress IDX file ${file}: ${(e as Error).message}`);
    }
  }
  return buf;
}

/** Parsed IDX header: dimensions and where the data starts. */
interface IdxArray {
  dims: number[];
  data: Buffer;
}

/**
 * Parses an unsigned-byte IDX array with `ndims` dimensions (magic `00 00 08 ndims`, then
 * big-endian uint32 sizes, then the bytes).
 * @throws UserError naming the file and the byte offset on a bad magic, element type, dimension
 *   count or length.
 */
export function parseIdx(file: string, buf: Buffer, ndims: number): IdxArray {
  if (buf.length < 4) throw new UserError(`IDX file ${file} is truncated: ${buf.length} bytes, not even a header`);
  if (buf[0] !== 0 || buf[1] !== 0) throw new UserError(`${file} is not an IDX file (byte 0: bad magic number 0x${buf.subarray(0, 4).toString('hex')})`);
  if (buf[2] !== 0x08) throw new UserError(`IDX file ${file}, byte 2: element type 0x${(buf[2] as number).toString(16)} is not unsigned byte (0x08)`);
  if (buf[3] !== ndims) throw new UserError(`IDX file ${file}, byte 3: ${buf[3]} dimensions, expected ${ndims} (${ndims === 3 ? 'an images' : 'a labels'} file)`);
  const head = 4 + 4 * ndims;
  if (buf.length < head) throw new UserError(`IDX file ${file} is truncated inside its header (${buf.length} bytes)`);
  const dims = Array.from({ length: ndims }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const n = dims.reduce((a, b) => a * b, 1);
  if (buf.length - head < n) throw new UserError(`IDX file ${file} is truncated: the header announces ${dims.join('×')} = ${n} bytes of data, found ${buf.length - head}`);
  if (buf.length - head > n) throw new UserError(`IDX file ${file} has ${buf.length - head - n} extra byte(s) after ${dims.join('×')} = ${n} bytes of data`);
  return { dims, data: buf.subarray(head) };
}

/** sha256 of a file's bytes (streamed). */
async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Writes `buf` to `path` atomically (temporary file + rename), so a crash never leaves half a PNG. */
async function writeAtomic(path: string, buf: Buffer): Promise<void> {
  const tmp = `${path}.${process.pid}.${Math.floor(performance.now() * 1000)}.tmp`;
  await writeFile(tmp, buf);
  await rename(tmp, path);
}

/** The default class names of an IDX dataset in `dir` with labels up to `maxLabel`. */
function defaultClassNames(dir: string, pairs: readonly IdxPair[], maxLabel: number): string[] {
  const fashion = /fashion/i.test(basename(dir)) || pairs.some((p) => /fashion/i.test(basename(p.images)));
  if (fashion) return [...FASHION_MNIST_CLASSES];
  if (maxLabel < 10) return [...MNIST_CLASSES];
  return Array.from({ length: maxLabel + 1 }, (_, i) => String(i));
}

/**
 * Reads an IDX dataset: `train-images-idx3-ubyte[.gz]` + `train-labels-idx1-ubyte[.gz]` and, when
 * present, `t10k-…` as the test split.
 *
 * - Selected images (all, or the first `limitPerClass` per class / `limit` per split in file
 *   order) are materialised once as 8-bit grayscale PNGs under
 *   `<cacheDir>/idx/<sha256 of the images file>/<index>.png`; existing PNGs are reused.
 * - Ids are `<split>/<index>` (index in the IDX file, zero-padded), stable across runs.
 * - Class names: the classes file, else Fashion-MNIST's names when the folder (or the files) are
 *   named `*fashion*`, else the digits 0–9 (or `0…max label` when labels go past 9, as in EMNIST).
 *
 * @param source the folder holding the IDX files, or one of the files (its folder is read).
 * @throws UserError naming the file when: files are missing, unreadable, not gzip/IDX, truncated,
 *   of the wrong element type or dimension count; images and labels disagree in count; a label is
 *   out of range of the class names (with the item index and byte offset); the limits are not
 *   positive integers.
 */
export async function readIdx(source: string, opts: IdxOptions = {}): Promise<ReadDataset> {
  const abs = resolve(source);
  const st = await statOrNull(abs);
  if (st === null) throw new UserError(`IDX dataset not found: ${abs}`);
  const dir = st.isDirectory() ? abs : dirname(abs);
  const pairs = await findIdxFiles(dir);
  const cacheRoot = resolve(opts.cacheDir ?? process.env.ACTIVEKD_CACHE ?? join(homedir(), '.cache', 'activekd'));

  const loaded = await Promise.all(
    pairs.map(async (p) => {
      const images = parseIdx(p.images, await readIdxBytes(p.images), 3);
      const labels = parseIdx(p.labels, await readIdxBytes(p.labels), 1);
      const [n, h, w] = images.dims as [number, number, number];
      if (labels.dims[0] !== n) throw new UserError(`IDX files disagree: ${p.images} holds ${n} images but ${p.labels} holds ${labels.dims[0]} labels`);
      if (h === 0 || w === 0) throw new UserError(`IDX file ${p.images}: images of size ${h}×${w}`);
      return { pair: p, images, labels: labels.data, n, h, w };
    }),
  );
  let maxLabel = 0;
  for (const l of loaded) for (const y of l.labels) if (y > maxLabel) maxLabel = y;
  const classNames = opts.classesFile !== undefined ? await readClassesFile(opts.classesFile) : defaultClassNames(dir, pairs, maxLabel);
  for (const l of loaded) {
    const bad = l.labels.findIndex((y) => y >= classNames.length);
    if (bad >= 0) {
      throw new UserError(
        `IDX file ${l.pair.labels}: label ${l.labels[bad]} of item ${bad} (byte offset ${8 + bad} of the uncompressed data) is out of range: there are ${classNames.length} class names${opts.classesFile ? ` in ${resolve(opts.classesFile)}` : ''}`,
      );
    }
  }

  const splits: Partial<Record<'train' | 'test', Split>> = {};
  for (const l of loaded) {
    const keep = firstPerClass(l.labels, limitFor(opts.limitPerClass, l.pair.split), limitFor(opts.limit, l.pair.split));
    const folder = join(cacheRoot, 'idx', (await sha256File(l.pair.images)).slice(0, 32));
    await mkdir(folder, { recursive: true });
    const width = String(Math.max(l.n - 1, 0)).length;
    const hw = l.h * l.w;
    const paths = await mapLimit(keep, 16, async (i) => {
      const p = join(folder, `${String(i).padStart(width, '0')}.png`);
      const have = await stat(p).catch(() => null);
      if (have === null || have.size === 0) {
        const pixels = l.images.data.subarray(i * hw, (i + 1) * hw);
        await writeAtomic(p, await sharp(pixels, { raw: { width: l.w, height: l.h, channels: 1 } }).toColourspace('b-w').png().toBuffer());
      }
      return p;
    });
    splits[l.pair.split] = makeSplit(
      keep.map((i) => `${l.pair.split}/${String(i).padStart(width, '0')}`),
      paths,
      keep.map((i) => l.labels[i] as number),
    );
  }
  const train = splits.train as Split;
  return { root: dir, classNames, train, ...(splits.test ? { test: splits.test } : {}), skipped: [], sources: await dataSources(loaded.map((l) => l.pair.labels)) };
}

/**
 * The `idx` dataset format ({@link readIdx}): an IDX file (its folder is read) or a folder with
 * one. Options: classesFile, limitPerClass, limit (applied before the PNGs are written), cacheDir.
 */
export const IDX_FORMAT: DatasetFormatEntry = Object.freeze<DatasetFormatEntry>({
  name: 'idx',
  aliases: ['mnist'],
  help: 'IDX files (MNIST / Fashion-MNIST), gzipped or not',
  detectFile: async (file) => (isIdxName(file) ? file : null),
  detectFolder: async (dir, entries) => (entries.some((e) => !e.dir && isIdxName(e.name)) ? dir : null),
  target: async (path) => path,
  read: async (target, o) =>
    readIdx(target, {
      ...(o.classesFile !== undefined ? { classesFile: o.classesFile } : {}),
      ...(o.limitPerClass !== undefined ? { limitPerClass: o.limitPerClass } : {}),
      ...(o.limit !== undefined ? { limit: o.limit } : {}),
      ...(o.cacheDir !== undefined ? { cacheDir: o.cacheDir } : {}),
    }),
  appliesLimits: true,
});

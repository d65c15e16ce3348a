/**
 * One entry point for every dataset format (SPEC.md §2; DESIGN.md `data/`): looks at what a path
 * is and hands it to the matching reader.
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { UserError } from '../util/errors.ts';
import { checkLimit, limitDataset, statOrNull, type ReadDataset, type SplitLimit } from './common.ts';
import { isCoopSplitName, readCoopSplit } from './coop-split.ts';
import { fgvcDataDir, readFgvc } from './fgvc.ts';
import { isIdxName, readIdx } from './idx.ts';
import { readImageFolder } from './image-folder.ts';
import { readManifest } from './manifest.ts';

/** The dataset formats {@link openDataset} reads. */
export const DATASET_FORMATS = Object.freeze(['imagefolder', 'coop', 'fgvc', 'csv', 'jsonl', 'idx'] as const);

/** A dataset format name. */
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** One line per format, for help texts and error messages. */
export const FORMAT_HELP: Readonly<Record<DatasetFormat, string>> = Object.freeze({
  imagefolder: 'root/train/<class>/<image> (+ root/test/...), or root/<class>/<image> (split by --test-fraction)',
  coop: 'CoOp split file split_zhou_*.json (or a folder holding one) + its image folder',
  fgvc: 'FGVC-Aircraft: variants.txt + images_variant_{train,val,test}.txt + images/',
  csv: 'CSV/TSV manifest with a path,label[,split] header',
  jsonl: 'JSON-Lines manifest of {"path", "label", "split"} objects',
  idx: 'IDX files (MNIST / Fashion-MNIST), gzipped or not',
});

/** Options of {@link openDataset}; each reader takes the ones that apply to it. */
export interface OpenDatasetOptions {
  /** Force a format instead of detecting it (one of {@link DATASET_FORMATS}). */
  format?: string;
  /** Class names file, one per line, in label order (ImageFolder, manifests, IDX). */
  classesFile?: string;
  /** CoOp: the folder the split file's image paths are relative to (default: found automatically). */
  imageRoot?: string;
  /** ImageFolder without split folders: fraction of each class used as the test split (default 0.2). */
  testFraction?: number;
  /** ImageFolder without split folders: seed of the stratified split (default 0). */
  splitSeed?: number;
  /** Keep the first N items of each class, per split (a number, or `{train, test, val}`). */
  limitPerClass?: SplitLimit;
  /** Keep the first N items of each split (a number, or `{train, test, val}`), after `limitPerClass`. */
  limit?: SplitLimit;
  /** IDX: cache root for the materialised PNGs (default `$ACTIVEKD_CACHE` or `~/.cache/activekd`). */
  cacheDir?: string;
  /** CoOp, FGVC, manifests: skip listed images that are missing instead of failing. */
  allowMissing?: boolean;
  /** ImageFolder: image file extensions. */
  extensions?: readonly string[];
}

/** A dataset as opened: the reader's result, the detected format and the path it was read from. */
export interface OpenedDataset extends ReadDataset {
  readonly format: DatasetFormat;
  /** The file or folder the reader was given (absolute). */
  readonly source: string;
}

const MANIFEST_EXT: Record<string, 'csv' | 'jsonl'> = { '.csv': 'csv', '.tsv': 'csv', '.jsonl': 'jsonl', '.ndjson': 'jsonl' };

/** Checks a format name. @throws UserError listing the valid names. */
export function parseFormat(name: string): DatasetFormat {
  const n = name.trim().toLowerCase();
  const alias: Record<string, DatasetFormat> = { 'image-folder': 'imagefolder', folder: 'imagefolder', 'split-json': 'coop', json: 'coop', fgvc_aircraft: 'fgvc', tsv: 'csv', ndjson: 'jsonl', mnist: 'idx' };
  const f = (DATASET_FORMATS as readonly string[]).includes(n) ? (n as DatasetFormat) : alias[n];
  if (f === undefined) throw new UserError(`unknown dataset format "${name}": expected one of ${DATASET_FORMATS.join(', ')}`);
  return f;
}

async function entries(dir: string): Promise<{ name: string; dir: boolean }[]> {
  const ents = await readdir(dir, { withFileTypes: true });
  const out: { name: string; dir: boolean }[] = [];
  for (const e of ents) {
    if (e.name.startsWith('.')) continue;
    let isDir = e.isDirectory();
    if (e.isSymbolicLink()) isDir = (await statOrNull(join(dir, e.name)))?.isDirectory() ?? false;
    out.push({ name: e.name, dir: isDir });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The one file of a folder matching `pred`. @throws UserError when there is none or more than one. */
async function onlyFile(dir: string, pred: (name: string) => boolean, what: string): Promise<string> {
  const files = (await entries(dir)).filter((e) => !e.dir && pred(e.name)).map((e) => join(dir, e.name));
  if (files.length === 0) throw new UserError(`no ${what} in ${dir}`);
  if (files.length > 1) throw new UserError(`${files.length} ${what}s in ${dir} (${files.map((f) => basename(f)).join(', ')}): pass the one to read`);
  return files[0] as string;
}

/**
 * Decides the format of `source` and the path its reader takes.
 *
 * Files: `.json` → coop; `.csv`/`.tsv` → csv; `.jsonl`/`.ndjson` → jsonl; `*-idx?-ubyte[.gz]` →
 * idx (its folder); `variants.txt`/`images_variant_*.txt` → fgvc (its folder). Folders, in this
 * order: a `train/` folder → imagefolder; `split_zhou_*.json` → coop; `variants.txt` (or
 * `data/variants.txt`) → fgvc; IDX files → idx; exactly one manifest file → csv/jsonl; class
 * folders → imagefolder (flat layout).
 * @throws UserError when the path does not exist, a forced format does not fit it, or nothing
 *   matches (the message lists the layouts read).
 */
export async function detectFormat(source: string, forced?: string): Promise<{ format: DatasetFormat; target: string }> {
  const abs = resolve(source);
  const st = await statOrNull(abs);
  if (st === null) throw new UserError(`dataset not found: ${abs}`);
  const ext = extname(abs).toLowerCase();
  const name = basename(abs);
  const fgvcFile = name === 'variants.txt' || /^images_variant_\w+\.txt$/.test(name);
  if (forced !== undefined) {
    const format = parseFormat(forced);
    switch (format) {
      case 'imagefolder':
        if (!st.isDirectory()) throw new UserError(`--format imagefolder needs a folder, got the file ${abs}`);
        return { format, target: abs };
      case 'coop':
        return { format, target: st.isDirectory() ? await onlyFile(abs, isCoopSplitName, 'split_zhou_*.json split file') : abs };
      case 'fgvc':
        return { format, target: st.isDirectory() ? abs : dirname(abs) };
      case 'csv':
      case 'jsonl':
        return { format, target: st.isDirectory() ? await onlyFile(abs, (n) => MANIFEST_EXT[extname(n).toLowerCase()] === format, `${format} manifest`) : abs };
      case 'idx':
        return { format, target: abs };
    }
  }
  if (!st.isDirectory()) {
    if (ext === '.json') return { format: 'coop', target: abs };
    const m = MANIFEST_EXT[ext];
    if (m !== undefined) return { format: m, target: abs };
    if (isIdxName(name)) return { format: 'idx', target: abs };
    if (fgvcFile) return { format: 'fgvc', target: dirname(abs) };
    throw new UserError(`cannot tell the dataset format of the file ${abs}: expected a split_zhou_*.json, .csv/.tsv, .jsonl, an IDX file or an FGVC variants file (or pass --format)`);
  }
  const ents = await entries(abs);
  if (ents.some((e) => e.dir && e.name === 'train')) return { format: 'imagefolder', target: abs };
  const coop = ents.filter((e) => !e.dir && isCoopSplitName(e.name));
  if (coop.length === 1) return { format: 'coop', target: join(abs, (coop[0] as { name: string }).name) };
  if (coop.length > 1) throw new UserError(`${coop.length} split files in ${abs} (${coop.map((e) => e.name).join(', ')}): pass the one to read`);
  if ((await fgvcDataDir(abs)) !== null) return { format: 'fgvc', target: abs };
  if (ents.some((e) => !e.dir && isIdxName(e.name))) return { format: 'idx', target: abs };
  const manifests = ents.filter((e) => !e.dir && MANIFEST_EXT[extname(e.name).toLowerCase()] !== undefined);
  if (manifests.length === 1) {
    const f = (manifests[0] as { name: string }).name;
    return { format: MANIFEST_EXT[extname(f).toLowerCase()] as DatasetFormat, target: join(abs, f) };
  }
  if (ents.some((e) => e.dir)) return { format: 'imagefolder', target: abs };
  const layouts = DATASET_FORMATS.map((f) => `  ${f}: ${FORMAT_HELP[f]}`).join('\n');
  throw new UserError(`cannot tell the dataset format of ${abs}: it matches none of the layouts read (pass --format to force one):\n${layouts}`);
}

/**
 * Opens a dataset in any supported format (see {@link detectFormat}; `opts.format` forces one),
 * then keeps the first `limitPerClass` items of each class and `limit` items of each split, in
 * split order (IDX applies the limits before writing its PNGs).
 *
 * @param source a dataset folder or file (relative paths resolve against the working directory).
 * @returns the reader's dataset, with the format and the path read.
 * @throws UserError from detection (missing path, unknown or unfitting format) and from the readers
 *   (each names the file, and the line where there is one); on limits that are not positive
 *   integers.
 */
export async function openDataset(source: string, opts: OpenDatasetOptions = {}): Promise<OpenedDataset> {
  checkLimit('limit per class', opts.limitPerClass);
  checkLimit('limit', opts.limit);
  const { format, target } = await detectFormat(source, opts.format);
  let ds: ReadDataset;
  switch (format) {
    case 'imagefolder':
      ds = await readImageFolder(target, {
        ...(opts.classesFile !== undefined ? { classesFile: opts.classesFile } : {}),
        ...(opts.testFraction !== undefined ? { testFraction: opts.testFraction } : {}),
        ...(opts.splitSeed !== undefined ? { splitSeed: opts.splitSeed } : {}),
        ...(opts.extensions !== undefined ? { extensions: opts.extensions } : {}),
      });
      break;
    case 'coop':
      if (opts.classesFile !== undefined) throw new UserError('a classes file does not apply to CoOp split files: their class names come from the classname field');
      ds = await readCoopSplit(target, { ...(opts.imageRoot !== undefined ? { imageRoot: opts.imageRoot } : {}), allowMissing: opts.allowMissing ?? false });
      break;
    case 'fgvc':
      if (opts.classesFile !== undefined) throw new UserError('a classes file does not apply to FGVC-Aircraft: its class names are the lines of variants.txt');
      ds = await readFgvc(target, { allowMissing: opts.allowMissing ?? false });
      break;
    case 'csv':
    case 'jsonl':
      ds = await readManifest(target, { kind: format, allowMissing: opts.allowMissing ?? false, ...(opts.classesFile !== undefined ? { classesFile: opts.classesFile } : {}) });
      break;
    case 'idx':
      return {
        ...(await readIdx(target, {
          ...(opts.classesFile !== undefined ? { classesFile: opts.classesFile } : {}),
          ...(opts.limitPerClass !== undefined ? { limitPerClass: opts.limitPerClass } : {}),
          ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
          ...(opts.cacheDir !== undefined ? { cacheDir: opts.cacheDir } : {}),
        })),
        format,
        source: target,
      };
  }
  return { ...limitDataset(ds, opts.limitPerClass, opts.limit), format, source: target };
}

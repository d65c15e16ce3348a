/**
 * Reader of CoOp "zhou" split files (`split_zhou_<Dataset>.json`, SPEC.md §2.1): the split
 * format of the paper's ten "other" datasets.
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { UserError } from '../util/errors.ts';
import { nfc, normalisationNote } from '../util/unicode.ts';
import { checkListedFiles, dataSources, findOnDisk, itemId, makeSplit, statOrNull, readTextFile, type FolderNames, type ListedFile, type ReadDataset } from './common.ts';
import type { SkippedFile, Split } from './dataset.ts';
import { onlyFile, type DatasetFormatEntry } from './format-entry.ts';
import { parseJsonLocated, type LocatedJson } from './json-locate.ts';

/** Options of {@link readCoopSplit}. */
export interface CoopSplitOptions {
  /**
   * Folder the relative image paths of the split file are relative to (CoOp's `image_dir`, e.g.
   * `oxford_pets/images`). Default: found automatically: the split file's folder or one of its
   * sub-folders (two levels deep) that holds the first train images.
   */
  imageRoot?: string;
  /** Skip listed images that do not exist (listed in `skipped`) instead of failing. Default false. */
  allowMissing?: boolean;
}

type SplitName = 'train' | 'val' | 'test';

interface RawItem {
  rel: string;
  label: number;
  classname: string;
  line: number;
  index: number;
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

/** Validates the items of one split: `[relpath, integer label, classname]`. */
function readItems(doc: LocatedJson, file: string, name: SplitName): RawItem[] | undefined {
  const obj = doc.value as Record<string, unknown>;
  const arr = obj[name];
  if (arr === undefined) return undefined;
  if (!Array.isArray(arr)) throw new UserError(`${file}: "${name}" must be an array of [relpath, label, classname] items, got ${short(arr)}`);
  return arr.map((it: unknown, index): RawItem => {
    const line = doc.lineOf(name, index) ?? 0;
    const at = `${file}, line ${line}: ${name} item ${index}`;
    if (!Array.isArray(it) || it.length !== 3) throw new UserError(`${at}: expected [relpath, integer label, classname], got ${short(it)}`);
    const [rel, label, classname] = it as unknown[];
    if (typeof rel !== 'string' || rel.trim() === '') throw new UserError(`${at}: the image path must be a non-empty string, got ${short(rel)}`);
    if (typeof label !== 'number' || !Number.isInteger(label) || label < 0) throw new UserError(`${at}: the label must be a non-negative integer, got ${short(label)}`);
    if (typeof classname !== 'string' || classname.trim() === '') throw new UserError(`${at}: the class name must be a non-empty string, got ${short(classname)}`);
    return { rel, label, classname: nfc(classname), line, index };
  });
}

/** Folders to look for the images in: the split file's folder and its sub-folders, two levels deep. */
async function candidateRoots(dir: string): Promise<string[]> {
  const out = [dir];
  const subdirs = async (d: string): Promise<string[]> => {
    try {
      const ents = await readdir(d, { withFileTypes: true });
      return ents
        .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
        .map((e) => join(d, e.name))
        .sort();
    } catch {
      return [];
    }
  };
  const level1 = await subdirs(dir);
  out.push(...level1);
  for (const d of level1) out.push(...(await subdirs(d)));
  return out;
}

/** The image root of a split file: the given one, or the first candidate folder holding the first train images. */
async function findImageRoot(file: string, train: RawItem[], imageRoot: string | undefined): Promise<string> {
  if (imageRoot !== undefined) {
    const abs = resolve(imageRoot);
    const st = await statOrNull(abs);
    if (st === null || !st.isDirectory()) throw new UserError(`image root folder not found: ${abs}`);
    return abs;
  }
  const probe = train.slice(0, 3).map((it) => it.rel);
  const folders: FolderNames = new Map();
  for (const root of await candidateRoots(dirname(file))) {
    const found = await Promise.all(
      probe.map(async (rel) => {
        const p = await findOnDisk(join(root, rel), folders);
        return p !== null && ((await statOrNull(p))?.isFile() ?? false);
      }),
    );
    if (found.every(Boolean)) return root;
  }
  throw new UserError(
    `cannot find the images of ${file}: "${probe[0]}" is neither in ${dirname(file)} nor in a sub-folder of it (two levels deep); give the image root explicitly (--image-root, e.g. oxford_pets/images)`,
  );
}

/**
 * Reads a CoOp split file `{"train": [[relpath, label, classname], …], "val": […], "test": […]}`.
 *
 * - Class names come from the `classname` field; class order = sorted integer label of the train
 *   split (SPEC.md §2.1); labels are re-indexed 0…C−1 in that order (identity for CoOp's files).
 *   When that changes a number (the file's labels have a gap, e.g. 0, 1, 3), the file's numbers are
 *   returned as `originalLabels` (class order) so that the re-indexing is reported, never silent.
 * - Items keep the order of the file. Ids are image paths relative to the image root.
 * - Class names and ids are in Unicode NFC (src/util/unicode.ts); an image listed with its accents
 *   composed otherwise than on disk is opened by its name on disk.
 * - `val` is read and validated, and returned as `val`, but never used by the loop (SPEC.md §2.1).
 *
 * @param file the `split_zhou_*.json` file.
 * @returns a dataset rooted at the image root, with `train`, `test` (when present) and `val`.
 * @throws UserError naming the file and line when: the file is missing or empty; the JSON is
 *   invalid (with line and column); there is no `train` array; an item is not
 *   `[non-empty path, non-negative integer label, non-empty class name]`; a label has two class
 *   names, or a class name two labels; a test/val label does not occur in train; an image is listed
 *   twice in a split; listed images are missing (the first five and the count; unless
 *   `allowMissing`); the image root cannot be found.
 */
export async function readCoopSplit(file: string, opts: CoopSplitOptions = {}): Promise<ReadDataset> {
  const abs = resolve(file);
  const text = await readTextFile(abs, 'split file');
  const doc = parseJsonLocated(text, abs);
  if (typeof doc.value !== 'object' || doc.value === null || Array.isArray(doc.value)) {
    throw new UserError(`${abs}: expected an object {"train": [...], "val": [...], "test": [...]}, got ${Array.isArray(doc.value) ? 'an array' : short(doc.value)}`);
  }
  const raw: Partial<Record<SplitName, RawItem[]>> = {};
  for (const name of ['train', 'val', 'test'] as const) {
    const items = readItems(doc, abs, name);
    if (items !== undefined) raw[name] = items;
  }
  const train = raw.train;
  if (train === undefined) throw new UserError(`${abs}: no "train" array (expected {"train": [[relpath, label, classname], ...], "val": ..., "test": ...})`);
  if (train.length === 0) throw new UserError(`${abs}: the "train" array is empty`);

  // label ↔ class name, consistent across all splits; classes = train labels, sorted.
  const nameOf = new Map<number, { name: string; line: number }>();
  const labelOf = new Map<string, { label: number; line: number }>();
  for (const name of ['train', 'val', 'test'] as const) {
    for (const it of raw[name] ?? []) {
      const prev = nameOf.get(it.label);
      if (prev && prev.name !== it.classname) {
        throw new UserError(`${abs}, line ${it.line}: label ${it.label} has class name "${it.classname}" here but "${prev.name}" on line ${prev.line}`);
      }
      const prevL = labelOf.get(it.classname);
      if (prevL && prevL.label !== it.label) {
        throw new UserError(`${abs}, line ${it.line}: class name "${it.classname}" has label ${it.label} here but ${prevL.label} on line ${prevL.line}`);
      }
      if (!prev) nameOf.set(it.label, { name: it.classname, line: it.line });
      if (!prevL) labelOf.set(it.classname, { label: it.label, line: it.line });
    }
  }
  const trainLabels = [...new Set(train.map((it) => it.label))].sort((a, b) => a - b);
  const index = new Map(trainLabels.map((l, i) => [l, i] as const));
  const classNames = trainLabels.map((l) => (nameOf.get(l) as { name: string }).name);
  const reindexed = trainLabels.some((l, i) => l !== i);

  const imageRoot = await findImageRoot(abs, train, opts.imageRoot);
  const skipped: SkippedFile[] = [];
  const listed: ListedFile[] = [];
  const splits: Partial<Record<SplitName, { items: RawItem[]; paths: string[] }>> = {};
  for (const name of ['train', 'val', 'test'] as const) {
    const items = raw[name];
    if (items === undefined) continue;
    const seen = new Map<string, { line: number; rel: string }>();
    const paths = items.map((it) => {
      if (!index.has(it.label)) {
        throw new UserError(`${abs}, line ${it.line}: ${name} item ${it.index} has label ${it.label} ("${it.classname}"), which does not occur in the train split (labels ${trainLabels[0]}…${trainLabels.at(-1)})`);
      }
      const p = resolve(imageRoot, it.rel);
      const first = seen.get(nfc(p));
      if (first !== undefined) throw new UserError(`${abs}, line ${it.line}: ${name} lists image "${it.rel}" twice (first on line ${first.line})${normalisationNote(it.rel, first.rel)}`);
      seen.set(nfc(p), { line: it.line, rel: it.rel });
      listed.push({ path: p, where: `line ${it.line}` });
      return p;
    });
    splits[name] = { items, paths };
  }
  const onDisk = new Map<string, string>();
  const bad = await checkListedFiles(listed, abs, opts.allowMissing ?? false, skipped, onDisk);

  const build = (name: SplitName): Split | undefined => {
    const s = splits[name];
    if (s === undefined) return undefined;
    const keep = s.paths.map((_, i) => i).filter((i) => !bad.has(s.paths[i] as string));
    return makeSplit(
      keep.map((i) => itemId(imageRoot, s.paths[i] as string)),
      keep.map((i) => onDisk.get(s.paths[i] as string) ?? (s.paths[i] as string)),
      keep.map((i) => index.get((s.items[i] as RawItem).label) as number),
    );
  };
  const trainSplit = build('train') as Split;
  if (trainSplit.ids.length === 0) throw new UserError(`${abs}: none of the train images exist under ${imageRoot}`);
  const test = build('test');
  const val = build('val');
  return {
    root: imageRoot,
    classNames,
    train: trainSplit,
    ...(test && test.ids.length > 0 ? { test } : {}),
    ...(val && val.ids.length > 0 ? { val } : {}),
    skipped,
    ...(reindexed ? { originalLabels: trainLabels } : {}),
    sources: await dataSources([abs]),
  };
}

/** True when `name` is a CoOp split file name (`split_zhou_*.json`). */
export function isCoopSplitName(name: string): boolean {
  return /^split_zhou_.*\.json$/i.test(basename(name));
}

/**
 * The `coop` dataset format ({@link readCoopSplit}): a `.json` file, or a folder holding exactly
 * one `split_zhou_*.json` (two or more: UserError). Options: imageRoot, allowMissing; a classes
 * file is refused (the class names come from the split file).
 */
export const COOP_FORMAT: DatasetFormatEntry = Object.freeze<DatasetFormatEntry>({
  name: 'coop',
  aliases: ['split-json', 'json'],
  help: 'CoOp split file split_zhou_*.json (or a folder holding one) + its image folder',
  detectFile: async (file) => (extname(file).toLowerCase() === '.json' ? file : null),
  detectFolder: async (dir, entries) => {
    const coop = entries.filter((e) => !e.dir && isCoopSplitName(e.name));
    if (coop.length > 1) throw new UserError(`${coop.length} split files in ${dir} (${coop.map((e) => e.name).join(', ')}): pass the one to read`);
    return coop.length === 1 ? join(dir, (coop[0] as { name: string }).name) : null;
  },
  target: async (path, isDir) => (isDir ? onlyFile(path, isCoopSplitName, 'split_zhou_*.json split file') : path),
  read: async (target, o) => {
    if (o.classesFile !== undefined) throw new UserError('a classes file does not apply to CoOp split files: their class names come from the classname field');
    return readCoopSplit(target, { ...(o.imageRoot !== undefined ? { imageRoot: o.imageRoot } : {}), allowMissing: o.allowMissing ?? false });
  },
});

/**
 * ImageFolder reader: `root/<split>/<class>/<file>` (torchvision `ImageFolder` layout, one folder
 * per split), or `root/<class>/<file>` with a seeded stratified split. Lists files only; images
 * are decoded later by the encoder, which reports unreadable ones.
 */
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { UserError } from '../util/errors.ts';
import { readUserLines } from '../util/text-file.ts';
import { byCodePoint, displayName, isUtf8Name, statOrNull, stratifiedSplit, takeSplit } from './common.ts';
import type { Dataset, SkippedFile, Split } from './dataset.ts';
import type { DatasetFormatEntry } from './format-entry.ts';

/**
 * Image file extensions read by default (lower case, without the dot): the formats sharp decodes.
 * BMP is not among them (sharp cannot decode it); convert such files first.
 */
export const DEFAULT_IMAGE_EXTENSIONS: readonly string[] = Object.freeze(['jpg', 'jpeg', 'png', 'webp', 'gif', 'tif', 'tiff', 'avif']);

/** Options of {@link readImageFolder}. */
export interface ImageFolderOptions {
  /**
   * A text file with one class name per line, in label order. Without it the class names are the
   * sorted folder names of the train split. With it, the train split's class folders must be
   * exactly these names (a missing or an extra folder is an error). A final newline is allowed;
   * empty lines elsewhere and duplicates are errors. Relative paths resolve against the working
   * directory.
   */
  classesFile?: string;
  /** Name of the training split folder under the root. Default `train`. */
  trainDir?: string;
  /**
   * Name of the test split folder under the root. Default `test`; when that default folder is
   * absent the dataset has no test split, but a folder named explicitly must exist. `null`: never
   * read a test split.
   */
  testDir?: string | null;
  /** File extensions taken as images (case-insensitive, with or without the dot). Default {@link DEFAULT_IMAGE_EXTENSIONS}. */
  extensions?: readonly string[];
  /**
   * Flat layout only (no `train/` folder, class folders under the root): the fraction of each
   * class moved to the test split, in [0, 1). Default 0.2; 0 = no test split.
   */
  testFraction?: number;
  /** Flat layout only: seed of the stratified split (independent of the run seed). Default 0. */
  splitSeed?: number;
}

/** One folder entry: its name (printable), absolute path, stat (links followed) or why it is unusable. */
interface Entry {
  name: string;
  path: string;
  st: Stats | null;
  /** Why the entry cannot be used (non-UTF-8 name, broken link, symbolic link loop); null when usable. */
  problem: string | null;
}

/**
 * Sorted entries of a folder, each with its stat (symbolic links followed). Names are read as
 * bytes, so a name that is not valid UTF-8 is reported (it cannot be handed to the decoder as a
 * string path) instead of turning into a different, non-existent path; broken links and symbolic
 * link loops get a reason instead of an exception.
 */
async function listDir(dir: string): Promise<Entry[]> {
  const raw = await readdir(dir, { encoding: 'buffer' });
  const entries = raw.map((buf) => {
    const ok = isUtf8Name(buf);
    const name = ok ? buf.toString('utf8') : displayName(buf);
    return { name, path: join(dir, name), ok };
  });
  entries.sort((a, b) => byCodePoint(a.name, b.name));
  return Promise.all(
    entries.map(async ({ name, path, ok }): Promise<Entry> => {
      if (!ok) return { name, path, st: null, problem: 'file name is not valid UTF-8 (rename the file to read it)' };
      try {
        return { name, path, st: await stat(path), problem: null };
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        return { name, path, st: null, problem: code === 'ELOOP' ? 'symbolic link loop' : code === 'ENOENT' ? 'broken link or unreadable entry' : `unreadable entry (${code ?? String(e)})` };
      }
    }),
  );
}

/** True when `dir` is a symbolic link to `ancestor` or to a folder above it (reading it would loop). */
async function linksToAncestor(dir: string, ancestor: string): Promise<boolean> {
  try {
    if (!(await lstat(dir)).isSymbolicLink()) return false;
    const real = await realpath(dir);
    const anc = await realpath(ancestor);
    return anc === real || anc.startsWith(real.endsWith(sep) ? real : real + sep);
  } catch {
    return true;
  }
}

/**
 * Reads and validates a classes file: one class name per line (surrounding spaces trimmed).
 * @throws UserError when the file is missing, is empty, or has an empty or duplicate line (the
 *   message names the file and the 1-based line number).
 */
export async function readClassesFile(file: string): Promise<string[]> {
  const { path, lines } = await readUserLines(file, 'classes file');
  const seen = new Map<string, number>();
  const names: string[] = [];
  lines.forEach((raw, i) => {
    const name = raw.trim();
    if (name === '') throw new UserError(`classes file ${path}, line ${i + 1}: empty line (expected one class name per line)`);
    const prev = seen.get(name);
    if (prev !== undefined) throw new UserError(`classes file ${path}, line ${i + 1}: duplicate class name "${name}" (first on line ${prev})`);
    seen.set(name, i + 1);
    names.push(name);
  });
  return names;
}

/** Normalises extensions to a lower-case set with a leading dot. */
function extensionSet(exts: readonly string[]): Set<string> {
  return new Set(exts.map((e) => (e.startsWith('.') ? e : `.${e}`).toLowerCase()));
}

interface RawSplit {
  /** class folder name → sorted file names that are images */
  classes: Map<string, string[]>;
}

/**
 * Lists one split folder: class folders and their image files; everything else goes to `skipped`.
 * @param splitPath the folder whose sub-folders are the classes (a split folder, or the root itself
 *   in the flat layout).
 * @param where how the folder is called in messages (`the train/ folder`, `the dataset root`).
 */
async function scanSplit(splitPath: string, where: string, exts: Set<string>, skipped: SkippedFile[]): Promise<RawSplit> {
  const classes = new Map<string, string[]>();
  for (const { name, path: p, st, problem } of await listDir(splitPath)) {
    if (st === null) {
      skipped.push({ path: p, reason: problem ?? 'broken link or unreadable entry' });
      continue;
    }
    if (!st.isDirectory()) {
      skipped.push({ path: p, reason: `file directly in ${where}, not in a class folder` });
      continue;
    }
    if (name.startsWith('.')) {
      skipped.push({ path: p, reason: 'hidden folder' });
      continue;
    }
    if (await linksToAncestor(p, splitPath)) {
      skipped.push({ path: p, reason: 'symbolic link loop (links to an enclosing folder)' });
      continue;
    }
    let entries: Entry[];
    try {
      entries = await listDir(p);
    } catch (e) {
      skipped.push({ path: p, reason: `cannot list class folder (${(e as NodeJS.ErrnoException).code ?? String(e)})` });
      continue;
    }
    const files: string[] = [];
    for (const f of entries) {
      const fp = f.path;
      if (f.st === null) skipped.push({ path: fp, reason: f.problem ?? 'broken link or unreadable entry' });
      else if (f.st.isDirectory()) skipped.push({ path: fp, reason: 'nested folder inside a class folder (not read)' });
      else if (!f.st.isFile()) skipped.push({ path: fp, reason: 'not a regular file' });
      else if (f.name.startsWith('.')) skipped.push({ path: fp, reason: 'hidden file' });
      else if (!exts.has(extname(f.name).toLowerCase())) skipped.push({ path: fp, reason: `not an image file extension (${extname(f.name) || 'none'})` });
      else files.push(f.name);
    }
    if (files.length === 0) throw new UserError(`class folder "${name}" has no image files: ${p} (image extensions: ${[...exts].join(', ')})`);
    classes.set(name, files);
  }
  return { classes };
}

/**
 * Items of a scanned split, ordered by class index then file name.
 * @param prefix id prefix: `train/` for a split folder, empty in the flat layout.
 */
function buildSplit(base: string, prefix: string, raw: RawSplit, classIndex: Map<string, number>): Split {
  const ids: string[] = [];
  const paths: string[] = [];
  const labels: number[] = [];
  const order = [...raw.classes.keys()].sort((a, b) => (classIndex.get(a) as number) - (classIndex.get(b) as number));
  for (const cls of order) {
    for (const f of raw.classes.get(cls) as string[]) {
      ids.push(`${prefix}${cls}/${f}`);
      paths.push(join(base, cls, f));
      labels.push(classIndex.get(cls) as number);
    }
  }
  return { ids, paths, labels: Int32Array.from(labels) };
}

/** Class names from the classes file (checked against the train class folders) or the sorted folder names. */
async function classNamesFor(raw: RawSplit, folder: string, classesFile: string | undefined): Promise<string[]> {
  if (classesFile === undefined) return [...raw.classes.keys()].sort(byCodePoint);
  const file = resolve(classesFile);
  const classNames = await readClassesFile(file);
  const listed = new Set(classNames);
  const extra = [...raw.classes.keys()].filter((c) => !listed.has(c));
  if (extra.length > 0) throw new UserError(`class folder(s) ${extra.map((c) => `"${c}"`).join(', ')} in ${folder} not listed in the classes file ${file}`);
  const missing = classNames.filter((c) => !raw.classes.has(c));
  if (missing.length > 0) throw new UserError(`class(es) ${missing.map((c) => `"${c}"`).join(', ')} of the classes file ${file} have no folder in ${folder}`);
  return classNames;
}

/** True when `root` has at least one sub-folder that is not hidden (a candidate class folder). */
async function hasSubfolders(root: string): Promise<boolean> {
  for (const e of await listDir(root)) if (e.st?.isDirectory() && !e.name.startsWith('.')) return true;
  return false;
}

/**
 * Reads an image dataset laid out as `root/<split>/<class>/<file>`, or, when the root has no
 * `train/` folder but class folders directly under it, as `root/<class>/<file>` (the flat layout).
 *
 * - Split layout: item ids are paths relative to the root with `/` separators
 *   (`train/cat/0001.jpg`), stable across runs and machines.
 * - Flat layout: the root is the pool; ids are `<class>/<file>`; a seeded split stratified per
 *   class moves `round(n · testFraction)` images of each class (at most n − 1) to the test split
 *   (see {@link stratifiedSplit}; the same seed gives the same split on every machine).
 * - Items are ordered by class index, then by file name (code-point order), so the result is
 *   deterministic.
 * - Class names are the sorted folder names of the train split (or of the root), or the lines of
 *   `classesFile`. Labels are class indices; test items get the index of their folder's class.
 * - Files whose extension is not an image extension, hidden files, nested folders, files directly
 *   in a split folder, broken links, symbolic link loops and names that are not valid UTF-8 are
 *   listed in `skipped` with the reason, not read. Images are not decoded here.
 *
 * @param root dataset root folder (relative paths resolve against the working directory).
 * @throws UserError (message names the offending path, class or line) when: the root is missing
 *   or not a folder; there is neither a train split folder nor class folders under the root (or an
 *   explicitly named train folder is missing); the train split (or an existing test split) has no
 *   class folders; a class folder has no image files; a test class folder is not a train class;
 *   an explicitly named test folder is missing; the classes file is missing, empty, has an empty or
 *   duplicate line, or does not match the train class folders; testFraction is outside [0, 1).
 */
export async function readImageFolder(root: string, opts: ImageFolderOptions = {}): Promise<Dataset> {
  const absRoot = resolve(root);
  const trainDir = opts.trainDir ?? 'train';
  const testDir = opts.testDir === undefined ? 'test' : opts.testDir;
  const exts = extensionSet(opts.extensions ?? DEFAULT_IMAGE_EXTENSIONS);
  if (exts.size === 0) throw new UserError('readImageFolder: the list of image extensions is empty');

  const rootSt = await statOrNull(absRoot);
  if (rootSt === null) throw new UserError(`dataset folder not found: ${absRoot}`);
  if (!rootSt.isDirectory()) throw new UserError(`dataset path is not a folder: ${absRoot}`);
  const trainPath = join(absRoot, trainDir);
  const trainSt = await statOrNull(trainPath);
  if (trainSt === null || !trainSt.isDirectory()) {
    const testSt = testDir === null ? null : await statOrNull(join(absRoot, testDir));
    if (opts.trainDir === undefined && !(testSt?.isDirectory() ?? false) && (await hasSubfolders(absRoot))) return readFlat(absRoot, exts, opts);
    throw new UserError(`no "${trainDir}" split folder in ${absRoot}: expected the layout ${join(absRoot, trainDir, '<class>', '<image>')}${opts.trainDir === undefined ? ` or class folders directly under the root (${join(absRoot, '<class>', '<image>')})` : ''}`);
  }

  const skipped: SkippedFile[] = [];
  const rawTrain = await scanSplit(trainPath, `the ${trainDir}/ folder`, exts, skipped);
  if (rawTrain.classes.size === 0) throw new UserError(`no class folders in ${trainPath}: expected one folder of images per class`);

  const classNames = await classNamesFor(rawTrain, trainPath, opts.classesFile);
  const classIndex = new Map(classNames.map((c, i) => [c, i] as const));
  const train = buildSplit(trainPath, `${trainDir}/`, rawTrain, classIndex);

  let test: Split | undefined;
  if (testDir !== null) {
    const testPath = join(absRoot, testDir);
    const testSt = await statOrNull(testPath);
    if (testSt !== null && testSt.isDirectory()) {
      const rawTest = await scanSplit(testPath, `the ${testDir}/ folder`, exts, skipped);
      if (rawTest.classes.size === 0) throw new UserError(`no class folders in ${testPath}: expected one folder of images per class (or remove the folder)`);
      const unknown = [...rawTest.classes.keys()].filter((c) => !classIndex.has(c));
      if (unknown.length > 0) {
        throw new UserError(`test class folder(s) ${unknown.map((c) => `"${c}"`).join(', ')} in ${testPath} are not classes of the train split (${trainPath})`);
      }
      test = buildSplit(testPath, `${testDir}/`, rawTest, classIndex);
    } else if (opts.testDir !== undefined) {
      throw new UserError(`test split folder not found: ${testPath}`);
    }
  }

  return test ? { root: absRoot, classNames, train, test, skipped } : { root: absRoot, classNames, train, skipped };
}

/** The flat layout `root/<class>/<file>`: the whole root is the pool, split by {@link stratifiedSplit}. */
async function readFlat(absRoot: string, exts: Set<string>, opts: ImageFolderOptions): Promise<Dataset> {
  const testFraction = opts.testFraction ?? 0.2;
  if (!(testFraction >= 0 && testFraction < 1)) throw new UserError(`test fraction must be in [0, 1), got ${testFraction}`);
  const skipped: SkippedFile[] = [];
  const raw = await scanSplit(absRoot, 'the dataset root', exts, skipped);
  if (raw.classes.size === 0) throw new UserError(`no class folders in ${absRoot}: expected one folder of images per class`);
  const classNames = await classNamesFor(raw, absRoot, opts.classesFile);
  const all = buildSplit(absRoot, '', raw, new Map(classNames.map((c, i) => [c, i] as const)));
  if (testFraction === 0 || opts.testDir === null) return { root: absRoot, classNames, train: all, skipped };
  const { train, test } = stratifiedSplit(all.labels, classNames, testFraction, opts.splitSeed ?? 0);
  const t = takeSplit(all, test);
  return t.ids.length > 0 ? { root: absRoot, classNames, train: takeSplit(all, train), test: t, skipped } : { root: absRoot, classNames, train: all, skipped };
}

/**
 * The `imagefolder` dataset format ({@link readImageFolder}): a folder with a `train/` folder is
 * detected before every other folder format; a folder with only class folders after all of them.
 * Options: classesFile, testFraction, splitSeed, extensions.
 */
export const IMAGE_FOLDER_FORMAT: DatasetFormatEntry = Object.freeze<DatasetFormatEntry>({
  name: 'imagefolder',
  aliases: ['image-folder', 'folder'],
  help: 'root/train/<class>/<image> (+ root/test/...), or root/<class>/<image> (split by --test-fraction)',
  detectFolder: async (dir, entries) => (entries.some((e) => e.dir && e.name === 'train') ? dir : null),
  detectFallback: async (dir, entries) => (entries.some((e) => e.dir) ? dir : null),
  target: async (path, isDir) => {
    if (!isDir) throw new UserError(`--format imagefolder needs a folder, got the file ${path}`);
    return path;
  },
  read: async (target, o) =>
    readImageFolder(target, {
      ...(o.classesFile !== undefined ? { classesFile: o.classesFile } : {}),
      ...(o.testFraction !== undefined ? { testFraction: o.testFraction } : {}),
      ...(o.splitSeed !== undefined ? { splitSeed: o.splitSeed } : {}),
      ...(o.extensions !== undefined ? { extensions: o.extensions } : {}),
    }),
});

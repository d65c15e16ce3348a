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
import { nfc, normalisationNote } from '../util/unicode.ts';
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
   * absent the test split is made from the train split ({@link testFraction}), but a folder named
   * explicitly must exist. `null`: never read or make a test split.
   */
  testDir?: string | null;
  /** File extensions taken as images (case-insensitive, with or without the dot). Default {@link DEFAULT_IMAGE_EXTENSIONS}. */
  extensions?: readonly string[];
  /**
   * Data without a test folder (the flat layout `root/<class>/<image>`, or `train/` without
   * `test/`): the fraction of each class moved to the test split, in [0, 1). Default 0.2; 0 = no
   * test split.
   */
  testFraction?: number;
  /** Data without a test folder: seed of the stratified split (independent of the run seed). Default 0. */
  splitSeed?: number;
}

/** One folder entry: its name (printable, as on disk), its NFC form, absolute path, stat (links followed) or why it is unusable. */
interface Entry {
  name: string;
  /** NFC form of `name`: the name in ids and class names (src/util/unicode.ts). */
  key: string;
  path: string;
  st: Stats | null;
  /** Why the entry cannot be used (non-UTF-8 name, broken link, symbolic link loop); null when usable. */
  problem: string | null;
}

/**
 * Entries of a folder sorted by their NFC names (code-point order, so the order does not depend on
 * how the file system composes accents), each with its stat (symbolic links followed). Names are
 * read as bytes, so a name that is not valid UTF-8 is reported (it cannot be handed to the decoder
 * as a string path) instead of turning into a different, non-existent path; broken links and
 * symbolic link loops get a reason instead of an exception. The path keeps the name as on disk.
 */
async function listDir(dir: string): Promise<Entry[]> {
  const raw = await readdir(dir, { encoding: 'buffer' });
  const entries = raw.map((buf) => {
    const ok = isUtf8Name(buf);
    const name = ok ? buf.toString('utf8') : displayName(buf);
    return { name, key: nfc(name), path: join(dir, name), ok };
  });
  entries.sort((a, b) => byCodePoint(a.key, b.key) || byCodePoint(a.name, b.name));
  return Promise.all(
    entries.map(async ({ name, key, path, ok }): Promise<Entry> => {
      if (!ok) return { name, key, path, st: null, problem: 'file name is not valid UTF-8 (rename the file to read it)' };
      try {
        return { name, key, path, st: await stat(path), problem: null };
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        return { name, key, path, st: null, problem: code === 'ELOOP' ? 'symbolic link loop' : code === 'ENOENT' ? 'broken link or unreadable entry' : `unreadable entry (${code ?? String(e)})` };
      }
    }),
  );
}

/**
 * Refuses two usable entries of one folder whose names differ only by Unicode normalisation (one
 * composed, one decomposed "é": possible on Linux): they would get the same id.
 * @throws UserError naming both paths.
 */
function refuseNormalisationClash(entries: readonly Entry[], folder: string): void {
  for (let i = 1; i < entries.length; i++) {
    const a = entries[i - 1] as Entry;
    const b = entries[i] as Entry;
    if (a.key === b.key && a.st !== null && b.st !== null) {
      throw new UserError(`${folder}: "${b.name}"${normalisationNote(b.name, a.name)}; ids and class names are compared in Unicode NFC, so rename one of ${a.path} and ${b.path}`);
    }
  }
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
 * Reads and validates a classes file: one class name per line (surrounding spaces trimmed), each
 * returned in Unicode NFC (src/util/unicode.ts), so that a name typed with a composed "é" matches a
 * folder or label written with a decomposed one.
 * @throws UserError when the file is missing, is empty, or has an empty or duplicate line (the
 *   message names the file and the 1-based line number; two lines that differ only by Unicode
 *   normalisation are duplicates, and the message says so).
 */
export async function readClassesFile(file: string): Promise<string[]> {
  const { path, lines } = await readUserLines(file, 'classes file');
  const seen = new Map<string, { line: number; typed: string }>();
  const names: string[] = [];
  lines.forEach((raw, i) => {
    const typed = raw.trim();
    if (typed === '') throw new UserError(`classes file ${path}, line ${i + 1}: empty line (expected one class name per line)`);
    const name = nfc(typed);
    const prev = seen.get(name);
    if (prev !== undefined) throw new UserError(`classes file ${path}, line ${i + 1}: duplicate class name "${typed}" (first on line ${prev.line})${normalisationNote(typed, prev.typed)}`);
    seen.set(name, { line: i + 1, typed });
    names.push(name);
  });
  return names;
}

/** Normalises extensions to a lower-case set with a leading dot. */
function extensionSet(exts: readonly string[]): Set<string> {
  return new Set(exts.map((e) => (e.startsWith('.') ? e : `.${e}`).toLowerCase()));
}

/** An image file of a class folder: its name on disk (to open it) and its NFC form (in its id). */
interface RawFile {
  name: string;
  key: string;
}

/** A class folder: its name on disk and its image files, sorted by NFC name. */
interface RawClass {
  dir: string;
  files: RawFile[];
}

interface RawSplit {
  /** NFC class folder name → the folder */
  classes: Map<string, RawClass>;
}

/**
 * Lists one split folder: class folders and their image files; everything else goes to `skipped`.
 * @param splitPath the folder whose sub-folders are the classes (a split folder, or the root itself
 *   in the flat layout).
 * @param where how the folder is called in messages (`the train/ folder`, `the dataset root`).
 */
async function scanSplit(splitPath: string, where: string, exts: Set<string>, skipped: SkippedFile[]): Promise<RawSplit> {
  const classes = new Map<string, RawClass>();
  const folders = await listDir(splitPath);
  refuseNormalisationClash(
    folders.filter((e) => e.st?.isDirectory() ?? false),
    splitPath,
  );
  for (const { name, key, path: p, st, problem } of folders) {
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
    refuseNormalisationClash(
      entries.filter((e) => e.st?.isFile() ?? false),
      p,
    );
    const files: RawFile[] = [];
    for (const f of entries) {
      const fp = f.path;
      if (f.st === null) skipped.push({ path: fp, reason: f.problem ?? 'broken link or unreadable entry' });
      else if (f.st.isDirectory()) skipped.push({ path: fp, reason: 'nested folder inside a class folder (not read)' });
      else if (!f.st.isFile()) skipped.push({ path: fp, reason: 'not a regular file' });
      else if (f.name.startsWith('.')) skipped.push({ path: fp, reason: 'hidden file' });
      else if (!exts.has(extname(f.name).toLowerCase())) skipped.push({ path: fp, reason: `not an image file extension (${extname(f.name) || 'none'})` });
      else files.push({ name: f.name, key: f.key });
    }
    if (files.length === 0) throw new UserError(`class folder "${name}" has no image files: ${p} (image extensions: ${[...exts].join(', ')})`);
    classes.set(key, { dir: name, files });
  }
  return { classes };
}

/**
 * Items of a scanned split, ordered by class index then file name. Ids are in NFC (`train/<class>/<file>`
 * with both names composed), paths keep the names as on disk.
 * @param prefix id prefix: `train/` for a split folder, empty in the flat layout.
 */
function buildSplit(base: string, prefix: string, raw: RawSplit, classIndex: Map<string, number>): Split {
  const ids: string[] = [];
  const paths: string[] = [];
  const labels: number[] = [];
  const order = [...raw.classes.keys()].sort((a, b) => (classIndex.get(a) as number) - (classIndex.get(b) as number));
  for (const cls of order) {
    const { dir, files } = raw.classes.get(cls) as RawClass;
    for (const f of files) {
      ids.push(`${prefix}${cls}/${f.key}`);
      paths.push(join(base, dir, f.name));
      labels.push(classIndex.get(cls) as number);
    }
  }
  return { ids, paths, labels: Int32Array.from(labels) };
}

/**
 * Class names from the classes file (checked against the train class folders) or the sorted folder
 * names; both in NFC, so a classes file and folder names composed differently match.
 */
async function classNamesFor(raw: RawSplit, folder: string, classesFile: string | undefined): Promise<string[]> {
  if (classesFile === undefined) return [...raw.classes.keys()].sort(byCodePoint);
  const file = resolve(classesFile);
  const classNames = await readClassesFile(file);
  const listed = new Set(classNames);
  const extra = [...raw.classes.entries()].filter(([c]) => !listed.has(c)).map(([, f]) => f.dir);
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
 * - `train/` without the default `test/` folder: the same seeded stratified split of the train
 *   folder makes the test split (ids keep their `train/` prefix); `testFraction: 0` or
 *   `testDir: null` keeps every image in the pool (no test split).
 * - Ids and class names are in Unicode NFC (src/util/unicode.ts); paths keep the names as on disk,
 *   so a file whose name was written decomposed (macOS) is opened by that name.
 * - Items are ordered by class index, then by file name (code-point order of the NFC names), so
 *   the result is deterministic.
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
 *   duplicate line, or does not match the train class folders; testFraction is outside [0, 1); two
 *   class folders, or two files of a class folder, differ only by Unicode normalisation.
 */
export async function readImageFolder(root: string, opts: ImageFolderOptions = {}): Promise<Dataset> {
  const absRoot = resolve(root);
  const trainDir = opts.trainDir ?? 'train';
  const testDir = opts.testDir === undefined ? 'test' : opts.testDir;
  const exts = extensionSet(opts.extensions ?? DEFAULT_IMAGE_EXTENSIONS);
  if (exts.size === 0) throw new UserError('readImageFolder: the list of image extensions is empty');

  checkTestFraction(opts);
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
      const unknown = [...rawTest.classes.entries()].filter(([c]) => !classIndex.has(c)).map(([, f]) => f.dir);
      if (unknown.length > 0) {
        throw new UserError(`test class folder(s) ${unknown.map((c) => `"${c}"`).join(', ')} in ${testPath} are not classes of the train split (${trainPath})`);
      }
      test = buildSplit(testPath, `${testDir}/`, rawTest, classIndex);
    } else if (opts.testDir !== undefined) {
      throw new UserError(`test split folder not found: ${testPath}`);
    } else {
      return withSplitTest(absRoot, classNames, train, skipped, opts);
    }
  }

  return test ? { root: absRoot, classNames, train, test, skipped } : { root: absRoot, classNames, train, skipped };
}

/** @throws UserError when `opts.testFraction` is given and outside [0, 1). */
function checkTestFraction(opts: ImageFolderOptions): void {
  const f = opts.testFraction;
  if (f !== undefined && !(f >= 0 && f < 1)) throw new UserError(`test fraction must be in [0, 1), got ${f}`);
}

/**
 * A dataset without a test folder: the seeded stratified split ({@link stratifiedSplit}) of `all`
 * by `testFraction` (default 0.2) and `splitSeed` (default 0) makes its test split; `all` stays the
 * pool when the fraction is 0, `testDir` is null, or no class has an image to spare.
 */
function withSplitTest(root: string, classNames: string[], all: Split, skipped: SkippedFile[], opts: ImageFolderOptions): Dataset {
  const testFraction = opts.testFraction ?? 0.2;
  if (testFraction === 0 || opts.testDir === null) return { root, classNames, train: all, skipped };
  const { train, test } = stratifiedSplit(all.labels, classNames, testFraction, opts.splitSeed ?? 0);
  const t = takeSplit(all, test);
  return t.ids.length > 0 ? { root, classNames, train: takeSplit(all, train), test: t, skipped } : { root, classNames, train: all, skipped };
}

/** The flat layout `root/<class>/<file>`: the whole root is the pool, split by {@link withSplitTest}. */
async function readFlat(absRoot: string, exts: Set<string>, opts: ImageFolderOptions): Promise<Dataset> {
  const skipped: SkippedFile[] = [];
  const raw = await scanSplit(absRoot, 'the dataset root', exts, skipped);
  if (raw.classes.size === 0) throw new UserError(`no class folders in ${absRoot}: expected one folder of images per class`);
  const classNames = await classNamesFor(raw, absRoot, opts.classesFile);
  const all = buildSplit(absRoot, '', raw, new Map(classNames.map((c, i) => [c, i] as const)));
  return withSplitTest(absRoot, classNames, all, skipped, opts);
}

/**
 * The `imagefolder` dataset format ({@link readImageFolder}): a folder with a `train/` folder is
 * detected before every other folder format; a folder with only class folders after all of them.
 * Options: classesFile, testFraction, splitSeed, extensions.
 */
export const IMAGE_FOLDER_FORMAT: DatasetFormatEntry = Object.freeze<DatasetFormatEntry>({
  name: 'imagefolder',
  aliases: ['image-folder', 'folder'],
  help: 'root/train/<class>/<image> (+ root/test/...; without test/ split by --test-fraction), or root/<class>/<image> (split by --test-fraction)',
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

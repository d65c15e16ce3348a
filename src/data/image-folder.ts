/**
 * ImageFolder reader: `root/<split>/<class>/<file>` (torchvision `ImageFolder` layout, one folder
 * per split). Lists files only; images are decoded later by the encoder, which reports unreadable
 * ones.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { UserError } from '../util/errors.ts';
import type { Dataset, SkippedFile, Split } from './dataset.ts';

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
}

/** Code-point order, independent of locale, so that orders are the same on every machine. */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw e;
  }
}

/** Sorted entry names of a folder, each with its stat (symbolic links followed; broken links → null). */
async function listDir(dir: string): Promise<{ name: string; st: Stats | null }[]> {
  const names = (await readdir(dir)).sort(byCodePoint);
  return Promise.all(names.map(async (name) => ({ name, st: await statOrNull(join(dir, name)) })));
}

/**
 * Reads and validates a classes file: one class name per line (surrounding spaces trimmed).
 * @throws UserError when the file is missing, is empty, or has an empty or duplicate line (the
 *   message names the file and the 1-based line number).
 */
export async function readClassesFile(file: string): Promise<string[]> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `classes file not found: ${path}` : `cannot read classes file ${path}: ${(e as Error).message}`);
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new UserError(`classes file ${path} is empty: expected one class name per line`);
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

/** Lists one split folder: class folders and their image files; everything else goes to `skipped`. */
async function scanSplit(root: string, splitName: string, exts: Set<string>, skipped: SkippedFile[]): Promise<RawSplit> {
  const splitPath = join(root, splitName);
  const classes = new Map<string, string[]>();
  for (const { name, st } of await listDir(splitPath)) {
    const p = join(splitPath, name);
    if (st === null) {
      skipped.push({ path: p, reason: 'broken link or unreadable entry' });
      continue;
    }
    if (!st.isDirectory()) {
      skipped.push({ path: p, reason: `file directly in the ${splitName}/ folder, not in a class folder` });
      continue;
    }
    if (name.startsWith('.')) {
      skipped.push({ path: p, reason: 'hidden folder' });
      continue;
    }
    const files: string[] = [];
    for (const f of await listDir(p)) {
      const fp = join(p, f.name);
      if (f.st === null) skipped.push({ path: fp, reason: 'broken link or unreadable entry' });
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

function buildSplit(root: string, splitName: string, raw: RawSplit, classIndex: Map<string, number>): Split {
  const ids: string[] = [];
  const paths: string[] = [];
  const labels: number[] = [];
  const order = [...raw.classes.keys()].sort((a, b) => (classIndex.get(a) as number) - (classIndex.get(b) as number));
  for (const cls of order) {
    for (const f of raw.classes.get(cls) as string[]) {
      ids.push(`${splitName}/${cls}/${f}`);
      paths.push(join(root, splitName, cls, f));
      labels.push(classIndex.get(cls) as number);
    }
  }
  return { ids, paths, labels: Int32Array.from(labels) };
}

/**
 * Reads an image dataset laid out as `root/<split>/<class>/<file>`.
 *
 * - Item ids are paths relative to the root with `/` separators (`train/cat/0001.jpg`), stable
 *   across runs and machines; items are ordered by class index, then by file name (code-point
 *   order), so the result is deterministic.
 * - Class names are the sorted folder names of the train split, or the lines of `classesFile`.
 *   Labels are class indices; test items get the index of their folder's class.
 * - Files whose extension is not an image extension, hidden files, nested folders and files
 *   directly in a split folder are listed in `skipped` with the reason, not read. Images are not
 *   decoded here.
 *
 * @param root dataset root folder (relative paths resolve against the working directory).
 * @throws UserError (message names the offending path, class or line) when: the root is missing
 *   or not a folder; the train split folder is missing; the train split (or an existing test split) has no class folders; a
 *   class folder has no image files; a test class folder is not a train class; an explicitly named
 *   test folder is missing; the classes file is missing, empty, has an empty or duplicate line, or
 *   does not match the train class folders.
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
    throw new UserError(`no "${trainDir}" split folder in ${absRoot}: expected the layout ${join(absRoot, trainDir, '<class>', '<image>')}`);
  }

  const skipped: SkippedFile[] = [];
  const rawTrain = await scanSplit(absRoot, trainDir, exts, skipped);
  if (rawTrain.classes.size === 0) throw new UserError(`no class folders in ${trainPath}: expected one folder of images per class`);

  let classNames: string[];
  if (opts.classesFile !== undefined) {
    const file = resolve(opts.classesFile);
    classNames = await readClassesFile(file);
    const listed = new Set(classNames);
    const extra = [...rawTrain.classes.keys()].filter((c) => !listed.has(c));
    if (extra.length > 0) throw new UserError(`class folder(s) ${extra.map((c) => `"${c}"`).join(', ')} in ${trainPath} not listed in the classes file ${file}`);
    const missing = classNames.filter((c) => !rawTrain.classes.has(c));
    if (missing.length > 0) throw new UserError(`class(es) ${missing.map((c) => `"${c}"`).join(', ')} of the classes file ${file} have no folder in ${trainPath}`);
  } else {
    classNames = [...rawTrain.classes.keys()].sort(byCodePoint);
  }
  const classIndex = new Map(classNames.map((c, i) => [c, i] as const));
  const train = buildSplit(absRoot, trainDir, rawTrain, classIndex);

  let test: Split | undefined;
  if (testDir !== null) {
    const testPath = join(absRoot, testDir);
    const testSt = await statOrNull(testPath);
    if (testSt !== null && testSt.isDirectory()) {
      const rawTest = await scanSplit(absRoot, testDir, exts, skipped);
      if (rawTest.classes.size === 0) throw new UserError(`no class folders in ${testPath}: expected one folder of images per class (or remove the folder)`);
      const unknown = [...rawTest.classes.keys()].filter((c) => !classIndex.has(c));
      if (unknown.length > 0) {
        throw new UserError(`test class folder(s) ${unknown.map((c) => `"${c}"`).join(', ')} in ${testPath} are not classes of the train split (${trainPath})`);
      }
      test = buildSplit(absRoot, testDir, rawTest, classIndex);
    } else if (opts.testDir !== undefined) {
      throw new UserError(`test split folder not found: ${testPath}`);
    }
  }

  return test ? { root: absRoot, classNames, train, test, skipped } : { root: absRoot, classNames, train, skipped };
}

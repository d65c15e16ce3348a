/**
 * What a dataset format of the format table (src/data/formats.ts) is: its names, help, how a file
 * or folder of it is recognised, and its reader (SPEC.md §2; DESIGN.md `data/`). Each reader file
 * exports its entry; plus the folder-listing helpers the detectors share.
 */
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserError } from '../util/errors.ts';
import { statOrNull, type ReadDataset, type SplitLimit } from './common.ts';

/** Options of `openDataset` (src/data/open.ts); each reader takes the ones that apply to it. */
export interface OpenDatasetOptions {
  /** Force a format instead of detecting it (a name or alias of the format table). */
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

/** One visible (not dot-prefixed) entry of a folder; `dir` is true for folders and links to folders. */
export interface DirEntry {
  readonly name: string;
  readonly dir: boolean;
}

/**
 * One dataset format. Detection (see `detectFormat`): a file goes to the first entry, in table
 * order, whose {@link detectFile} accepts it; a folder to the first whose {@link detectFolder}
 * accepts it, else to the first whose {@link detectFallback} does.
 *
 * Adding a format = one reader file exporting a `DatasetFormatEntry` + one entry in
 * `BUILTIN_DATASET_FORMATS` (src/data/formats.ts), at the place of its detection priority.
 */
export interface DatasetFormatEntry {
  /** Canonical name, lower case (e.g. `imagefolder`), as `--format` takes it and reports show it. */
  readonly name: string;
  /** Other names `--format` accepts (lower case), e.g. `folder`. */
  readonly aliases: readonly string[];
  /** One line: the layout read, for help texts and error messages. */
  readonly help: string;
  /**
   * A file of this format?
   * @param file absolute path of an existing file.
   * @returns the path its reader takes (the file, or e.g. its folder), or null.
   */
  readonly detectFile?: (file: string) => Promise<string | null>;
  /**
   * A folder of this format?
   * @param dir absolute path of an existing folder; `entries` its visible entries, sorted by name.
   * @returns the path its reader takes, or null.
   * @throws UserError when the folder is of this format but ambiguous (e.g. two split files).
   */
  readonly detectFolder?: (dir: string, entries: readonly DirEntry[]) => Promise<string | null>;
  /** Like {@link detectFolder}, tried only after every entry's `detectFolder` declined (e.g. flat class folders). */
  readonly detectFallback?: (dir: string, entries: readonly DirEntry[]) => Promise<string | null>;
  /**
   * The path the reader takes when the format is forced (`--format`).
   * @param path absolute path of an existing file or folder; `isDir` whether it is a folder.
   * @throws UserError when the path cannot be of this format (e.g. a file for a folder format).
   */
  readonly target: (path: string, isDir: boolean) => Promise<string>;
  /**
   * Reads the dataset.
   * @throws UserError naming the file (and line) on bad input, or an option that does not apply.
   */
  readonly read: (target: string, options: OpenDatasetOptions) => Promise<ReadDataset>;
  /** True when {@link read} applies `limitPerClass` / `limit` itself (IDX: before writing its PNGs). */
  readonly appliesLimits?: boolean;
}

/** The visible entries of a folder, sorted by name (code-point order); links to folders count as folders. */
export async function listEntries(dir: string): Promise<DirEntry[]> {
  const ents = await readdir(dir, { withFileTypes: true });
  const out: DirEntry[] = [];
  for (const e of ents) {
    if (e.name.startsWith('.')) continue;
    let isDir = e.isDirectory();
    if (e.isSymbolicLink()) isDir = (await statOrNull(join(dir, e.name)))?.isDirectory() ?? false;
    out.push({ name: e.name, dir: isDir });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The one file of a folder whose name matches `pred`.
 * @param what what the file is, for the messages (e.g. `csv manifest`).
 * @throws UserError when there is none or more than one.
 */
export async function onlyFile(dir: string, pred: (name: string) => boolean, what: string): Promise<string> {
  const files = (await listEntries(dir)).filter((e) => !e.dir && pred(e.name)).map((e) => join(dir, e.name));
  if (files.length === 0) throw new UserError(`no ${what} in ${dir}`);
  if (files.length > 1) throw new UserError(`${files.length} ${what}s in ${dir} (${files.map((f) => basename(f)).join(', ')}): pass the one to read`);
  return files[0] as string;
}

/**
 * The dataset format table (SPEC.md §2; DESIGN.md "a frozen registry object maps names to
 * implementations"): every format `openDataset` reads, in detection order. Each reader file
 * exports its {@link DatasetFormatEntry}; names, aliases, help texts, detection and reading all
 * come from this one table.
 *
 * Adding a format = one reader file exporting a `DatasetFormatEntry` + one entry in
 * {@link BUILTIN_DATASET_FORMATS}. A caller can also build its own table with
 * `createDatasetFormatTable([...DATASET_FORMAT_TABLE.entries, myFormat])` and pass it to
 * `openDataset` / `detectFormat` / `parseFormat` (src/data/open.ts).
 */
import { COOP_FORMAT } from './coop-split.ts';
import { FGVC_FORMAT } from './fgvc.ts';
import type { DatasetFormatEntry } from './format-entry.ts';
import { IDX_FORMAT } from './idx.ts';
import { IMAGE_FOLDER_FORMAT } from './image-folder.ts';
import { CSV_FORMAT, JSONL_FORMAT } from './manifest.ts';

/** A dataset format name: the canonical name of an entry of a format table (e.g. `imagefolder`). */
export type DatasetFormat = string;

/** An ordered set of dataset formats, looked up by name or alias. Frozen. */
export interface DatasetFormatTable {
  /** The entries, in detection order. */
  readonly entries: readonly DatasetFormatEntry[];
  /** The entry whose name or alias is `name` (case-insensitive, surrounding whitespace ignored), or undefined. */
  get(name: string): DatasetFormatEntry | undefined;
}

const NAME_RE = /^[a-z][a-z0-9_-]*$/;

/**
 * Builds a frozen format table of the given entries; their order is the detection order (see
 * `detectFormat`). The entries are copied and frozen.
 * @throws TypeError when a name or alias is not lower-case letters, digits, `_` and `-`
 *   (starting with a letter) or is used twice, when an entry has no help text, or when it has
 *   neither a file nor a folder test (it could then only be forced).
 */
export function createDatasetFormatTable(entries: readonly DatasetFormatEntry[]): DatasetFormatTable {
  const byName = new Map<string, DatasetFormatEntry>();
  const list: DatasetFormatEntry[] = [];
  for (const e of entries) {
    const frozen = Object.freeze({ ...e, aliases: Object.freeze([...e.aliases]) });
    for (const n of [e.name, ...e.aliases]) {
      if (!NAME_RE.test(n)) throw new TypeError(`dataset format "${e.name}": name or alias "${n}" must be lower-case letters, digits, _ and -`);
      if (byName.has(n)) throw new TypeError(`dataset format name or alias "${n}" is used twice`);
      byName.set(n, frozen);
    }
    if (e.help.trim() === '') throw new TypeError(`dataset format "${e.name}" has no help text`);
    if (!e.detectFile && !e.detectFolder && !e.detectFallback) throw new TypeError(`dataset format "${e.name}" has no file or folder test`);
    list.push(frozen);
  }
  return Object.freeze({ entries: Object.freeze(list), get: (name: string) => byName.get(name.trim().toLowerCase()) });
}

/**
 * The built-in formats, in detection order: imagefolder (a `train/` folder), coop, fgvc, idx, csv,
 * jsonl, then imagefolder again as the fallback for flat class folders.
 */
export const BUILTIN_DATASET_FORMATS: readonly DatasetFormatEntry[] = Object.freeze([IMAGE_FOLDER_FORMAT, COOP_FORMAT, FGVC_FORMAT, IDX_FORMAT, CSV_FORMAT, JSONL_FORMAT]);

/** The default format table: the {@link BUILTIN_DATASET_FORMATS}. Frozen. */
export const DATASET_FORMAT_TABLE: DatasetFormatTable = createDatasetFormatTable(BUILTIN_DATASET_FORMATS);

/** The names of the default table's formats, in detection order. */
export const DATASET_FORMATS: readonly DatasetFormat[] = Object.freeze(DATASET_FORMAT_TABLE.entries.map((e) => e.name));

/** One help line per format of the default table (name → layout read), for help texts and error messages. */
export const FORMAT_HELP: Readonly<Record<DatasetFormat, string>> = Object.freeze(Object.fromEntries(DATASET_FORMAT_TABLE.entries.map((e) => [e.name, e.help])));

/** `  name: help` lines of the given entries, for messages. */
export function formatHelpLines(entries: readonly DatasetFormatEntry[]): string {
  return entries.map((e) => `  ${e.name}: ${e.help}`).join('\n');
}

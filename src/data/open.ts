/**
 * One entry point for every dataset format (SPEC.md §2; docs/ARCHITECTURE.md `data/`): looks at what a path
 * is and hands it to the matching reader of the format table (src/data/formats.ts).
 */
import { resolve } from 'node:path';
import { UserError } from '../util/errors.ts';
import { checkLimit, dataSources, limitDataset, statOrNull, type ReadDataset } from './common.ts';
import { listEntries, type DatasetFormatEntry, type OpenDatasetOptions } from './format-entry.ts';
import { DATASET_FORMAT_TABLE, formatHelpLines, type DatasetFormat, type DatasetFormatTable } from './formats.ts';

export type { OpenDatasetOptions } from './format-entry.ts';

/** A dataset as opened: the reader's result, the detected format and the path it was read from. */
export interface OpenedDataset extends ReadDataset {
  /** Canonical name of the format read (e.g. `imagefolder`). */
  readonly format: DatasetFormat;
  /** The file or folder the reader was given (absolute). */
  readonly source: string;
}

function lookup(name: string, table: DatasetFormatTable): DatasetFormatEntry {
  const e = table.get(name);
  if (e === undefined) throw new UserError(`unknown dataset format "${name}": expected one of ${table.entries.map((f) => f.name).join(', ')}`);
  return e;
}

/**
 * Checks a format name or alias (case-insensitive, e.g. `folder`, `mnist`).
 * @returns the canonical name.
 * @throws UserError listing the valid names.
 */
export function parseFormat(name: string, table: DatasetFormatTable = DATASET_FORMAT_TABLE): DatasetFormat {
  return lookup(name, table).name;
}

/**
 * Decides the format of `source` and the path its reader takes, from the table (in its order):
 * a file goes to the first format whose file test accepts it; a folder to the first whose folder
 * test accepts it, else to the first whose fallback test does. With the default table — files:
 * `.json` → coop; `variants.txt`/`images_variant_*.txt` → fgvc (its folder); `*-idx?-ubyte[.gz]`
 * → idx; `.csv`/`.tsv` → csv; `.jsonl`/`.ndjson` → jsonl. Folders: a `train/` folder →
 * imagefolder; one `split_zhou_*.json` → coop; `variants.txt` (or `data/variants.txt`) → fgvc;
 * IDX files → idx; exactly one manifest file → csv/jsonl; else class folders → imagefolder (flat).
 * @param forced a format name or alias: skip detection, take that format's path rule.
 * @throws UserError when the path does not exist, a forced format is unknown or does not fit it,
 *   a folder is ambiguous (two split files), or nothing matches (the message lists the layouts).
 */
export async function detectFormat(source: string, forced?: string, table: DatasetFormatTable = DATASET_FORMAT_TABLE): Promise<{ format: DatasetFormat; target: string }> {
  const abs = resolve(source);
  const st = await statOrNull(abs);
  if (st === null) throw new UserError(`dataset not found: ${abs}`);
  if (forced !== undefined) {
    const e = lookup(forced, table);
    return { format: e.name, target: await e.target(abs, st.isDirectory()) };
  }
  if (!st.isDirectory()) {
    for (const e of table.entries) {
      const target = e.detectFile ? await e.detectFile(abs) : null;
      if (target !== null) return { format: e.name, target };
    }
    throw new UserError(`cannot tell the dataset format of the file ${abs}: it matches none of the file formats read (pass --format to force one):\n${formatHelpLines(table.entries.filter((e) => e.detectFile))}`);
  }
  const ents = await listEntries(abs);
  for (const test of ['detectFolder', 'detectFallback'] as const) {
    for (const e of table.entries) {
      const detect = e[test];
      const target = detect ? await detect(abs, ents) : null;
      if (target !== null) return { format: e.name, target };
    }
  }
  throw new UserError(`cannot tell the dataset format of ${abs}: it matches none of the layouts read (pass --format to force one):\n${formatHelpLines(table.entries)}`);
}

/**
 * Opens a dataset in any supported format (see {@link detectFormat}; `opts.format` forces one),
 * then keeps the first `limitPerClass` items of each class and `limit` items of each split, in
 * split order (formats with `appliesLimits`, IDX, apply them while reading).
 *
 * @param source a dataset folder or file (relative paths resolve against the working directory).
 * @param table the formats to detect and read (default: the built-in table).
 * @returns the reader's dataset, with the format and the path read.
 * @throws UserError from detection (missing path, unknown or unfitting format) and from the readers
 *   (each names the file, and the line where there is one); on limits that are not positive
 *   integers.
 */
export async function openDataset(source: string, opts: OpenDatasetOptions = {}, table: DatasetFormatTable = DATASET_FORMAT_TABLE): Promise<OpenedDataset> {
  checkLimit('limit per class', opts.limitPerClass);
  checkLimit('limit', opts.limit);
  const { format, target } = await detectFormat(source, opts.format, table);
  const entry = lookup(format, table);
  const ds = await entry.read(target, opts);
  const sources = [...(ds.sources ?? []), ...(opts.classesFile ? await dataSources([opts.classesFile]) : [])];
  return { ...(entry.appliesLimits ? ds : limitDataset(ds, opts.limitPerClass, opts.limit)), format, source: target, ...(sources.length > 0 ? { sources } : {}) };
}

/**
 * Manifest readers: a CSV (or TSV) file with a `path,label[,split]` header, or a JSON-Lines file
 * of `{"path": …, "label": …, "split": …}` objects. The simplest way to register a custom dataset
 * (ANCHORS.md #12).
 */
import { parse } from 'csv-parse/sync';
import { dirname, extname, join, resolve } from 'node:path';
import { UserError } from '../util/errors.ts';
import { nfc, normalisationNote } from '../util/unicode.ts';
import { byCodePoint, checkListedFiles, dataSources, itemId, makeSplit, readTextFile, splitLines, type ListedFile, type ReadDataset } from './common.ts';
import type { SkippedFile, Split } from './dataset.ts';
import { onlyFile, type DatasetFormatEntry, type DirEntry } from './format-entry.ts';
import { readClassesFile } from './image-folder.ts';

/** Options of {@link readManifest}. */
export interface ManifestOptions {
  /**
   * Class names, one per line, in label order. With it, a label is a class name of the file or
   * an integer index into it; without it, the class names are the distinct labels, sorted
   * (numerically when all are integers, else by code point).
   */
  classesFile?: string;
  /** Skip listed images that do not exist (listed in `skipped`) instead of failing. Default false. */
  allowMissing?: boolean;
  /** `csv` (also `.tsv`, tab-separated) or `jsonl`. Default: from the file extension (`.jsonl`/`.ndjson` → jsonl). */
  kind?: 'csv' | 'jsonl';
}

type SplitName = 'train' | 'val' | 'test';

/** One manifest row before validation of its label. */
interface Row {
  path: string;
  /** null = unlabeled */
  label: string | number | null;
  split: SplitName;
  line: number;
}

const SPLITS: Record<string, SplitName> = { '': 'train', train: 'train', test: 'test', val: 'val', valid: 'val', validation: 'val' };

function parseSplit(file: string, line: number, v: string): SplitName {
  const s = SPLITS[v.trim().toLowerCase()];
  if (s === undefined) throw new UserError(`${file}, line ${line}: unknown split "${v}" (expected train, val or test)`);
  return s;
}

/** Rows of a CSV/TSV manifest. */
function csvRows(file: string, text: string): Row[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { delimiter: extname(file).toLowerCase() === '.tsv' ? '\t' : ',', info: true, relax_column_count: true, skip_empty_lines: true, bom: true }) as unknown as typeof records;
  } catch (e) {
    const lines = (e as { lines?: unknown }).lines;
    throw new UserError(`${file}${typeof lines === 'number' ? `, line ${lines}` : ''}: invalid CSV: ${(e as Error).message}`);
  }
  const head = records[0];
  if (head === undefined) throw new UserError(`${file} is empty`);
  const cols = head.record.map((c) => c.trim().toLowerCase());
  const col = (name: string): number => cols.indexOf(name);
  const dup = cols.find((c, i) => c !== '' && cols.indexOf(c) !== i);
  if (dup !== undefined) throw new UserError(`${file}, line ${head.info.lines}: column "${dup}" appears twice in the header`);
  const ip = col('path');
  const il = col('label');
  const is = col('split');
  if (ip < 0 || il < 0) {
    throw new UserError(`${file}, line ${head.info.lines}: the header must name the columns "path" and "label" (optionally "split"), got ${JSON.stringify(head.record.join(','))}`);
  }
  if (records.length === 1) throw new UserError(`${file} has a header but no rows`);
  return records.slice(1).map(({ record, info }) => {
    if (record.length !== cols.length) throw new UserError(`${file}, line ${info.lines}: expected ${cols.length} columns (${head.record.join(',')}), got ${record.length}`);
    const label = (record[il] as string).trim();
    return { path: (record[ip] as string).trim(), label: label === '' ? null : nfc(label), split: is < 0 ? 'train' : parseSplit(file, info.lines, record[is] as string), line: info.lines };
  });
}

/** Rows of a JSON-Lines manifest. */
function jsonlRows(file: string, text: string): Row[] {
  const rows: Row[] = [];
  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (e) {
      const m = /position (\d+)/.exec((e as Error).message);
      throw new UserError(`${file}, line ${line}${m ? `, column ${Number(m[1]) + 1}` : ''}: invalid JSON: ${(e as Error).message}`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UserError(`${file}, line ${line}: expected an object {"path": ..., "label": ...}, got ${raw.slice(0, 80)}`);
    const o = v as Record<string, unknown>;
    if (typeof o.path !== 'string') throw new UserError(`${file}, line ${line}: "path" must be a string`);
    const label = o.label;
    if (label !== undefined && label !== null && typeof label !== 'string' && typeof label !== 'number') throw new UserError(`${file}, line ${line}: "label" must be a class name, an integer, null or absent`);
    if (o.split !== undefined && typeof o.split !== 'string') throw new UserError(`${file}, line ${line}: "split" must be "train", "val" or "test"`);
    const lab = label === undefined || label === null || (typeof label === 'string' && label.trim() === '') ? null : typeof label === 'string' ? nfc(label.trim()) : label;
    rows.push({ path: o.path.trim(), label: lab, split: parseSplit(file, line, o.split ?? ''), line });
  });
  if (rows.length === 0) throw new UserError(`${file} is empty`);
  return rows;
}

/**
 * Reads a CSV/TSV (`path,label[,split]` header; other columns ignored) or JSON-Lines manifest.
 *
 * - Relative paths resolve against the manifest's folder; ids are paths relative to that folder
 *   (`/` separators), or the absolute path for images outside it.
 * - An empty label (or `null`/absent in JSONL) marks an unlabeled training item: label −1.
 * - `split` is `train` (default when the column is absent or empty), `val`/`valid`/`validation`,
 *   or `test`. Val items are read but never used by the loop (SPEC.md §2.1).
 * - Items keep the file order.
 * - Class names (labels and the classes file) and ids are compared in Unicode NFC
 *   (src/util/unicode.ts); an image listed with its accents composed otherwise than on disk is
 *   opened by its name on disk.
 *
 * @param file a `.csv`, `.tsv`, `.jsonl` or `.ndjson` file.
 * @throws UserError naming the file and line when: the file is missing or empty; the CSV is
 *   malformed (unclosed quote, …) or a JSONL line is not valid JSON; the header lacks `path` or
 *   `label`; a row has the wrong number of columns; a path is empty or listed twice; a split is
 *   unknown; a test/val item has no label; a label is an unknown class name or an index out of
 *   range of the classes file (or a negative/non-integer number); there is no training item;
 *   listed images are missing (first five and the count; unless `allowMissing`).
 */
export async function readManifest(file: string, opts: ManifestOptions = {}): Promise<ReadDataset> {
  const abs = resolve(file);
  const text = await readTextFile(abs, 'manifest');
  const ext = extname(abs).toLowerCase();
  const kind = opts.kind ?? (ext === '.jsonl' || ext === '.ndjson' ? 'jsonl' : 'csv');
  const rows = kind === 'jsonl' ? jsonlRows(abs, text) : csvRows(abs, text);
  const base = dirname(abs);

  // Class names and label indices.
  let classNames: string[];
  const fixed = opts.classesFile !== undefined;
  if (opts.classesFile !== undefined) classNames = await readClassesFile(opts.classesFile);
  else {
    const distinct = new Set<string>();
    for (const r of rows) {
      if (r.label === null) continue;
      if (typeof r.label === 'number' && (!Number.isInteger(r.label) || r.label < 0)) throw new UserError(`${abs}, line ${r.line}: label ${r.label} must be a class name or a non-negative integer`);
      distinct.add(String(r.label));
    }
    classNames = [...distinct];
    if (classNames.every((c) => /^\d+$/.test(c))) classNames.sort((a, b) => Number(a) - Number(b));
    else classNames.sort(byCodePoint);
  }
  const classIndex = new Map(classNames.map((c, i) => [c, i] as const));
  const classesFile = opts.classesFile ? resolve(opts.classesFile) : '';
  const labelOf = (r: Row): number => {
    if (r.label === null) {
      if (r.split !== 'train') throw new UserError(`${abs}, line ${r.line}: ${r.split} items need a label (only training items may be unlabeled)`);
      return -1;
    }
    const byName = classIndex.get(String(r.label));
    if (byName !== undefined) return byName;
    if (fixed) {
      const asIndex = typeof r.label === 'number' ? r.label : /^\d+$/.test(r.label) ? Number(r.label) : NaN;
      if (Number.isInteger(asIndex) && asIndex >= 0) {
        if (asIndex < classNames.length) return asIndex;
        throw new UserError(`${abs}, line ${r.line}: label ${asIndex} is out of range: ${classesFile} lists ${classNames.length} classes (labels 0…${classNames.length - 1})`);
      }
      throw new UserError(`${abs}, line ${r.line}: unknown class name "${r.label}" (not in ${classesFile})`);
    }
    throw new UserError(`${abs}, line ${r.line}: label ${JSON.stringify(r.label)} must be a class name or a non-negative integer`);
  };

  const seen = new Map<string, { line: number; typed: string }>();
  const listed: ListedFile[] = [];
  const items = rows.map((r) => {
    if (r.path === '') throw new UserError(`${abs}, line ${r.line}: empty path`);
    const p = resolve(base, r.path);
    const first = seen.get(nfc(p));
    if (first !== undefined) throw new UserError(`${abs}, line ${r.line}: image "${r.path}" listed twice (first on line ${first.line})${normalisationNote(r.path, first.typed)}`);
    seen.set(nfc(p), { line: r.line, typed: r.path });
    listed.push({ path: p, where: `line ${r.line}` });
    return { path: p, label: labelOf(r), split: r.split };
  });
  const skipped: SkippedFile[] = [];
  const onDisk = new Map<string, string>();
  const bad = await checkListedFiles(listed, abs, opts.allowMissing ?? false, skipped, onDisk);
  const build = (name: SplitName): Split => {
    const its = items.filter((it) => it.split === name && !bad.has(it.path));
    return makeSplit(
      its.map((it) => itemId(base, it.path)),
      its.map((it) => onDisk.get(it.path) ?? it.path),
      its.map((it) => it.label),
    );
  };
  const train = build('train');
  if (train.ids.length === 0) throw new UserError(`${abs}: no training items (rows with split "train" or no split)`);
  const test = build('test');
  const val = build('val');
  return { root: base, classNames, train, ...(test.ids.length > 0 ? { test } : {}), ...(val.ids.length > 0 ? { val } : {}), skipped, sources: await dataSources([abs]) };
}

const MANIFEST_EXT: Readonly<Record<string, 'csv' | 'jsonl'>> = Object.freeze({ '.csv': 'csv', '.tsv': 'csv', '.jsonl': 'jsonl', '.ndjson': 'jsonl' });

/** The manifest kind of a file name by its extension (`.csv`/`.tsv` → csv, `.jsonl`/`.ndjson` → jsonl), or undefined. */
export function manifestKind(name: string): 'csv' | 'jsonl' | undefined {
  return MANIFEST_EXT[extname(name).toLowerCase()];
}

/** The manifest format entry of one kind: a folder counts only when it holds exactly one manifest (of either kind). */
function manifestFormat(kind: 'csv' | 'jsonl', aliases: readonly string[], help: string): DatasetFormatEntry {
  return Object.freeze<DatasetFormatEntry>({
    name: kind,
    aliases,
    help,
    detectFile: async (file) => (manifestKind(file) === kind ? file : null),
    detectFolder: async (dir, entries: readonly DirEntry[]) => {
      const manifests = entries.filter((e) => !e.dir && manifestKind(e.name) !== undefined);
      const only = manifests.length === 1 ? (manifests[0] as DirEntry).name : undefined;
      return only !== undefined && manifestKind(only) === kind ? join(dir, only) : null;
    },
    target: async (path, isDir) => (isDir ? onlyFile(path, (n) => manifestKind(n) === kind, `${kind} manifest`) : path),
    read: async (target, o) => readManifest(target, { kind, allowMissing: o.allowMissing ?? false, ...(o.classesFile !== undefined ? { classesFile: o.classesFile } : {}) }),
  });
}

/** The `csv` dataset format ({@link readManifest}): a `.csv`/`.tsv` file, or a folder whose only manifest is one. Options: classesFile, allowMissing. */
export const CSV_FORMAT: DatasetFormatEntry = manifestFormat('csv', ['tsv'], 'CSV/TSV manifest with a path,label[,split] header');

/** The `jsonl` dataset format ({@link readManifest}): a `.jsonl`/`.ndjson` file, or a folder whose only manifest is one. Options: classesFile, allowMissing. */
export const JSONL_FORMAT: DatasetFormatEntry = manifestFormat('jsonl', ['ndjson'], 'JSON-Lines manifest of {"path", "label", "split"} objects');

/**
 * Parsers of label files (pure: text in, entries and problems out): a CSV or TSV of `id,label` rows
 * (the round's `batch.csv` with its label column filled) and the Label Studio exports of the tasks
 * that `activekd round` writes (`tasks.json` + `label-config.xml`): JSON, JSON-MIN, CSV and TSV.
 *
 * What the Label Studio exports look like (its converter, `label_studio_sdk.converter`):
 * - **JSON**: the tasks as stored: `[{id, data: {image, item_id, …}, annotations: [{result:
 *   [{from_name: "choice", type: "choices", value: {choices: ["cat"]}}], was_cancelled, …}], …}]`.
 * - **JSON-MIN**: one flat record per (task, annotation): the task's `data` fields at the top level
 *   (`item_id`, `image`, …), the task `id`, the label under the name of the Choices control
 *   (`"choice": "cat"`; an object `{"choices": [...]}` when several are ticked; absent when the
 *   annotation's result is empty), and `annotator`, `annotation_id`, `created_at`, `updated_at`,
 *   `lead_time`. Tasks whose annotations were all skipped (cancelled) are left out; a task without
 *   annotations gets a record with no label and `annotation_id` null.
 * - **CSV / TSV**: the JSON-MIN records as rows, one column per key (the order varies with the
 *   Label Studio version; strings may be quoted).
 */
import { parse } from 'csv-parse/sync';

/** One problem found in a label file: where (1-based line, or task/record index for JSON) and what. */
export interface LabelProblem {
  readonly line: number;
  readonly message: string;
}

/** A raw (id, class name) entry and where it came from. */
export interface RawLabel {
  readonly line: number;
  readonly id: string;
  readonly label: string;
}

/**
 * Why a task or row of a label file carries no label: `skipped` (Label Studio: every annotation
 * was skipped, i.e. cancelled), `not annotated` (no annotation, or a CSV row with an empty label),
 * `no choice` (an annotation was submitted with an empty result).
 */
export type UnlabeledReason = 'skipped' | 'not annotated' | 'no choice';

/** A task or row of a label file that names an item but gives it no label. */
export interface UnlabeledEntry {
  readonly line: number;
  readonly id: string;
  readonly reason: UnlabeledReason;
}

/** The label file formats {@link importLabels} reads, detected by {@link detectLabelFormat}. */
export type LabelFileFormat = 'csv' | 'tsv' | 'label-studio-json' | 'label-studio-json-min' | 'label-studio-csv' | 'label-studio-tsv';

/** How each format is named in messages. */
export const LABEL_FORMAT_NAMES: Readonly<Record<LabelFileFormat, string>> = Object.freeze({
  csv: 'CSV',
  tsv: 'TSV',
  'label-studio-json': 'Label Studio JSON export',
  'label-studio-json-min': 'Label Studio JSON-MIN export',
  'label-studio-csv': 'Label Studio CSV export',
  'label-studio-tsv': 'Label Studio TSV export',
});

/** What a location in each format is called in messages (`line 3`, `task 2`, `record 5`). */
export const LABEL_FORMAT_UNIT: Readonly<Record<LabelFileFormat, 'line' | 'task' | 'record'>> = Object.freeze({
  csv: 'line',
  tsv: 'line',
  'label-studio-json': 'task',
  'label-studio-json-min': 'record',
  'label-studio-csv': 'line',
  'label-studio-tsv': 'line',
});

/**
 * The name of the Choices control of the project's Label Studio config (src/project/project.ts
 * `labelStudioConfig`): the `from_name` of a JSON result, the key of the label in JSON-MIN and its
 * column in CSV/TSV exports.
 */
export const LABEL_STUDIO_CHOICE = 'choice';

/** The task data field holding the pool item id (`data.item_id` of the tasks `activekd round` writes). */
export const LABEL_STUDIO_ITEM_ID = 'item_id';

/** Keys of a JSON-MIN record (columns of a CSV/TSV export) other than the label: task data and Label Studio's own. */
const LABEL_STUDIO_KEYS = new Set([LABEL_STUDIO_ITEM_ID, 'image', 'acquisition_score', 'round', 'rank', 'id', 'annotator', 'annotation_id', 'created_at', 'updated_at', 'lead_time', 'agreement', 'history']);

/** Columns only Label Studio exports of the project's tasks have: a header with one of them is such an export. */
const LABEL_STUDIO_MARKERS = [LABEL_STUDIO_ITEM_ID, 'annotation_id', 'annotator', 'lead_time'];

/** A parsed label file: entries, per-entry problems, entries without a label and, when the file as a whole cannot be read, why. */
export interface ParsedLabelFile {
  readonly format: LabelFileFormat;
  readonly entries: RawLabel[];
  readonly problems: LabelProblem[];
  /** Tasks/rows naming an item without a label (none of them also labeled elsewhere in the file). */
  readonly unlabeled: UnlabeledEntry[];
  /**
   * Set when the file is of `format` but cannot be imported as a whole (e.g. a Label Studio export
   * without `item_id`): one message instead of one problem per row. `entries` is then empty.
   */
  readonly unreadable?: string;
}

const stripBom = (text: string): string => text.replace(/^\uFEFF/, '');

/** First non-empty line of a text, parsed as delimited cells (quotes honoured); [] when none. */
function headerCells(text: string, delimiter: string): string[] {
  const line = stripBom(text)
    .split(/\r?\n/)
    .find((l) => l.trim() !== '');
  if (line === undefined) return [];
  try {
    return ((parse(line, { delimiter, relax_column_count: true, relax_quotes: true, trim: true }) as string[][])[0] ?? []).map((c) => c.trim());
  } catch {
    return line.split(delimiter).map((c) => c.trim());
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Detects the format of a label file from its text: JSON (an array of task objects with `data` or
 * `annotations` → Label Studio JSON; of flat records → JSON-MIN); otherwise delimited text, tab-
 * separated when its first line holds a tab, a Label Studio export when that header has one of
 * `item_id`, `annotation_id`, `annotator`, `lead_time` (or has `choice` and not both `id` and
 * `label`).
 */
export function detectLabelFormat(text: string): LabelFileFormat {
  const body = stripBom(text);
  if (/^\s*[[{]/.test(body)) {
    let v: unknown;
    try {
      v = JSON.parse(body);
    } catch {
      return 'label-studio-json';
    }
    if (!Array.isArray(v)) return 'label-studio-json';
    const full = v.some((t) => isObject(t) && ('data' in t || 'annotations' in t || 'completions' in t));
    return full || v.length === 0 ? 'label-studio-json' : 'label-studio-json-min';
  }
  const first = body.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  const tab = first.includes('\t');
  const head = headerCells(body, tab ? '\t' : ',');
  const plain = head.some((c) => c.toLowerCase() === 'id') && head.some((c) => c.toLowerCase() === 'label');
  const studio = head.some((c) => LABEL_STUDIO_MARKERS.includes(c)) || (!plain && head.includes(LABEL_STUDIO_CHOICE));
  if (studio) return tab ? 'label-studio-tsv' : 'label-studio-csv';
  return tab ? 'tsv' : 'csv';
}

type Records = { record: string[]; info: { lines: number } }[];

function parseDelimited(text: string, delimiter: string): Records | LabelProblem {
  try {
    return parse(stripBom(text), { delimiter, relax_column_count: true, skip_empty_lines: true, info: true, trim: true }) as unknown as Records;
  } catch (e) {
    return { line: (e as { lines?: number }).lines ?? 0, message: `malformed ${delimiter === '\t' ? 'TSV' : 'CSV'}: ${(e as Error).message}` };
  }
}

/** Drops unlabeled entries whose id is labeled elsewhere in the file, and repeats of an id. */
function onlyUnlabeled(unlabeled: UnlabeledEntry[], entries: readonly RawLabel[]): UnlabeledEntry[] {
  const seen = new Set(entries.map((e) => e.id));
  return unlabeled.filter((u) => (seen.has(u.id) ? false : (seen.add(u.id), true)));
}

/**
 * Parses a CSV (or, with `delimiter` `'\t'`, TSV) label file. A first row containing cells `id`
 * and `label` is a header (their columns are used); otherwise rows are `id,label`. Rows with an
 * empty label are reported as unlabeled (not yet labeled); rows with fewer than 2 cells or an
 * empty id are problems.
 */
export function parseLabelCsv(text: string, delimiter: ',' | '\t' = ','): ParsedLabelFile {
  const format: LabelFileFormat = delimiter === '\t' ? 'tsv' : 'csv';
  const records = parseDelimited(text, delimiter);
  if (!Array.isArray(records)) return { format, entries: [], problems: [records], unlabeled: [] };
  const entries: RawLabel[] = [];
  const problems: LabelProblem[] = [];
  const unlabeled: UnlabeledEntry[] = [];
  let idCol = 0;
  let labelCol = 1;
  let start = 0;
  const head = records[0]?.record.map((c) => c.toLowerCase());
  if (head && head.includes('id') && head.includes('label')) {
    idCol = head.indexOf('id');
    labelCol = head.indexOf('label');
    start = 1;
  }
  for (const { record, info } of records.slice(start)) {
    const line = info.lines;
    if (record.length <= Math.max(idCol, labelCol)) {
      problems.push({ line, message: `expected columns id,label, got ${record.length} cell(s)` });
      continue;
    }
    const id = record[idCol] as string;
    const label = record[labelCol] as string;
    if (id === '') problems.push({ line, message: 'empty id' });
    else if (label !== '') entries.push({ line, id, label });
    else unlabeled.push({ line, id, reason: 'not annotated' });
  }
  return { format, entries, problems, unlabeled: onlyUnlabeled(unlabeled, entries) };
}

/** The label of a JSON-MIN value / CSV cell: a class name, or why there is none. */
function choiceOf(v: unknown): { label: string } | { none: true } | { bad: string } {
  if (v === undefined || v === null || v === '') return { none: true };
  if (typeof v === 'string') {
    if (!/^\s*[[{]/.test(v)) return { label: v };
    try {
      return choiceOf(JSON.parse(v));
    } catch {
      return { label: v };
    }
  }
  const list = isObject(v) ? v.choices : v;
  if (Array.isArray(list)) {
    if (list.length === 0) return { none: true };
    if (list.length === 1 && typeof list[0] === 'string') return { label: list[0] };
    return { bad: `${list.length} choices ${JSON.stringify(list).slice(0, 80)}; the project takes one` };
  }
  return { bad: `no single choice (got ${JSON.stringify(v).slice(0, 80)})` };
}

/** The message for an export whose label field is missing while other unknown fields are present. */
function noChoiceField(unknown: readonly string[], what: 'key' | 'column'): string {
  return `no "${LABEL_STUDIO_CHOICE}" ${what} (the Choices name of the project's label-config.xml) but ${unknown.map((k) => `"${k}"`).join(', ')}: label the tasks with the label-config.xml that \`activekd round\` wrote next to tasks.json`;
}

const REEXPORT = 'import the tasks.json written by `activekd round` into Label Studio, label them with its label-config.xml, and export again';

/**
 * Parses a Label Studio JSON export (array of tasks). The item id is `data.item_id` (as exported by
 * `activekd round`); the label is the single `choices` value (of the `choice` control, else of
 * any choices result) of the last annotation that was not cancelled. Tasks without annotations,
 * whose annotations were all skipped/cancelled, or whose last annotation has no choice are
 * reported in `unlabeled`. The "line" of a problem is the 1-based task index. When no task has a
 * `data.item_id`, the file is `unreadable` (one message).
 */
export function parseLabelStudio(text: string): ParsedLabelFile {
  const format: LabelFileFormat = 'label-studio-json';
  let tasks: unknown;
  try {
    tasks = JSON.parse(stripBom(text));
  } catch (e) {
    return { format, entries: [], problems: [{ line: 0, message: `malformed JSON: ${(e as Error).message}` }], unlabeled: [] };
  }
  if (!Array.isArray(tasks)) return { format, entries: [], problems: [{ line: 0, message: 'expected a JSON array of Label Studio tasks' }], unlabeled: [] };
  type Ann = { was_cancelled?: boolean; skipped?: boolean; result?: { from_name?: string; type?: string; value?: { choices?: unknown } }[] };
  type Task = { data?: Record<string, unknown>; annotations?: Ann[]; completions?: Ann[] };
  const idOf = (t: unknown): unknown => (t as Task | null)?.data?.[LABEL_STUDIO_ITEM_ID];
  if (tasks.length > 0 && !tasks.some((t) => typeof idOf(t) === 'string' && idOf(t) !== '')) {
    return { format, entries: [], problems: [], unlabeled: [], unreadable: `no task has a data.${LABEL_STUDIO_ITEM_ID} (the pool item id): these are not the tasks \`activekd round\` wrote; ${REEXPORT}` };
  }
  const entries: RawLabel[] = [];
  const problems: LabelProblem[] = [];
  const unlabeled: UnlabeledEntry[] = [];
  tasks.forEach((t: unknown, i: number) => {
    const line = i + 1;
    const task = t as Task;
    const id = idOf(t);
    if (typeof id !== 'string' || id === '') {
      problems.push({ line, message: `task has no data.${LABEL_STUDIO_ITEM_ID} string` });
      return;
    }
    const all = Array.isArray(task.annotations) ? task.annotations : Array.isArray(task.completions) ? task.completions : [];
    const anns = all.filter((a) => a && !a.was_cancelled && !a.skipped);
    const last = anns.at(-1);
    if (!last) {
      unlabeled.push({ line, id, reason: all.length > 0 ? 'skipped' : 'not annotated' });
      return;
    }
    const results = (Array.isArray(last.result) ? last.result : []).filter((r) => r?.type === 'choices');
    const result = results.find((r) => r.from_name === LABEL_STUDIO_CHOICE) ?? results[0];
    const c = result === undefined ? ({ none: true } as const) : choiceOf(result.value?.choices ?? null);
    if ('label' in c) entries.push({ line, id, label: c.label });
    else if ('none' in c) unlabeled.push({ line, id, reason: 'no choice' });
    else problems.push({ line, message: `annotation of ${id} has ${c.bad}` });
  });
  return { format, entries, problems, unlabeled: onlyUnlabeled(unlabeled, entries) };
}

/** One flat Label Studio record (JSON-MIN object or CSV/TSV row) → entry, unlabeled or problem. */
function readFlatRecord(rec: (key: string) => unknown, line: number, out: { entries: RawLabel[]; problems: LabelProblem[]; unlabeled: UnlabeledEntry[] }, what: string): void {
  const id = rec(LABEL_STUDIO_ITEM_ID);
  if (typeof id !== 'string' || id.trim() === '') {
    out.problems.push({ line, message: `${what} has no ${LABEL_STUDIO_ITEM_ID}` });
    return;
  }
  const c = choiceOf(rec(LABEL_STUDIO_CHOICE));
  if ('label' in c) out.entries.push({ line, id, label: c.label });
  else if ('none' in c) {
    const ann = rec('annotation_id');
    out.unlabeled.push({ line, id, reason: ann === undefined || ann === null || ann === '' ? 'not annotated' : 'no choice' });
  } else out.problems.push({ line, message: `annotation of ${id} has ${c.bad}` });
}

/**
 * Parses a Label Studio JSON-MIN export: an array of flat records, the item id under `item_id`,
 * the label under `choice` (see the module comment). Records without a label are reported in
 * `unlabeled`; the "line" of a problem is the 1-based record index. `unreadable` when no record
 * has an `item_id`, or none has a `choice` while some have an unknown key (a label config of
 * another name).
 */
export function parseLabelStudioMin(text: string): ParsedLabelFile {
  const format: LabelFileFormat = 'label-studio-json-min';
  let records: unknown;
  try {
    records = JSON.parse(stripBom(text));
  } catch (e) {
    return { format, entries: [], problems: [{ line: 0, message: `malformed JSON: ${(e as Error).message}` }], unlabeled: [] };
  }
  if (!Array.isArray(records)) return { format, entries: [], problems: [{ line: 0, message: 'expected a JSON array of Label Studio JSON-MIN records' }], unlabeled: [] };
  const objects = records.filter(isObject);
  if (records.length > 0 && !objects.some((r) => LABEL_STUDIO_ITEM_ID in r)) {
    return { format, entries: [], problems: [], unlabeled: [], unreadable: `no record has an "${LABEL_STUDIO_ITEM_ID}" (the pool item id): these are not the tasks \`activekd round\` wrote; ${REEXPORT}` };
  }
  if (!objects.some((r) => LABEL_STUDIO_CHOICE in r)) {
    const unknown = [...new Set(objects.flatMap((r) => Object.keys(r)))].filter((k) => !LABEL_STUDIO_KEYS.has(k));
    if (unknown.length > 0) return { format, entries: [], problems: [], unlabeled: [], unreadable: noChoiceField(unknown, 'key') };
  }
  const out = { entries: [] as RawLabel[], problems: [] as LabelProblem[], unlabeled: [] as UnlabeledEntry[] };
  records.forEach((r: unknown, i: number) => {
    if (!isObject(r)) out.problems.push({ line: i + 1, message: 'expected an object' });
    else readFlatRecord((k) => r[k], i + 1, out, 'record');
  });
  return { format, ...out, unlabeled: onlyUnlabeled(out.unlabeled, out.entries) };
}

/**
 * Parses a Label Studio CSV (or, with `delimiter` `'\t'`, TSV) export: a header row naming the
 * columns (any order, strings possibly quoted), the item id in `item_id`, the label in `choice`
 * (see the module comment). `unreadable` when there is no `item_id` column, or no `choice` column
 * while there is an unknown one (a label config of another name).
 */
export function parseLabelStudioCsv(text: string, delimiter: ',' | '\t' = ','): ParsedLabelFile {
  const format: LabelFileFormat = delimiter === '\t' ? 'label-studio-tsv' : 'label-studio-csv';
  const records = parseDelimited(text, delimiter);
  if (!Array.isArray(records)) return { format, entries: [], problems: [records], unlabeled: [] };
  const head = records[0]?.record ?? [];
  const col = new Map(head.map((c, i) => [c, i] as const));
  if (!col.has(LABEL_STUDIO_ITEM_ID)) {
    return { format, entries: [], problems: [], unlabeled: [], unreadable: `no "${LABEL_STUDIO_ITEM_ID}" column (columns: ${head.join(', ')}): these are not the tasks \`activekd round\` wrote; ${REEXPORT}` };
  }
  if (!col.has(LABEL_STUDIO_CHOICE)) {
    const unknown = head.filter((c) => c !== '' && !LABEL_STUDIO_KEYS.has(c));
    if (unknown.length > 0) return { format, entries: [], problems: [], unlabeled: [], unreadable: noChoiceField(unknown, 'column') };
  }
  const out = { entries: [] as RawLabel[], problems: [] as LabelProblem[], unlabeled: [] as UnlabeledEntry[] };
  for (const { record, info } of records.slice(1)) {
    const at = (k: string): unknown => {
      const j = col.get(k);
      return j === undefined ? undefined : record[j];
    };
    readFlatRecord(at, info.lines, out, 'row');
  }
  return { format, ...out, unlabeled: onlyUnlabeled(out.unlabeled, out.entries) };
}

/** Parses a label file of a known format (see {@link detectLabelFormat}). */
export function parseLabelFile(text: string, format: LabelFileFormat): ParsedLabelFile {
  switch (format) {
    case 'csv':
      return parseLabelCsv(text, ',');
    case 'tsv':
      return parseLabelCsv(text, '\t');
    case 'label-studio-json':
      return parseLabelStudio(text);
    case 'label-studio-json-min':
      return parseLabelStudioMin(text);
    case 'label-studio-csv':
      return parseLabelStudioCsv(text, ',');
    case 'label-studio-tsv':
      return parseLabelStudioCsv(text, '\t');
  }
}

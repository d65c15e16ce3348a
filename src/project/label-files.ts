/**
 * Parsers of label files (pure: text in, entries and problems out): a CSV of `id,label` rows (the
 * round's `batch.csv` with its label column filled) and a Label Studio JSON export.
 */
import { parse } from 'csv-parse/sync';

/** One problem found in a label file: where (1-based line, or task index for JSON) and what. */
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
 * Parses a CSV label file. A first row containing cells `id` and `label` is a header (their
 * columns are used); otherwise rows are `id,label`. Rows with an empty label are skipped (not yet
 * labeled); rows with fewer than 2 cells or an empty id are problems.
 */
export function parseLabelCsv(text: string): { entries: RawLabel[]; problems: LabelProblem[] } {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), { relax_column_count: true, skip_empty_lines: true, info: true, trim: true }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    const line = (e as { lines?: number }).lines ?? 0;
    return { entries: [], problems: [{ line, message: `malformed CSV: ${(e as Error).message}` }] };
  }
  const entries: RawLabel[] = [];
  const problems: LabelProblem[] = [];
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
  }
  return { entries, problems };
}

/**
 * Parses a Label Studio JSON export (array of tasks). The item id is `data.item_id` (as exported by
 * `activekd round`); the label is the first `choices` value of the last annotation that was not
 * cancelled. Tasks without annotations are skipped. The "line" of a problem is the 1-based task index.
 */
export function parseLabelStudio(text: string): { entries: RawLabel[]; problems: LabelProblem[] } {
  let tasks: unknown;
  try {
    tasks = JSON.parse(text);
  } catch (e) {
    return { entries: [], problems: [{ line: 0, message: `malformed JSON: ${(e as Error).message}` }] };
  }
  if (!Array.isArray(tasks)) return { entries: [], problems: [{ line: 0, message: 'expected a JSON array of Label Studio tasks' }] };
  const entries: RawLabel[] = [];
  const problems: LabelProblem[] = [];
  tasks.forEach((t: unknown, i: number) => {
    const line = i + 1;
    const task = t as { data?: { item_id?: unknown }; annotations?: { was_cancelled?: boolean; result?: { type?: string; value?: { choices?: unknown } }[] }[] };
    const id = task?.data?.item_id;
    if (typeof id !== 'string' || id === '') {
      problems.push({ line, message: 'task has no data.item_id string' });
      return;
    }
    const anns = Array.isArray(task.annotations) ? task.annotations.filter((a) => a && !a.was_cancelled) : [];
    const last = anns.at(-1);
    if (!last) return;
    const choice = (last.result ?? []).find((r) => r?.type === 'choices')?.value?.choices;
    if (!Array.isArray(choice) || choice.length !== 1 || typeof choice[0] !== 'string') {
      problems.push({ line, message: `annotation of ${id} has no single "choices" value` });
      return;
    }
    entries.push({ line, id, label: choice[0] });
  });
  return { entries, problems };
}


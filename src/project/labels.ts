/**
 * `activekd import-labels`: reads human labels from a CSV file (`id,label`, header optional, extra
 * columns ignored — the round's `batch.csv` once its `label` column is filled) or from a Label
 * Studio JSON export, validates every entry, and writes all of them in one transaction or none.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { UserError } from '../util/errors.ts';
import { openProject } from './project.ts';

/** One problem found in a label file: where (1-based line, or task index for JSON) and what. */
export interface LabelProblem {
  readonly line: number;
  readonly message: string;
}

/** Thrown when a label file has problems; nothing was written. */
export class LabelImportError extends UserError {
  constructor(
    readonly file: string,
    readonly problems: readonly LabelProblem[],
    readonly where: 'line' | 'task',
  ) {
    const shown = problems.slice(0, 20).map((p) => `  ${where} ${p.line}: ${p.message}`);
    if (problems.length > 20) shown.push(`  … and ${problems.length - 20} more`);
    super(`${file}: ${problems.length} problem(s), no label was imported:\n${shown.join('\n')}`);
    this.name = 'LabelImportError';
  }
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

/** Outcome of {@link importLabels}. */
export interface ImportResult {
  /** Entries read. */
  read: number;
  /** Labels that were new or changed (the rest were already stored: idempotent). */
  changed: number;
}

/**
 * Imports labels into a project: every entry is checked (known pool id, known class name, no
 * conflict with another entry of the file or with a stored label); on any problem nothing is written
 * and a {@link LabelImportError} lists all problems with line numbers. Otherwise all labels are
 * written in one transaction; re-importing the same file changes nothing.
 * @throws LabelImportError, or UserError when the file cannot be read.
 */
export function importLabels(projectDir: string, file: string): ImportResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const isJson = /^\s*[[{]/.test(text);
  const { entries, problems } = isJson ? parseLabelStudio(text) : parseLabelCsv(text);
  const store = openProject(projectDir);
  try {
    const classNames = store.classNames();
    const classOf = new Map(classNames.map((c, i) => [c, i]));
    const pkOf = new Map(store.items('pool').map((it) => [it.id, it]));
    const seen = new Map<number, { c: number; line: number }>();
    const rows: { pk: number; classIdx: number }[] = [];
    for (const e of entries) {
      const item = pkOf.get(e.id);
      const c = classOf.get(e.label);
      if (!item) {
        problems.push({ line: e.line, message: `unknown id "${e.id}"` });
        continue;
      }
      if (item.skipped !== null) {
        problems.push({ line: e.line, message: `${e.id} is an undecodable image (${item.skipped})` });
        continue;
      }
      if (c === undefined) {
        problems.push({ line: e.line, message: `unknown class "${e.label}" (classes: ${classNames.join(', ')})` });
        continue;
      }
      const prev = seen.get(item.pk);
      if (prev && prev.c !== c) {
        problems.push({ line: e.line, message: `conflicting label for ${e.id}: "${e.label}" here, "${classNames[prev.c]}" on ${isJson ? 'task' : 'line'} ${prev.line}` });
        continue;
      }
      const stored = store.label(item.pk);
      if (stored !== undefined && stored !== c) {
        problems.push({ line: e.line, message: `conflicting label for ${e.id}: "${e.label}" here, "${classNames[stored]}" already stored` });
        continue;
      }
      if (!prev) {
        seen.set(item.pk, { c, line: e.line });
        rows.push({ pk: item.pk, classIdx: c });
      }
    }
    if (problems.length > 0) throw new LabelImportError(file, problems.sort((a, b) => a.line - b.line), isJson ? 'task' : 'line');
    const changed = store.setLabels(rows, isJson ? 'import:label-studio' : 'import:csv');
    return { read: entries.length, changed };
  } finally {
    store.close();
  }
}

/**
 * `activekd import-labels`: reads human labels from a CSV file (`id,label`, header optional, extra
 * columns ignored — the round's `batch.csv` once its `label` column is filled) or from a Label
 * Studio JSON export, validates every entry, and writes all of them in one transaction or none.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../util/errors.ts';
import { parseLabelCsv, parseLabelStudio, type LabelProblem } from './label-files.ts';
import { openProject } from './project.ts';

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

/**
 * `activekd import-labels`: reads human labels from a CSV file (`id,label`, header optional, extra
 * columns ignored — the round's `batch.csv` once its `label` column is filled) or from a Label
 * Studio JSON export, validates every entry, and writes all of them in one transaction or none.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../util/errors.ts';
import { NfcMap } from '../util/unicode.ts';
import { parseLabelCsv, parseLabelStudio, type LabelProblem } from './label-files.ts';
import { conflictMessage, labelSource, labelVerdict } from './label-policy.ts';
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
  /** Of those, stored labels replaced under `relabel` (journaled as corrections). */
  corrected: number;
}

/**
 * Imports labels into a project: every entry is checked (known pool id, known class name, no
 * conflict with another entry of the file or, unless `relabel`, with a stored label: the rule of
 * src/project/label-policy.ts); on any problem nothing is written
 * and a {@link LabelImportError} lists all problems with line numbers. Otherwise all labels are
 * written in one transaction; re-importing the same file changes nothing.
 * @throws LabelImportError, or UserError when the file cannot be read.
 */
export function importLabels(projectDir: string, file: string, opts: { relabel?: boolean } = {}): ImportResult {
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
    // Ids and class names match in Unicode NFC (a CSV typed with a composed "é", files named decomposed).
    const classOf = new NfcMap(classNames.map((c, i) => [c, i] as const));
    const pkOf = new NfcMap(store.items('pool').map((it) => [it.id, it] as const));
    const seen = new Map<number, { c: number; line: number }>();
    const rows: { pk: number; classIdx: number }[] = [];
    const corrections: { pk: number; classIdx: number }[] = [];
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
      const verdict = labelVerdict(store.label(item.pk), c, opts.relabel === true);
      if (verdict.kind === 'conflict') {
        problems.push({ line: e.line, message: conflictMessage(e.id, e.label, classNames[verdict.previous] as string, 'pass --relabel') });
        continue;
      }
      if (!prev) {
        seen.set(item.pk, { c, line: e.line });
        if (verdict.kind !== 'same') (verdict.kind === 'correction' ? corrections : rows).push({ pk: item.pk, classIdx: c });
      }
    }
    if (problems.length > 0) throw new LabelImportError(file, problems.sort((a, b) => a.line - b.line), isJson ? 'task' : 'line');
    const path = isJson ? 'import:label-studio' : 'import:csv';
    const changed = store.setLabelBatches([
      { rows, source: path },
      { rows: corrections, source: labelSource(path, { kind: 'correction', previous: -1 }) },
    ]);
    return { read: entries.length, changed, corrected: corrections.length };
  } finally {
    store.close();
  }
}

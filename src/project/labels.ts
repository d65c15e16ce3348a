/**
 * `activekd import-labels`: reads human labels from a CSV or TSV file (`id,label`, header optional,
 * extra columns ignored — the round's `batch.csv` once its `label` column is filled) or from a Label
 * Studio export of the round's tasks (JSON, JSON-MIN, CSV or TSV; detected automatically),
 * validates every entry, and writes all of them in one transaction or none.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../util/errors.ts';
import { NfcMap } from '../util/unicode.ts';
import { detectLabelFormat, LABEL_FORMAT_NAMES, LABEL_FORMAT_UNIT, parseLabelFile, type LabelFileFormat, type LabelProblem, type UnlabeledEntry } from './label-files.ts';
import { conflictMessage, labelSource, labelVerdict } from './label-policy.ts';
import { openProject } from './project.ts';

/** Thrown when a label file has problems; nothing was written. */
export class LabelImportError extends UserError {
  constructor(
    readonly file: string,
    readonly problems: readonly LabelProblem[],
    readonly where: 'line' | 'task' | 'record',
  ) {
    const shown = problems.slice(0, 20).map((p) => `  ${where} ${p.line}: ${p.message}`);
    if (problems.length > 20) shown.push(`  … and ${problems.length - 20} more`);
    super(`${file}: ${problems.length} problem(s), no label was imported:\n${shown.join('\n')}`);
    this.name = 'LabelImportError';
  }
}

/**
 * Thrown when a label file as a whole cannot be imported (e.g. a Label Studio export of other tasks,
 * or a file none of whose ids is a pool item): one message naming the detected format instead of
 * one problem per row; nothing was written.
 */
export class LabelFormatError extends UserError {
  constructor(
    readonly file: string,
    readonly format: LabelFileFormat,
    readonly reason: string,
  ) {
    super(`${file}: read as a ${LABEL_FORMAT_NAMES[format]}, but it cannot be imported: ${reason}. No label was imported.`);
    this.name = 'LabelFormatError';
  }
}

/** Outcome of {@link importLabels}. */
export interface ImportResult {
  /** The detected file format. */
  format: LabelFileFormat;
  /** Entries read. */
  read: number;
  /** Labels that were new or changed (the rest were already stored: idempotent). */
  changed: number;
  /** Of those, stored labels replaced under `relabel` (journaled as corrections). */
  corrected: number;
  /** Tasks (rows) of the file that name an item but carry no label: skipped, not annotated, or submitted without a choice. */
  unlabeled: UnlabeledEntry[];
}

/**
 * One line describing the unlabeled tasks/rows of an import (e.g. `2 tasks had no label: a.png
 * (skipped), b.png (not annotated)`), or undefined when there are none.
 * @param max how many ids to list before "… and N more"
 */
export function unlabeledSummary(r: Pick<ImportResult, 'format' | 'unlabeled'>, max = 10): string | undefined {
  const n = r.unlabeled.length;
  if (n === 0) return undefined;
  const unit = LABEL_FORMAT_UNIT[r.format] === 'line' ? 'row' : 'task';
  const shown = r.unlabeled.slice(0, max).map((u) => `${u.id} (${u.reason})`);
  if (n > max) shown.push(`… and ${n - max} more`);
  return `${n} ${unit}${n === 1 ? '' : 's'} had no label: ${shown.join(', ')}`;
}

/**
 * Imports labels into a project: the format is detected ({@link detectLabelFormat}), every entry is
 * checked (known pool id, known class name, no conflict with another entry of the file or, unless
 * `relabel`, with a stored label: the rule of src/project/label-policy.ts); on any problem nothing is
 * written and a {@link LabelImportError} lists all problems with line numbers. Otherwise all labels
 * are written in one transaction; re-importing the same file changes nothing. Tasks/rows without a
 * label are returned in `unlabeled`, never silently dropped.
 * @throws LabelFormatError when the file as a whole cannot be read (a Label Studio export of other
 *   tasks or label config; no id of the file is a pool item); LabelImportError; UserError when the
 *   file cannot be read.
 */
export function importLabels(projectDir: string, file: string, opts: { relabel?: boolean } = {}): ImportResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const format = detectLabelFormat(text);
  const parsed = parseLabelFile(text, format);
  if (parsed.unreadable !== undefined) throw new LabelFormatError(file, format, parsed.unreadable);
  const { entries, problems } = parsed;
  const where = LABEL_FORMAT_UNIT[format];
  const store = openProject(projectDir);
  try {
    const classNames = store.classNames();
    // Ids and class names match in Unicode NFC (a CSV typed with a composed "é", files named decomposed).
    const classOf = new NfcMap(classNames.map((c, i) => [c, i] as const));
    const pkOf = new NfcMap(store.items('pool').map((it) => [it.id, it] as const));
    const unknownIds = entries.filter((e) => !pkOf.has(e.id));
    if (entries.length > 1 && unknownIds.length === entries.length) {
      const first = unknownIds.slice(0, 3).map((e) => `"${e.id}"`);
      throw new LabelFormatError(file, format, `none of its ${entries.length} ids is an image of the project's pool (e.g. ${first.join(', ')}): is it a file of another project, or are its columns swapped?`);
    }
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
        problems.push({ line: e.line, message: `conflicting label for ${e.id}: "${e.label}" here, "${classNames[prev.c]}" on ${where} ${prev.line}` });
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
    if (problems.length > 0) throw new LabelImportError(file, problems.sort((a, b) => a.line - b.line), where);
    const path = format === 'csv' || format === 'tsv' ? 'import:csv' : 'import:label-studio';
    const changed = store.setLabelBatches([
      { rows, source: path },
      { rows: corrections, source: labelSource(path, { kind: 'correction', previous: -1 }) },
    ]);
    return { format, read: entries.length, changed, corrected: corrections.length, unlabeled: parsed.unlabeled };
  } finally {
    store.close();
  }
}

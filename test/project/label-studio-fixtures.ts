/**
 * Label Studio exports of the tasks `activekd round` writes, built the way Label Studio's converter
 * builds them (label_studio_sdk.converter: `convert_to_json_min`, `csv2.convert`; the older
 * label-studio-converter wrote CSV/TSV with pandas), written independently of src/project so that
 * the importer is tested against the documented shapes:
 *
 * - JSON: tasks as stored (`id`, `data`, `annotations[{id, result, was_cancelled, created_at, …}]`).
 * - JSON-MIN: one record per non-cancelled annotation (newest first): the task's data fields at the
 *   top level, `id` (the task id), the Choices control's name (`choice`) → the choice as a string
 *   (an object `{choices: [...]}` when several), absent for an empty result; `annotator`,
 *   `annotation_id`, `created_at`, `updated_at`, `lead_time`. A task without annotations gives one
 *   record without a label (annotation fields null); a task whose annotations were all cancelled
 *   (skipped) gives none.
 * - CSV/TSV: the same records as rows. `modern`: columns sorted by name, strings quoted, numbers
 *   bare, null empty, CRLF (Python's csv.DictWriter with QUOTE_NONNUMERIC); `legacy`: columns in
 *   order of first appearance, nothing quoted unless needed (pandas `to_csv`).
 */

/** What an annotator did on one task. */
export type LsAction = { choice: string | string[] } | { skip: true } | { empty: true };

/** A Label Studio annotation as stored. */
interface LsAnnotation {
  id: number;
  completed_by: number;
  result: { id: string; from_name: string; to_name: string; type: string; origin: string; value: { choices: string[] } }[];
  was_cancelled: boolean;
  ground_truth: boolean;
  created_at: string;
  updated_at: string;
  lead_time: number;
}

/** A Label Studio task as exported in JSON. */
export interface LsTask {
  id: number;
  data: Record<string, unknown>;
  annotations: LsAnnotation[];
  predictions: unknown[];
}

let nextAnnotation = 100;

/**
 * The JSON export: `tasks` are the objects of the round's tasks.json (their `data` is kept), each
 * given the annotations of `actions(item_id)` in order (none: not annotated).
 */
export function lsJson(tasks: readonly { data: Record<string, unknown> }[], actions: (itemId: string) => LsAction[], choiceName = 'choice'): LsTask[] {
  return tasks.map((t, i) => ({
    id: 1000 + i,
    data: t.data,
    predictions: [],
    annotations: actions(t.data.item_id as string).map((a, k) => {
      const at = new Date(Date.UTC(2024, 0, 1, 12, i, k)).toISOString();
      const choices = 'choice' in a ? (Array.isArray(a.choice) ? a.choice : [a.choice]) : [];
      return {
        id: nextAnnotation++,
        completed_by: 1,
        result: choices.length > 0 ? [{ id: `r${i}_${k}`, from_name: choiceName, to_name: 'image', type: 'choices', origin: 'manual', value: { choices } }] : [],
        was_cancelled: 'skip' in a,
        ground_truth: false,
        created_at: at,
        updated_at: at,
        lead_time: 2.5 + k,
      };
    }),
  }));
}

/** The flat records of JSON-MIN (and the rows of CSV/TSV before formatting). */
export function lsJsonMin(tasks: readonly LsTask[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const t of tasks) {
    if (t.annotations.length === 0) {
      out.push({ ...t.data, id: t.id, annotator: null, annotation_id: null, created_at: null, updated_at: null, lead_time: null });
      continue;
    }
    const kept = t.annotations.filter((a) => !a.was_cancelled).sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
    for (const a of kept) {
      const rec: Record<string, unknown> = { ...t.data, id: t.id };
      for (const r of a.result) rec[r.from_name] = r.value.choices.length === 1 ? r.value.choices[0] : { choices: r.value.choices };
      Object.assign(rec, { annotator: a.completed_by, annotation_id: a.id, created_at: a.created_at, updated_at: a.updated_at, lead_time: a.lead_time });
      out.push(rec);
    }
  }
  return out;
}

/** The CSV (`sep` ',') or TSV (`sep` '\t') export of the JSON-MIN records. */
export function lsDelimited(tasks: readonly LsTask[], sep: ',' | '\t', style: 'modern' | 'legacy'): string {
  const recs = lsJsonMin(tasks).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v !== null && typeof v === 'object' ? JSON.stringify(v) : v])));
  // csv2.convert always has these columns; pandas only those of the records.
  const keys: string[] = style === 'modern' ? ['annotator', 'annotation_id', 'created_at', 'updated_at', 'lead_time'] : [];
  for (const r of recs) for (const k of Object.keys(r)) if (!keys.includes(k)) keys.push(k);
  if (style === 'modern') keys.sort();
  const cell = (v: unknown): string => {
    if (v === undefined || v === null) return style === 'modern' ? '""' : '';
    if (typeof v === 'number') return String(v);
    const s = String(v);
    if (style === 'modern') return `"${s.replace(/"/g, '""')}"`;
    return s.includes(sep) || s.includes('"') || s.includes('\n') ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const eol = style === 'modern' ? '\r\n' : '\n';
  const head = keys.map((k) => (style === 'modern' ? `"${k}"` : k)).join(sep);
  return [head, ...recs.map((r) => keys.map((k) => cell(r[k])).join(sep))].join(eol) + eol;
}

/**
 * The precomputed teacher: class probabilities (or logits) for every item, read from a file that
 * some other program wrote (e.g. CLIP run in Python, an API, a bigger model), keyed by item id
 * (docs/ARCHITECTURE.md `teachers/`). Formats, chosen by extension:
 *
 * - `.npy` — an N×C float32/float64 array (C or Fortran order) plus an id file, one id per line,
 *   line i ↔ row i (default: `<name>.ids.txt` next to `<name>.npy`, else `<name>.npy.ids`);
 * - `.csv` — a header `id,p0,p1,…` (positional columns `p<k>` or `<k>`) or `id,<class names…>`
 *   (columns matched to the dataset's classes by name, any order), then one row per item;
 * - `.jsonl` / `.ndjson` — one object per line: `{"id": "...", "probs": [...]}` or
 *   `{"id": "...", "logits": [...]}`.
 *
 * Validation (errors name the file and line): row width ≠ C, NaN / ±Infinity, duplicate ids,
 * probability rows with a negative value or a sum off 1 by more than the tolerance (1e-3); ids
 * requested but absent, and (through {@link PrecomputedTeacher.checkIds}) ids in the file that are
 * not items of the dataset. Probability rows are renormalised to sum exactly to 1; logits go
 * through a softmax. Ids and class-name columns are compared in Unicode NFC (src/util/unicode.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, extname, relative, resolve, sep } from 'node:path';
import { matrix, type Matrix } from '../linalg/matrix.ts';
import { softmaxRow } from '../linalg/softmax.ts';
import { UserError } from '../util/errors.ts';
import { parseNpy } from '../util/npy.ts';
import { NfcMap, nfc, normalisationNote } from '../util/unicode.ts';
import type { Teacher } from './teacher.ts';

/** What the file's numbers are: probabilities (rows sum to 1) or logits (softmax applied). */
export type ScoreKind = 'probs' | 'logits';

/** File formats of the precomputed teacher. */
export type PrecomputedFormat = 'npy' | 'csv' | 'jsonl';

/** Arguments of {@link PrecomputedTeacher.load} and {@link readPrecomputed}. */
export interface PrecomputedArgs {
  /** The `.npy`, `.csv` or `.jsonl` file. */
  file: string;
  /** Target class names in label order; C = length, the required row width. */
  classNames: readonly string[];
  /**
   * Probabilities or logits. Default: `probs` for `.npy` / `.csv`; for `.jsonl` the field name of
   * the lines decides (an explicit value must then agree with it).
   */
  kind?: ScoreKind;
  /** Id file of a `.npy` file (one id per line). Default: `<name>.ids.txt`, else `<name>.npy.ids`. */
  idsFile?: string;
  /**
   * Dataset root: {@link PrecomputedTeacher.probs} looks image paths up by their path relative to
   * it, with `/` separators (the ImageFolder item ids). Without it, paths are looked up as given.
   */
  root?: string;
  /**
   * Item id of each image path (e.g. built from a dataset's splits: path → id); takes precedence
   * over {@link root} in {@link PrecomputedTeacher.probs}.
   */
  idOfPath?: ReadonlyMap<string, string>;
  /** Largest accepted |Σ_c p_c − 1| of a probability row. Default 1e-3. */
  tolerance?: number;
}

/** Scores read and validated from a file. */
export interface PrecomputedScores {
  /** Item ids, in file order. */
  readonly ids: string[];
  /** N×C row-major probabilities (rows sum to 1), rows parallel to `ids`. */
  readonly probs: Matrix;
  readonly kind: ScoreKind;
  readonly format: PrecomputedFormat;
  /** For `.npy`: the id file used. */
  readonly idsFile?: string;
}

/** Where a row came from, for error messages. */
type Where = string;

/** Checks one row of scores and writes its probabilities into `out` at `offset`. */
function acceptRow(values: ArrayLike<number>, c: number, kind: ScoreKind, tol: number, where: Where, out: Float32Array, offset: number): void {
  if (values.length !== c) throw new UserError(`${where}: expected ${c} values (one per class), got ${values.length}`);
  for (let j = 0; j < c; j++) {
    const v = values[j] as number;
    if (!Number.isFinite(v)) throw new UserError(`${where}: value ${j + 1} is ${Number.isNaN(v) ? 'NaN' : String(v)}`);
  }
  if (kind === 'probs') {
    let s = 0;
    for (let j = 0; j < c; j++) {
      const v = values[j] as number;
      if (v < 0) throw new UserError(`${where}: probability ${j + 1} is negative (${v})`);
      s += v;
    }
    if (Math.abs(s - 1) > tol) throw new UserError(`${where}: probabilities sum to ${s}, not 1 (tolerance ${tol}); use kind "logits" if these are logits`);
    for (let j = 0; j < c; j++) out[offset + j] = (values[j] as number) / s;
    return;
  }
  softmaxRow(values, 0, c, out, offset);
}

/** Ids seen so far (keyed by their NFC form): where each was and how it was written. */
type SeenIds = Map<string, { where: Where; id: string }>;

/** Adds an id, failing on a duplicate (two ids that differ only by Unicode normalisation are duplicates). */
function addId(seen: SeenIds, id: string, where: Where): void {
  if (id === '') throw new UserError(`${where}: empty id`);
  const prev = seen.get(nfc(id));
  if (prev !== undefined) throw new UserError(`${where}: duplicate id "${id}" (first at ${prev.where})${normalisationNote(id, prev.id)}`);
  seen.set(nfc(id), { where, id });
}

/** Splits text into lines (CRLF or LF), dropping a BOM; returns [1-based line number, text] of non-blank lines. */
function lines(text: string): [number, string][] {
  const out: [number, string][] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((l, i) => {
      if (l.trim() !== '') out.push([i + 1, l]);
    });
  return out;
}

/**
 * Splits one CSV record (RFC 4180 quoting: `"a,b"`, `""` for a quote; no newlines inside fields).
 * @throws UserError on an unterminated quote.
 */
export function splitCsvLine(line: string, where: Where): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        if (i >= line.length) throw new UserError(`${where}: unterminated quoted field`);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            v += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += line[i];
        i++;
      }
      out.push(v);
      while (i < line.length && line[i] !== ',') i++;
    } else {
      const j = line.indexOf(',', i);
      out.push((j < 0 ? line.slice(i) : line.slice(i, j)).trim());
      i = j < 0 ? line.length : j;
    }
    if (i >= line.length) return out;
    i++; // the comma
  }
}

/**
 * Parses the CSV format (see the module comment).
 * @throws UserError (file:line) on a bad header, unknown or missing class columns, or a bad row.
 */
export function parseScoresCsv(text: string, classNames: readonly string[], kind: ScoreKind, source: string, tol = 1e-3): PrecomputedScores {
  const c = classNames.length;
  const ls = lines(text);
  const first = ls[0];
  if (!first) throw new UserError(`${source} is empty: expected a header "id,p0,…" or "id,<class names>" and one row per item`);
  const header = splitCsvLine(first[1], `${source}:${first[0]}`);
  const cols = header.slice(1);
  if (header.length < 2) throw new UserError(`${source}:${first[0]}: header must be "id,p0,…,p${c - 1}" or "id,<class names>"`);
  // Column k of a data row → class index.
  let colClass: number[];
  const positional = cols.every((h) => /^p?\d+$/i.test(h));
  if (positional) {
    colClass = cols.map((h) => Number(h.replace(/^p/i, '')));
    const ok = cols.length === c && colClass.every((v, k) => v === k);
    if (!ok) throw new UserError(`${source}:${first[0]}: positional header must be p0,…,p${c - 1} (${c} classes), got ${cols.length} column(s): ${cols.slice(0, 5).join(',')}${cols.length > 5 ? ',…' : ''}`);
  } else {
    const byName = new NfcMap(classNames.map((n, j) => [n, j] as const));
    const colKeys = cols.map(nfc);
    const unknown = cols.filter((h) => !byName.has(h));
    const missing = classNames.filter((n) => !colKeys.includes(nfc(n)));
    const dup = cols.filter((h, k) => colKeys.indexOf(nfc(h)) !== k);
    if (unknown.length > 0 || missing.length > 0 || dup.length > 0) {
      const parts = [
        unknown.length > 0 ? `unknown class column(s) ${unknown.map((s) => `"${s}"`).join(', ')}` : '',
        missing.length > 0 ? `missing class column(s) ${missing.map((s) => `"${s}"`).join(', ')}` : '',
        dup.length > 0 ? `repeated column(s) ${dup.map((s) => `"${s}"`).join(', ')}` : '',
      ].filter((s) => s !== '');
      throw new UserError(`${source}:${first[0]}: header columns must be the ${c} class names of the dataset (or p0…p${c - 1}): ${parts.join('; ')}`);
    }
    colClass = cols.map((h) => byName.get(h) as number);
  }
  const rows = ls.slice(1);
  const ids: string[] = [];
  const seen: SeenIds = new Map();
  const out = new Float32Array(rows.length * c);
  const vals = new Float64Array(c);
  rows.forEach(([ln, l], r) => {
    const where = `${source}:${ln}`;
    const f = splitCsvLine(l, where);
    if (f.length !== c + 1) throw new UserError(`${where}: expected ${c + 1} fields (id and ${c} values), got ${f.length}`);
    const id = f[0] as string;
    addId(seen, id, where);
    ids.push(id);
    for (let k = 0; k < c; k++) {
      const s = f[k + 1] as string;
      const v = s === '' ? Number.NaN : Number(s);
      if (Number.isNaN(v) && !/^nan$/i.test(s)) throw new UserError(`${where}: value ${k + 1} "${s}" is not a number`);
      vals[colClass[k] as number] = v;
    }
    acceptRow(vals, c, kind, tol, where, out, r * c);
  });
  if (ids.length === 0) throw new UserError(`${source} has a header but no rows`);
  return { ids, probs: matrix(ids.length, c, out), kind, format: 'csv' };
}

/**
 * Parses the JSONL format (see the module comment).
 * @param kind expected kind; undefined → taken from the first line's field.
 * @throws UserError (file:line) on invalid JSON, a missing id, a line with neither or both of
 *   `probs` / `logits`, mixed kinds, a kind different from `kind`, or a bad row.
 */
export function parseScoresJsonl(text: string, classNames: readonly string[], kind: ScoreKind | undefined, source: string, tol = 1e-3): PrecomputedScores {
  const c = classNames.length;
  const ls = lines(text);
  if (ls.length === 0) throw new UserError(`${source} is empty: expected one {"id": ..., "probs"|"logits": [...]} object per line`);
  const ids: string[] = [];
  const seen: SeenIds = new Map();
  const out = new Float32Array(ls.length * c);
  let k: ScoreKind | undefined = kind;
  ls.forEach(([ln, l], r) => {
    const where = `${source}:${ln}`;
    let obj: unknown;
    try {
      obj = JSON.parse(l);
    } catch (e) {
      throw new UserError(`${where}: invalid JSON: ${(e as Error).message}`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new UserError(`${where}: expected an object {"id": ..., "probs"|"logits": [...]}`);
    const o = obj as Record<string, unknown>;
    const rawId = o.id;
    if (typeof rawId !== 'string' && typeof rawId !== 'number') throw new UserError(`${where}: missing "id" (a string)`);
    const hasP = Object.hasOwn(o, 'probs');
    const hasL = Object.hasOwn(o, 'logits');
    if (hasP === hasL) throw new UserError(`${where}: needs exactly one of "probs" or "logits"`);
    const lineKind: ScoreKind = hasP ? 'probs' : 'logits';
    if (k === undefined) k = lineKind;
    else if (k !== lineKind) throw new UserError(`${where}: has "${lineKind}" but ${kind === undefined ? 'earlier lines have' : 'the teacher kind is'} "${k}"`);
    const arr = o[lineKind];
    if (!Array.isArray(arr)) throw new UserError(`${where}: "${lineKind}" must be an array of ${c} numbers`);
    arr.forEach((v, j) => {
      if (v === null) throw new UserError(`${where}: value ${j + 1} of "${lineKind}" is null (NaN written as JSON?)`);
      if (typeof v !== 'number') throw new UserError(`${where}: value ${j + 1} of "${lineKind}" is not a number`);
    });
    const vals = arr as number[];
    const id = String(rawId);
    addId(seen, id, where);
    ids.push(id);
    acceptRow(vals, c, lineKind, tol, where, out, r * c);
  });
  return { ids, probs: matrix(ids.length, c, out), kind: k as ScoreKind, format: 'jsonl' };
}

/**
 * Builds scores from a decoded `.npy` array and its id lines.
 * @throws UserError when the array is not 2-D N×C, the id file has a different number of ids, an
 *   id repeats, or a row is invalid (errors name the row and its id).
 */
export function scoresFromArray(shape: readonly number[], data: ArrayLike<number>, idLines: readonly string[], classNames: readonly string[], kind: ScoreKind, source: string, idsSource: string, tol = 1e-3): PrecomputedScores {
  const c = classNames.length;
  if (shape.length !== 2) throw new UserError(`${source}: expected a 2-D array (items × ${c} classes), got shape (${shape.join(', ')})`);
  const [n, w] = shape as [number, number];
  if (w !== c) throw new UserError(`${source}: has ${w} columns, the dataset has ${c} classes`);
  if (idLines.length !== n) throw new UserError(`${idsSource} has ${idLines.length} id(s), ${source} has ${n} row(s): line i of the id file must name row i`);
  const seen: SeenIds = new Map();
  const out = new Float32Array(n * c);
  const row = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    const id = idLines[i] as string;
    addId(seen, id, `${idsSource}:${i + 1}`);
    for (let j = 0; j < c; j++) row[j] = data[i * c + j] as number;
    acceptRow(row, c, kind, tol, `${source}: row ${i} (id "${id}")`, out, i * c);
  }
  return { ids: idLines.slice(), probs: matrix(n, c, out), kind, format: 'npy' };
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `${what} not found: ${path}` : `cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

/** The format of a file, from its extension. @throws UserError for other extensions. */
export function precomputedFormat(file: string): PrecomputedFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.npy') return 'npy';
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  throw new UserError(`precomputed teacher file ${file}: unknown extension "${ext}"; use .npy (+ an id file), .csv or .jsonl`);
}

/**
 * Reads and validates a precomputed-teacher file (see the module comment).
 * @returns ids in file order and N×C row-major probabilities.
 * @throws UserError naming the file (and line) on any problem listed in the module comment, or
 *   when a `.npy` file's id file is missing (both default names are listed).
 */
export async function readPrecomputed(args: PrecomputedArgs): Promise<PrecomputedScores> {
  const file = resolve(args.file);
  const tol = args.tolerance ?? 1e-3;
  if (args.classNames.length === 0) throw new UserError('precomputed teacher: no target classes');
  if (args.kind !== undefined && args.kind !== 'probs' && args.kind !== 'logits') throw new UserError(`precomputed teacher: kind must be "probs" or "logits", got "${String(args.kind)}"`);
  const format = precomputedFormat(file);
  if (format === 'csv') return parseScoresCsv(await readText(file, 'precomputed teacher file'), args.classNames, args.kind ?? 'probs', file, tol);
  if (format === 'jsonl') return parseScoresJsonl(await readText(file, 'precomputed teacher file'), args.classNames, args.kind, file, tol);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `precomputed teacher file not found: ${file}` : `cannot read ${file}: ${(e as Error).message}`);
  }
  const arr = parseNpy(bytes, file);
  let idsFile: string;
  if (args.idsFile) idsFile = resolve(args.idsFile);
  else {
    const candidates = [file.replace(/\.npy$/i, '.ids.txt'), `${file}.ids`];
    const found = candidates.find((p) => existsSync(p));
    if (!found) throw new UserError(`precomputed teacher ${file}: id file not found (looked for ${candidates.join(' and ')}); write one id per line, line i naming row i, or pass its path`);
    idsFile = found;
  }
  const idText = await readText(idsFile, 'id file');
  const idLines = idText.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (idLines.length > 0 && idLines[idLines.length - 1] === '') idLines.pop();
  const scores = scoresFromArray(arr.shape, arr.data, idLines, args.classNames, args.kind ?? 'probs', file, idsFile, tol);
  return { ...scores, idsFile };
}

/**
 * Teacher whose probabilities were computed elsewhere (see the module comment). Create it with
 * {@link PrecomputedTeacher.load}.
 */
export class PrecomputedTeacher implements Teacher {
  /** e.g. `precomputed:clip_rn50_dtd.npy@1a2b3c4d;kind=logits`. */
  readonly id: string;
  /** Item ids of the file, in file order. */
  readonly ids: readonly string[];
  /** Row of each id, by its NFC form. */
  private readonly rowOf: NfcMap<number>;

  private constructor(
    readonly file: string,
    readonly classNames: readonly string[],
    private readonly scores: PrecomputedScores,
    private readonly sha256: string,
    readonly root: string | undefined,
    private readonly idOfPath: ReadonlyMap<string, string> | undefined,
  ) {
    this.ids = scores.ids;
    this.rowOf = new NfcMap(scores.ids.map((id, i) => [id, i] as const));
    this.id = `precomputed:${basename(file)}@${sha256.slice(0, 8)};kind=${scores.kind}`;
  }

  /**
   * Reads and validates the file (see {@link readPrecomputed}) and hashes it.
   * @throws UserError on any problem with the file.
   */
  static async load(args: PrecomputedArgs): Promise<PrecomputedTeacher> {
    const scores = await readPrecomputed(args);
    const file = resolve(args.file);
    const sha = createHash('sha256').update(await readFile(file)).digest('hex');
    return new PrecomputedTeacher(file, args.classNames, scores, sha, args.root === undefined ? undefined : resolve(args.root), args.idOfPath);
  }

  /** Configuration, for logs and run records. */
  describe(): Record<string, unknown> {
    return {
      kind: 'precomputed',
      file: this.file,
      fileSha256: this.sha256,
      format: this.scores.format,
      scores: this.scores.kind,
      ...(this.scores.idsFile ? { idsFile: this.scores.idsFile } : {}),
      items: this.ids.length,
      classes: this.classNames.length,
      classNames: this.classNames,
    };
  }

  /**
   * Checks that the file covers exactly the dataset's items.
   * @param allIds every item id of the dataset (all splits the teacher will be asked about).
   * @param allowExtra accept ids in the file that are not in `allIds` (default false).
   * @throws UserError listing (up to 10 of) the missing ids, or the extra ids.
   */
  checkIds(allIds: readonly string[], allowExtra = false): void {
    const missing = allIds.filter((id) => !this.rowOf.has(id));
    if (missing.length > 0) throw new UserError(`precomputed teacher ${this.file} has no row for ${missing.length} item(s): ${listIds(missing)}`);
    if (!allowExtra) {
      const want = new Set(allIds.map(nfc));
      const extra = this.ids.filter((id) => !want.has(nfc(id)));
      if (extra.length > 0) throw new UserError(`precomputed teacher ${this.file} has ${extra.length} id(s) that are not items of the dataset: ${listIds(extra)}`);
    }
  }

  /**
   * Probabilities of the given item ids.
   * @returns N×C row-major probabilities (rows sum to 1), in the order of `ids`.
   * @throws UserError listing (up to 10 of) the ids the file has no row for.
   */
  probsForIds(ids: readonly string[]): Matrix {
    const c = this.classNames.length;
    const out = new Float32Array(ids.length * c);
    const missing: string[] = [];
    ids.forEach((id, i) => {
      const r = this.rowOf.get(id);
      if (r === undefined) missing.push(id);
      else out.set(this.scores.probs.data.subarray(r * c, (r + 1) * c), i * c);
    });
    if (missing.length > 0) throw new UserError(`precomputed teacher ${this.file} has no row for ${missing.length} item(s): ${listIds(missing)}`);
    return matrix(ids.length, c, out);
  }

  /**
   * The item id of an image path: from the `idOfPath` map when given and it has the path, else
   * its path relative to `root` with `/` separators, else the path itself.
   */
  idOf(path: string): string {
    const mapped = this.idOfPath?.get(path);
    if (mapped !== undefined) return mapped;
    if (this.root === undefined) return path;
    return nfc(relative(this.root, resolve(path)).split(sep).join('/'));
  }

  /**
   * Probabilities of image files, looked up by {@link idOf}.
   * @returns N×C row-major probabilities, rows summing to 1.
   * @throws UserError when an item has no row in the file.
   */
  async probs(paths: readonly string[]): Promise<Matrix> {
    return this.probsForIds(paths.map((p) => this.idOf(p)));
  }
}

function listIds(ids: readonly string[]): string {
  return ids
    .slice(0, 10)
    .map((s) => `"${s}"`)
    .join(', ')
    .concat(ids.length > 10 ? `, … (${ids.length - 10} more)` : '');
}

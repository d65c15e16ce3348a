/**
 * Loading selection inputs from files for the selection-only mode (`activekd select`): 2-D numeric
 * matrices from NumPy `.npy` (float16 / float32 / float64, either byte order; C or Fortran order — see
 * src/util/npy.ts) or CSV (comma-separated numbers, one row per line, optional header line), item ids,
 * integer labels (text or a 1-D integer or integral-float `.npy`), and the validation of probability
 * matrices. Every error is a UserError naming the
 * file and, for bad values, the (0-based) data row.
 *
 * These readers live in the data layer (they read files), not beside the strategies, so that
 * src/strategies/ stays pure (rule `strategies-pure` of .dependency-cruiser.cjs); being below the
 * cli they stay usable from the public API (src/index.ts) as well as from `activekd select`.
 */
import { readFileSync } from 'node:fs';
import type { Matrix } from '../linalg/matrix.ts';
import { parseNpy } from '../util/npy.ts';
import { UserError } from '../util/errors.ts';

function readBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Whether a CSV field is a number literal (what `Number` accepts, excluding the empty string). */
function isNumeric(field: string): boolean {
  const t = field.trim();
  return t !== '' && !Number.isNaN(Number(t)) ? true : /^[+-]?(nan|inf|infinity)$/i.test(t);
}

function csvNumber(t: string): number {
  const s = t.trim();
  if (/^[+-]?nan$/i.test(s)) return NaN;
  if (/^\+?inf(inity)?$/i.test(s)) return Infinity;
  if (/^-inf(inity)?$/i.test(s)) return -Infinity;
  return Number(s);
}

/**
 * Parses CSV text into a float32 matrix: comma-separated fields, blank lines ignored, the first line is
 * a header (skipped) when any of its fields is not a number. `nan` / `inf` are read as such (and then
 * rejected by {@link assertFiniteMatrix}).
 * @throws UserError on a non-numeric field or a row whose field count differs from the first row's.
 */
export function parseCsvMatrix(text: string, source: string): Matrix {
  const lines = text.split(/\r?\n/);
  const rows: number[][] = [];
  let cols = -1;
  let first = true;
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln] as string;
    if (line.trim() === '') continue;
    const fields = line.split(',');
    if (first) {
      first = false;
      if (fields.some((f) => !isNumeric(f))) continue; // header
    }
    if (cols < 0) cols = fields.length;
    if (fields.length !== cols) throw new UserError(`${source} line ${ln + 1}: ${fields.length} fields, expected ${cols} like the first data row`);
    const row = fields.map((f, j) => {
      if (!isNumeric(f)) throw new UserError(`${source} line ${ln + 1} (data row ${rows.length}), column ${j}: "${f.trim()}" is not a number`);
      return csvNumber(f);
    });
    rows.push(row);
  }
  const c = Math.max(0, cols);
  const data = new Float32Array(rows.length * c);
  rows.forEach((r, i) => data.set(r, i * c));
  return { rows: rows.length, cols: c, data };
}

/**
 * Throws when any value is NaN or ±∞, naming the file and the first bad row.
 * (Checked on the float64 source values where available, so an overflow to ∞ in float32 is caught too.)
 */
export function assertFiniteMatrix(m: Matrix, source: string): void {
  const { data, cols } = m;
  for (let k = 0; k < data.length; k++) {
    const v = data[k] as number;
    if (!Number.isFinite(v)) throw new UserError(`${source}: row ${Math.floor(k / Math.max(1, cols))}, column ${k % Math.max(1, cols)} is ${v} (values must be finite)`);
  }
}

/**
 * Reads an N×K matrix from `.npy` (float16/float32/float64, exactly 2-D) or CSV (any other
 * extension). Values are converted to float32 and must be finite.
 * @throws UserError on an unreadable file, a wrong dtype or rank, malformed CSV, or NaN/∞ values
 *   (naming the file and row).
 */
export function loadMatrix(path: string): Matrix {
  const bytes = readBytes(path);
  let m: Matrix;
  if (path.toLowerCase().endsWith('.npy')) {
    const a = parseNpy(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
    if (a.dtype !== 'float16' && a.dtype !== 'float32' && a.dtype !== 'float64') throw new UserError(`${path}: dtype ${a.dtype}; expected float16, float32 or float64`);
    if (a.shape.length !== 2) throw new UserError(`${path}: shape (${a.shape.join(', ')}); expected a 2-D array (rows × columns)`);
    const [rows, cols] = a.shape as [number, number];
    if (a.dtype === 'float64') {
      assertFiniteMatrix({ rows, cols, data: a.data as unknown as Float32Array }, path);
      m = { rows, cols, data: Float32Array.from(a.data as Float64Array) };
    } else m = { rows, cols, data: a.data as Float32Array };
  } else {
    m = parseCsvMatrix(bytes.toString('utf8'), path);
  }
  assertFiniteMatrix(m, path);
  return m;
}

/**
 * Checks that every row is a probability vector: no negative entry, sum within `tol` (1e-3) of 1.
 * @throws UserError naming the file and the first bad row.
 */
export function assertProbabilities(m: Matrix, source: string, tol = 1e-3): void {
  const { rows, cols, data } = m;
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const v = data[i * cols + j] as number;
      if (v < 0) throw new UserError(`${source}: row ${i}, column ${j} is negative (${v}); probabilities must be ≥ 0`);
      s += v;
    }
    if (Math.abs(s - 1) > tol) throw new UserError(`${source}: row ${i} sums to ${s.toPrecision(6)}, not 1 (tolerance ${tol}); pass logits with --pool-ce/--pool-kd instead of probabilities?`);
  }
}

/**
 * Reads item ids: one per line (a `.json` file may instead hold an array of strings or numbers).
 * Blank lines are ignored; ids must be unique.
 * @throws UserError on an unreadable file, bad JSON, or a duplicate id.
 */
export function loadIds(path: string): string[] {
  const text = readBytes(path).toString('utf8');
  let ids: string[];
  if (path.toLowerCase().endsWith('.json')) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw new UserError(`${path}: invalid JSON (${(e as Error).message})`);
    }
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' && typeof x !== 'number')) throw new UserError(`${path}: expected a JSON array of ids (strings or numbers)`);
    ids = v.map(String);
  } else {
    ids = text
      .split(/\r?\n/)
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }
  const seen = new Map<string, number>();
  ids.forEach((id, i) => {
    const j = seen.get(id);
    if (j !== undefined) throw new UserError(`${path}: id "${id}" appears twice (rows ${j} and ${i})`);
    seen.set(id, i);
  });
  return ids;
}

/**
 * Reads integer class labels in 0..numClasses−1: one per line / a one-column CSV, or a `.npy` array
 * of N labels (shape `(N,)` or `(N, 1)`; int32, int64, uint8, or float16/32/64 holding integral
 * values, as `np.save(labels)` writes them).
 * @throws UserError on a non-integer or out-of-range label, naming the file and row; on a `.npy`
 *   of another shape.
 */
export function loadLabels(path: string, numClasses: number): Int32Array {
  let values: ArrayLike<number>;
  if (path.toLowerCase().endsWith('.npy')) {
    const bytes = readBytes(path);
    const a = parseNpy(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
    const oneColumn = a.shape.length === 1 || (a.shape.length === 2 && a.shape[1] === 1);
    if (!oneColumn) throw new UserError(`${path}: shape (${a.shape.join(', ')}); expected a 1-D array of labels (N,) or one column (N, 1)`);
    values = a.data;
  } else {
    const m = loadMatrix(path);
    if (m.cols !== 1 && m.rows > 0) throw new UserError(`${path}: ${m.cols} columns; expected one label per row`);
    values = m.data;
  }
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) throw new UserError(`${path}: row ${i} has label ${v}; expected an integer in 0..${numClasses - 1}`);
    out[i] = v;
  }
  return out;
}

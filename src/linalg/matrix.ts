/**
 * Dense row-major float32 matrices: the one matrix type passed between modules.
 * `data.length === rows * cols`; element (i, j) is `data[i * cols + j]`.
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

/** Wraps `data` as a rows×cols matrix. @throws RangeError when the length does not match. */
export function matrix(rows: number, cols: number, data?: Float32Array): Matrix {
  const d = data ?? new Float32Array(rows * cols);
  if (d.length !== rows * cols) throw new RangeError(`matrix: data length ${d.length} != ${rows}×${cols}`);
  return { rows, cols, data: d };
}

/**
 * Copies the given rows (in the given order) into a new matrix. Runs of consecutive row indices
 * are copied as one block, so taking a pool (all rows but a few labeled ones) costs one memcpy.
 * @throws RangeError when a row index is out of range.
 */
export function takeRows(m: Matrix, rows: ArrayLike<number>): Matrix {
  const c = m.cols;
  const out = new Float32Array(rows.length * c);
  let k = 0;
  while (k < rows.length) {
    const start = rows[k] as number;
    if (!(start >= 0 && start < m.rows)) throw new RangeError(`takeRows: row ${start} out of range 0..${m.rows - 1}`);
    let len = 1;
    while (k + len < rows.length && rows[k + len] === start + len && start + len < m.rows) len++;
    out.set(m.data.subarray(start * c, (start + len) * c), k * c);
    k += len;
  }
  return { rows: rows.length, cols: c, data: out };
}

/** Row `i` as a subarray view (no copy). */
export function row(m: Matrix, i: number): Float32Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** Index of the largest entry of each row (ties → lowest index). */
export function argmaxRows(m: Matrix): Int32Array {
  const out = new Int32Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let best = 0;
    let bv = -Infinity;
    const o = i * m.cols;
    for (let j = 0; j < m.cols; j++) {
      const v = m.data[o + j] as number;
      if (v > bv) {
        bv = v;
        best = j;
      }
    }
    out[i] = best;
  }
  return out;
}

/**
 * Throws when any entry of `m` is NaN or ±∞ (the k-center kernels use NaN as their "picked" mark).
 * @param what names the matrix in the message.
 * @throws RangeError naming the first offending row.
 */
export function assertFinite(what: string, m: Matrix): void {
  const d = m.data;
  for (let k = 0; k < d.length; k++) {
    if (!Number.isFinite(d[k] as number)) throw new RangeError(`${what}: non-finite value ${d[k]} at row ${Math.floor(k / Math.max(1, m.cols))}`);
  }
}

/**
 * Stacks two matrices with equal column counts: the rows of `a`, then the rows of `b` (e.g. pool rows
 * then labeled rows). A `b` with no rows may have any column count.
 * @returns a new (a.rows + b.rows)×a.cols matrix.
 * @throws RangeError when b has rows and the column counts differ.
 */
export function stackRows(a: Matrix, b: Matrix): Matrix {
  if (b.rows > 0 && a.cols !== b.cols) throw new RangeError(`stackRows: ${a.cols} vs ${b.cols} columns`);
  const data = new Float32Array((a.rows + b.rows) * a.cols);
  data.set(a.data, 0);
  data.set(b.data.subarray(0, b.rows * a.cols), a.rows * a.cols);
  return { rows: a.rows + b.rows, cols: a.cols, data };
}

/**
 * Blocked dot products for the "GEMM form" of squared Euclidean distances, ‖x‖² − 2·x·c + ‖c‖² — the
 * one place for the JS GEMM kernel, the row norms and the rounding bound that lets callers use the
 * GEMM form as an exact filter in front of the direct-difference `l2Distance` (k-center mat-vec,
 * SPEC §9.4; the k-NN and radius graphs of typiclust / probcover).
 *
 * The GEMM form is cheap but not the direct kernel's arithmetic; callers therefore only *skip* pairs
 * whose approximate squared distance is provably too large (see {@link matVecTolerance}) and recompute
 * every other pair with `l2Distance`, so their results equal the direct kernel's bit for bit.
 */

/** Which GEMM computes the approximate squared distances: float64 JS loops or onnxruntime float32 MatMul. */
export type GemmEngine = 'js' | 'onnx';

/** Unit roundoff of float64 (2⁻⁵³). */
export const U64 = 2 ** -53;
const U32 = 2 ** -24;

/**
 * The squared form of a direct distance `t` that an approximate squared distance is compared
 * against: t² with the float64 rounding of squaring `t` (8 units of roundoff). An approximate value
 * above `squaredLimit(t) + tol·(‖x‖² + ‖c‖²)` proves the direct distance exceeds `t`.
 */
export function squaredLimit(t: number): number {
  return t * t * (1 + 8 * U64);
}

/**
 * Relative tolerance factor `tol` of the approximate squared distance: for rows x, c of `dim` float32
 * values, |(‖x‖² − 2·x·c + ‖c‖²) − ‖x − c‖²_direct| ≤ tol·(‖x‖² + ‖c‖²). Both forms accumulate at most
 * `dim` products; float64 accumulation of float32 inputs errs by ≤ (dim + 2)·2⁻⁵³·(‖x‖² + ‖c‖²)·2, the
 * onnxruntime float32 GEMM by ≤ (dim + 2)·2⁻²⁴·(‖x‖² + ‖c‖²) (|2x·c| ≤ ‖x‖² + ‖c‖²); 4× safety factor.
 */
export function matVecTolerance(dim: number, engine: GemmEngine): number {
  // Approximate form's error + the direct form's float64 error, times a safety factor 4.
  return 4 * (dim + 2) * ((engine === 'onnx' ? U32 : 2 * U64) + 2 * U64);
}

/**
 * Squared L2 norm of every row (float64, serial).
 * @param data rows×dim row-major Float32Array (only the first rows·dim values are read).
 * @returns a Float64Array of length rows.
 */
export function rowSquaredNorms(data: Float32Array, rows: number, dim: number): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0, o = 0; i < rows; i++, o += dim) {
    let s = 0;
    for (let j = 0; j < dim; j++) {
      const v = data[o + j] as number;
      s += v * v;
    }
    out[i] = s;
  }
  return out;
}

/**
 * Block of dot products in float64: `out[r·cols + j] = X[r0 + r] · C[c0 + j]` for r < rows, j < cols.
 * @param x row-major Float32Array with rows of `dim` values (rows r0 .. r0+rows−1 are read).
 * @param c row-major Float32Array with rows of `dim` values (rows c0 .. c0+cols−1 are read).
 * @param out Float64Array of at least rows·cols values (overwritten).
 */
export function gemmBlock(x: Float32Array, r0: number, rows: number, c: Float32Array, c0: number, cols: number, dim: number, out: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    const xo = (r0 + r) * dim;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const a = (c0 + j) * dim;
      const b = a + dim;
      const cc = b + dim;
      const d = cc + dim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let t = 0; t < dim; t++) {
        const v = x[xo + t] as number;
        s0 += v * (c[a + t] as number);
        s1 += v * (c[b + t] as number);
        s2 += v * (c[cc + t] as number);
        s3 += v * (c[d + t] as number);
      }
      const o = r * cols + j;
      out[o] = s0;
      out[o + 1] = s1;
      out[o + 2] = s2;
      out[o + 3] = s3;
    }
    for (; j < cols; j++) {
      const a = (c0 + j) * dim;
      let s = 0;
      for (let t = 0; t < dim; t++) s += (x[xo + t] as number) * (c[a + t] as number);
      out[r * cols + j] = s;
    }
  }
}

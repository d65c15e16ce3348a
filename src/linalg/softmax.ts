/**
 * Softmax with temperature — the one implementation of activekd (teachers' probabilities, the KD soft
 * targets, the strategies' per-head probabilities, the few-shot probe's loss).
 *
 * softmax_T(x)_c = exp(x_c/T − max_k x_k/T) / Σ_j exp(x_j/T − max_k x_k/T)
 *
 * Arithmetic (every caller depends on it bit for bit, so do not "simplify"): each logit is divided by
 * T first (`x/T`, never `x·(1/T)`, never `(x − max)/T`), the row maximum of the divided logits is
 * subtracted, exponentials and their sum are float64 (sum in index order), and each probability is one
 * float64 division `e_c / Σ` rounded once when stored. With T = 1 the division is exact (x/1 = x).
 */
import type { Matrix } from './matrix.ts';

/**
 * Where the exponentials live before the division by their sum:
 * - `'float64'` (default): in float64 registers (recomputed for the output pass), so each probability
 *   is `round(e_c / Σ)` whatever the element type of `out`;
 * - `'output'`: stored into `out` first (rounded to its element type), then divided in place there.
 *   Into a Float64Array this equals `'float64'`; into a Float32Array each probability is
 *   `round32(round32(e_c) / Σ)`, which can differ from `'float64'` by one float32 ulp. This is the
 *   arithmetic of the CLAP teacher's in-place softmax (`src/teachers/clap.ts`), kept so its
 *   probabilities stay bit-identical.
 */
export type SoftmaxExpStorage = 'float64' | 'output';

/**
 * Softmax of one row of `n` logits `x[xo .. xo+n)` at temperature T, written to `out[oo .. oo+n)`
 * (module docs for the exact arithmetic). `out` may be `x` itself with `oo === xo` (in place).
 *
 * A row whose logits are all −∞ (or contain NaN or +∞) yields NaN; callers that need another fallback
 * check for it first (e.g. label transfer's uniform row).
 *
 * @param x logits (any numeric array: Float32Array, Float64Array, number[]).
 * @param temperature T > 0 (may be +∞: uniform row); divides every logit. SPEC §5.1 (KD targets,
 *   T = 2), §6 (β of the KD head), §3.3 (CLIP: T = 1 on 100·cos logits).
 * @param storage where the exponentials are kept before normalising ({@link SoftmaxExpStorage}).
 * @throws RangeError when T is not > 0.
 */
export function softmaxRow(x: ArrayLike<number>, xo: number, n: number, out: Float32Array | Float64Array, oo: number, temperature = 1, storage: SoftmaxExpStorage = 'float64'): void {
  if (!(temperature > 0)) throw new RangeError(`softmax: temperature must be > 0, got ${temperature}`);
  let mx = -Infinity;
  for (let j = 0; j < n; j++) mx = Math.max(mx, (x[xo + j] as number) / temperature);
  let s = 0;
  if (storage === 'output') {
    for (let j = 0; j < n; j++) {
      const e = Math.exp((x[xo + j] as number) / temperature - mx);
      out[oo + j] = e;
      s += e;
    }
    for (let j = 0; j < n; j++) out[oo + j] = (out[oo + j] as number) / s;
    return;
  }
  for (let j = 0; j < n; j++) s += Math.exp((x[xo + j] as number) / temperature - mx);
  for (let j = 0; j < n; j++) out[oo + j] = Math.exp((x[xo + j] as number) / temperature - mx) / s;
}

/**
 * Row-wise softmax of an N×C row-major logit matrix at temperature T, float64 exponentials
 * (`storage: 'float64'` of {@link softmaxRow}).
 * @param logits N×C row-major Float32Array matrix; not modified.
 * @param temperature T > 0, divides the logits first (SPEC §5.1 / §6; default 1).
 * @returns a new N×C row-major Float32Array matrix whose rows sum to 1 (up to float32 rounding).
 * @throws RangeError when T is not > 0.
 */
export function softmaxRows(logits: Matrix, temperature = 1): Matrix {
  const { rows, cols, data } = logits;
  const out = new Float32Array(rows * cols);
  for (let i = 0, o = 0; i < rows; i++, o += cols) softmaxRow(data, o, cols, out, o, temperature);
  return { rows, cols, data: out };
}

/**
 * Row-wise softmax of an N×C row-major logit matrix, in place: each row's exponentials are first
 * stored (as float32) in `m.data`, then divided by their float64 sum (`storage: 'output'` of
 * {@link softmaxRow}; may differ from {@link softmaxRows} by one float32 ulp). The CLAP teacher's
 * probabilities (SPEC §7.2).
 * @param m N×C row-major Float32Array logits, overwritten by the probabilities.
 * @param temperature T > 0 (default 1).
 * @returns `m` itself.
 * @throws RangeError when T is not > 0.
 */
export function softmaxRowsInPlace(m: Matrix, temperature = 1): Matrix {
  const { rows, cols, data } = m;
  for (let i = 0, o = 0; i < rows; i++, o += cols) softmaxRow(data, o, cols, data, o, temperature, 'output');
  return m;
}

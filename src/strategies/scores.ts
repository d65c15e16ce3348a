/**
 * Per-row uncertainty scores of the score-based strategies (SPEC.md §9.2 and the standard margin /
 * least-confidence baselines). Pure kernels over an N×C row-major Float32Array of probabilities;
 * float64 results, one per row. Every score is invariant under a permutation of a row's columns,
 * bit for bit (max and second max are; the entropy sums its terms in sorted order), so that equal
 * uncertainties tie exactly and `topQ` (./common.ts) breaks them to the lowest row index.
 */
import type { Matrix } from '../linalg/matrix.ts';

/** The ε inside the entropy's log, as coded (`PC:strategies.py:L39`). */
export const ENTROPY_EPS = 1e-10;

/**
 * `H_i = −Σ_c p_ic · log(p_ic + 1e-10)` (natural log; SPEC §9.2).
 *
 * The terms `p · log(p + ε)` of a row are summed in a canonical order (sorted, largest first, so
 * from the smallest magnitude up), not in column order: the score is then a function of the row's
 * multiset of probabilities, so rows that are permutations of each other get bit-identical scores
 * and tie exactly (broken to the lowest row by `topQ`) instead of being ordered by summation
 * rounding (issue 15 #14). Values differ from a column-order sum by rounding only (≈1e-16).
 */
export function entropyScores(probs: Matrix, eps = ENTROPY_EPS): Float64Array {
  const { rows, cols, data } = probs;
  const out = new Float64Array(rows);
  const terms = new Float64Array(cols);
  for (let i = 0, o = 0; i < rows; i++, o += cols) {
    for (let j = 0; j < cols; j++) {
      const p = data[o + j] as number;
      terms[j] = p * Math.log(p + eps);
    }
    terms.sort();
    let h = 0;
    for (let j = cols - 1; j >= 0; j--) h -= terms[j] as number;
    out[i] = h;
  }
  return out;
}

/** `top1_i − top2_i` of each row (smaller = more uncertain); with one column top2 is taken as 0. */
export function marginScores(probs: Matrix): Float64Array {
  const { rows, cols, data } = probs;
  const out = new Float64Array(rows);
  for (let i = 0, o = 0; i < rows; i++, o += cols) {
    let a = -Infinity;
    let b = -Infinity;
    for (let j = 0; j < cols; j++) {
      const p = data[o + j] as number;
      if (p > a) {
        b = a;
        a = p;
      } else if (p > b) {
        b = p;
      }
    }
    out[i] = cols === 0 ? 0 : a - (cols === 1 ? 0 : b);
  }
  return out;
}

/** `1 − max_c p_ic` of each row (larger = less confident). */
export function leastConfidenceScores(probs: Matrix): Float64Array {
  const { rows, cols, data } = probs;
  const out = new Float64Array(rows);
  for (let i = 0, o = 0; i < rows; i++, o += cols) {
    let a = -Infinity;
    for (let j = 0; j < cols; j++) a = Math.max(a, data[o + j] as number);
    out[i] = cols === 0 ? 0 : 1 - a;
  }
  return out;
}

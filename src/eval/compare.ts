/**
 * Paired comparisons over seeds (SPEC.md §10, §13): PCoreSet against each baseline, one pair per
 * seed (same seed ⇒ same initial labeled set and same training RNG stream).
 */
import jstatPkg from 'jstat';
import wilcoxon from '@stdlib/stats-wilcoxon';

const { jStat } = jstatPkg;

/** Result of a paired two-sided test. */
export interface PairedTest {
  /** Number of pairs used. */
  n: number;
  /** Mean of the differences a − b. */
  meanDiff: number;
  /** Test statistic: t (paired t-test) or V = W⁺, the sum of ranks of positive differences (Wilcoxon). */
  statistic: number;
  /** Two-sided p-value; `null` when the test is undefined (n < 2, or all differences zero / constant). */
  pValue: number | null;
  /** `t` for the t-test; `exact` or `normal` for Wilcoxon. */
  method: string;
}

/**
 * Paired t-test of H0: E[a − b] = 0 (two-sided).
 * d_i = a_i − b_i, d̄ = mean, s_d = sample std (ddof 1), t = d̄ / (s_d / √n), df = n − 1,
 * p = 2 · (1 − F_t(|t|; n − 1)) with F_t the Student-t CDF (jstat).
 * @param a values of the first method, one per seed
 * @param b values of the second method, same seeds in the same order
 * @returns p = null when n < 2 or s_d = 0 (t undefined)
 * @throws RangeError when the lengths differ
 */
export function pairedTTest(a: readonly number[], b: readonly number[]): PairedTest {
  if (a.length !== b.length) throw new RangeError(`pairedTTest: ${a.length} vs ${b.length} values`);
  const n = a.length;
  const d = a.map((v, i) => v - (b[i] as number));
  const mean = n > 0 ? d.reduce((s, v) => s + v, 0) / n : NaN;
  if (n < 2) return { n, meanDiff: mean, statistic: NaN, pValue: null, method: 't' };
  const sd = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  if (!(sd > 0)) return { n, meanDiff: mean, statistic: NaN, pValue: null, method: 't' };
  const t = mean / (sd / Math.sqrt(n));
  const p = 2 * (1 - jStat.studentt.cdf(Math.abs(t), n - 1));
  return { n, meanDiff: mean, statistic: t, pValue: Math.min(1, p), method: 't' };
}

/**
 * Wilcoxon signed-rank test of H0: the differences a − b are symmetric about 0 (two-sided), via
 * `@stdlib/stats-wilcoxon`: zero differences dropped ("wilcox" method); with no ties and no zeros
 * and n ≤ 50 the p-value is exact (the signed-rank distribution of V = W⁺), otherwise the normal
 * approximation with tie correction and continuity correction (as R's `wilcox.test`).
 * Note: with n = 5 seeds the smallest possible exact two-sided p-value is 2/32 = 0.0625.
 * @returns p = null when n < 2 or every difference is zero
 * @throws RangeError when the lengths differ
 */
export function wilcoxonSignedRank(a: readonly number[], b: readonly number[]): PairedTest {
  if (a.length !== b.length) throw new RangeError(`wilcoxonSignedRank: ${a.length} vs ${b.length} values`);
  const n = a.length;
  const d = a.map((v, i) => v - (b[i] as number));
  const meanDiff = n > 0 ? d.reduce((s, v) => s + v, 0) / n : NaN;
  if (n < 2 || d.every((v) => v === 0)) return { n, meanDiff, statistic: NaN, pValue: null, method: 'exact' };
  const r = wilcoxon(d);
  const nz = d.filter((v) => v !== 0).map(Math.abs);
  const ties = new Set(nz).size !== nz.length;
  const exact = nz.length === n && !ties && n <= 50;
  // stdlib reports the rank sum V itself in exact mode and the z-score in normal mode; report V always.
  let v = 0;
  const sorted = nz.slice().sort((x, y) => x - y);
  for (const di of d) {
    if (di <= 0) continue;
    const lo = sorted.indexOf(di);
    const hi = sorted.lastIndexOf(di);
    v += (lo + hi) / 2 + 1; // mid-rank
  }
  return { n, meanDiff, statistic: v, pValue: Math.min(1, r.pValue), method: exact ? 'exact' : 'normal' };
}

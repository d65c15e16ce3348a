import jstatPkg from 'jstat';

const { jStat } = jstatPkg;

/** Mean with a two-sided confidence interval. */
export interface MeanCI {
  mean: number;
  /** Half-width of the interval: the result is mean ± halfWidth. 0 for n = 1. */
  halfWidth: number;
  /** Sample standard deviation (ddof = 1); 0 for n = 1. */
  std: number;
  n: number;
}

/**
 * Mean ± t-interval over independent runs (seeds):
 * halfWidth = t_{1−(1−level)/2, n−1} · s / √n, with s the sample standard deviation (ddof = 1).
 * For n = 5 and level 0.95, t = 2.776 (SPEC.md §10 names this the t-based alternative to 1.96).
 * @param values one value per seed
 * @param level confidence level in (0,1), default 0.95
 * @throws RangeError when `values` is empty or contains a non-finite number
 */
export function meanCI(values: readonly number[], level = 0.95): MeanCI {
  const n = values.length;
  if (n === 0) throw new RangeError('meanCI: no values');
  if (values.some((v) => !Number.isFinite(v))) throw new RangeError('meanCI: non-finite value');
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, halfWidth: 0, std: 0, n };
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const t = jStat.studentt.inv(1 - (1 - level) / 2, n - 1);
  return { mean, halfWidth: (t * std) / Math.sqrt(n), std, n };
}

/** Formats `mean ± halfWidth` with `digits` decimals. */
export function formatCI(ci: MeanCI, digits = 2): string {
  return ci.n > 1 ? `${ci.mean.toFixed(digits)} ± ${ci.halfWidth.toFixed(digits)}` : ci.mean.toFixed(digits);
}

/** mean ± 95% t-interval half-width over seeds (`ci95` = t_{0.975,n−1}·s/√n, 0 for n = 1). */
export interface Stat {
  mean: number;
  ci95: number;
  /** Number of finite values the statistic is computed from. */
  n: number;
}

/**
 * {@link meanCI} at level 0.95 over the finite values only (non-finite ones are dropped, so runs
 * that lack a value do not poison the group); `{ mean: NaN, ci95: NaN, n: 0 }` when none is finite.
 */
export function seedStat(values: readonly number[]): Stat {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return { mean: NaN, ci95: NaN, n: 0 };
  const ci = meanCI(v);
  return { mean: ci.mean, ci95: ci.halfWidth, n: v.length };
}

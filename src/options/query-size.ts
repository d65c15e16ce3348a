/**
 * The query size Q of a round (SPEC §8.1, §14): the paper labels Q = number of classes items per
 * round; a round can never ask for more items than are left (unlabeled pool, remaining budget).
 */

/**
 * Items to label this round: `q` (default: `numClasses`), clamped to `remaining`.
 * @param q requested query size (a positive integer) or undefined for the default
 * @param numClasses C, the default
 * @param remaining items that can still be labeled (unlabeled pool, budget left; `Infinity` when unbounded)
 * @returns min(q ?? C, remaining), ≥ 0
 * @throws RangeError when `q` is not a positive integer, `numClasses` not a positive integer, or `remaining` negative / NaN
 */
export function resolveQuerySize(q: number | undefined, numClasses: number, remaining: number): number {
  if (q !== undefined && !(Number.isInteger(q) && q >= 1)) throw new RangeError(`query size must be a positive integer, got ${q}`);
  if (!(Number.isInteger(numClasses) && numClasses >= 1)) throw new RangeError(`number of classes must be a positive integer, got ${numClasses}`);
  if (!(remaining >= 0)) throw new RangeError(`remaining items must be ≥ 0, got ${remaining}`);
  return Math.min(q ?? numClasses, Math.floor(remaining));
}

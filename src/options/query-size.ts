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

/**
 * Whether a simulated run asks for more labels than its pool holds (issue 15 #5): `rounds − 1`
 * queries of `q` after `initial` labels need `initial + (rounds − 1)·q` pool items.
 * @returns one warning naming the first round that cannot get a full batch, or null when the pool suffices
 */
export function queryShortfall(poolSize: number, initial: number, rounds: number, q: number): string | null {
  const queries = Math.max(0, rounds - 1);
  const need = initial + queries * q;
  if (need <= poolSize) return null;
  const left = Math.max(0, poolSize - initial);
  const full = Math.floor(left / q);
  const partial = left - full * q;
  const first = full; // 0-based round whose query is short
  const tail = partial > 0 ? `round ${first} labels only the last ${partial}` : `round ${first} finds the pool empty`;
  return `--query ${q} × ${queries} query round(s) after ${initial} initial label(s) needs ${need} pool images, but the pool has ${poolSize}: ${tail}, and every later round trains on the same labels`;
}

/**
 * Seed lists as the command line writes them: `5`, `1,2,3`, `1-5` or a mix (`1-3,7`).
 */
import { UserError } from '../util/errors.ts';

/** Longest range a seed list may expand (`1-10001`); a typo like `1-1000000` is refused. */
export const MAX_SEED_RANGE = 10_000;

/**
 * Parses a seed list: non-negative integers (as `--seed` takes), each at most once, in the order
 * written (`3,1-2` → [3, 1, 2]).
 * @param flag the option named in errors (default `--seeds`)
 * @throws UserError naming the flag on anything else: not a list of integers / ranges, a
 *   descending or over-long range, a repeated seed
 */
export function parseSeeds(v: string, flag = '--seeds'): number[] {
  const out: number[] = [];
  for (const part of v.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new UserError(`${flag} must look like "1", "1,2,3" or "1-5" (non-negative integers), got "${v}"`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || b < a || b - a > MAX_SEED_RANGE) throw new UserError(`${flag}: bad seed range "${part.trim()}" in "${v}" (from ≤ to, at most ${MAX_SEED_RANGE} apart)`);
    for (let s = a; s <= b; s++) out.push(s);
  }
  if (new Set(out).size !== out.length) throw new UserError(`${flag}: seed list "${v}" repeats a seed`);
  return out;
}

/** The shortest text {@link parseSeeds} reads back as `seeds`: runs of consecutive seeds as `a-b`. */
export function formatSeeds(seeds: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < seeds.length; ) {
    let j = i;
    while (j + 1 < seeds.length && (seeds[j + 1] as number) === (seeds[j] as number) + 1) j++;
    parts.push(j > i ? `${seeds[i]}-${seeds[j]}` : String(seeds[i]));
    i = j + 1;
  }
  return parts.join(',');
}

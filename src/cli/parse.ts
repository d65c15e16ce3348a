import { InvalidArgumentError } from 'commander';

/** Commander parser for a positive integer option. */
export function positiveInt(name: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer, got "${v}"`);
    return n;
  };
}

/** Commander parser for a non-negative integer option. */
export function nonNegativeInt(name: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer, got "${v}"`);
    return n;
  };
}

/** Commander parser for a finite number in [lo, hi]. */
export function numberIn(name: string, lo: number, hi: number): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < lo || n > hi) throw new InvalidArgumentError(`${name} must be a number in [${lo}, ${hi}], got "${v}"`);
    return n;
  };
}

/**
 * Parses a seed list: `5`, `1,2,3`, `1-5` or a mix (`1-3,7`). Integers, each at most once.
 * @throws InvalidArgumentError on anything else.
 */
export function parseSeeds(v: string): number[] {
  const out: number[] = [];
  for (const part of v.split(',')) {
    const m = /^\s*(-?\d+)\s*(?:-\s*(-?\d+)\s*)?$/.exec(part);
    if (!m) throw new InvalidArgumentError(`seeds must look like "1", "1,2,3" or "1-5"; got "${v}"`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b - a > 10000) throw new InvalidArgumentError(`bad seed range "${part.trim()}"`);
    for (let s = a; s <= b; s++) out.push(s);
  }
  if (new Set(out).size !== out.length) throw new InvalidArgumentError(`seed list "${v}" repeats a seed`);
  return out;
}

/**
 * `random` — uniform random batch (SPEC.md §9.1, `PC:strategies.py:L28-31`): `perm = randperm(N)`,
 * return `perm[:Q]`. The permutation comes from `ctx.rng` (Fisher–Yates), so equal seeds give equal
 * picks; it cannot reproduce torch.randperm's stream (SPEC §2.3).
 */
import { defineStrategy } from './common.ts';
import type { Strategy } from './types.ts';

/** Options of `random` (none). */
export type RandomOptions = Record<string, never>;

/**
 * Creates the `random` strategy. Needs nothing but the pool size (`ctx.poolSize`, else `ctx.pool.probs.rows`); no scores.
 * `select` throws RangeError on a bad q, EmptyPoolError on an empty pool with q > 0.
 */
export function createRandom(_options: RandomOptions = {}): Strategy {
  return defineStrategy({
    name: 'random',
    needs: [],
    config: {},
    run: (ctx, q, n) => ({ rows: ctx.rng.permutation(n).slice(0, q) }),
  });
}

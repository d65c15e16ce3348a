/**
 * `entropy` (the code's "uncertainty"; SPEC.md §9.2, `PC:strategies.py:L33-52`): the Q pool rows of
 * highest predictive entropy of the combined student probabilities, `H = −Σ p·log(p + 1e-10)`.
 * Ties → lowest row first (a stable sort; torch.sort is not stable, so the reference is arbitrary there).
 */
import { assertFinite } from '../linalg/matrix.ts';
import { defineStrategy, gatherScores, topQ } from './common.ts';
import { ENTROPY_EPS, entropyScores } from './scores.ts';
import type { Strategy } from './types.ts';

/** Options of `entropy` (none; ε is fixed at 1e-10 as coded). */
export type EntropyOptions = Record<string, never>;

/**
 * Creates `entropy`. Reads `ctx.pool.probs` (N×C). Scores = H of each pick (descending).
 * `select` throws RangeError on a bad q / shapes / non-finite probabilities, EmptyPoolError on an
 * empty pool with q > 0.
 */
export function createEntropy(_options: EntropyOptions = {}): Strategy {
  return defineStrategy({
    name: 'entropy',
    needs: ['probs'],
    config: { eps: ENTROPY_EPS, space: 'combined' },
    run: (ctx, q) => {
      assertFinite('entropy: pool.probs', ctx.pool.probs);
      const h = entropyScores(ctx.pool.probs);
      const rows = topQ(h, q, 'desc');
      return { rows, scores: gatherScores(h, rows) };
    },
  });
}

/**
 * `margin` — smallest-margin sampling: the Q pool rows whose two largest combined probabilities are
 * closest (`top1 − top2` ascending). Standard baseline (ANCHORS.md "strategy names users expect"), not
 * in the PCoreSet code. Ties → lowest row first.
 */
import { assertFinite } from '../linalg/matrix.ts';
import { defineStrategy, gatherScores, topQ } from './common.ts';
import { marginScores } from './scores.ts';
import type { Strategy } from './types.ts';

/** Options of `margin` (none). */
export type MarginOptions = Record<string, never>;

/**
 * Creates `margin`. Reads `ctx.pool.probs` (N×C). Scores = top1 − top2 of each pick (ascending).
 * `select` throws RangeError on a bad q / shapes / non-finite probabilities, EmptyPoolError on an
 * empty pool with q > 0.
 */
export function createMargin(_options: MarginOptions = {}): Strategy {
  return defineStrategy({
    name: 'margin',
    needs: ['probs'],
    config: { space: 'combined' },
    run: (ctx, q) => {
      assertFinite('margin: pool.probs', ctx.pool.probs);
      const s = marginScores(ctx.pool.probs);
      const rows = topQ(s, q, 'asc');
      return { rows, scores: gatherScores(s, rows) };
    },
  });
}

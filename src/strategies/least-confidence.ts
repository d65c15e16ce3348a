/**
 * `least-confidence` — the Q pool rows with the smallest maximum combined probability. Standard
 * baseline (ANCHORS.md "strategy names users expect"), not in the PCoreSet code. Ties → lowest row.
 */
import { assertFinite } from '../linalg/matrix.ts';
import { defineStrategy, gatherScores, topQ } from './common.ts';
import { leastConfidenceScores } from './scores.ts';
import type { Strategy } from './types.ts';

/** Options of `least-confidence` (none). */
export type LeastConfidenceOptions = Record<string, never>;

/**
 * Creates `least-confidence`. Reads `ctx.pool.probs` (N×C). Scores = 1 − max p of each pick
 * (descending). `select` throws RangeError on a bad q / shapes / non-finite probabilities,
 * EmptyPoolError on an empty pool with q > 0.
 */
export function createLeastConfidence(_options: LeastConfidenceOptions = {}): Strategy {
  return defineStrategy({
    name: 'least-confidence',
    needs: ['probs'],
    config: { space: 'combined' },
    run: (ctx, q) => {
      assertFinite('least-confidence: pool.probs', ctx.pool.probs);
      const s = leastConfidenceScores(ctx.pool.probs);
      const rows = topQ(s, q, 'desc');
      return { rows, scores: gatherScores(s, rows) };
    },
  });
}

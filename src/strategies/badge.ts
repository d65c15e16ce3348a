/**
 * `badge` — BADGE as coded in PCoreSet (SPEC.md §9.6 / §12 D2): deterministic farthest-first traversal
 * on the cosine distance of L2-normalised gradient embeddings `(onehot(argmax p) − p) ⊗ z`, built from
 * the combined probabilities, no labeled centres. Not the BADGE paper's k-means++ sampling. The
 * numeric core is `badgeGreedy` (badge-kernel.ts), which never materialises the C·D embeddings.
 */
import type { Matrix } from '../linalg/matrix.ts';
import { type BadgeFirstPick } from './badge-kernel.ts';
import { softmaxRows } from '../linalg/softmax.ts';
import { defineStrategy } from './common.ts';
import { badgeGreedyAuto, type KCenterBackend } from './kcenter-graph.ts';
import { badgeGreedyThreaded } from './kcenter-threads.ts';
import type { SelectionContext, Strategy } from './types.ts';

/**
 * Probabilities the embedding uses: `'combined'` (default, strategy `badge` in the code), `'ce'` /
 * `'kd'` (softmax of one head: the code's `badge_cehead` / `badge_kdhead` variants).
 */
export type BadgeHead = 'combined' | 'ce' | 'kd';

/** Options of `badge`. */
export interface BadgeOptions {
  /** First-pick rule (default `'argmaxRawNorm'`, see {@link BadgeFirstPick}). */
  readonly firstPick?: BadgeFirstPick;
  /** Probabilities of the embedding (default `'combined'`). */
  readonly head?: BadgeHead;
  /** Kernel used by `selectAsync` (default `'auto'`); `select` is always JS. */
  readonly backend?: KCenterBackend;
  /** Worker threads of the JS kernel (default 1; identical picks, see kcenter-threads.ts). */
  readonly threads?: number;
}

function headProbs(ctx: SelectionContext, head: BadgeHead): Matrix {
  if (head === 'combined') return ctx.pool.probs;
  return softmaxRows(head === 'ce' ? ctx.pool.ce : ctx.pool.kd);
}

/**
 * Creates `badge`. Reads `ctx.pool.probs` (N×C; or a head's logits) and `ctx.pool.features` (N×D).
 * Scores = cosine distance to the nearest earlier pick at pick time (+∞ for the first pick).
 * `select` throws RangeError on a bad q / shapes / non-finite inputs, EmptyPoolError on an empty pool
 * with q > 0.
 */
export function createBadge(options: BadgeOptions = {}): Strategy {
  const firstPick = options.firstPick ?? 'argmaxRawNorm';
  const head = options.head ?? 'combined';
  const backend = options.backend ?? 'auto';
  const threads = options.threads ?? 1;
  return defineStrategy({
    name: 'badge',
    needs: head === 'combined' ? ['probs', 'features'] : ['logits', 'features'],
    config: { firstPick, head, distance: 'cosine', mode: 'farthest', centres: 'none', backend, ...(threads !== 1 ? { threads } : {}) },
    run: (ctx, q) => {
      const r = badgeGreedyThreaded({ probs: headProbs(ctx, head), features: ctx.pool.features, q, firstPick }, threads);
      return { rows: r.rows, scores: r.minDist };
    },
    runAsync: async (ctx, q) => {
      const a = { probs: headProbs(ctx, head), features: ctx.pool.features, q, firstPick };
      // threads > 1: the threaded JS kernel (identical to `select`) unless the graph is forced.
      const r = threads > 1 && backend !== 'onnx' ? badgeGreedyThreaded(a, threads) : await badgeGreedyAuto(a, backend);
      return { rows: r.rows, scores: r.minDist };
    },
  });
}

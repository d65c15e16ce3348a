/**
 * `coreset` — feature-space k-center greedy (SPEC.md §9.3, `PC:strategies.py:L54-152`; Sener &
 * Savarese with cosine distance): farthest-first on L2-normalised student features
 * (`F.normalize`, zero rows stay zero), cosine distance `1 − a·b`, the labeled set's normalised
 * features as initial centres.
 */
import { l2NormalizeRows } from '../linalg/distance.ts';
import { defineStrategy } from './common.ts';
import { type KCenterBackend, kCenterGreedyAuto } from './kcenter-graph.ts';
import { kCenterGreedyThreaded } from './kcenter-threads.ts';
import { type KCenterArgs } from './kcenter.ts';
import type { SelectionContext, Strategy } from './types.ts';

/** Options of `coreset`. */
export interface CoresetOptions {
  /** Kernel used by `selectAsync` (default `'auto'`: the fastest exact backend by measurement; identical results); `select` is always JS. */
  readonly backend?: KCenterBackend;
  /** Pool rows per block / per graph call (default: all; does not change the result). */
  readonly chunkRows?: number;
  /** Worker threads of the JS kernel (default 1; identical picks, see kcenter-threads.ts). */
  readonly threads?: number;
}

/**
 * Creates `coreset`. Reads `ctx.pool.features` (N×D) and `ctx.labeled.features` (M×D). Scores = cosine
 * distance of each pick to its nearest centre at pick time. `select` throws RangeError on a bad q /
 * shapes / non-finite features, EmptyPoolError on an empty pool with q > 0.
 */
export function createCoreset(options: CoresetOptions = {}): Strategy {
  const backend = options.backend ?? 'auto';
  const chunkRows = options.chunkRows;
  const threads = options.threads ?? 1;
  const args = (ctx: SelectionContext, q: number): KCenterArgs => ({
    points: l2NormalizeRows(ctx.pool.features),
    centers: l2NormalizeRows(ctx.labeled.features),
    q,
    distance: 'cosine',
    mode: 'farthest',
    ...(chunkRows === undefined ? {} : { chunkRows }),
  });
  const config: Record<string, unknown> = { space: 'features (L2-normalised)', distance: 'cosine', mode: 'farthest', centres: 'labeled-set features', backend };
  if (chunkRows !== undefined) config.chunkRows = chunkRows;
  if (threads !== 1) config.threads = threads;
  return defineStrategy({
    name: 'coreset',
    needs: ['features'],
    config,
    run: (ctx, q) => {
      const r = kCenterGreedyThreaded(args(ctx, q), threads);
      return { rows: r.rows, scores: r.minDist };
    },
    runAsync: async (ctx, q) => {
      // threads > 1: the threaded JS kernel (identical to `select`) unless the graph is forced.
      const r = threads > 1 && backend !== 'onnx' ? kCenterGreedyThreaded(args(ctx, q), threads) : await kCenterGreedyAuto(args(ctx, q), backend);
      return { rows: r.rows, scores: r.minDist };
    },
  });
}

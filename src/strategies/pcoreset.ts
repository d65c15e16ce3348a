/**
 * `pcoreset` — PCoreSet (SPEC.md §9.4, `PC:strategies.py:L430-506`; paper Eq. 6 / Alg. 2): greedy
 * farthest-first k-center with L2 distance in the student's probability simplex, the CURRENT LABELED
 * SET's predicted probabilities as the initial centres (not one-hot labels, not teacher outputs).
 * The numeric core is `kCenterGreedy` (kcenter.ts); `selectAsync` may run the exact mat-vec twin
 * (kcenter-matvec.ts, chosen by kcenter-graph.ts) on large pools, with identical results.
 *
 * With an empty labeled set there are no centres and the first pick is pool row 0 (SPEC's argmax
 * over all-+∞ distances, ties → first), unless `emptyStart: 'pool-mean'` makes the pool's mean
 * probability vector the one initial centre (a labeling project's cold start: the batch then follows
 * the probabilities, not the order of the files).
 */
import type { Matrix } from '../linalg/matrix.ts';
import { softmaxRows } from '../linalg/softmax.ts';
import { defineStrategy } from './common.ts';
import { type KCenterBackend, kCenterGreedyAuto } from './kcenter-graph.ts';
import { kCenterGreedyThreaded } from './kcenter-threads.ts';
import { type KCenterArgs, type KCenterMode } from './kcenter.ts';
import type { SelectionContext, Strategy, StrategyInput } from './types.ts';

/**
 * The probability vectors k-center runs on:
 * - `'combined'` (default, as coded): `ctx.pool.probs` / `ctx.labeled.probs` (α = 0.5, β = 1 mix);
 * - `'ce'`, `'kd'`: softmax of that head's logits (temperature 1);
 * - `'teacher'`: `ctx.teacherPool` / `ctx.teacherLabeled` (e.g. a cold-start round 0 without labels).
 */
export type ProbabilitySpace = 'combined' | 'ce' | 'kd' | 'teacher';

/** Options of `pcoreset`. */
export interface PCoreSetOptions {
  /** Probability space (default `'combined'`). */
  readonly space?: ProbabilitySpace;
  /** Kernel used by `selectAsync` (default `'auto'`: the fastest exact backend by measurement; identical results); `select` is always JS. */
  readonly backend?: KCenterBackend;
  /** Pool rows per block / per graph call (default: all; does not change the result). */
  readonly chunkRows?: number;
  /** Worker threads of the JS kernel (default 1; identical picks, see kcenter-threads.ts). */
  readonly threads?: number;
  /**
   * Start without labeled centres: `'first-row'` (default, SPEC §9.4: pool row 0 first) or
   * `'pool-mean'` (the mean of the pool's probability vectors is the initial centre).
   */
  readonly emptyStart?: EmptyStart;
}

/** How farthest-first starts when the labeled set is empty (see {@link PCoreSetOptions.emptyStart}). */
export type EmptyStart = 'first-row' | 'pool-mean';

/** The 1×C mean row of an N×C matrix (N ≥ 1), accumulated in float64. */
function meanRow(m: Matrix): Matrix {
  const out = new Float64Array(m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out[j] = (out[j] as number) + (m.data[i * m.cols + j] as number);
  return { rows: 1, cols: m.cols, data: Float32Array.from(out, (v) => v / m.rows) };
}

/** Options of `pcoreset-reverse` (no backend: nearest-first is JS only). */
export interface PCoreSetReverseOptions {
  readonly space?: ProbabilitySpace;
  readonly chunkRows?: number;
  /** Worker threads of the JS kernel (default 1; identical picks). */
  readonly threads?: number;
}

/** The inputs a probability space reads. */
export function spaceNeeds(space: ProbabilitySpace): StrategyInput[] {
  if (space === 'combined') return ['probs'];
  if (space === 'teacher') return ['teacher'];
  return ['logits'];
}

/**
 * Pool (N×C) and labeled (M×C) probability matrices of a space (see {@link ProbabilitySpace}).
 * @throws RangeError when the teacher space is asked for without `ctx.teacherPool`.
 */
export function probabilitySpace(ctx: SelectionContext, space: ProbabilitySpace): { pool: Matrix; labeled: Matrix } {
  switch (space) {
    case 'combined':
      return { pool: ctx.pool.probs, labeled: ctx.labeled.probs };
    case 'ce':
      return { pool: softmaxRows(ctx.pool.ce), labeled: softmaxRows(ctx.labeled.ce) };
    case 'kd':
      return { pool: softmaxRows(ctx.pool.kd), labeled: softmaxRows(ctx.labeled.kd) };
    case 'teacher': {
      if (ctx.teacherPool === undefined) throw new RangeError('probability space "teacher" needs ctx.teacherPool');
      const C = ctx.teacherPool.cols;
      return { pool: ctx.teacherPool, labeled: ctx.teacherLabeled ?? { rows: 0, cols: C, data: new Float32Array(0) } };
    }
  }
}

/** Shared body of pcoreset / pcoreset-reverse. */
function createProbabilityKCenter(name: string, mode: KCenterMode, space: ProbabilitySpace, backend: KCenterBackend | undefined, chunkRows: number | undefined, threads = 1, emptyStart: EmptyStart = 'first-row'): Strategy {
  const args = (ctx: SelectionContext, q: number): KCenterArgs => {
    const { pool, labeled } = probabilitySpace(ctx, space);
    const centers = labeled.rows === 0 && emptyStart === 'pool-mean' && pool.rows > 0 ? meanRow(pool) : labeled;
    return { points: pool, centers, q, distance: 'l2', mode, ...(chunkRows === undefined ? {} : { chunkRows }) };
  };
  const config: Record<string, unknown> = { space, distance: 'l2', mode, centres: 'labeled-set predictions' };
  if (emptyStart !== 'first-row') config.emptyStart = emptyStart;
  if (backend !== undefined) config.backend = backend;
  if (chunkRows !== undefined) config.chunkRows = chunkRows;
  if (threads !== 1) config.threads = threads;
  return defineStrategy({
    name,
    needs: spaceNeeds(space),
    config,
    run: (ctx, q) => {
      const r = kCenterGreedyThreaded(args(ctx, q), threads);
      return { rows: r.rows, scores: r.minDist };
    },
    runAsync: async (ctx, q) => {
      // threads > 1: the threaded JS kernel (identical to `select`) unless the graph is forced.
      const r = threads > 1 && backend !== 'onnx' ? kCenterGreedyThreaded(args(ctx, q), threads) : await kCenterGreedyAuto(args(ctx, q), backend ?? 'js');
      return { rows: r.rows, scores: r.minDist };
    },
  });
}

/**
 * Creates `pcoreset` (SPEC §9.4). Scores = L2 distance of each pick to its nearest centre at pick time.
 * `select` throws RangeError on a bad q / shapes / non-finite inputs, EmptyPoolError on an empty pool
 * with q > 0.
 */
export function createPCoreSet(options: PCoreSetOptions = {}): Strategy {
  return createProbabilityKCenter('pcoreset', 'farthest', options.space ?? 'combined', options.backend ?? 'auto', options.chunkRows, options.threads, options.emptyStart);
}

/**
 * Creates `pcoreset-reverse` (PCoreSet+R, SPEC §9.5 [RECONSTRUCTED]): identical to pcoreset but
 * nearest-first (`argmin` of the running minimum; ties → lowest row). A pool item that duplicates a
 * labeled prediction has distance 0 and is picked first. Scores = distance at pick time.
 */
export function createPCoreSetReverse(options: PCoreSetReverseOptions = {}): Strategy {
  return createProbabilityKCenter('pcoreset-reverse', 'nearest', options.space ?? 'combined', undefined, options.chunkRows, options.threads);
}

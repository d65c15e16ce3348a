import type { Matrix } from '../linalg/matrix.ts';
import type { StudentPredictions } from '../student/predictions.ts';
import type { Rng } from '../util/rng.ts';

/** Re-exported from the student layer, which defines it (src/student/predictions.ts). */
export type { StudentPredictions } from '../student/predictions.ts';

/** Inputs a strategy may need; each strategy declares its own (docs/ARCHITECTURE.md). */
export type StrategyInput = 'probs' | 'features' | 'logits' | 'labels' | 'teacher';

/** Everything a strategy may read when picking a batch. Rows index the *pool* / *labeled* predictions. */
export interface SelectionContext {
  /** Predictions on the unlabeled pool, one row per pool item (pool order). */
  readonly pool: StudentPredictions;
  /** Predictions on the labeled set, one row per labeled item. */
  readonly labeled: StudentPredictions;
  /** Ground-truth labels of the labeled set (length = labeled rows). */
  readonly labeledLabels: Int32Array;
  /** Teacher probabilities on the pool (N×C), when available. */
  readonly teacherPool?: Matrix;
  /** Teacher probabilities on the labeled set, when available. */
  readonly teacherLabeled?: Matrix;
  readonly numClasses: number;
  /** Number of pool rows; defaults to `pool.probs.rows` (given when predictions are not computed). */
  readonly poolSize?: number;
  readonly rng: Rng;
}

/** A chosen batch: row indices into the pool (distinct, in pick order) and optional acquisition scores. */
export interface Selection {
  readonly rows: Uint32Array;
  readonly scores?: Float32Array;
}

/** A query strategy: one `select` entry point, typed configuration, declared inputs. */
export interface Strategy {
  readonly name: string;
  readonly needs: readonly StrategyInput[];
  /** Hyper-parameters, printed and recorded so logs describe themselves. */
  readonly config: Readonly<Record<string, unknown>>;
  /**
   * Picks min(q, pool size) distinct pool rows.
   * @throws EmptyPoolError when the pool is empty and q > 0.
   */
  select(ctx: SelectionContext, q: number): Selection;
  /**
   * Optional asynchronous twin of {@link select} with the same contract, present on strategies that can
   * run onnxruntime graph kernels on large pools (the k-center family: pcoreset, coreset, badge).
   * Picks equal `select`'s except where two candidates differ by less than float32 rounding.
   * Call `runSelection` (src/strategies/registry.ts) to use it when present.
   */
  selectAsync?(ctx: SelectionContext, q: number): Promise<Selection>;
}

/** Raised when a query is asked of an empty pool. */
export class EmptyPoolError extends Error {
  constructor() {
    super('the unlabeled pool is empty: nothing left to query');
    this.name = 'EmptyPoolError';
  }
}

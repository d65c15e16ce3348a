/**
 * Shared helpers of the selection strategies (SPEC.md §9 "common inputs"): the one input check every
 * strategy runs first and the stable top-Q ranking used by the score-based strategies. Pure functions
 * over row-major `Float32Array` matrices, no I/O. (Softmax, distances and row normalisation live in
 * src/linalg/.)
 */
import type { Matrix } from '../linalg/matrix.ts';
import { EmptyPoolError, type Selection, type SelectionContext, type Strategy, type StrategyInput } from './types.ts';

/**
 * Validates a query and returns the pool size N (= `ctx.pool.probs.rows`) — the shared input check of
 * every strategy (docs/ARCHITECTURE.md "one shared input check").
 *
 * Checks: `q` is a non-negative safe integer; every pool matrix the strategy reads (per `needs`) has N
 * rows and a `data` of length rows×cols; probability/logit matrices have `ctx.numClasses` columns; the
 * labeled matrices read have `ctx.labeledLabels.length` rows; teacher matrices exist when needed. A
 * strategy never runs degenerate on what it lacks (issue 15 #19): one that reads class probabilities,
 * logits, teacher outputs or labels needs `numClasses` ≥ 2 (with one class every score ties), one that
 * reads features needs at least one feature column (else every distance is 0).
 *
 * @param name strategy name, used in messages.
 * @param needs the strategy's declared inputs.
 * @returns N, the pool size.
 * @throws RangeError on a bad `q`, inconsistent shapes, fewer than 2 classes or 0 feature columns
 *   where the strategy reads them.
 * @throws EmptyPoolError when N = 0 and q > 0.
 */
export function checkSelectionInputs(name: string, ctx: SelectionContext, q: number, needs: readonly StrategyInput[]): number {
  if (!Number.isSafeInteger(q) || q < 0) throw new RangeError(`${name}: q must be a non-negative integer, got ${q}`);
  const n = ctx.poolSize ?? ctx.pool.probs.rows;
  const nl = ctx.labeledLabels.length;
  const C = ctx.numClasses;
  const check = (what: string, m: Matrix | undefined, rows: number, cols?: number): void => {
    if (m === undefined) throw new RangeError(`${name}: ${what} is required but missing`);
    if (m.data.length !== m.rows * m.cols) throw new RangeError(`${name}: ${what} data length ${m.data.length} != ${m.rows}×${m.cols}`);
    if (m.rows !== rows) throw new RangeError(`${name}: ${what} has ${m.rows} rows, expected ${rows}`);
    if (cols !== undefined && m.cols !== cols) throw new RangeError(`${name}: ${what} has ${m.cols} columns, expected ${cols} (numClasses)`);
  };
  if (needs.some((k) => k !== 'features') && C < 2) {
    throw new RangeError(`${name}: needs class scores over at least 2 classes (${needs.join(', ')}), but the number of classes is ${C}`);
  }
  if (needs.includes('probs')) {
    check('pool.probs', ctx.pool.probs, n, C);
    check('labeled.probs', ctx.labeled.probs, nl, C);
  }
  if (needs.includes('logits')) {
    check('pool.ce', ctx.pool.ce, n, C);
    check('pool.kd', ctx.pool.kd, n, C);
    check('labeled.ce', ctx.labeled.ce, nl, C);
    check('labeled.kd', ctx.labeled.kd, nl, C);
  }
  if (needs.includes('features')) {
    check('pool.features', ctx.pool.features, n);
    check('labeled.features', ctx.labeled.features, nl, ctx.pool.features.cols);
    if (n > 0 && ctx.pool.features.cols === 0) throw new RangeError(`${name}: needs features, but pool.features has 0 columns`);
  }
  if (needs.includes('teacher')) {
    check('teacherPool', ctx.teacherPool, n, C);
    // Cold start: with no labeled items the labeled teacher matrix may be omitted.
    if (ctx.teacherLabeled !== undefined || nl > 0) check('teacherLabeled', ctx.teacherLabeled, nl, C);
  }
  if (needs.includes('labels')) {
    for (let i = 0; i < nl; i++) {
      const y = ctx.labeledLabels[i] as number;
      if (!(y >= 0 && y < C)) throw new RangeError(`${name}: labeledLabels[${i}] = ${y} is outside 0..${C - 1}`);
    }
  }
  if (n === 0 && q > 0) throw new EmptyPoolError();
  return n;
}

/**
 * Indices of the `q` best rows by `score`, best first; ties broken by the lower index (a stable sort).
 * @param order `'desc'` = highest score first, `'asc'` = lowest first.
 * @returns min(q, scores.length) distinct indices.
 */
export function topQ(scores: Float64Array, q: number, order: 'asc' | 'desc'): Uint32Array {
  const n = scores.length;
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const sign = order === 'desc' ? -1 : 1;
  // TypedArray.prototype.sort with a comparator; the index tie-break makes the order total.
  idx.sort((a, b) => {
    const d = sign * ((scores[a] as number) - (scores[b] as number));
    return d !== 0 ? d : a - b;
  });
  return idx.slice(0, Math.min(q, n));
}

/** Gathers `values[rows[k]]` as float32 scores (the `Selection.scores` convention). */
export function gatherScores(values: Float64Array, rows: Uint32Array): Float32Array {
  const out = new Float32Array(rows.length);
  for (let k = 0; k < rows.length; k++) out[k] = values[rows[k] as number] as number;
  return out;
}

/** Definition of a strategy for {@link defineStrategy}. */
export interface StrategyDefinition {
  readonly name: string;
  readonly needs: readonly StrategyInput[];
  readonly config: Readonly<Record<string, unknown>>;
  /**
   * Picks `q` rows (1 ≤ q ≤ n, already clamped) from a validated pool of `n` rows; `requested` is the
   * caller's unclamped q (for strategies whose reference arithmetic uses it).
   */
  readonly run: (ctx: SelectionContext, q: number, n: number, requested: number) => Selection;
  /** Optional async twin of `run` (graph kernels). */
  readonly runAsync?: (ctx: SelectionContext, q: number, n: number) => Promise<Selection>;
}

const EMPTY: Selection = Object.freeze({ rows: new Uint32Array(0), scores: new Float32Array(0) });

/**
 * Wraps a definition as a {@link Strategy}: runs {@link checkSelectionInputs} first, returns an empty
 * selection for q = 0, clamps q to the pool size, freezes `config` and `needs`.
 */
export function defineStrategy(def: StrategyDefinition): Strategy {
  const needs = Object.freeze([...def.needs]);
  const config = Object.freeze({ ...def.config });
  const prepare = (ctx: SelectionContext, q: number): [number, number] => {
    const n = checkSelectionInputs(def.name, ctx, q, needs);
    return [Math.min(q, n), n];
  };
  const strategy: Strategy = {
    name: def.name,
    needs,
    config,
    select(ctx, q) {
      const [qq, n] = prepare(ctx, q);
      return qq === 0 ? EMPTY : def.run(ctx, qq, n, q);
    },
  };
  const runAsync = def.runAsync;
  if (runAsync !== undefined) {
    return Object.freeze({
      ...strategy,
      async selectAsync(ctx: SelectionContext, q: number): Promise<Selection> {
        const [qq, n] = prepare(ctx, q);
        return qq === 0 ? EMPTY : runAsync(ctx, qq, n);
      },
    });
  }
  return Object.freeze(strategy);
}

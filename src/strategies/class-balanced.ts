/**
 * `class-balanced` — ClassBalanced (paper Alg. 5; SPEC.md §9.7, `PC:strategies.py:L291-425`), with the
 * code's quirks kept on purpose (SPEC §12 O10):
 *
 * ```
 * ŷ_i ← argmax p_i (combined probs);  K ← classes occurring in ŷ, ascending
 * n_c ← labeled items with true label c;  T ← Σ n_c
 * w_c ← T / (n_c + 1) for c ∈ K, n_c defaulting to 1 when c has no labeled item  (quirk: a missing
 *       class weighs the same as a 1-label class); all w_c = 1 when nothing is labeled
 * w_c ← w_c / Σ_K w;  q_c ← floor(Q·w_c) in ascending class order
 * rem ← Q − Σ q_c; for c in K by w_c descending (stable → ascending class): if rem ≤ 0 break; q_c++, rem--
 * for c in K ascending: take min(q_c, |{ŷ = c}|, rem) rows of class c in random order (randperm)
 * if rem > 0: shuffle every not-yet-selected pool row (grouped by class, ascending) and take rem
 * ```
 * Classes never predicted get no budget (quirk). Randomness comes from `ctx.rng`; Python's
 * `random.shuffle` and torch's randperm streams cannot be reproduced (SPEC §2.3), only the structure.
 */
import { argmaxRows } from '../linalg/matrix.ts';
import { defineStrategy } from './common.ts';
import type { Strategy } from './types.ts';

/** Options of `class-balanced` (none). */
export type ClassBalancedOptions = Record<string, never>;

/** Per-class budget of {@link classBalancedAllocation}. */
export interface ClassBalancedAllocation {
  /** K: the predicted classes, ascending. */
  readonly classes: Int32Array;
  /** Normalised weight w_c of each class in `classes`. */
  readonly weights: Float64Array;
  /** Budget q_c of each class in `classes` (Σ = Q when K is non-empty). */
  readonly quota: Int32Array;
}

/**
 * The allocation step of ClassBalanced (see module docs), float64 arithmetic in the code's order.
 * @param predicted ŷ of every pool row; @param labeledLabels true labels of the labeled set;
 * @param q the query size Q.
 */
export function classBalancedAllocation(predicted: Int32Array, labeledLabels: Int32Array, q: number): ClassBalancedAllocation {
  const present = new Set<number>(predicted);
  const classes = Int32Array.from([...present].sort((a, b) => a - b));
  const counts = new Map<number, number>();
  for (const y of labeledLabels) counts.set(y, (counts.get(y) ?? 0) + 1);
  const K = classes.length;
  const weights = new Float64Array(K);
  const total = labeledLabels.length;
  for (let k = 0; k < K; k++) {
    if (counts.size > 0) {
      const count = counts.get(classes[k] as number) ?? 1;
      weights[k] = total / (count + 1);
    } else {
      weights[k] = 1;
    }
  }
  let sum = 0;
  for (let k = 0; k < K; k++) sum += weights[k] as number;
  for (let k = 0; k < K; k++) weights[k] = (weights[k] as number) / sum;
  const quota = new Int32Array(K);
  let rem = q;
  for (let k = 0; k < K; k++) {
    quota[k] = Math.floor(q * (weights[k] as number));
    rem -= quota[k] as number;
  }
  if (rem > 0) {
    const order = Array.from({ length: K }, (_, k) => k).sort((a, b) => (weights[b] as number) - (weights[a] as number) || a - b);
    for (const k of order) {
      if (rem <= 0) break;
      quota[k] = (quota[k] as number) + 1;
      rem -= 1;
    }
  }
  return { classes, weights, quota };
}

/**
 * Creates `class-balanced`. Reads `ctx.pool.probs` (N×C) and `ctx.labeledLabels`; no scores.
 * `select` throws RangeError on a bad q / shapes / labels outside 0..C−1, EmptyPoolError on an empty
 * pool with q > 0.
 */
export function createClassBalanced(_options: ClassBalancedOptions = {}): Strategy {
  return defineStrategy({
    name: 'class-balanced',
    needs: ['probs', 'labels'],
    config: { space: 'combined', weights: 'T/(n_c+1), missing class n_c=1', withinClass: 'random' },
    run: (ctx, q, n, requested) => {
      const predicted = argmaxRows(ctx.pool.probs);
      const { classes, quota } = classBalancedAllocation(predicted, ctx.labeledLabels, requested);
      // Rows of each predicted class, ascending (counting sort; O(N + C)).
      const C = ctx.numClasses;
      const start = new Int32Array(C + 1);
      for (let i = 0; i < n; i++) start[(predicted[i] as number) + 1] = (start[(predicted[i] as number) + 1] as number) + 1;
      for (let c = 0; c < C; c++) start[c + 1] = (start[c + 1] as number) + (start[c] as number);
      const byClass = new Uint32Array(n);
      const fill = start.slice(0, C);
      for (let i = 0; i < n; i++) {
        const c = predicted[i] as number;
        byClass[fill[c] as number] = i;
        fill[c] = (fill[c] as number) + 1;
      }
      const picked: number[] = [];
      const taken = new Uint8Array(n);
      let rem = requested;
      for (let k = 0; k < classes.length; k++) {
        const c = classes[k] as number;
        const s = start[c] as number;
        const size = (start[c + 1] as number) - s;
        const perm = ctx.rng.permutation(size);
        const take = Math.min(quota[k] as number, size, rem);
        for (let t = 0; t < take; t++) {
          const i = byClass[s + (perm[t] as number)] as number;
          picked.push(i);
          taken[i] = 1;
        }
        rem -= take;
      }
      if (rem > 0) {
        const rest: number[] = [];
        for (let t = 0; t < n; t++) {
          const i = byClass[t] as number;
          if (taken[i] === 0) rest.push(i);
        }
        ctx.rng.shuffle(rest);
        for (let t = 0; t < rem && t < rest.length; t++) picked.push(rest[t] as number);
      }
      return { rows: Uint32Array.from(picked.slice(0, q)) };
    },
  });
}

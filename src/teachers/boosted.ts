/**
 * The boosted teacher (issue 14): a SYNTHETIC teacher of controlled strength for simulations only.
 * Its logits are `log p_base + κ·onehot(y)`, with y the ground truth, and κ is found by bisection so
 * that its top-1 accuracy on the pool hits a requested value. It needs the ground truth of every
 * pool item, so it exists only in simulations (labeling projects have none), and every output that
 * records it marks it as synthetic.
 */
import type { Matrix } from '../linalg/matrix.ts';
import { accuracy } from '../linalg/accuracy.ts';
import { softmaxRows } from '../linalg/softmax.ts';

/** Floor applied to base probabilities before the log (a zero probability stays finite). */
export const BOOST_PROB_FLOOR = 1e-12;

/**
 * `softmax(log max(p, floor) + κ·onehot(y))` row by row.
 * @param probs N×C base probabilities (rows sum to 1)
 * @param labels N ground-truth classes in 0..C−1
 * @returns N×C probabilities
 * @throws RangeError on a shape mismatch or a label outside 0..C−1
 */
export function boostProbs(probs: Matrix, labels: Int32Array, kappa: number): Matrix {
  const { rows: n, cols: C } = probs;
  if (labels.length !== n) throw new RangeError(`boostProbs: ${labels.length} labels for ${n} rows`);
  const logits = new Float32Array(n * C);
  for (let i = 0; i < n; i++) {
    const y = labels[i] as number;
    if (!(y >= 0 && y < C)) throw new RangeError(`boostProbs: label ${y} of row ${i} is outside 0..${C - 1}`);
    for (let j = 0; j < C; j++) logits[i * C + j] = Math.log(Math.max(probs.data[i * C + j] as number, BOOST_PROB_FLOOR)) + (j === y ? kappa : 0);
  }
  return softmaxRows({ rows: n, cols: C, data: logits });
}

/** What {@link boostTeacher} found. */
export interface BoostedTeacher {
  /** N×C boosted pool probabilities. */
  readonly probs: Matrix;
  /** The boost κ (negative lowers the accuracy below the base teacher's). */
  readonly kappa: number;
  /** Top-1 accuracy (fraction) of the boosted probabilities on the pool. */
  readonly poolAccuracy: number;
  /** Top-1 accuracy of the base probabilities on the pool. */
  readonly baseAccuracy: number;
}

/**
 * Finds κ by bisection so that the boosted teacher's pool accuracy is the smallest attainable value
 * ≥ `target` (accuracy is non-decreasing in κ; 60 halvings of [−64, 64]).
 * @param target requested top-1 accuracy on the pool, a fraction in (0, 1]
 * @throws RangeError when `target` is outside (0, 1] or shapes disagree
 */
export function boostTeacher(probs: Matrix, labels: Int32Array, target: number): BoostedTeacher {
  if (!(target > 0 && target <= 1)) throw new RangeError(`boostTeacher: the target accuracy must be in (0, 1], got ${target}`);
  const acc = (k: number): number => accuracy(boostProbs(probs, labels, k), labels);
  let lo = -64;
  let hi = 64;
  for (let it = 0; it < 60 && hi - lo > 1e-9; it++) {
    const mid = (lo + hi) / 2;
    if (acc(mid) >= target) hi = mid;
    else lo = mid;
  }
  const out = boostProbs(probs, labels, hi);
  return { probs: out, kappa: hi, poolAccuracy: accuracy(out, labels), baseAccuracy: acc(0) };
}

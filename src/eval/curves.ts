/**
 * Budget-curve summaries of one learning curve (accuracy against number of labels).
 */

/** One point of a learning curve. */
export interface CurvePoint {
  /** |L|: labels the student of this round was trained on. */
  labeled: number;
  /** Accuracy (any unit: fraction or %), NaN / null when unknown. */
  accuracy: number;
}

/**
 * Area under the budget curve (AUBC), normalised by the budget range:
 * AUBC = (1 / (n_R − n_1)) · Σ_{i=1}^{R−1} (n_{i+1} − n_i) · (a_i + a_{i+1}) / 2,
 * the trapezoid rule over labeled counts n_i divided by the labeled range, so it is the
 * average accuracy over the budget, in the unit of the accuracies (a flat curve at a gives a).
 * A single-point curve returns its accuracy.
 * @param curve points in increasing `labeled` order
 * @returns NaN when the curve is empty or contains a non-finite accuracy
 * @throws RangeError when labeled counts are not strictly increasing
 */
export function aubc(curve: readonly CurvePoint[]): number {
  if (curve.length === 0 || curve.some((p) => !Number.isFinite(p.accuracy))) return NaN;
  if (curve.length === 1) return (curve[0] as CurvePoint).accuracy;
  let area = 0;
  for (let i = 1; i < curve.length; i++) {
    const p = curve[i - 1] as CurvePoint;
    const q = curve[i] as CurvePoint;
    if (!(q.labeled > p.labeled)) throw new RangeError(`aubc: labeled counts must increase (${p.labeled} then ${q.labeled})`);
    area += ((q.labeled - p.labeled) * (p.accuracy + q.accuracy)) / 2;
  }
  return area / ((curve.at(-1) as CurvePoint).labeled - (curve[0] as CurvePoint).labeled);
}

/**
 * Labels (and round index) needed to reach a target accuracy: the first point with
 * accuracy ≥ target, or null when the curve never reaches it.
 */
export function labelsToReach(curve: readonly CurvePoint[], target: number): { round: number; labeled: number } | null {
  for (const [i, p] of curve.entries()) if (Number.isFinite(p.accuracy) && p.accuracy >= target) return { round: i, labeled: p.labeled };
  return null;
}

/**
 * Stopping signals of an active-learning run (ANCHORS.md #10, "when to stop labeling"): pure numeric
 * kernels, one value per query round. The per-run analysis (analysis.ts) records the first three at
 * selection time; the accuracy gain per label is derived from the learning curve in the report.
 */
import { l2Distance, minDistances } from '../linalg/distance.ts';
import { argmaxRows, assertFinite, type Matrix } from '../linalg/matrix.ts';
import type { CurvePoint } from './curves.ts';

/** The stopping signals recorded per query round (results.json `analysis.rounds[i].stopping`). */
export interface StoppingSignals {
  /** {@link coverageRadius} of the unlabeled pool by the labeled set, L2 in the probability simplex, ∈ [0, √2]. */
  coverageRadius: number;
  /** {@link teacherStudentAgreement} on the unlabeled pool, ∈ [0, 1]; null when the run has no teacher. */
  teacherAgreement: number | null;
  /** {@link predictionStability} against the previous query round, ∈ [0, 1]; null in the first query round. */
  predictionStability: number | null;
}

/**
 * Coverage radius of the unlabeled pool U by the labeled set L — the k-center objective that
 * PCoreSet's farthest-first traversal greedily reduces (SPEC.md §9.4; Sener & Savarese 2018):
 * `max_{u∈U} min_{l∈L} ‖p(u) − p(l)‖₂`, computed with the running-minimum kernel that k-center greedy
 * starts from (`minDistances` with `l2Distance`, O(|U|) extra memory, no |U|×|L| matrix).
 * @param pool |U|×C student combined probabilities of the unlabeled pool (rows on the simplex)
 * @param labeled |L|×C student combined probabilities of the labeled set (same C)
 * @returns the radius in L2 units of the probability simplex, ∈ [0, √2] for probability rows;
 *   +∞ when L is empty, 0 when U is empty (nothing left to cover)
 * @throws RangeError on a column mismatch or non-finite inputs
 */
export function coverageRadius(pool: Matrix, labeled: Matrix): number {
  if (labeled.rows > 0 && labeled.cols !== pool.cols) throw new RangeError(`coverageRadius: labeled rows have ${labeled.cols} columns, pool rows ${pool.cols}`);
  if (labeled.rows > 0) assertFinite('coverageRadius labeled', labeled);
  assertFinite('coverageRadius pool', pool);
  if (pool.rows === 0) return 0;
  if (labeled.rows === 0) return Infinity;
  const minDist = minDistances(pool, labeled, l2Distance);
  let r = 0;
  for (const d of minDist) if (d > r) r = d;
  return r;
}

/**
 * Teacher–student agreement: the fraction of items whose student prediction (argmax of the combined
 * probabilities) equals the teacher's (argmax of its probabilities); ties → the lowest class, as in
 * `accuracy`. High agreement on the unlabeled pool means the labels now add little beyond the teacher.
 * @param student N×C student probabilities (or any class scores)
 * @param teacher N×C teacher probabilities of the same N items, in the same row order
 * @returns a fraction in [0, 1]; NaN when N = 0
 * @throws RangeError when the shapes differ
 */
export function teacherStudentAgreement(student: Matrix, teacher: Matrix): number {
  if (student.rows !== teacher.rows || student.cols !== teacher.cols) throw new RangeError(`teacherStudentAgreement: student ${student.rows}×${student.cols}, teacher ${teacher.rows}×${teacher.cols}`);
  if (student.rows === 0) return NaN;
  const a = argmaxRows(student);
  const b = argmaxRows(teacher);
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/**
 * Prediction stability (Bloodgood & Vijay-Shanker 2009, "A method for stopping active learning based
 * on stabilizing predictions", CoNLL): the fraction of items, among those unlabeled in both rounds,
 * whose predicted class did not change between the previous round's student and this one.
 * @param previous predicted class per pool item (global row) in the previous round, −1 where the item
 *   was not in the unlabeled pool then
 * @param current the same for this round (same length)
 * @returns a fraction in [0, 1]; NaN when no item is unlabeled in both rounds
 * @throws RangeError when the lengths differ
 */
export function predictionStability(previous: Int32Array, current: Int32Array): number {
  if (previous.length !== current.length) throw new RangeError(`predictionStability: ${previous.length} previous, ${current.length} current predictions`);
  let both = 0;
  let same = 0;
  for (let i = 0; i < current.length; i++) {
    const p = previous[i] as number;
    const c = current[i] as number;
    if (p < 0 || c < 0) continue;
    both++;
    if (p === c) same++;
  }
  return both === 0 ? NaN : same / both;
}

/**
 * Accuracy gain per label between consecutive rounds of a learning curve:
 * `g_i = (a_{i+1} − a_i) / (n_{i+1} − n_i)` for i = 0..R−2, in accuracy units per label (percentage
 * points per label when the accuracies are in %). A gain that stays near 0 says more labels stop paying.
 * @param curve learning-curve points in round order (labeled count n_i, accuracy a_i)
 * @returns R−1 gains; NaN where an accuracy is not finite or the labeled count did not increase
 */
export function accuracyGainPerLabel(curve: readonly CurvePoint[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < curve.length; i++) {
    const p = curve[i - 1] as CurvePoint;
    const q = curve[i] as CurvePoint;
    const dn = q.labeled - p.labeled;
    out.push(dn > 0 && Number.isFinite(p.accuracy) && Number.isFinite(q.accuracy) ? (q.accuracy - p.accuracy) / dn : NaN);
  }
  return out;
}

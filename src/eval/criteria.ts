/**
 * Selection criteria of a queried batch (paper Fig. 10; SPEC.md §11.2, reconstructed).
 */
import { dotSerial, l2NormalizeRows, squaredL2Serial } from '../linalg/distance.ts';
import type { Matrix } from '../linalg/matrix.ts';
import { classHistogram } from './picked-classes.ts';

/** The four criteria of one selected batch S (each in [0, 1] with the default normalisation). */
export interface BatchCriteria {
  /** mean_{x∈S} H(p(x)) / log C — normalised Shannon entropy of the student's combined probabilities. */
  uncertainty: number;
  /** H(histogram of the ground-truth labels of S) / log C. */
  classBalance: number;
  /** mean_{x∈S} min_{x'∈L∪S, x'≠x} (1 − ẑ(x)·ẑ(x')) / `featureScale` (ẑ = L2-normalised student features, torch `F.normalize`). */
  featureDiversity: number;
  /** mean_{x∈S} min_{x'∈L∪S, x'≠x} ‖p(x) − p(x')‖₂ / `probScale`. */
  probDiversity: number;
}

/** Options of {@link batchCriteria}. */
export interface CriteriaOptions {
  /**
   * Divisor of the feature cosine distance. Default 1 (SPEC §11.2 verbatim: 1 − cos ∈ [0, 2], and
   * ∈ [0, 1] for non-negative features such as ReLU outputs); use 2 to map any features into [0, 1].
   */
  featureScale?: number;
  /** Divisor of the probability L2 distance. Default √2, the diameter of the probability simplex. */
  probScale?: number;
}

/** Normalised Shannon entropy H(p)/log(C) of a non-negative vector (renormalised to sum 1). */
export function normalisedEntropy(p: ArrayLike<number>): number {
  const c = p.length;
  if (c < 2) return 0;
  let s = 0;
  for (let i = 0; i < c; i++) s += p[i] as number;
  if (!(s > 0)) return 0;
  let h = 0;
  for (let i = 0; i < c; i++) {
    const q = (p[i] as number) / s;
    if (q > 0) h -= q * Math.log(q);
  }
  return h / Math.log(c);
}

/**
 * Computes {@link BatchCriteria} of the picked batch S given the labeled set L at selection time.
 * Diversity uses, for every x ∈ S, its nearest other member of L ∪ S (|S| = 1 and L = ∅ gives NaN).
 * @param picked predictions of S: `probs` |S|×C and `features` |S|×D
 * @param labeled predictions of L: `probs` |L|×C and `features` |L|×D
 * @param pickedLabels ground-truth labels of S (values in 0..C−1)
 * @param numClasses C
 */
export function batchCriteria(
  picked: { readonly probs: Matrix; readonly features: Matrix },
  labeled: { readonly probs: Matrix; readonly features: Matrix },
  pickedLabels: ArrayLike<number>,
  numClasses: number,
  opts: CriteriaOptions = {},
): BatchCriteria {
  const s = picked.probs.rows;
  const C = numClasses;
  const featureScale = opts.featureScale ?? 1;
  const probScale = opts.probScale ?? Math.SQRT2;
  let unc = 0;
  for (let i = 0; i < s; i++) unc += normalisedEntropy(picked.probs.data.subarray(i * C, (i + 1) * C));
  const hist = classHistogram(pickedLabels, C);
  const D = picked.features.cols;
  const zs = l2NormalizeRows(picked.features).data;
  const zl = l2NormalizeRows(labeled.features).data;
  const cosDist = (a: Float32Array, i: number, b: Float32Array, j: number): number => 1 - dotSerial(a, i * D, b, j * D, D);
  const l2 = (a: Float32Array, i: number, b: Float32Array, j: number): number => Math.sqrt(squaredL2Serial(a, i * C, b, j * C, C));
  const meanMin = (dist: (a: Float32Array, i: number, b: Float32Array, j: number) => number, sData: Float32Array, lData: Float32Array, lRows: number): number => {
    let total = 0;
    for (let i = 0; i < s; i++) {
      let m = Infinity;
      for (let j = 0; j < lRows; j++) m = Math.min(m, dist(sData, i, lData, j));
      for (let j = 0; j < s; j++) if (j !== i) m = Math.min(m, dist(sData, i, sData, j));
      total += m;
    }
    return s > 0 && Number.isFinite(total) ? total / s : NaN;
  };
  return {
    uncertainty: s > 0 ? unc / s : NaN,
    classBalance: s > 0 ? normalisedEntropy(hist) : NaN,
    featureDiversity: meanMin(cosDist, zs, zl, labeled.features.rows) / featureScale,
    probDiversity: meanMin(l2, picked.probs.data, labeled.probs.data, labeled.probs.rows) / probScale,
  };
}

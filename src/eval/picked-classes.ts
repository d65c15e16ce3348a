/**
 * Class histogram of each picked batch (ANCHORS.md #8, "rare classes never get picked"): how many of
 * the picked items the student predicted in each class, and how many truly are in each class.
 */
import { argmaxRows, type Matrix } from '../linalg/matrix.ts';

/** Picked-batch counts per class (results.json `analysis.rounds[i].pickedClasses`). */
export interface PickedClassCounts {
  /** C counts of argmax of the selection-time student combined probabilities of the picked items. */
  predicted: number[];
  /** C counts of the oracle labels of the picked items (ground truth in simulations). */
  true: number[];
}

/**
 * Counts of each class among `classes`.
 * @param classes class indices in 0..C−1
 * @param numClasses C
 * @returns C counts summing to `classes.length`
 * @throws RangeError on a class index outside 0..C−1
 */
export function classHistogram(classes: ArrayLike<number>, numClasses: number): number[] {
  const out = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < classes.length; i++) {
    const c = classes[i] as number;
    if (!(Number.isInteger(c) && c >= 0 && c < numClasses)) throw new RangeError(`classHistogram: class ${c} outside 0..${numClasses - 1}`);
    out[c] = (out[c] as number) + 1;
  }
  return out;
}

/**
 * Predicted- and true-class histograms of one picked batch S.
 * @param pickedProbs |S|×C selection-time student combined probabilities of the picked items
 * @param pickedLabels |S| oracle labels of the picked items (same order)
 * @param numClasses C
 */
export function pickedClassCounts(pickedProbs: Matrix, pickedLabels: ArrayLike<number>, numClasses: number): PickedClassCounts {
  if (pickedLabels.length !== pickedProbs.rows) throw new RangeError(`pickedClassCounts: ${pickedLabels.length} labels for ${pickedProbs.rows} rows`);
  return { predicted: classHistogram(argmaxRows(pickedProbs), numClasses), true: classHistogram(pickedLabels, numClasses) };
}

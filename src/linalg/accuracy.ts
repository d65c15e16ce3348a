import { argmaxRows, type Matrix } from './matrix.ts';

/**
 * Top-1 accuracy of predicted class probabilities (or any class scores) against labels — the test
 * accuracy of every round (SPEC §10) and the few-shot teacher's fit accuracy.
 *
 * @param probs N×C row-major scores; the prediction of row i is its argmax (ties → lowest class).
 * @param labels N ground-truth class indices; rows labelled −1 (unknown) are ignored.
 * @returns the fraction of correctly predicted rows among the rows with a known label, in [0, 1];
 *   `NaN` when no row has a known label.
 * @throws RangeError when `labels.length !== probs.rows`.
 */
export function accuracy(probs: Matrix, labels: Int32Array): number {
  if (labels.length !== probs.rows) throw new RangeError(`accuracy: ${labels.length} labels for ${probs.rows} prediction rows`);
  const pred = argmaxRows(probs);
  let known = 0;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] as number;
    if (y < 0) continue;
    known++;
    if (pred[i] === y) correct++;
  }
  return known === 0 ? Number.NaN : correct / known;
}

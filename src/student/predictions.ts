import type { Matrix } from '../linalg/matrix.ts';

/**
 * The student's outputs for a set of items (SPEC.md §9 "common inputs"): what
 * `StudentModel.predict` returns and what every selection strategy reads.
 * All matrices have one row per item, in the same order.
 *
 * Defined in the student layer (which produces it); src/strategies/types.ts re-exports it for the
 * strategies, which sit above the student.
 */
export interface StudentPredictions {
  /** N×C CE-head logits. */
  readonly ce: Matrix;
  /** N×C KD-head logits. */
  readonly kd: Matrix;
  /** N×C combined probabilities α·softmax(ce) + (1−α)·softmax(kd/β) (SPEC §6). */
  readonly probs: Matrix;
  /** N×D penultimate features the heads read (student backbone output, or adapter output). */
  readonly features: Matrix;
}

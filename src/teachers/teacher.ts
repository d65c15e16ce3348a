import type { SkippedImage } from '../encoders/encode.ts';
import type { Matrix } from '../linalg/matrix.ts';
import type { Rng } from '../util/rng.ts';

/**
 * A generalist teacher: scores the target classes of every image without (zero-shot) or with
 * (few-shot) the labeled set. SPEC.md §3.3, §7.
 */
export interface Teacher {
  /** Stable identifier recorded in results, e.g. `label-transfer:mobilenet_v2@55197b16`. */
  readonly id: string;
  /** Human-readable description of its configuration (class map, reduction, temperature, prompts). */
  describe(): Record<string, unknown>;
  /**
   * Class probabilities for the given image paths.
   * @returns N×C row-major probabilities (rows sum to 1), C = number of target classes.
   */
  probs(paths: readonly string[]): Promise<Matrix>;
  /**
   * Images the last {@link probs} call could not decode (index into its `paths`, with the reason);
   * teachers that read no images (precomputed) leave it undefined.
   */
  readonly lastSkipped?: readonly SkippedImage[];
}

/**
 * When a few-shot teacher is refitted relative to the student of a round (SPEC.md §7.2, §12 O1):
 * `beforeStudent` — at the start of each round on the current labeled set L_r (paper, ImageNet
 * code); `afterStudent` — once on L_0 before round 0, then after each round's student training,
 * so student r ≥ 1 learns from the teacher fitted on L_{r−1} (the 10 "other" datasets' code).
 */
export type FewShotTiming = 'beforeStudent' | 'afterStudent';

/** One refit of a {@link FewShotTeacher}. */
export interface FewShotFitRecord {
  /** 0-based refit number. */
  readonly fit: number;
  /** |L| the teacher was fitted on. */
  readonly labeledCount: number;
  /** Optimiser steps taken. */
  readonly steps: number;
  /** Training loss at the end of the fit. */
  readonly finalLoss: number;
  /** Wall-clock time of the fit, in seconds. */
  readonly seconds: number;
  /** Top-1 accuracy of the refitted teacher on the test split (fraction), or null without one (paper Fig. 6/16). */
  readonly testAccuracy: number | null;
}

/**
 * A few-shot teacher (SPEC.md §7.2): scores a fixed training pool (and optionally a test split)
 * and is refitted on the labeled set as the active-learning loop grows it. Until the first refit
 * it predicts zero-shot. Built by the `fewShot` capability of a teacher kind
 * (src/teachers/registry.ts); the CLAP probe (src/teachers/clap.ts) is the one implementation.
 */
export interface FewShotTeacher {
  /** Stable identifier recorded in results, e.g. `clap(clip:…)`. */
  readonly id: string;
  /** Number of classes C. */
  readonly numClasses: number;
  /** Hyper-parameters, recorded in results; `clapTiming` tells the loop when to refit. */
  readonly config: { readonly clapTiming: FewShotTiming };
  /** Every refit so far, in order. */
  readonly fits: readonly FewShotFitRecord[];
  /**
   * Refits on the labeled pool rows.
   * @param labeledRows rows of the pool (indices into the pool the teacher was built on).
   * @param labels their labels, in 0..C−1.
   * @returns the record of this fit (also appended to {@link fits}).
   * @throws RangeError when the labeled set is empty or rows / labels are out of range.
   */
  refit(labeledRows: ArrayLike<number>, labels: ArrayLike<number>): FewShotFitRecord;
  /** N×C row-major probabilities on the training pool (rows sum to 1), of the current fit. */
  probs(): Matrix;
  /** T×C row-major probabilities on the test split, or null when built without one. */
  testProbs(): Matrix | null;
  /**
   * A fresh teacher over the same pool, with no fits yet and its own random source (one per
   * active-learning run, so runs share neither fit history nor random streams).
   */
  withRng(rng: Rng): FewShotTeacher;
  /** Configuration and fit history, for run records. */
  describe(): Record<string, unknown>;
}

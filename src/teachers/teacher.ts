import type { SkippedImage } from '../encoders/encode.ts';
import type { Matrix } from '../linalg/matrix.ts';

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

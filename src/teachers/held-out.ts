/**
 * The held-out few-shot teacher (issue 14): a realistic teacher of controlled strength for
 * simulations. The CLAP few-shot teacher (SPEC §7.2, src/teachers/clap.ts) is fitted ONCE on K
 * labeled images per class of a teacher split that is disjoint from the pool and the test set
 * (src/data/teacher-split.ts), then frozen for the whole run like a zero-shot teacher: the
 * active-learning loop only ever sees its pool and test probabilities.
 */
import { matrix, type Matrix } from '../linalg/matrix.ts';
import type { FewShotFitRecord, FewShotTeacher } from './teacher.ts';

/** What {@link fitHeldOutTeacher} returns. */
export interface HeldOutTeacher {
  /** `held-out-few-shot(K=…;<few-shot teacher id>)`. */
  readonly id: string;
  /** K, images per class of the teacher split. */
  readonly shots: number;
  /** N×C probabilities of the frozen teacher on the pool (rows sum to 1). */
  readonly poolProbs: Matrix;
  /** T×C probabilities on the test split, or null when the few-shot teacher has none. */
  readonly testProbs: Matrix | null;
  /** The one fit, on the teacher split. */
  readonly fit: FewShotFitRecord;
}

/**
 * Fits a few-shot teacher built over `pool ++ teacher split` (pool rows 0..N−1 first, then the
 * teacher-split rows N..N+M−1) on the teacher-split rows only, and returns its frozen pool and
 * test probabilities.
 * @param fewShot a fresh few-shot teacher (no fits) whose pool is the N pool images followed by
 *   the M teacher-split images
 * @param poolSize N
 * @param teacherLabels the M teacher-split labels, in 0..C−1
 * @param shots K, recorded
 * @throws RangeError when the few-shot teacher's pool is not N + M rows (from the shapes)
 */
export function fitHeldOutTeacher(fewShot: FewShotTeacher, poolSize: number, teacherLabels: Int32Array, shots: number): HeldOutTeacher {
  const rows = Int32Array.from({ length: teacherLabels.length }, (_, i) => poolSize + i);
  const fit = fewShot.refit(rows, teacherLabels);
  const all = fewShot.probs();
  if (all.rows !== poolSize + teacherLabels.length) throw new RangeError(`held-out teacher: the few-shot teacher scores ${all.rows} images, expected ${poolSize} pool + ${teacherLabels.length} teacher-split images`);
  const C = all.cols;
  return {
    id: `held-out-few-shot(K=${shots};${fewShot.id})`,
    shots,
    poolProbs: matrix(poolSize, C, all.data.slice(0, poolSize * C)),
    testProbs: fewShot.testProbs(),
    fit,
  };
}

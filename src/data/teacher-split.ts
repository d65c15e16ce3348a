/**
 * The teacher split of a simulation (issue 14): K labeled images per class, disjoint from the
 * pool and the test split, on which a held-out few-shot teacher is fitted once and then frozen.
 */
import { UserError } from '../util/errors.ts';
import { limitFor, takeSplit, type SplitLimit } from './common.ts';
import type { Split } from './dataset.ts';

/** The pool and the teacher split carved from one training split. */
export interface CarvedTeacherSplit {
  /** The active-learning pool (training items not in the teacher split), in split order. */
  readonly pool: Split;
  /** `shots` items of each class, in split order; never in `pool`. */
  readonly teacher: Split;
}

/**
 * The per-class limit to open the training split with when a teacher split of `shots` images per
 * class must follow the pool's first `limitPerClass` items of each class: the train limit grows
 * by `shots`; the other splits keep theirs. Unchanged when there is no train limit.
 */
export function limitWithTeacherSplit(limitPerClass: SplitLimit | undefined, shots: number): SplitLimit | undefined {
  const train = limitFor(limitPerClass, 'train');
  if (train === undefined) return limitPerClass;
  const test = limitFor(limitPerClass, 'test');
  const val = limitFor(limitPerClass, 'val');
  return { train: train + shots, ...(test !== undefined ? { test } : {}), ...(val !== undefined ? { val } : {}) };
}

/**
 * Splits a training split into the pool and a teacher split of `shots` items per class.
 * - With `poolPerClass` (the pool's per-class limit, e.g. `--limit-per-class 1000,200`): the pool
 *   is the first `poolPerClass` items of each class and the teacher split the next `shots` (open
 *   the dataset with {@link limitWithTeacherSplit} so they are there);
 * - without it: the teacher split is the last `shots` items of each class, removed from the pool.
 *
 * @param train the training split, labels in 0..C−1
 * @param numClasses C
 * @param shots K ≥ 1 teacher images per class
 * @throws UserError when an item has no label, or a class has too few items for a teacher split of
 *   K images and a non-empty pool (the message names the class)
 */
export function carveTeacherSplit(train: Split, numClasses: number, shots: number, classNames: readonly string[], poolPerClass?: number): CarvedTeacherSplit {
  if (!Number.isInteger(shots) || shots < 1) throw new UserError(`--teacher-shots must be a positive integer, got ${shots}`);
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < train.labels.length; i++) {
    const y = train.labels[i] as number;
    if (!(y >= 0 && y < numClasses)) throw new UserError(y < 0 ? `--teacher-shots needs a label for every training item: ${train.ids[i]} has none` : `--teacher-shots: ${train.ids[i]} has label ${y}, outside 0..${numClasses - 1}`);
    (byClass[y] as number[]).push(i);
  }
  const teacherRows = new Set<number>();
  for (const [c, rows] of byClass.entries()) {
    const name = classNames[c] ?? String(c);
    if (poolPerClass !== undefined) {
      if (rows.length < poolPerClass + shots) throw new UserError(`--teacher-shots ${shots}: class "${name}" has ${rows.length} training images, the pool takes the first ${poolPerClass} and the teacher split needs ${shots} more`);
      for (const r of rows.slice(poolPerClass, poolPerClass + shots)) teacherRows.add(r);
    } else {
      if (rows.length <= shots) throw new UserError(`--teacher-shots ${shots}: class "${name}" has ${rows.length} training images; the teacher split takes ${shots} and the pool needs at least one`);
      for (const r of rows.slice(rows.length - shots)) teacherRows.add(r);
    }
  }
  const poolRows: number[] = [];
  const tRows: number[] = [];
  const keep = poolPerClass === undefined ? null : new Set(byClass.flatMap((rows) => rows.slice(0, poolPerClass)));
  for (let i = 0; i < train.labels.length; i++) {
    if (teacherRows.has(i)) tRows.push(i);
    else if (keep === null || keep.has(i)) poolRows.push(i);
  }
  return { pool: takeSplit(train, poolRows), teacher: takeSplit(train, tRows) };
}

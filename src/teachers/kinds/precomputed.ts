/**
 * Teacher kind `precomputed:FILE`: probabilities or logits read from a file (`.npy` + ids, `.csv`,
 * `.jsonl`; src/teachers/precomputed.ts), e.g. the `teacher/probs.npy` a run writes
 * (src/teachers/precomputed-write.ts). No image features, so no few-shot teacher.
 */
import { resolve } from 'node:path';
import type { TeacherKind } from '../kind.ts';
import { PrecomputedTeacher } from '../precomputed.ts';

/**
 * The `precomputed:FILE` teacher kind (option: precomputedKind). Images are looked up by the ids
 * of the dataset's splits; the file must have a row for every item of every split (extra rows are
 * ignored), else UserError.
 */
export const PRECOMPUTED_KIND: TeacherKind = Object.freeze<TeacherKind>({
  name: 'precomputed',
  argument: 'FILE',
  help: 'probabilities or logits from a file: .npy + ids, .csv or .jsonl',
  create: async (file, { dataset, options: o }) => {
    const idOfPath = new Map<string, string>();
    const ids: string[] = [];
    for (const split of [dataset.train, dataset.test]) {
      if (!split) continue;
      split.paths.forEach((p, i) => idOfPath.set(p, split.ids[i] as string));
      ids.push(...split.ids);
    }
    const t = await PrecomputedTeacher.load({ file: resolve(file), classNames: dataset.classNames, root: dataset.root, idOfPath, ...(o.precomputedKind ? { kind: o.precomputedKind } : {}) });
    t.checkIds(ids, true);
    return t;
  },
});

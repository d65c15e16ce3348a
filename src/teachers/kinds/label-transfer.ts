/**
 * Teacher kind `label-transfer`: an ImageNet classifier (default: the embedded MobileNetV2) whose
 * outputs are mapped to the dataset's classes by a class map (src/teachers/label-transfer.ts);
 * few-shot: CLAP with a linear head on its 1280-d features (src/teachers/few-shot.ts); where no
 * class map covers the classes, the few-shot teacher starts from the labeled class means instead
 * of the mapped ImageNet classifier rows (`labelsOnlyFewShot`, issue 15 #16).
 */
import { resolve } from 'node:path';
import { mobilenetV2Spec } from '../../encoders/embedded.ts';
import { labelsOnlyFewShotTeacher, labelTransferFewShotTeacher } from '../few-shot.ts';
import type { TeacherKind } from '../kind.ts';
import { LabelTransferTeacher } from '../label-transfer.ts';

/** The `label-transfer` teacher kind (no argument; options: model, mapFile, labelsFile, reduce, temperature). */
export const LABEL_TRANSFER_KIND: TeacherKind = Object.freeze<TeacherKind>({
  name: 'label-transfer',
  help: 'ImageNet classifier, embedded MobileNetV2 by default, mapped to the classes by a class map',
  create: async (_arg, { dataset, options: o, encode }) =>
    LabelTransferTeacher.create({
      classNames: dataset.classNames,
      ...(o.mapFile ? { mapFile: resolve(o.mapFile) } : {}),
      ...(o.labelsFile ? { labelsFile: resolve(o.labelsFile) } : {}),
      ...(o.model ? { spec: mobilenetV2Spec(resolve(o.model)) } : {}),
      ...(o.reduce ? { reduce: o.reduce } : {}),
      ...(o.temperature ? { temperature: o.temperature } : {}),
      encode,
    }),
  fewShot: async (teacher, { images, config, rng, encode }) => {
    if (!(teacher instanceof LabelTransferTeacher)) throw new TypeError(`label-transfer few-shot: ${teacher.id} is not a label-transfer teacher`);
    return labelTransferFewShotTeacher(teacher, images, { rng, ...(config ? { config } : {}), encode });
  },
  labelsOnlyFewShot: async ({ dataset, options: o }, { images, config, rng, encode }) =>
    labelsOnlyFewShotTeacher(o.model ? mobilenetV2Spec(resolve(o.model)) : mobilenetV2Spec(), dataset.classNames, images, { rng, ...(config ? { config } : {}), encode }),
});

/**
 * Teacher kind `clip:DIR`: a local CLIP ONNX folder (transformers.js layout), zero-shot from
 * class-name prompts (SPEC.md §3.3, §2.2; src/teachers/clip/teacher.ts); few-shot: CLAP with the
 * cosine head on its image embeddings (SPEC §7.2; src/teachers/few-shot.ts).
 */
import { resolve } from 'node:path';
import { ClipTeacher } from '../clip/teacher.ts';
import { clipFewShotTeacher } from '../few-shot.ts';
import type { TeacherKind } from '../kind.ts';

/** The `clip:DIR` teacher kind (options: prompts, clipDownload). */
export const CLIP_KIND: TeacherKind = Object.freeze<TeacherKind>({
  name: 'clip',
  argument: 'DIR',
  help: 'local CLIP ONNX folder in transformers.js layout, zero-shot from class-name prompts',
  create: async (dir, { dataset, options: o, encode }) =>
    ClipTeacher.create({
      dir: resolve(dir),
      classNames: dataset.classNames,
      ...(o.prompts ? { dataset: o.prompts } : {}),
      ...(o.clipDownload ? { folder: { allowRemote: true, repo: o.clipDownload } } : {}),
      encode,
    }),
  fewShot: async (teacher, { images, config, rng }) => {
    if (!(teacher instanceof ClipTeacher)) throw new TypeError(`clip few-shot: ${teacher.id} is not a CLIP teacher`);
    return clipFewShotTeacher(teacher, images, { rng, ...(config ? { config } : {}) });
  },
});

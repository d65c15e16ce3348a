/**
 * Chooses and builds the teacher of an experiment from its options (`--teacher
 * label-transfer | clip:DIR | precomputed:FILE`), builds the CLAP few-shot teacher on top of it
 * for framework `few-shot`, and writes teacher probabilities next to the results in the
 * precomputed-teacher format (so a run's teacher can be replayed with `precomputed:FILE`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { mobilenetV2Spec } from '../assets.ts';
import type { Dataset } from '../data/dataset.ts';
import type { EncodeOptions } from '../encoders/encode.ts';
import type { Matrix } from '../linalg/matrix.ts';
import type { ClapConfig, FewShotTeacher } from '../teachers/clap.ts';
import { ClipTeacher } from '../teachers/clip/teacher.ts';
import { clipFewShotTeacher, labelTransferFewShotTeacher } from '../teachers/few-shot.ts';
import { LabelTransferTeacher } from '../teachers/label-transfer.ts';
import { PrecomputedTeacher } from '../teachers/precomputed.ts';
import type { Teacher } from '../teachers/teacher.ts';
import { UserError } from '../util/errors.ts';
import { encodeNpy } from '../util/npy.ts';
import { Rng } from '../util/rng.ts';
import type { PreparedData } from './prepare.ts';
import { DEFAULT_TEACHER, parseTeacherSpec } from '../options/teacher.ts';

export { parseTeacherSpec, type TeacherSpec } from '../options/teacher.ts';

/** Teacher choice and the options of the CLIP, precomputed and few-shot teachers. */
export interface TeacherChoice {
  /** `label-transfer` (default), `clip:DIR` (local CLIP folder) or `precomputed:FILE`. */
  spec?: string;
  /** CLIP: prompt-set key of SPEC §2.2 (`dtd`, `imagenet`, …); default `a photo of a {}.`. */
  prompts?: string;
  /** CLIP: hub model id to download missing files from (downloading is off without it). */
  clipDownload?: string;
  /** Precomputed: what the file holds (default: probs; JSONL: from its field names). */
  precomputedKind?: 'probs' | 'logits';
  /** Framework few-shot: CLAP hyper-parameters and timing (SPEC §7.2). */
  clap?: Partial<ClapConfig>;
}

/** Label-transfer options (see `LabelTransferArgs`). */
export interface LabelTransferChoice {
  model?: string;
  mapFile?: string;
  labelsFile?: string;
  reduce?: 'max' | 'sum';
  temperature?: number;
}

/**
 * Builds the zero-shot teacher an experiment asked for.
 * @throws UserError from the chosen teacher (missing files, invalid maps or configs; for a
 *   precomputed file, ids missing for items of the dataset).
 */
export async function createTeacher(choice: TeacherChoice & LabelTransferChoice, dataset: Dataset, encode: EncodeOptions): Promise<Teacher> {
  const spec = parseTeacherSpec(choice.spec ?? DEFAULT_TEACHER);
  const enc = { ...encode, progressLabel: 'teacher probabilities' };
  if (spec.kind === 'clip') {
    return ClipTeacher.create({
      dir: resolve(spec.dir),
      classNames: dataset.classNames,
      ...(choice.prompts ? { dataset: choice.prompts } : {}),
      ...(choice.clipDownload ? { folder: { allowRemote: true, repo: choice.clipDownload } } : {}),
      encode: enc,
    });
  }
  if (spec.kind === 'precomputed') {
    const idOfPath = new Map<string, string>();
    const ids: string[] = [];
    for (const split of [dataset.train, dataset.test]) {
      if (!split) continue;
      split.paths.forEach((p, i) => idOfPath.set(p, split.ids[i] as string));
      ids.push(...split.ids);
    }
    const t = await PrecomputedTeacher.load({ file: resolve(spec.file), classNames: dataset.classNames, root: dataset.root, idOfPath, ...(choice.precomputedKind ? { kind: choice.precomputedKind } : {}) });
    t.checkIds(ids, true);
    return t;
  }
  return LabelTransferTeacher.create({
    classNames: dataset.classNames,
    ...(choice.mapFile ? { mapFile: resolve(choice.mapFile) } : {}),
    ...(choice.labelsFile ? { labelsFile: resolve(choice.labelsFile) } : {}),
    ...(choice.model ? { spec: mobilenetV2Spec(resolve(choice.model)) } : {}),
    ...(choice.reduce ? { reduce: choice.reduce } : {}),
    ...(choice.temperature ? { temperature: choice.temperature } : {}),
    encode: enc,
  });
}

/**
 * Builds the CLAP few-shot teacher over the prepared pool and test split (one template; each run
 * takes a fresh copy with {@link FewShotTeacher.withRng}).
 * @throws UserError for a precomputed teacher (it has no image features to fit a probe on).
 */
export async function createFewShotTeacher(teacher: Teacher, prepared: PreparedData, clap: Partial<ClapConfig> | undefined, encode: EncodeOptions): Promise<FewShotTeacher> {
  const imgs = { pool: prepared.train.paths, ...(prepared.test ? { test: { paths: prepared.test.paths, labels: prepared.test.labels } } : {}) };
  const opts = { rng: new Rng(0), ...(clap ? { config: clap } : {}) };
  if (teacher instanceof ClipTeacher) return clipFewShotTeacher(teacher, imgs, opts);
  if (teacher instanceof LabelTransferTeacher) return labelTransferFewShotTeacher(teacher, imgs, { ...opts, encode: { ...encode, progressLabel: 'teacher features' } });
  throw new UserError(`framework few-shot needs a teacher with image features (clip:DIR or label-transfer), not ${teacher.id}`);
}

/**
 * Writes the teacher probabilities of several splits as one `<dir>/<name>.npy` (float32, rows of
 * the splits one after the other) and `<dir>/<name>.ids.txt` (one id per line): the
 * precomputed-teacher format, so `--teacher precomputed:<dir>/<name>.npy` replays the teacher.
 * @throws RangeError when a split's ids and rows differ in number or the splits differ in width.
 */
export function writeTeacherProbs(dir: string, name: string, splits: readonly { readonly ids: readonly string[]; readonly probs: Matrix }[]): void {
  const c = splits[0]?.probs.cols ?? 0;
  let n = 0;
  for (const s of splits) {
    if (s.ids.length !== s.probs.rows || s.probs.cols !== c) throw new RangeError(`writeTeacherProbs: ${s.ids.length} ids for a ${s.probs.rows}×${s.probs.cols} matrix (expected width ${c})`);
    n += s.ids.length;
  }
  const data = new Float32Array(n * c);
  let o = 0;
  for (const s of splits) {
    data.set(s.probs.data, o);
    o += s.probs.data.length;
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.npy`), encodeNpy(data, [n, c]));
  writeFileSync(join(dir, `${name}.ids.txt`), splits.flatMap((s) => s.ids.map((id) => `${id}\n`)).join(''));
}

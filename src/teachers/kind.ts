/**
 * What a teacher kind of the teacher registry (src/teachers/registry.ts) is: a spec keyword with
 * its argument, a factory of the zero-shot {@link Teacher} and, for kinds with image features, a
 * factory of the {@link FewShotTeacher} (SPEC.md §3.3, §7). One file per kind exports one
 * {@link TeacherKind} (src/teachers/kinds/).
 */
import type { Dataset } from '../data/dataset.ts';
import type { EncodeOptions } from '../encoders/encode.ts';
import type { Rng } from '../util/rng.ts';
import type { ClapConfig } from './clap.ts';
import type { FewShotImages } from './few-shot.ts';
import type { FewShotTeacher, Teacher } from './teacher.ts';

/** Teacher choice and the options of the CLIP, precomputed and few-shot teachers. */
export interface TeacherChoice {
  /** Teacher spec: `label-transfer` (default), `clip:DIR`, `precomputed:FILE` or `none` (see the registry). */
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

/** Label-transfer options (see `LabelTransferArgs` in src/teachers/label-transfer.ts). */
export interface LabelTransferChoice {
  /** ImageNet classifier ONNX with a `probs` output. Default: embedded MobileNetV2. */
  model?: string;
  /** Class map JSON. Default: the embedded map whose keys cover the classes. */
  mapFile?: string;
  /** Labels of the classifier outputs, one per line. Default: embedded ImageNet labels. */
  labelsFile?: string;
  /** Class score over its mapped ImageNet outputs. Default `max`. */
  reduce?: 'max' | 'sum';
  /** Temperature applied after mapping. Default 1. */
  temperature?: number;
}

/** What {@link TeacherKind.create} builds a teacher from. */
export interface TeacherContext {
  /** The dataset the teacher scores: class names (label order, C = length), root and splits. */
  readonly dataset: Dataset;
  /** Every teacher option given; each kind reads the ones that apply to it. */
  readonly options: TeacherChoice & LabelTransferChoice;
  /** Options of the image encoder (cache folder, threads, progress label). */
  readonly encode: EncodeOptions;
}

/** What {@link TeacherKind.fewShot} builds a few-shot teacher from. */
export interface FewShotContext {
  /** The pool (row i ↔ pool[i]) and optional test split the few-shot teacher scores. */
  readonly images: FewShotImages;
  /** CLAP hyper-parameters over the defaults (SPEC §7.2, §14). */
  readonly config?: Partial<ClapConfig>;
  /** Random source of the template (each run takes a copy with `withRng`). */
  readonly rng: Rng;
  /** Options of the image encoder for the teacher features (cache folder, threads, progress label). */
  readonly encode: EncodeOptions;
}

/**
 * One teacher kind: the `--teacher` spec `name` or `name:ARGUMENT`.
 *
 * Adding a teacher = one file exporting a `TeacherKind` + one entry in `BUILTIN_TEACHER_KINDS`
 * (src/teachers/registry.ts), or `createTeacherRegistry([...TEACHERS.kinds, kind])`.
 */
export interface TeacherKind {
  /** Spec keyword: lower-case letters, digits and `-`, starting with a letter; not `none`. */
  readonly name: string;
  /**
   * Placeholder of the spec argument, e.g. `DIR` for `clip:DIR`; absent when the kind takes no
   * argument (spec = `name`).
   */
  readonly argument?: string;
  /** One-line description, for help texts and error messages. */
  readonly help: string;
  /**
   * Builds the zero-shot teacher.
   * @param arg the text after `name:` (non-empty), or `''` for a kind without argument.
   * @throws UserError on bad input (missing files, invalid maps or configs).
   */
  readonly create: (arg: string, context: TeacherContext) => Promise<Teacher>;
  /**
   * Builds the few-shot teacher (CLAP, SPEC §7.2) on a teacher that {@link create} built; absent
   * for kinds without image features.
   * @throws UserError from the feature computation; TypeError when `teacher` is not of this kind.
   */
  readonly fewShot?: (teacher: Teacher, context: FewShotContext) => Promise<FewShotTeacher>;
  /**
   * Builds a few-shot teacher from the labeled set alone, without the zero-shot teacher, for when
   * {@link create} cannot score the dataset's classes (label transfer: no class map covers them;
   * issue 15 #16); absent for kinds that cannot.
   * @throws UserError from the feature computation.
   */
  readonly labelsOnlyFewShot?: (context: TeacherContext, fewShot: FewShotContext) => Promise<FewShotTeacher>;
}

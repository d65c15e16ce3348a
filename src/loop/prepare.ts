import { resolve } from 'node:path';
import { ASSETS } from '../assets.ts';
import { mobilenetV1Spec } from '../encoders/embedded.ts';
import type { Dataset, SkippedFile, Split } from '../data/dataset.ts';
import { openDataset, type OpenDatasetOptions } from '../data/open.ts';
import { limitFor, takeSplit } from '../data/common.ts';
import { carveTeacherSplit, limitWithTeacherSplit } from '../data/teacher-split.ts';
import { encodeImages, type EncodeOptions } from '../encoders/encode.ts';
import { withPreprocess, type EncoderSpec, type PreprocessVersion } from '../encoders/spec.ts';
import { accuracy } from '../linalg/accuracy.ts';
import { takeRows, type Matrix } from '../linalg/matrix.ts';
import { fewShotImagesOf } from '../teachers/few-shot.ts';
import { fitHeldOutTeacher } from '../teachers/held-out.ts';
import type { LabelTransferChoice, TeacherChoice } from '../teachers/kind.ts';
import { writeTeacherProbs } from '../teachers/precomputed-write.ts';
import { NoClassMapError } from '../teachers/label-transfer.ts';
import { createFewShotTeacher, createLabelsOnlyFewShotTeacher, createTeacher, DEFAULT_TEACHER_SPEC, parseTeacherSpec } from '../teachers/registry.ts';
import type { FewShotFitRecord, FewShotTeacher, Teacher } from '../teachers/teacher.ts';
import { UserError } from '../util/errors.ts';

/** A dataset with everything the loop reads, computed once (and cached on disk by the encoders). */
export interface PreparedData {
  readonly dataset: Dataset;
  /** Training pool after dropping undecodable images. */
  readonly train: Split;
  readonly test?: Split;
  /** N×D student-backbone features of `train`, T×D of `test`. */
  readonly trainFeatures: Matrix;
  readonly testFeatures?: Matrix;
  /** N×C / T×C teacher probabilities (absent when no teacher is given). */
  readonly teacherTrain?: Matrix;
  readonly teacherTest?: Matrix;
  /** Everything skipped, by the reader and by the decoders, with reasons. */
  readonly skipped: SkippedFile[];
}

/**
 * The skipped files as log lines, `  skipped <path>: <reason>`, the first `max` of them and then a
 * count of the rest (one format for every command that prepares a dataset).
 */
export function skippedLines(skipped: readonly SkippedFile[], max = 20): string[] {
  const lines = skipped.slice(0, max).map((s) => `  skipped ${s.path}: ${s.reason}`);
  if (skipped.length > max) lines.push(`  … and ${skipped.length - max} more skipped file(s)`);
  return lines;
}

/**
 * Encodes a dataset with the student backbone and (optionally) the teacher, and drops images any
 * encoder could not decode from both splits (each listed in `skipped` with its reason).
 * @throws UserError from the encoders (missing or broken model files).
 */
export async function prepareData(dataset: Dataset, studentSpec: EncoderSpec, teacher: Teacher | null, encode: EncodeOptions = {}): Promise<PreparedData> {
  const skipped: SkippedFile[] = [...dataset.skipped];
  const doSplit = async (split: Split, name: string) => {
    const enc = await encodeImages(studentSpec, split.paths, { ...encode, progressLabel: `student features (${name})` });
    const bad = new Set<number>(enc.skipped.map((s) => s.index));
    for (const s of enc.skipped) skipped.push({ path: s.path, reason: s.reason });
    let tprobs: Matrix | undefined;
    if (teacher) {
      tprobs = await teacher.probs(split.paths);
      const last = teacher.lastSkipped ?? [];
      for (const s of last) {
        if (!bad.has(s.index)) skipped.push({ path: s.path, reason: s.reason });
        bad.add(s.index);
      }
    }
    if (bad.size === 0) return { split, features: enc.outputs.features ?? firstOutput(enc.outputs), tprobs };
    const keep: number[] = [];
    for (let i = 0; i < split.ids.length; i++) if (!bad.has(i)) keep.push(i);
    const kept: Split = { ids: keep.map((i) => split.ids[i] as string), paths: keep.map((i) => split.paths[i] as string), labels: Int32Array.from(keep, (i) => split.labels[i] as number) };
    return { split: kept, features: takeRows(enc.outputs.features ?? firstOutput(enc.outputs), keep), tprobs: tprobs ? takeRows(tprobs, keep) : undefined };
  };
  const tr = await doSplit(dataset.train, 'train');
  const te = dataset.test ? await doSplit(dataset.test, 'test') : null;
  return {
    dataset,
    train: tr.split,
    trainFeatures: tr.features,
    ...(tr.tprobs ? { teacherTrain: tr.tprobs } : {}),
    ...(te ? { test: te.split, testFeatures: te.features, ...(te.tprobs ? { teacherTest: te.tprobs } : {}) } : {}),
    skipped,
  };
}

function firstOutput(o: Record<string, Matrix>): Matrix {
  const m = Object.values(o)[0];
  if (!m) throw new Error('encoder produced no output');
  return m;
}

/** What {@link prepareExperiment} needs: the dataset (opened or to open), the student backbone, the teacher. */
export interface ExperimentSetup {
  /** An opened dataset, or the path `openDataset` reads (with {@link datasetOptions}). */
  readonly dataset: Dataset | string;
  readonly datasetOptions?: OpenDatasetOptions;
  /** Student backbone ONNX (default: the embedded MobileNetV1). */
  readonly studentModel?: string;
  /** The zero-shot teacher to build, or null for none (no-distill only, no teacher analysis); spec `none` here is refused. */
  readonly teacher: (TeacherChoice & LabelTransferChoice) | null;
  /** Also build the CLAP few-shot teacher over the prepared pool (framework few-shot, SPEC §7.2). */
  readonly fewShot?: boolean;
  /**
   * Whether the zero-shot teacher's probabilities are required (framework zero-shot); default
   * true. When false and the teacher cannot score the dataset's classes (label transfer with no
   * class map covering them: `NoClassMapError`), `teacher` is null (no zero-shot probabilities, so
   * no bias analysis) and the few-shot teacher, when {@link fewShot} asks for one, is built from
   * the labeled set alone (issue 15 #16).
   */
  readonly zeroShot?: boolean;
  /**
   * Simulations only (issue 14): replace the zero-shot teacher's probabilities by those of the
   * held-out few-shot teacher, fitted once on this many labeled images per class of a teacher
   * split disjoint from the pool and the test split (src/data/teacher-split.ts), then frozen.
   */
  readonly teacherShots?: number;
  readonly encode: EncodeOptions;
}

/** The held-out few-shot teacher of a prepared experiment (see {@link ExperimentSetup.teacherShots}). */
export interface PreparedHeldOutTeacher {
  readonly id: string;
  /** K, teacher-split images per class. */
  readonly shots: number;
  /** The teacher split (ids, paths, labels): disjoint from the pool and the test split. */
  readonly split: Split;
  /** The one CLAP fit, on the teacher split. */
  readonly fit: FewShotFitRecord;
  /** Test accuracy (fraction) of the zero-shot teacher it replaced, or null. */
  readonly baseTestAccuracy: number | null;
}

/** A dataset ready for rounds: features, teacher probabilities and teachers, computed once. */
export interface PreparedExperiment extends PreparedData {
  /** Encoder contract of the student backbone that produced the features. */
  readonly studentSpec: EncoderSpec;
  readonly teacher: Teacher | null;
  /** The CLAP few-shot teacher template (each run takes `withRng`), when asked for. */
  readonly fewShotTeacher: FewShotTeacher | null;
  /** Zero-shot top-1 accuracy (fraction) of the teacher on the test split, or null. */
  readonly teacherAccuracy: number | null;
  /** The held-out few-shot teacher whose probabilities replaced the zero-shot teacher's, when asked for. */
  readonly heldOutTeacher?: PreparedHeldOutTeacher;
}

/**
 * Encoder contract of the student backbone: MobileNetV1 features of `studentModel` (default: the
 * embedded model), with its preprocessing resolved (`preprocess`, else ACTIVEKD_PREPROCESS, else
 * v2-graph) so that results.json records which one produced the features.
 */
export function studentSpecFor(studentModel?: string, preprocess?: PreprocessVersion): EncoderSpec {
  return withPreprocess(mobilenetV1Spec(studentModel ? resolve(studentModel) : ASSETS.mobilenetV1), preprocess);
}

/**
 * The checks of a setup that read no file: `teacherShots` with a `--limit` on the training split or
 * without a teacher, an invalid teacher spec, and `--teacher none` where a teacher is needed. Commands
 * call it before printing anything; {@link openExperimentDataset} (so {@link prepareExperiment}) too.
 * @throws UserError naming the option
 */
export function checkSetupOptions(o: Pick<ExperimentSetup, 'datasetOptions' | 'teacherShots' | 'teacher'>): void {
  const shots = o.teacherShots;
  if (shots !== undefined && limitFor(o.datasetOptions?.limit, 'train') !== undefined) throw new UserError('--teacher-shots cannot be combined with a --limit on the training split: use --limit-per-class');
  if (shots !== undefined && !o.teacher) throw new UserError('--teacher-shots fits a few-shot teacher on a held-out teacher split: it needs a teacher (a distilling framework)');
  if (o.teacher && parseTeacherSpec(o.teacher.spec ?? DEFAULT_TEACHER_SPEC) === null) throw new UserError('--teacher none: frameworks zero-shot and few-shot (and the bias-propagation analysis) need a teacher; to run without one, use --framework no-distill');
}

/**
 * Opens the dataset of a setup and, when `teacherShots` is set, carves the teacher split out of its
 * training split (src/data/teacher-split.ts): the dataset returned has the pool as its training
 * split. Cheap (no encoding): the teacher-strength sweep calls it to check every level before
 * running any.
 * @throws UserError on a missing dataset, fewer than 2 classes, `teacherShots` with a training
 *   `--limit` or without a teacher, or a class too small for the teacher split
 */
export async function openExperimentDataset(o: Pick<ExperimentSetup, 'dataset' | 'datasetOptions' | 'teacherShots' | 'teacher'>): Promise<{ dataset: Dataset; teacherSplit?: Split }> {
  checkSetupOptions(o);
  const shots = o.teacherShots;
  const opened = o.datasetOptions ?? {};
  const openOptions = shots === undefined ? opened : { ...opened, limitPerClass: limitWithTeacherSplit(opened.limitPerClass, shots) };
  const dataset = typeof o.dataset === 'string' ? await openDataset(resolve(o.dataset), openOptions) : o.dataset;
  const C = dataset.classNames.length;
  if (C < 2) throw new UserError(`${dataset.root}: found ${C} class(es); active learning needs at least 2 classes`);
  if (shots === undefined) return { dataset };
  const carved = carveTeacherSplit(dataset.train, C, shots, dataset.classNames, typeof o.dataset === 'string' ? limitFor(opened.limitPerClass, 'train') : undefined);
  return { dataset: { ...dataset, train: carved.pool }, teacherSplit: carved.teacher };
}

/**
 * The one experiment preparation (used by `run`, `bench` and `init`): opens the dataset, builds the
 * teacher, encodes both splits with the student backbone and the teacher (read from the on-disk
 * feature cache when present), drops undecodable images, and builds the few-shot teacher.
 * @throws UserError on a missing or unreadable dataset, fewer than 2 classes, a teacher that
 *   cannot be built, or missing model files
 */
export async function prepareExperiment(o: ExperimentSetup): Promise<PreparedExperiment> {
  const shots = o.teacherShots;
  const { dataset, teacherSplit: carvedSplit } = await openExperimentDataset(o);
  const studentSpec = studentSpecFor(o.studentModel, o.encode.preprocess);
  // (`--teacher none`, the one spec without a teacher, was refused by openExperimentDataset.)
  let teacher: Teacher | null = null;
  if (o.teacher) {
    try {
      teacher = await createTeacher(o.teacher, dataset, o.encode);
    } catch (e) {
      // No class map covers the classes and no zero-shot scores are needed: framework few-shot gets a
      // teacher learned from the labels; the bias analysis (which needs zero-shot scores) is skipped.
      if (!(e instanceof NoClassMapError && o.zeroShot === false)) throw e;
    }
  }
  let prepared = await prepareData(dataset, studentSpec, teacher, o.encode);
  const fewShotTeacher =
    o.teacher && o.fewShot
      ? teacher
        ? await createFewShotTeacher(teacher, o.teacher, fewShotImagesOf(prepared), o.encode)
        : await createLabelsOnlyFewShotTeacher(o.teacher, dataset, fewShotImagesOf(prepared), o.encode)
      : null;
  let heldOutTeacher: PreparedHeldOutTeacher | undefined;
  if (carvedSplit && shots !== undefined) {
    if (!teacher || !o.teacher) throw new UserError('--teacher-shots needs a zero-shot teacher with image features to start the few-shot teacher from');
    // Teacher-split images the teacher cannot decode are dropped (and reported), as in the pool.
    await teacher.probs(carvedSplit.paths);
    const bad = new Set((teacher.lastSkipped ?? []).map((x) => x.index));
    for (const x of teacher.lastSkipped ?? []) prepared.skipped.push({ path: x.path, reason: `${x.reason} (teacher split)` });
    const teacherSplit = bad.size === 0 ? carvedSplit : takeSplit(carvedSplit, carvedSplit.ids.flatMap((_, i) => (bad.has(i) ? [] : [i])));
    if (teacherSplit.ids.length === 0) throw new UserError('--teacher-shots: no image of the teacher split could be decoded');
    const baseTestAccuracy = prepared.teacherTest && prepared.test ? accuracy(prepared.teacherTest, prepared.test.labels) : null;
    const test = prepared.test;
    const images = { pool: [...prepared.train.paths, ...teacherSplit.paths], ...(test ? { test: { paths: test.paths, labels: test.labels } } : {}) };
    const held = fitHeldOutTeacher(await createFewShotTeacher(teacher, o.teacher, images, o.encode), prepared.train.ids.length, teacherSplit.labels, shots);
    prepared = { ...prepared, teacherTrain: held.poolProbs, ...(held.testProbs ? { teacherTest: held.testProbs } : {}) };
    heldOutTeacher = { id: held.id, shots, split: teacherSplit, fit: held.fit, baseTestAccuracy };
  }
  const teacherAccuracy = prepared.teacherTest && prepared.test ? accuracy(prepared.teacherTest, prepared.test.labels) : null;
  return { ...prepared, studentSpec, teacher, fewShotTeacher, teacherAccuracy, ...(heldOutTeacher ? { heldOutTeacher } : {}) };
}

/**
 * Writes the prepared zero-shot teacher probabilities (pool rows, then test rows) to
 * `<dir>/probs.npy` + `<dir>/probs.ids.txt`, the precomputed-teacher format (replayable with
 * `--teacher precomputed:<dir>/probs.npy`). No-op without teacher probabilities.
 */
export function writePreparedTeacher(dir: string, p: PreparedData): void {
  if (!p.teacherTrain) return;
  writeTeacherProbs(dir, 'probs', [{ ids: p.train.ids, probs: p.teacherTrain }, ...(p.test && p.teacherTest ? [{ ids: p.test.ids, probs: p.teacherTest }] : [])]);
}

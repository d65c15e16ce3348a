/**
 * A prepared experiment on disk (issue 12 item 4): the benchmark's warm-up prepares each distinct
 * cell setup once and writes what `runExperiment` reads from it — student features and teacher
 * probabilities of the pool and the test split, ids, paths, labels, the skipped files, the student
 * encoder contract and the teacher's id and description — so that a cell loads matrices instead of
 * opening the dataset and hashing every image to read the feature cache (≈ 24 s per cell on
 * Fashion-MNIST's 70k images).
 *
 * Layout: `<root>/<key>/manifest.json`, where `key` is the first 16 hex digits of
 * {@link preparedKey} (the sha256 of the setup's settings), and the matrices as content-addressed
 * `<root>/data/<sha256>.npy` files shared by every setup (the student features of a no-distill and a
 * zero-shot setup, or of every level of a teacher sweep, are one file). Every file is written
 * atomically (temporary file + rename), the manifest last; it lists each `.npy` file (relative to
 * its folder) with its sha256, checked on load, so a reader never mixes two writes. Manifests of the
 * first layout, with the `.npy` files beside them, are read as they are.
 *
 * Not stored: the few-shot teacher (framework few-shot), which needs the pool images' features of
 * the teacher backbone; a few-shot cell prepares itself from the dataset and the feature cache.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { Dataset, Split } from '../data/dataset.ts';
import type { EncoderSpec } from '../encoders/spec.ts';
import { matrix, type Matrix } from '../linalg/matrix.ts';
import type { ExperimentSetup, PreparedExperiment } from '../loop/prepare.ts';
import { clapFitSchema } from '../loop/results-schema.ts';
import { encodeKey } from '../encoders/encode.ts';
import type { Teacher } from '../teachers/teacher.ts';
import { writeFileAtomic } from '../util/json-file.ts';
import { encodeNpy, parseNpy } from '../util/npy.ts';
import { stableJson } from './stable-json.ts';
import { LEGACY_PREPROCESS } from '../options/definitions.ts';

/** `format` of a prepared experiment's manifest.json. */
export const PREPARED_FORMAT = 'activekd-prepared';
/** Current version of the prepared-experiment layout. */
export const PREPARED_VERSION = 1;

const skippedSchema = z.object({ path: z.string(), reason: z.string() });
const splitSchema = z.object({ ids: z.array(z.string()), paths: z.array(z.string()) });
const fileSchema = z.object({ file: z.string().regex(/^(?:\.\.\/data\/)?[\w-]+\.npy$/), shape: z.array(z.number().int().nonnegative()), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
const manifestSchema = z.object({
  format: z.literal(PREPARED_FORMAT),
  version: z.literal(PREPARED_VERSION),
  key: z.string().regex(/^[0-9a-f]{64}$/),
  dataset: z.object({
    root: z.string(),
    classNames: z.array(z.string()),
    skipped: z.array(skippedSchema),
    sources: z.array(z.object({ path: z.string(), sha256: z.string() })).optional(),
    originalLabels: z.array(z.number().int()).optional(),
  }),
  train: splitSchema,
  test: splitSchema.optional(),
  skipped: z.array(skippedSchema),
  studentSpec: z.looseObject({ name: z.string(), modelPath: z.string() }),
  teacher: z.object({ id: z.string(), description: z.record(z.string(), z.unknown()) }).nullable(),
  teacherAccuracy: z.number().nullable(),
  /** The held-out few-shot teacher (`ExperimentSetup.teacherShots`) whose probabilities are stored as the teacher's. */
  heldOutTeacher: z
    .object({
      id: z.string(),
      shots: z.number().int().positive(),
      split: z.object({ ids: z.array(z.string()), paths: z.array(z.string()), labels: z.array(z.number().int()) }),
      fit: clapFitSchema,
      baseTestAccuracy: z.number().nullable(),
    })
    .optional(),
  files: z.object({
    trainLabels: fileSchema,
    trainFeatures: fileSchema,
    testLabels: fileSchema.optional(),
    testFeatures: fileSchema.optional(),
    teacherTrain: fileSchema.optional(),
    teacherTest: fileSchema.optional(),
  }),
});
type PreparedManifest = z.infer<typeof manifestSchema>;
type FileName = keyof PreparedManifest['files'];

/**
 * The settings key of an experiment setup: sha256 (hex) of the stable JSON of every field of
 * `setup` that changes what {@link prepareExperiment} returns — the dataset path (absolute) and
 * its options, the student model, the teacher, the few-shot / zero-shot flags, any field added
 * later — and of the encoder batch size; not where caches live or how many threads encode.
 */
export function preparedKey(setup: ExperimentSetup): string {
  const { dataset, encode, ...rest } = setup;
  const key = {
    format: PREPARED_FORMAT,
    version: PREPARED_VERSION,
    ...rest,
    dataset: typeof dataset === 'string' ? resolve(dataset) : dataset.root,
    ...(setup.studentModel !== undefined ? { studentModel: resolve(setup.studentModel) } : {}),
    encode: encodeKey(encode),
  };
  return createHash('sha256').update(stableJson(key)).digest('hex');
}

/** The folder of `setup`'s prepared experiment under `root`. */
export function preparedDirFor(root: string, setup: ExperimentSetup): string {
  return join(root, preparedKey(setup).slice(0, 16));
}

/**
 * Writes `p`, the preparation of `setup`, to {@link preparedDirFor}`(root, setup)` (see the module
 * comment for the layout).
 * @throws Error when `setup` asks for the few-shot teacher (not storable) or the file system fails
 * @returns the folder written
 */
export function writePreparedExperiment(root: string, setup: ExperimentSetup, p: PreparedExperiment): string {
  if (setup.fewShot) throw new Error('writePreparedExperiment: a setup with the few-shot teacher is not stored (it reads the pool images)');
  const key = preparedKey(setup);
  const dir = join(root, key.slice(0, 16));
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(root, 'data'), { recursive: true });
  const put = (data: Float32Array | Int32Array, shape: number[]): z.infer<typeof fileSchema> => {
    const bytes = encodeNpy(data, shape);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const file = `../data/${sha256}.npy`;
    // Content-addressed: a file of this name holds these bytes (its sha256 is checked on load).
    if (!existsSync(join(dir, file))) writeFileAtomic(join(dir, file), bytes);
    return { file, shape, sha256 };
  };
  const mat = (m: Matrix): z.infer<typeof fileSchema> => put(m.data, [m.rows, m.cols]);
  const d = p.dataset;
  const manifest: PreparedManifest = {
    format: PREPARED_FORMAT,
    version: PREPARED_VERSION,
    key,
    dataset: { root: d.root, classNames: [...d.classNames], skipped: [...d.skipped], ...(d.sources ? { sources: [...d.sources] } : {}), ...(d.originalLabels ? { originalLabels: [...d.originalLabels] } : {}) },
    train: { ids: p.train.ids, paths: p.train.paths },
    ...(p.test ? { test: { ids: p.test.ids, paths: p.test.paths } } : {}),
    skipped: p.skipped,
    studentSpec: { ...p.studentSpec },
    teacher: p.teacher ? { id: p.teacher.id, description: p.teacher.describe() } : null,
    teacherAccuracy: p.teacherAccuracy,
    ...(p.heldOutTeacher ? { heldOutTeacher: { ...p.heldOutTeacher, split: { ids: p.heldOutTeacher.split.ids, paths: p.heldOutTeacher.split.paths, labels: [...p.heldOutTeacher.split.labels] }, fit: { ...p.heldOutTeacher.fit } } } : {}),
    files: {
      trainLabels: put(p.train.labels, [p.train.labels.length]),
      trainFeatures: mat(p.trainFeatures),
      ...(p.test ? { testLabels: put(p.test.labels, [p.test.labels.length]) } : {}),
      ...(p.testFeatures ? { testFeatures: mat(p.testFeatures) } : {}),
      ...(p.teacherTrain ? { teacherTrain: mat(p.teacherTrain) } : {}),
      ...(p.teacherTest ? { teacherTest: mat(p.teacherTest) } : {}),
    },
  };
  writeFileAtomic(join(dir, 'manifest.json'), `${JSON.stringify(manifest)}\n`);
  return dir;
}

/** A teacher known by its id and description only: its probabilities were computed at preparation. */
function recordedTeacher(id: string, description: Record<string, unknown>): Teacher {
  return {
    id,
    describe: () => description,
    probs: () => Promise.reject(new Error(`teacher ${id} was loaded from a prepared experiment: its probabilities are the stored ones, it cannot score new images`)),
  };
}

/**
 * Loads the prepared experiment of `setup` from under `root`, or says why it cannot (no folder —
 * e.g. a queue worker on a machine that does not share the benchmark folder —, a setup with the
 * few-shot teacher, a manifest of other settings or another version, a file that does not match
 * its recorded sha256). The loaded dataset's splits are the prepared ones (undecodable images
 * already dropped); its teacher only carries the id and description (`probs` rejects).
 * @returns the prepared experiment, or `{ reason }` for the caller to prepare from the dataset
 */
export function readPreparedExperiment(root: string, setup: ExperimentSetup): { prepared: PreparedExperiment } | { reason: string } {
  if (setup.fewShot) return { reason: 'the few-shot teacher reads the pool images' };
  const key = preparedKey(setup);
  const dir = join(root, key.slice(0, 16));
  const mf = join(dir, 'manifest.json');
  if (!existsSync(mf)) return { reason: `no prepared experiment of these settings at ${dir}` };
  let m: PreparedManifest;
  try {
    const r = manifestSchema.safeParse(JSON.parse(readFileSync(mf, 'utf8')));
    if (!r.success) return { reason: `${mf}: not a prepared experiment of version ${PREPARED_VERSION} (${r.error.issues[0]?.message ?? 'invalid'})` };
    m = r.data;
  } catch (e) {
    return { reason: `${mf}: ${(e as Error).message}` };
  }
  if (m.key !== key) return { reason: `${mf}: prepared for other settings` };
  const load = (name: FileName, dtype: 'float32' | 'int32'): Float32Array | Int32Array => {
    const f = m.files[name];
    if (!f) throw new Error(`${mf}: no ${name}`);
    const path = join(dir, f.file);
    const bytes = readFileSync(path);
    if (createHash('sha256').update(bytes).digest('hex') !== f.sha256) throw new Error(`${path} does not match the sha256 in ${mf}`);
    const a = parseNpy(bytes, path);
    if (a.dtype !== dtype || stableJson(a.shape) !== stableJson(f.shape)) throw new Error(`${path}: ${a.dtype} (${a.shape.join(', ')}), the manifest says ${dtype} (${f.shape.join(', ')})`);
    return a.data as Float32Array | Int32Array;
  };
  const mat = (name: FileName): Matrix | undefined => {
    const f = m.files[name];
    return f ? matrix(f.shape[0] ?? 0, f.shape[1] ?? 0, load(name, 'float32') as Float32Array) : undefined;
  };
  try {
    const train: Split = { ids: m.train.ids, paths: m.train.paths, labels: load('trainLabels', 'int32') as Int32Array };
    const test: Split | undefined = m.test ? { ids: m.test.ids, paths: m.test.paths, labels: load('testLabels', 'int32') as Int32Array } : undefined;
    const dataset: Dataset = { ...m.dataset, train, ...(test ? { test } : {}) };
    const trainFeatures = mat('trainFeatures') as Matrix;
    const testFeatures = mat('testFeatures');
    const teacherTrain = mat('teacherTrain');
    const teacherTest = mat('teacherTest');
    const prepared: PreparedExperiment = {
      dataset,
      train,
      trainFeatures,
      ...(test ? { test } : {}),
      ...(testFeatures ? { testFeatures } : {}),
      ...(teacherTrain ? { teacherTrain } : {}),
      ...(teacherTest ? { teacherTest } : {}),
      skipped: m.skipped,
      // Manifests from before preprocessing versions hold v1-sharp features and no `preprocess`.
      studentSpec: { preprocess: LEGACY_PREPROCESS, ...m.studentSpec } as unknown as EncoderSpec,
      teacher: m.teacher ? recordedTeacher(m.teacher.id, m.teacher.description) : null,
      fewShotTeacher: null,
      teacherAccuracy: m.teacherAccuracy,
      ...(m.heldOutTeacher ? { heldOutTeacher: { ...m.heldOutTeacher, split: { ...m.heldOutTeacher.split, labels: Int32Array.from(m.heldOutTeacher.split.labels) } } } : {}),
    };
    return { prepared };
  } catch (e) {
    return { reason: (e as Error).message };
  }
}

/**
 * Builds the CLAP few-shot teacher (src/teachers/clap.ts) on top of a zero-shot teacher by
 * computing (or reading from the feature cache) the teacher's image features of the pool and
 * test images and its zero-shot prototypes:
 *
 * - CLIP: features = image embeddings, W_raw = raw mean text embeddings, cosine head (s = 100),
 *   penalty weights from the zero-shot classifier W (SPEC §3.3, §7.2);
 * - label transfer: features = MobileNetV2's 1280-d `features` output, W_raw = mean of the
 *   ImageNet classifier rows of each class's mapped outputs, bias = mean of their biases, linear
 *   head (s = 1; see src/teachers/imagenet-head.ts).
 */
import type { Split } from '../data/dataset.ts';
import { encodeImages, type EncodeOptions } from '../encoders/encode.ts';
import type { EncoderSpec } from '../encoders/spec.ts';
import { matrix, type Matrix } from '../linalg/matrix.ts';
import { UserError } from '../util/errors.ts';
import { fileSha256 } from '../util/file-hash.ts';
import type { Rng } from '../util/rng.ts';
import { ClapFewShotTeacher, type ClapConfig } from './clap.ts';
import type { ClipTeacher } from './clip/teacher.ts';
import { headPrototypes, readClassifierHead } from './imagenet-head.ts';
import type { LabelTransferTeacher } from './label-transfer.ts';

/** The images a few-shot teacher scores: the training pool and, optionally, the test split. */
export interface FewShotImages {
  /** Pool image paths; row i of the teacher's pool probabilities ↔ pool[i]. */
  readonly pool: readonly string[];
  /** Test image paths and labels, for the per-refit test accuracy. */
  readonly test?: { readonly paths: readonly string[]; readonly labels: Int32Array };
  /**
   * Cached augmented views of the pool: K lists of image files, list v holding view v of every
   * pool item in pool order (e.g. augmented copies written to disk). Optional.
   */
  readonly augmentedPool?: readonly (readonly string[])[];
}

/**
 * The few-shot images of a pool split and an optional test split (paths; test labels for the
 * per-refit accuracy), e.g. of a dataset after undecodable images were dropped.
 */
export function fewShotImagesOf(splits: { readonly train: Split; readonly test?: Split | undefined }): FewShotImages {
  return { pool: splits.train.paths, ...(splits.test ? { test: { paths: splits.test.paths, labels: splits.test.labels } } : {}) };
}

/** Options of the few-shot teacher factories. */
export interface FewShotOptions {
  readonly config?: Partial<ClapConfig>;
  readonly rng: Rng;
}

function stack(ms: readonly Matrix[]): Matrix {
  const cols = ms[0]?.cols ?? 0;
  const rows = ms.reduce((a, m) => a + m.rows, 0);
  const data = new Float32Array(rows * cols);
  let o = 0;
  for (const m of ms) {
    data.set(m.data, o);
    o += m.data.length;
  }
  return { rows, cols, data };
}

function checkViews(imgs: FewShotImages): void {
  for (const [v, list] of (imgs.augmentedPool ?? []).entries()) {
    if (list.length !== imgs.pool.length) throw new UserError(`augmented view ${v} lists ${list.length} images, the pool has ${imgs.pool.length}`);
  }
}

/**
 * CLAP on a CLIP teacher (cosine head).
 * @throws UserError from the CLIP teacher (models, files) or when augmented views do not match
 *   the pool.
 */
export async function clipFewShotTeacher(teacher: ClipTeacher, imgs: FewShotImages, opts: FewShotOptions): Promise<ClapFewShotTeacher> {
  checkViews(imgs);
  const cls = await teacher.textClassifier();
  const pool = await teacher.imageEmbeddings(imgs.pool);
  const test = imgs.test ? await teacher.imageEmbeddings(imgs.test.paths) : undefined;
  const views = imgs.augmentedPool && imgs.augmentedPool.length > 0 ? stack(await Promise.all(imgs.augmentedPool.map((l) => teacher.imageEmbeddings(l)))) : undefined;
  if (pool.cols !== cls.Wraw.rows) throw new UserError(`CLIP teacher: image embeddings have ${pool.cols} dimensions, text embeddings ${cls.Wraw.rows}`);
  return new ClapFewShotTeacher({
    baseId: teacher.id,
    baseDescription: teacher.describe(),
    poolFeatures: pool,
    ...(test && imgs.test ? { testFeatures: test, testLabels: imgs.test.labels } : {}),
    zeroShotRaw: cls.Wraw,
    zeroShot: cls.W,
    ...(views ? { augmentedViews: views } : {}),
    config: { ...opts.config, logitMode: 'cosine' },
    rng: opts.rng,
  });
}

/** The `features` output of an image classifier on the pool, test and augmented images. */
async function backboneFeatures(classifier: EncoderSpec, imgs: FewShotImages, encode: EncodeOptions): Promise<{ pool: Matrix; test: Matrix | undefined; views: Matrix | undefined }> {
  checkViews(imgs);
  const spec = { ...classifier, outputs: ['features'] };
  const featuresOf = async (paths: readonly string[]): Promise<Matrix> => {
    const r = await encodeImages(spec, paths, encode);
    const f = r.outputs.features;
    if (!f) throw new UserError(`few-shot teacher: model ${classifier.modelPath} has no "features" output`);
    return f;
  };
  const pool = await featuresOf(imgs.pool);
  const test = imgs.test ? await featuresOf(imgs.test.paths) : undefined;
  const views = imgs.augmentedPool && imgs.augmentedPool.length > 0 ? stack(await Promise.all(imgs.augmentedPool.map((l) => featuresOf(l)))) : undefined;
  return { pool, test, views };
}

/**
 * CLAP from the labeled set alone, for classes no class map covers and no CLIP model (issue 15
 * #16): a linear head on the image classifier's `features` output (default: the embedded
 * MobileNetV2, 1280-d), each refit starting from the labeled class means
 * (`classMeanPrototypes` in src/teachers/clap.ts) with the constraint term dropped; uniform before the first refit.
 * @param classifier encoder of the image classifier (needs a `features` output).
 * @param classNames the dataset's classes, in label order (C = length).
 * @param opts CLAP config, random source, and `encode`: options of the feature encoder (cache
 *   folder, threads, progress label).
 * @throws UserError when the model has no `features` output, or from the encoder.
 */
export async function labelsOnlyFewShotTeacher(classifier: EncoderSpec, classNames: readonly string[], imgs: FewShotImages, opts: FewShotOptions & { encode?: EncodeOptions }): Promise<ClapFewShotTeacher> {
  const { pool, test, views } = await backboneFeatures(classifier, imgs, opts.encode ?? {});
  const modelSha = await fileSha256(classifier.modelPath, 'model file');
  return new ClapFewShotTeacher({
    baseId: `labeled-set:${classifier.name}@${modelSha.slice(0, 8)}`,
    baseDescription: { kind: 'labeled-set', model: classifier.modelPath, modelSha256: modelSha, encoder: classifier.name, featureOutput: 'features', classes: classNames.length, init: 'labeled class means' },
    poolFeatures: pool,
    ...(test && imgs.test ? { testFeatures: test, testLabels: imgs.test.labels } : {}),
    zeroShotRaw: matrix(pool.cols, classNames.length, new Float32Array(pool.cols * classNames.length)),
    prior: 'class-means',
    ...(views ? { augmentedViews: views } : {}),
    config: { ...opts.config, logitMode: 'linear' },
    rng: opts.rng,
  });
}

/**
 * CLAP on the label-transfer teacher (linear head on MobileNetV2 features, prototypes from the
 * ImageNet classifier rows of each class's mapped outputs).
 * @param encode options of the feature encoder (cache folder, threads, progress label).
 * @throws UserError when the model has no `features` output or no classifier head reading that
 *   many features, or from the encoder.
 */
export async function labelTransferFewShotTeacher(teacher: LabelTransferTeacher, imgs: FewShotImages, opts: FewShotOptions & { encode?: EncodeOptions }): Promise<ClapFewShotTeacher> {
  const { pool, test, views } = await backboneFeatures(teacher.spec, imgs, opts.encode ?? {});
  const maxIdx = Math.max(...teacher.indices.map((l) => Math.max(...l)));
  const head = await readClassifierHead(teacher.spec.modelPath, { inFeatures: pool.cols });
  if (head.weight.rows <= maxIdx) throw new UserError(`label-transfer teacher: classifier head ${head.node} of ${teacher.spec.modelPath} has ${head.weight.rows} outputs, the class map needs index ${maxIdx}`);
  const { zeroShotRaw, bias } = headPrototypes(head, teacher.indices);
  return new ClapFewShotTeacher({
    baseId: teacher.id,
    baseDescription: { ...teacher.describe(), classifierHead: head.node, featureOutput: 'features' },
    poolFeatures: pool,
    ...(test && imgs.test ? { testFeatures: test, testLabels: imgs.test.labels } : {}),
    zeroShotRaw,
    bias,
    ...(views ? { augmentedViews: views } : {}),
    config: { ...opts.config, logitMode: 'linear' },
    rng: opts.rng,
  });
}

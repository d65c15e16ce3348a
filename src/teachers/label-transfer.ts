/**
 * The label-transfer teacher: an ImageNet classifier (MobileNetV2 by default) scores the target
 * classes through a class map, without any labels. It is the runnable zero-shot teacher where no
 * CLIP weights exist (docs/ARCHITECTURE.md "Deliberate deviations"); like CLIP it is biased and clustered in
 * probability space, the situation ActiveKD studies.
 *
 * p(c | x) ∝ (reduce_{k ∈ map(c)} p_ImageNet(k | x))^(1/τ),  reduce ∈ {max, sum}.
 */
import { basename, resolve } from 'node:path';
import { ASSETS } from '../assets.ts';
import { mobilenetV2Spec } from '../encoders/embedded.ts';
import { encodeImages, type EncodeOptions, type SkippedImage } from '../encoders/encode.ts';
import { preprocessVersion, type EncoderSpec } from '../encoders/spec.ts';
import { matrix, type Matrix } from '../linalg/matrix.ts';
import { softmaxRow } from '../linalg/softmax.ts';
import { UserError } from '../util/errors.ts';
import { fileSha256 } from '../util/file-hash.ts';
import { NfcMap } from '../util/unicode.ts';
import { loadClassMap, readClassMap, type AmbiguousLabel } from './class-map.ts';
import type { Teacher } from './teacher.ts';
import { LEGACY_PREPROCESS } from '../options/definitions.ts';

/** How a target class's score combines the probabilities of its mapped ImageNet classes. */
export type ClassReduction = 'max' | 'sum';

/**
 * Maps source-model (ImageNet) probabilities to target-class probabilities. Pure.
 *
 * For each row: s_c = max (or sum) of `imagenetProbs[i, k]` over k ∈ `indices[c]`; then
 * p_c = s_c^(1/τ) / Σ_c' s_c'^(1/τ) (computed in log space in float64, so small τ does not
 * underflow). A row whose scores are all 0 (e.g. the zero row of an image the encoder skipped)
 * becomes uniform 1/C.
 *
 * @param imagenetProbs N×K probabilities (K = 1001 for the embedded MobileNetV2).
 * @param indices C non-empty lists of column indices into `imagenetProbs` (see `classMapIndices`).
 * @param reduce `max` (default) or `sum`.
 * @param temperature τ > 0 (default 1); τ > 1 flattens, τ < 1 sharpens.
 * @returns N×C row-major probabilities, rows summing to 1.
 * @throws RangeError when τ is not a finite positive number, a list is empty, or an index is
 *   outside 0..K−1.
 */
export function mapProbabilities(imagenetProbs: Matrix, indices: readonly (readonly number[])[], reduce: ClassReduction = 'max', temperature = 1): Matrix {
  if (!(Number.isFinite(temperature) && temperature > 0)) throw new RangeError(`mapProbabilities: temperature must be a finite number > 0, got ${temperature}`);
  const { rows: n, cols: k, data } = imagenetProbs;
  const c = indices.length;
  indices.forEach((list, j) => {
    if (list.length === 0) throw new RangeError(`mapProbabilities: class ${j} maps to no source class`);
    for (const idx of list) {
      if (!Number.isInteger(idx) || idx < 0 || idx >= k) throw new RangeError(`mapProbabilities: class ${j} maps to index ${idx}, outside 0..${k - 1}`);
    }
  });
  const out = new Float32Array(n * c);
  const logs = new Float64Array(c);
  const invT = 1 / temperature;
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let maxLog = -Infinity;
    for (let j = 0; j < c; j++) {
      const list = indices[j] as readonly number[];
      let s = reduce === 'max' ? -Infinity : 0;
      for (const idx of list) {
        const v = data[o + idx] as number;
        s = reduce === 'max' ? (v > s ? v : s) : s + v;
      }
      const l = s > 0 ? Math.log(s) * invT : -Infinity;
      logs[j] = l;
      if (l > maxLog) maxLog = l;
    }
    const r = i * c;
    if (maxLog === -Infinity || Number.isNaN(maxLog)) {
      out.fill(1 / c, r, r + c);
      continue;
    }
    softmaxRow(logs, 0, c, out, r);
  }
  return matrix(n, c, out);
}

/** Arguments of {@link LabelTransferTeacher.create}. */
export interface LabelTransferArgs {
  /** Target class names in label order; each must be a key of the class map. */
  classNames: readonly string[];
  /**
   * Class map JSON (target class → ImageNet names/indices). Default: the embedded map whose keys
   * cover the class names ({@link embeddedClassMapFor}: CIFAR-10 or Fashion-MNIST).
   */
  mapFile?: string;
  /** Labels of the model's outputs, one per line. Default: the embedded `imagenet_labels.txt`. */
  labelsFile?: string;
  /**
   * Encoder of the ImageNet classifier; must produce a `probs` output whose width equals the
   * number of lines of the labels file. Default: the embedded MobileNetV2 ({@link mobilenetV2Spec}).
   */
  spec?: EncoderSpec;
  /** Class score reduction over mapped ImageNet classes. Default `max`. */
  reduce?: ClassReduction;
  /** Temperature τ > 0 applied after the reduction. Default 1. */
  temperature?: number;
  /** Options passed to the encoder (cache folder, batch size, progress label, threads). */
  encode?: EncodeOptions;
}

/** The embedded class maps, in the order {@link embeddedClassMapFor} tries them. */
const EMBEDDED_MAPS: readonly string[] = [ASSETS.cifar10ToImagenet, ASSETS.fashionMnistToImagenet];

/**
 * What a run can do when no class map covers the dataset's classes, for error messages (issue 15
 * #15): only what `run` accepts.
 */
export const WITHOUT_CLASS_MAP_HINT =
  'pass --class-map FILE (JSON: class → ImageNet label names or output indices, like assets/maps/cifar10_to_imagenet.json), ' +
  'run --framework few-shot alone (its teacher is then learned from the labeled set only: a linear head on the MobileNetV2 features), ' +
  'run --framework no-distill (no teacher), or use another teacher (--teacher clip:DIR or precomputed:FILE)';

/**
 * No class map covers the dataset's classes and none was passed: the label-transfer teacher has no
 * zero-shot scores. Framework few-shot can still build its teacher from the labeled set alone
 * (src/loop/prepare.ts).
 */
export class NoClassMapError extends UserError {
  /** The dataset's class names, in label order. */
  readonly classNames: readonly string[];
  /** @param hint what works instead (default {@link WITHOUT_CLASS_MAP_HINT}: what `run` accepts) */
  constructor(classNames: readonly string[], embedded: readonly { file: string; missing: readonly string[] }[], hint = WITHOUT_CLASS_MAP_HINT) {
    const list = (xs: readonly string[], max = 12): string => `${xs.slice(0, max).map((c) => `"${c}"`).join(', ')}${xs.length > max ? `, … (${xs.length} in all)` : ''}`;
    const maps = embedded.map((m) => `${basename(m.file)} lacks ${list(m.missing, 6)}`).join('; ');
    super(`label-transfer teacher: no embedded class map covers these classes: ${list(classNames, 20)} (${maps}). To run on them, ${hint}`);
    this.name = 'NoClassMapError';
    this.classNames = [...classNames];
  }
}

/**
 * The embedded class map whose keys include every class name, in order: the CIFAR-10 map
 * (`assets/maps/cifar10_to_imagenet.json`), then the Fashion-MNIST map
 * (`assets/maps/fashion_mnist_to_imagenet.json`); null when none does.
 * @param classNames target class names (any order).
 * @throws UserError when an embedded map cannot be read (a broken checkout).
 */
export async function findEmbeddedClassMap(classNames: readonly string[]): Promise<string | null> {
  for (const file of EMBEDDED_MAPS) {
    const map = new NfcMap(Object.entries(await readClassMap(file)));
    if (classNames.every((c) => map.has(c))) return file;
  }
  return null;
}

/**
 * The embedded class map for a dataset's classes (see {@link findEmbeddedClassMap}).
 * @param classNames target class names (any order).
 * @param hint what works instead, for the message (default {@link WITHOUT_CLASS_MAP_HINT})
 * @returns absolute path of a map file under `assets/maps/`.
 * @throws NoClassMapError (a UserError) when no embedded map covers every class: the message
 *   lists the classes, what each embedded map lacks, and `hint`. UserError when an embedded map
 *   cannot be read.
 */
export async function embeddedClassMapFor(classNames: readonly string[], hint = WITHOUT_CLASS_MAP_HINT): Promise<string> {
  const found = await findEmbeddedClassMap(classNames);
  if (found !== null) return found;
  const embedded = await Promise.all(
    EMBEDDED_MAPS.map(async (file) => {
      const map = new NfcMap(Object.entries(await readClassMap(file)));
      return { file, missing: classNames.filter((c) => !map.has(c)) };
    }),
  );
  throw new NoClassMapError(classNames, embedded, hint);
}

/**
 * Zero-shot teacher from an ImageNet classifier and a class map (see the module comment). Create
 * it with {@link LabelTransferTeacher.create}, which validates the map against the labels and
 * hashes the model and map files.
 */
export class LabelTransferTeacher implements Teacher {
  /** e.g. `label-transfer:mobilenet_v2@55197b16;map=cifar10_to_imagenet@1a2b3c4d;reduce=max;T=1`. */
  readonly id: string;
  /** Target class names, in label order. */
  readonly classNames: readonly string[];
  /** Per target class, the ImageNet output indices it is scored from. */
  readonly indices: readonly (readonly number[])[];
  /** Map names that matched several label lines (resolved to the first). */
  readonly ambiguous: readonly AmbiguousLabel[];
  /** Images the encoder could not decode in the last {@link probs} call (their rows are uniform). */
  lastSkipped: SkippedImage[] = [];

  private constructor(
    readonly spec: EncoderSpec,
    private readonly mapFile: string,
    private readonly labelsFile: string,
    readonly reduce: ClassReduction,
    readonly temperature: number,
    private readonly modelSha256: string,
    private readonly mapSha256: string,
    private readonly encodeOpts: EncodeOptions,
    resolved: { classNames: readonly string[]; indices: number[][]; ambiguous: readonly AmbiguousLabel[] },
  ) {
    this.classNames = resolved.classNames;
    this.indices = resolved.indices;
    this.ambiguous = resolved.ambiguous;
    const mapName = basename(mapFile).replace(/\.json$/i, '');
    // The preprocessing changes the probabilities: named in the id unless it is v1-sharp
    // (whose ids stay as they were before preprocessing versions existed).
    const pre = preprocessVersion(spec, encodeOpts.preprocess);
    this.id = `label-transfer:${spec.name}@${modelSha256.slice(0, 8)};map=${mapName}@${mapSha256.slice(0, 8)};reduce=${reduce};T=${temperature}${pre === LEGACY_PREPROCESS ? '' : `;preprocess=${pre}`}`;
  }

  /**
   * Builds the teacher: reads and validates the class map against the labels file and the target
   * classes, and hashes the model and map files (for `id`). Does not load the model yet.
   * @throws UserError when the map or labels file is missing or invalid (see `resolveClassMap`),
   *   the model file is missing, `reduce` is unknown, `temperature` is not > 0, or the spec has no
   *   `probs` output.
   */
  static async create(args: LabelTransferArgs): Promise<LabelTransferTeacher> {
    const reduce = args.reduce ?? 'max';
    if (reduce !== 'max' && reduce !== 'sum') throw new UserError(`label-transfer teacher: reduction must be "max" or "sum", got "${String(reduce)}"`);
    const temperature = args.temperature ?? 1;
    if (!(Number.isFinite(temperature) && temperature > 0)) throw new UserError(`label-transfer teacher: temperature must be a number > 0, got ${temperature}`);
    const spec = args.spec ?? mobilenetV2Spec();
    if (!spec.outputs.includes('probs')) throw new UserError(`label-transfer teacher: encoder ${spec.name} (${spec.modelPath}) must produce a "probs" output`);
    if (args.classNames.length === 0) throw new UserError('label-transfer teacher: no target classes');
    const mapFile = resolve(args.mapFile ?? (await embeddedClassMapFor(args.classNames)));
    const labelsFile = resolve(args.labelsFile ?? ASSETS.imagenetLabels);
    const [resolved, modelSha, mapSha] = await Promise.all([
      loadClassMap(mapFile, labelsFile, args.classNames),
      fileSha256(spec.modelPath, 'model file'),
      fileSha256(mapFile, 'class map file'),
    ]);
    return new LabelTransferTeacher(spec, mapFile, labelsFile, reduce, temperature, modelSha, mapSha, args.encode ?? {}, resolved);
  }

  /** Configuration, for logs and run records. */
  describe(): Record<string, unknown> {
    return {
      kind: 'label-transfer',
      model: this.spec.modelPath,
      modelSha256: this.modelSha256,
      encoder: this.spec.name,
      mapFile: this.mapFile,
      mapSha256: this.mapSha256,
      labelsFile: this.labelsFile,
      reduce: this.reduce,
      temperature: this.temperature,
      classes: this.classNames.length,
      mappedImagenetClasses: Object.fromEntries(this.classNames.map((c, j) => [c, (this.indices[j] as readonly number[]).length])),
      ...(this.ambiguous.length > 0 ? { ambiguousNames: this.ambiguous.map((a) => `${a.targetClass}: "${a.name}" → ${a.indices.join('|')} (used ${a.indices[0]})`) } : {}),
    };
  }

  /**
   * The classifier's raw ImageNet probabilities (N×K, K = lines of the labels file); undecodable
   * images get zero rows and are recorded in {@link lastSkipped}.
   * @throws UserError when the model cannot be loaded or its `probs` width differs from the labels.
   */
  async imagenetProbs(paths: readonly string[]): Promise<Matrix> {
    const r = await encodeImages(this.spec, paths, this.encodeOpts);
    this.lastSkipped = r.skipped;
    const p = r.outputs.probs;
    if (!p) throw new UserError(`label-transfer teacher: encoder ${this.spec.name} returned no "probs" output`);
    const maxIdx = Math.max(...this.indices.map((l) => Math.max(...l)));
    if (p.cols <= maxIdx) {
      throw new UserError(`label-transfer teacher: model ${this.spec.modelPath} has ${p.cols} outputs, but the labels file ${this.labelsFile} needs index ${maxIdx}`);
    }
    return p;
  }

  /**
   * Target-class probabilities for image files.
   * @returns N×C row-major probabilities (C = classNames.length), rows summing to 1; rows of
   *   images the encoder skipped are uniform (see {@link lastSkipped}).
   */
  async probs(paths: readonly string[]): Promise<Matrix> {
    return mapProbabilities(await this.imagenetProbs(paths), this.indices, this.reduce, this.temperature);
  }
}

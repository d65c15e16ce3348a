import { createHash } from 'node:crypto';
import { DEFAULT_PREPROCESS, LEGACY_PREPROCESS, PREPROCESS_VERSIONS } from '../options/definitions.ts';
import { UserError } from '../util/errors.ts';

/** A preprocessing pipeline: see {@link EncoderSpec.preprocess}. */
export type PreprocessVersion = (typeof PREPROCESS_VERSIONS)[number];

/**
 * How an ONNX image encoder wants its input: the contract an encoder declares, used to decode,
 * resize and scale images (docs/ARCHITECTURE.md encoders/; SPEC.md §4).
 */
export interface EncoderSpec {
  /** Short name used in logs and cache folders, e.g. `mobilenet_v1`. */
  readonly name: string;
  /** Path of the .onnx file. */
  readonly modelPath: string;
  /** Name of the image input tensor, float32 NCHW [N,3,size,size]. */
  readonly inputName: string;
  /** Square input side in pixels. */
  readonly size: number;
  /**
   * Resizing: `fill` stretches to size×size (bilinear); `shorter-crop` resizes the shorter side to
   * `size` (bilinear) then centre-crops (torchvision Resize + CenterCrop, SPEC §4).
   */
  readonly resize: 'fill' | 'shorter-crop';
  /**
   * Pixel scaling of RGB values v ∈ [0,255]: `tanh` → v/127.5 − 1 (TF-slim MobileNets);
   * `meanStd` → (v/255 − mean[c]) / std[c] (torchvision / CLIP).
   */
  readonly scaling: { readonly kind: 'tanh' } | { readonly kind: 'meanStd'; readonly mean: readonly number[]; readonly std: readonly number[] };
  /** Model outputs to keep (e.g. `['features']`). */
  readonly outputs: readonly string[];
  /**
   * How images become model input; both keep EXIF rotation, alpha removal, sRGB conversion and the
   * `resize` and `scaling` above:
   * - `v1-sharp`: sharp resizes every image to size×size (bilinear), a JS loop scales it into CHW
   *   float32 (the original pipeline, the one the golden fixtures were recorded with).
   * - `v2-graph`: sharp decodes at native size (resizing only images larger than `size` and
   *   non-square `shorter-crop` ones), an ONNX graph upsamples (sharp's sampling positions,
   *   rounded to whole levels), scales and lays out the batch. Pixels equal v1's but for ≈1.5 %
   *   of them, one 8-bit level apart (libvips rounds its fixed-point weights differently), so
   *   features differ slightly and the two versions never share a feature cache. Small plain
   *   JPEGs are decoded by libjpeg-turbo in WebAssembly (the same pixels as sharp, ≈ 30× less CPU).
   *
   * When omitted: the environment variable `ACTIVEKD_PREPROCESS`, else `DEFAULT_PREPROCESS`
   * (`v2-graph`; src/options/definitions.ts).
   */
  readonly preprocess?: PreprocessVersion;
}

/**
 * The preprocessing of specs that name none: the environment variable `ACTIVEKD_PREPROCESS`, else
 * `DEFAULT_PREPROCESS` (`v2-graph`; src/options/definitions.ts).
 * @throws UserError when `ACTIVEKD_PREPROCESS` names no {@link PreprocessVersion}.
 */
export function defaultPreprocess(): PreprocessVersion {
  const env = process.env.ACTIVEKD_PREPROCESS;
  if (env === undefined || env === '') return DEFAULT_PREPROCESS;
  const version = PREPROCESS_VERSIONS.find((v) => v === env);
  if (version === undefined) throw new UserError(`ACTIVEKD_PREPROCESS=${env}: expected one of ${PREPROCESS_VERSIONS.join(', ')}`);
  return version;
}

/**
 * The preprocessing a spec uses: `spec.preprocess`, else `fallback` (e.g. `--preprocess`), else
 * {@link defaultPreprocess}.
 * @throws UserError as {@link defaultPreprocess}.
 */
export function preprocessVersion(spec: EncoderSpec, fallback?: PreprocessVersion): PreprocessVersion {
  return spec.preprocess ?? fallback ?? defaultPreprocess();
}

/**
 * The spec with its preprocessing resolved ({@link preprocessVersion}), so that it means the same in
 * every process (queue workers, bench cells) and is recorded where results are.
 * @throws UserError as {@link defaultPreprocess}.
 */
export function withPreprocess(spec: EncoderSpec, fallback?: PreprocessVersion): EncoderSpec {
  return { ...spec, preprocess: preprocessVersion(spec, fallback) };
}

/**
 * A stable key for the preprocessing part of a spec (cache key component): size, resize, scaling,
 * input name and the {@link preprocessVersion}. `v1-sharp` keeps the key it had before versions
 * existed, so existing caches stay valid; every other version enters the key.
 * @throws UserError as {@link preprocessVersion}.
 */
export function preprocessKey(spec: EncoderSpec): string {
  const version = preprocessVersion(spec);
  const key: Record<string, unknown> = { size: spec.size, resize: spec.resize, scaling: spec.scaling, input: spec.inputName, v: 1 };
  if (version !== LEGACY_PREPROCESS) key.preprocess = version;
  const s = JSON.stringify(key);
  return createHash('sha256').update(s).digest('hex').slice(0, 12);
}

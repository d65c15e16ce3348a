import { createHash } from 'node:crypto';

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
}

/** A stable key for the preprocessing part of a spec (cache key component). */
export function preprocessKey(spec: EncoderSpec): string {
  const s = JSON.stringify({ size: spec.size, resize: spec.resize, scaling: spec.scaling, input: spec.inputName, v: 1 });
  return createHash('sha256').update(s).digest('hex').slice(0, 12);
}

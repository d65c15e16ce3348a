/**
 * The `v2-graph` preprocessing (see `EncoderSpec.preprocess`): an ONNX graph that turns a batch of
 * decoded 8-bit RGB images at their native size into the encoder's input, so that the upsampling
 * and scaling run inside onnxruntime instead of in libvips and a JS loop (issue 12 #3).
 */
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../linalg/onnx-graph.ts';
import { createSession } from '../linalg/ort-session.ts';
import type { EncoderSpec } from './spec.ts';

/**
 * Bilinear upsampling weights from `src` to `dst` samples with sharp's (libvips') sampling
 * positions for `kernel: 'linear'`: output sample `o` reads the input at `u = o·src/dst − 0.5`,
 * clamped to [0, src−1] (edge pixels repeated). Measured against sharp 0.35 / libvips 8.18: within
 * one 8-bit level of its fixed-point result. `src === dst` gives the identity (sharp leaves an
 * axis at its size untouched).
 * @returns dst×src row-major Float32Array; each row sums to 1
 * @throws RangeError when `src` or `dst` is not a positive integer or `src > dst` (downsampling
 *   is left to sharp, which filters instead of sampling)
 */
export function upsampleWeights(src: number, dst: number): Float32Array {
  if (!Number.isInteger(src) || !Number.isInteger(dst) || src < 1 || dst < 1 || src > dst) throw new RangeError(`upsampleWeights: need integers 1 ≤ src ≤ dst, got ${src} → ${dst}`);
  const w = new Float32Array(dst * src);
  for (let o = 0; o < dst; o++) {
    if (src === dst) {
      w[o * src + o] = 1;
      continue;
    }
    const u = Math.min(Math.max((o * src) / dst - 0.5, 0), src - 1);
    const i0 = Math.floor(u);
    const f = u - i0;
    const i1 = Math.min(i0 + 1, src - 1);
    w[o * src + i0] = (w[o * src + i0] as number) + (1 - f);
    w[o * src + i1] = (w[o * src + i1] as number) + f;
  }
  return w;
}

/** Per-channel affine map v ↦ a[c]·v + b[c] of 8-bit values given by `spec.scaling` (SPEC §4). */
export function channelAffine(spec: EncoderSpec): { a: number[]; b: number[] } {
  const sc = spec.scaling;
  if (sc.kind === 'tanh') return { a: [1 / 127.5, 1 / 127.5, 1 / 127.5], b: [-1, -1, -1] };
  const a = [0, 1, 2].map((c) => 1 / (255 * (sc.std[c] as number)));
  const b = [0, 1, 2].map((c) => -(sc.mean[c] as number) / (sc.std[c] as number));
  return { a, b };
}

/** Name of the graph's input: uint8 NHWC [N, height, width, 3]. */
export const PIXELS_INPUT = 'pixels';
/** Name of the graph's output: float32 NCHW [N, 3, size, size]. */
export const PIXELS_OUTPUT = 'encoder_input';

/**
 * The preprocessing graph of one native image size: uint8 NHWC [N,height,width,3] → Transpose →
 * Cast → bilinear upsampling to size×size as two MatMuls with {@link upsampleWeights} (rows, then
 * columns; skipped on an axis already at `size`) → Round to whole 8-bit levels (as sharp's 8-bit
 * output is: the pixels then equal v1's except where libvips' fixed-point rounding differs, ≈1 %
 * of them by one level) → per-channel scale and offset ({@link channelAffine}) → float32 NCHW
 * [N,3,size,size].
 * @returns serialized ModelProto bytes
 * @throws RangeError when `height` or `width` exceeds `spec.size`
 */
export function preprocessGraph(spec: EncoderSpec, height: number, width: number): Uint8Array {
  const T = spec.size;
  if (height > T || width > T) throw new RangeError(`preprocessGraph: ${width}×${height} exceeds ${T}×${T}`);
  const g = new GraphBuilder(`preprocess_${height}x${width}_to_${T}`);
  const px = g.input(PIXELS_INPUT, 'uint8', ['N', height, width, 3]);
  const chw = g.op('Transpose', [px], { perm: [0, 3, 1, 2] });
  let y = g.op('Cast', [chw], { to: 1 });
  if (height !== T) y = g.op('MatMul', [g.initializer('rows', 'float32', [T, height], upsampleWeights(height, T)), y]);
  if (width !== T) {
    const wx = upsampleWeights(width, T);
    const wxT = new Float32Array(width * T);
    for (let o = 0; o < T; o++) for (let i = 0; i < width; i++) wxT[i * T + o] = wx[o * width + i] as number;
    y = g.op('MatMul', [y, g.initializer('cols', 'float32', [width, T], wxT)]);
  }
  if (height !== T || width !== T) y = g.op('Round', [y]);
  const { a, b } = channelAffine(spec);
  y = g.op('Add', [g.op('Mul', [y, g.initializer('scale', 'float32', [1, 3, 1, 1], a)]), g.initializer('offset', 'float32', [1, 3, 1, 1], b)]);
  g.output(g.op('Identity', [y], {}, PIXELS_OUTPUT), 'float32', ['N', 3, T, T]);
  return g.build();
}

const sessions = new Map<string, Promise<ort.InferenceSession>>();

function sessionFor(spec: EncoderSpec, height: number, width: number): Promise<ort.InferenceSession> {
  const key = JSON.stringify([spec.size, spec.scaling, height, width]);
  let s = sessions.get(key);
  if (!s) {
    // One thread: the graph is small and runs next to the encoder's own session.
    s = createSession(preprocessGraph(spec, height, width), { threads: 1 });
    sessions.set(key, s);
  }
  return s;
}

/**
 * Runs the {@link preprocessGraph} of one native size over a batch.
 * @param pixels n×height×width×3 uint8 (NHWC, RGB)
 * @returns float32 NCHW [n,3,size,size], the encoder's input
 * @throws RangeError when `pixels.length` is not n·height·width·3 or a side exceeds `spec.size`
 */
export async function runPreprocessGraph(spec: EncoderSpec, pixels: Uint8Array, n: number, height: number, width: number): Promise<Float32Array> {
  if (pixels.length !== n * height * width * 3) throw new RangeError(`runPreprocessGraph: ${pixels.length} bytes, expected ${n}×${height}×${width}×3`);
  if (height > spec.size || width > spec.size) throw new RangeError(`runPreprocessGraph: ${width}×${height} exceeds ${spec.size}×${spec.size}`);
  const session = await sessionFor(spec, height, width);
  const r = await session.run({ [PIXELS_INPUT]: new ort.Tensor('uint8', pixels, [n, height, width, 3]) });
  return r[PIXELS_OUTPUT]!.data as Float32Array;
}

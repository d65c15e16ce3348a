/**
 * The `v2-graph` preprocessing (see `EncoderSpec.preprocess`): an ONNX graph that turns a batch of
 * decoded 8-bit RGB images at their native size into the encoder's input, so that the upsampling
 * and scaling run inside onnxruntime instead of in libvips and a JS loop (issue 12 #3).
 */
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { attrGraph, GraphBuilder } from '../linalg/onnx-graph.ts';
import { createSession } from '../linalg/ort-session.ts';
import { UserError } from '../util/errors.ts';
import type { EncoderSpec } from './spec.ts';

const { onnx } = onnxProto;

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

/** Name of the graph's pixel input: uint8 NHWC [N, H, W, 3]. */
export const PIXELS_INPUT = 'activekd_pixels';
/** Name of the graph's row-upsampling input: float32 [size, H] ({@link upsampleWeights}(H, size)). */
export const ROWS_INPUT = 'activekd_rows';
/** Name of the graph's column-upsampling input: float32 [W, size] (the transpose of upsampleWeights(W, size)). */
export const COLS_INPUT = 'activekd_cols';
/** Name of the graph's branch input: bool scalar, true to upsample (H or W below size), false at size×size. */
export const UPSAMPLE_INPUT = 'activekd_upsample';
/** Name of the standalone graph's output: float32 NCHW [N, 3, size, size]. */
export const PIXELS_OUTPUT = 'encoder_input';

/**
 * The preprocessing graph, one for every native size: uint8 NHWC [N,H,W,3] → Transpose → Cast →
 * `If` upsample: bilinear upsampling to size×size as two MatMuls with the fed {@link ROWS_INPUT}
 * and {@link COLS_INPUT} weights (rows, then columns), then Round to whole 8-bit levels (as sharp's
 * 8-bit output is: the pixels then equal v1's except where libvips' fixed-point rounding differs,
 * ≈1 % of them by one level); else (H = W = size) the pixels as they are → per-channel scale and
 * offset ({@link channelAffine}) → float32 NCHW [N,3,size,size] named `output`.
 * An axis already at size gets the identity matrix, which leaves its whole 8-bit values exact.
 * All tensor names start with `activekd_`, so the graph can be placed in front of an encoder's
 * graph ({@link fusePreprocessing}).
 * @param output name of the output tensor (default {@link PIXELS_OUTPUT})
 * @returns serialized ModelProto bytes (ai.onnx opset 13)
 */
export function preprocessGraph(spec: EncoderSpec, output: string = PIXELS_OUTPUT): Uint8Array {
  const T = spec.size;
  const g = new GraphBuilder(`activekd_preprocess_to_${T}`, { opset: 13 });
  const px = g.input(PIXELS_INPUT, 'uint8', ['N', 'H', 'W', 3]);
  const rows = g.input(ROWS_INPUT, 'float32', [T, 'H']);
  const cols = g.input(COLS_INPUT, 'float32', ['W', T]);
  const up = g.input(UPSAMPLE_INPUT, 'bool', []);
  const chw = g.op('Transpose', [px], { perm: [0, 3, 1, 2] }, 'activekd_pp_chw');
  const f = g.op('Cast', [chw], { to: 1 }, 'activekd_pp_float');
  const upsample = new GraphBuilder('activekd_pp_upsample');
  const r = upsample.op('MatMul', [rows, f], {}, 'activekd_pp_rows_done');
  const u = upsample.op('MatMul', [r, cols], {}, 'activekd_pp_upsampled');
  upsample.output(upsample.op('Round', [u], {}, 'activekd_pp_rounded'), 'float32', ['N', 3, T, T]);
  const keep = new GraphBuilder('activekd_pp_native');
  keep.output(keep.op('Identity', [f], {}, 'activekd_pp_native'), 'float32', ['N', 3, T, T]);
  const y = g.op('If', [up], { then_branch: attrGraph(upsample), else_branch: attrGraph(keep) }, 'activekd_pp_sized');
  const { a, b } = channelAffine(spec);
  const scaled = g.op('Mul', [y, g.initializer('activekd_pp_scale', 'float32', [1, 3, 1, 1], a)], {}, 'activekd_pp_scaled');
  g.output(g.op('Add', [scaled, g.initializer('activekd_pp_offset', 'float32', [1, 3, 1, 1], b)], {}, output), 'float32', ['N', 3, T, T]);
  return g.build();
}

/**
 * Memoised upsampling inputs, per axis: the row weights of each (H, size), the column weights of
 * each (W, size), so their number stays bounded by the distinct sides (≤ size each), not by the
 * distinct H×W pairs of a dataset.
 */
const rowWeights = new Map<string, ort.Tensor>();
const colWeights = new Map<string, ort.Tensor>();

function weightTensors(height: number, width: number, size: number): { rows: ort.Tensor; cols: ort.Tensor } {
  let rows = rowWeights.get(`${height}>${size}`);
  if (!rows) {
    rows = new ort.Tensor('float32', upsampleWeights(height, size), [size, height]);
    rowWeights.set(`${height}>${size}`, rows);
  }
  let cols = colWeights.get(`${width}>${size}`);
  if (!cols) {
    const wx = upsampleWeights(width, size);
    const wxT = new Float32Array(width * size);
    for (let o = 0; o < size; o++) for (let i = 0; i < width; i++) wxT[i * size + o] = wx[o * width + i] as number;
    cols = new ort.Tensor('float32', wxT, [width, size]);
    colWeights.set(`${width}>${size}`, cols);
  }
  return { rows, cols };
}

/**
 * The feeds of {@link preprocessGraph} (alone or fused into an encoder) for a batch of one native size.
 * @param pixels n×height×width×3 uint8 (NHWC, RGB)
 * @throws RangeError when `pixels.length` is not n·height·width·3 or a side exceeds `spec.size`
 */
export function preprocessFeeds(spec: EncoderSpec, pixels: Uint8Array, n: number, height: number, width: number): Record<string, ort.Tensor> {
  if (pixels.length !== n * height * width * 3) throw new RangeError(`preprocessFeeds: ${pixels.length} bytes, expected ${n}×${height}×${width}×3`);
  if (height > spec.size || width > spec.size) throw new RangeError(`preprocessFeeds: ${width}×${height} exceeds ${spec.size}×${spec.size}`);
  const { rows, cols } = weightTensors(height, width, spec.size);
  const upsample = height !== spec.size || width !== spec.size;
  return {
    [PIXELS_INPUT]: new ort.Tensor('uint8', pixels, [n, height, width, 3]),
    [ROWS_INPUT]: rows,
    [COLS_INPUT]: cols,
    [UPSAMPLE_INPUT]: new ort.Tensor('bool', new Uint8Array([upsample ? 1 : 0]), []),
  };
}

const sessions = new Map<string, Promise<ort.InferenceSession>>();

/**
 * Runs the standalone {@link preprocessGraph} over a batch of one native size (one intra-op
 * thread: the test oracle of the fused encoder, and the input of a single image).
 * @param pixels n×height×width×3 uint8 (NHWC, RGB)
 * @returns float32 NCHW [n,3,size,size], the encoder's input
 * @throws RangeError as {@link preprocessFeeds}
 */
export async function runPreprocessGraph(spec: EncoderSpec, pixels: Uint8Array, n: number, height: number, width: number): Promise<Float32Array> {
  const feeds = preprocessFeeds(spec, pixels, n, height, width);
  const key = JSON.stringify([spec.size, spec.scaling]);
  let s = sessions.get(key);
  if (!s) {
    s = createSession(preprocessGraph(spec), { threads: 1 });
    sessions.set(key, s);
  }
  const r = await (await s).run(feeds);
  return r[PIXELS_OUTPUT]!.data as Float32Array;
}

/** Lowest ai.onnx opset of an encoder that {@link fusePreprocessing} can extend (the graph's `If`, `Cast` and `Round` as in opset 13). */
export const FUSE_MIN_OPSET = 13;

/**
 * Places {@link preprocessGraph} in front of an encoder's graph: the encoder's image input
 * `spec.inputName` becomes the preprocessing graph's output, and the fused model takes the
 * preprocessing inputs ({@link preprocessFeeds}) instead, so one session (its intra-op threads)
 * runs upsampling, scaling and the encoder, and the images cross into onnxruntime as native-size
 * 8-bit pixels. Outputs are the encoder's, bit-identical to the preprocessing graph followed by
 * the encoder (tested).
 * @param encoder the encoder's serialized ModelProto
 * @returns serialized ModelProto bytes, or `null` when the encoder imports ai.onnx below
 *   {@link FUSE_MIN_OPSET} (the caller runs the two graphs one after the other)
 * @throws UserError when the encoder has no input `spec.inputName`, or already uses a name of the
 *   preprocessing graph
 */
export function fusePreprocessing(spec: EncoderSpec, encoder: Uint8Array): Uint8Array | null {
  const model = onnx.ModelProto.decode(encoder);
  const opset = model.opsetImport.find((o) => (o.domain ?? '') === '');
  const version = opset?.version === undefined || opset.version === null ? 0 : Number(opset.version);
  if (version < FUSE_MIN_OPSET) return null;
  const graph = model.graph;
  const inputs = graph?.input ?? [];
  if (!graph || !inputs.some((i) => i.name === spec.inputName)) throw new UserError(`model ${spec.modelPath} has no input ${spec.inputName}`);
  const pre = onnx.ModelProto.decode(preprocessGraph(spec, spec.inputName)).graph as InstanceType<typeof onnx.GraphProto>;
  const nodes = graph.node ?? [];
  const inits = graph.initializer ?? [];
  const taken = new Set<string>([...inputs, ...(graph.output ?? []), ...inits].map((v) => v.name ?? ''));
  for (const n of nodes) for (const o of n.output ?? []) taken.add(o);
  const ours = [...pre.input, ...pre.initializer].map((v) => v.name ?? '').concat(pre.node.flatMap((n) => n.output as string[]));
  const clash = ours.find((x) => x !== spec.inputName && taken.has(x));
  if (clash !== undefined) throw new UserError(`model ${spec.modelPath} already has a tensor named ${clash}; use ACTIVEKD_PREPROCESS=v1-sharp`);
  graph.input = [...pre.input, ...inputs.filter((i) => i.name !== spec.inputName)];
  graph.initializer = [...pre.initializer, ...inits];
  graph.node = [...pre.node, ...nodes];
  // The encoder's own shape annotation of its input would now describe an inner tensor: drop it.
  graph.valueInfo = (graph.valueInfo ?? []).filter((v) => v.name !== spec.inputName);
  return onnx.ModelProto.encode(model).finish();
}

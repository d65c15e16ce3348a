/**
 * Reads the final linear classifier (weights and bias) out of an ONNX image classifier, e.g. the
 * embedded MobileNetV2 (a 1×1 Conv 1280 → 1001 after global pooling), and turns it into
 * zero-shot prototypes for the label-transfer CLAP teacher (SPEC.md §7.2 on a non-CLIP teacher):
 * the prototype of target class c is the mean of the classifier rows of its mapped ImageNet
 * outputs, its bias the mean of their biases.
 *
 * That head scores with a dot product plus bias (logits = f·w_k + b_k), not a cosine, so the CLAP
 * built on it uses `logitMode: 'linear'` (src/teachers/clap.ts).
 */
import { readFile } from 'node:fs/promises';
import onnxProto from 'onnx-proto';
import { matrix, type Matrix } from '../linalg/matrix.ts';
import { UserError } from '../util/errors.ts';

const { onnx } = onnxProto;
type TensorMsg = InstanceType<typeof onnx.TensorProto>;

/** A linear classifier head: logits_k = f · weight[k] + bias[k]. */
export interface ClassifierHead {
  /** K×D row-major weights (row k = output k). */
  readonly weight: Matrix;
  /** K biases (zeros when the node has none). */
  readonly bias: Float32Array;
  /** The ONNX node it was read from: op type and name (or first output). */
  readonly node: string;
}

/** float32 values of an initializer / Constant tensor (FLOAT or DOUBLE, raw or typed fields). */
function tensorValues(t: TensorMsg, modelPath: string): Float32Array {
  const T = onnx.TensorProto.DataType;
  const n = (t.dims ?? []).reduce((a: number, b) => a * Number(b), 1);
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) throw new UserError(`${modelPath}: tensor ${t.name} is stored in an external file; not supported`);
  const raw = t.rawData;
  if (t.dataType === T.FLOAT) {
    if (raw && raw.length > 0) {
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      return Float32Array.from({ length: n }, (_, i) => dv.getFloat32(4 * i, true));
    }
    return Float32Array.from(t.floatData ?? []);
  }
  if (t.dataType === T.DOUBLE) {
    if (raw && raw.length > 0) {
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      return Float32Array.from({ length: n }, (_, i) => dv.getFloat64(8 * i, true));
    }
    return Float32Array.from(t.doubleData ?? []);
  }
  throw new UserError(`${modelPath}: tensor ${t.name} has data type ${t.dataType}; only float32/float64 classifier weights are supported`);
}

/** Options of {@link readClassifierHead}. */
export interface ClassifierHeadQuery {
  /** D, the feature width the head reads (1280 for MobileNetV2). */
  readonly inFeatures: number;
  /** K, the number of outputs (1001 for the embedded MobileNetV2); any when omitted. */
  readonly outClasses?: number;
}

/**
 * Finds the last MatMul / Gemm / Conv node whose constant weight maps `inFeatures` inputs to
 * `outClasses` outputs, and returns its weights as K×D plus its bias (Conv/Gemm bias input, or a
 * constant `Add` right after a MatMul; zeros otherwise).
 * @throws UserError when the file cannot be read or parsed, no such node exists, or the weights
 *   are not float32/float64 data inside the file.
 */
export async function readClassifierHead(modelPath: string, q: ClassifierHeadQuery): Promise<ClassifierHead> {
  let bytes: Buffer;
  try {
    bytes = await readFile(modelPath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `model file not found: ${modelPath}` : `cannot read ${modelPath}: ${(e as Error).message}`);
  }
  let model: InstanceType<typeof onnx.ModelProto>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new UserError(`${modelPath} is not an ONNX model: ${(e as Error).message}`);
  }
  const g = model.graph;
  if (!g) throw new UserError(`${modelPath}: ONNX model has no graph`);
  const consts = new Map<string, TensorMsg>();
  for (const t of g.initializer ?? []) if (t.name) consts.set(t.name, t as TensorMsg);
  const nodes = g.node ?? [];
  for (const n of nodes) {
    if (n.opType === 'Constant') {
      const v = (n.attribute ?? []).find((a) => a.name === 'value')?.t;
      if (v && n.output?.[0]) consts.set(n.output[0], v as TensorMsg);
    }
  }
  const D = q.inFeatures;
  const dimsOf = (name: string | undefined): number[] | undefined => {
    const t = name === undefined ? undefined : consts.get(name);
    return t ? (t.dims ?? []).map(Number) : undefined;
  };
  for (let ni = nodes.length - 1; ni >= 0; ni--) {
    const n = nodes[ni]!;
    const op = n.opType ?? '';
    const ins = n.input ?? [];
    const label = `${op} ${n.name || n.output?.[0] || `#${ni}`}`;
    let K: number | undefined;
    let transpose = false; // stored D×K (true) or K×D (false)
    let biasName: string | undefined;
    const wd = dimsOf(ins[1]);
    if (!wd) continue;
    if (op === 'Conv') {
      if (wd.length === 4 && wd[1] === D && wd[2] === 1 && wd[3] === 1) {
        K = wd[0];
        biasName = ins[2];
      }
    } else if (op === 'Gemm') {
      const transB = (n.attribute ?? []).find((a) => a.name === 'transB')?.i;
      const tb = transB !== undefined && transB !== null && Number(transB) !== 0;
      if (wd.length === 2 && (tb ? wd[1] : wd[0]) === D) {
        K = tb ? wd[0] : wd[1];
        transpose = !tb;
        biasName = ins[2];
      }
    } else if (op === 'MatMul') {
      if (wd.length === 2 && wd[0] === D) {
        K = wd[1];
        transpose = true;
        const out = n.output?.[0];
        const add = nodes.find((m) => m.opType === 'Add' && (m.input ?? []).includes(out ?? '\u0000'));
        biasName = add?.input?.find((x) => x !== out && consts.has(x));
      }
    }
    if (K === undefined || (q.outClasses !== undefined && K !== q.outClasses)) continue;
    const raw = tensorValues(consts.get(ins[1] as string) as TensorMsg, modelPath);
    const weight = new Float32Array(K * D);
    if (transpose) for (let d = 0; d < D; d++) for (let k = 0; k < K; k++) weight[k * D + d] = raw[d * K + k] as number;
    else weight.set(raw.subarray(0, K * D));
    let bias: Float32Array = new Float32Array(K);
    const bt = biasName ? consts.get(biasName) : undefined;
    if (bt) {
      const b = tensorValues(bt, modelPath);
      if (b.length === K) bias = b;
      else if (b.length !== 1 || b[0] !== 0) throw new UserError(`${modelPath}: bias of ${label} has ${b.length} values, expected ${K}`);
    }
    return { weight: matrix(K, D, weight), bias, node: label };
  }
  throw new UserError(`${modelPath}: no MatMul/Gemm/Conv node maps ${D} features to ${q.outClasses ?? 'the'} outputs; cannot read the classifier head`);
}

/**
 * Zero-shot prototypes of target classes from a classifier head and a class map: W_raw[:, c] =
 * mean of `head.weight` rows over `indices[c]`, bias_c = mean of their biases.
 * @param indices C non-empty lists of output indices (see `classMapIndices` / LabelTransferTeacher.indices).
 * @returns `zeroShotRaw` D×C row-major and `bias` C.
 * @throws RangeError when a list is empty or an index is out of range.
 */
export function headPrototypes(head: ClassifierHead, indices: readonly (readonly number[])[]): { zeroShotRaw: Matrix; bias: Float32Array } {
  const { rows: K, cols: D, data } = head.weight;
  const C = indices.length;
  const out = new Float32Array(D * C);
  const bias = new Float32Array(C);
  indices.forEach((list, c) => {
    if (list.length === 0) throw new RangeError(`headPrototypes: class ${c} maps to no output`);
    const acc = new Float64Array(D);
    let b = 0;
    for (const k of list) {
      if (!(Number.isInteger(k) && k >= 0 && k < K)) throw new RangeError(`headPrototypes: class ${c} maps to output ${k}, outside 0..${K - 1}`);
      for (let d = 0; d < D; d++) acc[d] = (acc[d] as number) + (data[k * D + d] as number);
      b += head.bias[k] as number;
    }
    for (let d = 0; d < D; d++) out[d * C + c] = (acc[d] as number) / list.length;
    bias[c] = b / list.length;
  });
  return { zeroShotRaw: matrix(D, C, out), bias };
}

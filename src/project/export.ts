/**
 * `activekd export`: one ONNX model = the student backbone + the trained DHO head, input images
 * (the backbone's own input, [N,3,224,224] preprocessed as its encoder spec says) → class
 * probabilities (SPEC.md §6: probs = α·softmax(ce) + (1−α)·softmax(kd/β); softmax(ce) for
 * no-distill). Built by decoding the backbone ModelProto (onnx-proto), appending the head nodes with
 * the trained weights as initializers, and re-encoding. The model states its input contract in
 * plain words (issue 15 #13): in the ONNX model's doc string and metadata, and in `<file>.json`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import onnxProto from 'onnx-proto';
import { mobilenetV1Spec } from '../encoders/embedded.ts';
import type { EncoderSpec } from '../encoders/spec.ts';
import { effectiveAlphaCe } from '../student/config.ts';
import type { StudentModel } from '../student/model.ts';
import { UserError } from '../util/errors.ts';
import { writeFileAtomic } from '../util/json-file.ts';
import { checkOutFile } from '../util/out-dir.ts';
import { currentStudent } from './project.ts';
import { projectStudentModel } from './store.ts';

const { onnx } = onnxProto;

/** Names of the exported model's graph inputs and outputs. */
export const EXPORT_IO = Object.freeze({ input: 'input', probs: 'probs', ce: 'ce_logits', kd: 'kd_logits' });

/** What the exported model expects and returns, in words and in fields (see {@link exportContract}). */
export interface ExportContract {
  /** Input tensor: name, shape, element type, layout, channel order, preprocessing. */
  readonly input: {
    readonly name: string;
    readonly shape: readonly (string | number)[];
    readonly dtype: 'float32';
    readonly layout: 'NCHW';
    readonly channels: 'RGB';
    /** Side of the square input in pixels. */
    readonly size: number;
    /** The encoder spec's resize mode (`fill` or `shorter-crop`) and what it does. */
    readonly resize: EncoderSpec['resize'];
    readonly resizeDescription: string;
    /** The encoder spec's scaling and its formula (v = 8-bit channel value in [0, 255]). */
    readonly scaling: EncoderSpec['scaling'];
    readonly scalingFormula: string;
    /** The whole input contract in one paragraph. */
    readonly description: string;
  };
  /** The outputs, in graph order: name, shape and meaning. */
  readonly outputs: readonly { readonly name: string; readonly shape: readonly (string | number)[]; readonly meaning: string }[];
  /** Class names: column j of every output is class j. */
  readonly classNames: readonly string[];
  /** α and β of the probabilities output (SPEC.md §6). */
  readonly alphaCe: number;
  readonly beta: number;
}

/** A number for a sentence: 12 significant digits at most (0.3, not 0.30000000000000004). */
const num = (x: number): string => String(Number(x.toPrecision(12)));

/**
 * The input/output contract of an exported student, stated in plain words (what a user must do to
 * an image before calling the model, and what each output means), from the backbone's encoder spec
 * (the preprocessing of src/encoders/preprocess.ts: EXIF orientation applied, alpha removed, 8-bit
 * sRGB, resize, scaling; CHW planes in R, G, B order).
 * @param spec the student backbone's encoder spec (input name, size, resize, scaling).
 * @param classNames C class names, in output column order.
 * @param alphaCe α of `probs` (1 for a no-distill student); `beta` β, the KD-logit temperature.
 */
export function exportContract(spec: EncoderSpec, classNames: readonly string[], alphaCe: number, beta: number): ExportContract {
  const S = spec.size;
  const resizeDescription =
    spec.resize === 'fill'
      ? `stretch the whole image to ${S}×${S} pixels (bilinear; the aspect ratio is not kept, nothing is cropped)`
      : `resize the shorter side to ${S} pixels (bilinear, aspect ratio kept), then crop the centre ${S}×${S} pixels`;
  const sc = spec.scaling;
  const scalingFormula =
    sc.kind === 'tanh'
      ? 'x = v/127.5 − 1 for every 8-bit channel value v in [0, 255] (so x is in [−1, 1])'
      : `x = (v/255 − mean[c]) / std[c] for every 8-bit value v in [0, 255] of channel c (R, G, B), mean = [${sc.mean.join(', ')}], std = [${sc.std.join(', ')}]`;
  const C = classNames.length;
  const description =
    `Input "${spec.inputName}": float32 tensor [N, 3, ${S}, ${S}], NCHW (batch, channel, row, column), channels in RGB order. ` +
    `Prepare each image as follows: apply its EXIF orientation, drop any alpha channel, convert to 8-bit sRGB RGB; ${resizeDescription}; ` +
    `then scale every value: ${scalingFormula}.`;
  const probsMeaning =
    alphaCe === 1
      ? `class probabilities (rows sum to 1; column j = classNames[j]) = softmax(${EXPORT_IO.ce})`
      : `class probabilities (rows sum to 1; column j = classNames[j]) = ${num(alphaCe)}·softmax(${EXPORT_IO.ce}) + ${num(1 - alphaCe)}·softmax(${EXPORT_IO.kd}/${num(beta)}); the predicted class is the column of the largest value`;
  return {
    input: { name: spec.inputName, shape: ['N', 3, S, S], dtype: 'float32', layout: 'NCHW', channels: 'RGB', size: S, resize: spec.resize, resizeDescription, scaling: sc, scalingFormula, description },
    outputs: [
      { name: EXPORT_IO.probs, shape: ['N', C], meaning: probsMeaning },
      { name: EXPORT_IO.ce, shape: ['N', C], meaning: 'logits of the student head trained with cross-entropy on the labels (column j = classNames[j])' },
      { name: EXPORT_IO.kd, shape: ['N', C], meaning: 'logits of the student head distilled from the teacher (column j = classNames[j]); unused by probs for a no-distill student' },
    ],
    classNames: [...classNames],
    alphaCe,
    beta,
  };
}

/** The contract as one text: the input paragraph, then one line per output (the ONNX doc string). */
export function contractText(c: ExportContract): string {
  return [c.input.description, 'Outputs:', ...c.outputs.map((o) => `- "${o.name}" [${o.shape.join(', ')}]: ${o.meaning}`), `Classes (column order): ${c.classNames.join(', ')}`].join('\n');
}

/** The metadata entries the exported ONNX model carries (key → value): the contract in words and as JSON. */
export function contractMetadata(c: ExportContract): Record<string, string> {
  return {
    'activekd.input': c.input.description,
    'activekd.outputs': c.outputs.map((o) => `${o.name} [${o.shape.join(', ')}]: ${o.meaning}`).join('\n'),
    'activekd.class_names': JSON.stringify(c.classNames),
    'activekd.contract': JSON.stringify(c),
  };
}

function f32Init(name: string, dims: readonly number[], data: Float32Array): InstanceType<typeof onnx.TensorProto> {
  return onnx.TensorProto.create({ name, dataType: onnx.TensorProto.DataType.FLOAT, dims: [...dims], rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) });
}

/**
 * Appends the student's head to a backbone ONNX model.
 * @param backbone serialized backbone ModelProto whose output `featureOutput` is [N, D]
 * @param model the trained student (D must match); α = `config.evalAlphaCe`, β = `config.evalBeta`
 *   unless overridden
 * @param opts.contract when given, written into the model: its text ({@link contractText}) as the
 *   doc string, and {@link contractMetadata} as metadata entries
 * @returns the serialized combined model: input as the backbone's, outputs `probs` [N,C],
 *   `ce_logits` [N,C], `kd_logits` [N,C]
 * @throws UserError when the backbone has no such output
 */
export function appendStudentHead(backbone: Uint8Array, model: StudentModel, opts: { featureOutput?: string; alphaCe?: number; beta?: number; contract?: ExportContract } = {}): Uint8Array {
  const m = onnx.ModelProto.decode(backbone);
  const g = m.graph;
  const featName = opts.featureOutput ?? 'features';
  if (!g || !g.output || !g.node || !(g.output ?? []).some((o) => o.name === featName)) throw new UserError(`backbone model has no output "${featName}"`);
  const P = 'activekd_head/';
  const C = model.numClasses;
  const D = model.featureDim;
  const alpha = effectiveAlphaCe(model.config.framework, opts.alphaCe ?? model.config.evalAlphaCe);
  const beta = opts.beta ?? model.config.evalBeta;
  const nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  const inits = (g.initializer ??= []);
  const node = (op: string, inputs: string[], out: string, attrs: InstanceType<typeof onnx.AttributeProto>[] = []): string => {
    nodes.push(onnx.NodeProto.create({ name: `${P}${out}_node`, opType: op, input: inputs, output: [out], attribute: attrs }));
    return out;
  };
  const init = (name: string, dims: readonly number[], data: Float32Array): string => {
    inits.push(f32Init(P + name, dims, data));
    return P + name;
  };
  let x = featName;
  const std = model.standardization;
  if (std) {
    x = node('Sub', [x, init('std_mean', [D], std.mean)], `${P}z_centered`);
    x = node('Mul', [x, init('std_invstd', [D], std.invStd)], `${P}z_std`);
  }
  const p = model.params;
  if (p.W1 && p.b1) {
    x = node('MatMul', [x, init('W1', p.W1.shape, p.W1.data)], `${P}h_mm`);
    x = node('Add', [x, init('b1', p.b1.shape, p.b1.data)], `${P}h_pre`);
    x = node('Relu', [x], `${P}h`);
  }
  const ceMm = node('MatMul', [x, init('Wce', p.Wce.shape, p.Wce.data)], `${P}ce_mm`);
  const ce = node('Add', [ceMm, init('bce', p.bce.shape, p.bce.data)], EXPORT_IO.ce);
  const kdMm = node('MatMul', [x, init('Wkd', p.Wkd.shape, p.Wkd.data)], `${P}kd_mm`);
  const kd = node('Add', [kdMm, init('bkd', p.bkd.shape, p.bkd.data)], EXPORT_IO.kd);
  const axis = onnx.AttributeProto.create({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 });
  const pce = node('Softmax', [ce], `${P}p_ce`, [axis]);
  const kdScaled = node('Mul', [kd, init('inv_beta', [], Float32Array.of(1 / beta))], `${P}kd_scaled`);
  const pkd = node('Softmax', [kdScaled], `${P}p_kd`, [axis]);
  const a = node('Mul', [pce, init('alpha', [], Float32Array.of(alpha))], `${P}p_ce_w`);
  const b = node('Mul', [pkd, init('one_minus_alpha', [], Float32Array.of(1 - alpha))], `${P}p_kd_w`);
  node('Add', [a, b], EXPORT_IO.probs);
  (g.node ??= []).push(...nodes);
  const out = (name: string) =>
    onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: C }] } } } });
  g.output = [out(EXPORT_IO.probs), out(EXPORT_IO.ce), out(EXPORT_IO.kd)];
  m.producerName = 'activekd';
  if (opts.contract) {
    m.docString = contractText(opts.contract);
    const meta = contractMetadata(opts.contract);
    m.metadataProps = [...(m.metadataProps ?? []).filter((e) => !(e.key ?? '').startsWith('activekd.')), ...Object.entries(meta).map(([key, value]) => onnx.StringStringEntryProto.create({ key, value }))];
  }
  return onnx.ModelProto.encode(m).finish();
}

/**
 * Exports the project's current student (see `currentStudent`) with its backbone as one ONNX file,
 * plus `<file>.json`: the {@link ExportContract} (input tensor, preprocessing in words and fields,
 * outputs and their meanings, classes, α, β) and the student file it came from. The ONNX model
 * carries the same contract as its doc string and metadata.
 * @returns the output path and the student file it came from
 * @throws UserError when nothing is labeled yet, the backbone cannot be read, or `onnxPath` is a folder (missing parent folders are created)
 */
export async function exportProject(projectDir: string, onnxPath: string, log: (s: string) => void = () => {}): Promise<{ onnx: string; student: string; classNames: string[] }> {
  checkOutFile(onnxPath, '--onnx', 'student.onnx', "the model's file name");
  const outPath = resolve(onnxPath);
  const { model, classNames, path, config } = await currentStudent(projectDir, log);
  const studentModel = projectStudentModel(config);
  let backbone: Uint8Array;
  try {
    backbone = readFileSync(studentModel);
  } catch (e) {
    throw new UserError(`cannot read the student backbone ${studentModel}: ${(e as Error).message}`);
  }
  const spec = mobilenetV1Spec(studentModel);
  const contract = exportContract(spec, classNames, effectiveAlphaCe(model.config.framework, model.config.evalAlphaCe), model.config.evalBeta);
  const bytes = appendStudentHead(backbone, model, { contract });
  writeFileAtomic(outPath, bytes);
  writeFileAtomic(`${outPath}.json`, `${JSON.stringify({ ...contract, student: path }, null, 2)}\n`);
  model.dispose();
  return { onnx: outPath, student: path, classNames };
}

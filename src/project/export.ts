/**
 * `activekd export`: one ONNX model = the student backbone + the trained DHO head, input images
 * (the backbone's own input, [N,3,224,224] preprocessed as its encoder spec says) → class
 * probabilities (SPEC.md §6: probs = α·softmax(ce) + (1−α)·softmax(kd/β); softmax(ce) for
 * no-distill). Built by decoding the backbone ModelProto (onnx-proto), appending the head nodes with
 * the trained weights as initializers, and re-encoding.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import onnxProto from 'onnx-proto';
import { mobilenetV1Spec } from '../assets.ts';
import { distills } from '../student/config.ts';
import type { StudentModel } from '../student/model.ts';
import { UserError } from '../util/errors.ts';
import { currentStudent, writeFileAtomic } from './project.ts';

const { onnx } = onnxProto;

/** Names of the exported model's graph inputs and outputs. */
export const EXPORT_IO = Object.freeze({ input: 'input', probs: 'probs', ce: 'ce_logits', kd: 'kd_logits' });

function f32Init(name: string, dims: readonly number[], data: Float32Array): InstanceType<typeof onnx.TensorProto> {
  return onnx.TensorProto.create({ name, dataType: onnx.TensorProto.DataType.FLOAT, dims: [...dims], rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) });
}

/**
 * Appends the student's head to a backbone ONNX model.
 * @param backbone serialized backbone ModelProto whose output `featureOutput` is [N, D]
 * @param model the trained student (D must match); α = `config.evalAlphaCe`, β = `config.evalBeta`
 *   unless overridden
 * @returns the serialized combined model: input as the backbone's, outputs `probs` [N,C],
 *   `ce_logits` [N,C], `kd_logits` [N,C]
 * @throws UserError when the backbone has no such output
 */
export function appendStudentHead(backbone: Uint8Array, model: StudentModel, opts: { featureOutput?: string; alphaCe?: number; beta?: number } = {}): Uint8Array {
  const m = onnx.ModelProto.decode(backbone);
  const g = m.graph;
  const featName = opts.featureOutput ?? 'features';
  if (!g || !g.output || !g.node || !(g.output ?? []).some((o) => o.name === featName)) throw new UserError(`backbone model has no output "${featName}"`);
  const P = 'activekd_head/';
  const C = model.numClasses;
  const D = model.featureDim;
  const alpha = distills(model.config.framework) ? (opts.alphaCe ?? model.config.evalAlphaCe) : 1;
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
  return onnx.ModelProto.encode(m).finish();
}

/**
 * Exports the project's current student (see `currentStudent`) with its backbone as one ONNX file,
 * plus `<file>.json` describing classes, preprocessing (the backbone encoder spec) and α, β.
 * @returns the output path and the student file it came from
 * @throws UserError when nothing is labeled yet or the backbone cannot be read
 */
export async function exportProject(projectDir: string, onnxPath: string, log: (s: string) => void = () => {}): Promise<{ onnx: string; student: string; classNames: string[] }> {
  const { model, classNames, path, config } = await currentStudent(projectDir, log);
  let backbone: Uint8Array;
  try {
    backbone = readFileSync(config.studentModel);
  } catch (e) {
    throw new UserError(`cannot read the student backbone ${config.studentModel}: ${(e as Error).message}`);
  }
  const bytes = appendStudentHead(backbone, model);
  const outPath = resolve(onnxPath);
  writeFileAtomic(outPath, bytes);
  const spec = mobilenetV1Spec(config.studentModel);
  writeFileAtomic(
    `${outPath}.json`,
    `${JSON.stringify({ classNames, input: { name: spec.inputName, shape: ['N', 3, spec.size, spec.size], resize: spec.resize, scaling: spec.scaling }, outputs: EXPORT_IO, alphaCe: distills(model.config.framework) ? model.config.evalAlphaCe : 1, beta: model.config.evalBeta, student: path }, null, 2)}\n`,
  );
  model.dispose();
  return { onnx: outPath, student: path, classNames };
}

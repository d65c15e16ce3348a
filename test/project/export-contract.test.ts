/**
 * The exported student states its input contract in plain words (issue 15 #13): `student.onnx.json`
 * and the ONNX model's doc string and metadata say RGB, NCHW, 224×224, the resize mode, the scaling
 * formula v/127.5 − 1, and the outputs with their meanings. The stated contract is checked against
 * what the encoder really does to an image.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import onnxProto from 'onnx-proto';
import sharp from 'sharp';
import { mobilenetV1Spec } from '../../src/encoders/embedded.ts';
import { preprocessImage } from '../../src/encoders/preprocess.ts';
import { createSession } from '../../src/linalg/ort-session.ts';
import { exportContract, exportProject, type ExportContract } from '../../src/project/export.ts';
import { importLabels } from '../../src/project/labels.ts';
import { initProject, runProjectRound } from '../../src/project/project.ts';
import { tempDir } from '../helpers.ts';
import { FAST_DHO, projectData } from './helpers.ts';

const { onnx } = onnxProto;

/** Metadata entries and doc string of a serialized ONNX model. */
function readModelText(bytes: Uint8Array): { doc: string; meta: Map<string, string> } {
  const m = onnx.ModelProto.decode(bytes);
  return { doc: m.docString ?? '', meta: new Map((m.metadataProps ?? []).map((e) => [e.key ?? '', e.value ?? ''])) };
}

test('the stated input contract is what the encoder does: RGB planes (NCHW), 224×224, v/127.5 − 1', async () => {
  const c = exportContract(mobilenetV1Spec(), ['cat', 'ship'], 0.5, 1);
  assert.deepEqual(c.input.shape, ['N', 3, 224, 224]);
  assert.equal(c.input.layout, 'NCHW');
  assert.equal(c.input.channels, 'RGB');
  assert.equal(c.input.resize, 'fill');
  assert.match(c.input.scalingFormula, /v\/127\.5 − 1/);
  // A solid (R, G, B) = (200, 40, 90) image: plane 0 is R, plane 1 G, plane 2 B, each v/127.5 − 1.
  const dir = tempDir('activekd-contract-');
  const png = join(dir, 'solid.png');
  writeFileSync(png, await sharp({ create: { width: 30, height: 10, channels: 3, background: { r: 200, g: 40, b: 90 } } }).png().toBuffer());
  const x = await preprocessImage(mobilenetV1Spec(), png);
  const hw = 224 * 224;
  assert.equal(x.length, 3 * hw);
  for (const [plane, v] of [
    [0, 200],
    [1, 40],
    [2, 90],
  ] as const) {
    for (const p of [0, hw - 1]) assert.ok(Math.abs((x[plane * hw + p] as number) - (v / 127.5 - 1)) < 1e-6, `plane ${plane} pixel ${p}`);
  }
});

test('export writes the contract in plain words into student.onnx.json and the ONNX metadata', { timeout: 180_000 }, async () => {
  const d = projectData(['cat', 'ship'], 3, 0);
  const p = join(tempDir(), 'proj');
  await initProject(p, { images: d.images, classesFile: d.classes, teacher: 'none', dho: FAST_DHO, querySize: 4 });
  const batch = (await runProjectRound(p)).selection.map((s) => s.id);
  const csv = join(d.root, 'labels.csv');
  writeFileSync(csv, `id,label\n${batch.map((id) => `${id},${d.truth(id)}`).join('\n')}\n`);
  importLabels(p, csv);
  const onnxFile = join(tempDir(), 'student.onnx');
  await exportProject(p, onnxFile);

  const json = JSON.parse(readFileSync(`${onnxFile}.json`, 'utf8')) as ExportContract & { student: string };
  assert.deepEqual(json.classNames, ['cat', 'ship']);
  assert.equal(json.input.name, 'input');
  assert.deepEqual(json.input.shape, ['N', 3, 224, 224]);
  for (const words of ['RGB', 'NCHW', '224, 224', 'stretch the whole image to 224×224', 'v/127.5 − 1', 'EXIF']) assert.ok(json.input.description.includes(words), `description: ${words}`);
  assert.deepEqual(
    json.outputs.map((o) => o.name),
    ['probs', 'ce_logits', 'kd_logits'],
  );
  assert.match(json.outputs[0]?.meaning ?? '', /class probabilities .*rows sum to 1.*softmax\(ce_logits\)/);
  assert.equal(json.alphaCe, 1, 'a student without a teacher predicts with softmax(ce)');

  const bytes = readFileSync(onnxFile);
  const { doc, meta } = readModelText(bytes);
  assert.equal(meta.get('activekd.input'), json.input.description);
  const { student: _student, ...contract } = json;
  assert.deepEqual(JSON.parse(meta.get('activekd.contract') ?? '{}'), contract);
  assert.deepEqual(JSON.parse(meta.get('activekd.class_names') ?? '[]'), ['cat', 'ship']);
  for (const o of json.outputs) assert.ok((meta.get('activekd.outputs') ?? '').includes(`${o.name} [N, 2]: ${o.meaning}`));
  assert.ok(doc.startsWith(json.input.description));
  assert.match(doc, /"probs" \[N, 2\]/);
  // The model with its metadata still loads and names its outputs as stated.
  const s = await createSession(bytes);
  assert.deepEqual([...s.outputNames], ['probs', 'ce_logits', 'kd_logits']);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { ASSETS } from '../../src/assets.ts';
import { mobilenetV2Spec } from '../../src/encoders/embedded.ts';
import { readImageFolder } from '../../src/data/image-folder.ts';
import { encodeImages } from '../../src/encoders/encode.ts';
import { GraphBuilder } from '../../src/linalg/onnx-graph.ts';
import { ClipTeacher } from '../../src/teachers/clip/teacher.ts';
import { clipFewShotTeacher, labelTransferFewShotTeacher } from '../../src/teachers/few-shot.ts';
import { headPrototypes, readClassifierHead } from '../../src/teachers/imagenet-head.ts';
import { LabelTransferTeacher } from '../../src/teachers/label-transfer.ts';
import { UserError } from '../../src/util/errors.ts';
import { Rng } from '../../src/util/rng.ts';
import { miniSubset, tempDir } from '../helpers.ts';
import { makeClipFolder } from './clip-fixture.ts';

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what = ''): void {
  assert.equal(actual.length, expected.length, `${what} length`);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs((actual[i] as number) - (expected[i] as number)) <= tol, `${what}[${i}] ${actual[i]} vs ${expected[i]}`);
}

test('readClassifierHead: generated MatMul+Add and Gemm(transB) heads; clear error when absent', async () => {
  const dir = tempDir('activekd-head-');
  const W = [1, 2, 3, 4, 5, 6]; // D = 2, K = 3 stored D×K
  const b = [0.5, -1, 2];
  {
    const g = new GraphBuilder('mm');
    const x = g.input('x', 'float32', ['N', 2]);
    const y = g.op('Add', [g.op('MatMul', [x, g.initializer('W', 'float32', [2, 3], W)]), g.initializer('b', 'float32', [3], b)], {}, 'y');
    g.output(y, 'float32', ['N', 3]);
    writeFileSync(join(dir, 'mm.onnx'), g.build());
  }
  const h = await readClassifierHead(join(dir, 'mm.onnx'), { inFeatures: 2, outClasses: 3 });
  close(h.weight.data, [1, 4, 2, 5, 3, 6], 0); // K×D
  close(h.bias, b, 0);
  {
    const g = new GraphBuilder('gemm');
    const x = g.input('x', 'float32', ['N', 2]);
    const y = g.op('Gemm', [x, g.initializer('B', 'float32', [3, 2], [1, 4, 2, 5, 3, 6]), g.initializer('c', 'float32', [3], b)], { transB: 1 }, 'y');
    g.output(y, 'float32', ['N', 3]);
    writeFileSync(join(dir, 'gemm.onnx'), g.build());
  }
  const hg = await readClassifierHead(join(dir, 'gemm.onnx'), { inFeatures: 2 });
  close(hg.weight.data, [1, 4, 2, 5, 3, 6], 0);
  await assert.rejects(readClassifierHead(join(dir, 'gemm.onnx'), { inFeatures: 5 }), (e: unknown) => e instanceof UserError && /no MatMul\/Gemm\/Conv node maps 5 features/.test(e.message));
  const p = headPrototypes(h, [[0, 2], [1]]);
  close(p.zeroShotRaw.data, [2, 2, 5, 5], 1e-7); // D×C: class 0 = mean of rows 0,2 = (2,5); class 1 = (2,5)
  close(p.bias, [1.25, -1], 1e-7);
});

test('readClassifierHead on the embedded MobileNetV2: features · Wᵀ + b reproduces its logits', async () => {
  const data = miniSubset(['cat', 'ship'], 1, 1);
  const ds = await readImageFolder(data);
  const r = await encodeImages(mobilenetV2Spec(ASSETS.mobilenetV2, ['logits', 'features']), ds.train.paths, { cacheDir: null, threads: 1 });
  const f = r.outputs.features!;
  const logits = r.outputs.logits!;
  const head = await readClassifierHead(ASSETS.mobilenetV2, { inFeatures: 1280, outClasses: 1001 });
  assert.match(head.node, /^Conv /);
  for (let i = 0; i < f.rows; i++) {
    const mine = Array.from({ length: 1001 }, (_, k) => {
      let s = head.bias[k]!;
      for (let d = 0; d < 1280; d++) s += f.data[i * 1280 + d]! * head.weight.data[k * 1280 + d]!;
      return s;
    });
    close(mine, logits.data.subarray(i * 1001, (i + 1) * 1001), 2e-3, `image ${i}`);
  }
});

test('label-transfer few-shot teacher: linear CLAP on MobileNetV2 features, refit with test accuracy', async () => {
  const classes = ['airplane', 'cat', 'ship'];
  const data = miniSubset(classes, 3, 2);
  const ds = await readImageFolder(data);
  const lt = await LabelTransferTeacher.create({ classNames: ds.classNames, encode: { cacheDir: null, threads: 1 } });
  const cache = tempDir('activekd-cache-');
  const fs = await labelTransferFewShotTeacher(lt, { pool: ds.train.paths, test: { paths: ds.test!.paths, labels: ds.test!.labels } }, { rng: new Rng(1), encode: { cacheDir: cache, threads: 1 } });
  assert.equal(fs.config.logitMode, 'linear');
  assert.equal(fs.config.logitScale, 1);
  const p0 = fs.probs();
  assert.deepEqual([p0.rows, p0.cols], [9, 3]);
  const labeled = [0, 3, 6];
  const rec = fs.refit(labeled, labeled.map((r) => ds.train.labels[r]!));
  assert.equal(rec.steps, Math.floor((300 * 3) / 64));
  assert.ok(rec.testAccuracy !== null && rec.testAccuracy >= 0 && rec.testAccuracy <= 1);
  assert.ok(Number.isFinite(rec.finalLoss));
  // fitting moved the probabilities of the labeled items towards their labels
  const p1 = fs.probs();
  for (const r of labeled) {
    const y = ds.train.labels[r]!;
    assert.ok(p1.data[r * 3 + y]! >= p0.data[r * 3 + y]! - 1e-6, `row ${r}`);
  }
  const d = fs.describe();
  assert.match(String((d.base as Record<string, unknown>).classifierHead), /^Conv /);
  assert.equal(fs.id, `clap(${lt.id})`);
});

test('CLIP few-shot teacher: before any refit it equals the zero-shot CLIP teacher; refits', async () => {
  const dir = tempDir('activekd-clipfs-');
  const fx = makeClipFolder(join(dir, 'clip'));
  const paths: string[] = [];
  const colours = [
    [220, 20, 20],
    [20, 220, 20],
    [20, 20, 220],
    [200, 60, 40],
    [40, 200, 60],
    [60, 40, 200],
  ];
  for (const [i, c] of colours.entries()) {
    const p = join(dir, `img${i}.png`);
    await sharp({ create: { width: 12, height: 12, channels: 3, background: { r: c[0]!, g: c[1]!, b: c[2]! } } }).png().toFile(p);
    paths.push(p);
  }
  const clip = await ClipTeacher.create({ dir: fx.dir, classNames: ['cat', 'dog', 'sea_or_lake'], dataset: 'caltech101', encode: { cacheDir: null, threads: 1 } });
  const fs = await clipFewShotTeacher(clip, { pool: paths.slice(0, 4), test: { paths: paths.slice(4), labels: Int32Array.from([1, 2]) } }, { rng: new Rng(2) });
  close(fs.probs().data, (await clip.probs(paths.slice(0, 4))).data, 1e-5, 'zero-shot');
  assert.equal(fs.config.logitMode, 'cosine');
  const rec = fs.refit([0, 1, 2], [0, 1, 2]);
  assert.equal(rec.labeledCount, 3);
  assert.ok(rec.testAccuracy !== null);
  assert.equal(fs.fits.length, 1);
});

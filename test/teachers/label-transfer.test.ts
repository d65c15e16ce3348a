import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ASSETS, MODEL_SHA256 } from '../../src/assets.ts';
import { readImageFolder } from '../../src/data/image-folder.ts';
import { accuracy } from '../../src/linalg/accuracy.ts';
import { matrix, takeRows } from '../../src/linalg/matrix.ts';
import { FASHION_MNIST_CLASSES } from '../../src/data/idx.ts';
import { loadClassMap, readLabelsFile } from '../../src/teachers/class-map.ts';
import { embeddedClassMapFor, findEmbeddedClassMap, LabelTransferTeacher, mapProbabilities, NoClassMapError } from '../../src/teachers/label-transfer.ts';
import { UserError } from '../../src/util/errors.ts';

function close(actual: ArrayLike<number>, expected: readonly number[], tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs((actual[i] as number) - (expected[i] as number)) < tol, `[${i}] ${actual[i]} vs ${expected[i]}`);
}

// K = 4 source classes; rows: a generic row, a one-hot row, and a zero row (skipped image).
const P = matrix(3, 4, Float32Array.from([0.1, 0.2, 0.3, 0.4, 0, 0, 1, 0, 0, 0, 0, 0]));
const IDX = [[1, 2], [3], [0]];

test('mapProbabilities: max and sum against hand-computed values', () => {
  const m = mapProbabilities(P, IDX, 'max');
  assert.equal(m.rows, 3);
  assert.equal(m.cols, 3);
  // max: [0.3, 0.4, 0.1] / 0.8
  close(m.data.subarray(0, 3), [0.375, 0.5, 0.125]);
  close(m.data.subarray(3, 6), [1, 0, 0]);
  close(m.data.subarray(6, 9), [1 / 3, 1 / 3, 1 / 3]);
  // sum: [0.5, 0.4, 0.1] / 1
  close(mapProbabilities(P, IDX, 'sum').data.subarray(0, 3), [0.5, 0.4, 0.1]);
});

test('mapProbabilities: temperature', () => {
  // τ = 0.5, max: [0.09, 0.16, 0.01] / 0.26
  close(mapProbabilities(P, IDX, 'max', 0.5).data.subarray(0, 3), [0.09 / 0.26, 0.16 / 0.26, 0.01 / 0.26]);
  // τ = 2, sum: sqrt([0.5, 0.4, 0.1]) normalised
  const s = [Math.sqrt(0.5), Math.sqrt(0.4), Math.sqrt(0.1)];
  const z = s[0]! + s[1]! + s[2]!;
  close(mapProbabilities(P, IDX, 'sum', 2).data.subarray(0, 3), s.map((v) => v / z));
  // tiny τ does not underflow into NaN: it becomes (nearly) one-hot
  close(mapProbabilities(P, IDX, 'max', 1e-3).data.subarray(0, 3), [0, 1, 0]);
});

test('mapProbabilities: rows are distributions (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: 6, maxLength: 6 }),
      fc.constantFrom<'max' | 'sum'>('max', 'sum'),
      fc.double({ min: 0.05, max: 20, noNaN: true }),
      (vals, reduce, t) => {
        const m = mapProbabilities(matrix(1, 6, Float32Array.from(vals)), [[0, 5], [1], [2, 3, 4]], reduce, t);
        const sum = m.data.reduce((a, b) => a + b, 0);
        return Math.abs(sum - 1) < 1e-5 && m.data.every((v) => v >= 0 && v <= 1);
      },
    ),
  );
});

test('mapProbabilities: argument checks', () => {
  assert.throws(() => mapProbabilities(P, IDX, 'max', 0), RangeError);
  assert.throws(() => mapProbabilities(P, IDX, 'max', Number.NaN), RangeError);
  assert.throws(() => mapProbabilities(P, [[0], []]), RangeError);
  assert.throws(() => mapProbabilities(P, [[4]]), RangeError);
});

test('LabelTransferTeacher.create validates its arguments', async () => {
  const isUser = (...frag: string[]) => (e: unknown) => e instanceof UserError && frag.every((f) => e.message.includes(f));
  await assert.rejects(LabelTransferTeacher.create({ classNames: ['cat', 'unicorn'] }), isUser('"unicorn"', 'no embedded class map covers'));
  await assert.rejects(LabelTransferTeacher.create({ classNames: ['cat'], temperature: 0 }), isUser('temperature'));
  await assert.rejects(LabelTransferTeacher.create({ classNames: ['cat'], reduce: 'mean' as 'max' }), isUser('reduction'));
  await assert.rejects(LabelTransferTeacher.create({ classNames: ['cat'], mapFile: '/nonexistent/map.json' }), isUser('/nonexistent/map.json'));
});

test('embeddedClassMapFor picks the embedded map whose keys cover the classes', async () => {
  const cifar = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
  assert.equal(await embeddedClassMapFor(cifar), ASSETS.cifar10ToImagenet);
  assert.equal(await embeddedClassMapFor(['truck', 'cat']), ASSETS.cifar10ToImagenet);
  assert.equal(await embeddedClassMapFor(FASHION_MNIST_CLASSES), ASSETS.fashionMnistToImagenet);
  assert.equal(await embeddedClassMapFor(['Bag', 'Ankle boot']), ASSETS.fashionMnistToImagenet);
  assert.equal(await findEmbeddedClassMap(['cat', 'Bag']), null);
});

test('no embedded map covers the classes: one message that says so and offers only what run accepts (issue 15 #15)', async () => {
  const textures = ['banded', 'blotchy', 'braided', 'bubbly', 'bumpy', 'chequered', 'cobwebbed', 'cracked', 'crosshatched', 'crystalline'];
  // Thunks, not promises: a promise created before its turn could reject with no handler attached yet.
  for (const attempt of [() => embeddedClassMapFor(textures), () => LabelTransferTeacher.create({ classNames: textures }), () => embeddedClassMapFor(['cat', 'Bag'])]) {
    await assert.rejects(attempt, (e: unknown) => {
      assert.ok(e instanceof NoClassMapError && e instanceof UserError, String(e));
      assert.match(e.message, /no embedded class map covers these classes/);
      assert.doesNotMatch(e.message, /class map \(.*cifar10_to_imagenet\.json\) has no entry/, 'no map was passed: the CIFAR-10 map is not blamed');
      assert.doesNotMatch(e.message, /--teacher none/, 'run refuses --teacher none');
      for (const s of ['--class-map FILE', '--framework few-shot', '--framework no-distill']) assert.ok(e.message.includes(s), `${s} in: ${e.message}`);
      return true;
    });
  }
  await assert.rejects(embeddedClassMapFor(textures), (e: unknown) => e instanceof NoClassMapError && textures.every((c) => e.message.includes(`"${c}"`)));
  // the mix: what each embedded map lacks
  await assert.rejects(embeddedClassMapFor(['cat', 'Bag']), (e: unknown) => e instanceof UserError && /cifar10_to_imagenet\.json lacks "Bag"/.test(e.message) && /fashion_mnist_to_imagenet\.json lacks "cat"/.test(e.message));
});

test('the embedded Fashion-MNIST map resolves every class to distinct ImageNet labels', async () => {
  const r = await loadClassMap(ASSETS.fashionMnistToImagenet, ASSETS.imagenetLabels, FASHION_MNIST_CLASSES);
  assert.deepEqual(r.classNames, [...FASHION_MNIST_CLASSES]);
  assert.deepEqual(r.ambiguous, []);
  const all = r.indices.flat();
  assert.ok(r.indices.every((l) => l.length >= 1));
  assert.equal(new Set(all).size, all.length, 'no ImageNet label is shared by two classes');
  const labels = await readLabelsFile(ASSETS.imagenetLabels);
  assert.deepEqual(r.indices[FASHION_MNIST_CLASSES.indexOf('Sneaker')], [labels.indexOf('running shoe')]);
  assert.deepEqual(r.indices[FASHION_MNIST_CLASSES.indexOf('Pullover')], [labels.indexOf('cardigan'), labels.indexOf('sweatshirt')].sort((a, b) => a - b));
  const t = await LabelTransferTeacher.create({ classNames: FASHION_MNIST_CLASSES });
  assert.equal(t.describe().mapFile, ASSETS.fashionMnistToImagenet);
  assert.ok(t.id.includes(';map=fashion_mnist_to_imagenet@'), t.id);
});

test('LabelTransferTeacher on 100 embedded CIFAR-10 test images beats chance', { timeout: 60_000 }, async () => {
  const ds = await readImageFolder(ASSETS.cifar10Mini);
  const test = ds.test!;
  // first 10 test images of each class (ids are grouped by class, 100 per class)
  const rows = Array.from({ length: 100 }, (_, k) => Math.floor(k / 10) * 100 + (k % 10));
  const paths = rows.map((r) => test.paths[r]!);
  const labels = Int32Array.from(rows.map((r) => test.labels[r]!));
  const teacher = await LabelTransferTeacher.create({ classNames: ds.classNames, encode: { cacheDir: null, batchSize: 25 } });
  assert.ok(teacher.id.startsWith(`label-transfer:mobilenet_v2@${MODEL_SHA256.mobilenetV2.slice(0, 8)};`), teacher.id);
  const d = teacher.describe();
  assert.equal(d.modelSha256, MODEL_SHA256.mobilenetV2);
  assert.equal(d.reduce, 'max');
  assert.equal(d.temperature, 1);
  assert.equal(d.mapFile, ASSETS.cifar10ToImagenet);

  const p = await teacher.probs(paths);
  assert.equal(p.rows, 100);
  assert.equal(p.cols, 10);
  for (let i = 0; i < p.rows; i++) {
    const s = p.data.subarray(i * 10, i * 10 + 10).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(s - 1) < 1e-4);
  }
  assert.deepEqual(teacher.lastSkipped, []);
  const acc = accuracy(p, labels);
  assert.ok(acc > 0.2, `accuracy ${acc} should be clearly above chance (0.1)`);
  // the same images through `sum` give a different but valid teacher
  const sum = await LabelTransferTeacher.create({ classNames: ds.classNames, reduce: 'sum', encode: { cacheDir: null } });
  assert.notEqual(sum.id, teacher.id);
  const ps = await sum.probs(paths.slice(0, 5));
  assert.equal(takeRows(ps, [0]).cols, 10);
});

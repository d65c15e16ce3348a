/**
 * The `v2-graph` preprocessing fused into the encoder's session (issue 12 #3): the same features,
 * bit for bit, as the preprocessing graph run alone followed by the encoder, for every kind of
 * native size; encoders too old to fuse still work; and the choice of preprocessing travels with
 * the run (`--preprocess`, bench keys, queue workers, labeling projects) instead of with the
 * environment of whichever process encodes.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { ASSETS } from '../../src/assets.ts';
import { mobilenetV1Spec } from '../../src/encoders/embedded.ts';
import { cacheFolder, encodeImages, encodeKey } from '../../src/encoders/encode.ts';
import { decodeImage } from '../../src/encoders/preprocess.ts';
import { COLS_INPUT, fusePreprocessing, preprocessFeeds, ROWS_INPUT, runPreprocessGraph } from '../../src/encoders/preprocess-graph.ts';
import { getFusedSession, getSession } from '../../src/encoders/session.ts';
import { withPreprocess, type EncoderSpec } from '../../src/encoders/spec.ts';
import { GraphBuilder } from '../../src/linalg/onnx-graph.ts';
import { studentSpecFor } from '../../src/loop/prepare.ts';
import { initProject, projectStatus, runProjectRound } from '../../src/project/project.ts';
import { LabelTransferTeacher } from '../../src/teachers/label-transfer.ts';
import { ProjectStore, STORE_FILE } from '../../src/project/store.ts';
import { UserError } from '../../src/util/errors.ts';
import { FAST_DHO, projectData } from '../project/helpers.ts';
import { miniSubset, runCli, tempDir } from '../helpers.ts';

/** Runs `f` with ACTIVEKD_PREPROCESS set to `value` (unset when undefined), restoring it after. */
async function withEnv<T>(value: string | undefined, f: () => Promise<T> | T): Promise<T> {
  const saved = process.env.ACTIVEKD_PREPROCESS;
  if (value === undefined) delete process.env.ACTIVEKD_PREPROCESS;
  else process.env.ACTIVEKD_PREPROCESS = value;
  try {
    return await f();
  } finally {
    if (saved === undefined) delete process.env.ACTIVEKD_PREPROCESS;
    else process.env.ACTIVEKD_PREPROCESS = saved;
  }
}

/** Pseudo-random RGB pixels as PNG bytes. */
function noisePng(width: number, height: number, seed: number): Promise<Buffer> {
  const px = Buffer.alloc(width * height * 3);
  for (let i = 0; i < px.length; i++) px[i] = (i * 37 + seed * 101 + ((i * i) % 53)) % 256;
  return sharp(px, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** Features through the two graphs one after the other (the oracle): preprocessing graph, then the encoder. */
async function unfused(spec: EncoderSpec, session: ort.InferenceSession, d: { data: Uint8Array; height: number; width: number }): Promise<Float32Array> {
  const x = await runPreprocessGraph(spec, d.data, 1, d.height, d.width);
  const r = await session.run({ [spec.inputName]: new ort.Tensor('float32', x, [1, 3, spec.size, spec.size]) });
  return r[spec.outputs[0] as string]!.data as Float32Array;
}

test('fused MobileNetV1 = preprocessing graph then encoder, bit for bit: CIFAR images, small odd sizes, one side at 224, larger and exact 224 images (direct pixels for the one-side case)', { timeout: 120_000 }, async () => {
  const spec: EncoderSpec = { ...mobilenetV1Spec(), preprocess: 'v2-graph' };
  const dir = tempDir();
  const cls = join(ASSETS.cifar10Mini, 'test', 'ship');
  const files = readdirSync(cls)
    .sort()
    .slice(0, 3)
    .map((f) => join(cls, f));
  for (const [w, h] of [
    [20, 12],
    [300, 200],
    [224, 224],
  ] as const) {
    const f = join(dir, `${w}x${h}.png`);
    writeFileSync(f, await noisePng(w, h, w + h));
    files.push(f);
  }
  const plain = await getSession(spec.modelPath, 2);
  const fused = await getFusedSession(spec, 2);
  assert.ok(fused, 'MobileNetV1 (opset 13) fuses');
  const cases: { name: string; d: { data: Uint8Array; height: number; width: number } }[] = [];
  for (const f of files) cases.push({ name: f, d: await decodeImage(spec, f) });
  // One axis at 224 and the other below (decodeImage lets sharp finish such images, but the graph
  // takes them: the identity matrix on the full axis must leave its values exact).
  for (const [height, width] of [
    [224, 100],
    [100, 224],
  ] as const) {
    const data = new Uint8Array(height * width * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 256;
    cases.push({ name: `${width}×${height} pixels`, d: { data, height, width } });
  }
  const sizes = new Set(cases.map((c) => `${c.d.width}x${c.d.height}`));
  for (const s of ['32x32', '20x12', '224x100', '100x224', '224x224']) assert.ok(sizes.has(s), `sizes ${[...sizes].join(', ')} lack ${s}`);
  for (const { name, d } of cases) {
    const want = await unfused(spec, plain, d);
    const got = (await fused.run(preprocessFeeds(spec, d.data, 1, d.height, d.width)))['features']!.data as Float32Array;
    assert.equal(got.length, 1024);
    assert.deepEqual(got, want, `${name}: fused features differ from the graphs run one after the other`);
  }
});

/** A tiny encoder over [N,3,S,S]: a 1×1 channel mix, a spatial 2×2 average and a flatten (output `features`, 3·(S/2)² wide). */
function tinyEncoder(S: number, opset: number, extraName?: string): Uint8Array {
  const g = new GraphBuilder('tiny_encoder', { opset });
  const x = g.input('image', 'float32', ['N', 3, S, S]);
  const w = g.initializer('mix', 'float32', [3, 3, 1, 1], [0.5, -0.25, 0.75, 0.1, 0.2, 0.3, -0.6, 0.4, 0.9]);
  const c = g.op('Conv', [x, w]);
  const p = g.op('AveragePool', [c], { kernel_shape: [2, 2], strides: [2, 2] });
  let y = g.op('Flatten', [p], { axis: 1 });
  if (extraName) y = g.op('Add', [y, g.initializer(extraName, 'float32', [], [0])]);
  g.output(g.op('Identity', [y], {}, 'features'), 'float32', ['N', (3 * S * S) / 4]);
  return g.build();
}

test('fused tiny encoder = graphs one after the other, bit for bit, for random native sizes, batches and pixels (property)', { timeout: 120_000 }, async () => {
  const S = 16;
  const dir = tempDir();
  const modelPath = join(dir, 'tiny.onnx');
  writeFileSync(modelPath, tinyEncoder(S, 13));
  const spec: EncoderSpec = { name: 'tiny', modelPath, inputName: 'image', size: S, resize: 'fill', scaling: { kind: 'meanStd', mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3] }, outputs: ['features'], preprocess: 'v2-graph' };
  const fused = await ort.InferenceSession.create(fusePreprocessing(spec, tinyEncoder(S, 13)) as Uint8Array);
  const plain = await ort.InferenceSession.create(tinyEncoder(S, 13));
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: S }), fc.integer({ min: 1, max: S }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 1e6 }), async (h, w, n, seed) => {
      const px = new Uint8Array(n * h * w * 3);
      for (let i = 0; i < px.length; i++) px[i] = (i * 131 + seed) % 256;
      const x = await runPreprocessGraph(spec, px, n, h, w);
      const want = (await plain.run({ image: new ort.Tensor('float32', x, [n, 3, S, S]) }))['features']!.data;
      const got = (await fused.run(preprocessFeeds(spec, px, n, h, w)))['features']!.data;
      assert.deepEqual(got, want, `${n}×${h}×${w}`);
    }),
    { numRuns: 25 },
  );
});

test('an encoder too old to fuse (opset 12) still encodes with v2-graph, giving the graphs-in-turn features; clashing names and a missing input are refused', { timeout: 60_000 }, async () => {
  const S = 16;
  const dir = tempDir();
  const old = join(dir, 'old.onnx');
  writeFileSync(old, tinyEncoder(S, 12));
  const spec: EncoderSpec = { name: 'old', modelPath: old, inputName: 'image', size: S, resize: 'fill', scaling: { kind: 'tanh' }, outputs: ['features'], preprocess: 'v2-graph' };
  assert.equal(fusePreprocessing(spec, tinyEncoder(S, 12)), null);
  assert.equal(await getFusedSession(spec, 1), null);
  const img = join(dir, 'a.png');
  writeFileSync(img, await noisePng(10, 7, 3));
  const r = await encodeImages(spec, [img], { cacheDir: null, threads: 1 });
  const d = await decodeImage(spec, img);
  assert.deepEqual(r.outputs.features!.data, await unfused(spec, await ort.InferenceSession.create(tinyEncoder(S, 12)), d));

  assert.throws(
    () => fusePreprocessing(spec, tinyEncoder(S, 13, 'activekd_pixels')),
    (e: unknown) => e instanceof UserError && /already has a tensor named activekd_pixels/.test(e.message),
  );
  assert.throws(
    () => fusePreprocessing({ ...spec, inputName: 'pixels_in' }, tinyEncoder(S, 13)),
    (e: unknown) => e instanceof UserError && /has no input pixels_in/.test(e.message),
  );
});

test('the preprocessing choice resolves once in the parent: spec field > --preprocess > ACTIVEKD_PREPROCESS > v2-graph; keys carry it', async () => {
  await withEnv(undefined, () => {
    assert.equal(studentSpecFor().preprocess, 'v2-graph', 'the default');
    assert.equal(studentSpecFor(undefined, 'v1-sharp').preprocess, 'v1-sharp');
    assert.deepEqual(encodeKey({}), { batchSize: 32, preprocess: 'v2-graph' }, 'the default enters the keys');
    assert.deepEqual(encodeKey({ preprocess: 'v1-sharp', batchSize: 8 }), { batchSize: 8 }, 'v1-sharp keeps the keys from before versions');
  });
  await withEnv('v1-sharp', () => {
    assert.equal(studentSpecFor().preprocess, 'v1-sharp');
    assert.equal(studentSpecFor(undefined, 'v2-graph').preprocess, 'v2-graph', '--preprocess wins over the environment');
    assert.equal(withPreprocess({ ...mobilenetV1Spec(), preprocess: 'v2-graph' }, 'v1-sharp').preprocess, 'v2-graph', 'a spec field wins');
    assert.deepEqual(encodeKey({}), { batchSize: 32 }, 'the environment counts in keys too');
  });
});

test('a labeling project keeps the preprocessing it was created with, whatever ACTIVEKD_PREPROCESS says at later rounds', { timeout: 300_000 }, async () => {
  const classNames = ['cat', 'ship'];
  const data = projectData(classNames, 6, 2);
  const dir = join(data.root, 'p');
  const cacheDir = join(data.root, 'cache');
  await withEnv(undefined, () => initProject(dir, { images: data.images, classesFile: data.classes, testDir: data.test, teacher: 'none', dho: FAST_DHO, cacheDir, preprocess: 'v2-graph' }));
  const store = ProjectStore.open(join(dir, STORE_FILE));
  try {
    assert.equal(store.config().preprocess, 'v2-graph');
  } finally {
    store.close();
  }
  const v1Folder = cacheFolder(cacheDir, { ...mobilenetV1Spec(), preprocess: 'v1-sharp' });
  const v2Folder = cacheFolder(cacheDir, { ...mobilenetV1Spec(), preprocess: 'v2-graph' });
  assert.ok(existsSync(v2Folder), 'init encoded with v2-graph');
  const r = await withEnv('v1-sharp', () => runProjectRound(dir, {}));
  assert.equal(r.selection.length, 2, 'the round ran');
  assert.equal(projectStatus(dir).preprocess, 'v2-graph', '`status` says which preprocessing the project uses');
  assert.ok(!existsSync(v1Folder), 'rounds under ACTIVEKD_PREPROCESS=v1-sharp did not encode with v1-sharp');
});

test('activekd run --preprocess v2-graph: encodes with it (its own cache folder) and records it in results.json; a bad value is refused naming the flag', { timeout: 300_000 }, async () => {
  const data = miniSubset(['cat', 'ship'], 4, 2);
  const out = tempDir();
  const cache = tempDir();
  const r = runCli(['run', '--data', data, '--framework', 'no-distill', '--strategy', 'random', '--rounds', '2', '--preprocess', 'v2-graph', '--cache-dir', cache, '--out', out], { ACTIVEKD_PREPROCESS: 'v1-sharp' });
  assert.equal(r.status, 0, r.stderr);
  const results = readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('results.json'));
  assert.equal(results.length, 1, results.join(', '));
  const doc = JSON.parse(readFileSync(join(out, results[0] as string), 'utf8')) as { student: { encoder: { preprocess?: string } } };
  assert.equal(doc.student.encoder.preprocess, 'v2-graph');
  assert.ok(existsSync(cacheFolder(cache, { ...mobilenetV1Spec(), preprocess: 'v2-graph' })));
  assert.ok(!existsSync(cacheFolder(cache, { ...mobilenetV1Spec(), preprocess: 'v1-sharp' })), 'the environment lost to the flag');
  const bad = runCli(['run', '--data', data, '--preprocess', 'v3', '--out', tempDir()]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--preprocess/);
});

test('the label-transfer teacher id names a preprocessing other than v1-sharp (its probabilities differ), and keeps its old form for v1-sharp', async () => {
  const classNames = ['cat', 'ship'];
  await withEnv(undefined, async () => {
    const v1 = await LabelTransferTeacher.create({ classNames, encode: { cacheDir: null, preprocess: 'v1-sharp' } });
    const v2 = await LabelTransferTeacher.create({ classNames, encode: { cacheDir: null, preprocess: 'v2-graph' } });
    assert.doesNotMatch(v1.id, /preprocess/);
    assert.equal(v2.id, `${v1.id};preprocess=v2-graph`);
  });
});

test('upsampling weights are kept per axis (bounded by the distinct sides), not per height×width pair', () => {
  const spec: EncoderSpec = { ...mobilenetV1Spec(), preprocess: 'v2-graph' };
  const feeds = (h: number, w: number) => preprocessFeeds(spec, new Uint8Array(h * w * 3), 1, h, w);
  assert.equal(feeds(20, 12)[ROWS_INPUT], feeds(20, 30)[ROWS_INPUT], 'one row-weight tensor per height');
  assert.equal(feeds(20, 12)[COLS_INPUT], feeds(25, 12)[COLS_INPUT], 'one column-weight tensor per width');
  assert.notEqual(feeds(20, 12)[ROWS_INPUT], feeds(21, 12)[ROWS_INPUT]);
  assert.deepEqual(feeds(20, 12)[ROWS_INPUT]?.dims, [224, 20]);
  assert.deepEqual(feeds(20, 12)[COLS_INPUT]?.dims, [12, 224]);
});

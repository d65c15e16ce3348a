/**
 * The `v2-graph` preprocessing (native-size decode + ONNX graph, issue 12 #3) against the
 * `v1-sharp` path it replaces: pixels within one 8-bit level on real and synthetic images, the
 * cover/fill semantics, non-square and large images, decode failures with the same reasons, and a
 * feature cache key per version.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import sharp from 'sharp';
import { ASSETS } from '../../src/assets.ts';
import { mobilenetV1Spec } from '../../src/encoders/embedded.ts';
import { cacheFolder, encodeImages } from '../../src/encoders/encode.ts';
import { decodeImage, preprocessImage, preprocessImageGraph } from '../../src/encoders/preprocess.ts';
import { upsampleWeights } from '../../src/encoders/preprocess-graph.ts';
import { preprocessKey, preprocessVersion, type EncoderSpec } from '../../src/encoders/spec.ts';
import { UserError } from '../../src/util/errors.ts';
import { hostileFolder } from '../data/fixtures.ts';
import { tempDir } from '../helpers.ts';

/** One 8-bit level in the tanh scaling (v/127.5 − 1), plus float32 slack. */
const LEVEL = 1 / 127.5 + 1e-5;

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

function tiny(size: number, resize: EncoderSpec['resize'], preprocess?: EncoderSpec['preprocess']): EncoderSpec {
  return { name: 'tiny', modelPath: '/nonexistent.onnx', inputName: 'input', size, resize, scaling: { kind: 'tanh' }, outputs: ['features'], ...(preprocess ? { preprocess } : {}) };
}

/** A smooth colour gradient with a little texture, width×height, as PNG bytes. */
function gradientPng(width: number, height: number): Promise<Buffer> {
  const px = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      px[o] = Math.round((255 * x) / Math.max(1, width - 1));
      px[o + 1] = Math.round((255 * y) / Math.max(1, height - 1));
      px[o + 2] = (x * 7 + y * 13) % 64;
    }
  return sharp(px, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

test('upsampleWeights: rows are convex combinations of at most two neighbours; identity at equal size; no downsampling', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 200 }), (src, extra) => {
      const dst = src + extra;
      const w = upsampleWeights(src, dst);
      for (let o = 0; o < dst; o++) {
        const row = Array.from(w.subarray(o * src, (o + 1) * src));
        const nz = row.map((v, i) => [v, i] as const).filter(([v]) => v !== 0);
        assert.ok(nz.length >= 1 && nz.length <= 2, `row ${o}: ${nz.length} taps`);
        if (nz.length === 2) assert.equal((nz[1] as readonly number[])[1], ((nz[0] as readonly number[])[1] as number) + 1, 'taps are neighbours');
        assert.ok(row.every((v) => v >= 0));
        assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-6);
        if (extra === 0) assert.equal(row[o], 1);
      }
    }),
  );
  assert.throws(() => upsampleWeights(33, 32), RangeError);
});

test('upsampleWeights samples where sharp does: one column of a 32-wide image lands on the same output columns', async () => {
  const S = 32;
  const T = 224;
  const img = Buffer.alloc(S * S * 3);
  for (let y = 0; y < S; y++) img[(y * S + 10) * 3] = 200;
  const { data } = await sharp(img, { raw: { width: S, height: S, channels: 3 } }).resize(T, T, { fit: 'fill', kernel: 'linear' }).raw().toBuffer({ resolveWithObject: true });
  const w = upsampleWeights(S, T);
  for (let x = 0; x < T; x++) assert.ok(Math.abs((data[(5 * T + x) * 3] as number) - 200 * (w[x * S + 10] as number)) <= 1, `column ${x}`);
});

test('v2-graph matches v1-sharp within one 8-bit level on real CIFAR-10 images (tanh and mean/std scaling)', { timeout: 120_000 }, async () => {
  const root = join(ASSETS.cifar10Mini, 'test');
  const paths = readdirSync(root)
    .sort()
    .flatMap((c) =>
      readdirSync(join(root, c))
        .sort()
        .slice(0, 3)
        .map((f) => join(root, c, f)),
    );
  assert.equal(paths.length, 30);
  const tanh = mobilenetV1Spec();
  const meanStd: EncoderSpec = { ...tanh, scaling: { kind: 'meanStd', mean: [0.48, 0.46, 0.41], std: [0.27, 0.26, 0.28] } };
  let worst = 0;
  let differing = 0;
  let count = 0;
  for (const p of paths) {
    const a = await preprocessImage(tanh, p);
    const b = await preprocessImageGraph(tanh, p);
    worst = Math.max(worst, maxAbsDiff(a, b));
    for (let i = 0; i < a.length; i++) if (Math.abs((a[i] as number) - (b[i] as number)) > 1e-5) differing++;
    count += a.length;
  }
  assert.ok(worst <= LEVEL, `max |v1 − v2| = ${worst * 127.5} levels`);
  // Whole levels, as sharp's: only where libvips' fixed-point rounding differs (≈1.5 %).
  assert.ok(differing / count < 0.05, `${((100 * differing) / count).toFixed(2)} % of the values differ`);
  // mean/std: one level is 1/(255·std) in the scaled units.
  const a = await preprocessImage(meanStd, paths[0] as string);
  const b = await preprocessImageGraph(meanStd, paths[0] as string);
  assert.ok(maxAbsDiff(a, b) <= 1 / (255 * 0.26) + 1e-5, `mean/std: ${maxAbsDiff(a, b)}`);
});

test('v2-graph: fill and cover of non-square, small and large images follow v1-sharp', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const cases: [number, number][] = [
    [20, 12], // small, non-square: the graph upsamples each axis (fill); cover falls back to sharp
    [12, 12], // small square: cover = fill, graph
    [64, 24], // wider than size, shorter: sharp does all the resizing (half-done resizes differ)
    [90, 60], // larger on both axes: sharp does all the resizing
    [48, 48], // exactly the size: no resize at all
  ];
  for (const [w, h] of cases) {
    const f = join(dir, `${w}x${h}.png`);
    writeFileSync(f, await gradientPng(w, h));
    for (const resize of ['fill', 'shorter-crop'] as const) {
      const spec = tiny(48, resize);
      const d = await decodeImage(spec, f);
      assert.ok(d.width <= 48 && d.height <= 48, `${w}×${h} ${resize}: decoded ${d.width}×${d.height}`);
      if (resize === 'shorter-crop') assert.equal(d.width, d.height, `${w}×${h}: cover hands the graph a square`);
      if (w <= 48 && h <= 48 && (resize === 'fill' || w === h)) assert.deepEqual([d.width, d.height], [w, h], 'small images are decoded at native size');
      const v1 = await preprocessImage(spec, f);
      const v2 = await preprocessImageGraph(spec, f);
      assert.equal(v2.length, 3 * 48 * 48);
      assert.ok(maxAbsDiff(v1, v2) <= LEVEL, `${w}×${h} ${resize}: max |v1 − v2| = ${maxAbsDiff(v1, v2) * 127.5} levels`);
      // Cover crops the centre of a non-square image: its left and right edge columns of the
      // gradient are cut, so the red channel no longer spans the full range.
      if (resize === 'shorter-crop' && w > h) assert.ok((v2[0] as number) > -0.9, `${w}×${h}: cover crops the left edge`);
      if (resize === 'fill') assert.ok(Math.abs((v2[0] as number) + 1) < 0.05, `${w}×${h}: fill keeps the left edge`);
    }
  }
});

test('v2-graph: a batch of mixed native sizes = one by one; features close to v1; undecodable files skipped with the same reasons', { timeout: 300_000 }, async () => {
  const cls = join(ASSETS.cifar10Mini, 'test', 'cat');
  const real = readdirSync(cls)
    .sort()
    .slice(0, 5)
    .map((f) => join(cls, f));
  const dir = tempDir();
  const odd = join(dir, 'odd.png');
  writeFileSync(odd, await gradientPng(40, 25));
  const bad = join(dir, 'bad.jpg');
  writeFileSync(bad, 'not an image');
  const all = [real[0], odd, bad, ...real.slice(1)] as string[];
  const v1: EncoderSpec = { ...mobilenetV1Spec(), preprocess: 'v1-sharp' };
  const v2: EncoderSpec = { ...v1, preprocess: 'v2-graph' };
  const batched = await encodeImages(v2, all, { cacheDir: null, batchSize: 8, threads: 2 });
  assert.deepEqual(
    batched.skipped.map((s) => [s.index, s.path]),
    [[2, bad]],
  );
  const f2 = batched.outputs.features!;
  for (const i of [1, 4]) {
    const single = (await encodeImages(v2, [all[i] as string], { cacheDir: null, threads: 2 })).outputs.features!.data;
    assert.ok(maxAbsDiff(single, f2.data.subarray(i * 1024, (i + 1) * 1024)) < 1e-3, `image ${i}: batched vs single`);
  }
  const old = await encodeImages(v1, all, { cacheDir: null, batchSize: 8, threads: 2 });
  assert.deepEqual(
    old.skipped.map((s) => [s.index, s.reason]),
    batched.skipped.map((s) => [s.index, s.reason]),
  );
  const f1 = old.outputs.features!;
  const decoded = [0, 1, 3, 4, 5, 6];
  const row = (m: Float32Array, i: number): Float32Array => m.subarray(i * 1024, (i + 1) * 1024);
  const cosine = (a: Float32Array, b: Float32Array): number => {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let k = 0; k < a.length; k++) {
      dot += (a[k] as number) * (b[k] as number);
      na += (a[k] as number) ** 2;
      nb += (b[k] as number) ** 2;
    }
    return dot / Math.sqrt(na * nb);
  };
  for (const i of decoded) {
    const same = cosine(row(f1.data, i), row(f2.data, i));
    assert.ok(same > 0.97, `image ${i}: cosine(v1, v2) = ${same}`);
    for (const j of decoded.filter((j) => j !== i)) {
      const other = cosine(row(f1.data, i), row(f1.data, j));
      assert.ok(same > other, `image ${i}: its v2 features are nearer its v1 features (${same}) than image ${j}'s (${other})`);
    }
    assert.ok(maxAbsDiff(row(f1.data, i), row(f2.data, i)) > 0, `image ${i}: the versions differ (so they must not share a cache)`);
  }
});

test('v2-graph on hostile images: the same skips and reasons as v1, colour conversions and EXIF rotation within one level', { timeout: 120_000 }, async () => {
  const { root } = await hostileFolder();
  try {
    const dir = join(root, 'train', 'hostile');
    const files = readdirSync(dir)
      .sort()
      .map((f) => join(dir, f));
    for (const resize of ['fill', 'shorter-crop'] as const) {
      for (const f of files) {
        const r1 = await preprocessImage(tiny(8, resize), f).then(
          (x) => ({ x }),
          (e: unknown) => ({ error: (e as Error).message }),
        );
        const r2 = await preprocessImageGraph(tiny(8, resize), f).then(
          (x) => ({ x }),
          (e: unknown) => ({ error: (e as Error).message }),
        );
        if ('error' in r1) {
          assert.ok('error' in r2, `${f}: v1 fails (${r1.error}), v2 should too`);
          assert.equal(r2.error, r1.error, f);
        } else {
          assert.ok('x' in r2, `${f}: v2 failed: ${'error' in r2 ? r2.error : ''}`);
          assert.ok(maxAbsDiff(r1.x, r2.x) <= 2 * LEVEL, `${f} ${resize}: max |v1 − v2| = ${maxAbsDiff(r1.x, r2.x) * 127.5} levels`);
        }
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('preprocessKey: one cache folder per preprocessing version; v1 keeps its pre-version key; ACTIVEKD_PREPROCESS selects the default', () => {
  const v1 = mobilenetV1Spec();
  const legacy = createHash('sha256')
    .update(JSON.stringify({ size: v1.size, resize: v1.resize, scaling: v1.scaling, input: v1.inputName, v: 1 }))
    .digest('hex')
    .slice(0, 12);
  const saved = process.env.ACTIVEKD_PREPROCESS;
  try {
    delete process.env.ACTIVEKD_PREPROCESS;
    const v2 = { ...v1, preprocess: 'v2-graph' as const };
    assert.equal(preprocessVersion(v1), 'v2-graph', 'the default');
    assert.equal(preprocessKey(v1), preprocessKey(v2));
    assert.equal(preprocessKey({ ...v1, preprocess: 'v1-sharp' }), legacy, 'v1-sharp keeps its key from before versions');
    assert.notEqual(preprocessKey(v2), legacy);
    assert.notEqual(cacheFolder('/c', v2), cacheFolder('/c', { ...v1, preprocess: 'v1-sharp' }));
    process.env.ACTIVEKD_PREPROCESS = 'v1-sharp';
    assert.equal(preprocessVersion(v1), 'v1-sharp');
    assert.equal(preprocessKey(v1), legacy);
    assert.equal(preprocessKey(v2), preprocessKey({ ...v1, preprocess: 'v2-graph' }), 'an explicit spec field wins over the environment');
    assert.notEqual(preprocessKey(v2), legacy);
    process.env.ACTIVEKD_PREPROCESS = 'v3';
    assert.throws(() => preprocessKey(v1), (e: unknown) => e instanceof UserError && /ACTIVEKD_PREPROCESS=v3/.test(e.message));
  } finally {
    if (saved === undefined) delete process.env.ACTIVEKD_PREPROCESS;
    else process.env.ACTIVEKD_PREPROCESS = saved;
  }
});

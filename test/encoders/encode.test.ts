import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { ASSETS } from '../../src/assets.ts';
import { mobilenetV1Spec } from '../../src/encoders/embedded.ts';
import { encodeImages } from '../../src/encoders/encode.ts';
import { FeatureCache, STALE_TEMPORARY_MS } from '../../src/encoders/feature-cache.ts';
import { preprocessImage } from '../../src/encoders/preprocess.ts';
import type { EncoderSpec } from '../../src/encoders/spec.ts';
import { tempDir } from '../helpers.ts';

test('FeatureCache: rows survive reopening; a crash mid-append loses nothing written before; bad images are remembered', () => {
  const dir = tempDir();
  const c = new FeatureCache(dir, 'features', 3);
  c.append(['a', 'b'], Float32Array.from([1, 2, 3, 4, 5, 6]));
  c.append(['b', 'c'], Float32Array.from([9, 9, 9, 7, 8, 9])); // b already cached: not rewritten
  c.markBad('z', 'cannot decode image: broken');
  c.close();
  // A crash mid-append: a partial row and a partial index line at the end of the writer's segment.
  const seg = readdirSync(dir).find((f) => f.endsWith('.f32')) as string;
  appendFileSync(join(dir, seg), new Uint8Array(5));
  appendFileSync(join(dir, seg.replace(/\.f32$/, '.index.tsv')), 'd\t1');
  const d = new FeatureCache(dir, 'features', 3);
  assert.equal(d.size, 3);
  const out = new Float32Array(9);
  assert.ok(d.read('a', out, 0) && d.read('b', out, 3) && d.read('c', out, 6));
  assert.deepEqual(Array.from(out), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(d.read('q', out, 0), false);
  assert.equal(d.has('d'), false);
  assert.equal(d.badReason('z'), 'cannot decode image: broken');
  d.append(['e'], Float32Array.from([10, 11, 12]));
  const e = new FeatureCache(dir, 'features', 3);
  const got = new Float32Array(3);
  assert.ok(e.read('e', got, 0));
  assert.deepEqual(Array.from(got), [10, 11, 12]);
});

test('FeatureCache: what a killed writer left is ignored, and its stale temporary files are deleted at the next open', () => {
  const dir = tempDir();
  const c = new FeatureCache(dir, 'features', 2);
  c.append(['a'], Float32Array.from([1, 2]));
  c.close();
  const at = (name: string, ageMs: number): string => {
    const p = join(dir, name);
    writeFileSync(p, new Uint8Array(8).fill(7));
    const t = (Date.now() - ageMs) / 1000;
    utimesSync(p, t, t);
    return p;
  };
  const staleRows = at('features.shard-0123.f32.tmp-4242-deadbeef', STALE_TEMPORARY_MS + 60_000);
  const staleIndex = at('features.shard-0123.index.tsv.tmp-4242-deadbeef', 2 * STALE_TEMPORARY_MS);
  const fresh = at('features.shard-4567.f32.tmp-4343-cafebabe', 1000); // may be a live writer's
  const otherOutput = at('probs.shard-0123.f32.tmp-4242-deadbeef', 2 * STALE_TEMPORARY_MS); // another FeatureCache's
  at('features.4242-0badf00d.f32', 0); // a segment whose writer died before writing its index
  const d = new FeatureCache(dir, 'features', 2);
  assert.equal(existsSync(staleRows), false);
  assert.equal(existsSync(staleIndex), false);
  assert.ok(existsSync(fresh) && existsSync(otherOutput));
  assert.equal(d.size, 1);
  const got = new Float32Array(2);
  assert.ok(d.read('a', got, 0));
  assert.deepEqual(Array.from(got), [1, 2]);
});

test('FeatureCache: two writers filling one folder at once never mix up rows (regression: corrupted teacher cache)', () => {
  const dir = tempDir();
  const w1 = new FeatureCache(dir, 'probs', 2);
  const w2 = new FeatureCache(dir, 'probs', 2);
  for (let k = 0; k < 20; k++) {
    const w = k % 2 === 0 ? w1 : w2;
    w.append([`h${k}`], Float32Array.from([k, -k]));
  }
  for (const r of [w1, w2, new FeatureCache(dir, 'probs', 2)]) {
    for (let k = 0; k < 20; k++) {
      const got = new Float32Array(2);
      if (r === w1 && k % 2 === 1) continue; // each writer knows its own rows; a fresh reader knows all
      if (r === w2 && k % 2 === 0) continue;
      assert.ok(r.read(`h${k}`, got, 0), `h${k} missing`);
      assert.deepEqual(Array.from(got), [k, -k]);
    }
  }
  assert.equal(new FeatureCache(dir, 'probs', 2).size, 20);
});

test('preprocessImage: tanh and mean/std scaling of a known pixel, grey expanded to RGB', async () => {
  const dir = tempDir();
  const f = join(dir, 'px.png');
  await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 255, g: 0, b: 51 } } }).png().toFile(f);
  const base: EncoderSpec = { name: 't', modelPath: '-', inputName: 'x', size: 2, resize: 'fill', scaling: { kind: 'tanh' }, outputs: [] };
  const x = await preprocessImage(base, f);
  assert.equal(x.length, 12);
  assert.ok(Math.abs((x[0] as number) - 1) < 1e-6 && Math.abs((x[4] as number) + 1) < 1e-6 && Math.abs((x[8] as number) - (51 / 127.5 - 1)) < 1e-6);
  const ms = await preprocessImage({ ...base, scaling: { kind: 'meanStd', mean: [0.5, 0.5, 0.5], std: [0.25, 0.5, 1] } }, f);
  assert.ok(Math.abs((ms[0] as number) - 2) < 1e-5 && Math.abs((ms[4] as number) + 1) < 1e-5 && Math.abs((ms[8] as number) - (0.2 - 0.5)) < 1e-5);
  const g = join(dir, 'grey.png');
  await sharp({ create: { width: 3, height: 3, channels: 3, background: { r: 100, g: 100, b: 100 } } }).greyscale().png().toFile(g);
  const gx = await preprocessImage(base, g);
  assert.ok(Math.abs((gx[0] as number) - (gx[4] as number)) < 1e-6 && Math.abs((gx[4] as number) - (gx[8] as number)) < 1e-6);
});

test('encodeImages on real images: batched = one by one, second run served from cache, unreadable file skipped', { timeout: 120_000 }, async () => {
  const cls = join(ASSETS.cifar10Mini, 'test', 'ship');
  const paths = readdirSync(cls).sort().slice(0, 12).map((f) => join(cls, f));
  const dir = tempDir();
  const bad = join(dir, 'bad.jpg');
  writeFileSync(bad, 'not an image');
  const all = [...paths.slice(0, 5), bad, ...paths.slice(5)];
  const spec = mobilenetV1Spec();
  const cache = tempDir();
  const first = await encodeImages(spec, all, { cacheDir: cache, batchSize: 4 });
  assert.equal(first.computed, 12);
  assert.deepEqual(
    first.skipped.map((s) => [s.index, s.path]),
    [[5, bad]],
  );
  const f = first.outputs.features!;
  assert.equal(f.rows, 13);
  assert.equal(f.cols, 1024);
  assert.ok(f.data.subarray(5 * 1024, 6 * 1024).every((v) => v === 0));
  const single = await encodeImages(spec, [paths[7] as string], { cacheDir: null });
  const a = single.outputs.features!.data;
  const b = f.data.subarray(8 * 1024, 9 * 1024);
  let maxDiff = 0;
  for (let i = 0; i < 1024; i++) maxDiff = Math.max(maxDiff, Math.abs((a[i] as number) - (b[i] as number)));
  assert.ok(maxDiff < 1e-3, `batched vs single max diff ${maxDiff}`);
  const second = await encodeImages(spec, all, { cacheDir: cache, batchSize: 4 });
  assert.equal(second.computed, 0);
  assert.equal(second.skipped.length, 1);
  assert.deepEqual(Array.from(second.outputs.features!.data), Array.from(f.data));
});

test('a missing file is skipped with the same reason with and without the cache, for both preprocessings; the other rows are those of a run without it', { timeout: 120_000 }, async () => {
  const cls = join(ASSETS.cifar10Mini, 'test', 'dog');
  const real = readdirSync(cls)
    .sort()
    .slice(0, 3)
    .map((f) => join(cls, f));
  const missing = join(tempDir(), 'gone.jpg');
  const paths = [real[0], missing, real[1], real[2]] as string[];
  for (const preprocess of ['v1-sharp', 'v2-graph'] as const) {
    const spec: EncoderSpec = { ...mobilenetV1Spec(), preprocess };
    const alone = await encodeImages(spec, real, { cacheDir: null, threads: 2 });
    for (const cacheDir of [null, tempDir()]) {
      const r = await encodeImages(spec, paths, { cacheDir, threads: 2 });
      assert.deepEqual(
        r.skipped.map((s) => [s.index, s.reason]),
        [[1, 'cannot read file: ENOENT']],
        `${preprocess}, cache ${cacheDir === null ? 'off' : 'on'}`,
      );
      assert.equal(r.computed, 3);
      const f = r.outputs.features!.data;
      assert.ok(f.subarray(1024, 2048).every((v) => v === 0), 'the missing image gets a zero row');
      for (const [i, j] of [
        [0, 0],
        [2, 1],
        [3, 2],
      ] as const)
        assert.deepEqual(f.subarray(i * 1024, (i + 1) * 1024), alone.outputs.features!.data.subarray(j * 1024, (j + 1) * 1024), `${preprocess}: row ${i}`);
    }
  }
});

import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { mobilenetV1Spec } from '../../src/encoders/embedded.ts';
import { readImageFolder } from '../../src/data/image-folder.ts';
import { encodeImages } from '../../src/encoders/encode.ts';
import { preprocessImage } from '../../src/encoders/preprocess.ts';
import type { EncoderSpec } from '../../src/encoders/spec.ts';
import { hostileFolder, RGB } from './fixtures.ts';

/** A model-free spec of a tiny input, to look at decoded pixels: [0,255] → [-1,1]. */
function tinySpec(size: number): EncoderSpec {
  return { name: 'tiny', modelPath: '/nonexistent.onnx', inputName: 'input', size, resize: 'fill', scaling: { kind: 'tanh' }, outputs: ['features'] };
}

/** Decoded pixel (x, y) of a CHW [-1,1] tensor, back in 0…255. */
function px(t: Float32Array, size: number, x: number, y: number): [number, number, number] {
  const hw = size * size;
  const v = (c: number): number => Math.round(((t[c * hw + y * size + x] as number) + 1) * 127.5);
  return [v(0), v(1), v(2)];
}

test('hostile images: read, encoded with MobileNetV1, every skipped file named with its reason', { timeout: 120_000 }, async () => {
  const { root, cases } = await hostileFolder();
  try {
    const dir = join(root, 'train', 'hostile');
    const ds = await readImageFolder(root, { testFraction: 0 }); // every image in the pool (no test/ folder)
    assert.deepEqual(ds.classNames, ['hostile', 'plain']);
    const readerSkip = new Map(ds.skipped.map((s) => [s.path, s.reason]));
    assert.match(readerSkip.get(join(root, 'train', 'again')) ?? '', /symbolic link loop/, JSON.stringify(ds.skipped));
    for (const c of cases.filter((c) => c.expect === 'skipped-by-reader')) {
      const reason = readerSkip.get(join(dir, c.name));
      assert.ok(reason !== undefined, `${c.name} should be skipped by the reader: ${JSON.stringify(ds.skipped)}`);
      assert.match(reason, c.reason as RegExp);
      assert.ok(!ds.train.paths.includes(join(dir, c.name)));
    }
    assert.equal(ds.skipped.length, cases.filter((c) => c.expect === 'skipped-by-reader').length + 1);

    const listed = cases.filter((c) => c.expect !== 'skipped-by-reader').map((c) => join(dir, c.name));
    assert.deepEqual(ds.train.paths.filter((p) => p.startsWith(dir)).sort(), listed.sort());

    const enc = await encodeImages(mobilenetV1Spec(), ds.train.paths, { cacheDir: null, batchSize: 8, threads: 2 });
    const decSkip = new Map(enc.skipped.map((s) => [s.path, s.reason]));
    for (const c of cases.filter((c) => c.expect === 'skipped-by-decoder')) {
      const reason = decSkip.get(join(dir, c.name));
      assert.ok(reason !== undefined, `${c.name} should be skipped by the decoder: ${JSON.stringify(enc.skipped)}`);
      assert.match(reason, c.reason as RegExp, c.name);
      assert.doesNotMatch(reason, /\n/, 'reasons are one line');
    }
    assert.equal(enc.skipped.length, cases.filter((c) => c.expect === 'skipped-by-decoder').length, JSON.stringify(enc.skipped));
    const feats = enc.outputs.features;
    assert.ok(feats);
    assert.equal(feats.rows, ds.train.paths.length);
    ds.train.paths.forEach((p, i) => {
      const row = feats.data.subarray(i * feats.cols, (i + 1) * feats.cols);
      const norm = Math.hypot(...row);
      if (decSkip.has(p)) assert.equal(norm, 0, `${p}: skipped rows are zero`);
      else assert.ok(Number.isFinite(norm) && norm > 0, `${p}: decoded rows carry features`);
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('hostile images: colour conversions give 3-channel sRGB; EXIF rotation is applied', async () => {
  const { root } = await hostileFolder();
  try {
    const dir = join(root, 'train', 'hostile');
    const size = 8;
    const near = (got: number[], want: number[], tol: number, what: string): void => {
      for (let c = 0; c < 3; c++) assert.ok(Math.abs((got[c] as number) - (want[c] as number)) <= tol, `${what}: got ${got}, want ${want} ± ${tol}`);
    };
    const at = async (name: string): Promise<[number, number, number]> => px(await preprocessImage(tinySpec(size), join(dir, name)), size, 4, 4);
    // Grey: three equal channels (luminance of the base colour).
    const g = await at('gray.png');
    assert.ok(g[0] === g[1] && g[1] === g[2] && g[0] > 60 && g[0] < 140, `gray: ${g}`);
    near(await at('rgb16.png'), [RGB.r, RGB.g, RGB.b], 2, '16-bit PNG');
    near(await at('palette.png'), [RGB.r, RGB.g, RGB.b], 4, 'palette PNG');
    near(await at('alpha.png'), [RGB.r, RGB.g, RGB.b], 2, 'alpha PNG (alpha dropped, colour kept)');
    const k = await at('cmyk.jpg');
    near(k, [RGB.r, RGB.g, RGB.b], 30, 'CMYK JPEG');
    assert.ok(k[0] > k[2] && k[2] > k[1], `CMYK keeps the hue order r > b > g: ${k}`);

    // EXIF orientation 6: stored 16×8 with red left / blue right → displayed 8×16, red on top.
    const t = await preprocessImage(tinySpec(size), join(dir, 'exif-rotated.jpg'));
    const top = px(t, size, 4, 1);
    const bottom = px(t, size, 4, 6);
    const left = px(t, size, 1, 4);
    const right = px(t, size, 6, 4);
    assert.ok(top[0] > 200 && top[2] < 60, `top is red: ${top}`);
    assert.ok(bottom[2] > 200 && bottom[0] < 60, `bottom is blue: ${bottom}`);
    assert.deepEqual(left, right, 'left and right columns are alike after rotation');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/**
 * The libjpeg-turbo (WebAssembly) decode path of small plain JPEGs (issue 12 #3): the same pixels
 * as sharp on real CIFAR-10 files and on generated JPEGs of every kind the path accepts; every
 * other kind left to sharp; failures leave no trace (a fresh module after each).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import sharp from 'sharp';
import { ASSETS } from '../../src/assets.ts';
import { decodeJpegTurbo, isPlainJpeg } from '../../src/encoders/jpeg-turbo.ts';
import { decodeImage } from '../../src/encoders/preprocess.ts';
import type { EncoderSpec } from '../../src/encoders/spec.ts';
import { tempDir } from '../helpers.ts';

const any = (): boolean => true;

function spec(size: number, resize: EncoderSpec['resize']): EncoderSpec {
  return { name: 'tiny', modelPath: '/nonexistent.onnx', inputName: 'input', size, resize, scaling: { kind: 'tanh' }, outputs: ['features'], preprocess: 'v2-graph' };
}

/** sharp's decode of the bytes as decodeImage asks for it (EXIF rotation, no alpha, sRGB): 8-bit RGB HWC. */
async function sharpRgb(bytes: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(bytes, { failOn: 'error' }).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Noise over a gradient, width×height RGB (JPEG's hardest and easiest content at once). */
function pixels(width: number, height: number, seed: number): Buffer {
  const px = Buffer.alloc(width * height * 3);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < px.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const p = Math.floor(i / 3);
    px[i] = ((((p % width) * 255) / Math.max(1, width - 1) + ((s >>> 0) % 96)) | 0) & 255;
  }
  return px;
}

test('decodeJpegTurbo: the same pixels as sharp on real CIFAR-10 files (every 8th of the subset)', async () => {
  const root = join(ASSETS.cifar10Mini, 'train');
  const files = readdirSync(root)
    .sort()
    .flatMap((c) => readdirSync(join(root, c)).sort().map((f) => join(root, c, f)))
    .filter((_, i) => i % 8 === 0);
  assert.ok(files.length >= 250, `${files.length} files`);
  for (const f of files) {
    const bytes = readFileSync(f);
    const fast = decodeJpegTurbo(bytes, any);
    assert.ok(fast, `${f}: not decoded by the fast path`);
    const ref = await sharpRgb(bytes);
    assert.deepEqual([fast.width, fast.height], [ref.width, ref.height], f);
    assert.ok(Buffer.from(fast.data).equals(ref.data), `${f}: pixels differ`);
    // decodeImage: bytes or a path, the same image.
    const viaBytes = await decodeImage(spec(224, 'shorter-crop'), bytes);
    const viaPath = await decodeImage(spec(224, 'shorter-crop'), f);
    assert.ok(Buffer.from(viaBytes.data).equals(ref.data), `${f}: decodeImage differs from sharp`);
    assert.ok(Buffer.from(viaPath.data).equals(ref.data), `${f}: decodeImage of the path differs from sharp`);
  }
});

test('decodeJpegTurbo: bit-identical to sharp on generated JPEGs (sizes, qualities, 4:2:0/4:4:4, progressive, mozjpeg scans)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 48 }),
      fc.integer({ min: 1, max: 48 }),
      fc.integer({ min: 1, max: 100 }),
      fc.constantFrom('4:2:0', '4:4:4'),
      fc.boolean(),
      fc.boolean(),
      fc.nat(),
      async (width, height, quality, chromaSubsampling, progressive, mozjpeg, seed) => {
        const bytes = await sharp(pixels(width, height, seed), { raw: { width, height, channels: 3 } })
          .jpeg({ quality, chromaSubsampling, progressive, mozjpeg })
          .toBuffer();
        const fast = decodeJpegTurbo(bytes, any);
        assert.ok(fast, 'not decoded by the fast path');
        const ref = await sharpRgb(bytes);
        assert.deepEqual([fast.width, fast.height], [ref.width, ref.height]);
        assert.ok(Buffer.from(fast.data).equals(ref.data), 'pixels differ');
      },
    ),
    { numRuns: 80 },
  );
});

test('decodeJpegTurbo: files it is not proven for are left to sharp, and decodeImage still returns sharp\'s pixels', async () => {
  const dir = tempDir();
  const raw = (w: number, h: number) => sharp(pixels(w, h, 7), { raw: { width: w, height: h, channels: 3 } });
  const cases: [string, Buffer][] = [
    ['EXIF orientation', await raw(20, 12).jpeg().withMetadata({ orientation: 6 }).toBuffer()],
    ['ICC profile', await raw(16, 16).jpeg().withIccProfile('p3').toBuffer()],
    ['grey', await raw(16, 16).toColourspace('b-w').jpeg().toBuffer()],
    ['CMYK', await raw(16, 16).toColourspace('cmyk').jpeg().toBuffer()],
    ['PNG', await raw(16, 16).png().toBuffer()],
  ];
  for (const [what, bytes] of cases) {
    assert.equal(decodeJpegTurbo(bytes, any), null, what);
    const s = spec(224, 'fill');
    const path = join(dir, 'img');
    writeFileSync(path, bytes);
    const ref = await sharpRgb(bytes);
    for (const got of [await decodeImage(s, bytes), await decodeImage(s, path)]) {
      assert.deepEqual([got.width, got.height], [ref.width, ref.height], what);
      assert.ok(Buffer.from(got.data).equals(ref.data), `${what}: pixels differ from sharp's`);
    }
  }
  const exif = cases[0]![1];
  assert.equal(isPlainJpeg(exif), false);
  const rotated = await decodeImage(spec(224, 'fill'), exif);
  assert.deepEqual([rotated.width, rotated.height], [12, 20], 'EXIF orientation applied');
  // Sizes the caller refuses (here: the encoder's own size and above) are left to sharp.
  const big = await raw(40, 30).jpeg().toBuffer();
  assert.equal(decodeJpegTurbo(big, (w, h) => w < 32 && h < 32), null);
  assert.ok(decodeJpegTurbo(big, (w, h) => w < 64 && h < 64));
});

test('decodeJpegTurbo: truncated or corrupt files give null and leave the next decode intact (thousands of failures)', async () => {
  const good = await sharp(pixels(32, 32, 3), { raw: { width: 32, height: 32, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  const ref = decodeJpegTurbo(good, any);
  assert.ok(ref);
  const truncated = good.subarray(0, good.length >> 1);
  const corrupt = Buffer.from(good);
  corrupt.fill(0x00, good.length - 200, good.length - 2);
  const bad = [good.subarray(0, 100), truncated, good.subarray(0, good.length - 2), Buffer.concat([good.subarray(0, 300), Buffer.alloc(200, 0xff)])];
  for (let i = 0; i < 4000; i++) {
    assert.equal(decodeJpegTurbo(bad[i % bad.length]!, any), null, `bad file ${i % bad.length}`);
    if (i % 10 !== 0) continue;
    const after = decodeJpegTurbo(good, any);
    assert.ok(after && Buffer.from(after.data).equals(Buffer.from(ref.data)), `a good decode after ${i + 1} failures`);
  }
  // A corrupt body that decodes without a libjpeg warning need not give sharp's pixels (the two
  // read the stream in different chunks), but a file decodes the same as bytes or as a path.
  const dir = tempDir();
  writeFileSync(join(dir, 'corrupt.jpg'), corrupt);
  const s = spec(224, 'fill');
  const [viaBytes, viaPath] = await Promise.all([decodeImage(s, corrupt).catch(() => null), decodeImage(s, join(dir, 'corrupt.jpg')).catch(() => null)]);
  assert.deepEqual(viaBytes && Buffer.from(viaBytes.data), viaPath && Buffer.from(viaPath.data));
  // decodeImage keeps sharp's reason for a truncated file.
  await assert.rejects(decodeImage(spec(224, 'fill'), truncated), /premature end/i);
});

test('isPlainJpeg: reads the header segments; malformed structure or other frame kinds are not plain', () => {
  const seg = (marker: number, payload: number[]): number[] => [0xff, marker, (payload.length + 2) >> 8, (payload.length + 2) & 255, ...payload];
  const sof = (marker: number): number[] => seg(marker, [8, 0, 16, 0, 16, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  const jpeg = (...parts: number[][]): Uint8Array => new Uint8Array([0xff, 0xd8, ...parts.flat(), 0xff, 0xda, 0, 2]);
  const jfif = seg(0xe0, [...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  assert.equal(isPlainJpeg(jpeg(jfif, sof(0xc0))), true);
  assert.equal(isPlainJpeg(jpeg(jfif, sof(0xc2))), true, 'progressive');
  assert.equal(isPlainJpeg(jpeg(jfif, [0xff], sof(0xc0))), true, 'fill byte');
  assert.equal(isPlainJpeg(jpeg(jfif, seg(0xe1, [...Buffer.from('http://ns.adobe.com/xap/1.0/\0')]), sof(0xc1))), true, 'XMP is harmless');
  assert.equal(isPlainJpeg(jpeg(jfif, sof(0xc3))), false, 'lossless');
  assert.equal(isPlainJpeg(jpeg(jfif, sof(0xc9))), false, 'arithmetic');
  assert.equal(isPlainJpeg(jpeg(jfif, sof(0xc0), sof(0xc0))), false, 'two frames');
  assert.equal(isPlainJpeg(jpeg(jfif)), false, 'no frame before the scan');
  assert.equal(isPlainJpeg(jpeg(seg(0xe1, [...Buffer.from('Exif\0\0')]), sof(0xc0))), false, 'EXIF');
  assert.equal(isPlainJpeg(jpeg(seg(0xe2, [...Buffer.from('ICC_PROFILE\0'), 1, 1]), sof(0xc0))), false, 'ICC');
  assert.equal(isPlainJpeg(jpeg(seg(0xee, [...Buffer.from('Adobe'), 0, 100, 0, 0, 0, 0, 1]), sof(0xc0))), false, 'Adobe');
  const cut = jpeg(jfif, sof(0xc0)).subarray(0, 10);
  assert.equal(isPlainJpeg(cut), false, 'a segment running past the end');
  assert.equal(isPlainJpeg(new Uint8Array([0x89, 0x50, 0x4e, 0x47])), false, 'PNG signature');
});

test('decodeJpegTurbo without its WebAssembly module (a broken install): null, so sharp decodes, and one warning naming the package', () => {
  // A child process whose fs cannot read the .wasm file, as when it is missing from node_modules.
  const script = `
    import fs from 'node:fs';
    import { syncBuiltinESMExports } from 'node:module';
    const read = fs.readFileSync;
    fs.readFileSync = (p, ...rest) => { if (String(p).endsWith('.wasm')) throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' }); return read(p, ...rest); };
    syncBuiltinESMExports();
    const { decodeJpegTurbo } = await import(${JSON.stringify(join(import.meta.dirname, '..', '..', 'src', 'encoders', 'jpeg-turbo.ts'))});
    const bytes = read(${JSON.stringify(join(ASSETS.cifar10Mini, 'train', 'cat', readdirSync(join(ASSETS.cifar10Mini, 'train', 'cat')).sort()[0] as string))});
    console.log(JSON.stringify([decodeJpegTurbo(bytes, () => true), decodeJpegTurbo(bytes, () => true)]));
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '[null,null]');
  const warnings = r.stderr.split('\n').filter((l) => l.includes('ACTIVEKD_JPEG_TURBO'));
  assert.equal(warnings.length, 1, r.stderr);
  assert.match(warnings[0] as string, /@cwasm\/jpeg-turbo.*cannot be loaded: ENOENT.*decoded by sharp instead/);
});

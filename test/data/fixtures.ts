/** Small generated dataset files shared by the data and CLI tests. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { crc32, deflateSync, gzipSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { UserError } from '../../src/util/errors.ts';

/** A fresh temporary folder. */
export function tmp(prefix = 'akd-data-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a file (text or bytes), creating its folder. */
export function put(path: string, content: string | Buffer): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  return path;
}

/** A small solid-colour image (PNG or JPEG after the extension); `seed` varies the colour so contents differ. */
export async function image(path: string, seed = 0, size = 8): Promise<string> {
  const img = sharp({ create: { width: size, height: size, channels: 3, background: { r: (37 * seed + 20) % 256, g: (91 * seed + 60) % 256, b: (53 * seed + 150) % 256 } } });
  return put(path, path.endsWith('.png') ? await img.png().toBuffer() : await img.jpeg().toBuffer());
}

/** Asserts that `p` rejects with a UserError whose message contains every fragment. */
export async function rejectsUser(p: Promise<unknown>, ...fragments: (string | RegExp)[]): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof UserError, `expected UserError, got ${e instanceof Error ? e.stack : String(e)}`);
    for (const f of fragments) {
      if (typeof f === 'string') assert.ok(e.message.includes(f), `message "${e.message}" should include "${f}"`);
      else assert.match(e.message, f);
    }
    return true;
  });
}

/** An IDX byte array (type ubyte) with the given dimensions. */
export function idxBytes(dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

/**
 * Writes a small IDX dataset (train `nTrain` and t10k `nTest` items of 4×4 pixels, labels cycling
 * 0…classes−1); gzipped when `gz`. Returns the folder.
 */
export function idxDataset(dir: string, nTrain: number, nTest: number, classes = 3, gz = true): string {
  for (const [prefix, n] of [['train', nTrain], ['t10k', nTest]] as const) {
    const px = new Uint8Array(n * 16).map((_, i) => (i * 7 + (prefix === 'train' ? 0 : 3)) % 256);
    const labels = new Uint8Array(n).map((_, i) => i % classes);
    const z = (b: Buffer): Buffer => (gz ? gzipSync(b) : b);
    const ext = gz ? '.gz' : '';
    put(join(dir, `${prefix}-images-idx3-ubyte${ext}`), z(idxBytes([n, 4, 4], px)));
    put(join(dir, `${prefix}-labels-idx1-ubyte${ext}`), z(idxBytes([n], labels)));
  }
  return dir;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const c = Buffer.alloc(4);
  c.writeUInt32BE(crc32(td) >>> 0);
  return Buffer.concat([len, td, c]);
}

/** A valid 1-bit grayscale PNG of width × height (all black), built by hand: ~50 KB for 20000². */
export function hugePng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // grayscale
  const idat = deflateSync(Buffer.alloc((1 + Math.ceil(width / 8)) * height), { level: 1 });
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
}

/** The base colour of the hostile fixture's colour images. */
export const RGB = { r: 200, g: 40, b: 90 } as const;

/** What each hostile file should become: decoded (with a check) or skipped (reason pattern). */
export interface HostileCase {
  /** Path relative to the class folder (`<root>/train/hostile/`). */
  name: string;
  expect: 'decoded' | 'skipped-by-reader' | 'skipped-by-decoder';
  reason?: RegExp;
}

/**
 * Builds an ImageFolder with every hostile case in `train/hostile/` and one normal image in
 * `train/plain/`: grayscale, CMYK, 16-bit, palette, alpha, EXIF-rotated, truncated JPEG, 0-byte
 * file, a text file named .jpg, a 20000×20000 PNG, two symbolic link loops and a non-UTF-8 name.
 */
export async function hostileFolder(): Promise<{ root: string; cases: HostileCase[]; nonUtf8: Buffer }> {
  const root = tmp('akd-hostile-');
  const dir = join(root, 'train', 'hostile');
  mkdirSync(dir, { recursive: true });
  const base = (ch: 3 | 4 = 3): Sharp => sharp({ create: { width: 16, height: 16, channels: ch, background: { ...RGB, alpha: 0.5 } } });
  put(join(dir, 'gray.png'), await base().toColourspace('b-w').png().toBuffer());
  put(join(dir, 'cmyk.jpg'), await base().toColourspace('cmyk').jpeg({ quality: 100 }).toBuffer());
  put(join(dir, 'rgb16.png'), await base().toColourspace('rgb16').png().toBuffer());
  put(join(dir, 'palette.png'), await base().png({ palette: true }).toBuffer());
  put(join(dir, 'alpha.png'), await base(4).png().toBuffer());
  // 16×8 (w×h): left half red, right half blue; EXIF orientation 6 = displayed rotated 90° clockwise → 8×16, red on top.
  const lr = Buffer.alloc(16 * 8 * 3);
  for (let y = 0; y < 8; y++) for (let x = 0; x < 16; x++) lr.set(x < 8 ? [255, 0, 0] : [0, 0, 255], (y * 16 + x) * 3);
  put(join(dir, 'exif-rotated.jpg'), await sharp(lr, { raw: { width: 16, height: 8, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer());
  const noise = Buffer.alloc(64 * 64 * 3).map((_, i) => (Math.imul(i, 2654435761) >>> 24) & 255);
  const full = await sharp(noise, { raw: { width: 64, height: 64, channels: 3 } }).jpeg().toBuffer();
  put(join(dir, 'truncated.jpg'), full.subarray(0, Math.floor(full.length * 0.7)));
  put(join(dir, 'empty.jpg'), Buffer.alloc(0));
  put(join(dir, 'text.jpg'), 'this is a text file, not a JPEG\n');
  put(join(dir, 'huge.png'), hugePng(20000, 20000));
  symlinkSync('loop.jpg', join(dir, 'loop.jpg')); // a link to itself
  symlinkSync('..', join(dir, 'up')); // a folder loop inside a class folder
  symlinkSync('.', join(root, 'train', 'again')); // a class folder that is the split folder itself
  const nonUtf8 = Buffer.concat([Buffer.from(dir + '/'), Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe]), Buffer.from('.jpg')]);
  writeFileSync(nonUtf8, await base().jpeg().toBuffer());
  await image(join(root, 'train', 'plain', 'ok.png'), 1, 16);
  const cases: HostileCase[] = [
    { name: 'gray.png', expect: 'decoded' },
    { name: 'cmyk.jpg', expect: 'decoded' },
    { name: 'rgb16.png', expect: 'decoded' },
    { name: 'palette.png', expect: 'decoded' },
    { name: 'alpha.png', expect: 'decoded' },
    { name: 'exif-rotated.jpg', expect: 'decoded' },
    { name: 'truncated.jpg', expect: 'skipped-by-decoder', reason: /premature end|truncated/i },
    { name: 'empty.jpg', expect: 'skipped-by-decoder', reason: /empty file/ },
    { name: 'text.jpg', expect: 'skipped-by-decoder', reason: /unsupported image format/ },
    { name: 'huge.png', expect: 'skipped-by-decoder', reason: /pixel limit/ },
    { name: 'loop.jpg', expect: 'skipped-by-reader', reason: /symbolic link loop/ },
    { name: 'up', expect: 'skipped-by-reader', reason: /nested folder/ },
    { name: 'bad\\xff\\xfe.jpg', expect: 'skipped-by-reader', reason: /not valid UTF-8/ },
  ];
  return { root, cases, nonUtf8 };
}

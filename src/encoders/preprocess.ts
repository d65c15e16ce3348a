import { stat } from 'node:fs/promises';
import sharp, { type OutputInfo } from 'sharp';
import type { EncoderSpec } from './spec.ts';

/** Largest image (in pixels) that is decoded; larger files are skipped with a reason (bounded memory). */
export const MAX_INPUT_PIXELS = 100_000_000;

/**
 * A one-line reason for a failed decode: sharp's messages can span several lines (libjpeg repeats
 * its warnings), and an empty file is reported as an "unsupported image format".
 */
async function decodeFailure(input: string | Buffer, e: unknown): Promise<string> {
  const size = typeof input === 'string' ? await stat(input).then((s) => s.size, () => -1) : input.length;
  if (size === 0) return 'empty file (0 bytes)';
  const msg = e instanceof Error ? e.message : String(e);
  const lines = [...new Set(msg.split('\n').map((l) => l.trim()).filter((l) => l !== ''))];
  const reason = lines.join('; ') || 'unknown decoder error';
  if (!/pixel limit/i.test(reason)) return reason;
  // Reading the header alone is cheap and bounded, whatever the image size.
  const meta = await sharp(input, { limitInputPixels: false })
    .metadata()
    .catch(() => null);
  return meta?.width && meta.height ? `${reason} (${meta.width}×${meta.height} = ${meta.width * meta.height} pixels; the limit is ${MAX_INPUT_PIXELS})` : reason;
}

/**
 * Decodes one image file and turns it into the encoder's input: CHW float32 [3,size,size].
 * EXIF orientation is applied, alpha removed (as PIL's `convert('RGB')` does), grey, CMYK,
 * palette and 16-bit images converted to 8-bit sRGB RGB; resize and scaling follow `spec`
 * (SPEC.md §4). Images over {@link MAX_INPUT_PIXELS} pixels and truncated or corrupt files are
 * refused, so memory stays bounded and no half-decoded image is used.
 * @throws Error with a one-line reason when the file cannot be decoded (empty file, not an image,
 *   truncated, over the pixel limit); the caller records it as skipped.
 */
export async function preprocessImage(spec: EncoderSpec, input: string | Buffer, out?: Float32Array): Promise<Float32Array> {
  const size = spec.size;
  let data: Buffer;
  let info: OutputInfo;
  try {
    let img = sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' }).rotate().removeAlpha().toColourspace('srgb');
    img =
      spec.resize === 'fill'
        ? img.resize(size, size, { fit: 'fill', kernel: 'linear' })
        : img.resize(size, size, { fit: 'cover', position: 'centre', kernel: 'linear' });
    ({ data, info } = await img.raw().toBuffer({ resolveWithObject: true }));
  } catch (e) {
    throw new Error(await decodeFailure(input, e));
  }
  const ch = info.channels;
  if (info.width !== size || info.height !== size) throw new Error(`decoded to ${info.width}×${info.height}, expected ${size}×${size}`);
  if (data.length !== size * size * ch) throw new Error(`decoded to ${data.length} bytes, expected ${size * size * ch} (8-bit ${ch}-channel ${size}×${size})`);
  const hw = size * size;
  const dst = out ?? new Float32Array(3 * hw);
  const sc = spec.scaling;
  for (let c = 0; c < 3; c++) {
    const srcC = ch >= 3 ? c : 0;
    let a: number;
    let b: number;
    if (sc.kind === 'tanh') {
      a = 1 / 127.5;
      b = -1;
    } else {
      const std = sc.std[c] as number;
      a = 1 / (255 * std);
      b = -(sc.mean[c] as number) / std;
    }
    const base = c * hw;
    for (let p = 0; p < hw; p++) dst[base + p] = (data[p * ch + srcC] as number) * a + b;
  }
  return dst;
}

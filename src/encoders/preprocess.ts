import sharp from 'sharp';
import type { EncoderSpec } from './spec.ts';

/** Largest image (in pixels) that is decoded; larger files are skipped with a reason (bounded memory). */
export const MAX_INPUT_PIXELS = 100_000_000;

/**
 * Decodes one image file and turns it into the encoder's input: CHW float32 [3,size,size].
 * EXIF orientation is applied, alpha removed, grey/CMYK/palette converted to sRGB; resize and
 * scaling follow `spec` (SPEC.md §4).
 * @throws Error (from sharp) when the file cannot be decoded; the caller records it as skipped.
 */
export async function preprocessImage(spec: EncoderSpec, input: string | Buffer, out?: Float32Array): Promise<Float32Array> {
  const size = spec.size;
  let img = sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' }).rotate().removeAlpha().toColourspace('srgb');
  img =
    spec.resize === 'fill'
      ? img.resize(size, size, { fit: 'fill', kernel: 'linear' })
      : img.resize(size, size, { fit: 'cover', position: 'centre', kernel: 'linear' });
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  const ch = info.channels;
  if (info.width !== size || info.height !== size) throw new Error(`decoded to ${info.width}×${info.height}, expected ${size}×${size}`);
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

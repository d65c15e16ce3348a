import { readFile, stat } from 'node:fs/promises';
import sharp, { type OutputInfo } from 'sharp';
import { decodeJpegTurbo } from './jpeg-turbo.ts';
import { runPreprocessGraph } from './preprocess-graph.ts';
import type { EncoderSpec } from './spec.ts';

// libvips' operation cache keeps recent results for reuse; encoders decode each image once, so it
// only costs CPU and memory (measured: ≈ 10 % of a small image's decode). Process-wide setting.
sharp.cache(false);

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

/** EXIF rotation, alpha removal, sRGB; then sharp's resize to spec.size (only shrinking when `shrinkOnly`). */
function decodeResized(spec: EncoderSpec, input: string | Buffer, shrinkOnly: boolean): Promise<{ data: Buffer; info: OutputInfo }> {
  const size = spec.size;
  const img = sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' }).rotate().removeAlpha().toColourspace('srgb');
  const opts = spec.resize === 'fill' ? ({ fit: 'fill', kernel: 'linear' } as const) : ({ fit: 'cover', position: 'centre', kernel: 'linear' } as const);
  return img
    .resize(size, size, { ...opts, withoutEnlargement: shrinkOnly })
    .raw()
    .toBuffer({ resolveWithObject: true });
}

/**
 * The file's bytes for a path (the path itself when it cannot be read: sharp then says why), so
 * that a file decodes the same, and fails with the same reason, whichever form it comes in
 * (libjpeg-turbo and sharp agree on well-formed JPEGs, not always on corrupt ones).
 */
async function bytesOf(input: string | Buffer): Promise<string | Buffer> {
  return typeof input === 'string' ? ((await readFile(input).catch(() => null)) ?? input) : input;
}

/** An image decoded to 8-bit RGB, row-major HWC. */
export interface DecodedImage {
  /** height×width×3 bytes. */
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/**
 * Decodes one image for the `v2-graph` preprocessing: EXIF rotation, alpha removal and sRGB
 * conversion as in {@link preprocessImage}, but no upsampling: an image no larger than
 * spec.size×spec.size comes back at its native size (the graph upsamples it, see
 * src/encoders/preprocess-graph.ts); sharp shrinks a larger one to spec.size×spec.size (cheapest
 * there: JPEG shrink-on-load, filtered reduction), and resizes whatever the graph cannot reproduce
 * the way sharp would (`shorter-crop` of a non-square image, one side larger than spec.size and the
 * other smaller). Small plain JPEG files (bytes, or a path, which is read first) are decoded by
 * libjpeg-turbo in WebAssembly instead of sharp, with the same pixels at a fraction of the CPU
 * (`decodeJpegTurbo`, src/encoders/jpeg-turbo.ts).
 * @returns both sides < spec.size (square with `shorter-crop`), or exactly spec.size×spec.size
 * @throws Error with a one-line reason when the file cannot be decoded, as {@link preprocessImage}
 */
export async function decodeImage(spec: EncoderSpec, input: string | Buffer): Promise<DecodedImage> {
  const size = spec.size;
  // The images the graph takes at native size (see below), when libjpeg-turbo can decode them.
  const native = (w: number, h: number): boolean => w < size && h < size && (spec.resize === 'fill' || w === h);
  input = await bytesOf(input);
  if (typeof input !== 'string') {
    const fast = decodeJpegTurbo(input, native);
    if (fast) return fast;
  }
  let data: Buffer;
  let info: OutputInfo;
  try {
    ({ data, info } = await decodeResized(spec, input, true));
    // Native size when both sides are below `size`; exactly size×size when sharp resized it all.
    // One side at `size` and the other below may be a half-done resize (one axis shrunk, the
    // other left for upsampling), which sharp does differently in one go: it finishes it.
    const done = info.width === size && info.height === size;
    const graphable = done || native(info.width, info.height);
    if (!graphable) ({ data, info } = await decodeResized(spec, input, false));
  } catch (e) {
    throw new Error(await decodeFailure(input, e));
  }
  const { width, height, channels: ch } = info;
  if (width > size || height > size) throw new Error(`decoded to ${width}×${height}, expected at most ${size}×${size}`);
  if (data.length !== width * height * ch) throw new Error(`decoded to ${data.length} bytes, expected ${width * height * ch} (8-bit ${ch}-channel ${width}×${height})`);
  if (ch === 3) return { data, width, height };
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) for (let c = 0; c < 3; c++) rgb[p * 3 + c] = data[p * ch + (ch >= 3 ? c : 0)] as number;
  return { data: rgb, width, height };
}

/**
 * The `v2-graph` counterpart of {@link preprocessImage} for one image: {@link decodeImage}, then the
 * preprocessing graph. Batches go through `encodeImages`, which groups images by native size.
 * @returns CHW float32 [3,size,size]
 * @throws Error as {@link decodeImage}
 */
export async function preprocessImageGraph(spec: EncoderSpec, input: string | Buffer): Promise<Float32Array> {
  const d = await decodeImage(spec, input);
  return runPreprocessGraph(spec, d.data, 1, d.height, d.width);
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
  input = await bytesOf(input);
  let data: Buffer;
  let info: OutputInfo;
  try {
    ({ data, info } = await decodeResized(spec, input, false));
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

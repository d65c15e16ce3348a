import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * Fast decoding of small, plain JPEG files with libjpeg-turbo compiled to WebAssembly (the
 * `@cwasm/jpeg-turbo` package's module, driven through its TurboJPEG API).
 *
 * Why: sharp (libvips) spends ≈ 0.7 ms of CPU per 32×32 CIFAR image on pipeline set-up and thread
 * hand-offs, ≈ 35× what the decode itself costs (≈ 20 µs here), and that CPU is taken from the
 * encoder's onnxruntime threads on the same cores (issue 12 #3). sharp's own JPEG decoder
 * (mozjpeg, a libjpeg-turbo fork) and this one run the same integer IDCT (`JDCT_ISLOW`) and fancy
 * chroma upsampling, so the pixels of well-formed files are bit-identical (a corrupt stream that
 * gives no warning may decode differently: libvips feeds it in chunks): checked on all of CIFAR-10 and by a
 * property test over generated JPEGs (test/encoders/jpeg-turbo.test.ts). Everything this path is
 * not proven for is left to sharp (`null`): other chroma subsamplings, grey/CMYK/Adobe files,
 * arithmetic or lossless coding, EXIF orientation, embedded ICC profiles, and any file that gives a
 * libjpeg warning or error (truncated, corrupt; sharp then decides and gives the reason).
 *
 * The package's own `decode()` is not used: a failed decode throws out of the WebAssembly code
 * (its `longjmp` is a stub that throws), leaking the module's heap and stack, and after some
 * thousands of failures every call fails. Here a failure discards the instance; the next call
 * instantiates the compiled module afresh.
 */

/** The part of the WebAssembly JS API used here (the project's TypeScript libs have no DOM types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface TurboJpegExports {
  memory: { buffer: ArrayBuffer };
  malloc(size: number): number;
  free(ptr: number): void;
  tjInitDecompress(): number;
  tjDecompressHeader3(handle: number, src: number, size: number, width: number, height: number, subsamp: number, colorspace: number): number;
  tjDecompress2(handle: number, src: number, size: number, dst: number, width: number, pitch: number, height: number, pixelFormat: number, flags: number): number;
}

/** TurboJPEG constants (turbojpeg.h). */
const TJPF_RGB = 0;
const TJCS_YCbCr = 1;
const TJSAMP_444 = 0;
const TJSAMP_420 = 2;

/** Files larger than this go to sharp (they are not small images; the module's memory only grows). */
const MAX_BYTES = 1 << 20;

const fail = (what: string) => (): never => {
  throw new Error(`jpeg-turbo: ${what} called`);
};
const imports = {
  env: { setjmp: () => 0, longjmp: fail('longjmp') },
  wasi_snapshot_preview1: {
    environ_sizes_get: () => 0,
    environ_get: fail('environ_get'),
    proc_exit: fail('proc_exit'),
    fd_close: fail('fd_close'),
    fd_seek: fail('fd_seek'),
    fd_write: fail('fd_write'),
  },
};

/** One instance with its decompressor and scratch buffers; discarded after any failure. */
interface Decoder {
  x: TurboJpegExports;
  handle: number;
  /** 16 bytes: width, height, subsampling, colourspace (int32 each). */
  meta: number;
  src: number;
  srcCap: number;
  dst: number;
  dstCap: number;
}

let compiled: object | null = null;
let current: Decoder | null = null;
/** Set when the module cannot be loaded (a broken install): sharp decodes everything, one warning said so. */
let unavailable = false;

/** The decoder, or `null` when the WebAssembly module cannot be loaded (warned once). */
function decoder(): Decoder | null {
  if (current) return current;
  if (unavailable) return null;
  if (!compiled) {
    try {
      compiled = new wasm.Module(readFileSync(createRequire(import.meta.url).resolve('@cwasm/jpeg-turbo/jpeg-turbo.wasm')));
    } catch (e) {
      unavailable = true;
      process.emitWarning(`the libjpeg-turbo WebAssembly module (package @cwasm/jpeg-turbo) cannot be loaded: ${e instanceof Error ? e.message : String(e)}; JPEGs are decoded by sharp instead (the same pixels, ≈ 30× the CPU). Reinstall activekd's dependencies to fix it.`, { code: 'ACTIVEKD_JPEG_TURBO' });
      return null;
    }
  }
  const x = new wasm.Instance(compiled, imports).exports as TurboJpegExports;
  const handle = x.tjInitDecompress();
  const meta = x.malloc(16);
  if (handle === 0 || meta === 0) throw new Error('jpeg-turbo: cannot allocate a decompressor');
  current = { x, handle, meta, src: 0, srcCap: 0, dst: 0, dstCap: 0 };
  return current;
}

/** A scratch buffer of at least `size` bytes (grown by doubling). */
function scratch(d: Decoder, which: 'src' | 'dst', size: number): number {
  const cap = which === 'src' ? d.srcCap : d.dstCap;
  if (size <= cap) return d[which];
  const next = Math.max(size, cap * 2, 4096);
  if (cap > 0) d.x.free(d[which]);
  const ptr = d.x.malloc(next);
  if (ptr === 0) throw new Error('jpeg-turbo: out of memory');
  d[which] = ptr;
  if (which === 'src') d.srcCap = next;
  else d.dstCap = next;
  return ptr;
}

/**
 * Whether a JPEG's header segments (up to the first scan) leave its pixels to the decoder alone:
 * a Huffman-coded SOF0/1/2 frame and no EXIF (orientation), ICC profile (colour conversion) or
 * Adobe (colour transform) segment. Malformed structure reads as not plain.
 * @param bytes the whole file
 */
export function isPlainJpeg(bytes: Uint8Array): boolean {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return false;
  const ascii = (at: number, s: string): boolean => {
    for (let k = 0; k < s.length; k++) if (bytes[at + k] !== s.charCodeAt(k)) return false;
    return true;
  };
  let p = 2;
  let frame = false;
  while (p + 4 <= bytes.length) {
    if (bytes[p] !== 0xff) return false;
    const m = bytes[p + 1] as number;
    if (m === 0xff) {
      p++; // fill byte
      continue;
    }
    if (m === 0xda) return frame; // start of scan: the header is complete
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd8) || m === 0xd9) return false; // no standalone markers before a scan
    const len = ((bytes[p + 2] as number) << 8) | (bytes[p + 3] as number);
    if (len < 2 || p + 2 + len > bytes.length) return false;
    const at = p + 4;
    if (m === 0xe1 && ascii(at, 'Exif\0')) return false;
    if (m === 0xe2 && ascii(at, 'ICC_PROFILE\0')) return false;
    if (m === 0xee && ascii(at, 'Adobe')) return false;
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      if (m > 0xc2 || frame) return false; // lossless, hierarchical, arithmetic; or a second frame
      frame = true;
    }
    p += 2 + len;
  }
  return false;
}

/**
 * Decodes a small, plain JPEG file (see the module comment) to 8-bit RGB, bit-identical to sharp's
 * decode of the same file; `null` when the file is not one this path is proven for, when `accept`
 * refuses its size, or when libjpeg reports any warning or error (the caller then uses sharp).
 * @param bytes the whole file
 * @param accept whether an image of width×height pixels should be decoded here
 * @returns height×width×3 bytes, row-major HWC
 */
export function decodeJpegTurbo(bytes: Uint8Array, accept: (width: number, height: number) => boolean): { data: Uint8Array; width: number; height: number } | null {
  if (bytes.length > MAX_BYTES || !isPlainJpeg(bytes)) return null;
  try {
    const d = decoder();
    if (d === null) return null;
    const { x } = d;
    const src = scratch(d, 'src', bytes.length);
    new Uint8Array(x.memory.buffer, src, bytes.length).set(bytes);
    const m = d.meta;
    if (x.tjDecompressHeader3(d.handle, src, bytes.length, m, m + 4, m + 8, m + 12) !== 0) throw new Error('header');
    const [width = 0, height = 0, subsamp = -1, colourspace = -1] = new Int32Array(x.memory.buffer, m, 4);
    if (colourspace !== TJCS_YCbCr || (subsamp !== TJSAMP_444 && subsamp !== TJSAMP_420) || width < 1 || height < 1 || !accept(width, height)) return null;
    const size = width * height * 3;
    const dst = scratch(d, 'dst', size);
    if (x.tjDecompress2(d.handle, src, bytes.length, dst, width, width * 3, height, TJPF_RGB, 0) !== 0) throw new Error('decode');
    return { data: new Uint8Array(x.memory.buffer, dst, size).slice(), width, height };
  } catch {
    current = null; // a failure may leave the module's stack and heap inconsistent: start afresh
    return null;
  }
}

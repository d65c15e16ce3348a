/**
 * A small reader and writer of NumPy `.npy` files (format versions 1.0, 2.0 and 3.0) for numeric
 * arrays: float16 / float32 / float64 (either byte order), int32 / int64 and uint8. Used by the
 * precomputed teacher (probabilities or logits saved with `np.save`), `activekd select`'s inputs, and
 * to export matrices.
 *
 * Format: magic `\x93NUMPY`, version bytes, header length (uint16 LE for v1, uint32 LE for v2/v3),
 * an ASCII/UTF-8 Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (N, C), }`
 * padded with spaces to a multiple of 64 bytes and ended by `\n`, then the raw data.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { UserError } from './errors.ts';

/** Element types supported by {@link readNpy}. */
export type NpyDtype = 'float16' | 'float32' | 'float64' | 'int32' | 'int64' | 'uint8';

/** A decoded `.npy` array, always returned in C (row-major) order. */
export interface NpyArray {
  /** Element type as stored in the file. */
  readonly dtype: NpyDtype;
  /** Shape, e.g. `[N, C]`; `[]` for a scalar. */
  readonly shape: number[];
  /**
   * Values in C order (a Fortran-order file is transposed on read). float16 values are widened to
   * float32 (exactly: every half-precision value is a float32 value); int64 values are converted to
   * JS numbers (exact up to 2^53).
   */
  readonly data: Float32Array | Float64Array | Int32Array | Uint8Array;
  /** Whether the file was stored in Fortran order (the data here is C order regardless). */
  readonly fortranOrder: boolean;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DESCR: Record<string, { dtype: NpyDtype; size: number }> = {
  f2: { dtype: 'float16', size: 2 },
  f4: { dtype: 'float32', size: 4 },
  f8: { dtype: 'float64', size: 8 },
  i4: { dtype: 'int32', size: 4 },
  i8: { dtype: 'int64', size: 8 },
  u1: { dtype: 'uint8', size: 1 },
};

/**
 * Parses `.npy` bytes.
 * @param bytes the whole file
 * @param source file name used in error messages
 * @throws UserError when the bytes are not a `.npy` file, the header is malformed, the dtype is
 *   not one of {@link NpyDtype} (e.g. object arrays, structured dtypes, complex), or the
 *   data is shorter or longer than the shape says.
 */
export function parseNpy(bytes: Uint8Array, source = '.npy data'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new UserError(`${source} is not a NumPy .npy file (bad magic bytes)`);
  const major = bytes[6] as number;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let offset: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    offset = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new UserError(`${source}: truncated .npy header`);
    headerLen = view.getUint32(8, true);
    offset = 12;
  } else {
    throw new UserError(`${source}: unsupported .npy format version ${major}.${bytes[7]}`);
  }
  if (offset + headerLen > bytes.length) throw new UserError(`${source}: truncated .npy header`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(offset, offset + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new UserError(`${source}: malformed .npy header ${JSON.stringify(header.trim())}`);
  const m = /^([<>|=])([a-z]\d+)$/.exec(descr);
  const kind = m ? DESCR[m[2] as string] : undefined;
  if (!m || !kind) throw new UserError(`${source}: unsupported .npy dtype '${descr}' (supported: float16, float32, float64, int32, int64, uint8)`);
  const bigEndian = m[1] === '>';
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const v = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(v) || v < 0) throw new UserError(`${source}: malformed .npy shape (${shapeText})`);
      return v;
    });
  const count = shape.reduce((a, b) => a * b, 1);
  const start = offset + headerLen;
  const need = count * kind.size;
  if (bytes.length - start !== need) throw new UserError(`${source}: .npy data has ${bytes.length - start} bytes, shape (${shape.join(', ')}) of ${kind.dtype} needs ${need}`);
  let data: NpyArray['data'];
  switch (kind.dtype) {
    case 'float16': {
      const a = new Float32Array(count);
      for (let i = 0; i < count; i++) a[i] = halfToNumber(view.getUint16(start + 2 * i, !bigEndian));
      data = a;
      break;
    }
    case 'float32': {
      const a = new Float32Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getFloat32(start + 4 * i, !bigEndian);
      data = a;
      break;
    }
    case 'float64': {
      const a = new Float64Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getFloat64(start + 8 * i, !bigEndian);
      data = a;
      break;
    }
    case 'int32': {
      const a = new Int32Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getInt32(start + 4 * i, !bigEndian);
      data = a;
      break;
    }
    case 'int64': {
      const a = new Float64Array(count);
      for (let i = 0; i < count; i++) a[i] = Number(view.getBigInt64(start + 8 * i, !bigEndian));
      data = a;
      break;
    }
    case 'uint8':
      data = Uint8Array.from(bytes.subarray(start, start + count));
      break;
  }
  const fortranOrder = fortran === 'True';
  if (fortranOrder && shape.length > 1) data = fortranToC(data, shape);
  return { dtype: kind.dtype, shape, data, fortranOrder };
}

/**
 * The value of IEEE 754 binary16 bits (sign, 5-bit exponent with bias 15, 10-bit fraction):
 * subnormals, ±0, ±∞ and NaN included.
 */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1024 + frac) * 2 ** (exp - 25);
}

/** Reorders Fortran-order (column-major) data into C order. */
function fortranToC<T extends NpyArray['data']>(src: T, shape: readonly number[]): T {
  const out = new (src.constructor as new (n: number) => T)(src.length);
  const rank = shape.length;
  const cStrides = new Array<number>(rank);
  const fStrides = new Array<number>(rank);
  let c = 1;
  let f = 1;
  for (let d = rank - 1; d >= 0; d--) {
    cStrides[d] = c;
    c *= shape[d] as number;
  }
  for (let d = 0; d < rank; d++) {
    fStrides[d] = f;
    f *= shape[d] as number;
  }
  for (let i = 0; i < src.length; i++) {
    let rem = i;
    let j = 0;
    for (let d = 0; d < rank; d++) {
      const idx = Math.floor(rem / (cStrides[d] as number));
      rem -= idx * (cStrides[d] as number);
      j += idx * (fStrides[d] as number);
    }
    out[i] = src[j] as number;
  }
  return out;
}

/**
 * Reads a `.npy` file (see {@link parseNpy}).
 * @throws UserError when the file cannot be read or is not a supported `.npy` file.
 */
export async function readNpy(path: string): Promise<NpyArray> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `file not found: ${path}` : `cannot read ${path}: ${(e as Error).message}`);
  }
  return parseNpy(bytes, path);
}

/**
 * Encodes a C-order array as `.npy` version 1.0 bytes (little-endian).
 * @param data values in C order: Float32Array → `<f4`, Float64Array → `<f8`, Int32Array → `<i4`,
 *   Uint8Array → `|u1`.
 * @param shape e.g. `[N, C]`; its product must equal `data.length`.
 * @throws RangeError when the shape does not match the data length.
 */
export function encodeNpy(data: Float32Array | Float64Array | Int32Array | Uint8Array, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`encodeNpy: shape (${shape.join(', ')}) has ${count} elements, data has ${data.length}`);
  const descr = data instanceof Float32Array ? '<f4' : data instanceof Float64Array ? '<f8' : data instanceof Int32Array ? '<i4' : '|u1';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const headerBytes = new TextEncoder().encode(header);
  const out = new Uint8Array(10 + headerBytes.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, headerBytes.length, true);
  out.set(headerBytes, 10);
  // Typed arrays use the platform byte order, little-endian on every platform Node supports.
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + headerBytes.length);
  return out;
}

/**
 * Writes a C-order array to a `.npy` file (see {@link encodeNpy}).
 * @throws RangeError on a shape mismatch; the file system's error when the file cannot be written.
 */
export async function writeNpy(path: string, data: Float32Array | Float64Array | Int32Array | Uint8Array, shape: readonly number[]): Promise<void> {
  await writeFile(path, encodeNpy(data, shape));
}

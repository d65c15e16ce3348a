import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { encodeNpy, parseNpy, readNpy, writeNpy } from '../../src/util/npy.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from '../helpers.ts';
import { handNpy, words16 } from './npy-fixtures.ts';

test('npy: round trip float32 / float64 / int32 / uint8', async () => {
  const dir = tempDir();
  const cases = [
    [Float32Array.from([0.5, -1.25, 3, 4, 5, 6]), [2, 3]],
    [Float64Array.from([Math.PI, 1e-300, -0]), [3]],
    [Int32Array.from([1, -2, 3, 4]), [2, 2]],
    [Uint8Array.from([7]), []],
  ] as const;
  for (const [data, shape] of cases) {
    const p = join(dir, `a${data.constructor.name}.npy`);
    await writeNpy(p, data, shape);
    const r = await readNpy(p);
    assert.deepEqual(r.shape, shape);
    assert.deepEqual(Array.from(r.data), Array.from(data));
    assert.equal(r.data.constructor, data.constructor);
    // header length keeps the data 64-byte aligned, as NumPy writes it
    assert.equal((encodeNpy(data, shape).length - data.byteLength) % 64, 0);
  }
});

test('npy: hand-made files — big-endian, Fortran order, version 2, int64', () => {
  const be = new Uint8Array(8);
  new DataView(be.buffer).setFloat32(0, 1.5, false);
  new DataView(be.buffer).setFloat32(4, -2, false);
  assert.deepEqual(Array.from(parseNpy(handNpy('>f4', '(2,)', false, be)).data), [1.5, -2]);
  // Fortran order 2×3: column-major [[1,2,3],[4,5,6]] is stored 1,4,2,5,3,6
  const f = new Float64Array([1, 4, 2, 5, 3, 6]);
  const r = parseNpy(handNpy('<f8', '(2, 3)', true, new Uint8Array(f.buffer)));
  assert.deepEqual(Array.from(r.data), [1, 2, 3, 4, 5, 6]);
  assert.equal(r.fortranOrder, true);
  const v2 = parseNpy(handNpy('<f4', '(1, 2)', false, new Uint8Array(Float32Array.from([9, 8]).buffer), 2));
  assert.deepEqual(Array.from(v2.data), [9, 8]);
  const i8 = parseNpy(handNpy('<i8', '(2,)', false, new Uint8Array(BigInt64Array.from([5n, -3n]).buffer)));
  assert.deepEqual(Array.from(i8.data), [5, -3]);
});

test('npy: float16 (either byte order) is read as float32, exactly, subnormals and specials included', () => {
  // IEEE 754 binary16 bit patterns and their values, by hand: 1 = 0x3C00, 0.5 = 0x3800, −2 = 0xC000,
  // 65504 = 0x7BFF (largest), 2^−24 = 0x0001 (smallest subnormal), 2^−14 = 0x0400 (smallest normal),
  // 0x3555 = (1 + 341/1024)/4 = 1365/4096, −0 = 0x8000, ∞ = 0x7C00, NaN = 0x7E00.
  const bits = [0x3c00, 0x3800, 0xc000, 0x7bff, 0x0001, 0x0400, 0x3555, 0x8000, 0x7c00, 0x7e00];
  const want = [1, 0.5, -2, 65504, 2 ** -24, 2 ** -14, 1365 / 4096, -0, Infinity, NaN];
  for (const le of [true, false]) {
    const r = parseNpy(handNpy(le ? '<f2' : '>f2', '(2, 5)', false, words16(bits, le)), 'h.npy');
    assert.equal(r.dtype, 'float16');
    assert.deepEqual(r.shape, [2, 5]);
    assert.ok(r.data instanceof Float32Array);
    assert.deepEqual(Array.from(r.data), want);
    assert.ok(Object.is(r.data[7], -0));
  }
  // Fortran order 2×2 of float16: stored column-major 1, 2, 0.5, −2 → rows [1, 0.5], [2, −2]
  const f = parseNpy(handNpy('<f2', '(2, 2)', true, words16([0x3c00, 0x4000, 0x3800, 0xc000])));
  assert.deepEqual(Array.from(f.data), [1, 0.5, 2, -2]);
  assert.throws(() => parseNpy(handNpy('<f2', '(3,)', false, new Uint8Array(4)), 'h.npy'), /4 bytes, shape \(3\) of float16 needs 6/);
});

test('npy: clear errors', () => {
  assert.throws(() => parseNpy(new Uint8Array(20), 'x.npy'), (e: unknown) => e instanceof UserError && /x\.npy is not a NumPy/.test(e.message));
  assert.throws(() => parseNpy(handNpy('<c16', '(1,)', false, new Uint8Array(16)), 'x.npy'), /unsupported \.npy dtype '<c16'/);
  assert.throws(() => parseNpy(handNpy('|O', '(1,)', false, new Uint8Array(8)), 'x.npy'), /unsupported/);
  assert.throws(() => parseNpy(handNpy('<f4', '(2, 2)', false, new Uint8Array(12)), 'x.npy'), /12 bytes, shape \(2, 2\) of float32 needs 16/);
  assert.throws(() => encodeNpy(new Float32Array(3), [2, 2]), RangeError);
});

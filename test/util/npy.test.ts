import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { encodeNpy, parseNpy, readNpy, writeNpy } from '../../src/util/npy.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from '../helpers.ts';

/** Builds .npy bytes by hand (independent of encodeNpy): version, header dict, raw little/big-endian data. */
function handNpy(descr: string, shape: string, fortran: boolean, body: Uint8Array, major = 1): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shape}, }`;
  const pre = major === 1 ? 10 : 12;
  header += ' '.repeat((64 - ((pre + header.length + 1) % 64)) % 64) + '\n';
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(pre + h.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, h.length, true);
  else dv.setUint32(8, h.length, true);
  out.set(h, pre);
  out.set(body, pre + h.length);
  return out;
}

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

test('npy: clear errors', () => {
  assert.throws(() => parseNpy(new Uint8Array(20), 'x.npy'), (e: unknown) => e instanceof UserError && /x\.npy is not a NumPy/.test(e.message));
  assert.throws(() => parseNpy(handNpy('<c16', '(1,)', false, new Uint8Array(16)), 'x.npy'), /unsupported \.npy dtype '<c16'/);
  assert.throws(() => parseNpy(handNpy('|O', '(1,)', false, new Uint8Array(8)), 'x.npy'), /unsupported/);
  assert.throws(() => parseNpy(handNpy('<f4', '(2, 2)', false, new Uint8Array(12)), 'x.npy'), /12 bytes, shape \(2, 2\) of float32 needs 16/);
  assert.throws(() => encodeNpy(new Float32Array(3), [2, 2]), RangeError);
});

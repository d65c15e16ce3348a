/**
 * `activekd select`'s file readers (src/data/matrix-files.ts) on hand-made `.npy` files: labels as
 * 1-D (or one-column) int32 / int64 / uint8 / float arrays, floats integral (issue 15 #12); float16
 * matrices (issue 15 #14).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadLabels, loadMatrix } from '../../src/data/matrix-files.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from '../helpers.ts';
import { handNpy, words16 } from '../util/npy-fixtures.ts';

const dir = tempDir('activekd-matrix-files-');
let k = 0;
const file = (bytes: Uint8Array | string, ext = '.npy'): string => {
  const p = join(dir, `f${k++}${ext}`);
  writeFileSync(p, bytes);
  return p;
};
const raw = (a: { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

test('loadLabels reads .npy labels: int32, int64, uint8, float32/float64/float16 integral, 1-D or one column, either byte order', () => {
  const labels = [2, 0, 1, 1, 0];
  const be = new Uint8Array(4 * labels.length);
  labels.forEach((v, i) => new DataView(be.buffer).setInt32(4 * i, v, false));
  const cases: [string, Uint8Array][] = [
    ['int32 (N,)', handNpy('<i4', '(5,)', false, raw(Int32Array.from(labels)))],
    ['int32 big-endian', handNpy('>i4', '(5,)', false, be)],
    ['int64 (N,)', handNpy('<i8', '(5,)', false, raw(BigInt64Array.from(labels.map(BigInt))))],
    ['int64 (N, 1)', handNpy('<i8', '(5, 1)', false, raw(BigInt64Array.from(labels.map(BigInt))))],
    ['uint8 (N,)', handNpy('|u1', '(5,)', false, Uint8Array.from(labels))],
    ['float32 (N,)', handNpy('<f4', '(5,)', false, raw(Float32Array.from(labels)))],
    ['float64 (N, 1)', handNpy('<f8', '(5, 1)', false, raw(Float64Array.from(labels)))],
    // binary16: 0 = 0x0000, 1 = 0x3C00, 2 = 0x4000
    ['float16 (N,)', handNpy('<f2', '(5,)', false, words16([0x4000, 0x0000, 0x3c00, 0x3c00, 0x0000]))],
  ];
  for (const [name, bytes] of cases) assert.deepEqual(Array.from(loadLabels(file(bytes), 3)), labels, name);
  // The text forms still read the same.
  assert.deepEqual(Array.from(loadLabels(file(`${labels.join('\n')}\n`, '.txt'), 3)), labels);
  assert.deepEqual(Array.from(loadLabels(file(`label\n${labels.join('\n')}\n`, '.csv'), 3)), labels);
});

test('loadLabels refuses non-integral floats, out-of-range labels and other shapes, naming the file and row', () => {
  const half = file(handNpy('<f4', '(3,)', false, raw(Float32Array.from([0, 1.5, 1]))));
  assert.throws(() => loadLabels(half, 3), (e: unknown) => e instanceof UserError && e.message === `${half}: row 1 has label 1.5; expected an integer in 0..2`);
  const big = file(handNpy('<i8', '(2,)', false, raw(BigInt64Array.from([1n, 3n]))));
  assert.throws(() => loadLabels(big, 3), new RegExp(`row 1 has label 3; expected an integer in 0\\.\\.2`));
  const neg = file(handNpy('<i4', '(2,)', false, raw(Int32Array.from([-1, 0]))));
  assert.throws(() => loadLabels(neg, 3), /row 0 has label -1/);
  const wide = file(handNpy('<i4', '(2, 2)', false, raw(Int32Array.from([0, 1, 1, 0]))));
  assert.throws(() => loadLabels(wide, 3), /shape \(2, 2\); expected a 1-D array of labels/);
});

test('loadMatrix reads a float16 .npy matrix as float32', () => {
  // 0.5 = 0x3800, 0.25 = 0x3400, 0.125 = 0x3000, 0.875 = 0x3B00
  const m = loadMatrix(file(handNpy('<f2', '(2, 2)', false, words16([0x3800, 0x3800, 0x3400, 0x3b00]))));
  assert.deepEqual([m.rows, m.cols, Array.from(m.data)], [2, 2, [0.5, 0.5, 0.25, 0.875]]);
  assert.ok(m.data instanceof Float32Array);
  const inf = file(handNpy('<f2', '(1, 2)', false, words16([0x7c00, 0x3000])));
  assert.throws(() => loadMatrix(inf), /row 0, column 0 is Infinity/);
});

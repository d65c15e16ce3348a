import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { argmaxRows, matrix, takeRows } from '../../src/linalg/matrix.ts';

test('takeRows equals a row-by-row copy for any row list (runs of consecutive rows are block-copied)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 5 }), fc.array(fc.nat(), { maxLength: 40 }), (rows, cols, picks) => {
      const m = matrix(rows, cols, Float32Array.from({ length: rows * cols }, (_, i) => i));
      const idx = picks.map((p) => p % rows);
      const got = takeRows(m, idx);
      const want: number[] = [];
      for (const r of idx) for (let j = 0; j < cols; j++) want.push(r * cols + j);
      assert.equal(got.rows, idx.length);
      assert.deepEqual(Array.from(got.data), want);
    }),
  );
});

test('takeRows: a pool of consecutive rows with gaps, and out-of-range rows rejected', () => {
  const m = matrix(6, 2, Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]));
  assert.deepEqual(Array.from(takeRows(m, [0, 1, 2, 4, 5]).data), [0, 1, 2, 3, 4, 5, 8, 9, 10, 11]);
  assert.throws(() => takeRows(m, [5, 6]), /row 6 out of range/);
  assert.throws(() => takeRows(m, [-1]), /out of range/);
});

test('argmaxRows: ties go to the lowest index', () => {
  assert.deepEqual(Array.from(argmaxRows(matrix(2, 3, Float32Array.from([1, 3, 3, 2, 2, 1])))), [1, 0]);
});

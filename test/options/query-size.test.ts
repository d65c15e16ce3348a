import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { resolveQuerySize } from '../../src/options/query-size.ts';

test('resolveQuerySize: default = number of classes (paper), clamped to what is left', () => {
  assert.equal(resolveQuerySize(undefined, 10, Infinity), 10);
  assert.equal(resolveQuerySize(undefined, 10, 4), 4);
  assert.equal(resolveQuerySize(25, 10, 100), 25);
  assert.equal(resolveQuerySize(25, 10, 7), 7);
  assert.equal(resolveQuerySize(3, 10, 0), 0);
});

test('resolveQuerySize: invalid inputs are refused', () => {
  assert.throws(() => resolveQuerySize(0, 10, 5), RangeError);
  assert.throws(() => resolveQuerySize(2.5, 10, 5), RangeError);
  assert.throws(() => resolveQuerySize(undefined, 0, 5), RangeError);
  assert.throws(() => resolveQuerySize(3, 10, -1), RangeError);
  assert.throws(() => resolveQuerySize(3, 10, NaN), RangeError);
});

test('property: the query size never exceeds the request, the default or what is left', () => {
  fc.assert(
    fc.property(fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }), fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: 1000 }), (q, c, left) => {
      const n = resolveQuerySize(q, c, left);
      assert.ok(n >= 0 && n <= left && n <= (q ?? c));
      assert.equal(n, Math.min(q ?? c, left));
    }),
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { queryShortfall, resolveQuerySize } from '../../src/options/query-size.ts';

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

test('queryShortfall (issue 15 #5): null while the pool suffices; otherwise names the first short round', () => {
  // 10 initial + 15 queries of 10 = 160 labels.
  assert.equal(queryShortfall(160, 10, 16, 10), null);
  assert.equal(queryShortfall(5000, 10, 16, 10), null);
  // 12 pool items, 3 initial, 4 queries of 3 need 15: 9 left → rounds 0–2 full, round 3 finds nothing.
  assert.match(queryShortfall(12, 3, 5, 3) ?? '', /needs 15 pool images, but the pool has 12: round 3 finds the pool empty/);
  // 13 pool items: 10 left → 3 full queries, round 3 labels the last 1.
  assert.match(queryShortfall(13, 3, 5, 3) ?? '', /^--query 3 × 4 query round\(s\) after 3 initial label\(s\) needs 15 pool images, but the pool has 13: round 3 labels only the last 1, and every later round trains on the same labels$/);
  assert.equal(queryShortfall(3, 3, 1, 50), null, 'one round never queries');
});

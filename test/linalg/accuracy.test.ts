import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracy } from '../../src/linalg/accuracy.ts';
import { matrix } from '../../src/linalg/matrix.ts';

test('accuracy: argmax vs labels, ignoring -1 rows', () => {
  const p = matrix(4, 3, Float32Array.from([0.7, 0.2, 0.1, 0.1, 0.1, 0.8, 0.3, 0.4, 0.3, 0.5, 0.5, 0]));
  assert.equal(accuracy(p, Int32Array.from([0, 2, 0, 0])), 0.75); // row 3 ties → class 0
  assert.equal(accuracy(p, Int32Array.from([0, -1, 1, -1])), 1);
  assert.equal(accuracy(p, Int32Array.from([1, 1, -1, 2])), 0);
  assert.ok(Number.isNaN(accuracy(p, Int32Array.from([-1, -1, -1, -1]))));
  assert.throws(() => accuracy(p, Int32Array.from([0, 1])), RangeError);
});

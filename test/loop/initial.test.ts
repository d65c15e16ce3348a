/**
 * The seeded initial labeled set (src/loop/initial.ts): `shots` items of every class; too few items
 * of a class is one error naming the class by name, not index (issue 15 #24).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { initialLabeledSet } from '../../src/loop/initial.ts';
import { UserError } from '../../src/util/errors.ts';
import { Rng } from '../../src/util/rng.ts';

const NAMES = ['airplane', 'cat', 'bird'];

test('a class with fewer items than the shots is named: class "bird" has 1 image, fewer than --initial-shots 2', () => {
  const labels = Int32Array.from([0, 1, 2, 0, 1, 0, -1]);
  assert.throws(
    () => initialLabeledSet(labels, 2, new Rng(1), NAMES),
    (e: unknown) => e instanceof UserError && e.message === 'class "bird" has 1 image, fewer than --initial-shots 2',
  );
  // Every short class at once, by name, in class order.
  assert.throws(() => initialLabeledSet(labels, 3, new Rng(1), NAMES), (e: unknown) => e instanceof UserError && e.message === '2 classes have fewer images than --initial-shots 3: "cat" (2 images), "bird" (1 image)');
  // Without names (library callers that have none) the index is the fallback.
  assert.throws(() => initialLabeledSet(labels, 2, new Rng(1)), /^UserError: class 2 has 1 image, fewer than --initial-shots 2$/);
});

test('property: shots distinct items of every class, ascending, the same with or without class names', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -1, max: 3 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 3 }), fc.nat(), (ls, shots, seed) => {
      const labels = Int32Array.from(ls);
      const counts = new Map<number, number>();
      for (const y of ls) if (y >= 0) counts.set(y, (counts.get(y) ?? 0) + 1);
      const ok = [...counts.values()].every((n) => n >= shots);
      const names = ['a', 'b', 'c', 'd'];
      if (!ok) {
        assert.throws(() => initialLabeledSet(labels, shots, new Rng(seed), names), /fewer (images )?than --initial-shots/);
        return;
      }
      const got = [...initialLabeledSet(labels, shots, new Rng(seed), names)];
      assert.deepEqual(got, [...initialLabeledSet(labels, shots, new Rng(seed))]);
      assert.deepEqual(
        got,
        [...got].sort((a, b) => a - b),
      );
      assert.equal(new Set(got).size, got.length);
      for (const [y, n] of counts) assert.equal(got.filter((r) => labels[r] === y).length, Math.min(n, shots), `class ${y}`);
      assert.ok(got.every((r) => (labels[r] as number) >= 0));
    }),
    { numRuns: 200 },
  );
});

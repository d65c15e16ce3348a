import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatSeeds, MAX_SEED_RANGE, parseSeeds } from '../../src/options/seeds.ts';
import { UserError } from '../../src/util/errors.ts';

test('parseSeeds: single seeds, lists, ranges and mixes, in the order written', () => {
  assert.deepEqual(parseSeeds('5'), [5]);
  assert.deepEqual(parseSeeds('1,3,7'), [1, 3, 7]);
  assert.deepEqual(parseSeeds('1-5'), [1, 2, 3, 4, 5]);
  assert.deepEqual(parseSeeds(' 7 , 1 - 3 '), [7, 1, 2, 3]);
  assert.deepEqual(parseSeeds('0-2'), [0, 1, 2]);
});

test('parseSeeds: bad lists are refused with a UserError naming the flag', () => {
  // Negative seeds are refused, as --seed refuses them (fresh-user trial: --seeds -3 ran, --seed -3 did not).
  for (const bad of ['', 'a', '1,', '1-', '3-1', '1,1', '1-3,3', '1.5', `0-${MAX_SEED_RANGE + 1}`, '-3', '-3-2', '1,-1']) {
    assert.throws(() => parseSeeds(bad), (e: unknown) => e instanceof UserError && e.message.startsWith('--seeds'), bad);
  }
  assert.throws(() => parseSeeds('x', '--seed-list'), /^UserError: --seed-list/);
});

/** Distinct integers in any order. */
const seedLists = fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 40 });

test('property: formatSeeds then parseSeeds gives the list back', () => {
  fc.assert(
    fc.property(seedLists, (seeds) => {
      assert.deepEqual(parseSeeds(formatSeeds(seeds)), seeds);
    }),
  );
});

test('property: a range a-b expands to b−a+1 consecutive seeds; a comma list keeps its items', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 200 }), (a, len) => {
      const b = a + len;
      const s = parseSeeds(`${a}-${b}`);
      assert.equal(s.length, len + 1);
      assert.ok(s.every((v, i) => v === a + i));
    }),
  );
  fc.assert(
    fc.property(seedLists, (seeds) => {
      assert.deepEqual(parseSeeds(seeds.join(',')), seeds);
    }),
  );
});

test('property: a list that repeats a seed is refused', () => {
  fc.assert(
    fc.property(seedLists, fc.nat(), (seeds, k) => {
      const dup = [...seeds, seeds[k % seeds.length] as number];
      assert.throws(() => parseSeeds(dup.join(',')), /repeats a seed/);
    }),
  );
});

test('formatSeeds compresses consecutive runs', () => {
  assert.equal(formatSeeds([1, 2, 3, 4, 5]), '1-5');
  assert.equal(formatSeeds([1, 2, 3, 7]), '1-3,7');
  assert.equal(formatSeeds([7, 1, 2]), '7,1-2');
  assert.equal(formatSeeds([4]), '4');
});

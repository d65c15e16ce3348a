/**
 * The teacher split of the held-out few-shot teacher (issue 14): K items per class, disjoint from
 * the pool; after the pool's per-class limit, or the last K of each class without one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { carveTeacherSplit, limitWithTeacherSplit } from '../../src/data/teacher-split.ts';
import type { Split } from '../../src/data/dataset.ts';
import { UserError } from '../../src/util/errors.ts';

const splitOf = (labels: number[]): Split => ({ ids: labels.map((_, i) => `img${i}`), paths: labels.map((_, i) => `/d/img${i}.png`), labels: Int32Array.from(labels) });
const NAMES = ['a', 'b', 'c'];

test('with a per-class pool limit, the teacher split is the K items after the first L of each class', () => {
  // class of item i: 0,1,0,1,0,1,… (6 per class)
  const train = splitOf(Array.from({ length: 12 }, (_, i) => i % 2));
  const { pool, teacher } = carveTeacherSplit(train, 2, 2, NAMES, 3);
  assert.deepEqual(pool.ids, ['img0', 'img1', 'img2', 'img3', 'img4', 'img5']);
  assert.deepEqual(teacher.ids, ['img6', 'img7', 'img8', 'img9']);
  assert.deepEqual([...teacher.labels], [0, 1, 0, 1]);
  assert.equal(teacher.paths[0], '/d/img6.png');
});

test('without a pool limit, the teacher split is the last K items of each class, removed from the pool', () => {
  const train = splitOf([0, 0, 1, 0, 1, 1, 0]);
  const { pool, teacher } = carveTeacherSplit(train, 2, 1, NAMES);
  assert.deepEqual(teacher.ids, ['img5', 'img6']);
  assert.deepEqual(pool.ids, ['img0', 'img1', 'img2', 'img3', 'img4']);
});

test('property: pool and teacher split are disjoint, the teacher split has exactly K per class, and together they are a subset in split order', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 4 }), fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }), (labels, shots, limit) => {
      const counts = [0, 1, 2].map((c) => labels.filter((y) => y === c).length);
      const train = splitOf(labels);
      const ok = counts.every((n) => (limit === undefined ? n > shots : n >= limit + shots));
      if (!ok) {
        assert.throws(() => carveTeacherSplit(train, 3, shots, NAMES, limit), UserError);
        return;
      }
      const { pool, teacher } = carveTeacherSplit(train, 3, shots, NAMES, limit);
      const poolSet = new Set(pool.ids);
      assert.ok(teacher.ids.every((id) => !poolSet.has(id)));
      for (let c = 0; c < 3; c++) assert.equal([...teacher.labels].filter((y) => y === c).length, shots);
      if (limit !== undefined) for (let c = 0; c < 3; c++) assert.equal([...pool.labels].filter((y) => y === c).length, limit);
      else assert.equal(pool.ids.length + teacher.ids.length, labels.length);
      const order = (ids: string[]): number[] => ids.map((id) => Number(id.slice(3)));
      for (const ids of [pool.ids, teacher.ids]) assert.deepEqual(order(ids), [...order(ids)].sort((a, b) => a - b));
    }),
  );
});

test('too few items in a class, an unlabeled item, or K < 1 is one UserError naming it', () => {
  assert.throws(() => carveTeacherSplit(splitOf([0, 0, 0, 1]), 2, 1, NAMES), /class "b" has 1 training images/);
  assert.throws(() => carveTeacherSplit(splitOf([0, 0, 0, 1, 1]), 2, 2, NAMES, 2), /class "a" has 3 training images, the pool takes the first 2 and the teacher split needs 2 more/);
  assert.throws(() => carveTeacherSplit(splitOf([0, -1, 1, 1, 0]), 2, 1, NAMES), /img1 has none/);
  assert.throws(() => carveTeacherSplit(splitOf([0, 1]), 2, 0, NAMES), /--teacher-shots must be a positive integer/);
  assert.throws(() => carveTeacherSplit(splitOf([0, 0, 2]), 2, 1, NAMES), /img2 has label 2, outside 0\.\.1/);
});

test('limitWithTeacherSplit grows only the training split\'s per-class limit', () => {
  assert.deepEqual(limitWithTeacherSplit(1000, 64), { train: 1064, test: 1000, val: 1000 });
  assert.deepEqual(limitWithTeacherSplit({ train: 1000, test: 200 }, 16), { train: 1016, test: 200 });
  assert.equal(limitWithTeacherSplit(undefined, 4), undefined);
  assert.deepEqual(limitWithTeacherSplit({ test: 5 }, 4), { test: 5 });
});

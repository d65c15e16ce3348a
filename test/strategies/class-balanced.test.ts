import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classBalancedAllocation, createClassBalanced } from '../../src/strategies/class-balanced.ts';
import { probsContext } from './helpers.ts';

test('allocation: inverse labeled frequency with the missing-class quirk (SPEC §9.7, §12 O10)', () => {
  // Pool predictions: class 0 ×3, class 1 ×2, class 2 ×1; labeled labels 0,0,0,1 (class 2 has none).
  // T = 4; w0 = 4/(3+1) = 1, w1 = 4/(1+1) = 2, w2 = 4/(1 [default] + 1) = 2  → normalised [0.2, 0.4, 0.4].
  // Q = 4: floor([0.8, 1.6, 1.6]) = [0, 1, 1], rem 2 → by weight desc (ties → lower class): class 1, class 2 → [0, 2, 2].
  const a = classBalancedAllocation(Int32Array.from([0, 0, 0, 1, 1, 2]), Int32Array.from([0, 0, 0, 1]), 4);
  assert.deepEqual([...a.classes], [0, 1, 2]);
  assert.deepEqual([...a.weights].map((w) => +w.toFixed(12)), [0.2, 0.4, 0.4]);
  assert.deepEqual([...a.quota], [0, 2, 2]);
  assert.equal(a.weights[1], a.weights[2], 'a class without labels weighs the same as a class with one label');
});

test('allocation: uniform weights without labels; never-predicted classes get nothing', () => {
  const a = classBalancedAllocation(Int32Array.from([3, 1, 3, 1, 1]), new Int32Array(0), 5);
  assert.deepEqual([...a.classes], [1, 3]);
  assert.deepEqual([...a.weights], [0.5, 0.5]);
  // floor(2.5) = 2 each, rem 1 → the first class in (stable) weight order: class 1.
  assert.deepEqual([...a.quota], [3, 2]);
});

test('class-balanced selection: per-class budgets, random within class, random fill', () => {
  const pool = [
    [0.8, 0.1, 0.1],
    [0.7, 0.2, 0.1],
    [0.6, 0.3, 0.1],
    [0.1, 0.8, 0.1],
    [0.2, 0.7, 0.1],
    [0.1, 0.1, 0.8],
  ];
  for (let seed = 1; seed <= 20; seed++) {
    const ctx = probsContext(pool, [[1, 0, 0], [1, 0, 0], [1, 0, 0], [0, 1, 0]], { labels: [0, 0, 0, 1], seed });
    const s = createClassBalanced().select(ctx, 4);
    // quota [0, 2, 2]: class 1 gives rows 3, 4 (random order), class 2 only has row 5 → 1 left → random fill from {0, 1, 2}.
    assert.deepEqual([...s.rows.slice(0, 3)].sort(), [3, 4, 5]);
    assert.ok([0, 1, 2].includes(s.rows[3] as number));
    assert.equal(s.scores, undefined);
  }
});

test('class-balanced: q larger than the pool returns the whole pool', () => {
  const ctx = probsContext([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]], [], { seed: 3 });
  const s = createClassBalanced().select(ctx, 10);
  assert.deepEqual([...s.rows].sort(), [0, 1, 2]);
});

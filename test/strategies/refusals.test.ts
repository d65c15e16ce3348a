/**
 * A strategy that lacks what it needs refuses with a clear message instead of running degenerate
 * (issue 15 #19): probcover's purity rule without a class count, class-score strategies with fewer
 * than 2 classes, feature strategies with 0 feature columns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../src/linalg/matrix.ts';
import { createStrategy, strategyNames } from '../../src/strategies/registry.ts';
import type { SelectionContext } from '../../src/strategies/types.ts';
import { Rng } from '../../src/util/rng.ts';
import { randomContext } from './helpers.ts';

/** Two tight clusters of 3 unit-ish vectors, around (1, 0) and (−1, 0); features only, no labeled set. */
function twoClusters(numClasses: number): SelectionContext {
  const rows = [
    [1, 0.01],
    [1, -0.02],
    [1, 0.03],
    [-1, 0.02],
    [-1, -0.01],
    [-1, 0.04],
  ];
  const feats = matrix(6, 2, Float32Array.from(rows.flat()));
  const none = matrix(6, 0, new Float32Array(0));
  const empty = matrix(0, 0, new Float32Array(0));
  return {
    pool: { probs: none, ce: none, kd: none, features: feats },
    labeled: { probs: empty, ce: empty, kd: empty, features: matrix(0, 2, new Float32Array(0)) },
    labeledLabels: new Int32Array(0),
    numClasses,
    rng: new Rng(5),
  };
}

test('probcover without a class count refuses (purity rule) and says what to give', () => {
  for (const C of [0, 1]) {
    assert.throws(() => createStrategy('probcover').select(twoClusters(C), 2), (e: unknown) => {
      assert.ok(e instanceof RangeError);
      assert.match(e.message, new RegExp(`number of classes is ${C}`));
      assert.match(e.message, /delta/);
      return true;
    });
  }
});

test('probcover with 2 classes covers one cluster per pick; with a fixed delta it needs no class count', () => {
  // Purity rule, k = 2: the two clusters are the pseudo-classes, δ = the smallest distance between
  // them (≈ 2), so each ball is its own cluster of 3: picks row 0 then row 3, each covering 3 nodes.
  const a = createStrategy('probcover').select(twoClusters(2), 2);
  assert.deepEqual([...a.rows], [0, 3]);
  assert.deepEqual([...(a.scores ?? [])], [3, 3]);
  const b = createStrategy('probcover', { delta: 0.5 }).select(twoClusters(0), 2);
  assert.deepEqual([...b.rows], [0, 3]);
  assert.deepEqual([...(b.scores ?? [])], [3, 3]);
});

test('every strategy that reads class scores, logits, teacher outputs or labels refuses fewer than 2 classes', () => {
  const ctx = randomContext({ n: 12, m: 3, C: 3, D: 4, seed: 9 });
  let refused = 0;
  for (const name of strategyNames()) {
    const s = createStrategy(name);
    if (!s.needs.some((k) => k !== 'features')) continue;
    for (const C of [0, 1]) {
      assert.throws(() => s.select({ ...ctx, numClasses: C, rng: new Rng(1) }, 2), (e: unknown) => e instanceof RangeError && /at least 2 classes/.test(e.message) && e.message.includes(`is ${C}`), `${name}, ${C} classes`);
    }
    refused++;
  }
  assert.ok(refused >= 6, `${refused} strategies read class scores`);
});

test('feature strategies refuse features with 0 columns (every distance would be 0)', () => {
  const ctx = randomContext({ n: 8, m: 0, C: 3, D: 4, seed: 2 });
  const noCols = { ...ctx, pool: { ...ctx.pool, features: matrix(8, 0, new Float32Array(0)) }, labeled: { ...ctx.labeled, features: matrix(0, 0, new Float32Array(0)) } };
  for (const name of ['coreset', 'typiclust', 'probcover'] as const) {
    assert.throws(() => createStrategy(name).select(noCols, 2), /needs features, but pool\.features has 0 columns/, name);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../src/linalg/matrix.ts';
import { createCoreset } from '../../src/strategies/coreset.ts';
import { createPCoreSet, createPCoreSetReverse } from '../../src/strategies/pcoreset.ts';
import { createRandom } from '../../src/strategies/random.ts';
import { EmptyPoolError, type SelectionContext } from '../../src/strategies/types.ts';
import { Rng } from '../../src/util/rng.ts';
import { assertClose, probsContext, randomContext } from './helpers.ts';

const simplex = (as: number[]): number[][] => as.map((a) => [a, 1 - a]);

test('pcoreset: labeled predictions are the centres (hand fixture, SPEC §9.4)', () => {
  // See kcenter.test.ts: pool a = [0.1, 0.5, 0.9, 0.55, 0.3], labeled prediction a = 0.5 → [0, 2, 4, 3, 1].
  const ctx = probsContext(simplex([0.1, 0.5, 0.9, 0.55, 0.3]), simplex([0.5]));
  const s = createPCoreSet().select(ctx, 3);
  assert.deepEqual([...s.rows], [0, 2, 4]);
  assertClose(s.scores ?? [], [0.4 * Math.SQRT2, 0.4 * Math.SQRT2, 0.2 * Math.SQRT2], 1e-6, 'scores');
  // With labeled prediction a = 0.95 instead: m = [0.85, 0.45, 0.05, 0.4, 0.65] → pick 0; centre 0.1 then gives
  // row 1 min(0.45, 0.4) = 0.4, row 2 0.05, row 3 min(0.4, 0.45) = 0.4, row 4 min(0.65, 0.2) = 0.2 → rows 1 and 3 tie
  // at 0.4 (row 1 is also larger in float32: 0.39999999 vs 0.39999998) → pick 1.
  const ctx2 = probsContext(simplex([0.1, 0.5, 0.9, 0.55, 0.3]), simplex([0.95]));
  assert.deepEqual([...createPCoreSet().select(ctx2, 2).rows], [0, 1]);
});

test('pcoreset-reverse: nearest-first (SPEC §9.5)', () => {
  const ctx = probsContext(simplex([0.1, 0.5, 0.9, 0.55, 0.3]), simplex([0.5]));
  assert.deepEqual([...createPCoreSetReverse().select(ctx, 5).rows], [1, 3, 4, 0, 2]);
});

test('pcoreset spaces: ce / kd / teacher read their own matrices', () => {
  const base = probsContext(simplex([0.1, 0.5, 0.9, 0.55, 0.3]), simplex([0.5]));
  // Teacher space with the mirrored teacher (a → 1 − a) and centre 0.5: same geometry, so the same picks.
  const mirror = (as: number[]) => matrix(as.length, 2, Float32Array.from(as.flatMap((a) => [1 - a, a])));
  const withTeacher: SelectionContext = { ...base, teacherPool: mirror([0.1, 0.5, 0.9, 0.55, 0.3]), teacherLabeled: mirror([0.5]) };
  assert.deepEqual([...createPCoreSet({ space: 'teacher' }).select(withTeacher, 5).rows], [0, 2, 4, 3, 1]);
  assert.deepEqual(createPCoreSet({ space: 'teacher' }).needs, ['teacher']);
  assert.throws(() => createPCoreSet({ space: 'teacher' }).select(base, 1), RangeError);
  // ce = kd = log p in probsContext → softmax gives p back.
  for (const space of ['ce', 'kd'] as const) {
    const s = createPCoreSet({ space });
    assert.deepEqual(s.needs, ['logits']);
    assert.deepEqual([...s.select(base, 5).rows], [0, 2, 4, 3, 1]);
  }
  // Cold start: teacher space with no labeled set, no labeled teacher matrix → first pick row 0.
  const cold: SelectionContext = { ...base, labeled: probsContext([], []).labeled, labeledLabels: new Int32Array(0), teacherPool: withTeacher.teacherPool };
  assert.deepEqual([...createPCoreSet({ space: 'teacher' }).select(cold, 2).rows], [0, 2]);
});

test('coreset: normalised features, cosine, labeled centres (SPEC §9.3)', () => {
  // Unit-circle fixture of kcenter.test.ts: pool at 0° (length 2), 90°, 180°, 45°; labeled at 0° → [2, 1, 3, 0].
  const c = Math.SQRT1_2;
  const ctx = probsContext(simplex([0.5, 0.5, 0.5, 0.5]), simplex([0.5]), { poolFeatures: [[2, 0], [0, 1], [-1, 0], [c, c]], labeledFeatures: [[3, 0]] });
  const s = createCoreset();
  assert.deepEqual(s.needs, ['features']);
  assert.deepEqual([...s.select(ctx, 4).rows], [2, 1, 3, 0]);
});

test('shared input check: q, shapes, empty pool', () => {
  const ctx = randomContext({ n: 6, m: 2, C: 3, D: 4, seed: 1 });
  for (const s of [createPCoreSet(), createRandom(), createCoreset()]) {
    assert.throws(() => s.select(ctx, -1), RangeError);
    assert.throws(() => s.select(ctx, 2.5), RangeError);
    assert.equal(s.select(ctx, 0).rows.length, 0);
  }
  const empty = randomContext({ n: 0, m: 2, C: 3, D: 4, seed: 1 });
  assert.throws(() => createPCoreSet().select(empty, 1), EmptyPoolError);
  assert.equal(createPCoreSet().select(empty, 0).rows.length, 0);
  const bad: SelectionContext = { ...ctx, pool: { ...ctx.pool, features: matrix(5, 4) } };
  assert.throws(() => createCoreset().select(bad, 1), /pool.features has 5 rows, expected 6/);
  const badCols: SelectionContext = { ...ctx, numClasses: 4 };
  assert.throws(() => createPCoreSet().select(badCols, 1), /columns, expected 4/);
  const nan: SelectionContext = { ...ctx, pool: { ...ctx.pool, probs: matrix(6, 3, new Float32Array(18).fill(NaN)) } };
  assert.throws(() => createPCoreSet().select(nan, 1), RangeError);
});

test('selectAsync equals select on small pools (JS backend chosen by size)', async () => {
  const ctx = randomContext({ n: 50, m: 3, C: 4, D: 5, seed: 9 });
  for (const s of [createPCoreSet(), createCoreset(), createPCoreSetReverse()]) {
    assert.ok(s.selectAsync !== undefined);
    const a = s.select({ ...ctx, rng: new Rng(1) }, 7);
    const b = await s.selectAsync({ ...ctx, rng: new Rng(1) }, 7);
    assert.deepEqual([...b.rows], [...a.rows]);
  }
});

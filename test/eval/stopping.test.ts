import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { matrix, type Matrix } from '../../src/linalg/matrix.ts';
import { classHistogram, pickedClassCounts } from '../../src/eval/picked-classes.ts';
import { accuracyGainPerLabel, coverageRadius, predictionStability, teacherStudentAgreement } from '../../src/eval/stopping.ts';
import { kCenterGreedy } from '../../src/strategies/kcenter.ts';

const rows = (rs: number[][]): Matrix => matrix(rs.length, rs[0]?.length ?? 0, Float32Array.from(rs.flat()));
const close = (a: number, b: number, tol = 1e-6): void => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

/** Arbitrary C-class probability rows (normalised positive weights). */
const probRows = (C: number, min: number, max: number): fc.Arbitrary<number[][]> =>
  fc.array(fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: C, maxLength: C }), { minLength: min, maxLength: max }).map((rs) =>
    rs.map((r) => {
      const s = r.reduce((a, b) => a + b, 0);
      return r.map((v) => v / s);
    }),
  );

test('coverageRadius: hand-computed 3 points in the 2-class simplex', () => {
  // Pool (1,0), (0.5,0.5), (0,1). Labeled {(1,0)}: distances 0, √0.5, √2 → radius √2.
  const pool = rows([
    [1, 0],
    [0.5, 0.5],
    [0, 1],
  ]);
  close(coverageRadius(pool, rows([[1, 0]])), Math.SQRT2);
  // Labeled {(1,0), (0,1)}: distances 0, √0.5, 0 → radius √0.5 = 0.70711.
  close(
    coverageRadius(
      pool,
      rows([
        [1, 0],
        [0, 1],
      ]),
    ),
    Math.SQRT1_2,
  );
  // It is the running minimum of the first farthest-first pick (the k-center objective PCoreSet reduces).
  const k = kCenterGreedy({ points: pool, centers: rows([[0.75, 0.25]]), q: 1, distance: 'l2', mode: 'farthest' });
  close(coverageRadius(pool, rows([[0.75, 0.25]])), k.minDist[0] as number);
  close(coverageRadius(pool, rows([[0.75, 0.25]])), 0.75 * Math.SQRT2);
  // Edge cases: nothing to cover → 0; no labeled set → +∞; column mismatch → RangeError.
  assert.equal(coverageRadius(matrix(0, 2), rows([[1, 0]])), 0);
  assert.equal(coverageRadius(pool, matrix(0, 2)), Infinity);
  assert.throws(() => coverageRadius(pool, rows([[1, 0, 0]])), RangeError);
});

test('coverageRadius (property): in [0, √2] on the simplex, never increases when a point joins the labeled set, 0 when all pool points are labeled', () => {
  fc.assert(
    fc.property(probRows(3, 1, 12), probRows(3, 1, 6), probRows(3, 1, 1), (u, l, extra) => {
      const pool = rows(u);
      const before = coverageRadius(pool, rows(l));
      const after = coverageRadius(pool, rows([...l, ...extra]));
      assert.ok(before >= 0 && before <= Math.SQRT2 + 1e-6, `radius ${before}`);
      assert.ok(after <= before, `radius grew: ${before} → ${after}`);
      assert.equal(coverageRadius(pool, rows([...l, ...u])), 0);
    }),
    { numRuns: 200 },
  );
});

test('teacherStudentAgreement: hand-computed example, ties → lowest class', () => {
  // Student argmax 0, 1, 0 (tie); teacher argmax 0, 0, 0 → 2/3.
  const student = rows([
    [0.7, 0.3],
    [0.4, 0.6],
    [0.5, 0.5],
  ]);
  const teacher = rows([
    [0.9, 0.1],
    [0.8, 0.2],
    [0.6, 0.4],
  ]);
  close(teacherStudentAgreement(student, teacher), 2 / 3, 1e-12);
  assert.ok(Number.isNaN(teacherStudentAgreement(matrix(0, 2), matrix(0, 2))));
  assert.throws(() => teacherStudentAgreement(student, rows([[1, 0]])), RangeError);
});

test('teacherStudentAgreement (property): in [0, 1], symmetric, 1 when student == teacher', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 10 }).chain((n) => fc.tuple(probRows(4, n, n), probRows(4, n, n))),
      ([s, t]) => {
        const a = teacherStudentAgreement(rows(s), rows(t));
        assert.ok(a >= 0 && a <= 1);
        assert.equal(a, teacherStudentAgreement(rows(t), rows(s)));
        assert.equal(teacherStudentAgreement(rows(s), rows(s)), 1);
      },
    ),
    { numRuns: 200 },
  );
});

test('predictionStability: hand-computed example over items unlabeled in both rounds', () => {
  // Rows 2, 3, 4 are unlabeled in both rounds (row 0 in neither, row 1 labeled since); rows 2 and 4 kept their class → 2/3.
  close(predictionStability(Int32Array.from([-1, 0, 1, 2, 1]), Int32Array.from([-1, -1, 1, 0, 1])), 2 / 3, 1e-12);
  assert.ok(Number.isNaN(predictionStability(Int32Array.from([0, -1]), Int32Array.from([-1, 1]))));
  assert.throws(() => predictionStability(new Int32Array(2), new Int32Array(3)), RangeError);
});

test('predictionStability (property): in [0, 1], 1 against itself', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 20 }).chain((n) => fc.tuple(fc.array(fc.integer({ min: -1, max: 3 }), { minLength: n, maxLength: n }), fc.array(fc.integer({ min: -1, max: 3 }), { minLength: n, maxLength: n }))),
      ([a, b]) => {
        const s = predictionStability(Int32Array.from(a), Int32Array.from(b));
        assert.ok(Number.isNaN(s) || (s >= 0 && s <= 1));
        if (a.some((v) => v >= 0)) assert.equal(predictionStability(Int32Array.from(a), Int32Array.from(a)), 1);
      },
    ),
  );
});

test('accuracyGainPerLabel: Δ accuracy / Δ labels between consecutive rounds', () => {
  const g = accuracyGainPerLabel([
    { labeled: 10, accuracy: 30 },
    { labeled: 20, accuracy: 35 },
    { labeled: 30, accuracy: 34 },
    { labeled: 30, accuracy: 36 },
    { labeled: 40, accuracy: NaN },
  ]);
  assert.equal(g.length, 4);
  close(g[0] as number, 0.5, 1e-12);
  close(g[1] as number, -0.1, 1e-12);
  assert.ok(Number.isNaN(g[2] as number), 'labels did not increase');
  assert.ok(Number.isNaN(g[3] as number), 'unknown accuracy');
  assert.deepEqual(accuracyGainPerLabel([{ labeled: 1, accuracy: 1 }]), []);
});

test('picked-class histograms: predicted = argmax counts, true = label counts', () => {
  assert.deepEqual(classHistogram([2, 0, 2, 2], 3), [1, 0, 3]);
  assert.throws(() => classHistogram([3], 3), RangeError);
  const h = pickedClassCounts(
    rows([
      [0.1, 0.8, 0.1],
      [0.6, 0.2, 0.2],
      [0.2, 0.3, 0.5],
      [0.1, 0.7, 0.2],
    ]),
    Int32Array.from([1, 0, 0, 0]),
    3,
  );
  assert.deepEqual(h, { predicted: [1, 2, 1], true: [3, 1, 0] });
});

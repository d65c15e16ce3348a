import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { matrix } from '../../src/linalg/matrix.ts';
import { softmaxRow, softmaxRows, softmaxRowsInPlace } from '../../src/linalg/softmax.ts';

/** Logit rows: 1–6 rows of 1–12 logits in [−50, 50] on a 1/64 grid (so integer shifts stay exact in float32). */
const logit = fc.integer({ min: -3200, max: 3200 }).map((v) => v / 64);
const logitRows = fc.integer({ min: 1, max: 12 }).chain((C) => fc.array(fc.array(logit, { minLength: C, maxLength: C }), { minLength: 1, maxLength: 6 }));
const temperatures = fc.double({ min: 0.05, max: 20, noNaN: true });

test('softmax: hand-computed values (T = 1 and T = 2)', () => {
  const p = softmaxRows(matrix(1, 2, Float32Array.from([0, Math.log(3)]))).data;
  assert.ok(Math.abs((p[0] as number) - 0.25) < 1e-7 && Math.abs((p[1] as number) - 0.75) < 1e-7);
  // T = 2 halves the logits: softmax([0, ln 9] / 2) = softmax([0, ln 3]).
  const q = softmaxRows(matrix(1, 2, Float32Array.from([0, Math.log(9)])), 2).data;
  assert.ok(Math.abs((q[0] as number) - 0.25) < 1e-7 && Math.abs((q[1] as number) - 0.75) < 1e-7);
  // Large logits do not overflow (max subtracted).
  const r = softmaxRows(matrix(1, 3, Float32Array.from([1000, 1000, -1000]))).data;
  assert.deepEqual(Array.from(r), [0.5, 0.5, 0]);
});

test('softmax (property): rows are non-negative and sum to 1, at any temperature', () => {
  fc.assert(
    fc.property(logitRows, temperatures, (rows, T) => {
      const C = rows[0]!.length;
      const p = softmaxRows(matrix(rows.length, C, Float32Array.from(rows.flat())), T).data;
      for (let i = 0; i < rows.length; i++) {
        let s = 0;
        for (let c = 0; c < C; c++) {
          const v = p[i * C + c] as number;
          assert.ok(v >= 0 && v <= 1, `p = ${v}`);
          s += v;
        }
        assert.ok(Math.abs(s - 1) < 1e-5, `row ${i} sums to ${s}`);
      }
    }),
    { numRuns: 300 },
  );
});

test('softmax (property): invariant to adding a constant to a row', () => {
  fc.assert(
    fc.property(logitRows, temperatures, fc.array(fc.integer({ min: -100, max: 100 }), { minLength: 6, maxLength: 6 }), (rows, T, shift) => {
      const C = rows[0]!.length;
      const a = softmaxRows(matrix(rows.length, C, Float32Array.from(rows.flat())), T).data;
      // x + shift is exact in float32 (1/64 grid, |x| ≤ 150), so only the softmax's own rounding remains.
      const b = softmaxRows(matrix(rows.length, C, Float32Array.from(rows.flatMap((r, i) => r.map((v) => v + (shift[i] as number))))), T).data;
      for (let k = 0; k < a.length; k++) assert.ok(Math.abs((a[k] as number) - (b[k] as number)) < 1e-5, `${a[k]} vs ${b[k]}`);
    }),
    { numRuns: 300 },
  );
});

test('softmax (property): T → ∞ gives the uniform row; T = +∞ gives it exactly', () => {
  fc.assert(
    fc.property(logitRows, (rows) => {
      const C = rows[0]!.length;
      const m = matrix(rows.length, C, Float32Array.from(rows.flat()));
      // max |x_c/T − x_max/T| ≤ 100/T, so each probability is within a factor e^{±100/T} of 1/C.
      const T = 1e6;
      const p = softmaxRows(m, T).data;
      for (const v of p) assert.ok(Math.abs(v - 1 / C) < (1 / C) * 2e-4, `p = ${v}, 1/C = ${1 / C}`);
      for (const v of softmaxRows(m, Infinity).data) assert.equal(v, Math.fround(1 / C));
      // And the spread shrinks monotonically along T = 1, 10, 100.
      const spread = (t: number): number => {
        const q = softmaxRows(m, t).data;
        return Math.max(...q) - Math.min(...q);
      };
      assert.ok(spread(10) <= spread(1) + 1e-7 && spread(100) <= spread(10) + 1e-7);
    }),
    { numRuns: 200 },
  );
});

test('softmaxRow: vector form equals the matrix form, works in place on float64 and float32, any input array', () => {
  const x = [3.5, -1, 0.25, 7, 2];
  const viaMatrix = softmaxRows(matrix(1, 5, Float32Array.from(x)), 1.5).data;
  const out = new Float32Array(7);
  softmaxRow(Float32Array.from(x), 0, 5, out, 2, 1.5);
  assert.deepEqual(Array.from(out.subarray(2)), Array.from(viaMatrix));
  // number[] input (float64 logits) and an offset into it.
  const z = new Float64Array(5);
  softmaxRow([9, ...x], 1, 5, z, 0);
  const inPlace = Float64Array.from(x);
  softmaxRow(inPlace, 0, 5, inPlace, 0);
  assert.deepEqual(Array.from(inPlace), Array.from(z));
  assert.ok(Math.abs(z.reduce((a, b) => a + b, 0) - 1) < 1e-15);
});

test("softmax storage: 'output' equals 'float64' into float64, and differs by at most one float32 ulp into float32", () => {
  fc.assert(
    fc.property(logitRows, (rows) => {
      const C = rows[0]!.length;
      const flat = Float32Array.from(rows.flat());
      const a = softmaxRows(matrix(rows.length, C, flat)).data;
      const b = softmaxRowsInPlace(matrix(rows.length, C, flat.slice())).data;
      for (let k = 0; k < a.length; k++) {
        const x = a[k] as number;
        const ulp = Math.max(Math.abs(Math.fround(x * (1 + 2 ** -23)) - x), 2 ** -149);
        assert.ok(Math.abs(x - (b[k] as number)) <= ulp, `${x} vs ${b[k]}`);
      }
      for (let i = 0; i < rows.length; i++) {
        const d64 = new Float64Array(C);
        const o64 = new Float64Array(C);
        softmaxRow(flat, i * C, C, d64, 0);
        softmaxRow(flat, i * C, C, o64, 0, 1, 'output');
        assert.deepEqual(Array.from(o64), Array.from(d64));
      }
    }),
    { numRuns: 200 },
  );
});

test('softmax: in place returns the same matrix; a row of −∞ gives NaN; T must be > 0', () => {
  const m = matrix(2, 2, Float32Array.from([0, 0, 1, 1]));
  assert.equal(softmaxRowsInPlace(m), m);
  assert.deepEqual(Array.from(m.data), [0.5, 0.5, 0.5, 0.5]);
  assert.ok(Number.isNaN(softmaxRows(matrix(1, 2, Float32Array.from([-Infinity, -Infinity]))).data[0]));
  for (const T of [0, -1, NaN]) assert.throws(() => softmaxRows(m, T), RangeError);
  assert.deepEqual(softmaxRows(matrix(3, 0)).data, new Float32Array(0));
});

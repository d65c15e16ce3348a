import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cosineDistance, dotRows, dotSerial, l1DistanceSerial, l2Distance, l2NormalizeRows, minDistances, squaredL2Serial } from '../../src/linalg/distance.ts';
import { matrix } from '../../src/linalg/matrix.ts';

const vec = (n: number): fc.Arbitrary<number[]> => fc.array(fc.float({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n });
const pair = fc.integer({ min: 0, max: 23 }).chain((n) => fc.tuple(vec(n), vec(n)));

test('row distances: hand-computed values, offsets address rows', () => {
  const a = Float32Array.of(9, 9, 0, 0, 0, 0, 0);
  const b = Float64Array.of(1, 2, 2, 0, 4);
  assert.equal(l2Distance(a, 2, b, 0, 5), 5);
  assert.equal(squaredL2Serial(a, 2, b, 0, 5), 25);
  assert.equal(l1DistanceSerial(a, 2, b, 0, 5), 9);
  assert.equal(dotRows(b, 0, b, 0, 5), 25);
  assert.equal(dotSerial(b, 0, b, 0, 5), 25);
  assert.equal(cosineDistance(Float32Array.of(1, 0), 0, Float32Array.of(0, 1), 0, 2), 1);
  assert.ok(Math.abs(cosineDistance(Float32Array.of(0.6, 0.8), 0, Float32Array.of(0.6, 0.8), 0, 2)) < 1e-7);
  assert.ok(Math.abs(cosineDistance(Float32Array.of(0.6, 0.8), 0, Float32Array.of(-0.6, -0.8), 0, 2) - 2) < 1e-7);
});

test('row distances (property): four-lane and serial sums agree to rounding; duplicates are exactly 0', () => {
  fc.assert(
    fc.property(pair, ([x, y]) => {
      const a = Float32Array.from(x);
      const b = Float32Array.from(y);
      const n = a.length;
      const tol = (v: number): number => 1e-12 * Math.max(1, Math.abs(v));
      const sq = squaredL2Serial(a, 0, b, 0, n);
      assert.ok(Math.abs(l2Distance(a, 0, b, 0, n) ** 2 - sq) <= 1e-9 * Math.max(1, sq));
      const d = dotSerial(a, 0, b, 0, n);
      let ref = 0;
      for (let k = 0; k < n; k++) ref += Math.abs((a[k] as number) * (b[k] as number));
      assert.ok(Math.abs(dotRows(a, 0, b, 0, n) - d) <= tol(ref));
      assert.equal(l2Distance(a, 0, Float32Array.from(a), 0, n), 0);
      assert.equal(squaredL2Serial(a, 0, a, 0, n), 0);
      assert.equal(l1DistanceSerial(a, 0, a, 0, n), 0);
      // Symmetry and the triangle inequality through the origin.
      assert.equal(l2Distance(a, 0, b, 0, n), l2Distance(b, 0, a, 0, n));
      const zero = new Float32Array(n);
      assert.ok(l2Distance(a, 0, b, 0, n) <= l2Distance(a, 0, zero, 0, n) + l2Distance(zero, 0, b, 0, n) + 1e-9);
    }),
    { numRuns: 300 },
  );
});

test('l2NormalizeRows: unit rows, zero rows stay zero (torch F.normalize)', () => {
  const m = l2NormalizeRows(matrix(3, 2, Float32Array.of(3, 4, 0, 0, -2, 0)));
  assert.deepEqual(Array.from(m.data), [0.6, 0.8, 0, 0, -1, 0].map(Math.fround));
  fc.assert(
    fc.property(vec(7), (x) => {
      const u = l2NormalizeRows(matrix(1, 7, Float32Array.from(x))).data;
      const norm = Math.sqrt(dotSerial(u, 0, u, 0, 7));
      assert.ok(x.every((v) => Math.abs(v) < 1e-6) || Math.abs(norm - 1) < 1e-6, `norm ${norm}`);
    }),
  );
});

test('minDistances: nearest centre per point, ties → lowest centre, blocking does not matter', () => {
  const points = matrix(3, 1, Float32Array.of(0, 4, 10));
  const centres = matrix(3, 1, Float32Array.of(2, 6, 2));
  const nearest = new Int32Array(3);
  assert.deepEqual(Array.from(minDistances(points, centres, l2Distance, { nearest })), [2, 2, 4]);
  assert.deepEqual(Array.from(nearest), [0, 0, 1]); // point 4: centres 0 and 1 both at 2 → 0
  assert.deepEqual(Array.from(minDistances(points, matrix(0, 1), l2Distance, { nearest })), [Infinity, Infinity, Infinity]);
  assert.deepEqual(Array.from(nearest), [-1, -1, -1]);
  assert.deepEqual(Array.from(minDistances(points, undefined, l2Distance)), [Infinity, Infinity, Infinity]);
  assert.throws(() => minDistances(points, matrix(1, 2), l2Distance), RangeError);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 1e6 }), (n, m, chunkRows, seed) => {
      let s = seed;
      const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
      const p = matrix(n, 3, Float32Array.from({ length: n * 3 }, rnd));
      const c = matrix(m, 3, Float32Array.from({ length: m * 3 }, rnd));
      const full = minDistances(p, c, cosineDistance);
      const chunked = minDistances(p, c, cosineDistance, { chunkRows });
      assert.deepEqual(chunked, full);
      for (let i = 0; i < n; i++) {
        let best = Infinity;
        for (let j = 0; j < m; j++) best = Math.min(best, cosineDistance(p.data, i * 3, c.data, j * 3, 3));
        assert.equal(full[i], best);
      }
    }),
    { numRuns: 100 },
  );
});

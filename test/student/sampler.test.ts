import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LabeledSampler, paddedPositions, UnlabeledStream } from '../../src/student/sampler.ts';
import { Rng } from '../../src/util/rng.ts';

test('paddedPositions: copies of the first items up to a multiple of the batch', () => {
  assert.deepEqual(Array.from(paddedPositions(3, 4)), [0, 1, 2, 0]);
  assert.deepEqual(Array.from(paddedPositions(2, 5)), [0, 1, 0, 1, 0]);
  assert.deepEqual(Array.from(paddedPositions(4, 4)), [0, 1, 2, 3]);
  assert.throws(() => paddedPositions(0, 4), RangeError);
});

test('paddedPositions properties: length = ⌈n/b⌉·b, prefix is 0..n−1, padding repeats from the start', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 70 }), (n, b) => {
      const p = paddedPositions(n, b);
      if (p.length !== Math.ceil(n / b) * b || p.length % b !== 0) return false;
      for (let i = 0; i < p.length; i++) if (p[i] !== i % n) return false;
      return true;
    }),
  );
});

test('LabeledSampler: positions in range; padded draws over-represent the first items', () => {
  const rng = new Rng(1);
  const s = new LabeledSampler(10, 64, rng, true);
  assert.equal(s.pool.length, 64);
  const counts = new Float64Array(10);
  const out = new Uint32Array(64);
  const draws = 2000;
  for (let k = 0; k < draws; k++) {
    s.next(out);
    for (const p of out) {
      assert.ok(p < 10);
      counts[p] = (counts[p] as number) + 1;
    }
  }
  // Padded list of 64: items 0..3 appear 7 times, items 4..9 appear 6 times → expected shares 7/64 and 6/64.
  const total = draws * 64;
  assert.ok(Math.abs((counts[0] as number) / total - 7 / 64) < 0.005);
  assert.ok(Math.abs((counts[9] as number) / total - 6 / 64) < 0.005);
  // Unpadded: uniform over the 10 items.
  const u = new LabeledSampler(10, 64, new Rng(2), false);
  assert.equal(u.pool.length, 10);
  assert.throws(() => new LabeledSampler(0, 64, rng), RangeError);
});

test('UnlabeledStream: each pass is a permutation consumed in whole batches (drop_last), then reshuffled', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 64 }), fc.integer(), (n, b, seed) => {
      fc.pre(b <= n);
      const s = new UnlabeledStream(n, new Rng(seed));
      const perPass = Math.floor(n / b);
      const out = new Uint32Array(b);
      for (let pass = 0; pass < 3; pass++) {
        const seen = new Set<number>();
        for (let k = 0; k < perPass; k++) {
          s.next(out);
          for (const p of out) {
            if (p >= n || seen.has(p)) return false; // no repeats within a pass
            seen.add(p);
          }
        }
        if (seen.size !== perPass * b) return false;
      }
      return true;
    }),
    { numRuns: 100 },
  );
});

test('UnlabeledStream: a set smaller than the batch fills the batch by cycling fresh permutations', () => {
  const s = new UnlabeledStream(5, new Rng(3));
  const out = new Uint32Array(12);
  s.next(out);
  const first = Array.from(out.subarray(0, 5)).sort();
  assert.deepEqual(first, [0, 1, 2, 3, 4]);
  const second = Array.from(out.subarray(5, 10)).sort();
  assert.deepEqual(second, [0, 1, 2, 3, 4]);
  for (const p of out) assert.ok(p < 5);
});

test('samplers are deterministic given the seed', () => {
  const a = new UnlabeledStream(50, new Rng(9));
  const b = new UnlabeledStream(50, new Rng(9));
  const oa = new Uint32Array(16);
  const ob = new Uint32Array(16);
  for (let k = 0; k < 10; k++) assert.deepEqual(a.next(oa), b.next(ob));
});

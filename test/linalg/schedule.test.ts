import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { linearWarmupSchedule, lrMultiplier, warmupSteps } from '../../src/linalg/schedule.ts';

const close = (a: number, b: number, msg?: string): void => assert.ok(Math.abs(a - b) < 1e-12, msg ?? `${a} vs ${b}`);

test('LR schedule, S = 200 (W = 20): first update 0, peak at the end of warm-up, linear decay to 0', () => {
  const m = linearWarmupSchedule(200, 0.1);
  assert.equal(m.length, 200);
  close(m[0] as number, 0);
  close(m[1] as number, 1 / 20);
  close(m[10] as number, 0.5);
  close(m[19] as number, 19 / 20);
  close(m[20] as number, 1); // (200 − 20) / 180
  close(m[110] as number, 0.5); // 90 / 180
  close(m[199] as number, 1 / 180);
  close(lrMultiplier(200, 200, 20), 0);
  let peak = 0;
  for (let k = 1; k < 200; k++) if ((m[k] as number) > (m[peak] as number)) peak = k;
  assert.equal(peak, 20);
});

test('LR schedule, S = 600 (W = 60)', () => {
  const m = linearWarmupSchedule(600);
  close(m[0] as number, 0);
  close(m[30] as number, 0.5);
  close(m[59] as number, 59 / 60);
  close(m[60] as number, 1);
  close(m[330] as number, 0.5); // 270 / 540
  close(m[599] as number, 1 / 540);
  close(lrMultiplier(600, 600, 60), 0);
});

test('LR schedule: fractional warm-up and HF max(1, ·) guards', () => {
  // S = 15 → W = 1.5: k = 0 → 0, k = 1 → 1/1.5, k = 2 → (15 − 2)/13.5
  const m = linearWarmupSchedule(15);
  close(m[0] as number, 0);
  close(m[1] as number, 1 / 1.5);
  close(m[2] as number, 13 / 13.5);
  // S = 5 → W = 0.5 < 1: k = 0 is still in warm-up → 0 / max(1, 0.5) = 0
  const s = linearWarmupSchedule(5);
  close(s[0] as number, 0);
  close(s[1] as number, 4 / 4.5);
  // No warm-up at all: starts at 1.
  close(linearWarmupSchedule(10, 0)[0] as number, 1);
});

test('LR schedule properties: values in [0, 1], non-decreasing in warm-up, non-increasing after', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 3000 }), fc.double({ min: 0, max: 1, noNaN: true }), (S, frac) => {
      const m = linearWarmupSchedule(S, frac);
      const W = frac * S;
      for (let k = 0; k < S; k++) {
        const v = m[k] as number;
        if (v < 0 || v > 1) return false;
        if (k > 0 && k < W && v < (m[k - 1] as number)) return false;
        if (k > 0 && k - 1 >= W && v > (m[k - 1] as number)) return false;
      }
      return m[0] === (W > 0 ? 0 : 1);
    }),
    { numRuns: 200 },
  );
});

test('LR schedule against the HF formula: exact values at step 0, at the end of warm-up and at the last step', () => {
  // λ(k) = k / max(1, W) for k < W, else max(0, (S − k) / max(1, S − W)), written out independently.
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom('none' as const, 'floor' as const), (S, frac, rounding) => {
      const W = rounding === 'floor' ? Math.floor(frac * S) : frac * S;
      const m = linearWarmupSchedule(S, frac, rounding);
      assert.equal(m[0], W > 0 ? 0 : S / Math.max(1, S - W));
      const kw = Math.ceil(W); // first update after warm-up
      if (kw < S) assert.equal(m[kw], (S - kw) / Math.max(1, S - W));
      if (kw >= 1 && kw - 1 < W && kw - 1 < S) assert.equal(m[kw - 1], (kw - 1) / Math.max(1, W));
      const last = S - 1;
      assert.equal(m[last], last < W ? last / Math.max(1, W) : (S - last) / Math.max(1, S - W));
    }),
    { numRuns: 300 },
  );
});

test('warm-up rounding: the student keeps the float W = frac·S, CLAP floors it (SPEC §5.2, §7.2)', () => {
  assert.equal(warmupSteps(15, 0.1), 1.5);
  assert.equal(warmupSteps(15, 0.1, 'floor'), 1);
  assert.equal(warmupSteps(46, 0.1, 'floor'), 4); // CLAP with |L| = 10: S = 46, W = int(4.6)
  // S = 15: float W = 1.5 → step 1 is still warming up; floored W = 1 → step 1 already decays.
  close(linearWarmupSchedule(15)[1] as number, 1 / 1.5);
  close(linearWarmupSchedule(15, 0.1, 'floor')[1] as number, 14 / 14);
  close(linearWarmupSchedule(15, 0.1, 'floor')[2] as number, 13 / 14);
  // CLAP's historical values: S = 10, W = 2.
  const clap = linearWarmupSchedule(10, 0.2, 'floor');
  [0, 0.5, 1, 7 / 8, 6 / 8, 5 / 8, 4 / 8, 3 / 8, 2 / 8, 1 / 8].forEach((v, k) => close(clap[k] as number, v, `step ${k}`));
  assert.throws(() => warmupSteps(10, 1.5), RangeError);
  assert.throws(() => linearWarmupSchedule(0), RangeError);
  assert.throws(() => linearWarmupSchedule(10, -0.1), RangeError);
  assert.throws(() => lrMultiplier(-1, 10, 1), RangeError);
  assert.throws(() => lrMultiplier(0, 0, 0), RangeError);
  assert.throws(() => lrMultiplier(0, 10, 11), RangeError);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { linearWarmupSchedule, lrMultiplier, stepsPerRound } from '../../src/student/schedule.ts';

const close = (a: number, b: number, msg?: string): void => assert.ok(Math.abs(a - b) < 1e-12, msg ?? `${a} vs ${b}`);

test('steps per round: S = 200·⌈|L|/64⌉ (SPEC §5.2 examples)', () => {
  assert.equal(stepsPerRound(10), 200); // EuroSAT r0
  assert.equal(stepsPerRound(160), 600); // EuroSAT r15
  assert.equal(stepsPerRound(100), 400); // Caltech101 r0
  assert.equal(stepsPerRound(1600), 5000);
  assert.equal(stepsPerRound(397), 1400); // SUN397 r0
  assert.equal(stepsPerRound(6352), 20000);
  assert.equal(stepsPerRound(64), 200);
  assert.equal(stepsPerRound(65), 400);
  assert.equal(stepsPerRound(7, 4, 3), 6);
  assert.throws(() => stepsPerRound(0), RangeError);
});

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

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stepsPerRound } from '../../src/student/schedule.ts';

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

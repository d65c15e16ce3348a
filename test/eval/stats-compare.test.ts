import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pairedTTest, wilcoxonSignedRank } from '../../src/eval/compare.ts';
import { aubc, labelsToReach } from '../../src/eval/curves.ts';
import { meanCI } from '../../src/eval/stats.ts';

// R's `sleep` data (Cushny & Peebles 1905; R documentation of `t.test`):
//   t.test(extra ~ group, data = sleep, paired = TRUE)
//   → t = -4.0621, df = 9, p-value = 0.002833, 95% CI -2.4598858 -0.7001142, mean diff -1.58
const G1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const G2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

test('paired t-test and t-interval match R on the sleep data', () => {
  const t = pairedTTest(G1, G2);
  assert.ok(Math.abs(t.statistic - -4.0621) < 1e-4, String(t.statistic));
  assert.ok(Math.abs((t.pValue as number) - 0.002833) < 1e-6, String(t.pValue));
  const d = G1.map((v, i) => v - (G2[i] as number));
  const ci = meanCI(d);
  assert.ok(Math.abs(ci.mean - -1.58) < 1e-12);
  assert.ok(Math.abs(ci.mean - ci.halfWidth - -2.4598858) < 1e-6);
  assert.ok(Math.abs(ci.mean + ci.halfWidth - -0.7001142) < 1e-6);
});

test('t-interval by hand: 1..5 → 3 ± 2.776445·√2.5/√5', () => {
  const ci = meanCI([1, 2, 3, 4, 5]);
  assert.equal(ci.mean, 3);
  assert.ok(Math.abs(ci.halfWidth - (2.776445 * Math.sqrt(2.5)) / Math.sqrt(5)) < 1e-5);
});

// Hollander & Wolfe (1973), p. 29 — the example of R's `wilcox.test` documentation (depression scale):
//   wilcox.test(x, y, paired = TRUE, alternative = "greater") → V = 40, p-value = 0.01953 (exact: 10/512)
// so the two-sided exact p-value is 2 · 10/512 = 0.0390625.
const HW_X = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
const HW_Y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];

test('Wilcoxon signed-rank: exact p-value of the Hollander & Wolfe example', () => {
  const w = wilcoxonSignedRank(HW_X, HW_Y);
  assert.equal(w.method, 'exact');
  assert.equal(w.statistic, 40);
  assert.ok(Math.abs((w.pValue as number) - 20 / 512) < 1e-12, String(w.pValue));
  // Enumeration of all 2^9 sign patterns agrees.
  let ge = 0;
  for (let m = 0; m < 512; m++) {
    let v = 0;
    for (let r = 1; r <= 9; r++) if (m & (1 << (r - 1))) v += r;
    if (v >= 40) ge++;
  }
  assert.equal(ge, 10);
});

test('Wilcoxon with 5 seeds all favouring one side: p = 2/32; degenerate inputs give null', () => {
  assert.equal(wilcoxonSignedRank([2, 3, 4, 5, 6], [1, 1, 1, 1, 1.5]).pValue, 0.0625);
  assert.equal(wilcoxonSignedRank([1, 2], [1, 2]).pValue, null);
  assert.equal(pairedTTest([1, 2, 3], [0, 1, 2]).pValue, null);
});

test('AUBC is the trapezoid average over the labeled range; labels to reach a target', () => {
  const curve = [
    { labeled: 10, accuracy: 50 },
    { labeled: 20, accuracy: 60 },
    { labeled: 40, accuracy: 70 },
  ];
  // (10·55 + 20·65) / 30 = 1850/30
  assert.ok(Math.abs(aubc(curve) - 1850 / 30) < 1e-12);
  assert.equal(aubc([{ labeled: 5, accuracy: 42 }]), 42);
  assert.deepEqual(labelsToReach(curve, 60), { round: 1, labeled: 20 });
  assert.equal(labelsToReach(curve, 71), null);
});

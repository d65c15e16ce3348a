import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DhoBatch, DhoLayout } from '../../src/linalg/dho-layout.ts';
import { adamwScalars, dhoLayout, packScalars } from '../../src/linalg/dho-layout.ts';
import { adamwRef, dhoLossGradRef, dhoPredictRef, dhoStepRef } from '../../src/linalg/dho-ref.ts';
import { randomBatch, randomTheta, SMALL_SHAPES } from './dho-fixtures.ts';

/**
 * Independent, deliberately naive DHO loss (SPEC §5.1) written from the formulas, reading the
 * parameters through the documented layout: λ-weighted CE on the CE head + T²-scaled KL on the KD head.
 */
function naiveLoss(L: DhoLayout, th: Float64Array, b: DhoBatch<Float64Array>, T: number): number {
  const { D, C, distill } = L.shape;
  const K = L.K;
  const Hin = L.headIn;
  let loss = 0;
  for (let i = 0; i < b.B; i++) {
    const x = Array.from(b.X.subarray(i * D, (i + 1) * D));
    let u = x;
    if (L.W1 && L.b1) {
      const W1 = L.W1;
      const b1 = L.b1;
      u = [];
      for (let j = 0; j < Hin; j++) {
        let a = th[b1.offset + j] as number;
        for (let d = 0; d < D; d++) a += (x[d] as number) * (th[W1.offset + d * Hin + j] as number);
        u.push(Math.max(0, a));
      }
    }
    const out: number[] = [];
    for (let k = 0; k < K; k++) {
      let a = th[L.b2.offset + k] as number;
      for (let j = 0; j < Hin; j++) a += (u[j] as number) * (th[L.W2.offset + j * K + k] as number);
      out.push(a);
    }
    const ce = out.slice(0, C);
    const zce = ce.reduce((s, v) => s + Math.exp(v), 0);
    for (let c = 0; c < C; c++) loss -= (b.wce[i] as number) * (b.Y[i * C + c] as number) * Math.log(Math.exp(ce[c] as number) / zce);
    if (distill && b.Q && b.wkd) {
      const kd = out.slice(C, 2 * C).map((v) => v / T);
      const zkd = kd.reduce((s, v) => s + Math.exp(v), 0);
      let kl = 0;
      for (let c = 0; c < C; c++) {
        const q = b.Q[i * C + c] as number;
        kl += q * (Math.log(q) - Math.log(Math.exp(kd[c] as number) / zkd));
      }
      loss += (b.wkd[i] as number) * kl;
    }
  }
  return loss;
}

for (const shape of SMALL_SHAPES) {
  const name = `${shape.head}/${shape.distill ? 'distill' : 'no-distill'}`;
  test(`DHO twin (${name}): loss equals the naive formula and the gradient equals central finite differences (float64)`, () => {
    const L = dhoLayout(shape);
    for (const seed of [1, 2]) {
      const theta = randomTheta(L, seed, Float64Array);
      const batch = randomBatch(L, 4, 3, 100 + seed, Float64Array);
      const T = 2;
      const grad = new Float64Array(L.total);
      const loss = dhoLossGradRef(L, theta, batch, 1 / T, grad);
      assert.ok(Math.abs(loss - naiveLoss(L, theta, batch, T)) < 1e-10, `loss ${loss} vs naive ${naiveLoss(L, theta, batch, T)}`);
      const scratch = new Float64Array(L.total);
      const h = 1e-6;
      let maxErr = 0;
      let nonZero = 0;
      for (let p = 0; p < L.total; p++) {
        const keep = theta[p] as number;
        theta[p] = keep + h;
        const up = dhoLossGradRef(L, theta, batch, 1 / T, scratch);
        theta[p] = keep - h;
        const dn = dhoLossGradRef(L, theta, batch, 1 / T, scratch);
        theta[p] = keep;
        const fd = (up - dn) / (2 * h);
        const g = grad[p] as number;
        if (Math.abs(g) > 1e-8) nonZero++;
        const err = Math.abs(fd - g) / (1e-6 + Math.abs(fd));
        maxErr = Math.max(maxErr, Math.abs(fd - g) > 1e-8 ? err : 0);
      }
      assert.ok(maxErr < 1e-4, `max relative gradient error ${maxErr}`);
      assert.ok(nonZero > L.total / 2, `too few non-zero gradient entries (${nonZero}/${L.total}) for a meaningful check`);
    }
  });
}

test('DHO twin: without distillation the KD head gets no gradient and unlabeled rows do not matter', () => {
  const L = dhoLayout({ head: 'adapter', distill: false, D: 4, H: 3, C: 3 });
  const theta = randomTheta(L, 3, Float64Array);
  const b = randomBatch(L, 3, 2, 9, Float64Array);
  const g1 = new Float64Array(L.total);
  const l1 = dhoLossGradRef(L, theta, b, 0.5, g1);
  // Changing the unlabeled rows' inputs (weight 0) changes nothing.
  const X2 = b.X.slice();
  for (let i = 3 * 4; i < X2.length; i++) X2[i] = 7;
  const g2 = new Float64Array(L.total);
  const l2 = dhoLossGradRef(L, theta, { ...b, X: X2 }, 0.5, g2);
  assert.equal(l1, l2);
  assert.deepEqual(Array.from(g1), Array.from(g2));
});

test('AdamW twin: two scalar parameters, two steps, arithmetic written out (PyTorch AdamW)', () => {
  const lr = 0.1;
  const wd = 0.01;
  const b1 = 0.9;
  const b2 = 0.999;
  const eps = 1e-8;
  const theta = Float64Array.of(0.5, -1.0);
  const m = new Float64Array(2);
  const v = new Float64Array(2);
  // step 1, gradients (0.2, -0.4)
  adamwRef(theta, Float64Array.of(0.2, -0.4), m, v, adamwScalars(1, lr, { beta1: b1, beta2: b2, eps, weightDecay: wd }, 2));
  // θ1: decay 0.5·(1−0.001) = 0.4995; m = 0.1·0.2 = 0.02; v = 0.001·0.04 = 4e-5;
  //     m̂ = 0.02/0.1 = 0.2; v̂ = 4e-5/0.001 = 0.04; √v̂ = 0.2; θ = 0.4995 − 0.1·0.2/(0.2+1e-8)
  const t1 = 0.4995 - (0.1 * 0.2) / (0.2 + 1e-8);
  // θ2: decay −0.999; m = −0.04; v = 0.001·0.16 = 1.6e-4; m̂ = −0.4; √v̂ = 0.4
  const t2 = -0.999 - (0.1 * -0.4) / (0.4 + 1e-8);
  assert.ok(Math.abs((m[0] as number) - 0.02) < 1e-15 && Math.abs((v[1] as number) - 1.6e-4) < 1e-15);
  assert.ok(Math.abs((theta[0] as number) - t1) < 1e-12, `θ1 ${theta[0]} vs ${t1}`);
  assert.ok(Math.abs((theta[1] as number) - t2) < 1e-12, `θ2 ${theta[1]} vs ${t2}`);
  assert.ok(Math.abs(t1 - 0.399500005) < 1e-9);
  // step 2, gradients (0.1, 0.1)
  adamwRef(theta, Float64Array.of(0.1, 0.1), m, v, adamwScalars(2, lr, { beta1: b1, beta2: b2, eps, weightDecay: wd }, 2));
  // θ1: m = 0.9·0.02 + 0.1·0.1 = 0.028; v = 0.999·4e-5 + 0.001·0.01 = 4.996e-5;
  //     bias corrections 1−0.9² = 0.19, 1−0.999² = 0.001999
  const m1 = 0.028;
  const v1 = 4.996e-5;
  const t1b = t1 * 0.999 - (0.1 * (m1 / 0.19)) / (Math.sqrt(v1 / 0.001999) + 1e-8);
  // θ2: m = 0.9·(−0.04) + 0.01 = −0.026; v = 0.999·1.6e-4 + 1e-5 = 1.6984e-4
  const t2b = t2 * 0.999 - (0.1 * (-0.026 / 0.19)) / (Math.sqrt(1.6984e-4 / 0.001999) + 1e-8);
  assert.ok(Math.abs((theta[0] as number) - t1b) < 1e-12, `θ1 ${theta[0]} vs ${t1b}`);
  assert.ok(Math.abs((theta[1] as number) - t2b) < 1e-12, `θ2 ${theta[1]} vs ${t2b}`);
});

test('AdamW twin: lr = 0 (the first scheduled update) leaves θ unchanged but updates m and v', () => {
  const theta = Float32Array.of(0.3, -0.2, 0.1);
  const m = new Float32Array(3);
  const v = new Float32Array(3);
  adamwRef(theta, Float32Array.of(1, 2, 3), m, v, adamwScalars(1, 0, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 }, 2));
  assert.deepEqual(Array.from(theta), Array.from(Float32Array.of(0.3, -0.2, 0.1)));
  assert.ok(Math.abs((m[1] as number) - 0.2) < 1e-7 && Math.abs((v[2] as number) - 0.009) < 1e-7);
});

test('packScalars: folded optimiser scalars equal the textbook ones (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5000 }), fc.double({ min: 0, max: 0.1, noNaN: true }), (t, lr) => {
      const s = adamwScalars(t, lr, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 }, 2);
      const o = packScalars(s, new Float32Array(6));
      const r = 1 / Math.sqrt(1 - Math.pow(0.999, t));
      const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-6 * Math.max(1e-30, Math.abs(b)) + 1e-30;
      return close(o[0] as number, 1 - lr * 0.01) && close(o[3] as number, 1e-8 / r) && close(o[4] as number, lr / (1 - Math.pow(0.9, t)) / r) && close(o[5] as number, 0.5);
    }),
  );
});

test('dhoStepRef = gradient then AdamW', () => {
  const L = dhoLayout({ head: 'linear', distill: true, D: 3, H: 0, C: 2 });
  const th = randomTheta(L, 5, Float64Array);
  const b = randomBatch(L, 2, 2, 6, Float64Array);
  const s = adamwScalars(3, 1e-2, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 }, 2);
  const a = th.slice();
  const ma = new Float64Array(L.total);
  const va = new Float64Array(L.total);
  const lossA = dhoStepRef(L, a, ma, va, b, s);
  const g = new Float64Array(L.total);
  const lossB = dhoLossGradRef(L, th, b, s.invT, g);
  adamwRef(th, g, new Float64Array(L.total), new Float64Array(L.total), s);
  assert.equal(lossA, lossB);
  assert.deepEqual(Array.from(a), Array.from(th));
});

test('dhoPredictRef: probs = α·softmax(ce) + (1−α)·softmax(kd/β), computed by hand', () => {
  // Linear head, D = 2, C = 2: W2 = [Wce | Wkd] (2×4), b2 = [bce, bkd].
  const W2 = Float32Array.of(1, 0, 2, -1, 0, 1, 0, 3);
  const b2 = Float32Array.of(0.5, 0, 0, 0.25);
  const X = Float32Array.of(1, 2);
  const alpha = 0.3;
  const beta = 0.5;
  const out = dhoPredictRef({ D: 2, H: 0, C: 2, W2, b2 }, X, 1, alpha, 1 / beta);
  // ce = x·Wce + bce = [1·1 + 2·0 + 0.5, 1·0 + 2·1 + 0] = [1.5, 2]
  // kd = x·Wkd + bkd = [1·2 + 2·0 + 0, 1·(−1) + 2·3 + 0.25] = [2, 5.25]
  assert.deepEqual(Array.from(out.ce), [1.5, 2]);
  assert.deepEqual(Array.from(out.kd), [2, 5.25]);
  const sce0 = Math.exp(1.5) / (Math.exp(1.5) + Math.exp(2));
  const skd0 = Math.exp(2 / beta) / (Math.exp(2 / beta) + Math.exp(5.25 / beta));
  const p0 = alpha * sce0 + (1 - alpha) * skd0;
  const p1 = alpha * (1 - sce0) + (1 - alpha) * (1 - skd0);
  assert.ok(Math.abs((out.probs[0] as number) - p0) < 1e-6);
  assert.ok(Math.abs((out.probs[1] as number) - p1) < 1e-6);
  assert.equal(out.h, undefined);
});

test('DHO twin rejects mismatched batches', () => {
  const L = dhoLayout({ head: 'adapter', distill: true, D: 3, H: 2, C: 2 });
  const th = new Float32Array(L.total);
  const b = randomBatch(L, 2, 1, 1, Float32Array);
  assert.throws(() => dhoLossGradRef(L, th, { ...b, X: new Float32Array(5) }, 0.5, new Float32Array(L.total)), RangeError);
  const { Q: _q, ...noQ } = b;
  assert.throws(() => dhoLossGradRef(L, th, noQ, 0.5, new Float32Array(L.total)), RangeError);
  assert.throws(() => dhoLayout({ head: 'adapter', distill: true, D: 3, H: 0, C: 2 }), RangeError);
  assert.throws(() => dhoLayout({ head: 'linear', distill: true, D: 3, H: 0, C: 1 }), RangeError);
});

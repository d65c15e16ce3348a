import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { adamwScalars, dhoLayout } from '../../src/linalg/dho-layout.ts';
import { dhoPredictRef } from '../../src/linalg/dho-ref.ts';
import { createOnnxEngine, createTsEngine, disposeSessionCache, predictRows, trainSession } from '../../src/student/engine.ts';
import { randomBatch, randomTheta, SMALL_SHAPES } from './dho-fixtures.ts';
import { Rng } from '../../src/util/rng.ts';

after(() => disposeSessionCache());

const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

/** max_i |a_i − b_i| / max(1e-3, max_i |b_i|): error relative to the vector's scale. */
function relErr(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let s = 1e-3;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
    s = Math.max(s, Math.abs(b[i] as number));
  }
  return d / s;
}

for (const shape of SMALL_SHAPES) {
  const name = `${shape.head}/${shape.distill ? 'distill' : 'no-distill'}`;
  test(`fused ONNX train step (${name}) equals the TypeScript twin after 1 and after 6 steps`, async () => {
    const L = dhoLayout(shape);
    const theta0 = randomTheta(L, 11, Float32Array, 0.4);
    const onnx = await createOnnxEngine(L, theta0, 1);
    const ts = createTsEngine(L, theta0);
    for (let k = 0; k < 6; k++) {
      // Different batch sizes and learning rates per step (the graph's batch dimension is symbolic).
      const batch = randomBatch(L, 3 + (k % 2), 2 + k, 50 + k, Float32Array);
      const s = adamwScalars(k + 1, 0.01 * (k + 1), ADAM, 2);
      const lo = await onnx.step(batch, s);
      const lt = await ts.step(batch, s);
      assert.ok(Math.abs(lo - lt) <= 1e-4 * Math.max(1, Math.abs(lt)), `step ${k + 1}: loss ${lo} vs ${lt}`);
      for (const [what, a, b] of [
        ['θ', onnx.theta(), ts.theta()],
        ['m', onnx.m(), ts.m()],
        ['v', onnx.v(), ts.v()],
      ] as const) {
        const e = relErr(a, b);
        assert.ok(e < 1e-4, `step ${k + 1}: ${what} relative error ${e}`);
      }
      // The step must actually move θ (from step 1 on, lr > 0).
      assert.ok(relErr(onnx.theta(), theta0) > 1e-4, 'θ did not change');
    }
  });
}

test('ONNX train step at a realistic width (D=64, H=32, C=10, B=128) equals the twin', async () => {
  const L = dhoLayout({ head: 'adapter', distill: true, D: 64, H: 32, C: 10 });
  const theta0 = randomTheta(L, 3, Float32Array, 0.125);
  const onnx = await createOnnxEngine(L, theta0);
  const ts = createTsEngine(L, theta0);
  const batch = randomBatch(L, 64, 64, 8, Float32Array);
  for (let k = 0; k < 3; k++) {
    const s = adamwScalars(k + 1, 1e-3, ADAM, 2);
    await onnx.step(batch, s);
    await ts.step(batch, s);
  }
  assert.ok(relErr(onnx.theta(), ts.theta()) < 1e-4);
});

test('train sessions are cached per shape', async () => {
  const shape = SMALL_SHAPES[0];
  const a = await trainSession(shape, 1);
  const b = await trainSession(shape, 1);
  assert.equal(a, b);
  const c = await trainSession({ ...shape, C: shape.C + 1 }, 1);
  assert.notEqual(a, c);
});

for (const head of ['adapter', 'linear'] as const) {
  test(`predict graph (${head}, chunked) equals the twin`, async () => {
    const rng = new Rng(4);
    const D = 7;
    const H = head === 'adapter' ? 6 : 0;
    const C = 3;
    const Hin = head === 'adapter' ? H : D;
    const rand = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
    const p = head === 'adapter' ? { D, H, C, W1: rand(D * H), b1: rand(H), W2: rand(Hin * 2 * C), b2: rand(2 * C) } : { D, H, C, W2: rand(Hin * 2 * C), b2: rand(2 * C) };
    const n = 23;
    const X = rand(n * D);
    const ref = dhoPredictRef(p, X, n, 0.3, 1 / 0.7);
    const got = await predictRows(p, X, n, 0.3, 1 / 0.7, { engine: 'onnx', chunk: 5, threads: 1 });
    for (const k of ['ce', 'kd', 'probs'] as const) assert.ok(relErr(got[k], ref[k]) < 1e-5, `${k} differs`);
    if (head === 'adapter') {
      assert.ok(got.h && ref.h && relErr(got.h, ref.h) < 1e-5);
    } else assert.equal(got.h, undefined);
    // rows of probs sum to 1
    for (let i = 0; i < n; i++) {
      const s = (got.probs[i * C] as number) + (got.probs[i * C + 1] as number) + (got.probs[i * C + 2] as number);
      assert.ok(Math.abs(s - 1) < 1e-5);
    }
  });
}

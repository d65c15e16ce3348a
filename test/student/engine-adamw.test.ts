import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { DhoShape } from '../../src/linalg/dho-layout.ts';
import { adamwScalars, dhoLayout } from '../../src/linalg/dho-layout.ts';
import type { DhoEngine } from '../../src/student/engine.ts';
import { createOnnxEngine, createTsEngine, disposeSessionCache, gradSession } from '../../src/student/engine.ts';
import { ADAM, firstDiff, randomBatch, randomTheta, SMALL_SHAPES } from '../linalg/dho-fixtures.ts';

after(() => disposeSessionCache());


function assertSameState(a: DhoEngine, b: DhoEngine, what: string): void {
  for (const [k, x, y] of [['θ', a.theta(), b.theta()], ['m', a.m(), b.m()], ['v', a.v(), b.v()]] as const) {
    const d = firstDiff(x, y);
    assert.equal(d, -1, `${what}: ${k}[${d}] ${x[d]} vs ${y[d]}`);
  }
}

const SHAPES: Array<{ shape: DhoShape; steps: number; nl: number; nu: number }> = [
  ...SMALL_SHAPES.map((shape) => ({ shape, steps: 40, nl: 3, nu: 5 })),
  { shape: { head: 'adapter', distill: true, D: 64, H: 32, C: 10 }, steps: 60, nl: 64, nu: 64 },
  { shape: { head: 'adapter', distill: true, D: 96, H: 48, C: 100 }, steps: 30, nl: 32, nu: 32 },
  { shape: { head: 'adapter', distill: false, D: 64, H: 32, C: 100 }, steps: 30, nl: 32, nu: 0 },
  { shape: { head: 'linear', distill: true, D: 64, H: 0, C: 100 }, steps: 30, nl: 32, nu: 32 },
];

for (const { shape, steps, nl, nu } of SHAPES) {
  const name = `${shape.head}/${shape.distill ? 'distill' : 'no-distill'} D=${shape.D} H=${shape.H} C=${shape.C}`;
  test(`flat AdamW (WASM and JS) after the gradient graph is bit-identical to the fused train graph over ${steps} steps (${name})`, async () => {
    const L = dhoLayout(shape);
    const theta0 = randomTheta(L, 7, Float32Array, 0.3);
    const fused = await createOnnxEngine(L, theta0, 1, 'graph');
    const wasm = await createOnnxEngine(L, theta0, 1, 'wasm');
    const js = await createOnnxEngine(L, theta0, 1, 'js');
    const batches = [randomBatch(L, nl, nu, 21, Float32Array), randomBatch(L, nl, nu, 22, Float32Array), randomBatch(L, Math.max(1, nl - 1), nu, 23, Float32Array)];
    for (let k = 0; k < steps; k++) {
      const batch = batches[k % batches.length] as (typeof batches)[number];
      const s = adamwScalars(k + 1, 2e-3 * (1 + (k % 5)), ADAM, 2);
      const lf = await fused.step(batch, s);
      const lw = await wasm.step(batch, s);
      const lj = await js.step(batch, s);
      assert.ok(Object.is(lw, lf) && Object.is(lj, lf), `step ${k + 1}: loss ${lw} / ${lj} vs fused ${lf}`);
      assertSameState(wasm, fused, `step ${k + 1} wasm vs fused`);
      assertSameState(js, fused, `step ${k + 1} js vs fused`);
    }
    assert.ok(firstDiff(wasm.theta(), theta0) >= 0, 'θ did not change');
  });
}

test('flat engine stays close to the TypeScript twin (adapter, distill)', async () => {
  const L = dhoLayout({ head: 'adapter', distill: true, D: 32, H: 16, C: 10 });
  const theta0 = randomTheta(L, 3, Float32Array, 0.2);
  const onnx = await createOnnxEngine(L, theta0, 1);
  const ts = createTsEngine(L, theta0);
  const batch = randomBatch(L, 16, 16, 9, Float32Array);
  for (let k = 0; k < 10; k++) {
    const s = adamwScalars(k + 1, 1e-2, ADAM, 2);
    const lo = await onnx.step(batch, s);
    const lt = await ts.step(batch, s);
    assert.ok(Math.abs(lo - lt) <= 1e-4 * Math.max(1, Math.abs(lt)), `step ${k + 1}: loss ${lo} vs ${lt}`);
  }
  let d = 0;
  let moved = 0;
  for (let i = 0; i < L.total; i++) {
    d = Math.max(d, Math.abs((onnx.theta()[i] as number) - (ts.theta()[i] as number)));
    moved = Math.max(moved, Math.abs((onnx.theta()[i] as number) - (theta0[i] as number)));
  }
  assert.ok(d < 1e-4, `max |θ_onnx − θ_ts| = ${d}`);
  assert.ok(moved > 1e-2, `θ moved by only ${moved}`);
});

test('flat engine: θ, m, v keep their identity across steps; the gradient session is cached', async () => {
  const shape = SMALL_SHAPES[0];
  const L = dhoLayout(shape);
  const e = await createOnnxEngine(L, randomTheta(L, 1, Float32Array), 1);
  const [theta, m, v] = [e.theta(), e.m(), e.v()];
  const batch = randomBatch(L, 2, 2, 1, Float32Array);
  for (let k = 0; k < 3; k++) await e.step(batch, adamwScalars(k + 1, 1e-2, ADAM, 2));
  assert.equal(e.theta(), theta);
  assert.equal(e.m(), m);
  assert.equal(e.v(), v);
  assert.equal(await gradSession(shape, 1), await gradSession(shape, 1));
  await assert.rejects(e.step({ ...batch, X: new Float32Array(1) }, adamwScalars(4, 1e-2, ADAM, 2)), RangeError);
});

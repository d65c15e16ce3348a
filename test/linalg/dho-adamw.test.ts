import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { adamwFlatJs, AdamwWasm, createFlatAdamw, wasmSimdAvailable } from '../../src/linalg/dho-adamw.ts';
import { adamwScalars, OPT_LEN, packScalars } from '../../src/linalg/dho-layout.ts';
import { adamwRef } from '../../src/linalg/dho-ref.ts';
import { Rng } from '../../src/util/rng.ts';
import { ADAM, firstDiff } from './dho-fixtures.ts';


/** Gradients over many magnitudes, with exact zeros, so the float32 rounding of every op is exercised. */
function randomGrad(rng: Rng, g: Float32Array): void {
  for (let i = 0; i < g.length; i++) {
    const r = rng.next();
    g[i] = r < 0.05 ? 0 : rng.uniform(-1, 1) * Math.pow(10, rng.uniform(-9, 2));
  }
}

test('the WebAssembly SIMD kernel is available on this runtime (Node ≥ 20)', () => {
  assert.equal(wasmSimdAvailable(), true);
  assert.equal(createFlatAdamw(5).kind, 'wasm');
});

test('WASM SIMD and Math.fround kernels give bit-identical θ, m, v over 200 steps (lengths not multiples of 4 included)', () => {
  for (const n of [1, 3, 4, 7, 1021]) {
    const rng = new Rng(n);
    const w = createFlatAdamw(n, 'wasm');
    const j = createFlatAdamw(n, 'js');
    assert.equal(j.kind, 'js');
    for (let i = 0; i < n; i++) w.theta[i] = j.theta[i] = rng.uniform(-1, 1);
    const opt = new Float32Array(OPT_LEN);
    for (let t = 1; t <= 200; t++) {
      randomGrad(rng, w.grad);
      j.grad.set(w.grad);
      packScalars(adamwScalars(t, 1e-3 * (1 + (t % 7)), ADAM, 2), opt);
      w.step(opt);
      j.step(opt);
      for (const [what, a, b] of [['θ', w.theta, j.theta], ['m', w.m, j.m], ['v', w.v, j.v]] as const) {
        const d = firstDiff(a, b);
        assert.equal(d, -1, `n=${n} step ${t}: ${what}[${d}] wasm ${a[d]} vs js ${b[d]}`);
      }
    }
  }
});

test('property: one flat step equals the same op sequence written with explicit float32 scalars (any scalars)', () => {
  // Independent statement of the graph's op order: each op's result stored to a Float32Array slot.
  const f = new Float32Array(1);
  const r = (x: number): number => ((f[0] = x), f[0] as number);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.float({ noNaN: true, min: -100, max: 100 }), fc.float({ noNaN: true, min: -1, max: 1 }), fc.float({ noNaN: true, min: -1, max: 1 }), fc.float({ noNaN: true, min: 0, max: 1 })), { minLength: 1, maxLength: 37 }),
      fc.float({ min: Math.fround(0.9), max: 1, noNaN: true }),
      fc.float({ min: Math.fround(1e-3), max: Math.fround(0.5), noNaN: true }),
      fc.float({ min: Math.fround(1e-4), max: Math.fround(0.1), noNaN: true }),
      fc.float({ min: Math.fround(1e-9), max: Math.fround(1e-6), noNaN: true }),
      fc.float({ min: Math.fround(1e-5), max: Math.fround(1e-1), noNaN: true }),
      (rows, decay, a1, a2, epsR, stepR) => {
        const n = rows.length;
        const opt = Float32Array.of(decay, a1, a2, epsR, stepR, 0.5);
        const w = new AdamwWasm(n);
        const g = new Float32Array(n);
        const th = new Float32Array(n);
        const m = new Float32Array(n);
        const v = new Float32Array(n);
        rows.forEach(([gi, ti, mi, vi], i) => {
          g[i] = w.grad[i] = gi;
          th[i] = w.theta[i] = ti;
          m[i] = w.m[i] = mi;
          v[i] = w.v[i] = vi;
        });
        const jt = th.slice();
        const jm = m.slice();
        const jv = v.slice();
        adamwFlatJs(jt, g, jm, jv, opt);
        w.step(opt);
        for (let i = 0; i < n; i++) {
          const mi = r((m[i] as number) + r(r((g[i] as number) - (m[i] as number)) * a1));
          const vi = r((v[i] as number) + r(r(r((g[i] as number) * (g[i] as number)) - (v[i] as number)) * a2));
          const ti = r(r((th[i] as number) * decay) - r(r(mi / r(r(Math.sqrt(vi)) + epsR)) * stepR));
          for (const [got, want] of [[jm[i], mi], [jv[i], vi], [jt[i], ti], [w.m[i], mi], [w.v[i], vi], [w.theta[i], ti]] as const) {
            if (!Object.is(got, want)) return false;
          }
        }
        return true;
      },
    ),
    { numRuns: 300 },
  );
});

test('flat AdamW stays close to the TypeScript twin (PyTorch form, double precision) over 50 steps', () => {
  const n = 513;
  const rng = new Rng(5);
  const flat = createFlatAdamw(n);
  const th = new Float64Array(n);
  const m = new Float64Array(n);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) th[i] = flat.theta[i] = Math.fround(rng.uniform(-1, 1));
  const theta0 = th.slice();
  const g64 = new Float64Array(n);
  const opt = new Float32Array(OPT_LEN);
  for (let t = 1; t <= 50; t++) {
    for (let i = 0; i < n; i++) g64[i] = flat.grad[i] = Math.fround(rng.uniform(-1, 1) * 0.1);
    const s = adamwScalars(t, 1e-2, ADAM, 2);
    packScalars(s, opt);
    flat.step(opt);
    adamwRef(th, g64, m, v, s);
  }
  let err = 0;
  let dist = 0;
  for (let i = 0; i < n; i++) {
    err = Math.max(err, Math.abs((flat.theta[i] as number) - (th[i] as number)));
    dist = Math.max(dist, Math.abs((th[i] as number) - (theta0[i] as number)));
  }
  assert.ok(err < 1e-5, `max |θ_flat − θ_twin| = ${err}`);
  assert.ok(dist > 0.1, `θ moved by only ${dist}`); // 50 steps at lr 1e-2 move θ by ~0.5
});

test('vectors keep their identity across steps; bad sizes are refused', () => {
  const a = createFlatAdamw(10);
  const { theta, grad, m, v } = a;
  a.step(packScalars(adamwScalars(1, 1e-3, ADAM, 2), new Float32Array(OPT_LEN)));
  assert.equal(a.theta, theta);
  assert.equal(a.grad, grad);
  assert.equal(a.m, m);
  assert.equal(a.v, v);
  assert.throws(() => createFlatAdamw(0), RangeError);
  assert.throws(() => new AdamwWasm(2.5), RangeError);
  assert.throws(() => a.step(new Float32Array(3)), RangeError);
  assert.throws(() => adamwFlatJs(new Float32Array(2), new Float32Array(3), new Float32Array(2), new Float32Array(2), new Float32Array(OPT_LEN)), RangeError);
});

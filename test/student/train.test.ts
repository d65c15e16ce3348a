import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Matrix } from '../../src/linalg/matrix.ts';
import { argmaxRows } from '../../src/linalg/matrix.ts';
import { Rng } from '../../src/util/rng.ts';
import { problem } from './fixtures.ts';
import { DEFAULT_DHO, dhoConfig, type DhoConfig } from '../../src/student/config.ts';
import { disposeSessionCache } from '../../src/student/engine.ts';
import { initStudentParams, softTargets, trainStudent, type TrainStudentArgs } from '../../src/student/train.ts';

after(() => disposeSessionCache());

const P = problem(240, 12, 3, 5);
const LAB = Uint32Array.from([0, 1, 2, 3, 4, 5]);
const UNL = Uint32Array.from({ length: 240 - 6 }, (_, i) => i + 6);

function args(config: Partial<DhoConfig>, seed = 1, extra: Partial<TrainStudentArgs> = {}): TrainStudentArgs {
  return {
    features: P.features,
    labeledRows: LAB,
    labels: Int32Array.from(LAB, (i) => P.y[i] as number),
    unlabeledRows: UNL,
    teacherProbs: P.teacher,
    numClasses: 3,
    config: dhoConfig({ hidden: 24, stepsPerLabeledBatch: 60, lr: 1e-2, ...config }),
    rng: new Rng(seed),
    ...extra,
  };
}

function accuracy(probs: Matrix, y: Int32Array): number {
  const am = argmaxRows(probs);
  let ok = 0;
  for (let i = 0; i < y.length; i++) ok += am[i] === y[i] ? 1 : 0;
  return ok / y.length;
}

for (const engine of ['ts', 'onnx'] as const) {
  for (const head of ['adapter', 'linear'] as const) {
    test(`end-to-end (${engine}, ${head}): 6 labels + teacher on a separable problem → high accuracy`, async () => {
      const steps: number[] = [];
      const m = await trainStudent({ ...args({ engine, head }), onStep: (s, total) => steps.push(s, total) });
      assert.equal(m.engine, engine);
      assert.equal(m.steps, 60); // 60 · ⌈6/64⌉
      assert.equal(steps.length, 120);
      assert.deepEqual(steps.slice(0, 4), [1, 60, 2, 60]);
      assert.ok((m.losses[59] as number) < 0.5 * (m.losses[0] as number), `loss ${m.losses[0]} → ${m.losses[59]}`);
      const p = await m.predict(P.features);
      const acc = accuracy(p.probs, P.y);
      assert.ok(acc >= 0.95, `accuracy ${acc}`);
      m.dispose();
      await assert.rejects(m.predict(P.features), RangeError);
    });
  }
}

test('ONNX and TS engines train to the same parameters', async () => {
  const a = await trainStudent(args({ engine: 'ts', stepsPerLabeledBatch: 20 }, 3));
  const b = await trainStudent(args({ engine: 'onnx', stepsPerLabeledBatch: 20 }, 3));
  const wa = a.params.W1?.data ?? new Float32Array(0);
  const wb = b.params.W1?.data ?? new Float32Array(1);
  let d = 0;
  for (let i = 0; i < wa.length; i++) d = Math.max(d, Math.abs((wa[i] as number) - (wb[i] as number)));
  assert.equal(wa.length, 12 * 24);
  assert.ok(d < 1e-4, `max |ΔW1| = ${d}`);
});

test('predict: probs = α·softmax(ce) + (1−α)·softmax(kd/β) of the returned logits; defaults are the eval values', async () => {
  const m = await trainStudent(args({ stepsPerLabeledBatch: 10, evalAlphaCe: 0.2, evalBeta: 0.5 }));
  const X: Matrix = { rows: 7, cols: 12, data: P.features.data.slice(0, 7 * 12) };
  const check = (pr: { ce: Matrix; kd: Matrix; probs: Matrix }, alpha: number, beta: number): void => {
    for (let i = 0; i < 7; i++) {
      const ce = [0, 1, 2].map((c) => pr.ce.data[i * 3 + c] as number);
      const kd = [0, 1, 2].map((c) => (pr.kd.data[i * 3 + c] as number) / beta);
      const zc = ce.reduce((s, v) => s + Math.exp(v), 0);
      const zk = kd.reduce((s, v) => s + Math.exp(v), 0);
      for (let c = 0; c < 3; c++) {
        const want = (alpha * Math.exp(ce[c] as number)) / zc + ((1 - alpha) * Math.exp(kd[c] as number)) / zk;
        assert.ok(Math.abs((pr.probs.data[i * 3 + c] as number) - want) < 1e-5, `row ${i} class ${c}`);
      }
    }
  };
  check(await m.predict(X), 0.2, 0.5);
  check(await m.predict(X, { alphaCe: 0.9, beta: 2 }), 0.9, 2);
  const p = await m.predict(X);
  assert.equal(p.features.rows, 7);
  assert.equal(p.features.cols, 24); // adapter output h
  for (const v of p.features.data) assert.ok(v >= 0);
  await assert.rejects(m.predict({ rows: 1, cols: 5, data: new Float32Array(5) }), RangeError);
  await assert.rejects(m.predict(X, { alphaCe: 1.5 }), RangeError);
});

test('linear head: features in the predictions are the input itself', async () => {
  const m = await trainStudent(args({ head: 'linear', stepsPerLabeledBatch: 5 }));
  const p = await m.predict(P.features);
  assert.equal(p.features, P.features);
  assert.equal(m.params.W1, undefined);
  assert.deepEqual(m.params.Wce.shape, [12, 3]);
});

test('the first update uses LR 0: a one-step round returns the initial parameters', async () => {
  for (const engine of ['ts', 'onnx'] as const) {
    const m = await trainStudent(args({ engine, stepsPerLabeledBatch: 1 }, 42));
    assert.equal(m.steps, 1);
    const init = initStudentParams('adapter', 12, 24, 3, new Rng(42));
    assert.deepEqual(Array.from(m.params.W1?.data ?? []), Array.from(init.W1?.data ?? [0]));
    assert.deepEqual(Array.from(m.params.bkd.data), Array.from(init.bkd.data));
  }
});

test('initialisation: PyTorch default bounds U(±1/√fan_in) for weights and biases', () => {
  const p = initStudentParams('adapter', 100, 25, 4, new Rng(1));
  const maxAbs = (a: Float32Array): number => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.ok(maxAbs(p.W1?.data ?? new Float32Array(1).fill(9)) <= 0.1 && maxAbs(p.W1?.data ?? new Float32Array(0)) > 0.09);
  assert.ok(maxAbs(p.b1?.data ?? new Float32Array(1).fill(9)) <= 0.1);
  assert.ok(maxAbs(p.Wce.data) <= 0.2 && maxAbs(p.Wce.data) > 0.18);
  assert.ok(maxAbs(p.bkd.data) <= 0.2);
});

test('no-distill: CE only, probs = softmax(ce), KD head untouched, no teacher needed', async () => {
  const { teacherProbs: _t, ...rest } = args({ framework: 'no-distill', stepsPerLabeledBatch: 40 }, 7);
  const m = await trainStudent(rest);
  const init = initStudentParams('adapter', 12, 24, 3, new Rng(7));
  assert.deepEqual(Array.from(m.params.Wkd.data), Array.from(init.Wkd.data));
  assert.notDeepEqual(Array.from(m.params.Wce.data), Array.from(init.Wce.data));
  const p = await m.predict(P.features, { alphaCe: 0.1 }); // α is forced to 1
  for (let i = 0; i < 5; i++) {
    const ce = [0, 1, 2].map((c) => p.ce.data[i * 3 + c] as number);
    const z = ce.reduce((s, v) => s + Math.exp(v), 0);
    for (let c = 0; c < 3; c++) assert.ok(Math.abs((p.probs.data[i * 3 + c] as number) - Math.exp(ce[c] as number) / z) < 1e-5);
  }
  // Labeled rows are fitted.
  assert.ok(accuracy({ rows: 6, cols: 3, data: p.probs.data.slice(0, 18) }, P.y.slice(0, 6)) === 1);
});

test('same seed → same student; a new seed → a different one (fresh init every call)', async () => {
  const a = await trainStudent(args({ stepsPerLabeledBatch: 5 }, 11));
  const b = await trainStudent(args({ stepsPerLabeledBatch: 5 }, 11));
  const c = await trainStudent(args({ stepsPerLabeledBatch: 5 }, 12));
  assert.deepEqual(Array.from(a.params.Wce.data), Array.from(b.params.Wce.data));
  assert.notDeepEqual(Array.from(a.params.Wce.data), Array.from(c.params.Wce.data));
});

test('empty unlabeled set: KD on the labeled batch only still trains', async () => {
  const m = await trainStudent(args({ stepsPerLabeledBatch: 30 }, 1, { unlabeledRows: new Uint32Array(0) }));
  assert.equal(m.steps, 30);
  assert.ok((m.losses[29] as number) < (m.losses[0] as number));
});

test('standardize: equals training on features z-scored by hand (labeled + unlabeled statistics)', async () => {
  const N = 240;
  const D = 12;
  // Shift and scale the problem so that standardization matters.
  const raw = new Float32Array(N * D);
  for (let i = 0; i < N * D; i++) raw[i] = (P.features.data[i] as number) * (3 + (i % D)) + 10;
  const rawM: Matrix = { rows: N, cols: D, data: raw };
  const z = new Float32Array(N * D);
  for (let d = 0; d < D; d++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < N; i++) s += raw[i * D + d] as number;
    const mu = s / N;
    for (let i = 0; i < N; i++) s2 += ((raw[i * D + d] as number) - mu) ** 2;
    const sd = Math.sqrt(s2 / N);
    for (let i = 0; i < N; i++) z[i * D + d] = ((raw[i * D + d] as number) - mu) / sd;
  }
  const zM: Matrix = { rows: N, cols: D, data: z };
  const a = await trainStudent(args({ standardize: true, stepsPerLabeledBatch: 20 }, 4, { features: rawM }));
  const b = await trainStudent(args({ standardize: false, stepsPerLabeledBatch: 20 }, 4, { features: zM }));
  const pa = await a.predict(rawM);
  const pb = await b.predict(zM);
  let d = 0;
  for (let i = 0; i < pa.probs.data.length; i++) d = Math.max(d, Math.abs((pa.probs.data[i] as number) - (pb.probs.data[i] as number)));
  assert.ok(d < 1e-3, `max |Δp| = ${d}`);
  assert.ok(a.standardization && Math.abs((a.standardization.mean[0] as number) - 10) < 5);
  // Without standardization the raw problem trains to a different student.
  const c = await trainStudent(args({ standardize: false, stepsPerLabeledBatch: 20 }, 4, { features: rawM }));
  const pc = await c.predict(rawM);
  let dc = 0;
  for (let i = 0; i < pa.probs.data.length; i++) dc = Math.max(dc, Math.abs((pa.probs.data[i] as number) - (pc.probs.data[i] as number)));
  assert.ok(dc > 1e-2);
});

test('soft targets: q = normalize(max(p, 1e-12)^(1/T)), rows not listed stay 0', () => {
  const t: Matrix = { rows: 3, cols: 3, data: Float32Array.of(0.7, 0.2, 0.1, 1, 0, 0, 0.3, 0.3, 0.4) };
  const q = softTargets(t, [0, 1], 2);
  const r0 = [Math.sqrt(0.7), Math.sqrt(0.2), Math.sqrt(0.1)];
  const s0 = r0[0]! + r0[1]! + r0[2]!;
  for (let c = 0; c < 3; c++) assert.ok(Math.abs((q[c] as number) - r0[c]! / s0) < 1e-6);
  const r1 = [1, 1e-6, 1e-6];
  const s1 = 1 + 2e-6;
  for (let c = 0; c < 3; c++) assert.ok(Math.abs((q[3 + c] as number) - r1[c]! / s1) <= 1e-6 * (r1[c]! / s1), `q[1][${c}] = ${q[3 + c]}`);
  assert.deepEqual(Array.from(q.subarray(6)), [0, 0, 0]);
});

test('bad input throws RangeError with a clear message', async () => {
  await assert.rejects(trainStudent(args({}, 1, { labeledRows: new Uint32Array(0), labels: new Int32Array(0) })), /labeled set is empty/);
  await assert.rejects(trainStudent(args({}, 1, { labels: Int32Array.of(0, 1, 2, 0, 1, 3) })), /labels\[5\] = 3/);
  await assert.rejects(trainStudent(args({}, 1, { labels: Int32Array.of(0, 1) })), RangeError);
  await assert.rejects(trainStudent(args({}, 1, { unlabeledRows: Uint32Array.of(7, 240) })), /out of range/);
  await assert.rejects(trainStudent({ ...args({}), teacherProbs: undefined }), /teacherProbs is required/);
  await assert.rejects(trainStudent(args({}, 1, { teacherProbs: { rows: 240, cols: 4, data: new Float32Array(960) } })), /teacherProbs must be/);
  await assert.rejects(trainStudent(args({}, 1, { features: { rows: 240, cols: 12, data: new Float32Array(5) } })), RangeError);
  await assert.rejects(trainStudent({ ...args({}), config: { ...DEFAULT_DHO, lr: -1 } }), /DhoConfig.lr/);
  await assert.rejects(trainStudent({ ...args({}), numClasses: 1 }), RangeError);
});

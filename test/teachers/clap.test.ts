import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix, type Matrix } from '../../src/linalg/matrix.ts';
import { classMeanPrototypes, clapLossAndGrad, clapPenaltyWeights, clapSteps, DEFAULT_CLAP, fitClap, ClapFewShotTeacher, zeroShotClap, type ClapLogitMode } from '../../src/teachers/clap.ts';
import { Rng } from '../../src/util/rng.ts';
import { lrMultiplier } from '../../src/linalg/schedule.ts';

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what = ''): void {
  assert.equal(actual.length, expected.length, `${what} length`);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs((actual[i] as number) - (expected[i] as number)) <= tol, `${what}[${i}] ${actual[i]} vs ${expected[i]}`);
}

function randArray(rng: Rng, n: number, lo = -1, hi = 1): Float64Array {
  return Float64Array.from({ length: n }, () => rng.uniform(lo, hi));
}

for (const mode of ['cosine', 'linear'] as ClapLogitMode[]) {
  test(`clapLossAndGrad (${mode}): gradient matches central finite differences`, () => {
    const rng = new Rng(11);
    const C = 3;
    const E = 5;
    const B = 7;
    const P = randArray(rng, C * E);
    const anchors = randArray(rng, C * E);
    let x = randArray(rng, B * E);
    if (mode === 'cosine') {
      // cosine mode expects unit rows
      for (let i = 0; i < B; i++) {
        const n = Math.hypot(...x.subarray(i * E, (i + 1) * E));
        for (let d = 0; d < E; d++) x[i * E + d] = x[i * E + d]! / n;
      }
    } else x = x.map((v) => v * 3);
    const y = Int32Array.from([0, 1, 2, 2, 1, 0, 1]);
    const args = { anchors, penalty: [0.3, 0, 0.8], x, y, numClasses: C, dim: E, mode, scale: mode === 'cosine' ? 10 : 1.5, constraintWeight: 1.5, bias: [0.1, -0.2, 0.3] };
    const { grad, loss, ce, constraint } = clapLossAndGrad({ ...args, P });
    assert.ok(Math.abs(loss - ce - constraint) < 1e-12);
    assert.ok(constraint > 0);
    const h = 1e-6;
    const fd = new Float64Array(C * E);
    for (let j = 0; j < C * E; j++) {
      const p1 = P.slice();
      p1[j] = p1[j]! + h;
      const p2 = P.slice();
      p2[j] = p2[j]! - h;
      fd[j] = (clapLossAndGrad({ ...args, P: p1 }).loss - clapLossAndGrad({ ...args, P: p2 }).loss) / (2 * h);
    }
    close(grad, fd, 1e-6, 'grad');
  });
}

test('clapLossAndGrad: hand-computed loss of a tiny case', () => {
  // C = 2, E = 2, one item x = (1, 0), y = 0, P = identity columns → logits s·(1, 0)
  const s = 2;
  const r = clapLossAndGrad({ P: Float64Array.from([2, 0, 0, 3]), anchors: Float64Array.from([1, 0, 0, 1]), penalty: [0.5, 1], x: [1, 0], y: [0], numClasses: 2, dim: 2, mode: 'cosine', scale: s, constraintWeight: 1 });
  close([r.ce], [Math.log(1 + Math.exp(-s))], 1e-12);
  // constraint = (0.5·‖(1,0)‖² + 1·‖(0,2)‖²) / 2 = 2.25
  close([r.constraint], [2.25], 1e-12);
});

test('CLAP schedule: steps, warmup and linear decay (HF get_linear_schedule_with_warmup; first step lr 0)', () => {
  assert.equal(clapSteps(10), Math.floor((300 * 10) / 64)); // 46
  assert.equal(clapSteps(1), 4);
  assert.equal(clapSteps(1, { ...DEFAULT_CLAP, passes: 1 }), 1); // at least 1
  assert.equal(clapSteps(10, { ...DEFAULT_CLAP, stepsRounding: 'ceil' }), 47);
  assert.equal(clapSteps(64), 300);
  close([0, 1, 2, 3, 4, 5, 9, 10].map((k) => lrMultiplier(k, 10, 2)), [0, 0.5, 1, 7 / 8, 6 / 8, 5 / 8, 1 / 8, 0], 1e-12);
  close([lrMultiplier(0, 4, 0), lrMultiplier(3, 4, 0)], [1, 0.25], 1e-12);
});

test('clapPenaltyWeights: mean zero-shot probability of the true class; 0 without labels', () => {
  const p = matrix(3, 3, Float32Array.from([0.5, 0.25, 0.25, 0.1, 0.8, 0.1, 0.3, 0.3, 0.4]));
  close(clapPenaltyWeights(p, [0, 0, 1]), [0.3, 0.3, 0], 1e-7);
});

/** Two exact SGD-with-momentum steps on one labeled item (batch 1, S = 2, no warmup). */
test('fitClap: the training loop applies SGD with momentum and the linear schedule to the hand-derived gradient', () => {
  const E = 3;
  const C = 2;
  const Wraw = matrix(E, C, Float32Array.from([1, 0, 0.5, 1, 0, 0.5])); // columns (1,0.5,0), (0,1,0.5)
  const f = matrix(2, E, Float32Array.from([0.2, 0.9, 0.1, 1, 1, 1]));
  const lr = 0.5;
  const model = fitClap({ features: f, labeledRows: [0], labels: [0], zeroShotRaw: Wraw, config: { passes: 2, batchSize: 1, lr, warmupFrac: 0 }, rng: new Rng(1) });
  assert.equal(model.steps, 2);
  // reference: a_0 = zero-shot prob of class 0 on item 0; P stored class-major
  const zs = zeroShotClap(Wraw).probs(matrix(1, E, f.data.slice(0, E)));
  const a = [zs.data[0]!, 0];
  const n = Math.hypot(0.2, 0.9, 0.1);
  const x = [0.2 / n, 0.9 / n, 0.1 / n];
  const anchors = Float64Array.from([1, 0.5, 0, 0, 1, 0.5]);
  const common = { anchors, penalty: a, x, y: [0], numClasses: C, dim: E, mode: 'cosine' as const, scale: 100, constraintWeight: 1 };
  const P0 = anchors.slice();
  const g0 = clapLossAndGrad({ ...common, P: P0 }).grad;
  const P1 = P0.map((p, j) => p - lr * 1 * g0[j]!);
  const g1 = clapLossAndGrad({ ...common, P: P1 }).grad;
  const v1 = g0.map((g, j) => 0.9 * g + g1[j]!);
  const P2 = P1.map((p, j) => p - lr * 0.5 * v1[j]!);
  const got = Array.from({ length: C * E }, (_, j) => model.prototypes.data[(j % E) * C + Math.floor(j / E)]!);
  close(got, P2, 1e-5, 'P after 2 steps');
  assert.deepEqual(Array.from(model.penaltyWeights), a);
});

/** Synthetic few-shot problem: 3 classes in E = 4 with biased zero-shot prototypes. */
function synthetic(seed: number, n = 60): { f: Matrix; y: Int32Array; Wraw: Matrix } {
  const rng = new Rng(seed);
  const E = 4;
  const centres = [
    [1, 0, 0, 0.2],
    [0, 1, 0, 0.2],
    [0, 0, 1, 0.2],
  ];
  const f = new Float32Array(n * E);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    y[i] = c;
    for (let d = 0; d < E; d++) f[i * E + d] = centres[c]![d]! + rng.uniform(-0.35, 0.35);
  }
  // zero-shot prototypes (raw, unnormalised): class 1's leans into class 2's cluster and class
  // 2's points between the clusters, so class-2 items are zero-shot classified as class 1
  const w = [
    [2, 0, 0, 0],
    [0, 1, 0.8, 0],
    [0.6, 0.6, 0.5, 0],
  ];
  const Wraw = new Float32Array(E * 3);
  for (let c = 0; c < 3; c++) for (let d = 0; d < E; d++) Wraw[d * 3 + c] = w[c]![d]!;
  return { f: matrix(n, E, f), y, Wraw: matrix(E, 3, Wraw) };
}

function acc(p: Matrix, y: Int32Array): number {
  let ok = 0;
  for (let i = 0; i < p.rows; i++) {
    const r = Array.from(p.data.subarray(i * p.cols, (i + 1) * p.cols));
    if (r.indexOf(Math.max(...r)) === y[i]) ok++;
  }
  return ok / p.rows;
}

test('fitClap: few labels fix a biased zero-shot prototype; deterministic per seed; a huge constraint holds confident classes at W_raw', () => {
  const { f, y, Wraw } = synthetic(3);
  const labeledRows = [0, 1, 2, 3, 4, 5];
  const labels = labeledRows.map((r) => y[r]!);
  const zsAcc = acc(zeroShotClap(Wraw).probs(f), y);
  const m = fitClap({ features: f, labeledRows, labels, zeroShotRaw: Wraw, rng: new Rng(5) });
  const fitAcc = acc(m.probs(f), y);
  assert.ok(zsAcc < 0.8, `zero-shot accuracy ${zsAcc} should be hurt by the biased prototype`);
  assert.ok(fitAcc > 0.9, `CLAP accuracy ${fitAcc}`);
  assert.equal(m.steps, clapSteps(6));
  const again = fitClap({ features: f, labeledRows, labels, zeroShotRaw: Wraw, rng: new Rng(5) });
  assert.deepEqual(Array.from(again.prototypes.data), Array.from(m.prototypes.data));
  const stiff = fitClap({ features: f, labeledRows, labels, zeroShotRaw: Wraw, config: { constraintWeight: 1e6, lr: 1e-6 }, rng: new Rng(5) });
  // class-adaptive: well-predicted classes (a_c ≈ 1) are held at W_raw, the class the zero-shot
  // head gets wrong (a_2 ≈ 0) is free to move
  const a = stiff.penaltyWeights;
  assert.ok(a[0]! > 0.5 && a[1]! > 0.5 && a[2]! < 0.1, `penalty weights ${Array.from(a)}`);
  const dev = [0, 1, 2].map((c) => Math.hypot(...Array.from({ length: 4 }, (_, d) => stiff.prototypes.data[d * 3 + c]! - Wraw.data[d * 3 + c]!)));
  assert.ok(dev[0]! < 1e-4 && dev[1]! < 1e-4, `deviations ${dev}`);
  assert.ok(dev[2]! > 10 * Math.max(dev[0]!, dev[1]!), `deviations ${dev}`);
  // rows of probs sum to 1
  const p = m.probs(f);
  for (let i = 0; i < p.rows; i++) close([p.data[i * 3]! + p.data[i * 3 + 1]! + p.data[i * 3 + 2]!], [1], 1e-5);
});

test('fitClap: augmented views are read as rows v·N + i; penalty from clean or augmented features', () => {
  const { f, y, Wraw } = synthetic(4, 30);
  const N = f.rows;
  const E = f.cols;
  const labeledRows = [0, 1, 2, 3, 4, 5];
  const labels = labeledRows.map((r) => y[r]!);
  // clean features of the labeled items are useless (all equal); their views are informative;
  // every other row of the view table is adversarial (features of the wrong class)
  const clean = matrix(N, E, f.data.slice());
  for (const r of labeledRows) clean.data.set([1, 1, 1, 1], r * E);
  const K = 2;
  const views = new Float32Array(K * N * E);
  for (let v = 0; v < K; v++) {
    for (let i = 0; i < N; i++) {
      const src = labeledRows.includes(i) ? i : (i + 1) % N;
      views.set(f.data.subarray(src * E, (src + 1) * E), (v * N + i) * E);
    }
  }
  const aug = matrix(K * N, E, views);
  const m = fitClap({ features: clean, labeledRows, labels, zeroShotRaw: Wraw, augmentedViews: aug, rng: new Rng(2) });
  assert.ok(acc(m.probs(f), y) > 0.9, `accuracy with views ${acc(m.probs(f), y)}`);
  // penalty: clean features are identical rows → a_c equal to the zero-shot prob of c on (1,1,1,1)
  const zs = zeroShotClap(Wraw).probs(matrix(1, E, Float32Array.from([1, 1, 1, 1])));
  close(m.penaltyWeights, [zs.data[0]!, zs.data[1]!, zs.data[2]!], 1e-6, 'clean penalty');
  const ma = fitClap({ features: clean, labeledRows, labels, zeroShotRaw: Wraw, augmentedViews: aug, config: { penaltyFeatures: 'augmented' }, rng: new Rng(2) });
  const zsL = zeroShotClap(Wraw).probs(matrix(6, E, Float32Array.from(labeledRows.flatMap((r) => Array.from(f.data.subarray(r * E, (r + 1) * E))))));
  close(ma.penaltyWeights, clapPenaltyWeights(zsL, labels), 1e-6, 'augmented penalty');
  assert.throws(() => fitClap({ features: clean, labeledRows, labels, zeroShotRaw: Wraw, augmentedViews: matrix(N + 1, E), rng: new Rng(1) }), /augmented views must be/);
});

test('fitClap: argument checks', () => {
  const { f, Wraw } = synthetic(1, 6);
  const rng = new Rng(1);
  assert.throws(() => fitClap({ features: f, labeledRows: [], labels: [], zeroShotRaw: Wraw, rng }), /empty/);
  assert.throws(() => fitClap({ features: f, labeledRows: [0], labels: [3], zeroShotRaw: Wraw, rng }), /label 3 outside/);
  assert.throws(() => fitClap({ features: f, labeledRows: [6], labels: [0], zeroShotRaw: Wraw, rng }), /row 6 outside/);
  assert.throws(() => fitClap({ features: f, labeledRows: [0], labels: [0], zeroShotRaw: matrix(3, 3), rng }), /W_raw has 3 rows/);
  assert.throws(() => fitClap({ features: f, labeledRows: [0], labels: [0], zeroShotRaw: Wraw, config: { momentum: 1 }, rng }), /momentum/);
});

test('ClapFewShotTeacher: zero-shot before the first refit, then refit records with test accuracy', () => {
  const { f, y, Wraw } = synthetic(8, 45);
  const pool = matrix(30, 4, f.data.slice(0, 120));
  const testF = matrix(15, 4, f.data.slice(120));
  const testY = y.slice(30);
  const t = new ClapFewShotTeacher({ baseId: 'toy', poolFeatures: pool, testFeatures: testF, testLabels: testY, zeroShotRaw: Wraw, rng: new Rng(3) });
  assert.equal(t.id, 'clap(toy)');
  close(t.probs().data, zeroShotClap(Wraw).probs(pool).data, 1e-7, 'zero-shot probs');
  const zsTest = acc(t.testProbs()!, testY);
  const r0 = t.refit([0, 1, 2], [y[0]!, y[1]!, y[2]!]);
  const r1 = t.refit([0, 1, 2, 3, 4, 5], [0, 1, 2, 0, 1, 2].map((_, k) => y[k]!));
  assert.deepEqual([r0.fit, r1.fit, r0.labeledCount, r1.labeledCount], [0, 1, 3, 6]);
  assert.ok(r1.testAccuracy! > zsTest, `test accuracy ${r1.testAccuracy} vs zero-shot ${zsTest}`);
  assert.equal(t.fits.length, 2);
  assert.equal(t.probs().rows, 30);
  assert.equal((t.describe().fits as unknown[]).length, 2);
  assert.equal(t.config.clapTiming, 'afterStudent');
  const lin = new ClapFewShotTeacher({ baseId: 'toy', poolFeatures: pool, zeroShotRaw: Wraw, bias: [0, 0, 5], config: { logitMode: 'linear' }, rng: new Rng(3) });
  assert.equal(lin.config.logitScale, 1);
  // the bias enters the linear head: class 2 dominates before any fit
  assert.ok(acc(lin.probs(), Int32Array.from({ length: 30 }, () => 2)) > 0.9);
  assert.equal(lin.testProbs(), null);
});

test('classMeanPrototypes: W_c = labeled class mean, b_c = −½‖μ_c‖²; 0 for a class without labels (issue 15 #16)', () => {
  // E = 2, N = 4; class 0: rows 0, 2 → mean (2, 1); class 1: row 1 → (0, 3); class 2: no labels.
  const f = matrix(4, 2, Float32Array.from([1, 0, 0, 3, 3, 2, 9, 9]));
  const { zeroShotRaw: W, bias } = classMeanPrototypes(f, [0, 1, 2], [0, 1, 0], 3);
  assert.equal(W.rows, 2);
  assert.equal(W.cols, 3);
  assert.deepEqual(Array.from(W.data), [2, 0, 0, 1, 3, 0]); // E×C row-major
  assert.deepEqual(Array.from(bias), [-2.5, -4.5, 0]);
  // the head ranks classes as the nearest class mean: (0, 2.5) is nearer (0, 3) than (2, 1)
  const z = [0, 1].map((c) => 0 * (W.data[c] as number) + 2.5 * (W.data[3 + c] as number) + (bias[c] as number));
  assert.ok((z[1] as number) > (z[0] as number));
  assert.throws(() => classMeanPrototypes(f, [0, 4], [0, 1], 3), RangeError);
  assert.throws(() => classMeanPrototypes(f, [0], [3], 3), RangeError);
});

test('ClapFewShotTeacher, prior class-means: uniform before the first refit, no constraint term, learns from labels alone (issue 15 #16)', () => {
  // 3 well-separated classes in E = 4, labels only (zeroShotRaw = zeros, shape only)
  const rng = new Rng(3);
  const n = 30;
  const f = new Float32Array(n * 4);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    for (let d = 0; d < 4; d++) f[i * 4 + d] = (d === y[i] ? 2 : 0) + rng.uniform(0, 0.8);
  }
  const feats = matrix(n, 4, f);
  const t = new ClapFewShotTeacher({ baseId: 'toy', poolFeatures: feats, testFeatures: feats, testLabels: y, zeroShotRaw: matrix(4, 3, new Float32Array(12)), prior: 'class-means', config: { passes: 20, constraintWeight: 5, logitMode: 'cosine' }, rng: new Rng(1) });
  assert.equal(t.config.constraintWeight, 0);
  assert.equal(t.config.logitMode, 'linear');
  assert.ok(Array.from(t.probs().data).every((p) => Math.abs(p - 1 / 3) < 1e-6), 'uniform before the first refit');
  const rec = t.refit([0, 1, 2], [0, 1, 2]);
  assert.ok((rec.testAccuracy as number) > 0.9, `accuracy ${rec.testAccuracy}`);
  assert.equal(t.describe().prior, 'class-means');
  // the default prior keeps CLAP as it was
  const z = new ClapFewShotTeacher({ baseId: 'toy', poolFeatures: feats, zeroShotRaw: matrix(4, 3, new Float32Array(12)), config: { passes: 20 }, rng: new Rng(1) });
  assert.equal(z.config.constraintWeight, 1);
  assert.equal(z.describe().prior, 'zero-shot');
});

/**
 * Student micro-benchmark at the paper's sizes (D = 1024, H = 512, B = 64 labeled + 64 unlabeled):
 *
 * 1. the DHO train step against its own matrix products: an ONNX graph holding just the step's
 *    Gemms on the same shapes (adapter: X·W1, h·W2, hᵀ·G, G·W2ᵀ, Xᵀ·∂hpre; linear: X·W2, Xᵀ·G),
 *    timed in the same run, interleaved with the steps; the ratio step / products and the goal
 *    "≤ 1.5×" (issue 12), for C = 10 and C = 100. The step is timed with each AdamW path of the
 *    engine: the default (gradient graph + one WebAssembly SIMD pass over the flat θ, m, v), the
 *    `Math.fround` JS loop, and the previous fused graph (14 element-wise ops per block);
 * 2. allocation evidence: ArrayBuffer bytes per step of the trainer's batch gathering (0: it
 *    refills one preallocated batch) and of one engine step;
 * 3. the plain TypeScript twin (ratio TS / ONNX) and the predict throughput on 8,192 rows.
 *
 * Run it with `npx tsx bench/student.ts` or `npm run bench -- student`.
 */
import type * as ortTypes from 'onnxruntime-node';
import { adamwScalars, dhoLayout, type DhoLayout, type DhoShape } from '../src/linalg/dho-layout.ts';
import { GraphBuilder } from '../src/linalg/onnx-graph.ts';
import { createSession, f32Tensor } from '../src/linalg/ort-session.ts';
import { BatchGatherer } from '../src/student/batch.ts';
import { createOnnxEngine, createTsEngine, predictRows, type DhoEngine, type OnnxAdamw } from '../src/student/engine.ts';
import { LabeledSampler, UnlabeledStream } from '../src/student/sampler.ts';
import { Rng } from '../src/util/rng.ts';
import { collectGarbage, median } from './stats.ts';

const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
const D = 1024;
const H = 512;
const BL = 64;
const BU = 64;
const GOAL = 1.5;

function batchFor(shape: DhoShape, Bl: number, Bu: number, rng: Rng): { B: number; X: Float32Array; Y: Float32Array; Q: Float32Array; wce: Float32Array; wkd: Float32Array } {
  const { D: d, C } = shape;
  const B = Bl + Bu;
  const X = Float32Array.from({ length: B * d }, () => rng.uniform(-1, 1));
  const Y = new Float32Array(B * C);
  for (let i = 0; i < Bl; i++) Y[i * C + rng.int(C)] = 1;
  const Q = new Float32Array(B * C).fill(1 / C);
  const wce = new Float32Array(B);
  const wkd = new Float32Array(B);
  for (let i = 0; i < B; i++) {
    wce[i] = i < Bl ? 0.5 / Bl : 0;
    wkd[i] = (0.5 * 4) / (i < Bl ? Bl : Bu);
  }
  return { B, X, Y, Q, wce, wkd };
}


/**
 * A session running only the matrix products of one train step of `L` on B rows, with its feeds
 * and pre-allocated fetches (random operands; the timing does not depend on the values).
 */
async function matmulOnly(L: DhoLayout, B: number, rng: Rng): Promise<() => Promise<unknown>> {
  const K = L.K;
  const Hin = L.headIn;
  const g = new GraphBuilder('dho_matmuls');
  const r = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
  const feeds: Record<string, ortTypes.Tensor> = {};
  const fetches: Record<string, ortTypes.Tensor> = {};
  const input = (name: string, dims: number[]): string => {
    g.input(name, 'float32', dims);
    feeds[name] = f32Tensor(r(dims.reduce((a, b) => a * b, 1)), dims);
    return name;
  };
  const output = (name: string, dims: number[]): void => {
    g.output(name, 'float32', dims);
    fetches[name] = f32Tensor(new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
  };
  const X = input('X', [B, L.shape.D]);
  const W2 = input('W2', [Hin, K]);
  const b2 = input('b2', [K]);
  const G = input('G', [B, K]);
  if (L.W1) {
    const W1 = input('W1', [L.shape.D, Hin]);
    const b1 = input('b1', [Hin]);
    const U = input('U', [B, Hin]);
    const dHpre = input('dHpre', [B, Hin]);
    g.op('Gemm', [X, W1, b1], {}, 'hpre');
    g.op('Gemm', [U, W2, b2], {}, 'logits');
    g.op('Gemm', [U, G], { transA: 1 }, 'gW2');
    g.op('Gemm', [G, W2], { transB: 1 }, 'dh');
    g.op('Gemm', [X, dHpre], { transA: 1 }, 'gW1');
    output('hpre', [B, Hin]);
    output('logits', [B, K]);
    output('gW2', [Hin, K]);
    output('dh', [B, Hin]);
    output('gW1', [L.shape.D, Hin]);
  } else {
    g.op('Gemm', [X, W2, b2], {}, 'logits');
    g.op('Gemm', [X, G], { transA: 1 }, 'gW2');
    output('logits', [B, K]);
    output('gW2', [Hin, K]);
  }
  const session = await createSession(g.build());
  return () => session.run(feeds, fetches);
}

interface Row {
  matmul: number;
  step: number;
  js: number;
  fused: number;
}

/**
 * Medians (ms) of the products-only run and of one step with each AdamW path, interleaved in
 * `rounds` rounds of `per` calls each (so machine load affects all alike).
 */
async function timeShape(shape: DhoShape, rounds: number, per: number, rng: Rng): Promise<Row> {
  const L = dhoLayout(shape);
  const theta = Float32Array.from({ length: L.total }, () => rng.uniform(-0.03, 0.03));
  const batch = batchFor(shape, BL, BU, rng);
  const mm = await matmulOnly(L, batch.B, rng);
  const engines: Array<[keyof Row, DhoEngine]> = [];
  for (const [k, a] of [['step', 'auto'], ['js', 'js'], ['fused', 'graph']] as Array<[keyof Row, OnnxAdamw]>) engines.push([k, await createOnnxEngine(L, theta, undefined, a)]);
  const t: Record<keyof Row, number[]> = { matmul: [], step: [], js: [], fused: [] };
  const steps = new Map<DhoEngine, number>();
  const run = async (e: DhoEngine): Promise<void> => {
    const k = (steps.get(e) ?? 0) + 1;
    steps.set(e, k);
    await e.step(batch, adamwScalars(k, 1e-3, ADAM, 2));
  };
  for (let w = 0; w < 3; w++) {
    await mm();
    for (const [, e] of engines) await run(e);
  }
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < per; i++) {
      const t0 = performance.now();
      await mm();
      t.matmul.push(performance.now() - t0);
    }
    for (const [k, e] of engines) {
      for (let i = 0; i < per; i++) {
        const t0 = performance.now();
        await run(e);
        t[k].push(performance.now() - t0);
      }
    }
  }
  return { matmul: median(t.matmul), step: median(t.step), js: median(t.js), fused: median(t.fused) };
}


/**
 * Median over 5 repetitions of the ArrayBuffer bytes that `calls` calls of `fn` leave behind,
 * per call, measured from a collected heap (so 0 means: no buffer allocated).
 */
async function arrayBytesPerCall(fn: () => unknown, calls = 3): Promise<number> {
  const r: number[] = [];
  for (let rep = 0; rep < 5; rep++) {
    collectGarbage();
    const a0 = process.memoryUsage().arrayBuffers;
    for (let k = 0; k < calls; k++) await fn();
    r.push(Math.max(0, process.memoryUsage().arrayBuffers - a0) / calls);
  }
  return median(r);
}

/**
 * ArrayBuffer bytes per step: of the trainer's batch gathering (expected 0), and of one step of
 * the default and the fused engine (onnxruntime-node returns every output as a fresh copy, even a
 * pre-allocated one: the gradient, resp. θ, m, v).
 */
async function allocationsPerStep(rng: Rng): Promise<{ gather: number; step: number; fused: number; reused: boolean }> {
  const N = 512;
  const C = 10;
  const features = { rows: N, cols: D, data: Float32Array.from({ length: N * D }, () => rng.uniform(-1, 1)) };
  const labeledRows = Uint32Array.from({ length: 100 }, (_, i) => i);
  const unlabeledRows = Uint32Array.from({ length: N - 100 }, (_, i) => 100 + i);
  const g = new BatchGatherer({
    features,
    labeledRows,
    labels: Int32Array.from(labeledRows, (r) => r % C),
    unlabeledRows,
    numClasses: C,
    labeled: new LabeledSampler(labeledRows.length, BL, rng),
    batchLabeled: BL,
    unlabeled: new UnlabeledStream(unlabeledRows.length, rng),
    batchUnlabeled: BU,
    softTargets: new Float32Array(N * C).fill(1 / C),
    ceWeight: 0.5,
    temperature: 2,
  });
  const first = g.next();
  let reused = true;
  const gather = await arrayBytesPerCall(() => {
    const b = g.next();
    reused &&= b === first && b.X === first.X && b.Q === first.Q;
  });
  const shape: DhoShape = { head: 'adapter', distill: true, D, H, C };
  const L = dhoLayout(shape);
  const theta = Float32Array.from({ length: L.total }, () => rng.uniform(-0.03, 0.03));
  const perStep = async (adamw: OnnxAdamw): Promise<number> => {
    const e = await createOnnxEngine(L, theta, undefined, adamw);
    let k = 0;
    await e.step(first, adamwScalars(++k, 1e-3, ADAM, 2));
    return arrayBytesPerCall(() => e.step(first, adamwScalars(++k, 1e-3, ADAM, 2)));
  };
  return { gather, step: await perStep('auto'), fused: await perStep('graph'), reused };
}

/**
 * Runs the benchmark and returns the measurements (ms are medians):
 * `<head>.C<C>.matmulMs`, `.stepMs` (default engine), `.jsMs`, `.fusedMs` (previous fused graph),
 * `.ratio` (step / products) for head ∈ {adapter, linear}, C ∈ {10, 100}; `<head>.onnx.msPerStep`,
 * `<head>.ts.msPerStep`, `<head>.ratio` (TS / ONNX) at C = 10; `alloc.gatherBytesPerStep`,
 * `alloc.stepBytesPerStep`, `alloc.fusedBytesPerStep`;
 * `predict.rowsPerSec` (adapter, ONNX).
 */
export async function benchStudent(opts: { rounds?: number; per?: number; tsSteps?: number } = {}): Promise<Record<string, number>> {
  const rounds = opts.rounds ?? 6;
  const per = opts.per ?? 10;
  const tsSteps = opts.tsSteps ?? 3;
  const rng = new Rng(1);
  const out: Record<string, number> = {};
  console.log(`## DHO student train step vs its matrix products alone (D=${D}, H=${H}, B=${BL}+${BU}), median ms, same run`);
  console.log('head     C    products  step  step/products (goal ≤ 1.5×)   step with: fround JS AdamW  fused graph (before)');
  for (const head of ['adapter', 'linear'] as const) {
    for (const C of [10, 100]) {
      const shape: DhoShape = { head, distill: true, D, H: head === 'adapter' ? H : 0, C };
      const r = await timeShape(shape, rounds, per, rng);
      const ratio = r.step / r.matmul;
      const key = `${head}.C${C}`;
      Object.assign(out, { [`${key}.matmulMs`]: r.matmul, [`${key}.stepMs`]: r.step, [`${key}.jsMs`]: r.js, [`${key}.fusedMs`]: r.fused, [`${key}.ratio`]: ratio });
      const verdict = head === 'adapter' ? (ratio <= GOAL ? 'met' : 'MISSED') : '(goal: adapter)';
      console.log(
        `${head.padEnd(8)} ${String(C).padEnd(4)} ${r.matmul.toFixed(2).padStart(8)}  ${r.step.toFixed(2).padStart(5)}  ${ratio.toFixed(2).padStart(5)}× ${verdict.padEnd(16)}  ${r.js.toFixed(2).padStart(24)}  ${r.fused.toFixed(2).padStart(10)} (${(r.fused / r.matmul).toFixed(2)}×)`,
      );
    }
  }
  const a = await allocationsPerStep(rng);
  Object.assign(out, { 'alloc.gatherBytesPerStep': a.gather, 'alloc.stepBytesPerStep': a.step, 'alloc.fusedBytesPerStep': a.fused });
  const kib = (b: number): string => `${(b / 1024).toFixed(0)} KiB`;
  console.log(`ArrayBuffer bytes allocated per step (adapter, C=10): batch gathering ${a.gather} (one batch object and its buffers reused every step: ${a.reused ? 'yes' : 'NO'})`);
  console.log(`  step ${kib(a.step)}, fused graph before ${kib(a.fused)}: onnxruntime-node returns every output as a fresh copy, even a pre-allocated one`);

  console.log(`\n## TypeScript twin vs ONNX (C=10), median ms/step`);
  for (const head of ['adapter', 'linear'] as const) {
    const shape: DhoShape = { head, distill: true, D, H: head === 'adapter' ? H : 0, C: 10 };
    const L = dhoLayout(shape);
    const theta = Float32Array.from({ length: L.total }, () => rng.uniform(-0.03, 0.03));
    const batch = batchFor(shape, BL, BU, rng);
    const ts = createTsEngine(L, theta);
    const t: number[] = [];
    const n = head === 'adapter' ? tsSteps : tsSteps * 10;
    for (let k = 0; k <= n; k++) {
      const t0 = performance.now();
      await ts.step(batch, adamwScalars(k + 1, 1e-3, ADAM, 2));
      if (k > 0) t.push(performance.now() - t0);
    }
    const o = out[`${head}.C10.stepMs`] as number;
    const tm = median(t);
    out[`${head}.onnx.msPerStep`] = o;
    out[`${head}.ts.msPerStep`] = tm;
    out[`${head}.ratio`] = tm / o;
    console.log(`${head.padEnd(8)} onnx ${o.toFixed(2)} ms   ts ${tm.toFixed(2)} ms   ts/onnx ${(tm / o).toFixed(1)}×`);
  }
  {
    const C = 10;
    const n = 8192;
    const r = (k: number): Float32Array => Float32Array.from({ length: k }, () => rng.uniform(-0.03, 0.03));
    const p = { D, H, C, W1: r(D * H), b1: r(H), W2: r(H * 2 * C), b2: r(2 * C) };
    const X = r(n * D);
    await predictRows(p, X, n, 0.5, 1, { engine: 'onnx', chunk: 8192 });
    const t0 = performance.now();
    await predictRows(p, X, n, 0.5, 1, { engine: 'onnx', chunk: 8192 });
    const rps = n / ((performance.now() - t0) / 1000);
    out['predict.rowsPerSec'] = rps;
    console.log(`predict (adapter, onnx): ${Math.round(rps)} rows/s\n`);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchStudent();

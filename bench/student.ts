/**
 * Student micro-benchmark: milliseconds per DHO train step of the fused ONNX graph vs the plain
 * TypeScript twin at the paper's sizes (D = 1024, H = 512, C = 10, B = 64 labeled + 64 unlabeled),
 * for the adapter and the linear head, and the predict throughput on 8,192 rows. The ratio
 * TS / ONNX is printed; run it with `npx tsx bench/student.ts` or from the bench runner.
 */
import { adamwScalars, dhoLayout, type DhoShape } from '../src/linalg/dho-layout.ts';
import { createOnnxEngine, createTsEngine, predictRows, type DhoEngine } from '../src/student/engine.ts';
import { Rng } from '../src/util/rng.ts';

const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

function batchFor(shape: DhoShape, Bl: number, Bu: number, rng: Rng): { B: number; X: Float32Array; Y: Float32Array; Q: Float32Array; wce: Float32Array; wkd: Float32Array } {
  const { D, C } = shape;
  const B = Bl + Bu;
  const X = Float32Array.from({ length: B * D }, () => rng.uniform(-1, 1));
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

/** Median and minimum ms per step over `steps` steps after `warm` warm-up steps. */
async function timeSteps(engine: DhoEngine, batch: ReturnType<typeof batchFor>, steps: number, warm: number): Promise<{ median: number; min: number }> {
  for (let k = 0; k < warm; k++) await engine.step(batch, adamwScalars(k + 1, 1e-3, ADAM, 2));
  const t: number[] = [];
  for (let k = 0; k < steps; k++) {
    const t0 = performance.now();
    await engine.step(batch, adamwScalars(warm + k + 1, 1e-3, ADAM, 2));
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { median: t[t.length >> 1] as number, min: t[0] as number };
}

/**
 * Runs the benchmark and returns the measurements: `<head>.onnx.msPerStep` (median),
 * `<head>.onnx.minMsPerStep`, `<head>.ts.msPerStep` (median), `<head>.ratio` (TS / ONNX medians)
 * for head ∈ {adapter, linear}, and `predict.rowsPerSec` (adapter, ONNX).
 */
export async function benchStudent(opts: { onnxSteps?: number; tsSteps?: number } = {}): Promise<Record<string, number>> {
  const onnxSteps = opts.onnxSteps ?? 60;
  const tsSteps = opts.tsSteps ?? 3;
  const rng = new Rng(1);
  const out: Record<string, number> = {};
  console.log('## DHO student train step (D=1024, H=512, C=10, B=64+64), median ms/step');
  for (const head of ['adapter', 'linear'] as const) {
    const shape: DhoShape = { head, distill: true, D: 1024, H: head === 'adapter' ? 512 : 0, C: 10 };
    const L = dhoLayout(shape);
    const theta = Float32Array.from({ length: L.total }, () => rng.uniform(-0.03, 0.03));
    const batch = batchFor(shape, 64, 64, rng);
    const onnx = await createOnnxEngine(L, theta);
    const ts = createTsEngine(L, theta);
    const o = await timeSteps(onnx, batch, onnxSteps, 5);
    const t = await timeSteps(ts, batch, head === 'adapter' ? tsSteps : tsSteps * 10, 1);
    out[`${head}.onnx.msPerStep`] = o.median;
    out[`${head}.onnx.minMsPerStep`] = o.min;
    out[`${head}.ts.msPerStep`] = t.median;
    out[`${head}.ratio`] = t.median / o.median;
    console.log(`${head.padEnd(8)} onnx ${o.median.toFixed(2)} ms (min ${o.min.toFixed(2)})   ts ${t.median.toFixed(2)} ms   ts/onnx ${(t.median / o.median).toFixed(1)}×`);
  }
  {
    const D = 1024;
    const H = 512;
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

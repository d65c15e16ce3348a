/**
 * Selection micro-benchmarks (`npm run bench -- selection`; add `--large` or ACTIVEKD_BENCH_LARGE=1 for
 * the N = 100,000 case):
 *  1. PCoreSet k-center at N = 50,000, C = 100, Q = 100 (M = C labeled centres), on diffuse and on
 *     peaked (student-like) probabilities: the JS running-minimum kernel (exact triangle-inequality
 *     pruning), the same kernel over worker threads, and the onnxruntime graph twin; time and memory;
 *     and (diffuse data) the ratio against the naive SPEC §9.4 loop (recompute distances to every centre and pick each
 *     iteration) in the same run, on a reduced pool where the naive loop is feasible (printed as such).
 *  2. PCoreSet at N = 100,000, C = 1,000, Q = 1,000 (M = 1,000): opt-in (minutes on 2 cores); without
 *     the flag the cost is extrapolated from section 1's measured throughput and printed.
 *  3. BADGE at N = 20,000, C = 100, D = 1,024, Q = 100: the factorised kernels (JS, threads, graph) and
 *     badge-kmeanspp, with memory deltas against the 8 GB an explicit N×C·D embedding would take, and the
 *     naive reference loop on a reduced pool.
 * Memory: Δ of `process.memoryUsage()` (rss, arrayBuffers) around each call and of the lifetime peak
 * `process.resourceUsage().maxRSS` (a Δ of 0 means the call stayed below an earlier peak).
 * Inputs are seeded, so runs are comparable; timings depend on the machine's load.
 */
import { availableParallelism } from 'node:os';
import type { Matrix } from '../src/linalg/matrix.ts';
import { badgeGreedy } from '../src/strategies/badge-kernel.ts';
import { badgeKMeansPP } from '../src/strategies/badge-kmeanspp.ts';
import { softmaxRows } from '../src/linalg/softmax.ts';
import { kCenterGreedy, type KCenterArgs, type KCenterResult } from '../src/strategies/kcenter.ts';
import { badgeGreedyGraph, kCenterGreedyGraph, preferGraph, releaseKCenterGraphs } from '../src/strategies/kcenter-graph.ts';
import { badgeGreedyNaive, kCenterGreedyNaive } from '../src/strategies/kcenter-reference.ts';
import { badgeGreedyThreaded, kCenterGreedyThreaded } from '../src/strategies/kcenter-threads.ts';
import { Rng } from '../src/util/rng.ts';

/**
 * N×C probability rows: softmax of U(0, 3) noise (diffuse, `peak = 0`: the worst case for the pruned JS
 * update) or with `peak` added to one random class (peaked, like a trained student's outputs).
 */
function simplex(rng: Rng, n: number, C: number, peak = 0): Matrix {
  const d = new Float32Array(n * C);
  for (let i = 0; i < n; i++) {
    const k = rng.int(C);
    let s = 0;
    for (let c = 0; c < C; c++) s += d[i * C + c] = Math.exp((c === k ? peak : 0) + rng.uniform(0, 3));
    for (let c = 0; c < C; c++) d[i * C + c] = (d[i * C + c] as number) / s;
  }
  return { rows: n, cols: C, data: d };
}

function uniformMatrix(rng: Rng, rows: number, cols: number, lo: number, hi: number): Matrix {
  const data = new Float32Array(rows * cols);
  for (let k = 0; k < data.length; k++) data[k] = rng.uniform(lo, hi);
  return { rows, cols, data };
}

async function time<T>(f: () => T | Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await f();
  return [r, performance.now() - t0];
}

/** Runs `f` and reports its time and memory deltas (see module docs). */
async function measured<T>(f: () => T | Promise<T>): Promise<[T, number, string]> {
  globalThis.gc?.();
  const before = process.memoryUsage();
  const peakBefore = process.resourceUsage().maxRSS * 1024;
  const [r, t] = await time(f);
  const after = process.memoryUsage();
  const peakAfter = process.resourceUsage().maxRSS * 1024;
  return [r, t, `rss Δ ${mb(after.rss - before.rss)}, peak rss Δ ${mb(Math.max(0, peakAfter - peakBefore))} (peak ${mb(peakAfter)}), arrayBuffers Δ ${mb(after.arrayBuffers - before.arrayBuffers)}`];
}

const ms = (t: number): string => (t >= 1000 ? `${(t / 1000).toFixed(2)} s` : `${t.toFixed(1)} ms`);
const mb = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MB`;

function sameRows(a: Uint32Array, b: Uint32Array): string {
  let k = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) k++;
  return `${k}/${a.length} picks equal`;
}

function identical(a: KCenterResult, b: KCenterResult): string {
  const same = a.rows.length === b.rows.length && a.rows.every((v, i) => v === b.rows[i]) && a.minDist.every((v, i) => Object.is(v, b.minDist[i]));
  return same ? 'identical picks and scores' : `DIFFERENT (${sameRows(a.rows, b.rows)})`;
}

/** Restricts a k-center problem to its first `n` pool rows. */
function firstRows(args: KCenterArgs, n: number): KCenterArgs {
  const C = args.points.cols;
  return { ...args, points: { rows: n, cols: C, data: args.points.data.subarray(0, n * C) } };
}

/** Prints the selection micro-benchmarks (see module docs). */
export async function benchSelection(): Promise<void> {
  const threads = Math.max(2, availableParallelism());
  const large = process.argv.includes('--large') || process.env.ACTIVEKD_BENCH_LARGE === '1';
  /** Measured JS cost per distance-coordinate (ns), diffuse data, section 1 — used for extrapolation. */
  let nsPerCoord = NaN;

  console.log(`== selection: PCoreSet k-center (L2, farthest-first, M = C labeled centres; worker threads: ${threads}) ==`);
  for (const [N, C, Q, naiveN] of [[50_000, 100, 100, 1_000]] as const) {
    for (const [kind, peak] of [
      ['diffuse', 0],
      ['peaked', 5],
    ] as const) {
      const rng = new Rng(N + C + peak);
      const args: KCenterArgs = { points: simplex(rng, N, C, peak), centers: simplex(rng, C, C, peak), q: Q, distance: 'l2', mode: 'farthest' };
      kCenterGreedy({ ...args, q: 2 }); // JIT warm-up
      await kCenterGreedyGraph({ ...args, q: 2 }); // session creation + warm-up
      const [js, tJs, memJs] = await measured(() => kCenterGreedy(args));
      const [thr, tThr] = await time(() => kCenterGreedyThreaded(args, threads));
      const [graph, tGraph] = await time(() => kCenterGreedyGraph(args));
      console.log(`N=${N} C=${C} Q=${Q} ${kind}:`);
      console.log(`  JS kernel ${ms(tJs)} (${memJs}; inputs ${mb(args.points.data.byteLength)})`);
      console.log(`  JS kernel on ${threads} worker threads ${ms(tThr)} (${(tJs / tThr).toFixed(2)}× the 1-thread speed; ${identical(js, thr)})`);
      console.log(`  onnxruntime graph ${ms(tGraph)} (${(tJs / tGraph).toFixed(2)}× the JS speed; ${sameRows(js.rows, graph.rows)}; auto → ${preferGraph('l2', N, C, Q + C) ? 'graph' : 'JS'})`);
      if (peak !== 0) continue;
      nsPerCoord = (tJs * 1e6) / (N * C * (C + Q));
      const small = firstRows(args, naiveN);
      const [fastSmall, tFastSmall] = await time(() => kCenterGreedy(small));
      const [naiveSmall, tNaive] = await time(() => kCenterGreedyNaive(small));
      console.log(`  vs naive SPEC §9.4 loop (recomputes distances to every centre each pick) on a REDUCED pool N=${naiveN} (naive is O(Q²·N·C)): ${ms(tFastSmall)} vs ${ms(tNaive)} → running minimum ${(tNaive / tFastSmall).toFixed(1)}× faster (${sameRows(fastSmall.rows, naiveSmall.rows)})`);
    }
  }

  console.log('\n== selection: PCoreSet at N=100,000, C=1,000, Q=1,000 (M=1,000 centres) ==');
  {
    const [N, C, Q] = [100_000, 1_000, 1_000];
    const estimate = (nsPerCoord * N * C * (C + Q)) / 1e9;
    console.log(`  inputs ${mb(N * C * 4)} (+ ${mb(N * C * 4)} shared copy with threads); running minimum O(N) = ${mb(N * 12)}; an N×N distance matrix would be ${mb(N * N * 4)}`);
    console.log(`  estimated JS time (diffuse, no pruning, from section 1's ${nsPerCoord.toFixed(2)} ns per coordinate): ~${estimate.toFixed(0)} s on 1 thread, ~${(estimate / threads).toFixed(0)} s on ${threads} threads`);
    if (!large) {
      console.log('  skipped (takes minutes): pass --large or set ACTIVEKD_BENCH_LARGE=1 to run it');
    } else {
      const rng = new Rng(42);
      const args: KCenterArgs = { points: simplex(rng, N, C, 5), centers: simplex(rng, C, C, 5), q: Q, distance: 'l2', mode: 'farthest' };
      const [thr, tThr, memThr] = await measured(() => kCenterGreedyThreaded(args, threads));
      console.log(`  peaked, JS kernel on ${threads} worker threads: ${ms(tThr)}, ${thr.rows.length} picks (${memThr})`);
      const [graph, tGraph, memGraph] = await measured(() => kCenterGreedyGraph(args));
      console.log(`  peaked, onnxruntime graph: ${ms(tGraph)} (${memGraph}; ${sameRows(thr.rows, graph.rows)})`);
    }
  }

  console.log('\n== selection: BADGE (factorised, N=20,000, C=100, D=1024, Q=100) ==');
  {
    const N = 20_000;
    const C = 100;
    const D = 1024;
    const Q = 100;
    const naiveN = 1_000;
    const rng = new Rng(7);
    const probs = simplex(rng, N, C, 5);
    const features = uniformMatrix(rng, N, D, -1, 1);
    const ce = uniformMatrix(rng, N, C, -3, 3);
    const kd: Matrix = { rows: N, cols: C, data: softmaxRows(ce).data.map((v) => Math.log(v + 1e-6)) };
    console.log(`  inputs: probs ${mb(probs.data.byteLength)}, features ${mb(features.data.byteLength)}; an explicit N×C·D float32 embedding would be ${mb(N * C * D * 4)} (badge-kmeanspp's two-head one ${mb(2 * N * C * D * 4)})`);
    const args = { probs, features, q: Q };
    const [js, tJs, memJs] = await measured(() => badgeGreedy(args));
    console.log(`  JS: ${ms(tJs)}, ${js.rows.length} picks; ${memJs}`);
    const [thr, tThr, memThr] = await measured(() => badgeGreedyThreaded(args, threads));
    console.log(`  JS on ${threads} worker threads: ${ms(tThr)} (${(tJs / tThr).toFixed(2)}×; ${identical(js, thr)}); ${memThr}`);
    const [graph, tGraph, memGraph] = await measured(() => badgeGreedyGraph(args));
    console.log(`  graph: ${ms(tGraph)} (${sameRows(js.rows, graph.rows)}); ${memGraph}`);
    const [kpp, tKpp, memKpp] = await measured(() => badgeKMeansPP({ probs, ce, kd, features, q: Q, rng: new Rng(1) }));
    console.log(`  badge-kmeanspp (two heads, D² sampling): ${ms(tKpp)}, ${kpp.rows.length} picks; ${memKpp}`);
    const small = { probs: { rows: naiveN, cols: C, data: probs.data.subarray(0, naiveN * C) }, features: { rows: naiveN, cols: D, data: features.data.subarray(0, naiveN * D) }, q: Q };
    const [fastSmall, tFastSmall] = await time(() => badgeGreedy(small));
    const [naiveSmall, tNaive] = await time(() => badgeGreedyNaive(small));
    console.log(`  vs naive loop (recomputes distances to every pick each iteration) on a REDUCED pool N=${naiveN}: ${ms(tFastSmall)} vs ${ms(tNaive)} → running minimum ${(tNaive / tFastSmall).toFixed(1)}× faster (${sameRows(fastSmall.rows, naiveSmall.rows)})`);
  }
  await releaseKCenterGraphs();
}

/**
 * Selection micro-benchmarks (`npm run bench -- selection`):
 *  1. PCoreSet k-center at N = 50,000 (C = 10, Q = 10 and C = 100, Q = 100; M = C labeled centres),
 *     on diffuse and on peaked (student-like) probabilities: the JS running-minimum kernel (with its
 *     exact triangle-inequality pruning) and its onnxruntime graph twin, and the speed-up of the running
 *     minimum over the naive SPEC §9.4 loop, measured on a smaller pool where the naive loop is feasible.
 *  2. BADGE at N = 20,000, C = 100, D = 1024, Q = 100: time and memory (rss / peak rss / arrayBuffers
 *     deltas) of the factorised kernels, against the 8 GB an explicit N×C·D embedding would take.
 * Inputs are seeded, so runs are comparable; timings depend on the machine's load.
 */
import type { Matrix } from '../src/linalg/matrix.ts';
import { badgeGreedy } from '../src/strategies/badge-kernel.ts';
import { kCenterGreedy, type KCenterArgs } from '../src/strategies/kcenter.ts';
import { badgeGreedyGraph, kCenterGreedyGraph, preferGraph, releaseKCenterGraphs } from '../src/strategies/kcenter-graph.ts';
import { kCenterGreedyNaive } from '../src/strategies/kcenter-reference.ts';
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

async function time<T>(f: () => T | Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await f();
  return [r, performance.now() - t0];
}

const ms = (t: number): string => (t >= 1000 ? `${(t / 1000).toFixed(2)} s` : `${t.toFixed(1)} ms`);
const mb = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MB`;

function sameRows(a: Uint32Array, b: Uint32Array): string {
  let k = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) k++;
  return `${k}/${a.length} picks equal`;
}

/** Prints the selection micro-benchmarks (see module docs). */
export async function benchSelection(): Promise<void> {
  console.log('== selection: PCoreSet k-center (L2, farthest-first, M = C labeled centres) ==');
  for (const [N, C, Q, naiveN] of [
    [50_000, 10, 10, 5_000],
    [50_000, 100, 100, 2_000],
  ] as const) {
    for (const [kind, peak] of [
      ['diffuse', 0],
      ['peaked', 5],
    ] as const) {
      const rng = new Rng(N + C + peak);
      const args: KCenterArgs = { points: simplex(rng, N, C, peak), centers: simplex(rng, C, C, peak), q: Q, distance: 'l2', mode: 'farthest' };
      kCenterGreedy({ ...args, q: 2 }); // JIT warm-up
      await kCenterGreedyGraph({ ...args, q: 2 }); // session creation + warm-up
      const [js, tJs] = await time(() => kCenterGreedy(args));
      const [graph, tGraph] = await time(() => kCenterGreedyGraph(args));
      console.log(
        `N=${N} C=${C} Q=${Q} ${kind}: JS kernel ${ms(tJs)}, onnxruntime graph ${ms(tGraph)} (graph ${(tJs / tGraph).toFixed(2)}× the JS speed; ${sameRows(js.rows, graph.rows)}; auto → ${preferGraph('l2', N, C, Q + C) ? 'graph' : 'JS'})`,
      );
      if (peak === 0) {
        const small: KCenterArgs = { ...args, points: { rows: naiveN, cols: C, data: args.points.data.subarray(0, naiveN * C) } };
        const [fastSmall, tFastSmall] = await time(() => kCenterGreedy(small));
        const [naiveSmall, tNaive] = await time(() => kCenterGreedyNaive(small));
        console.log(`  running minimum vs naive SPEC loop at N=${naiveN}: ${ms(tFastSmall)} vs ${ms(tNaive)} → ${(tNaive / tFastSmall).toFixed(1)}× faster (${sameRows(fastSmall.rows, naiveSmall.rows)})`);
      }
    }
  }

  console.log('\n== selection: BADGE (factorised, N=20,000, C=100, D=1024, Q=100) ==');
  {
    const N = 20_000;
    const C = 100;
    const D = 1024;
    const Q = 100;
    const rng = new Rng(7);
    const probs = simplex(rng, N, C, 5);
    const features: Matrix = { rows: N, cols: D, data: Float32Array.from({ length: N * D }, () => rng.uniform(-1, 1)) };
    console.log(`  inputs: probs ${mb(probs.data.byteLength)}, features ${mb(features.data.byteLength)}; an explicit N×C·D float32 embedding would be ${mb(N * C * D * 4)}`);
    for (const kind of ['JS', 'graph'] as const) {
      globalThis.gc?.();
      const before = process.memoryUsage();
      const peakBefore = process.resourceUsage().maxRSS * 1024;
      const [r, t] = await time(() => (kind === 'JS' ? badgeGreedy({ probs, features, q: Q }) : badgeGreedyGraph({ probs, features, q: Q })));
      const after = process.memoryUsage();
      const peakAfter = process.resourceUsage().maxRSS * 1024;
      console.log(
        `  ${kind}: ${ms(t)}, ${r.rows.length} picks; rss Δ ${mb(after.rss - before.rss)}, peak rss Δ ${mb(Math.max(0, peakAfter - peakBefore))}, arrayBuffers Δ ${mb(after.arrayBuffers - before.arrayBuffers)}`,
      );
    }
  }
  await releaseKCenterGraphs();
}

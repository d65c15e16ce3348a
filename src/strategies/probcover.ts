/**
 * `probcover` — ProbCover (Yehuda, Dekel, Hacohen & Weinshall, NeurIPS 2022), a low-budget strategy:
 * greedy maximum coverage of δ-balls in the student's L2-normalised feature space (ANCHORS.md name).
 *
 * ```
 * X ← L2-normalise([pool features; labeled features])                  (N + M nodes)
 * B(i) = { j : ‖x_i − x_j‖ < δ }  (includes i itself), capped at the maxDegree closest (ties → lower j)
 * covered ← ∪_{l ∈ labeled} B(l)
 * repeat Q times:
 *     k ← argmax over unpicked pool rows of |B(k) \ covered|   (ties → lowest row)
 *     if that maximum is 0: k ← uniform over unpicked pool rows (ctx.rng)   (reference behaviour)
 *     covered ← covered ∪ B(k)
 * ```
 *
 * δ: the `delta` option (a fixed radius in (0, 2], Euclidean on unit vectors), else the **purity rule**
 * of the paper: pseudo-labels = k-means (k = numClasses, seeded from ctx.rng) on X; a ball B(i) is pure
 * when all its members share i's pseudo-label, i.e. when δ ≤ r_i = distance from i to the nearest node
 * of another pseudo-label. The largest δ whose purity (fraction of pure balls) is ≥ α (`purity`,
 * default 0.95) is the ⌊(1−α)·s⌋-th smallest r_i — computed exactly, no grid — over s =
 * min(N + M, `purityRows`) nodes sampled with ctx.rng (default 2,000; each r_i is exact over all nodes).
 * δ is capped at 2 (the diameter of the unit sphere). The purity rule needs numClasses ≥ 2: with a
 * single pseudo-label every r_i is ∞, δ would be 2 and every ball the whole sphere (all scores 0, random
 * picks), so without a class count (e.g. features alone) `select` refuses unless `delta` is given.
 *
 * Kernel (`kernel`, default `'graph'`): the balls, the labeled balls and the purity radii come from
 * `neighborLists` (linalg/neighbors.ts): blocks of rows × all nodes in GEMM form
 * ‖x‖² − 2·x·y + ‖y‖², used only to skip pairs provably at distance ≥ δ (or ≥ the current radius /
 * cap distance), every other pair re-checked with the direct `l2Distance` — so the balls are exactly
 * the direct kernel's (`'direct'`: one `l2Distance` scan per row, kept as the test oracle and benchmark
 * baseline), and picks and scores are identical. Memory O(edges) = O((N + M)·maxDegree) at most (the
 * pool balls, their reverse lists) plus one block; no N×N matrix. Time O(N·(N + M)·D) for the graph
 * plus O(purityRows·(N + M)·D) for δ, O(Q·N + Σ updates) for the greedy.
 */
import { l2Distance, l2NormalizeRows } from '../linalg/distance.ts';
import { kMeans } from '../linalg/kmeans.ts';
import { type Matrix, stackRows } from '../linalg/matrix.ts';
import { neighborLists } from '../linalg/neighbors.ts';
import type { Rng } from '../util/rng.ts';
import { defineStrategy } from './common.ts';
import type { Strategy } from './types.ts';

/** Options of `probcover`. */
export interface ProbCoverOptions {
  /** Fixed ball radius δ in (0, 2] (L2 on unit vectors); default: the purity rule. */
  readonly delta?: number;
  /** Purity threshold α of the purity rule (default 0.95). */
  readonly purity?: number;
  /** Nodes sampled for the purity rule (default 2,000). */
  readonly purityRows?: number;
  /** Maximum neighbours kept per ball (default 1,000). */
  readonly maxDegree?: number;
  /**
   * Distance kernel: `'graph'` (default; blocked GEMM-form filter + direct re-checks) or `'direct'`
   * (one direct scan per row). Same picks and scores (module docs); not part of `config`.
   */
  readonly kernel?: 'graph' | 'direct';
}

/**
 * The purity-rule radius (module docs) for unit-norm rows `x` and pseudo-labels `labels`: r_i (distance
 * to the nearest node of another label) over `sampleRows` nodes drawn with `rng.permutation`.
 * @param x (N + M)×D row-major Float32Array, unit rows.
 * @param labels pseudo-label of every row.
 * @param kernel `'graph'` (blocked, `neighborLists` with k = 1) or `'direct'` (one scan per node); same δ.
 * @returns δ in [0, 2].
 */
export function purityDelta(x: Matrix, labels: Int32Array, alpha: number, sampleRows: number, rng: Rng, kernel: 'graph' | 'direct' = 'graph'): number {
  const total = x.rows;
  const D = x.cols;
  const perm = rng.permutation(total);
  const s = Math.min(total, sampleRows);
  const r = new Float64Array(s);
  if (kernel === 'graph') {
    const nn = neighborLists(x, { rows: perm.subarray(0, s), k: 1, otherGroup: labels });
    for (let a = 0; a < s; a++) r[a] = (nn.offset[a + 1] as number) > (nn.offset[a] as number) ? (nn.dist[nn.offset[a] as number] as number) : Infinity;
  } else {
    for (let a = 0; a < s; a++) {
      const i = perm[a] as number;
      const li = labels[i] as number;
      let best = Infinity;
      for (let j = 0; j < total; j++) {
        if (labels[j] === li) continue;
        const d = l2Distance(x.data, i * D, x.data, j * D, D);
        if (d < best) best = d;
      }
      r[a] = best;
    }
  }
  r.sort();
  const idx = Math.min(s - 1, Math.floor((1 - alpha) * s));
  return Math.min(2, r[idx] as number);
}

/** Compressed neighbour lists: `index[offset[i] .. offset[i+1])` are the members of B(i). */
export interface BallGraph {
  readonly offset: Uint32Array;
  readonly index: Int32Array;
}

/**
 * Balls B(i) = {j : ‖x_i − x_j‖ < δ} of the first `rows` nodes over all nodes of `x`, each capped at
 * the `maxDegree` closest (ties → lower j), members in ascending order: `neighborLists` (blocked, module
 * docs). O(edges + one block) memory.
 * @param x (N + M)×D row-major Float32Array.
 */
export function ballGraph(x: Matrix, rows: number, delta: number, maxDegree: number): BallGraph {
  const g = neighborLists(x, { rows: Uint32Array.from({ length: rows }, (_, i) => i), k: maxDegree, radius: delta, order: 'index', withDistances: false });
  return { offset: g.offset, index: g.index };
}

/**
 * {@link ballGraph} by the direct kernel (one `l2Distance` scan per row; the test oracle and benchmark
 * baseline). O(rows·(N + M)·D) time, O(edges) memory.
 */
export function ballGraphDirect(x: Matrix, rows: number, delta: number, maxDegree: number): BallGraph {
  const total = x.rows;
  const offset = new Uint32Array(rows + 1);
  let index = new Int32Array(Math.max(16, Math.min(rows * 8, rows * maxDegree)));
  let len = 0;
  for (let i = 0; i < rows; i++) {
    const keep = cappedBall(x, i, total, delta, maxDegree);
    if (len + keep.length > index.length) {
      const grown = new Int32Array(Math.max(index.length * 2, len + keep.length));
      grown.set(index.subarray(0, len));
      index = grown;
    }
    for (const j of keep) index[len++] = j;
    offset[i + 1] = len;
  }
  return { offset, index: index.slice(0, len) };
}

/**
 * The δ-ball of row `i` over rows 0..total−1 (L2 distance < δ), capped at the `maxDegree` nearest
 * (ties → lower index); returned in ascending row order. Shared by the pool graph and the labeled balls.
 */
function cappedBall(x: Matrix, i: number, total: number, delta: number, maxDegree: number): number[] {
  const D = x.cols;
  const candJ: number[] = [];
  const candD: number[] = [];
  for (let j = 0; j < total; j++) {
    const d = l2Distance(x.data, i * D, x.data, j * D, D);
    if (d < delta) {
      candJ.push(j);
      candD.push(d);
    }
  }
  if (candJ.length <= maxDegree) return candJ;
  const order = candJ.map((_, k) => k).sort((a, b) => (candD[a] as number) - (candD[b] as number) || (candJ[a] as number) - (candJ[b] as number));
  return order
    .slice(0, maxDegree)
    .map((k) => candJ[k] as number)
    .sort((a, b) => a - b);
}

/**
 * Creates `probcover` (module docs). Reads `ctx.pool.features` (N×D) and `ctx.labeled.features` (M×D);
 * the purity rule's k-means and sample, and the random fallback, draw from `ctx.rng`. Scores = newly
 * covered nodes of each pick. `select` throws RangeError on a bad q / shapes, or when δ is not fixed
 * and `ctx.numClasses` < 2 (the purity rule's k-means would have one cluster), EmptyPoolError on an
 * empty pool with q > 0.
 */
export function createProbCover(options: ProbCoverOptions = {}): Strategy {
  const fixed = options.delta;
  const alpha = options.purity ?? 0.95;
  const purityRows = options.purityRows ?? 2000;
  const maxDegree = options.maxDegree ?? 1000;
  const kernel = options.kernel ?? 'graph';
  if (fixed !== undefined && !(fixed > 0 && fixed <= 2)) throw new RangeError(`probcover: delta must be in (0, 2], got ${fixed}`);
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`probcover: purity must be in (0, 1], got ${alpha}`);
  return defineStrategy({
    name: 'probcover',
    needs: ['features'],
    config: { space: 'features (L2-normalised)', delta: fixed ?? 'purity rule', purity: alpha, purityRows, maxDegree },
    run: (ctx, q, n) => {
      if (fixed === undefined && ctx.numClasses < 2) {
        throw new RangeError(
          `probcover: the purity rule sets the ball radius δ from a k-means of the features into numClasses pseudo-classes, but the number of classes is ${ctx.numClasses}; with fewer than 2 every ball would be the whole sphere and the picks random. Give the number of classes, or a fixed radius (option delta in (0, 2]).`,
        );
      }
      const m = ctx.labeled.features.rows;
      const x = l2NormalizeRows(stackRows(ctx.pool.features, ctx.labeled.features));
      const total = n + m;
      let delta = fixed;
      if (delta === undefined) {
        const km = kMeans(x, ctx.numClasses, ctx.rng);
        delta = purityDelta(x, km.labels, alpha, purityRows, ctx.rng, kernel);
      }
      const covered = new Uint8Array(total);
      // Coverage of the labeled balls.
      if (kernel === 'direct') {
        for (let l = n; l < total; l++) {
          const keep = cappedBall(x, l, total, delta, maxDegree);
          for (const j of keep) covered[j] = 1;
        }
      } else if (m > 0) {
        const lb = neighborLists(x, { rows: Uint32Array.from({ length: m }, (_, a) => n + a), k: maxDegree, radius: delta, withDistances: false });
        for (const j of lb.index) covered[j] = 1;
      }
      const g = (kernel === 'direct' ? ballGraphDirect : ballGraph)(x, n, delta, maxDegree);
      // Reverse lists: rev(j) = pool rows i with j ∈ B(i).
      const revOff = new Uint32Array(total + 1);
      for (const j of g.index) revOff[j + 1] = (revOff[j + 1] as number) + 1;
      for (let j = 0; j < total; j++) revOff[j + 1] = (revOff[j + 1] as number) + (revOff[j] as number);
      const revIdx = new Int32Array(g.index.length);
      const fill = revOff.slice(0, total);
      for (let i = 0; i < n; i++) {
        for (let e = g.offset[i] as number; e < (g.offset[i + 1] as number); e++) {
          const j = g.index[e] as number;
          revIdx[fill[j] as number] = i;
          fill[j] = (fill[j] as number) + 1;
        }
      }
      const degree = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        let c = 0;
        for (let e = g.offset[i] as number; e < (g.offset[i + 1] as number); e++) if (covered[g.index[e] as number] === 0) c++;
        degree[i] = c;
      }
      const picked = new Uint8Array(n);
      const rows = new Uint32Array(q);
      const scores = new Float32Array(q);
      for (let t = 0; t < q; t++) {
        let k = -1;
        for (let i = 0; i < n; i++) if (picked[i] === 0 && (k < 0 || (degree[i] as number) > (degree[k] as number))) k = i;
        if ((degree[k] as number) === 0) {
          let r = ctx.rng.int(n - t);
          for (let i = 0; i < n; i++) {
            if (picked[i] === 1) continue;
            if (r-- === 0) {
              k = i;
              break;
            }
          }
        }
        rows[t] = k;
        scores[t] = degree[k] as number;
        picked[k] = 1;
        for (let e = g.offset[k] as number; e < (g.offset[k + 1] as number); e++) {
          const j = g.index[e] as number;
          if (covered[j] === 1) continue;
          covered[j] = 1;
          for (let r = revOff[j] as number; r < (revOff[j + 1] as number); r++) {
            const i = revIdx[r] as number;
            degree[i] = (degree[i] as number) - 1;
          }
        }
      }
      return { rows, scores };
    },
  });
}

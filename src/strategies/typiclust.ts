/**
 * `typiclust` — TypiClust (Hacohen, Dekel & Weinshall, ICML 2022, "Active learning on a budget"), a
 * low-budget / cold-start strategy on the student's L2-normalised features (ANCHORS.md: expected name):
 *
 * ```
 * X      ← L2-normalise([pool features; labeled features])              (N + M rows)
 * k      ← min(M + Q, maxClusters, N + M)                                (reference: MAX_NUM_CLUSTERS = 500)
 * labels ← k-means(X, k) seeded from ctx.rng (k-means++ init, ≤ maxIterations Lloyd steps)
 * order  ← clusters with size > minClusterSize sorted by (#labeled members ↑, size ↓, id ↑)
 * repeat Q times: take the next cluster of `order` (cyclically) that still has unpicked pool rows;
 *     among its unpicked pool rows, pick the most typical one:
 *     typicality(x) = 1 / (mean Euclidean distance to its K nearest neighbours + 1e-5),
 *     K = min(20, ⌊s/2⌋) (≥ 1) over the s unpicked pool rows of the cluster (s = 1 → typicality 0)
 * ```
 *
 * Choices (documented divergences from the reference code): k is capped by `maxClusters` (default 500,
 * as the reference) and by the number of rows; when no cluster is larger than `minClusterSize`
 * (default 5; tiny pools) all clusters are used; when every cluster of `order` is exhausted the
 * remaining clusters are visited in the same order; the reference's MiniBatchKMeans for k > 50 is
 * replaced by exact Lloyd k-means. Ties → lowest pool row.
 *
 * Typicality kernel (`kernel`, default `'graph'`): the first visit of a cluster builds the exact k-NN
 * graph of its unpicked pool rows (`knnGraph`, linalg/neighbors.ts: blocked GEMM-form filter plus direct
 * `l2Distance` re-checks, no s×s matrix) with k' = min(s − 1, 2K) neighbours per row; a pick removes one
 * row, and the K nearest unpicked neighbours of every row are the first K unpicked entries of its list as
 * long as k' − (rows removed since the build) ≥ K (else the graph is rebuilt on the current rows).
 * The distances are the `l2Distance` values and are summed nearest first, so typicality — and every
 * pick and score — is bit-identical to the direct kernel (`'direct'`: {@link typicality} recomputed on
 * every visit, O(s²·D) per pick; kept as the test oracle and benchmark baseline).
 * Cost: O(maxIterations·(N + M)·k·D) for k-means plus O(Σ_visited-clusters s²·D) for the graphs (once
 * per cluster) and O(s·k') per pick; memory O((N + M)·D + N·K), no N×N matrix.
 */
import { l2Distance, l2NormalizeRows } from '../linalg/distance.ts';
import { kMeans } from '../linalg/kmeans.ts';
import { type Matrix, stackRows, takeRows } from '../linalg/matrix.ts';
import { knnGraph } from '../linalg/neighbors.ts';
import { defineStrategy } from './common.ts';
import type { Strategy } from './types.ts';

/** Options of `typiclust`. */
export interface TypiClustOptions {
  /** Upper bound on the number of k-means clusters (default 500, as the reference). */
  readonly maxClusters?: number;
  /** Lloyd iterations (default 20). */
  readonly maxIterations?: number;
  /** Clusters of at most this size are visited only after the others (default 5). */
  readonly minClusterSize?: number;
  /** Nearest neighbours of the typicality (default 20). */
  readonly neighbors?: number;
  /**
   * Typicality kernel: `'graph'` (default; per-cluster k-NN graph) or `'direct'` (the O(s²·D) scan per
   * pick). Same picks and scores (module docs); not part of `config`.
   */
  readonly kernel?: 'graph' | 'direct';
}

/**
 * Typicality 1/(mean distance to the K nearest other rows + 1e-5) of each of the given rows of `x`
 * among themselves, K = max(1, min(kMax, ⌊s/2⌋)); 0 for a single row — the direct kernel (module
 * docs). O(s²·D) time, O(s·K) memory.
 * @param x row-major Float32Array matrix.
 * @param rows the s row indices of `x`.
 * @returns a Float64Array of length s (entry a: typicality of rows[a]).
 */
export function typicality(x: Matrix, rows: ArrayLike<number>, kMax: number): Float64Array {
  const s = rows.length;
  const out = new Float64Array(s);
  if (s <= 1) return out;
  const K = typicalityK(s, kMax);
  const D = x.cols;
  const best = new Float64Array(K);
  for (let a = 0; a < s; a++) {
    best.fill(Infinity);
    const ao = (rows[a] as number) * D;
    for (let b = 0; b < s; b++) {
      if (b === a) continue;
      const d = l2Distance(x.data, ao, x.data, (rows[b] as number) * D, D);
      if (d >= (best[K - 1] as number)) continue;
      let p = K - 1;
      while (p > 0 && (best[p - 1] as number) > d) {
        best[p] = best[p - 1] as number;
        p--;
      }
      best[p] = d;
    }
    let sum = 0;
    for (let j = 0; j < K; j++) sum += best[j] as number;
    out[a] = 1 / (sum / K + 1e-5);
  }
  return out;
}

/** Neighbours K of the typicality of a cluster of s rows: min(kMax, ⌊s/2⌋), at least 1. */
function typicalityK(s: number, kMax: number): number {
  return Math.max(1, Math.min(kMax, Math.floor(s / 2)));
}

/** The k-NN graph of one cluster's pool rows (`rows`, ascending) at build time. */
interface ClusterGraph {
  readonly rows: readonly number[];
  readonly k: number;
  readonly index: Int32Array;
  readonly dist: Float64Array;
}

/** Builds the k-NN graph of `rows` (ascending row indices of `x`) with k' = min(s − 1, 2K). */
function buildClusterGraph(x: Matrix, rows: readonly number[], K: number): ClusterGraph {
  const k = Math.min(rows.length - 1, 2 * K);
  const g = knnGraph(takeRows(x, rows), k);
  return { rows: [...rows], k, index: g.index, dist: g.dist };
}

/**
 * Typicality of the unpicked rows of a cluster graph (same order as `g.rows` without the picked ones),
 * with K nearest unpicked neighbours: the first K unpicked entries of each list, summed nearest first
 * (the direct kernel's order, so the values are bit-identical to {@link typicality}).
 */
function graphTypicality(g: ClusterGraph, picked: Uint8Array, K: number, out: Float64Array): void {
  let a = 0;
  for (let p = 0; p < g.rows.length; p++) {
    if (picked[g.rows[p] as number] === 1) continue;
    let sum = 0;
    let taken = 0;
    for (let e = p * g.k; taken < K; e++) {
      if (picked[g.rows[g.index[e] as number] as number] === 1) continue;
      sum += g.dist[e] as number;
      taken++;
    }
    out[a++] = 1 / (sum / K + 1e-5);
  }
}

/**
 * Creates `typiclust` (module docs). Reads `ctx.pool.features` (N×D) and `ctx.labeled.features` (M×D);
 * k-means seeded from `ctx.rng`. Scores = typicality of each pick. `select` throws RangeError on a bad
 * q / shapes, EmptyPoolError on an empty pool with q > 0.
 */
export function createTypiClust(options: TypiClustOptions = {}): Strategy {
  const maxClusters = options.maxClusters ?? 500;
  const maxIterations = options.maxIterations ?? 20;
  const minClusterSize = options.minClusterSize ?? 5;
  const neighbors = options.neighbors ?? 20;
  const direct = options.kernel === 'direct';
  return defineStrategy({
    name: 'typiclust',
    needs: ['features'],
    config: { space: 'features (L2-normalised)', maxClusters, maxIterations, minClusterSize, neighbors },
    run: (ctx, q, n) => {
      const m = ctx.labeled.features.rows;
      const x = l2NormalizeRows(stackRows(ctx.pool.features, ctx.labeled.features));
      const k = Math.min(m + q, maxClusters, n + m);
      const km = kMeans(x, k, ctx.rng, { maxIterations });
      const K = km.sizes.length;
      const labeledCount = new Int32Array(K);
      for (let i = n; i < n + m; i++) {
        const c = km.labels[i] as number;
        labeledCount[c] = (labeledCount[c] as number) + 1;
      }
      const members: number[][] = Array.from({ length: K }, () => []);
      for (let i = 0; i < n; i++) (members[km.labels[i] as number] as number[]).push(i);
      const byRank = (a: number, b: number): number => (labeledCount[a] as number) - (labeledCount[b] as number) || (km.sizes[b] as number) - (km.sizes[a] as number) || a - b;
      const ids = Array.from({ length: K }, (_, j) => j);
      const big = ids.filter((j) => (km.sizes[j] as number) > minClusterSize).sort(byRank);
      const rest = ids.filter((j) => (km.sizes[j] as number) <= minClusterSize).sort(byRank);
      const rows = new Uint32Array(q);
      const scores = new Float32Array(q);
      let order = big.length > 0 ? big : rest;
      let usingRest = big.length === 0;
      let ptr = 0;
      const graphs = new Map<number, ClusterGraph>();
      const picked = new Uint8Array(n);
      const clusterTypicality = (cluster: number, mem: readonly number[]): Float64Array => {
        const s = mem.length;
        const out = new Float64Array(s);
        if (s <= 1) return out;
        const kNear = typicalityK(s, neighbors);
        let g = graphs.get(cluster);
        // Rows picked since the build: g.rows.length − s (each pick leaves `mem`).
        if (g === undefined || (g.k < g.rows.length - 1 && g.k - (g.rows.length - s) < kNear)) {
          g = buildClusterGraph(x, mem, kNear);
          graphs.set(cluster, g);
        }
        graphTypicality(g, picked, kNear, out);
        return out;
      };
      for (let t = 0; t < q; t++) {
        // Next cluster of `order` with unpicked pool rows (cyclic); switch to the rest when all are empty.
        let cluster = -1;
        for (;;) {
          for (let tries = 0; tries < order.length; tries++) {
            const c = order[(ptr + tries) % order.length] as number;
            if ((members[c] as number[]).length > 0) {
              cluster = c;
              ptr = (ptr + tries + 1) % order.length;
              break;
            }
          }
          if (cluster >= 0 || usingRest) break;
          order = rest;
          usingRest = true;
          ptr = 0;
        }
        if (cluster < 0) throw new Error('typiclust: internal error, no cluster with unpicked rows');
        const mem = members[cluster] as number[];
        const typ = direct ? typicality(x, mem, neighbors) : clusterTypicality(cluster, mem);
        let bi = 0;
        for (let a = 1; a < mem.length; a++) if ((typ[a] as number) > (typ[bi] as number)) bi = a;
        rows[t] = mem[bi] as number;
        scores[t] = typ[bi] as number;
        picked[mem[bi] as number] = 1;
        mem.splice(bi, 1);
      }
      return { rows, scores };
    },
  });
}

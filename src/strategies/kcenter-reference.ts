/**
 * Plain reference implementations of the greedy traversals, written as the SPEC.md §9.4 / §9.6
 * pseudo-code reads: at every iteration, recompute for every remaining row the minimum over ALL current
 * centres (initial ∪ picked). O(Q·N·(M+Q)·dim) time — a test oracle and a benchmark baseline, not for
 * production sizes. Uses the very same pairwise distance functions as the fast kernels, so on equal
 * inputs both return bit-identical picks and scores.
 */
import type { Matrix } from '../linalg/matrix.ts';
import { type BadgeArgs, badgeDistance, badgeFactors, badgeFirstPick } from './badge-kernel.ts';
import { checkKCenterArgs, distanceFn, type KCenterArgs, type KCenterResult } from './kcenter.ts';

/**
 * Naive greedy k-center (SPEC §9.4 pseudo-code verbatim; §9.5 with `mode: 'nearest'`).
 * Same contract and results as `kCenterGreedy` (kcenter.ts).
 * @throws RangeError on invalid arguments.
 */
export function kCenterGreedyNaive(args: KCenterArgs): KCenterResult {
  const { n, dim, m, q } = checkKCenterArgs(args);
  const dist = distanceFn(args.distance);
  const p = args.points.data;
  const centres: Array<[Float32Array, number]> = [];
  const c = args.centers;
  if (c !== undefined) for (let j = 0; j < m; j++) centres.push([c.data, j * dim]);
  const remaining: number[] = [];
  for (let i = 0; i < n; i++) remaining.push(i);
  const rows = new Uint32Array(q);
  const scores = new Float32Array(q);
  const farthest = args.mode === 'farthest';
  for (let t = 0; t < q; t++) {
    let best = -1;
    let bv = 0;
    for (const i of remaining) {
      let mi = Infinity;
      for (const [data, off] of centres) {
        const d = dist(p, i * dim, data, off, dim);
        if (d < mi) mi = d;
      }
      if (best < 0 || (farthest ? mi > bv : mi < bv)) {
        best = i;
        bv = mi;
      }
    }
    if (centres.length === 0) {
      best = args.first ?? 0;
      bv = Infinity;
    }
    rows[t] = best;
    scores[t] = bv;
    centres.push([p, best * dim]);
    remaining.splice(remaining.indexOf(best), 1);
  }
  return { rows, minDist: scores };
}

/**
 * Naive BADGE traversal (SPEC §9.6 pseudo-code: each iteration recomputes min over all picked rows),
 * using the factorised distance of badge-kernel.ts. Same contract and results as `badgeGreedy`.
 */
export function badgeGreedyNaive(args: BadgeArgs): KCenterResult {
  if (!Number.isSafeInteger(args.q) || args.q < 0) throw new RangeError(`badge: q must be a non-negative integer, got ${args.q}`);
  const f = badgeFactors(args.probs, args.features);
  const n = args.probs.rows;
  const q = Math.min(args.q, n);
  const rows = new Uint32Array(q);
  const scores = new Float32Array(q);
  if (q === 0) return { rows, minDist: scores };
  const picked: number[] = [badgeFirstPick(f, args.firstPick ?? 'argmaxRawNorm')];
  rows[0] = picked[0] as number;
  scores[0] = Infinity;
  for (let t = 1; t < q; t++) {
    let best = -1;
    let bv = 0;
    for (let i = 0; i < n; i++) {
      if (picked.includes(i)) continue;
      let mi = Infinity;
      for (const s of picked) {
        const d = badgeDistance(f, args.features, i, s);
        if (d < mi) mi = d;
      }
      if (best < 0 || mi > bv) {
        best = i;
        bv = mi;
      }
    }
    picked.push(best);
    rows[t] = best;
    scores[t] = bv;
  }
  return { rows, minDist: scores };
}

/**
 * The explicit C·D BADGE gradient embedding of one row, `vec((onehot(argmax p_i) − p_i) ⊗ z_i)`
 * (SPEC §9.6), unnormalised, class-major (element c·D + d = diff_c · z_d). Tests only: it is exactly
 * the C·D materialisation the kernel avoids.
 */
export function explicitBadgeEmbedding(probs: Matrix, features: Matrix, i: number): Float64Array {
  const C = probs.cols;
  const D = features.cols;
  let a = 0;
  let bv = -Infinity;
  for (let c = 0; c < C; c++) {
    const v = probs.data[i * C + c] as number;
    if (v > bv) {
      bv = v;
      a = c;
    }
  }
  const g = new Float64Array(C * D);
  for (let c = 0; c < C; c++) {
    const diff = (c === a ? 1 : 0) - (probs.data[i * C + c] as number);
    for (let d = 0; d < D; d++) g[c * D + d] = diff * (features.data[i * D + d] as number);
  }
  return g;
}

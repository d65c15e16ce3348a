/**
 * BADGE as coded in PCoreSet (SPEC.md §9.6, `PC:strategies.py:L154-289`), without ever materialising
 * the C·D gradient embeddings (ANCHORS.md #1).
 *
 * Embedding of pool row i: `g_i = vec(diff_i ⊗ z_i)`, `diff_i = onehot(argmax p_i) − p_i` (C-vector),
 * `z_i` the D-dim features. Since ⟨a⊗b, c⊗d⟩ = ⟨a,c⟩·⟨b,d⟩ and ‖a⊗b‖ = ‖a‖·‖b‖:
 * ```
 * cos(g_i, g_j) = ⟨diff_i,diff_j⟩·⟨z_i,z_j⟩ · s_i · s_j,   s_i = 1 / (‖diff_i‖·‖z_i‖)
 * ```
 * so a greedy farthest-first pass on cosine distance costs O(Q·N·(C+D)) time and O(N·C) memory.
 *
 * Zero-norm rows (diff = 0 when p_i is exactly one-hot, or z_i = 0): `s_i := 0`, so their cosine
 * similarity with every row is 0 and their cosine distance is exactly 1. This is what torch's
 * `F.normalize` (which divides by max(‖g‖, 1e-12)) gives in the reference code: a zero embedding
 * stays zero.
 */
import { dotRows } from '../linalg/distance.ts';
import { assertFinite, type Matrix } from '../linalg/matrix.ts';
import { greedyTraversal, type KCenterResult, type RunningMinUpdate } from './kcenter.ts';

/**
 * How BADGE chooses its first pick (SPEC §9.6 / §12 O9):
 * - `'argmaxRawNorm'` (default, the intended rule): argmax of the unnormalised ‖g_i‖ = ‖diff_i‖·‖z_i‖;
 * - `'argmaxNormalizedNorm'`: argmax of ‖g_i/‖g_i‖‖, i.e. in exact arithmetic the first row whose
 *   embedding is non-zero (the code's literal rule, ≈ arbitrary under float32 rounding);
 * - `'index0'`: row 0.
 * Ties → lowest index.
 */
export type BadgeFirstPick = 'argmaxRawNorm' | 'argmaxNormalizedNorm' | 'index0';

/** Arguments of {@link badgeGreedy}. */
export interface BadgeArgs {
  /** N×C probabilities (row-major Float32Array) the embedding is built from (SPEC: combined probs). */
  readonly probs: Matrix;
  /** N×D features z (row-major Float32Array), same row order. */
  readonly features: Matrix;
  /** Number of picks; the result has min(q, N) rows. */
  readonly q: number;
  /** First-pick rule (default `'argmaxRawNorm'`). */
  readonly firstPick?: BadgeFirstPick;
}

/** The O(N·C) factors of the BADGE embeddings (see module docs). */
export interface BadgeFactors {
  /** N×C `onehot(argmax p_i) − p_i`, float64, row-major. */
  readonly diff: Float64Array;
  /** C (columns of `diff`). */
  readonly numClasses: number;
  /** ‖g_i‖ = ‖diff_i‖·‖z_i‖ (unnormalised embedding norm). */
  readonly rawNorm: Float64Array;
  /** s_i = 1/(‖diff_i‖·‖z_i‖), or 0 for a zero embedding. */
  readonly scale: Float64Array;
}

/**
 * Computes the BADGE factors of every row. O(N·(C+D)) time, O(N·C) memory.
 * @param probs N×C probabilities; @param features N×D features.
 * @throws RangeError when the row counts differ or inputs are not finite.
 */
export function badgeFactors(probs: Matrix, features: Matrix): BadgeFactors {
  if (probs.rows !== features.rows) throw new RangeError(`badge: probs has ${probs.rows} rows, features ${features.rows}`);
  if (probs.data.length !== probs.rows * probs.cols || features.data.length !== features.rows * features.cols) {
    throw new RangeError('badge: matrix data length does not match rows×cols');
  }
  assertFinite('badge probs', probs);
  assertFinite('badge features', features);
  const n = probs.rows;
  const C = probs.cols;
  const D = features.cols;
  const diff = new Float64Array(n * C);
  const rawNorm = new Float64Array(n);
  const scale = new Float64Array(n);
  const p = probs.data;
  for (let i = 0, o = 0; i < n; i++, o += C) {
    let a = 0;
    let bv = -Infinity;
    for (let c = 0; c < C; c++) {
      const v = p[o + c] as number;
      if (v > bv) {
        bv = v;
        a = c;
      }
    }
    let s = 0;
    for (let c = 0; c < C; c++) {
      const d = (c === a ? 1 : 0) - (p[o + c] as number);
      diff[o + c] = d;
      s += d * d;
    }
    const zn = Math.sqrt(dotRows(features.data, i * D, features.data, i * D, D));
    const r = Math.sqrt(s) * zn;
    rawNorm[i] = r;
    scale[i] = r > 0 ? 1 / r : 0;
  }
  return { diff, numClasses: C, rawNorm, scale };
}

/**
 * Unnormalised ⟨g_i, g_j⟩ = ⟨diff_i,diff_j⟩·⟨z_i,z_j⟩ without building g (SPEC §9.6 "efficient exact
 * implementation"). @param features the N×D features the factors were built with.
 */
export function badgeEmbeddingDot(f: BadgeFactors, features: Matrix, i: number, j: number): number {
  const C = f.numClasses;
  const D = features.cols;
  return dotRows(f.diff, i * C, f.diff, j * C, C) * dotRows(features.data, i * D, features.data, j * D, D);
}

/**
 * Cosine distance `1 − ⟨g_i,g_j⟩/(‖g_i‖‖g_j‖)` between two BADGE embeddings; exactly 1 when either
 * embedding is zero. Shared verbatim by the fast kernel and the naive reference.
 */
export function badgeDistance(f: BadgeFactors, features: Matrix, i: number, j: number): number {
  const si = f.scale[i] as number;
  const sj = f.scale[j] as number;
  if (si === 0 || sj === 0) return 1;
  const C = f.numClasses;
  const D = features.cols;
  return 1 - dotRows(f.diff, i * C, f.diff, j * C, C) * dotRows(features.data, i * D, features.data, j * D, D) * (si * sj);
}

/** The first BADGE pick under `rule` (see {@link BadgeFirstPick}); 0 for an empty pool. */
export function badgeFirstPick(f: BadgeFactors, rule: BadgeFirstPick): number {
  const n = f.scale.length;
  if (rule === 'index0' || n === 0) return 0;
  if (rule === 'argmaxNormalizedNorm') {
    for (let i = 0; i < n; i++) if ((f.scale[i] as number) > 0) return i;
    return 0;
  }
  let best = 0;
  let bv = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = f.rawNorm[i] as number;
    if (v > bv) {
      bv = v;
      best = i;
    }
  }
  return best;
}

/** Fused BADGE running-minimum update + arg-max scan (farthest-first). */
function badgeUpdate(f: BadgeFactors, features: Matrix): RunningMinUpdate {
  const C = f.numClasses;
  const D = features.cols;
  const diff = f.diff;
  const z = features.data;
  const scale = f.scale;
  return (k, minDist) => {
    const n = minDist.length;
    const sk = scale[k] as number;
    const kc = k * C;
    const kd = k * D;
    let best = -1;
    let bv = 0;
    for (let i = 0; i < n; i++) {
      let mi = minDist[i] as number;
      if (mi !== mi) continue;
      const si = scale[i] as number;
      const d = si === 0 || sk === 0 ? 1 : 1 - dotRows(diff, i * C, diff, kc, C) * dotRows(z, i * D, z, kd, D) * (si * sk);
      if (d < mi) {
        mi = d;
        minDist[i] = d;
      }
      if (best < 0 || mi > bv) {
        bv = mi;
        best = i;
      }
    }
    return best;
  };
}

/**
 * BADGE as coded (SPEC §9.6): deterministic farthest-first traversal on the cosine distance of the
 * L2-normalised gradient embeddings, no labeled centres, first pick per `firstPick`.
 * Never materialises an N×C·D (or even a 1×C·D) embedding.
 *
 * @returns min(q, N) distinct rows in pick order and the running minimum cosine distance at pick time
 *   (+∞ for the first pick).
 * @throws RangeError on a bad q, mismatched rows or non-finite inputs.
 */
export function badgeGreedy(args: BadgeArgs): KCenterResult {
  if (!Number.isSafeInteger(args.q) || args.q < 0) throw new RangeError(`badge: q must be a non-negative integer, got ${args.q}`);
  const f = badgeFactors(args.probs, args.features);
  const minDist = new Float64Array(args.probs.rows).fill(Infinity);
  return greedyTraversal({
    q: args.q,
    mode: 'farthest',
    minDist,
    hasCenters: false,
    first: badgeFirstPick(f, args.firstPick ?? 'argmaxRawNorm'),
    update: badgeUpdate(f, args.features),
  });
}

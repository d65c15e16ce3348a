/**
 * `badge-kmeanspp` — BADGE as described in the BADGE paper (Ash et al. 2020) and in the PCoreSet paper's
 * App. B (SPEC.md §9.6 / §12 D2 "optional paper variant"): k-means++ seeding (D² sampling) on the
 * concatenated gradient embeddings of BOTH heads
 *
 * ```
 * ŷ_i  = argmax p_i                                   (combined probabilities, ties → lowest class)
 * g_i  = [ (onehot(ŷ_i) − softmax(ce_i)) ⊗ z_i ,  (onehot(ŷ_i) − softmax(kd_i)) ⊗ z_i ]   (2·C·D dims)
 * first pick = argmax_i ‖g_i‖ (ties → lowest row; BADGE code `init_centers`)
 * repeat: sample i with probability D²_i / Σ D², D²_i = min over picks s of ‖g_i − g_s‖²
 * ```
 *
 * The 2·C·D embeddings are never materialised (ANCHORS.md #1): with δ_i = [dce_i, dkd_i] (2C values),
 * ⟨g_i, g_j⟩ = (⟨dce_i,dce_j⟩ + ⟨dkd_i,dkd_j⟩)·⟨z_i,z_j⟩ = ⟨δ_i,δ_j⟩·⟨z_i,z_j⟩, and
 * ‖g_i − g_j‖² = ‖g_i‖² + ‖g_j‖² − 2⟨g_i,g_j⟩ (clamped at 0). Memory O(N·(C + D)), time O(Q·N·(C + D)).
 *
 * Differences from the BADGE reference code, all documented choices: picked rows are never re-drawn
 * (the reference re-draws until a new index appears — same distribution over new rows), the labeled set
 * is not used (as in BADGE), and when every remaining D² is 0 (all left rows duplicate a pick) the next
 * pick is uniform over the unpicked rows.
 */
import { dotRows } from '../linalg/distance.ts';
import { sampleD2 } from '../linalg/kmeans.ts';
import { assertFinite, type Matrix } from '../linalg/matrix.ts';
import { softmaxRows } from '../linalg/softmax.ts';
import type { Rng } from '../util/rng.ts';
import { defineStrategy } from './common.ts';
import type { Strategy } from './types.ts';

/** Factorised two-head BADGE embeddings: δ_i = [dce_i, dkd_i] (N×2C, float64) and ‖g_i‖² (N). */
export interface TwoHeadFactors {
  /** N×2C row-major: onehot(ŷ) − softmax(ce) then onehot(ŷ) − softmax(kd). */
  readonly delta: Float64Array;
  /** 2C. */
  readonly width: number;
  /** ‖g_i‖² = ‖δ_i‖²·‖z_i‖². */
  readonly sqNorm: Float64Array;
}

/**
 * Builds the factors of the two-head embedding (module docs).
 * @param probs N×C combined probabilities (for ŷ); @param ce, kd N×C head logits; @param features N×D.
 * @throws RangeError on mismatched shapes or non-finite inputs.
 */
export function twoHeadFactors(probs: Matrix, ce: Matrix, kd: Matrix, features: Matrix): TwoHeadFactors {
  const n = probs.rows;
  const C = probs.cols;
  for (const [what, m] of [['ce', ce], ['kd', kd], ['features', features]] as const) {
    if (m.rows !== n) throw new RangeError(`badge-kmeanspp: ${what} has ${m.rows} rows, probs ${n}`);
    if (what !== 'features' && m.cols !== C) throw new RangeError(`badge-kmeanspp: ${what} has ${m.cols} columns, probs ${C}`);
  }
  assertFinite('badge-kmeanspp probs', probs);
  assertFinite('badge-kmeanspp features', features);
  const sce = softmaxRows(ce).data;
  const skd = softmaxRows(kd).data;
  assertFinite('badge-kmeanspp ce softmax', { rows: n, cols: C, data: sce });
  assertFinite('badge-kmeanspp kd softmax', { rows: n, cols: C, data: skd });
  const W = 2 * C;
  const D = features.cols;
  const delta = new Float64Array(n * W);
  const sqNorm = new Float64Array(n);
  const p = probs.data;
  for (let i = 0; i < n; i++) {
    let yhat = 0;
    let bv = -Infinity;
    for (let c = 0; c < C; c++) {
      const v = p[i * C + c] as number;
      if (v > bv) {
        bv = v;
        yhat = c;
      }
    }
    let s = 0;
    for (let c = 0; c < C; c++) {
      const oh = c === yhat ? 1 : 0;
      const a = oh - (sce[i * C + c] as number);
      const b = oh - (skd[i * C + c] as number);
      delta[i * W + c] = a;
      delta[i * W + C + c] = b;
      s += a * a + b * b;
    }
    sqNorm[i] = s * dotRows(features.data, i * D, features.data, i * D, D);
  }
  return { delta, width: W, sqNorm };
}

/** ‖g_i − g_j‖² from the factors (clamped at 0). */
export function twoHeadSqDistance(f: TwoHeadFactors, features: Matrix, i: number, j: number): number {
  const W = f.width;
  const D = features.cols;
  const dot = dotRows(f.delta, i * W, f.delta, j * W, W) * dotRows(features.data, i * D, features.data, j * D, D);
  return Math.max(0, (f.sqNorm[i] as number) + (f.sqNorm[j] as number) - 2 * dot);
}

/** Arguments of {@link badgeKMeansPP}. */
export interface BadgeKMeansPPArgs {
  readonly probs: Matrix;
  readonly ce: Matrix;
  readonly kd: Matrix;
  readonly features: Matrix;
  readonly q: number;
  readonly rng: Rng;
}

/**
 * k-means++ seeding (D² sampling) over the two-head gradient embeddings (module docs), running-minimum
 * D² update after each pick.
 * @returns min(q, N) distinct rows in pick order and D² at pick time (+∞ for the first pick).
 * @throws RangeError on a bad q, mismatched shapes or non-finite inputs.
 */
export function badgeKMeansPP(args: BadgeKMeansPPArgs): { rows: Uint32Array; d2: Float32Array } {
  if (!Number.isSafeInteger(args.q) || args.q < 0) throw new RangeError(`badge-kmeanspp: q must be a non-negative integer, got ${args.q}`);
  const f = twoHeadFactors(args.probs, args.ce, args.kd, args.features);
  const n = args.probs.rows;
  const q = Math.min(args.q, n);
  const rows = new Uint32Array(q);
  const d2 = new Float32Array(q);
  if (q === 0) return { rows, d2 };
  const minD2 = new Float64Array(n).fill(Infinity);
  const picked = new Uint8Array(n);
  let k = 0;
  for (let i = 1; i < n; i++) if ((f.sqNorm[i] as number) > (f.sqNorm[k] as number)) k = i;
  for (let t = 0; t < q; t++) {
    rows[t] = k;
    d2[t] = minD2[k] as number;
    picked[k] = 1;
    minD2[k] = 0;
    if (t + 1 === q) break;
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (picked[i] === 1) continue;
      const d = twoHeadSqDistance(f, args.features, i, k);
      if (d < (minD2[i] as number)) minD2[i] = d;
      total += minD2[i] as number;
    }
    // Picked rows have weight 0, so the shared D² draw never returns them.
    k = sampleD2(minD2, total, args.rng);
    if (k < 0) {
      // Every remaining row duplicates a pick: uniform over the unpicked rows.
      let j = args.rng.int(n - t - 1);
      for (let i = 0; i < n; i++) {
        if (picked[i] === 1) continue;
        if (j-- === 0) {
          k = i;
          break;
        }
      }
    }
  }
  return { rows, d2 };
}

/** Options of `badge-kmeanspp` (none). */
export type BadgeKMeansPPOptions = Record<string, never>;

/**
 * Creates `badge-kmeanspp`. Reads `ctx.pool.probs`, `ctx.pool.ce`, `ctx.pool.kd` (N×C) and
 * `ctx.pool.features` (N×D); random draws from `ctx.rng`. Scores = D² at pick time (+∞ first).
 * `select` throws RangeError on a bad q / shapes / non-finite inputs, EmptyPoolError on an empty pool.
 */
export function createBadgeKMeansPP(_options: BadgeKMeansPPOptions = {}): Strategy {
  return defineStrategy({
    name: 'badge-kmeanspp',
    needs: ['probs', 'logits', 'features'],
    config: { embedding: 'two heads concatenated, factorised', seeding: 'k-means++ (D² sampling)', first: 'argmax norm', centres: 'none' },
    run: (ctx, q) => {
      const r = badgeKMeansPP({ probs: ctx.pool.probs, ce: ctx.pool.ce, kd: ctx.pool.kd, features: ctx.pool.features, q, rng: ctx.rng });
      return { rows: r.rows, scores: r.d2 };
    },
  });
}

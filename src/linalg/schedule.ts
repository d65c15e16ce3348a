/**
 * The learning-rate schedule of activekd: HuggingFace `get_linear_schedule_with_warmup` — linear
 * warm-up from 0 over W steps, then linear decay to 0 at step S. Used by the DHO student (SPEC §5.2,
 * oddity O7: float W = warmupFrac·S) and by the CLAP few-shot teacher (SPEC §7.2: integer
 * W = ⌊warmupFrac·S⌋); the two differ only in how W is rounded ({@link WarmupRounding}).
 */

/**
 * How the number of warm-up steps W is derived from `warmupFrac·S`:
 * - `'none'`: W = warmupFrac·S as a float (the student, SPEC §5.2 — the PyTorch code passes the float);
 * - `'floor'`: W = ⌊warmupFrac·S⌋ (CLAP, SPEC §7.2: `int(0.1·S)`).
 */
export type WarmupRounding = 'none' | 'floor';

/**
 * Warm-up steps W of a schedule of `totalSteps` updates.
 * @param warmupFrac fraction of the updates spent warming up, in [0, 1].
 * @throws RangeError when warmupFrac is outside [0, 1].
 */
export function warmupSteps(totalSteps: number, warmupFrac: number, rounding: WarmupRounding = 'none'): number {
  if (!(warmupFrac >= 0 && warmupFrac <= 1)) throw new RangeError(`warmupSteps: warmupFrac must be in [0, 1], got ${warmupFrac}`);
  const w = warmupFrac * totalSteps;
  return rounding === 'floor' ? Math.floor(w) : w;
}

/**
 * LR multiplier of update k (0-based) out of `total` updates with `warmup` warm-up steps (float or
 * integer), exactly HF's lambda: `k / max(1, W)` while k < W, then `max(0, (S − k) / max(1, S − W))`.
 * The first update (k = 0) therefore uses multiplier 0 when W > 0. Unitless, in [0, 1].
 * SPEC §5.2 (student), §7.2 (CLAP).
 * @throws RangeError when k is negative, total is not positive or warmup is outside [0, total].
 */
export function lrMultiplier(k: number, total: number, warmup: number): number {
  if (!(k >= 0)) throw new RangeError(`lrMultiplier: step must be ≥ 0, got ${k}`);
  if (!(total > 0)) throw new RangeError(`lrMultiplier: total steps must be positive, got ${total}`);
  if (!(warmup >= 0 && warmup <= total)) throw new RangeError(`lrMultiplier: warm-up must be in [0, total], got ${warmup}`);
  if (k < warmup) return k / Math.max(1, warmup);
  return Math.max(0, (total - k) / Math.max(1, total - warmup));
}

/**
 * The per-update multipliers of a whole schedule: `out[k] = lrMultiplier(k, S, W)` with
 * W = {@link warmupSteps}(S, warmupFrac, rounding).
 * @param totalSteps S, a positive integer.
 * @param warmupFrac in [0, 1] (default 0.1, SPEC §5.2).
 * @param rounding of W (default `'none'`: the student's float W).
 * @returns a Float64Array of length S.
 * @throws RangeError when totalSteps is not a positive integer or warmupFrac is outside [0, 1].
 */
export function linearWarmupSchedule(totalSteps: number, warmupFrac = 0.1, rounding: WarmupRounding = 'none'): Float64Array {
  if (!Number.isInteger(totalSteps) || totalSteps < 1) throw new RangeError(`linearWarmupSchedule: totalSteps must be a positive integer, got ${totalSteps}`);
  if (!(warmupFrac >= 0 && warmupFrac <= 1)) throw new RangeError(`linearWarmupSchedule: warmupFrac must be in [0, 1], got ${warmupFrac}`);
  const W = warmupSteps(totalSteps, warmupFrac, rounding);
  const out = new Float64Array(totalSteps);
  for (let k = 0; k < totalSteps; k++) out[k] = lrMultiplier(k, totalSteps, W);
  return out;
}

/**
 * Learning-rate schedule and step count of one DHO round (SPEC.md §5.2, oddity O7): HuggingFace
 * `get_linear_schedule_with_warmup` with a float number of warm-up steps W = warmupFrac·S.
 */

/**
 * Steps of one round: S = stepsPerLabeledBatch · ⌈nLabeled / batchLabeled⌉ (SPEC §5.2; e.g. 10 labeled → 200,
 * 160 labeled → 600 with the defaults). @throws RangeError when an argument is not a positive integer.
 */
export function stepsPerRound(nLabeled: number, batchLabeled = 64, stepsPerLabeledBatch = 200): number {
  for (const [k, v] of [
    ['nLabeled', nLabeled],
    ['batchLabeled', batchLabeled],
    ['stepsPerLabeledBatch', stepsPerLabeledBatch],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`stepsPerRound: ${k} must be a positive integer, got ${v}`);
  }
  return stepsPerLabeledBatch * Math.ceil(nLabeled / batchLabeled);
}

/**
 * LR multiplier of update k (0-based) out of `total` updates with `warmup` (float) warm-up steps,
 * exactly HF's lambda: k / max(1, W) while k < W, then max(0, (S − k) / max(1, S − W)).
 * The first update (k = 0) therefore uses multiplier 0. Unitless, in [0, 1].
 * @throws RangeError when k is negative or total/warmup are invalid.
 */
export function lrMultiplier(k: number, total: number, warmup: number): number {
  if (!(k >= 0)) throw new RangeError(`lrMultiplier: step must be ≥ 0, got ${k}`);
  if (!(total > 0)) throw new RangeError(`lrMultiplier: total steps must be positive, got ${total}`);
  if (!(warmup >= 0 && warmup <= total)) throw new RangeError(`lrMultiplier: warm-up must be in [0, total], got ${warmup}`);
  if (k < warmup) return k / Math.max(1, warmup);
  return Math.max(0, (total - k) / Math.max(1, total - warmup));
}

/**
 * The per-update multipliers of a whole round: `out[k] = lrMultiplier(k, S, warmupFrac·S)`.
 * @returns Float64Array of length S.
 */
export function linearWarmupSchedule(totalSteps: number, warmupFrac = 0.1): Float64Array {
  if (!Number.isInteger(totalSteps) || totalSteps < 1) throw new RangeError(`linearWarmupSchedule: totalSteps must be a positive integer, got ${totalSteps}`);
  if (!(warmupFrac >= 0 && warmupFrac <= 1)) throw new RangeError(`linearWarmupSchedule: warmupFrac must be in [0, 1], got ${warmupFrac}`);
  const W = warmupFrac * totalSteps;
  const out = new Float64Array(totalSteps);
  for (let k = 0; k < totalSteps; k++) out[k] = lrMultiplier(k, totalSteps, W);
  return out;
}

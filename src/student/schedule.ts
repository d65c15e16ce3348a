/**
 * Step count of one DHO round (SPEC.md §5.2). The learning-rate schedule itself (HF linear warm-up
 * then linear decay) is the shared one in `src/linalg/schedule.ts`.
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

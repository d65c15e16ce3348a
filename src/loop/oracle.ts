/**
 * Who answers a query: a human (through export/import of labels) or, in simulations and
 * benchmarks, the ground truth.
 */
export interface Oracle {
  /** Labels (class indices) for the given pool rows, in the same order. */
  label(rows: Uint32Array): Promise<Int32Array>;
}

/**
 * The simulated oracle: answers every query with the dataset's ground truth.
 * @throws RangeError when asked for a row without a ground-truth label (−1).
 */
export class SimulatedOracle implements Oracle {
  constructor(private readonly truth: Int32Array) {}

  label(rows: Uint32Array): Promise<Int32Array> {
    const out = new Int32Array(rows.length);
    rows.forEach((r, k) => {
      const y = this.truth[r];
      if (y === undefined || y < 0) throw new RangeError(`SimulatedOracle: row ${r} has no ground-truth label`);
      out[k] = y;
    });
    return Promise.resolve(out);
  }
}

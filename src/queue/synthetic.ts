/** Synthetic feature rows for queue benchmarks: a pure function of (seed, row, column). */

/**
 * Fills `out` (count×dim row-major) with the synthetic rows `start…start+count−1`: uniform values
 * in [0,1) from a 32-bit integer hash of (seed, row, column), identical on every machine.
 */
export function syntheticRows(seed: number, start: number, count: number, dim: number, out = new Float32Array(count * dim)): Float32Array {
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < dim; j++) {
      let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(start + r, 0xc2b2ae35) ^ Math.imul(j + 1, 0x27d4eb2f);
      h ^= h >>> 15;
      h = Math.imul(h, 0x2c1b3c6d);
      h ^= h >>> 12;
      h = Math.imul(h, 0x297a2d39);
      h ^= h >>> 15;
      out[r * dim + j] = (h >>> 8) / 16777216;
    }
  }
  return out;
}

/** Content "hash" of synthetic row `i` (its cache key). */
export function syntheticId(i: number): string {
  return `synthetic-${i}`;
}

/**
 * Batch samplers of one DHO round (SPEC.md §5.2): labeled rows drawn uniformly WITH replacement
 * from the (optionally padded) labeled list, and an unlabeled stream that is shuffled, consumed in
 * whole batches (drop_last) and reshuffled whenever exhausted. Every draw comes from the given
 * {@link Rng}. Samplers return POSITIONS into the labeled / unlabeled lists (0..n−1), so callers
 * can look up both the feature row and the label.
 */
import type { Rng } from '../util/rng.ts';

/**
 * The labeled positions 0..n−1 padded to a multiple of `multiple` by appending copies of the first
 * items (cyclically, when more than n copies are needed): e.g. n = 3, multiple = 4 → [0,1,2,0];
 * n = 2, multiple = 5 → [0,1,0,1,0]. SPEC §5.2 (`duplicate_if_needed`), oddity O6.
 * @throws RangeError when n or multiple is not a positive integer.
 */
export function paddedPositions(n: number, multiple: number): Uint32Array {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`paddedPositions: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(multiple) || multiple < 1) throw new RangeError(`paddedPositions: multiple must be a positive integer, got ${multiple}`);
  const len = Math.ceil(n / multiple) * multiple;
  const out = new Uint32Array(len);
  for (let i = 0; i < len; i++) out[i] = i % n;
  return out;
}

/** Labeled batches: uniform draws with replacement from the (padded) labeled list. */
export class LabeledSampler {
  /** The list drawn from (positions into the labeled set). */
  readonly pool: Uint32Array;
  private readonly rng: Rng;

  /**
   * @param n labeled-set size (≥ 1)
   * @param batch rows per batch; the padding multiple when `pad` is true
   * @param pad pad the list with copies of its first items to a multiple of `batch` (SPEC O6)
   * @throws RangeError when n or batch is not a positive integer.
   */
  constructor(n: number, batch: number, rng: Rng, pad = true) {
    if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`LabeledSampler: batch must be a positive integer, got ${batch}`);
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`LabeledSampler: the labeled set is empty (n = ${n})`);
    this.pool = pad ? paddedPositions(n, batch) : paddedPositions(n, 1);
    this.rng = rng;
  }

  /** Fills `out` with positions drawn uniformly with replacement from {@link pool}; returns `out`. */
  next(out: Uint32Array): Uint32Array {
    const p = this.pool;
    for (let i = 0; i < out.length; i++) out[i] = p[this.rng.int(p.length)] as number;
    return out;
  }
}

/**
 * Unlabeled batches: a random permutation consumed in whole batches; when fewer than `batch`
 * positions remain the rest is dropped (drop_last) and a fresh permutation starts. When the set
 * is smaller than one batch, the batch is filled by cycling through successive fresh permutations
 * (so positions repeat within a batch).
 */
export class UnlabeledStream {
  readonly n: number;
  private readonly rng: Rng;
  private perm: Uint32Array;
  private pos = 0;

  /** @throws RangeError when n is not a positive integer. */
  constructor(n: number, rng: Rng) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`UnlabeledStream: n must be a positive integer, got ${n}`);
    this.n = n;
    this.rng = rng;
    this.perm = rng.permutation(n);
  }

  /** Fills `out` with the next batch of positions (0..n−1); returns `out`. */
  next(out: Uint32Array): Uint32Array {
    const b = out.length;
    if (b <= this.n) {
      if (this.pos + b > this.n) {
        this.perm = this.rng.permutation(this.n);
        this.pos = 0;
      }
      out.set(this.perm.subarray(this.pos, this.pos + b));
      this.pos += b;
      return out;
    }
    for (let i = 0; i < b; i++) {
      if (this.pos >= this.n) {
        this.perm = this.rng.permutation(this.n);
        this.pos = 0;
      }
      out[i] = this.perm[this.pos++] as number;
    }
    return out;
  }
}

/**
 * Shapes and the flat parameter layout shared by the DHO train-step graph (dho-graph.ts) and its
 * plain-TypeScript twin (dho-ref.ts). SPEC.md §5.1; docs/ARCHITECTURE.md "deliberate deviations" (adapter).
 *
 * The trainable parameters of one step live in ONE flat vector θ (and likewise Adam's m and v):
 *
 * | head      | distill | θ = concatenation of (row-major)                                  |
 * |-----------|---------|-------------------------------------------------------------------|
 * | adapter   | yes     | W1 [D×H], b1 [H], W2 [H×2C], b2 [2C]                              |
 * | adapter   | no      | W1 [D×H], b1 [H], W2 [H×C],  b2 [C]                               |
 * | linear    | yes     | W2 [D×2C], b2 [2C]                                                |
 * | linear    | no      | W2 [D×C],  b2 [C]                                                 |
 *
 * With distillation the two heads are fused column-wise: W2 = [Wce | Wkd] (columns 0..C-1 are the
 * CE head, C..2C-1 the KD head), b2 = [bce, bkd]. Without distillation only the CE head is trained
 * (the KD head receives no gradient, so — as PyTorch's AdamW skips parameters whose grad is None —
 * it is not part of θ at all). Weights use the `x·W` convention: shape [in, out], i.e. the transpose
 * of PyTorch's `nn.Linear.weight`.
 */

/** Which student head: a shared ReLU adapter under two linear heads, or two bare linear heads. */
export type DhoHead = 'adapter' | 'linear';

/** The shape of one DHO train-step variant. */
export interface DhoShape {
  readonly head: DhoHead;
  /** true: CE + KD loss (SPEC §5.1); false: "no-distill" CE-only training (SPEC §8.3). */
  readonly distill: boolean;
  /** Input feature dimension D (≥ 1). */
  readonly D: number;
  /** Adapter width H (ignored, conventionally 0, for `head: 'linear'`). */
  readonly H: number;
  /** Number of classes C (≥ 2). */
  readonly C: number;
}

/** A block of θ: `size = rows·cols` values at `offset`; a bias has rows = 1. */
export interface ParamBlock {
  readonly offset: number;
  readonly rows: number;
  readonly cols: number;
  readonly size: number;
}

/** Offsets of each block in θ. `W1`/`b1` are absent for `head: 'linear'`. */
export interface DhoLayout {
  readonly shape: DhoShape;
  /** Input width of the heads: H (adapter) or D (linear). */
  readonly headIn: number;
  /** Output width of the fused heads: 2C (distill) or C (no-distill). */
  readonly K: number;
  readonly W1?: ParamBlock;
  readonly b1?: ParamBlock;
  readonly W2: ParamBlock;
  readonly b2: ParamBlock;
  /** Length of θ. */
  readonly total: number;
}

/**
 * The θ layout for `shape`. @throws RangeError when a dimension is not a positive integer
 * (H must be positive for the adapter) or C < 2.
 */
export function dhoLayout(shape: DhoShape): DhoLayout {
  const { D, H, C, head } = shape;
  if (!Number.isInteger(D) || D < 1) throw new RangeError(`DHO: feature dimension D must be a positive integer, got ${D}`);
  if (!Number.isInteger(C) || C < 2) throw new RangeError(`DHO: number of classes C must be an integer ≥ 2, got ${C}`);
  if (head === 'adapter' && (!Number.isInteger(H) || H < 1)) throw new RangeError(`DHO: adapter width H must be a positive integer, got ${H}`);
  const K = shape.distill ? 2 * C : C;
  let off = 0;
  const block = (rows: number, cols: number): ParamBlock => {
    const b = { offset: off, rows, cols, size: rows * cols };
    off += b.size;
    return b;
  };
  if (head === 'adapter') {
    const W1 = block(D, H);
    const b1 = block(1, H);
    const W2 = block(H, K);
    const b2 = block(1, K);
    return { shape, headIn: H, K, W1, b1, W2, b2, total: off };
  }
  const W2 = block(D, K);
  const b2 = block(1, K);
  return { shape, headIn: D, K, W2, b2, total: off };
}

/** The per-step optimiser/loss scalars of one AdamW update (PyTorch semantics, SPEC §5.2). */
export interface StepScalars {
  /** Multiplicative weight decay of this update: 1 − lr·weightDecay (decoupled, AdamW). */
  readonly decay: number;
  /** lr / (1 − β1^t): the bias-corrected step size. */
  readonly stepSize: number;
  /** 1 / √(1 − β2^t): the second-moment bias correction. */
  readonly rsqrtBc2: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** 1 / T, the inverse distillation temperature (unused without distillation). */
  readonly invT: number;
}

/** Number of entries of the train graph's `opt` input (see {@link packScalars}). */
export const OPT_LEN = 6;

/**
 * The PyTorch AdamW scalars for update number `t` (1-based) at learning rate `lr` (already
 * multiplied by the schedule), with distillation temperature `temperature`.
 * @throws RangeError when t is not an integer ≥ 1 or the temperature is not positive.
 */
export function adamwScalars(t: number, lr: number, o: { beta1: number; beta2: number; eps: number; weightDecay: number }, temperature: number): StepScalars {
  if (!Number.isInteger(t) || t < 1) throw new RangeError(`adamwScalars: step t must be an integer ≥ 1, got ${t}`);
  if (!(temperature > 0)) throw new RangeError(`adamwScalars: temperature must be positive, got ${temperature}`);
  const bc1 = 1 - Math.pow(o.beta1, t);
  const bc2 = 1 - Math.pow(o.beta2, t);
  return { decay: 1 - lr * o.weightDecay, stepSize: lr / bc1, rsqrtBc2: 1 / Math.sqrt(bc2), beta1: o.beta1, beta2: o.beta2, eps: o.eps, invT: 1 / temperature };
}

/**
 * Writes the train graph's `opt` vector (length {@link OPT_LEN}) into `out`, computed in double
 * precision: [decay, 1−β1, 1−β2, eps/rsqrtBc2, stepSize/rsqrtBc2, 1/T]. The graph uses the
 * algebraically equal form θ' = θ·decay − (stepSize/r)·m'/(√v' + eps/r), r = rsqrtBc2.
 */
export function packScalars(s: StepScalars, out: Float32Array): Float32Array {
  out[0] = s.decay;
  out[1] = 1 - s.beta1;
  out[2] = 1 - s.beta2;
  out[3] = s.eps / s.rsqrtBc2;
  out[4] = s.stepSize / s.rsqrtBc2;
  out[5] = s.invT;
  return out;
}

/** Names of the blocks of θ in order (`W1`, `b1` only for the adapter). */
export function blockNames(layout: DhoLayout): Array<'W1' | 'b1' | 'W2' | 'b2'> {
  return layout.W1 ? ['W1', 'b1', 'W2', 'b2'] : ['W2', 'b2'];
}

/** The block `name` of `layout`. @throws RangeError when the layout has no such block. */
export function block(layout: DhoLayout, name: 'W1' | 'b1' | 'W2' | 'b2'): ParamBlock {
  const b = layout[name];
  if (!b) throw new RangeError(`DHO layout (${layout.shape.head}) has no block ${name}`);
  return b;
}

/**
 * One training batch as the step consumes it: B rows (labeled rows first, then unlabeled).
 * `wce[i]`/`wkd[i]` are the per-row loss weights, so
 * loss = Σ_i wce[i]·CE_i + Σ_i wkd[i]·KL_i (e.g. wce = λ/B_l on labeled rows and 0 on unlabeled rows;
 * wkd = (1−λ)·T²/B_l on labeled rows and (1−λ)·T²/B_u on unlabeled rows, SPEC §5.1).
 */
export interface DhoBatch<A extends Float32Array | Float64Array = Float32Array> {
  /** Number of rows B. */
  readonly B: number;
  /** B×D row-major inputs. */
  readonly X: A;
  /** B×C row-major one-hot labels (all-zero rows for unlabeled rows). */
  readonly Y: A;
  /** B×C row-major teacher soft targets q (rows sum to 1); absent without distillation. */
  readonly Q?: A;
  /** Per-row CE weights (length B). */
  readonly wce: A;
  /** Per-row KD weights (length B); absent without distillation. */
  readonly wkd?: A;
}

/**
 * Checks that the batch arrays have the sizes `layout` needs.
 * @throws RangeError naming the first mismatching array.
 */
export function checkBatch(layout: DhoLayout, b: DhoBatch<Float32Array | Float64Array>): void {
  const { D, C, distill } = layout.shape;
  const B = b.B;
  if (!Number.isInteger(B) || B < 1) throw new RangeError(`DHO batch: B must be a positive integer, got ${B}`);
  const want = (name: string, arr: { length: number } | undefined, n: number): void => {
    if (arr === undefined) throw new RangeError(`DHO batch: '${name}' is required`);
    if (arr.length !== n) throw new RangeError(`DHO batch: '${name}' has ${arr.length} values, expected ${n}`);
  };
  want('X', b.X, B * D);
  want('Y', b.Y, B * C);
  want('wce', b.wce, B);
  if (distill) {
    want('Q', b.Q, B * C);
    want('wkd', b.wkd, B);
  }
}

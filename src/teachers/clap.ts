/**
 * CLAP, the class-adaptive constrained linear probe used as PCoreSet's few-shot teacher
 * (SPEC.md §7.2; `PC:clap_others.py:L72-401`, `PC:clap_imgnet.py`), as a pure numeric core on
 * cached teacher image features, plus {@link ClapFewShotTeacher}, which refits it on the labeled set.
 *
 * Model: class prototypes P (E×C), initialised from the zero-shot prototypes W_raw.
 * - `cosine` head (CLIP): logits = s · normalize(f) · normalize_cols(P), s = 100.
 * - `linear` head (the label-transfer teacher's ImageNet classifier, which scores with a dot
 *   product plus bias, not a cosine): logits = s · f · P + b, s = 1, b fixed (not trained).
 * Loss = CE(logits, y) + λ · mean_c a_c ‖P_c − W_raw_c‖², λ = 1, with fixed class-adaptive
 * weights a_c = mean zero-shot probability of the true class over the labeled items of class c
 * (0 for classes without labels). Optimiser: SGD, lr 0.01, momentum 0.9, weight decay 0, batch 64
 * drawn with replacement from L, S = floor(300·|L|/64) steps (≥ 1), linear warmup over 10% of
 * the steps from 0 then linear decay to 0 (HF `get_linear_schedule_with_warmup`; the first update
 * has lr 0, O7). Gradients are derived by hand (E×C is small) and checked by finite differences
 * in the tests.
 *
 * Deviations (docs/ARCHITECTURE.md): features are computed once (cached) instead of per augmented batch;
 * optional K cached augmented views stand in for the on-the-fly augmentation; the labeled list
 * is not padded to a multiple of 64 (O6).
 */
import { accuracy } from '../linalg/accuracy.ts';
import { matrix, takeRows, type Matrix } from '../linalg/matrix.ts';
import { lrMultiplier, warmupSteps } from '../linalg/schedule.ts';
import { softmaxRow, softmaxRowsInPlace } from '../linalg/softmax.ts';
import type { Rng } from '../util/rng.ts';
import { CLIP_LOGIT_SCALE } from './clip/classifier.ts';
import type { FewShotFitRecord, FewShotTeacher, FewShotTiming } from './teacher.ts';

/** When CLAP is refitted relative to the student of a round (SPEC §7.2, O1): see {@link FewShotTiming}. */
export type ClapTiming = FewShotTiming;

/** Head of the probe: `cosine` (CLIP, s = 100) or `linear` (dot product + fixed bias, s = 1). */
export type ClapLogitMode = 'cosine' | 'linear';

/** CLAP hyper-parameters (SPEC §7.2, §14 `clap`). */
export interface ClapConfig {
  /** SGD learning rate (PCoreSet: 0.01; original CLAP: 0.1). */
  readonly lr: number;
  /** SGD momentum (0.9). */
  readonly momentum: number;
  /** L2 weight decay added to the gradient (0). */
  readonly weightDecay: number;
  /** Labeled items per step, drawn with replacement (64). */
  readonly batchSize: number;
  /** Epoch-equivalents: S = round(passes · |L| / batchSize) steps, at least 1 (300). */
  readonly passes: number;
  /** `floor` (others: drop_last) or `ceil` (ImageNet: RepeatedSampler, no drop_last). */
  readonly stepsRounding: 'floor' | 'ceil';
  /** Warmup steps = floor(warmupFrac · S) (0.1). */
  readonly warmupFrac: number;
  /** λ, weight of the constraint term (1). */
  readonly constraintWeight: number;
  /** `cosine` (CLIP) or `linear` (label-transfer ImageNet head). */
  readonly logitMode: ClapLogitMode;
  /** Logit scale s; default 100 for `cosine`, 1 for `linear`. */
  readonly logitScale?: number;
  /**
   * Features the penalty weights a_c are computed on when augmented views are given: `clean`
   * (others) or `augmented` (ImageNet: mean over all views), SPEC O3.
   */
  readonly penaltyFeatures: 'clean' | 'augmented';
  /** Refit timing for the loop (see {@link ClapTiming}); not used by {@link fitClap} itself. */
  readonly clapTiming: ClapTiming;
}

/** PCoreSet's CLAP on the 10 "other" datasets (SPEC §7.2, §14). */
export const DEFAULT_CLAP: ClapConfig = Object.freeze({
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 0,
  batchSize: 64,
  passes: 300,
  stepsRounding: 'floor',
  warmupFrac: 0.1,
  constraintWeight: 1,
  logitMode: 'cosine',
  penaltyFeatures: 'clean',
  clapTiming: 'afterStudent',
});

/**
 * Number of SGD steps S for |L| labeled items: floor (or ceil) of passes·|L|/batchSize, at least 1.
 */
export function clapSteps(numLabeled: number, config: Pick<ClapConfig, 'passes' | 'batchSize' | 'stepsRounding'> = DEFAULT_CLAP): number {
  const x = (config.passes * numLabeled) / config.batchSize;
  return Math.max(1, config.stepsRounding === 'ceil' ? Math.ceil(x - 1e-9) : Math.floor(x + 1e-9));
}

/** Arguments of {@link clapLossAndGrad}. */
export interface ClapLossArgs {
  /** C×E class-major prototypes (row c = P_c). */
  readonly P: Float64Array;
  /** C×E class-major anchors W_raw. */
  readonly anchors: Float64Array;
  /** C penalty weights a_c. */
  readonly penalty: ArrayLike<number>;
  /** B×E batch features: unit rows for `cosine`, raw for `linear`. */
  readonly x: ArrayLike<number>;
  /** B labels in 0..C−1. */
  readonly y: ArrayLike<number>;
  readonly numClasses: number;
  readonly dim: number;
  readonly mode: ClapLogitMode;
  readonly scale: number;
  readonly constraintWeight: number;
  /** C biases of the `linear` head (default 0). */
  readonly bias?: ArrayLike<number>;
}

/**
 * CLAP's loss on one batch and its gradient with respect to P (both in float64):
 * mean_i CE(z_i, y_i) + λ · (1/C) Σ_c a_c ‖P_c − A_c‖², with z_ic = s·x_i·P_c/‖P_c‖ (`cosine`)
 * or s·x_i·P_c + b_c (`linear`).
 *
 * Gradient: G_ic = (softmax(z_i)_c − [c = y_i]) / B; g_c = s Σ_i G_ic x_i; for `cosine`,
 * ∂/∂P_c = (g_c − (g_c·p̂_c) p̂_c)/‖P_c‖ (projection through the normalisation); plus
 * 2λ a_c (P_c − A_c)/C.
 * @returns loss, its two terms and the C×E class-major gradient.
 */
export function clapLossAndGrad(a: ClapLossArgs): { loss: number; ce: number; constraint: number; grad: Float64Array } {
  const { P, anchors, x, y, numClasses: C, dim: E, scale: s } = a;
  const B = y.length;
  const norms = new Float64Array(C);
  const Ph = new Float64Array(C * E);
  for (let c = 0; c < C; c++) {
    let n2 = 0;
    for (let d = 0; d < E; d++) n2 += (P[c * E + d] as number) ** 2;
    const n = Math.sqrt(n2);
    norms[c] = n;
    const inv = a.mode === 'cosine' ? (n > 0 ? 1 / n : 0) : 1;
    for (let d = 0; d < E; d++) Ph[c * E + d] = (P[c * E + d] as number) * inv;
  }
  const g = new Float64Array(C * E);
  const z = new Float64Array(C);
  let ce = 0;
  for (let i = 0; i < B; i++) {
    const xo = i * E;
    for (let c = 0; c < C; c++) {
      let acc = 0;
      const po = c * E;
      for (let d = 0; d < E; d++) acc += (x[xo + d] as number) * (Ph[po + d] as number);
      z[c] = s * acc + (a.mode === 'linear' && a.bias ? (a.bias[c] as number) : 0);
    }
    softmaxRow(z, 0, C, z, 0);
    const yi = y[i] as number;
    ce += -Math.log(z[yi] as number);
    for (let c = 0; c < C; c++) {
      const gic = ((z[c] as number) - (c === yi ? 1 : 0)) * (s / B);
      if (gic === 0) continue;
      const go = c * E;
      for (let d = 0; d < E; d++) g[go + d] = (g[go + d] as number) + gic * (x[xo + d] as number);
    }
  }
  ce /= B;
  const grad = new Float64Array(C * E);
  let constraint = 0;
  const lam = a.constraintWeight;
  for (let c = 0; c < C; c++) {
    const o = c * E;
    if (a.mode === 'cosine') {
      const n = norms[c] as number;
      if (n > 0) {
        let dot = 0;
        for (let d = 0; d < E; d++) dot += (g[o + d] as number) * (Ph[o + d] as number);
        for (let d = 0; d < E; d++) grad[o + d] = ((g[o + d] as number) - dot * (Ph[o + d] as number)) / n;
      }
    } else {
      for (let d = 0; d < E; d++) grad[o + d] = g[o + d] as number;
    }
    const ac = a.penalty[c] as number;
    let dist = 0;
    for (let d = 0; d < E; d++) {
      const diff = (P[o + d] as number) - (anchors[o + d] as number);
      dist += diff * diff;
      if (ac !== 0) grad[o + d] = (grad[o + d] as number) + (2 * lam * ac * diff) / C;
    }
    constraint += ac * dist;
  }
  constraint = (lam * constraint) / C;
  return { loss: ce + constraint, ce, constraint, grad };
}

/** Copies rows of a matrix into float64, L2-normalising each when `normalize` (zero rows stay zero). */
function rowsF64(m: Matrix, rows: ArrayLike<number>, normalize: boolean): Float64Array {
  const E = m.cols;
  const out = new Float64Array(rows.length * E);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k] as number;
    let n2 = 0;
    for (let d = 0; d < E; d++) n2 += (m.data[r * E + d] as number) ** 2;
    const inv = normalize ? (n2 > 0 ? 1 / Math.sqrt(n2) : 0) : 1;
    for (let d = 0; d < E; d++) out[k * E + d] = (m.data[r * E + d] as number) * inv;
  }
  return out;
}

/** Transposes an E×C matrix into C×E float64 (class-major). */
function classMajor(m: Matrix): Float64Array {
  const { rows: E, cols: C, data } = m;
  const out = new Float64Array(C * E);
  for (let d = 0; d < E; d++) for (let c = 0; c < C; c++) out[c * E + d] = data[d * C + c] as number;
  return out;
}

/**
 * Logits of a CLAP head on features.
 * @param features N×E row-major (raw; normalised inside for `cosine`).
 * @param prototypes E×C row-major P.
 * @param mode head type; `scale` s; `bias` C (linear only).
 * @returns N×C row-major logits (zero feature rows give zero logits, or b, in `linear` mode).
 * @throws RangeError when the inner dimensions differ.
 */
export function clapLogits(features: Matrix, prototypes: Matrix, mode: ClapLogitMode, scale: number, bias?: ArrayLike<number> | null): Matrix {
  const { rows: N, cols: E } = features;
  if (prototypes.rows !== E) throw new RangeError(`clapLogits: features have ${E} columns, prototypes ${prototypes.rows} rows`);
  const C = prototypes.cols;
  const Ph = classMajor(prototypes);
  if (mode === 'cosine') {
    for (let c = 0; c < C; c++) {
      let n2 = 0;
      for (let d = 0; d < E; d++) n2 += (Ph[c * E + d] as number) ** 2;
      const inv = n2 > 0 ? 1 / Math.sqrt(n2) : 0;
      for (let d = 0; d < E; d++) Ph[c * E + d] = (Ph[c * E + d] as number) * inv;
    }
  }
  const out = new Float32Array(N * C);
  const f = new Float64Array(E);
  for (let i = 0; i < N; i++) {
    let n2 = 0;
    for (let d = 0; d < E; d++) {
      const v = features.data[i * E + d] as number;
      f[d] = v;
      n2 += v * v;
    }
    const inv = mode === 'cosine' ? (n2 > 0 ? 1 / Math.sqrt(n2) : 0) : 1;
    for (let c = 0; c < C; c++) {
      let acc = 0;
      for (let d = 0; d < E; d++) acc += (f[d] as number) * (Ph[c * E + d] as number);
      out[i * C + c] = scale * inv * acc + (mode === 'linear' && bias ? (bias[c] as number) : 0);
    }
  }
  return matrix(N, C, out);
}

/**
 * Class-adaptive penalty weights: a_c = mean over labeled items of class c of the zero-shot
 * probability of c (`PC:clap_others.py:L241-249`; count + 1e-10 in the original → 0 for classes
 * without labels).
 * @param zeroShotProbs L×C probabilities of the labeled items.
 * @param labels L labels.
 * @returns C weights in [0, 1].
 */
export function clapPenaltyWeights(zeroShotProbs: Matrix, labels: ArrayLike<number>): Float64Array {
  const C = zeroShotProbs.cols;
  const sum = new Float64Array(C);
  const cnt = new Float64Array(C);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] as number;
    sum[y] = (sum[y] as number) + (zeroShotProbs.data[i * C + y] as number);
    cnt[y] = (cnt[y] as number) + 1;
  }
  return sum.map((s, c) => ((cnt[c] as number) > 0 ? s / (cnt[c] as number) : 0));
}

/**
 * Prototypes of a linear head from the labeled set alone (no zero-shot prior; issue 15 #16): W_c =
 * μ_c, the mean feature of the labeled items of class c, and b_c = −½‖μ_c‖², so that the head's
 * logits f·μ_c − ½‖μ_c‖² = ½‖f‖² − ½‖f − μ_c‖² rank classes as the nearest class mean does. A class
 * without labeled items gets W_c = 0, b_c = 0. Computed in float64.
 * @param features N×E raw features.
 * @param labeledRows rows of `features` that are labeled.
 * @param labels their labels in 0..C−1.
 * @param numClasses C.
 * @returns `zeroShotRaw` E×C row-major (the prototypes, for {@link fitClap}) and `bias` (C values).
 * @throws RangeError when a row or a label is out of range, or the lengths differ.
 */
export function classMeanPrototypes(features: Matrix, labeledRows: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): { zeroShotRaw: Matrix; bias: Float32Array } {
  const { rows: N, cols: E, data } = features;
  const C = numClasses;
  if (labels.length !== labeledRows.length) throw new RangeError(`classMeanPrototypes: ${labeledRows.length} labeled rows but ${labels.length} labels`);
  const sum = new Float64Array(C * E);
  const cnt = new Float64Array(C);
  for (let k = 0; k < labeledRows.length; k++) {
    const r = labeledRows[k] as number;
    const y = labels[k] as number;
    if (!(Number.isInteger(r) && r >= 0 && r < N)) throw new RangeError(`classMeanPrototypes: labeled row ${r} outside 0..${N - 1}`);
    if (!(Number.isInteger(y) && y >= 0 && y < C)) throw new RangeError(`classMeanPrototypes: label ${y} outside 0..${C - 1}`);
    cnt[y] = (cnt[y] as number) + 1;
    for (let d = 0; d < E; d++) sum[y * E + d] = (sum[y * E + d] as number) + (data[r * E + d] as number);
  }
  const W = new Float32Array(E * C);
  const bias = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    const n = cnt[c] as number;
    if (n === 0) continue;
    let n2 = 0;
    for (let d = 0; d < E; d++) {
      const m = (sum[c * E + d] as number) / n;
      W[d * C + c] = m;
      n2 += m * m;
    }
    bias[c] = -0.5 * n2;
  }
  return { zeroShotRaw: matrix(E, C, W), bias };
}

/** Inputs of {@link fitClap}. */
export interface ClapFitInput {
  /** N×E teacher image features (CLIP image embeddings, or MobileNetV2 `features`); raw. */
  readonly features: Matrix;
  /** Rows of `features` that are labeled (|L| ≥ 1). */
  readonly labeledRows: ArrayLike<number>;
  /** Their labels, in 0..C−1. */
  readonly labels: ArrayLike<number>;
  /** E×C zero-shot prototypes W_raw: initial P and constraint anchors. */
  readonly zeroShotRaw: Matrix;
  /**
   * E×C classifier of the zero-shot head used for the penalty weights a_c. Default:
   * normalize_cols(W_raw) (`cosine`; CLIP "others") or W_raw (`linear`). Pass the ensembled W
   * for ImageNet-style prompt sets.
   */
  readonly zeroShot?: Matrix;
  /** C fixed biases of the `linear` head (ignored for `cosine`). */
  readonly bias?: ArrayLike<number>;
  /**
   * (K·N)×E features of K cached augmented views, grouped per view: row v·N + i is view v of
   * item i. When given, training batches draw a random view per sample instead of the clean row.
   */
  readonly augmentedViews?: Matrix;
  readonly config?: Partial<ClapConfig>;
  /** Random source of batch sampling (and view choice). */
  readonly rng: Rng;
  /** Called after each step with (step, steps, loss). */
  readonly onStep?: (step: number, steps: number, loss: number) => void;
}

/** A fitted CLAP probe. */
export interface ClapModel {
  /** E×C row-major fitted prototypes P. */
  readonly prototypes: Matrix;
  /** C biases of the `linear` head, or null. */
  readonly bias: Float32Array | null;
  /** The penalty weights a_c used. */
  readonly penaltyWeights: Float64Array;
  /** SGD steps taken. */
  readonly steps: number;
  /** Mean loss over the last 10% of steps (at least one). */
  readonly finalLoss: number;
  readonly config: ClapConfig;
  /** Logits of the probe (see {@link clapLogits}); features N×E raw → N×C. */
  logits(features: Matrix): Matrix;
  /** Probabilities softmax(logits); N×E raw features → N×C row-major, rows summing to 1. */
  probs(features: Matrix): Matrix;
}

/** Resolves a partial config over {@link DEFAULT_CLAP}, with the mode's default scale. */
export function resolveClapConfig(partial: Partial<ClapConfig> = {}): ClapConfig & { readonly logitScale: number } {
  const cfg = { ...DEFAULT_CLAP, ...partial };
  const logitScale = partial.logitScale ?? (cfg.logitMode === 'cosine' ? CLIP_LOGIT_SCALE : 1);
  const bad = (what: string): never => {
    throw new RangeError(`CLAP config: ${what}`);
  };
  if (!(cfg.lr >= 0 && Number.isFinite(cfg.lr))) bad(`lr must be ≥ 0, got ${cfg.lr}`);
  if (!(cfg.momentum >= 0 && cfg.momentum < 1)) bad(`momentum must be in [0, 1), got ${cfg.momentum}`);
  if (!(Number.isInteger(cfg.batchSize) && cfg.batchSize > 0)) bad(`batchSize must be a positive integer, got ${cfg.batchSize}`);
  if (!(cfg.passes > 0)) bad(`passes must be > 0, got ${cfg.passes}`);
  if (!(cfg.warmupFrac >= 0 && cfg.warmupFrac <= 1)) bad(`warmupFrac must be in [0, 1], got ${cfg.warmupFrac}`);
  if (!(cfg.constraintWeight >= 0)) bad(`constraintWeight must be ≥ 0, got ${cfg.constraintWeight}`);
  if (!(logitScale > 0 && Number.isFinite(logitScale))) bad(`logitScale must be > 0, got ${logitScale}`);
  if (cfg.logitMode !== 'cosine' && cfg.logitMode !== 'linear') bad(`logitMode must be "cosine" or "linear", got ${String(cfg.logitMode)}`);
  return { ...cfg, logitScale };
}

function makeModel(P: Float64Array, E: number, C: number, bias: Float32Array | null, penalty: Float64Array, steps: number, finalLoss: number, config: ClapConfig & { logitScale: number }): ClapModel {
  const proto = new Float32Array(E * C);
  for (let c = 0; c < C; c++) for (let d = 0; d < E; d++) proto[d * C + c] = P[c * E + d] as number;
  const prototypes = matrix(E, C, proto);
  return {
    prototypes,
    bias,
    penaltyWeights: penalty,
    steps,
    finalLoss,
    config,
    logits: (f) => clapLogits(f, prototypes, config.logitMode, config.logitScale, bias),
    probs: (f) => softmaxRowsInPlace(clapLogits(f, prototypes, config.logitMode, config.logitScale, bias)),
  };
}

/**
 * The zero-shot probe (P = W_raw), before any fit: what {@link ClapFewShotTeacher} predicts until
 * its first refit.
 */
export function zeroShotClap(zeroShotRaw: Matrix, config: Partial<ClapConfig> = {}, bias?: ArrayLike<number>): ClapModel {
  const cfg = resolveClapConfig(config);
  const E = zeroShotRaw.rows;
  const C = zeroShotRaw.cols;
  const b = cfg.logitMode === 'linear' && bias ? Float32Array.from(bias) : null;
  return makeModel(classMajor(zeroShotRaw), E, C, b, new Float64Array(C), 0, Number.NaN, cfg);
}

/**
 * Fits CLAP on the labeled rows (see the module comment).
 * @returns the fitted probe.
 * @throws RangeError when L is empty, rows/labels are out of range or of different lengths, shapes
 *   disagree (features E vs W_raw rows; augmented views not a multiple of N rows; bias length),
 *   or the config is invalid.
 */
export function fitClap(input: ClapFitInput): ClapModel {
  const cfg = resolveClapConfig(input.config);
  const { features, labeledRows, labels, zeroShotRaw } = input;
  const N = features.rows;
  const E = features.cols;
  const C = zeroShotRaw.cols;
  const L = labeledRows.length;
  if (zeroShotRaw.rows !== E) throw new RangeError(`fitClap: features have ${E} columns, W_raw has ${zeroShotRaw.rows} rows`);
  if (L === 0) throw new RangeError('fitClap: the labeled set is empty');
  if (labels.length !== L) throw new RangeError(`fitClap: ${L} labeled rows but ${labels.length} labels`);
  for (let k = 0; k < L; k++) {
    const r = labeledRows[k] as number;
    const y = labels[k] as number;
    if (!(Number.isInteger(r) && r >= 0 && r < N)) throw new RangeError(`fitClap: labeled row ${r} outside 0..${N - 1}`);
    if (!(Number.isInteger(y) && y >= 0 && y < C)) throw new RangeError(`fitClap: label ${y} outside 0..${C - 1}`);
  }
  const zs = input.zeroShot ?? zeroShotRaw;
  if (zs.rows !== E || zs.cols !== C) throw new RangeError(`fitClap: zero-shot classifier must be ${E}×${C}`);
  const linear = cfg.logitMode === 'linear';
  let bias: Float32Array | null = null;
  if (linear && input.bias) {
    if (input.bias.length !== C) throw new RangeError(`fitClap: bias has ${input.bias.length} values for ${C} classes`);
    bias = Float32Array.from(input.bias);
  }
  const views = input.augmentedViews;
  let K = 0;
  if (views) {
    if (views.cols !== E || views.rows === 0 || views.rows % N !== 0) throw new RangeError(`fitClap: augmented views must be (K·${N})×${E}, got ${views.rows}×${views.cols}`);
    K = views.rows / N;
  }

  // Penalty weights from the zero-shot head (P = W_raw, or the given zero-shot classifier).
  const penaltyOn = (rowsMatrix: Matrix): Matrix => {
    const logits = clapLogits(rowsMatrix, zs, cfg.logitMode, cfg.logitScale, bias);
    return softmaxRowsInPlace(logits);
  };
  let penalty: Float64Array;
  if (views && cfg.penaltyFeatures === 'augmented') {
    const all: number[] = [];
    const ys: number[] = [];
    for (let v = 0; v < K; v++) {
      for (let k = 0; k < L; k++) {
        all.push(v * N + (labeledRows[k] as number));
        ys.push(labels[k] as number);
      }
    }
    penalty = clapPenaltyWeights(penaltyOn(takeRows(views, all)), ys);
  } else {
    penalty = clapPenaltyWeights(penaltyOn(takeRows(features, Array.from(labeledRows))), labels);
  }

  // Training table: the labeled items' (view) features, normalised for the cosine head.
  const normalize = !linear;
  const table = views
    ? rowsF64(
        views,
        Array.from({ length: K * L }, (_, j) => Math.floor(j / L) * N + (labeledRows[j % L] as number)),
        normalize,
      )
    : rowsF64(features, labeledRows, normalize);
  const anchors = classMajor(zeroShotRaw);
  const P = anchors.slice();
  const vel = new Float64Array(C * E);
  const S = clapSteps(L, cfg);
  const W = warmupSteps(S, cfg.warmupFrac, 'floor');
  const B = cfg.batchSize;
  const x = new Float64Array(B * E);
  const y = new Int32Array(B);
  const tail = Math.max(1, Math.ceil(S / 10));
  let tailLoss = 0;
  for (let step = 0; step < S; step++) {
    for (let b = 0; b < B; b++) {
      const k = input.rng.int(L);
      const v = K > 1 ? input.rng.int(K) : 0;
      const src = (v * L + k) * E;
      for (let d = 0; d < E; d++) x[b * E + d] = table[src + d] as number;
      y[b] = labels[k] as number;
    }
    const r = clapLossAndGrad({ P, anchors, penalty, x, y, numClasses: C, dim: E, mode: cfg.logitMode, scale: cfg.logitScale, constraintWeight: cfg.constraintWeight, ...(bias ? { bias } : {}) });
    const lr = cfg.lr * lrMultiplier(step, S, W);
    const g = r.grad;
    for (let j = 0; j < C * E; j++) {
      const gj = (g[j] as number) + cfg.weightDecay * (P[j] as number);
      const vj = cfg.momentum * (vel[j] as number) + gj;
      vel[j] = vj;
      P[j] = (P[j] as number) - lr * vj;
    }
    if (step >= S - tail) tailLoss += r.loss;
    input.onStep?.(step, S, r.loss);
  }
  return makeModel(P, E, C, bias, penalty, S, tailLoss / tail, cfg);
}

/** One refit of a {@link ClapFewShotTeacher} (SGD steps, mean loss of the last 10% of steps). */
export type ClapFitRecord = FewShotFitRecord;

/** Arguments of {@link ClapFewShotTeacher}. */
export interface ClapFewShotTeacherArgs extends Pick<ClapFitInput, 'zeroShotRaw' | 'zeroShot' | 'bias' | 'augmentedViews' | 'config'> {
  /**
   * Where each refit starts: `zero-shot` (default; P = W_raw, the teacher's zero-shot prototypes,
   * SPEC §7.2) or `class-means` (no zero-shot teacher, e.g. label transfer on classes no class map
   * covers; issue 15 #16): each refit starts from {@link classMeanPrototypes} of the labeled set
   * (linear head, b = −½‖μ_c‖²), and the constraint term, whose weights need zero-shot
   * probabilities, is dropped (λ = 0). `zeroShotRaw` then only gives the shape E×C (use zeros):
   * before the first refit the teacher predicts uniform probabilities.
   */
  readonly prior?: 'zero-shot' | 'class-means';
  /** Id of the base (zero-shot) teacher, e.g. a CLIP or label-transfer teacher id. */
  readonly baseId: string;
  /** The base teacher's `describe()`, recorded in {@link ClapFewShotTeacher.describe}. */
  readonly baseDescription?: Record<string, unknown>;
  /** N×E teacher features of the training pool (rows ↔ pool items). */
  readonly poolFeatures: Matrix;
  /** T×E teacher features of the test split, and its labels, for the per-refit accuracy. */
  readonly testFeatures?: Matrix;
  readonly testLabels?: Int32Array;
  /** Random source; each refit draws from a fork of it. */
  readonly rng: Rng;
}

/**
 * The few-shot teacher: CLAP on frozen teacher features, refitted on the labeled set whenever the
 * loop says so (timing: {@link ClapConfig.clapTiming}). Until the first refit it predicts with
 * the zero-shot probe (P = W_raw).
 */
export class ClapFewShotTeacher implements FewShotTeacher {
  readonly config: ClapConfig & { readonly logitScale: number };
  private model: ClapModel;
  private readonly history: ClapFitRecord[] = [];
  private poolCache: Matrix | null = null;
  private testCache: Matrix | null = null;

  constructor(private readonly args: ClapFewShotTeacherArgs) {
    this.config = resolveClapConfig(args.prior === 'class-means' ? { ...args.config, logitMode: 'linear', constraintWeight: 0 } : args.config);
    const { poolFeatures: f, zeroShotRaw: w } = args;
    if (f.cols !== w.rows) throw new RangeError(`ClapFewShotTeacher: pool features have ${f.cols} columns, W_raw has ${w.rows} rows`);
    if (args.testFeatures && args.testFeatures.cols !== f.cols) throw new RangeError('ClapFewShotTeacher: test features and pool features differ in width');
    if (args.testFeatures && args.testLabels && args.testLabels.length !== args.testFeatures.rows) throw new RangeError('ClapFewShotTeacher: test labels and test features differ in length');
    this.model = zeroShotClap(w, this.config, args.bias);
  }

  /**
   * A fresh teacher over the same features and prototypes, with no fits yet and its own random
   * source (one per active-learning run, so runs do not share fit history or random streams).
   */
  withRng(rng: Rng): ClapFewShotTeacher {
    return new ClapFewShotTeacher({ ...this.args, rng });
  }

  /** e.g. `clap(clip:…)`. */
  get id(): string {
    return `clap(${this.args.baseId})`;
  }

  /** Number of classes C. */
  get numClasses(): number {
    return this.args.zeroShotRaw.cols;
  }

  /** The current probe (zero-shot until the first refit). */
  get current(): ClapModel {
    return this.model;
  }

  /** Every refit so far, with its test accuracy. */
  get fits(): readonly ClapFitRecord[] {
    return this.history;
  }

  /**
   * Refits CLAP from W_raw on the labeled pool rows (each refit starts again from the zero-shot
   * prototypes, as in PCoreSet).
   * @param labeledRows rows of the pool features that are labeled.
   * @param labels their labels.
   * @returns the record of this fit (also appended to {@link fits}).
   * @throws RangeError as {@link fitClap}.
   */
  refit(labeledRows: ArrayLike<number>, labels: ArrayLike<number>): ClapFitRecord {
    const t0 = performance.now();
    const fromLabels = this.args.prior === 'class-means' ? classMeanPrototypes(this.args.poolFeatures, labeledRows, labels, this.numClasses) : null;
    this.model = fitClap({
      features: this.args.poolFeatures,
      labeledRows,
      labels,
      zeroShotRaw: fromLabels ? fromLabels.zeroShotRaw : this.args.zeroShotRaw,
      ...(this.args.zeroShot && !fromLabels ? { zeroShot: this.args.zeroShot } : {}),
      ...(fromLabels ? { bias: fromLabels.bias } : this.args.bias ? { bias: this.args.bias } : {}),
      ...(this.args.augmentedViews ? { augmentedViews: this.args.augmentedViews } : {}),
      config: this.config,
      rng: this.args.rng.fork(),
    });
    this.poolCache = null;
    this.testCache = null;
    const seconds = (performance.now() - t0) / 1000;
    const tp = this.testProbs();
    const testAccuracy = tp && this.args.testLabels ? accuracy(tp, this.args.testLabels) : null;
    const rec: ClapFitRecord = { fit: this.history.length, labeledCount: labeledRows.length, steps: this.model.steps, finalLoss: this.model.finalLoss, seconds, testAccuracy };
    this.history.push(rec);
    return rec;
  }

  /**
   * Probabilities of the current probe on the training pool.
   * @returns N×C row-major probabilities (memoised until the next refit).
   */
  probs(): Matrix {
    this.poolCache ??= this.model.probs(this.args.poolFeatures);
    return this.poolCache;
  }

  /**
   * Probabilities of the current probe on the test split, or null without test features.
   * @returns T×C row-major probabilities (memoised until the next refit).
   */
  testProbs(): Matrix | null {
    if (!this.args.testFeatures) return null;
    this.testCache ??= this.model.probs(this.args.testFeatures);
    return this.testCache;
  }

  /** Configuration and fit history, for run records. */
  describe(): Record<string, unknown> {
    return {
      kind: 'clap',
      prior: this.args.prior ?? 'zero-shot',
      base: this.args.baseDescription ?? { id: this.args.baseId },
      config: this.config,
      featureDim: this.args.poolFeatures.cols,
      augmentedViews: this.args.augmentedViews ? this.args.augmentedViews.rows / this.args.poolFeatures.rows : 0,
      fits: this.history,
    };
  }
}

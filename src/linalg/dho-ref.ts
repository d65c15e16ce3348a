/**
 * Plain-TypeScript twin of the DHO train-step and predict graphs (dho-graph.ts): the same forward,
 * hand-derived backward and AdamW update in loops. It is the test oracle for the ONNX graphs and the
 * engine for tiny problems (SPEC.md §5.1, §5.2, §6). Works on Float32Array (like the graphs) or
 * Float64Array (for finite-difference gradient checks); sums are accumulated in double precision.
 *
 * Gradient derivation (per row i, loss weights wce_i, wkd_i, inverse temperature τ = 1/T):
 *   CE_i = −Σ_c y_c log softmax(ce)_c                ∂/∂ce   = wce_i·(softmax(ce) − y)
 *   KL_i = Σ_c q_c (log q_c − log p_c), p = softmax(τ·kd)   ∂/∂kd = wkd_i·τ·(p − q)
 * (both exact when Σ_c y_c = 1 and Σ_c q_c = 1). With G = [∂ce | ∂kd] (B×K) and the head input
 * u (= h for the adapter, x for the linear head): ∂W2 = uᵀG, ∂b2 = Σ_i G_i; for the adapter
 * ∂h = G·W2ᵀ, ∂hpre = ∂h ⊙ [hpre > 0], ∂W1 = xᵀ·∂hpre, ∂b1 = Σ_i ∂hpre_i.
 *
 * The softmaxes here deliberately do not use the shared `softmax.ts`: they mirror the graphs'
 * arithmetic (logits multiplied by τ = 1/T rather than divided by T, log-softmax through
 * log-sum-exp fused with the gradient, and the α-mixture of §6 fused into one expression), so this
 * twin and the graphs stay comparable and the TS engine's results stay fixed.
 */
import type { DhoBatch, DhoLayout, StepScalars } from './dho-layout.ts';
import { checkBatch } from './dho-layout.ts';

/** A float vector: float32 (matches the graphs) or float64 (gradient checks). */
export type Vec = Float32Array | Float64Array;

/** Smallest q used inside log q (so q = 0 contributes 0·log(tiny) = 0 to the loss). */
export const LOG_Q_FLOOR = 1e-30;

/**
 * Loss and gradient of one DHO batch at parameters `theta` (flat layout, dho-layout.ts).
 * Writes ∂loss/∂θ into `grad` (overwritten, same length as θ) and returns the loss.
 * @throws RangeError on size mismatches.
 */
export function dhoLossGradRef(layout: DhoLayout, theta: Vec, batch: DhoBatch<Vec>, invT: number, grad: Vec): number {
  checkBatch(layout, batch);
  if (theta.length !== layout.total || grad.length !== layout.total) throw new RangeError(`dhoLossGradRef: θ/grad length must be ${layout.total}`);
  const { D, C, distill } = layout.shape;
  const K = layout.K;
  const Hin = layout.headIn;
  const adapter = layout.W1 !== undefined;
  const W1o = layout.W1?.offset ?? 0;
  const b1o = layout.b1?.offset ?? 0;
  const W2o = layout.W2.offset;
  const b2o = layout.b2.offset;
  grad.fill(0);
  const u = new Float64Array(Hin); // head input (h or x) of the current row
  const hpre = new Float64Array(adapter ? Hin : 0);
  const logits = new Float64Array(K);
  const G = new Float64Array(K);
  const dh = new Float64Array(adapter ? Hin : 0);
  const { X, Y, wce } = batch;
  const Q = batch.Q;
  const wkd = batch.wkd;
  let loss = 0;
  for (let i = 0; i < batch.B; i++) {
    const xo = i * D;
    // forward: head input
    if (adapter) {
      for (let j = 0; j < Hin; j++) hpre[j] = theta[b1o + j] as number;
      for (let d = 0; d < D; d++) {
        const xd = X[xo + d] as number;
        if (xd === 0) continue;
        const wr = W1o + d * Hin;
        for (let j = 0; j < Hin; j++) hpre[j] = (hpre[j] as number) + xd * (theta[wr + j] as number);
      }
      for (let j = 0; j < Hin; j++) {
        const a = hpre[j] as number;
        u[j] = a > 0 ? a : 0;
      }
    } else {
      for (let d = 0; d < D; d++) u[d] = X[xo + d] as number;
    }
    // forward: fused heads
    for (let k = 0; k < K; k++) logits[k] = theta[b2o + k] as number;
    for (let j = 0; j < Hin; j++) {
      const uj = u[j] as number;
      if (uj === 0) continue;
      const wr = W2o + j * K;
      for (let k = 0; k < K; k++) logits[k] = (logits[k] as number) + uj * (theta[wr + k] as number);
    }
    // CE head
    const yo = i * C;
    const wc = wce[i] as number;
    {
      let mx = -Infinity;
      for (let c = 0; c < C; c++) mx = Math.max(mx, logits[c] as number);
      let s = 0;
      for (let c = 0; c < C; c++) s += Math.exp((logits[c] as number) - mx);
      const lse = mx + Math.log(s);
      let ce = 0;
      for (let c = 0; c < C; c++) {
        const y = Y[yo + c] as number;
        const lsm = (logits[c] as number) - lse;
        ce -= y * lsm;
        G[c] = wc * (Math.exp(lsm) - y);
      }
      loss += wc * ce;
    }
    // KD head
    if (distill && Q !== undefined && wkd !== undefined) {
      const wk = wkd[i] as number;
      let mx = -Infinity;
      for (let c = 0; c < C; c++) mx = Math.max(mx, invT * (logits[C + c] as number));
      let s = 0;
      for (let c = 0; c < C; c++) s += Math.exp(invT * (logits[C + c] as number) - mx);
      const lse = mx + Math.log(s);
      let kl = 0;
      for (let c = 0; c < C; c++) {
        const q = Q[yo + c] as number;
        const logp = invT * (logits[C + c] as number) - lse;
        kl += q * (Math.log(Math.max(q, LOG_Q_FLOOR)) - logp);
        G[C + c] = wk * invT * (Math.exp(logp) - q);
      }
      loss += wk * kl;
    }
    // backward: heads
    for (let k = 0; k < K; k++) grad[b2o + k] = (grad[b2o + k] as number) + (G[k] as number);
    for (let j = 0; j < Hin; j++) {
      const uj = u[j] as number;
      if (uj === 0) continue;
      const wr = W2o + j * K;
      for (let k = 0; k < K; k++) grad[wr + k] = (grad[wr + k] as number) + uj * (G[k] as number);
    }
    if (!adapter) continue;
    // backward: adapter
    for (let j = 0; j < Hin; j++) {
      if ((hpre[j] as number) <= 0) {
        dh[j] = 0;
        continue;
      }
      const wr = W2o + j * K;
      let acc = 0;
      for (let k = 0; k < K; k++) acc += (theta[wr + k] as number) * (G[k] as number);
      dh[j] = acc;
    }
    for (let j = 0; j < Hin; j++) grad[b1o + j] = (grad[b1o + j] as number) + (dh[j] as number);
    for (let d = 0; d < D; d++) {
      const xd = X[xo + d] as number;
      if (xd === 0) continue;
      const wr = W1o + d * Hin;
      for (let j = 0; j < Hin; j++) grad[wr + j] = (grad[wr + j] as number) + xd * (dh[j] as number);
    }
  }
  return loss;
}

/**
 * One PyTorch AdamW update, in place (torch.optim.AdamW, amsgrad = false, decoupled decay):
 *   θ ← θ·decay;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
 *   θ ← θ − stepSize · m / (√v · rsqrtBc2 + eps)
 * with decay = 1 − lr·wd, stepSize = lr/(1−β1^t), rsqrtBc2 = 1/√(1−β2^t) (see `adamwScalars`).
 * @throws RangeError when the four vectors differ in length.
 */
export function adamwRef(theta: Vec, grad: Vec, m: Vec, v: Vec, s: StepScalars): void {
  const n = theta.length;
  if (grad.length !== n || m.length !== n || v.length !== n) throw new RangeError(`adamwRef: θ, grad, m, v must have equal lengths (${n}, ${grad.length}, ${m.length}, ${v.length})`);
  const { decay, stepSize, rsqrtBc2, beta1, beta2, eps } = s;
  const a1 = 1 - beta1;
  const a2 = 1 - beta2;
  for (let i = 0; i < n; i++) {
    const g = grad[i] as number;
    const mi = beta1 * (m[i] as number) + a1 * g;
    const vi = beta2 * (v[i] as number) + a2 * g * g;
    m[i] = mi;
    v[i] = vi;
    theta[i] = (theta[i] as number) * decay - (stepSize * mi) / (Math.sqrt(vi) * rsqrtBc2 + eps);
  }
}

/**
 * One full DHO train step in place: loss/gradient at θ, then AdamW. Returns the loss at the old θ.
 * `scratch` (length θ) receives the gradient. @throws RangeError on size mismatches.
 */
export function dhoStepRef(layout: DhoLayout, theta: Vec, m: Vec, v: Vec, batch: DhoBatch<Vec>, s: StepScalars, scratch?: Vec): number {
  const grad = scratch ?? (theta instanceof Float64Array ? new Float64Array(theta.length) : new Float32Array(theta.length));
  const loss = dhoLossGradRef(layout, theta, batch, s.invT, grad);
  adamwRef(theta, grad, m, v, s);
  return loss;
}

/** Parameters of the predict computation: fused heads W2 = [Wce | Wkd] ([in×2C]), b2 = [bce, bkd]. */
export interface DhoPredictParams {
  readonly D: number;
  /** Adapter width, 0 for the linear head. */
  readonly H: number;
  readonly C: number;
  /** D×H adapter weight (adapter only). */
  readonly W1?: Float32Array;
  /** H adapter bias (adapter only). */
  readonly b1?: Float32Array;
  /** in×2C fused head weight, in = H (adapter) or D (linear). */
  readonly W2: Float32Array;
  /** 2C fused head bias. */
  readonly b2: Float32Array;
}

/** Outputs of the predict computation for n rows (row-major float32). */
export interface DhoPredictOut {
  /** n×C CE-head logits. */
  readonly ce: Float32Array;
  /** n×C KD-head logits. */
  readonly kd: Float32Array;
  /** n×C α·softmax(ce) + (1−α)·softmax(kd/β). */
  readonly probs: Float32Array;
  /** n×H adapter output (adapter only). */
  readonly h?: Float32Array;
}

/**
 * Plain-loop twin of the predict graph: for n rows of X (n×D), ce, kd, the SPEC §6 combination
 * probs = α·softmax(ce) + (1−α)·softmax(kd·invBeta), and the adapter output h.
 * @throws RangeError on size mismatches.
 */
export function dhoPredictRef(p: DhoPredictParams, X: Float32Array, n: number, alpha: number, invBeta: number): DhoPredictOut {
  const { D, H, C } = p;
  const adapter = p.W1 !== undefined;
  const Hin = adapter ? H : D;
  const K = 2 * C;
  if (X.length !== n * D) throw new RangeError(`dhoPredictRef: X has ${X.length} values, expected ${n}×${D}`);
  if (p.W2.length !== Hin * K || p.b2.length !== K) throw new RangeError('dhoPredictRef: W2/b2 sizes do not match');
  if (adapter && (p.W1?.length !== D * H || p.b1?.length !== H)) throw new RangeError('dhoPredictRef: W1/b1 sizes do not match');
  const ce = new Float32Array(n * C);
  const kd = new Float32Array(n * C);
  const probs = new Float32Array(n * C);
  const h = adapter ? new Float32Array(n * H) : undefined;
  const u = new Float64Array(Hin);
  const lg = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    if (adapter && p.W1 && p.b1 && h) {
      for (let j = 0; j < H; j++) u[j] = p.b1[j] as number;
      for (let d = 0; d < D; d++) {
        const xd = X[i * D + d] as number;
        const wr = d * H;
        for (let j = 0; j < H; j++) u[j] = (u[j] as number) + xd * (p.W1[wr + j] as number);
      }
      for (let j = 0; j < H; j++) {
        const a = Math.max(0, u[j] as number);
        u[j] = a;
        h[i * H + j] = a;
      }
    } else {
      for (let d = 0; d < D; d++) u[d] = X[i * D + d] as number;
    }
    for (let k = 0; k < K; k++) lg[k] = p.b2[k] as number;
    for (let j = 0; j < Hin; j++) {
      const uj = u[j] as number;
      const wr = j * K;
      for (let k = 0; k < K; k++) lg[k] = (lg[k] as number) + uj * (p.W2[wr + k] as number);
    }
    let m1 = -Infinity;
    let m2 = -Infinity;
    for (let c = 0; c < C; c++) {
      m1 = Math.max(m1, lg[c] as number);
      m2 = Math.max(m2, invBeta * (lg[C + c] as number));
    }
    let s1 = 0;
    let s2 = 0;
    for (let c = 0; c < C; c++) {
      s1 += Math.exp((lg[c] as number) - m1);
      s2 += Math.exp(invBeta * (lg[C + c] as number) - m2);
    }
    for (let c = 0; c < C; c++) {
      ce[i * C + c] = lg[c] as number;
      kd[i * C + c] = lg[C + c] as number;
      probs[i * C + c] = (alpha * Math.exp((lg[c] as number) - m1)) / s1 + ((1 - alpha) * Math.exp(invBeta * (lg[C + c] as number) - m2)) / s2;
    }
  }
  return h === undefined ? { ce, kd, probs } : { ce, kd, probs, h };
}

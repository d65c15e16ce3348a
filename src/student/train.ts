/**
 * One AL round's DHO training of a fresh student on frozen features (SPEC.md §5.1, §5.2, §5.4,
 * §8.3; docs/ARCHITECTURE.md "deliberate deviations": frozen backbone, adapter head, teacher outputs computed
 * once instead of per augmented view).
 */
import type { Matrix } from '../linalg/matrix.ts';
import type { Rng } from '../util/rng.ts';
import type { DhoLayout, DhoShape } from '../linalg/dho-layout.ts';
import { adamwScalars, dhoLayout } from '../linalg/dho-layout.ts';
import { linearWarmupSchedule } from '../linalg/schedule.ts';
import { softmaxRow } from '../linalg/softmax.ts';
import type { DhoConfig } from './config.ts';
import { distills, resolveEngine, validateDhoConfig } from './config.ts';
import type { DhoEngine } from './engine.ts';
import { createOnnxEngine, createTsEngine } from './engine.ts';
import type { StudentModel, StudentParams, Standardization } from './model.ts';
import { createStudentModel } from './model.ts';
import { LabeledSampler, UnlabeledStream } from './sampler.ts';
import { BatchGatherer } from './batch.ts';
import { stepsPerRound } from './schedule.ts';

export type { StudentModel, StudentParams, ParamTensor, PredictOptions, Standardization } from './model.ts';

/** Arguments of {@link trainStudent}. */
export interface TrainStudentArgs {
  /** N×D frozen backbone features of every row (pool and labeled); rows are addressed by index. */
  readonly features: Matrix;
  /** Indices (into `features`) of the labeled rows; must not be empty. */
  readonly labeledRows: Uint32Array;
  /** Class of each labeled row (same order as `labeledRows`), each in 0..numClasses−1. */
  readonly labels: Int32Array;
  /** Indices of the unlabeled rows (may be empty: the KD term then uses labeled rows only). */
  readonly unlabeledRows: Uint32Array;
  /** N×C teacher probabilities, row-aligned with `features`; required unless framework is 'no-distill'. */
  readonly teacherProbs?: Matrix;
  /** Number of classes C (≥ 2). */
  readonly numClasses: number;
  readonly config: DhoConfig;
  /** Source of every random draw (initialisation, then batch sampling). */
  readonly rng: Rng;
  /** Progress callback after each update: step = 1..total, loss at the pre-update parameters. */
  readonly onStep?: (step: number, total: number, loss: number) => void;
}

/**
 * The teacher's soft targets at temperature T for the given rows, precomputed once:
 * q = softmax(log(max(p, floor)) / T), i.e. q ∝ max(p, floor)^(1/T) (SPEC §5.1 with teacher logits
 * log p). Returns an N×C row-major Float32Array; rows not listed stay 0.
 * @throws RangeError when teacherProbs is not N×C or a row index is out of range.
 */
export function softTargets(teacherProbs: Matrix, rows: Iterable<number>, temperature: number, floor = 1e-12): Float32Array {
  const { rows: N, cols: C, data } = teacherProbs;
  if (data.length !== N * C) throw new RangeError('softTargets: teacherProbs data length does not match rows×cols');
  const out = new Float32Array(N * C);
  const logFloor = Math.log(floor);
  const t = new Float64Array(C);
  for (const r of rows) {
    if (!(r >= 0 && r < N)) throw new RangeError(`softTargets: row ${r} out of range 0..${N - 1}`);
    const o = r * C;
    if ((out[o] as number) > 0) continue; // already done (row listed twice)
    for (let c = 0; c < C; c++) {
      const p = data[o + c] as number;
      t[c] = p > floor ? Math.log(p) : logFloor;
    }
    softmaxRow(t, 0, C, out, o, temperature);
  }
  return out;
}

/**
 * Mean and reciprocal (population) standard deviation of each feature over `rows` (duplicates
 * count twice); a dimension with std < 1e-12 gets invStd = 1.
 */
export function featureStats(features: Matrix, rows: readonly Uint32Array[]): Standardization {
  const D = features.cols;
  const sum = new Float64Array(D);
  const sq = new Float64Array(D);
  let n = 0;
  for (const list of rows) {
    for (const r of list) {
      const o = r * D;
      for (let d = 0; d < D; d++) {
        const x = features.data[o + d] as number;
        sum[d] = (sum[d] as number) + x;
        sq[d] = (sq[d] as number) + x * x;
      }
      n++;
    }
  }
  const mean = new Float32Array(D);
  const invStd = new Float32Array(D);
  for (let d = 0; d < D; d++) {
    const mu = (sum[d] as number) / Math.max(1, n);
    const variance = Math.max(0, (sq[d] as number) / Math.max(1, n) - mu * mu);
    const sd = Math.sqrt(variance);
    mean[d] = mu;
    invStd[d] = sd < 1e-12 ? 1 : 1 / sd;
  }
  return { mean, invStd };
}

/**
 * PyTorch-default initial parameters of a fresh student: every weight AND bias ~ U(±1/√fan_in),
 * drawn from `rng` in the order W1, b1 (adapter), Wce, bce, Wkd, bkd, each row-major in the
 * [in, out] layout (SPEC §3.1, §5.4).
 */
export function initStudentParams(head: 'adapter' | 'linear', D: number, H: number, C: number, rng: Rng): StudentParams {
  const draw = (n: number, fanIn: number): Float32Array => {
    const b = 1 / Math.sqrt(fanIn);
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = rng.uniform(-b, b);
    return a;
  };
  const Hin = head === 'adapter' ? H : D;
  const adapterParams = head === 'adapter' ? { W1: { shape: [D, H], data: draw(D * H, D) }, b1: { shape: [H], data: draw(H, D) } } : {};
  const Wce = { shape: [Hin, C], data: draw(Hin * C, Hin) };
  const bce = { shape: [C], data: draw(C, Hin) };
  const Wkd = { shape: [Hin, C], data: draw(Hin * C, Hin) };
  const bkd = { shape: [C], data: draw(C, Hin) };
  return { ...adapterParams, Wce, bce, Wkd, bkd };
}

/** Packs `p` into the flat θ of `layout` (fusing the heads column-wise when distilling). */
export function packTheta(layout: DhoLayout, p: StudentParams): Float32Array {
  const theta = new Float32Array(layout.total);
  const { C, distill } = layout.shape;
  const K = layout.K;
  if (layout.W1 && layout.b1) {
    if (!p.W1 || !p.b1) throw new RangeError('packTheta: adapter parameters W1/b1 missing');
    theta.set(p.W1.data, layout.W1.offset);
    theta.set(p.b1.data, layout.b1.offset);
  }
  const Hin = layout.headIn;
  for (let j = 0; j < Hin; j++) {
    theta.set(p.Wce.data.subarray(j * C, (j + 1) * C), layout.W2.offset + j * K);
    if (distill) theta.set(p.Wkd.data.subarray(j * C, (j + 1) * C), layout.W2.offset + j * K + C);
  }
  theta.set(p.bce.data, layout.b2.offset);
  if (distill) theta.set(p.bkd.data, layout.b2.offset + C);
  return theta;
}

/**
 * Unpacks θ into named parameters; `kdHead` supplies the KD head when the layout has none
 * (no-distill keeps the initial KD head).
 */
export function unpackTheta(layout: DhoLayout, theta: Float32Array, kdHead?: Pick<StudentParams, 'Wkd' | 'bkd'>): StudentParams {
  const { D, H, C, distill } = layout.shape;
  const K = layout.K;
  const Hin = layout.headIn;
  const Wce = new Float32Array(Hin * C);
  const Wkd = new Float32Array(Hin * C);
  for (let j = 0; j < Hin; j++) {
    const o = layout.W2.offset + j * K;
    Wce.set(theta.subarray(o, o + C), j * C);
    if (distill) Wkd.set(theta.subarray(o + C, o + 2 * C), j * C);
  }
  const bce = theta.slice(layout.b2.offset, layout.b2.offset + C);
  const bkd = distill ? theta.slice(layout.b2.offset + C, layout.b2.offset + 2 * C) : new Float32Array(C);
  const adapterParams =
    layout.W1 && layout.b1
      ? { W1: { shape: [D, H], data: theta.slice(layout.W1.offset, layout.W1.offset + layout.W1.size) }, b1: { shape: [H], data: theta.slice(layout.b1.offset, layout.b1.offset + layout.b1.size) } }
      : {};
  if (!distill) {
    if (!kdHead) throw new RangeError('unpackTheta: a no-distill layout needs the (untrained) KD head');
    return { ...adapterParams, Wce: { shape: [Hin, C], data: Wce }, bce: { shape: [C], data: bce }, Wkd: kdHead.Wkd, bkd: kdHead.bkd };
  }
  return { ...adapterParams, Wce: { shape: [Hin, C], data: Wce }, bce: { shape: [C], data: bce }, Wkd: { shape: [Hin, C], data: Wkd }, bkd: { shape: [C], data: bkd } };
}

function checkRows(name: string, rows: Uint32Array, N: number): void {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as number;
    if (r >= N) throw new RangeError(`trainStudent: ${name}[${i}] = ${r} is out of range 0..${N - 1}`);
  }
}

/**
 * Trains a fresh DHO student for one AL round (everything re-initialised, SPEC §5.4) and returns
 * it. Per step: `batchLabeled` labeled rows drawn with replacement from the (padded) labeled list
 * and, when distilling and the unlabeled set is not empty, `batchUnlabeled` rows of the shuffled
 * unlabeled stream; loss = λ·CE(ce_l, y) + (1−λ)·T²·(KL_l + KL_u) (SPEC §5.1) or, for
 * `'no-distill'`, CE(ce_l, y) on labeled batches only (SPEC §8.3). AdamW with decoupled decay on
 * all parameters and HF linear warm-up/decay over S = stepsPerLabeledBatch·⌈|L|/batchLabeled⌉
 * updates (§5.2).
 *
 * @throws RangeError on shape mismatches, an empty labeled set, labels outside 0..C−1, row indices
 *   outside 0..N−1, a missing teacher when distilling, or an invalid config.
 */
export async function trainStudent(args: TrainStudentArgs): Promise<StudentModel> {
  const { features, labeledRows, labels, unlabeledRows, teacherProbs, numClasses: C, config: cfg, rng } = args;
  validateDhoConfig(cfg);
  const N = features.rows;
  const D = features.cols;
  if (features.data.length !== N * D) throw new RangeError(`trainStudent: features.data has ${features.data.length} values, expected ${N}×${D}`);
  if (!Number.isInteger(C) || C < 2) throw new RangeError(`trainStudent: numClasses must be an integer ≥ 2, got ${C}`);
  if (labeledRows.length === 0) throw new RangeError('trainStudent: the labeled set is empty');
  if (labels.length !== labeledRows.length) throw new RangeError(`trainStudent: ${labels.length} labels for ${labeledRows.length} labeled rows`);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] as number;
    if (!(y >= 0 && y < C)) throw new RangeError(`trainStudent: labels[${i}] = ${y} is outside 0..${C - 1}`);
  }
  checkRows('labeledRows', labeledRows, N);
  checkRows('unlabeledRows', unlabeledRows, N);
  const distill = distills(cfg.framework);
  if (distill) {
    if (!teacherProbs) throw new RangeError("trainStudent: teacherProbs is required unless framework is 'no-distill'");
    if (teacherProbs.rows !== N || teacherProbs.cols !== C) throw new RangeError(`trainStudent: teacherProbs must be ${N}×${C}, got ${teacherProbs.rows}×${teacherProbs.cols}`);
  }

  const adapter = cfg.head === 'adapter';
  const H = adapter ? cfg.hidden : 0;
  const shape: DhoShape = { head: cfg.head, distill, D, H, C };
  const layout = dhoLayout(shape);

  // ---- fresh parameters (SPEC §5.4) and per-round precomputation
  const init = initStudentParams(cfg.head, D, H, C, rng);
  const theta0 = packTheta(layout, init);
  const std = cfg.standardize ? featureStats(features, [labeledRows, unlabeledRows]) : undefined;
  const T = cfg.temperature;
  const useUnlabeled = distill && unlabeledRows.length > 0;
  const Q = distill && teacherProbs ? softTargets(teacherProbs, [...labeledRows, ...(useUnlabeled ? unlabeledRows : [])], T, cfg.teacherFloor) : undefined;

  const S = stepsPerRound(labeledRows.length, cfg.batchLabeled, cfg.stepsPerLabeledBatch);
  const mult = linearWarmupSchedule(S, cfg.warmupFrac);
  const B = cfg.batchLabeled + (useUnlabeled ? cfg.batchUnlabeled : 0);
  const engineKind = resolveEngine(cfg.engine, B * layout.total);
  const engine: DhoEngine = engineKind === 'ts' ? createTsEngine(layout, theta0) : await createOnnxEngine(layout, theta0, cfg.threads);

  // ---- batches: buffers allocated once and refilled every step
  const gather = new BatchGatherer({
    features,
    labeledRows,
    labels,
    unlabeledRows,
    numClasses: C,
    labeled: new LabeledSampler(labeledRows.length, cfg.batchLabeled, rng, cfg.padLabeled),
    batchLabeled: cfg.batchLabeled,
    ...(useUnlabeled ? { unlabeled: new UnlabeledStream(unlabeledRows.length, rng) } : {}),
    batchUnlabeled: cfg.batchUnlabeled,
    ...(Q ? { softTargets: Q } : {}),
    ceWeight: cfg.ceWeight,
    temperature: T,
    ...(std ? { standardization: std } : {}),
  });

  const losses = new Float32Array(S);
  const adam = { beta1: cfg.beta1, beta2: cfg.beta2, eps: cfg.eps, weightDecay: cfg.weightDecay };
  for (let k = 0; k < S; k++) {
    const batch = gather.next();
    const s = adamwScalars(k + 1, cfg.lr * (mult[k] as number), adam, T);
    const loss = await engine.step(batch, s);
    losses[k] = loss;
    args.onStep?.(k + 1, S, loss);
  }

  const kdHead = distill ? undefined : { Wkd: init.Wkd, bkd: init.bkd };
  const params = unpackTheta(layout, engine.theta(), kdHead);
  return createStudentModel({
    config: cfg,
    featureDim: D,
    numClasses: C,
    params,
    ...(std ? { standardization: std } : {}),
    engine: engineKind,
    steps: S,
    losses,
  });
}

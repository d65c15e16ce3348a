/**
 * Configuration of the DHO student (SPEC.md §5.1, §5.2, §6, §8.3, §12; docs/ARCHITECTURE.md "deliberate
 * deviations"). One {@link DhoConfig} describes one round's training and its predictions;
 * {@link DEFAULT_DHO} holds the paper's "other datasets" defaults.
 */
import type { DhoHead } from '../linalg/dho-layout.ts';
import { CE_WEIGHT_OPTION, HIDDEN_OPTION, PREDICT_CHUNK_OPTION, STANDARDIZE_OPTION, STEPS_PER_BATCH_OPTION, STUDENT_HEAD_OPTION, TEMPERATURE_OPTION } from '../options/definitions.ts';
import type { OptionDef } from '../options/define.ts';
import { FRAMEWORKS, isFramework, type Framework } from '../options/framework.ts';

export type { Framework } from '../options/framework.ts';

/**
 * Whether `f` trains the KD head: `'no-distill'` trains CE only on labeled batches (SPEC §8.3);
 * `'zero-shot'` and `'few-shot'` train the full DHO objective (SPEC §5.1) against the teacher
 * probabilities the caller passes — which teacher produced them is the caller's business.
 */
export function distills(f: Framework): boolean {
  return f !== 'no-distill';
}

/**
 * The CE-head weight α a student of framework `f` actually predicts with: `alphaCe` when it
 * distills, 1 (CE head alone; its KD head never trained) for `'no-distill'` (SPEC §6, §8.3).
 */
export function effectiveAlphaCe(f: Framework, alphaCe: number): number {
  return distills(f) ? alphaCe : 1;
}

/** The combination weights of the student's predictions for evaluation and for selection (SPEC §6). */
export interface PredictionSettings {
  /** Whether the KD head is trained and used. */
  readonly distills: boolean;
  /** α (CE-head weight) and β (KD-logit temperature) of the test-accuracy predictions. */
  readonly evaluation: { readonly alphaCe: number; readonly beta: number };
  /** α and β of the predictions the selection strategies see. */
  readonly selection: { readonly alphaCe: number; readonly beta: number };
}

/** The prediction settings a student trained with `c` really uses (α forced to 1 without distillation, see {@link effectiveAlphaCe}). */
export function predictionSettings(c: Pick<DhoConfig, 'framework' | 'evalAlphaCe' | 'evalBeta' | 'selAlphaCe' | 'selBeta'>): PredictionSettings {
  return {
    distills: distills(c.framework),
    evaluation: { alphaCe: effectiveAlphaCe(c.framework, c.evalAlphaCe), beta: c.evalBeta },
    selection: { alphaCe: effectiveAlphaCe(c.framework, c.selAlphaCe), beta: c.selBeta },
  };
}

/** Compute engine: the fused ONNX graphs, the plain-TypeScript twin, or `'auto'` (see {@link DhoConfig.engine}). */
export type DhoEngineKind = 'auto' | 'onnx' | 'ts';

/** Everything that shapes one training run of the student and its predictions. */
export interface DhoConfig {
  /**
   * Student head on the frozen features Z. `'adapter'` (default): h = ReLU(Z·W1 + b1) of width
   * {@link hidden}, ce = h·Wce + bce, kd = h·Wkd + bkd; both losses train the shared adapter (the
   * frozen-backbone stand-in for the paper's shared, fine-tuned backbone, docs/ARCHITECTURE.md). `'linear'`:
   * ce = Z·Wce + bce, kd = Z·Wkd + bkd, two independent heads (SPEC §3.1 heads on a frozen backbone).
   */
  readonly head: DhoHead;
  /** Adapter width H (used only by `head: 'adapter'`). Default 512. */
  readonly hidden: number;
  /**
   * `'zero-shot'` (default) or `'few-shot'`: loss = λ·CE(ce_l, y) + (1−λ)·T²·(KL_l + KL_u), prediction
   * mixes both heads. `'no-distill'`: labeled batches only, loss = CE of the CE head (weight 1),
   * prediction = softmax(ce); the KD head keeps its initial weights (it never receives a gradient).
   * SPEC §8.3. See {@link distills}.
   */
  readonly framework: Framework;
  /** Distillation temperature T (SPEC §5.1). Default 2. */
  readonly temperature: number;
  /** λ, weight of the CE term; the KD terms get 1−λ (SPEC §5.1). Default 0.5. */
  readonly ceWeight: number;
  /** Labeled rows per step, sampled with replacement (SPEC §5.2). Default 64. */
  readonly batchLabeled: number;
  /** Unlabeled rows per step from the shuffled, cycled unlabeled stream (SPEC §5.2). Default 64. */
  readonly batchUnlabeled: number;
  /**
   * Optimiser steps per started batch of labeled items: S = stepsPerLabeledBatch · ⌈|L| / batchLabeled⌉
   * updates per round (the paper's 200 "epochs" of a with-replacement sampler, SPEC §5.2). Default 200.
   */
  readonly stepsPerLabeledBatch: number;
  /** Peak AdamW learning rate. Default 1e-3 (SPEC §5.2). */
  readonly lr: number;
  /** AdamW β1. Default 0.9. */
  readonly beta1: number;
  /** AdamW β2. Default 0.999. */
  readonly beta2: number;
  /** AdamW ε (added to √v̂). Default 1e-8. */
  readonly eps: number;
  /** Decoupled weight decay, applied to ALL parameters including biases. Default 0.01 (SPEC §5.2, D7). */
  readonly weightDecay: number;
  /** Linear warm-up length as a fraction of S (a float number of steps, HF semantics). Default 0.1. */
  readonly warmupFrac: number;
  /**
   * Pad the labeled list to a multiple of `batchLabeled` with copies of its first items before
   * sampling with replacement (SPEC §5.2, oddity O6). Default true.
   */
  readonly padLabeled: boolean;
  /**
   * z-score every feature dimension with the mean and standard deviation of the labeled +
   * unlabeled rows before training and prediction (the statistics are stored in the model).
   * Default false. NOTE: this changes the KD results (the student sees differently scaled inputs,
   * so its fit to the teacher and hence the combined probabilities change); it is not in the paper.
   */
  readonly standardize: boolean;
  /** CE-head weight α of the combined probabilities used for evaluation (SPEC §6, D1). Default 0.5. */
  readonly evalAlphaCe: number;
  /** KD-logit temperature β of the combined probabilities used for evaluation. Default 1. */
  readonly evalBeta: number;
  /** CE-head weight α used when predicting for selection strategies. Default 0.5. */
  readonly selAlphaCe: number;
  /** KD-logit temperature β used when predicting for selection strategies. Default 1. */
  readonly selBeta: number;
  /**
   * Compute engine. `'onnx'`: fused onnxruntime graphs; `'ts'`: the plain-TypeScript twin;
   * `'auto'` (default): `'ts'` when one step costs at most {@link TS_ENGINE_MAX_WORK} multiply-adds
   * (tiny problems, where a session launch costs more than the arithmetic), `'onnx'` otherwise.
   */
  readonly engine: DhoEngineKind;
  /** onnxruntime intra-op threads; undefined → `os.availableParallelism()`. */
  readonly threads?: number;
  /** Rows per predict-graph run (bounds memory). Default 8192. */
  readonly predictChunk: number;
  /** Floor applied to teacher probabilities before taking logs: teacher logits = log(max(p, floor)). Default 1e-12. */
  readonly teacherFloor: number;
}

/** Work threshold of `engine: 'auto'`: batch rows × parameters (multiply-adds of one forward). */
export const TS_ENGINE_MAX_WORK = 50_000;

/**
 * The paper's defaults for the 10 "other" datasets (SPEC §5.2, §6, §14) with the adapter head; the
 * fields that are command-line options take their defaults from the option definitions (src/options/).
 */
export const DEFAULT_DHO: Readonly<DhoConfig> = Object.freeze({
  head: STUDENT_HEAD_OPTION.default,
  hidden: HIDDEN_OPTION.default,
  framework: 'zero-shot',
  temperature: TEMPERATURE_OPTION.default,
  ceWeight: CE_WEIGHT_OPTION.default,
  batchLabeled: 64,
  batchUnlabeled: 64,
  stepsPerLabeledBatch: STEPS_PER_BATCH_OPTION.default,
  lr: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0.01,
  warmupFrac: 0.1,
  padLabeled: true,
  standardize: STANDARDIZE_OPTION.default,
  evalAlphaCe: 0.5,
  evalBeta: 1,
  selAlphaCe: 0.5,
  selBeta: 1,
  engine: 'auto',
  predictChunk: PREDICT_CHUNK_OPTION.default,
  teacherFloor: 1e-12,
} satisfies DhoConfig);

/** {@link DEFAULT_DHO} with `overrides` applied, validated. @throws RangeError on an invalid value. */
export function dhoConfig(overrides: Partial<DhoConfig> = {}): DhoConfig {
  const c: DhoConfig = { ...DEFAULT_DHO, ...overrides };
  validateDhoConfig(c);
  return c;
}

/**
 * Checks every field of `c`. @throws RangeError naming the first invalid field.
 */
export function validateDhoConfig(c: DhoConfig): void {
  const posInt = (k: keyof DhoConfig): void => {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RangeError(`DhoConfig.${String(k)} must be a positive integer, got ${String(v)}`);
  };
  const inRange = (k: keyof DhoConfig, lo: number, hi: number, loOpen = false, hiOpen = false): void => {
    const v = c[k];
    const ok = typeof v === 'number' && Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
    if (!ok) throw new RangeError(`DhoConfig.${String(k)} must be in ${loOpen ? '(' : '['}${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${String(v)}`);
  };
  // Fields that are command-line options: the option definition's validator.
  const byOption = (k: keyof DhoConfig, def: Pick<OptionDef<unknown>, 'schema' | 'expected'>): void => {
    if (!def.schema.safeParse(c[k]).success) throw new RangeError(`DhoConfig.${String(k)} must be ${def.expected}, got ${String(c[k])}`);
  };
  byOption('head', STUDENT_HEAD_OPTION);
  byOption('hidden', HIDDEN_OPTION);
  byOption('temperature', TEMPERATURE_OPTION);
  byOption('ceWeight', CE_WEIGHT_OPTION);
  byOption('stepsPerLabeledBatch', STEPS_PER_BATCH_OPTION);
  byOption('standardize', STANDARDIZE_OPTION);
  byOption('predictChunk', PREDICT_CHUNK_OPTION);
  if (!isFramework(c.framework)) throw new RangeError(`DhoConfig.framework must be one of ${FRAMEWORKS.join(', ')}, got ${String(c.framework)}`);
  if (c.engine !== 'auto' && c.engine !== 'onnx' && c.engine !== 'ts') throw new RangeError(`DhoConfig.engine must be 'auto', 'onnx' or 'ts', got ${String(c.engine)}`);
  posInt('batchLabeled');
  posInt('batchUnlabeled');
  if (c.threads !== undefined) posInt('threads');
  inRange('lr', 0, Infinity, false, true);
  inRange('beta1', 0, 1, false, true);
  inRange('beta2', 0, 1, false, true);
  inRange('eps', 0, Infinity, true, true);
  inRange('weightDecay', 0, Infinity, false, true);
  inRange('warmupFrac', 0, 1);
  inRange('evalAlphaCe', 0, 1);
  inRange('selAlphaCe', 0, 1);
  inRange('evalBeta', 0, Infinity, true, true);
  inRange('selBeta', 0, Infinity, true, true);
  inRange('teacherFloor', 0, 1, true, true);
  if (typeof c.padLabeled !== 'boolean') throw new RangeError('DhoConfig.padLabeled must be a boolean');
}

/**
 * The engine that runs `work` multiply-adds (one forward over a batch or a prediction set):
 * the TypeScript twin only for tiny problems under `'auto'` (regression: predicting a 60,000-row
 * pool with the twin took ~20 s against ~0.2 s for the graph).
 */
export function resolveEngine(engine: DhoEngineKind, work: number): 'onnx' | 'ts' {
  return engine === 'auto' ? (work <= TS_ENGINE_MAX_WORK ? 'ts' : 'onnx') : engine;
}

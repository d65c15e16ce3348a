/**
 * A trained DHO student: its parameters and the SPEC.md §6 prediction rule
 * probs = α·softmax(ce) + (1−α)·softmax(kd/β).
 */
import type { Matrix } from '../linalg/matrix.ts';
import type { DhoHead } from '../linalg/dho-layout.ts';
import type { DhoPredictParams } from '../linalg/dho-ref.ts';
import type { DhoConfig } from './config.ts';
import { effectiveAlphaCe, resolveEngine, validateDhoConfig } from './config.ts';
import { predictRows } from './engine.ts';
import type { StudentPredictions } from './predictions.ts';

/** One named parameter tensor: row-major float32 `data` with `shape` ([in, out] for weights, [out] for biases). */
export interface ParamTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/**
 * The student's parameters, ready for ONNX export. Weights use the `x·W` convention: shape
 * [in, out], the transpose of PyTorch's `nn.Linear.weight`. `W1`/`b1` exist only for the adapter
 * head (W1 [D, H], b1 [H]); heads: Wce/Wkd [in, C], bce/bkd [C] with in = H (adapter) or D (linear).
 */
export interface StudentParams {
  readonly W1?: ParamTensor;
  readonly b1?: ParamTensor;
  readonly Wce: ParamTensor;
  readonly bce: ParamTensor;
  readonly Wkd: ParamTensor;
  readonly bkd: ParamTensor;
}

/** Per-dimension z-scoring applied to input features before the student (config `standardize`). */
export interface Standardization {
  /** D means. */
  readonly mean: Float32Array;
  /** D reciprocal standard deviations (1 where a dimension is constant). */
  readonly invStd: Float32Array;
}

/** Options of {@link StudentModel.predict}. */
export interface PredictOptions {
  /** CE-head weight α (default: config `evalAlphaCe`; forced to 1 for `framework: 'no-distill'`). */
  readonly alphaCe?: number;
  /** KD-logit temperature β (default: config `evalBeta`). */
  readonly beta?: number;
  /**
   * Whether to return `features` (default true). `false` keeps neither the adapter output h (n×H)
   * nor a standardized copy of the input (n×D) — on a 1M-item pool, 2 GB and 4 GB — and reading
   * `features` then throws; ce, kd and probs are unchanged (issue 12 item 6).
   */
  readonly features?: boolean;
}

/** A trained student (each AL round trains a fresh one, SPEC §5.4). */
export interface StudentModel {
  readonly config: DhoConfig;
  readonly head: DhoHead;
  /** Input feature dimension D. */
  readonly featureDim: number;
  /** Adapter width H (0 for the linear head). */
  readonly hidden: number;
  readonly numClasses: number;
  readonly params: StudentParams;
  /** Present when the config asked for `standardize`. */
  readonly standardization?: Standardization;
  /** Engine used for training and prediction. */
  readonly engine: 'onnx' | 'ts';
  /** Number of optimiser updates performed (S). */
  readonly steps: number;
  /** Loss of every step (length S), at the parameters before that step's update. */
  readonly losses: Float32Array;
  /**
   * Predicts n rows of features (n×D, the same feature space as training; standardization, when
   * configured, is applied here). Returns n×C `ce`, `kd` logits, n×C `probs` =
   * α·softmax(ce) + (1−α)·softmax(kd/β) (SPEC §6; softmax(ce) for no-distill) and `features` = what
   * the heads read: the adapter output h (n×H) for `head: 'adapter'`, the input features themselves
   * for `head: 'linear'` (the very `features` object when not standardized, otherwise the
   * standardized copy). Runs in chunks of `config.predictChunk` rows.
   * @throws RangeError when features.cols ≠ D, α ∉ [0, 1], β ≤ 0, or the model was disposed.
   */
  predict(features: Matrix, opts?: PredictOptions): Promise<StudentPredictions>;
  /** Drops the parameters; later `predict` calls throw. Cached onnxruntime sessions stay shared. */
  dispose(): void;
}

/** Fields needed to assemble a {@link StudentModel} (see {@link createStudentModel}). */
export interface StudentModelInit {
  readonly config: DhoConfig;
  readonly featureDim: number;
  readonly numClasses: number;
  readonly params: StudentParams;
  readonly standardization?: Standardization;
  readonly engine: 'onnx' | 'ts';
  readonly steps?: number;
  readonly losses?: Float32Array;
}

function checkTensor(name: string, t: ParamTensor | undefined, shape: readonly number[]): ParamTensor {
  if (t === undefined) throw new RangeError(`StudentParams.${name} is required`);
  const n = shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== n || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new RangeError(`StudentParams.${name} must have shape [${shape.join(',')}], got [${t.shape.join(',')}] with ${t.data.length} values`);
  }
  return t;
}

/**
 * Wraps parameters as a {@link StudentModel} (used by `trainStudent`; also for models whose
 * parameters come from elsewhere). @throws RangeError when a tensor's shape does not match the
 * config's head, D, H and C.
 */
export function createStudentModel(init: StudentModelInit): StudentModel {
  const { config, featureDim: D, numClasses: C, params } = init;
  validateDhoConfig(config);
  const adapter = config.head === 'adapter';
  const H = adapter ? config.hidden : 0;
  const Hin = adapter ? H : D;
  if (!Number.isInteger(D) || D < 1) throw new RangeError(`StudentModel: featureDim must be a positive integer, got ${D}`);
  if (!Number.isInteger(C) || C < 2) throw new RangeError(`StudentModel: numClasses must be an integer ≥ 2, got ${C}`);
  const Wce = checkTensor('Wce', params.Wce, [Hin, C]);
  const Wkd = checkTensor('Wkd', params.Wkd, [Hin, C]);
  const bce = checkTensor('bce', params.bce, [C]);
  const bkd = checkTensor('bkd', params.bkd, [C]);
  let W1: Float32Array | undefined;
  let b1: Float32Array | undefined;
  if (adapter) {
    W1 = checkTensor('W1', params.W1, [D, H]).data;
    b1 = checkTensor('b1', params.b1, [H]).data;
  }
  const std = init.standardization;
  if (std && (std.mean.length !== D || std.invStd.length !== D)) throw new RangeError(`StudentModel: standardization vectors must have length ${D}`);
  // Fused heads for the predict graph: W2 = [Wce | Wkd] (Hin × 2C), b2 = [bce, bkd].
  const W2 = new Float32Array(Hin * 2 * C);
  for (let j = 0; j < Hin; j++) {
    W2.set(Wce.data.subarray(j * C, (j + 1) * C), j * 2 * C);
    W2.set(Wkd.data.subarray(j * C, (j + 1) * C), j * 2 * C + C);
  }
  const b2 = new Float32Array(2 * C);
  b2.set(bce.data, 0);
  b2.set(bkd.data, C);
  let pp: DhoPredictParams | undefined = adapter && W1 && b1 ? { D, H, C, W1, b1, W2, b2 } : { D, H: 0, C, W2, b2 };
  const transform = std
    ? (src: Float32Array, dst: Float32Array): void => {
        const { mean, invStd } = std;
        for (let o = 0; o < src.length; o += D) {
          for (let d = 0; d < D; d++) dst[o + d] = ((src[o + d] as number) - (mean[d] as number)) * (invStd[d] as number);
        }
      }
    : undefined;

  return {
    config,
    head: config.head,
    featureDim: D,
    hidden: H,
    numClasses: C,
    params,
    ...(std ? { standardization: std } : {}),
    engine: init.engine,
    steps: init.steps ?? 0,
    losses: init.losses ?? new Float32Array(0),
    async predict(features: Matrix, opts: PredictOptions = {}): Promise<StudentPredictions> {
      if (pp === undefined) throw new RangeError('StudentModel.predict: the model was disposed');
      if (features.cols !== D) throw new RangeError(`StudentModel.predict: features have ${features.cols} columns, the student expects D = ${D}`);
      if (features.data.length !== features.rows * features.cols) throw new RangeError('StudentModel.predict: features.data length does not match rows×cols');
      const alpha = effectiveAlphaCe(config.framework, opts.alphaCe ?? config.evalAlphaCe);
      const beta = opts.beta ?? config.evalBeta;
      if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`StudentModel.predict: alphaCe must be in [0, 1], got ${alpha}`);
      if (!(beta > 0) || !Number.isFinite(beta)) throw new RangeError(`StudentModel.predict: beta must be positive, got ${beta}`);
      const n = features.rows;
      // The twin only for tiny inputs: predicting a pool with it is ~100× slower than the graph.
      const work = n * D * (H > 0 && pp.W1 !== undefined ? H : 2 * C);
      const engine = resolveEngine(config.engine, work);
      const out = await predictRows(pp, features.data, n, alpha, 1 / beta, {
        engine,
        chunk: config.predictChunk,
        ...(config.threads !== undefined ? { threads: config.threads } : {}),
        ...(transform ? { transform } : {}),
        hidden: opts.features !== false,
      });
      if (opts.features === false) {
        return {
          ce: { rows: n, cols: C, data: out.ce },
          kd: { rows: n, cols: C, data: out.kd },
          probs: { rows: n, cols: C, data: out.probs },
          get features(): Matrix {
            throw new Error('StudentModel.predict: features were not kept (predict was called with features: false)');
          },
        };
      }
      let feats: Matrix;
      if (out.h) feats = { rows: n, cols: H, data: out.h };
      else if (transform) {
        const z = new Float32Array(features.data.length);
        transform(features.data, z);
        feats = { rows: n, cols: D, data: z };
      } else feats = features;
      return {
        ce: { rows: n, cols: C, data: out.ce },
        kd: { rows: n, cols: C, data: out.kd },
        probs: { rows: n, cols: C, data: out.probs },
        features: feats,
      };
    },
    dispose(): void {
      pp = undefined;
    },
  };
}

/**
 * The one active-learning round (SPEC.md §8.1): train a fresh DHO student on the labeled set L
 * (CE head) and on L ∪ U against the teacher (KD head), evaluate it on the test split, predict the
 * pool, and let a strategy pick the next Q rows of the unlabeled pool U. The simulated loop
 * ({@link runActiveLoop}, `activekd run` and `bench`) and the labeling project's round
 * (`activekd round`, journaled around this function) both call it; nothing else trains and
 * selects.
 */
import { accuracy } from '../linalg/accuracy.ts';
import { takeRows, type Matrix } from '../linalg/matrix.ts';
import { runSelection } from '../strategies/registry.ts';
import type { SelectionContext, Strategy, StudentPredictions } from '../strategies/types.ts';
import type { DhoConfig } from '../student/config.ts';
import type { StudentModel } from '../student/model.ts';
import { trainStudent } from '../student/train.ts';
import type { Framework } from '../options/framework.ts';
import { resolveQuerySize } from '../options/query-size.ts';
import type { Rng } from '../util/rng.ts';

/** Inputs of {@link runRound}. Rows are global pool rows (indices into `features`). */
export interface RoundInput {
  /** N×D frozen student-backbone features of the whole pool (labeled and unlabeled rows). */
  readonly features: Matrix;
  /** Rows of the labeled set L, in the order training reads them (the sampler depends on it). */
  readonly labeledRows: Uint32Array;
  /** Class index of each row of {@link labeledRows}. */
  readonly labeledLabels: Int32Array;
  /**
   * N×C teacher probabilities the student distils from (rows sum to 1); also given to strategies
   * as `teacherPool` / `teacherLabeled`. Ignored for training under framework `no-distill`.
   */
  readonly teacherProbs?: Matrix;
  readonly numClasses: number;
  /** Distillation framework of the student (paper Table 1 columns). */
  readonly framework: Framework;
  /** Student configuration; its `framework` field is overridden by {@link framework}. */
  readonly dho: DhoConfig;
  /**
   * `false`: no student (a project's cold start with nothing labeled); the strategy then sees no
   * student predictions and must read only the teacher or the pool size. Default true.
   */
  readonly train?: boolean;
  /** Strategy that picks the next batch, or null for a round without a query (the last round). */
  readonly strategy: Strategy | null;
  /** Q, rows to pick (a positive integer); clamped to |U| (`resolveQuerySize`). */
  readonly querySize: number;
  /**
   * The round's random stream: the student's training forks it first, the selection second
   * (SPEC §8.1: one seed per run, forked per use).
   */
  readonly rng: Rng;
  /** T×D test features and T labels: the round's test accuracy of the combined prediction (SPEC §6). */
  readonly test?: { readonly features: Matrix; readonly labels: Int32Array };
  /**
   * Predict the pool whenever there is a student and a strategy (for hooks, exports, top-k
   * suggestions). Otherwise the pool is predicted only when the strategy declares it reads
   * probabilities, logits or features.
   */
  readonly keepPredictions?: boolean;
  /** Called during training with (step, total steps). */
  readonly onTrainStep?: (step: number, total: number) => void;
}

/** What one round produced. */
export interface RoundOutcome {
  /** The trained student (null when `train: false`); the caller owns it and must `dispose()` it. */
  readonly student: StudentModel | null;
  /** N×· predictions on every pool row with the selection settings (SPEC §6), when computed. */
  readonly predictions: StudentPredictions | null;
  /** Top-1 test accuracy (fraction) of the combined prediction with the evaluation settings, or null. */
  readonly testAccuracy: number | null;
  /** The unlabeled pool U: every row not in L, ascending; the strategy chose from it. */
  readonly unlabeledRows: Uint32Array;
  /** Global rows picked, in pick order (empty without a strategy or with an empty U). */
  readonly picks: Uint32Array;
  /** Acquisition scores of the picks (pick order), when the strategy gives them. */
  readonly scores?: Float32Array;
  /** Selection-time predictions on U (rows ↔ {@link unlabeledRows}) and on L (rows ↔ labeledRows). */
  readonly poolPredictions: StudentPredictions;
  readonly labeledPredictions: StudentPredictions;
  /** Wall-clock seconds of training (+ test evaluation) and of prediction + selection. */
  readonly trainSeconds: number;
  readonly selectSeconds: number;
}

/**
 * Runs one round: train → evaluate → predict → select (SPEC.md §8.1, §5, §6, §9).
 * @returns the student, its predictions, the test accuracy and the picks (global pool rows)
 * @throws RangeError on inconsistent shapes (labels vs labeled rows, teacher rows vs pool rows)
 * @throws UserError or EmptyPoolError from the strategy
 */
export async function runRound(input: RoundInput): Promise<RoundOutcome> {
  const { features, numClasses } = input;
  const n = features.rows;
  if (input.labeledLabels.length !== input.labeledRows.length) throw new RangeError(`runRound: ${input.labeledRows.length} labeled rows but ${input.labeledLabels.length} labels`);
  const teacher = input.teacherProbs;
  if (teacher && (teacher.rows !== n || teacher.cols !== numClasses)) throw new RangeError(`runRound: teacher probabilities are ${teacher.rows}×${teacher.cols}, expected ${n}×${numClasses}`);
  const inL = new Uint8Array(n);
  for (const r of input.labeledRows) inL[r] = 1;
  const unlabeled: number[] = [];
  for (let i = 0; i < n; i++) if (!inL[i]) unlabeled.push(i);
  const uRows = Uint32Array.from(unlabeled);
  const lRows = input.labeledRows;
  const distil = input.framework !== 'no-distill';
  if (distil && input.train !== false && !teacher) throw new RangeError(`runRound: framework ${input.framework} needs teacher probabilities`);

  const t0 = performance.now();
  // Forked even without training, so the selection always gets the round's second stream.
  const trainRng = input.rng.fork();
  let student: StudentModel | null = null;
  let testAccuracy: number | null = null;
  if (input.train !== false) {
    student = await trainStudent({
      features,
      labeledRows: lRows,
      labels: input.labeledLabels,
      unlabeledRows: uRows,
      ...(distil && teacher ? { teacherProbs: teacher } : {}),
      numClasses,
      config: { ...input.dho, framework: input.framework },
      rng: trainRng,
      ...(input.onTrainStep ? { onStep: input.onTrainStep } : {}),
    });
    if (input.test) {
      const tp = await student.predict(input.test.features, { alphaCe: student.config.evalAlphaCe, beta: student.config.evalBeta });
      testAccuracy = accuracy(tp.probs, input.test.labels);
    }
  }
  const trainSeconds = (performance.now() - t0) / 1000;

  const t1 = performance.now();
  const strategy = input.strategy;
  const needPreds = student !== null && strategy !== null && (input.keepPredictions === true || strategy.needs.some((k) => k === 'probs' || k === 'features' || k === 'logits'));
  // Adapter outputs / standardized features only when read (N×H and N×D on the whole pool).
  const keepFeatures = input.keepPredictions === true || (strategy?.needs.includes('features') ?? false);
  const predictions = needPreds && student ? await student.predict(features, { alphaCe: student.config.selAlphaCe, beta: student.config.selBeta, features: keepFeatures }) : null;
  const why = strategy?.name ?? 'a round without a student';
  const poolPredictions = predictions ? lazySubset(predictions, uRows) : unavailable(why);
  const labeledPredictions = predictions ? lazySubset(predictions, lRows) : unavailable(why);
  let picks = new Uint32Array(0);
  let scores: Float32Array | undefined;
  if (strategy !== null && uRows.length > 0) {
    const ctx: SelectionContext = { pool: poolPredictions, labeled: labeledPredictions, labeledLabels: input.labeledLabels, numClasses, poolSize: uRows.length, rng: input.rng.fork() };
    const sel = await runSelection(strategy, teacher ? withLazyTeacher(ctx, teacher, uRows, lRows) : ctx, resolveQuerySize(input.querySize, numClasses, uRows.length));
    picks = Uint32Array.from(sel.rows, (k) => uRows[k] as number);
    scores = sel.scores;
  }
  const selectSeconds = (performance.now() - t1) / 1000;
  return { student, predictions, testAccuracy, unlabeledRows: uRows, picks, ...(scores ? { scores } : {}), poolPredictions, labeledPredictions, trainSeconds, selectSeconds };
}

/**
 * `ctx` with `teacherPool` / `teacherLabeled` (the teacher's rows of U and L), each copied only when
 * first read: a strategy that does not read the teacher costs no N×C copy (issue 12 item 6).
 */
function withLazyTeacher(ctx: SelectionContext, teacher: Matrix, uRows: Uint32Array, lRows: Uint32Array): SelectionContext {
  let pool: Matrix | undefined;
  let labeled: Matrix | undefined;
  return {
    ...ctx,
    get teacherPool() {
      return (pool ??= takeRows(teacher, uRows));
    },
    get teacherLabeled() {
      return (labeled ??= takeRows(teacher, lRows));
    },
  };
}

/** Row subset of predictions, each matrix copied only when first read. */
function lazySubset(p: StudentPredictions, rows: Uint32Array): StudentPredictions {
  const memo: Partial<Record<keyof StudentPredictions, Matrix>> = {};
  const get = (k: keyof StudentPredictions): Matrix => (memo[k] ??= takeRows(p[k], rows));
  return {
    get ce() {
      return get('ce');
    },
    get kd() {
      return get('kd');
    },
    get probs() {
      return get('probs');
    },
    get features() {
      return get('features');
    },
  };
}

/** Stand-in predictions where none were computed; reading one is a bug in a strategy's `needs`. */
function unavailable(strategy: string): StudentPredictions {
  const fail = (): never => {
    throw new Error(`${strategy} read student predictions, but none were computed (no student this round, or the strategy does not declare 'probs', 'features' or 'logits' in its needs)`);
  };
  return {
    get ce() {
      return fail();
    },
    get kd() {
      return fail();
    },
    get probs() {
      return fail();
    },
    get features() {
      return fail();
    },
  };
}

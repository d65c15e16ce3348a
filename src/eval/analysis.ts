/**
 * Per-run analysis recorder (SPEC.md §11): plugs into the loop's `onSelect` hook and records, per
 * query round, the selection criteria of the picked batch (Fig. 10), the bias-propagation metrics of
 * the student on the unlabeled pool (Figs. 4c, 9), and the probability rows of the initial labeled
 * set and the first selected batch (Fig. 11 heatmaps), the picked batch's class histogram (ANCHORS.md
 * #8) and the stopping signals (ANCHORS.md #10, stopping.ts).
 */
import type { Matrix } from '../linalg/matrix.ts';
import { argmaxRows, takeRows } from '../linalg/matrix.ts';
import type { SelectInfo } from '../loop/active-loop.ts';
import type { KMeansResult } from '../linalg/kmeans.ts';
import type { ProbRowsDoc, RoundAnalysisDoc, RunAnalysisDoc } from '../loop/results-schema.ts';
import { biasMetrics, teacherClusters, type BiasOptions } from './bias.ts';
import { batchCriteria, type CriteriaOptions } from './criteria.ts';
import { pickedClassCounts } from './picked-classes.ts';
import { coverageRadius, predictionStability, teacherStudentAgreement } from './stopping.ts';

/** What to analyse; every part is optional. */
export interface AnalysisOptions {
  /** Selection criteria of each batch (default on; pass false to skip). */
  criteria?: CriteriaOptions | false;
  /**
   * Bias propagation against k-means clusters of the teacher probabilities on the whole training
   * pool (needs a teacher). `k` defaults to the number of classes, `nInit` to 10, seed to 0.
   */
  bias?: (BiasOptions & { k?: number; nInit?: number; seed?: number }) | false;
  /** Record the probability rows of the initial set and the first batch (default on). */
  heatmaps?: boolean;
  /** Record the predicted- and true-class histogram of each picked batch (default on). */
  pickedClasses?: boolean;
  /**
   * Record the stopping signals of each query round (default on): coverage radius, teacher–student
   * agreement (when `teacherProbs` are given) and prediction stability.
   */
  stopping?: boolean;
}

/**
 * One query round's analysis: criteria, bias, picked-class histograms (absent in results written
 * before ANCHORS #8), stopping signals (absent before ANCHORS #10). Schema: src/loop/results-schema.ts.
 */
export type RoundAnalysis = RoundAnalysisDoc;

/** Probability rows of a set of items, for heatmaps: ids, labels, one C-vector (rounded to 4 decimals) per item. */
export type ProbRows = ProbRowsDoc;

/** The analysis block written into results.json under `analysis` (schema: src/loop/results-schema.ts). */
export type RunAnalysis = RunAnalysisDoc;

/** Inputs of {@link createRunAnalysis}. */
export interface RunAnalysisInput {
  ids: readonly string[];
  /**
   * N×C (zero-shot) teacher probabilities on the training pool, whenever the run has a teacher: bias
   * metrics and the teacher–student agreement are skipped without them.
   */
  teacherProbs?: Matrix;
  poolLabels: Int32Array;
  numClasses: number;
  options: AnalysisOptions;
}

/** Creates the recorder: pass `onSelect` to `runActiveLoop`, then read `result()`. */
export function createRunAnalysis(input: RunAnalysisInput): { onSelect: (info: SelectInfo) => void; result: () => RunAnalysis } {
  const C = input.numClasses;
  const o = input.options;
  const biasOpt = o.bias === false || !input.teacherProbs ? false : { lambda: 0.5, delta: 0.5, k: C, nInit: 10, seed: 0, ...(o.bias ?? {}) };
  const critOpt = o.criteria === false ? false : (o.criteria ?? {});
  let clusters: KMeansResult | null = null;
  const rounds: RoundAnalysis[] = [];
  let heatmaps: RunAnalysis['heatmaps'];
  // Predicted class per global pool row in the previous query round (−1: labeled then).
  let previousPred: Int32Array | null = null;
  const rowsOf = (m: Matrix, ids: Uint32Array | readonly number[], labels: ArrayLike<number>): ProbRows => ({
    ids: Array.from(ids, (i) => input.ids[i] as string),
    labels: Array.from(labels),
    probs: Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols), (v) => Math.round(v * 1e4) / 1e4)),
  });
  return {
    onSelect(info) {
      const rec: RoundAnalysis = { round: info.round };
      // Map picked global rows to their positions in the pool predictions.
      const pos = new Map<number, number>();
      info.poolRows.forEach((g, k) => pos.set(g, k));
      const pickPos = Array.from(info.pickedRows, (g) => pos.get(g) as number);
      const pickedProbs = takeRows(info.pool.probs, pickPos);
      if (critOpt !== false) {
        rec.criteria = batchCriteria({ probs: pickedProbs, features: takeRows(info.pool.features, pickPos) }, { probs: info.labeled.probs, features: info.labeled.features }, info.pickedLabels, C, critOpt);
      }
      if (biasOpt !== false && input.teacherProbs) {
        clusters ??= teacherClusters(input.teacherProbs, biasOpt.k, { nInit: biasOpt.nInit, seed: biasOpt.seed });
        // Student probabilities placed at global rows; evaluated on U only.
        const full = { rows: input.teacherProbs.rows, cols: C, data: new Float32Array(input.teacherProbs.rows * C) };
        info.poolRows.forEach((g, k) => full.data.set(info.pool.probs.data.subarray(k * C, (k + 1) * C), g * C));
        rec.bias = biasMetrics(full, input.teacherProbs, input.poolLabels, clusters, biasOpt, info.poolRows);
      }
      if (o.pickedClasses !== false) rec.pickedClasses = pickedClassCounts(pickedProbs, info.pickedLabels, C);
      if (o.stopping !== false) {
        const pred = new Int32Array(input.ids.length).fill(-1);
        argmaxRows(info.pool.probs).forEach((c, k) => (pred[info.poolRows[k] as number] = c));
        const stability = previousPred ? predictionStability(previousPred, pred) : NaN;
        const agreement = input.teacherProbs ? teacherStudentAgreement(info.pool.probs, takeRows(input.teacherProbs, info.poolRows)) : NaN;
        rec.stopping = {
          coverageRadius: coverageRadius(info.pool.probs, info.labeled.probs),
          teacherAgreement: Number.isFinite(agreement) ? agreement : null,
          predictionStability: Number.isFinite(stability) ? stability : null,
        };
        previousPred = pred;
      }
      if (info.round === 0 && o.heatmaps !== false) {
        heatmaps = { initial: rowsOf(info.labeled.probs, info.labeledRows, info.labeledLabels), firstBatch: rowsOf(pickedProbs, info.pickedRows, info.pickedLabels) };
      }
      rounds.push(rec);
    },
    result: () => ({ config: { criteria: critOpt, bias: biasOpt }, rounds, ...(heatmaps ? { heatmaps } : {}) }),
  };
}

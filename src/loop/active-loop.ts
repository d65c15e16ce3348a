import type { Matrix } from '../linalg/matrix.ts';
import type { Strategy, StudentPredictions } from '../strategies/types.ts';
import type { DhoConfig } from '../student/config.ts';
import type { ClapFitRecord } from '../teachers/clap.ts';
import type { FewShotTeacher } from '../teachers/teacher.ts';
import { Rng } from '../util/rng.ts';
import { initialLabeledSet } from './initial.ts';
import type { Oracle } from './oracle.ts';
import type { Framework } from '../options/framework.ts';
import { runRound } from './round.ts';

/** The distillation framework of a run (paper Table 1 columns; one list in src/options/framework.ts). */
export type { Framework } from '../options/framework.ts';

/** Inputs of one simulated or interactive active-learning run. */
export interface ActiveLoopInput {
  /** Stable ids of the training pool items (rows of `features`). */
  readonly ids: readonly string[];
  /** N×D frozen student-backbone features of the training pool. */
  readonly features: Matrix;
  /** N×C teacher probabilities on the training pool (required for framework zero-shot). */
  readonly teacherProbs?: Matrix;
  /**
   * The few-shot teacher (required for framework few-shot; its pool rows ↔ `features` rows). It is
   * refitted on the labeled set at the start of each round (`clapTiming: 'beforeStudent'`) or
   * once before round 0 and after each round's student (`'afterStudent'`, SPEC §7.2, O1).
   */
  readonly fewShotTeacher?: FewShotTeacher;
  /** Ground truth of the pool, used only for the initial labeled set's classes and the oracle. */
  readonly poolLabels: Int32Array;
  /** T×D student features of the test split, and its labels, for per-round accuracy. */
  readonly testFeatures?: Matrix;
  readonly testLabels?: Int32Array;
  readonly numClasses: number;
  /** Class names in label order, for messages (e.g. too few images of a class for the initial set). */
  readonly classNames?: readonly string[];
  readonly oracle: Oracle;
  readonly strategy: Strategy;
  readonly config: ActiveLoopConfig;
  /** Called after every round (e.g. to print a table row or journal the round). */
  readonly onRound?: (r: RoundRecord) => void;
  /** Called during training with (step, total steps). */
  readonly onTrainStep?: (round: number, step: number, total: number) => void;
  /**
   * Called after each query (rounds 0..R−2) with the student predictions the strategy saw, for the
   * analysis metrics (SPEC §11: selection criteria, bias propagation, probability heatmaps).
   */
  readonly onSelect?: (info: SelectInfo) => void;
}

/** What {@link ActiveLoopInput.onSelect} receives: the state at selection time of one round. */
export interface SelectInfo {
  readonly round: number;
  /** Global pool rows (indices into `ids` / `features`) of the unlabeled pool U, in pool order. */
  readonly poolRows: Uint32Array;
  /** Global rows of the picked items, in pick order. */
  readonly pickedRows: Uint32Array;
  /** Selection-time student predictions on U (rows ↔ `poolRows`). */
  readonly pool: StudentPredictions;
  /** Selection-time student predictions on L (rows ↔ `labeledRows`). */
  readonly labeled: StudentPredictions;
  /** Global rows of L in labeled order. */
  readonly labeledRows: Uint32Array;
  readonly labeledLabels: Int32Array;
  /** Oracle labels of the picked items (pick order). */
  readonly pickedLabels: Int32Array;
}

/** Loop configuration (SPEC.md §8.1, §14). */
export interface ActiveLoopConfig {
  readonly framework: Framework;
  /** Number of trained rounds R (1 initial + R−1 queries); the paper uses 16. */
  readonly rounds: number;
  /** Items labeled per query round; the paper uses Q = number of classes. */
  readonly querySize: number;
  /** Initial labeled items per class (paper: 1). */
  readonly initialShots: number;
  readonly seed: number;
  readonly dho: DhoConfig;
}

/** What happened in one round. */
export interface RoundRecord {
  round: number;
  /** |L| the student of this round was trained on. */
  labeledCount: number;
  /** Top-1 accuracy (fraction) of the combined prediction on the test split, or null without one. */
  testAccuracy: number | null;
  /** Ids chosen at the end of this round (empty in the last round). */
  selectedIds: string[];
  /** Acquisition scores of the chosen items, when the strategy gives them. */
  selectedScores?: number[];
  trainSeconds: number;
  selectSeconds: number;
  /** Few-shot teacher fits made during this round (framework few-shot), with their test accuracy. */
  teacherFits?: ClapFitRecord[];
}

/** The outcome of a whole run. */
export interface ActiveLoopResult {
  rounds: RoundRecord[];
  /** Ids of the initial labeled set. */
  initialIds: string[];
  /** Final labeled ids in the order they were added. */
  labeledIds: string[];
}

/**
 * Runs the ActiveKD loop (SPEC.md §8.1): 1-shot-per-class seeded start; each round trains a fresh
 * DHO student (SPEC §5) on L (CE head) and L ∪ U (KD head), evaluates it on the test split,
 * predicts the pool and the labeled set, asks the strategy for Q pool rows, has the oracle label
 * them and moves them from U to L (L ← L ++ picks in ascending pool order; U keeps its order).
 * @throws RangeError on inconsistent shapes; UserError from the initial set or the strategy.
 */
export async function runActiveLoop(input: ActiveLoopInput): Promise<ActiveLoopResult> {
  const { features, numClasses, config } = input;
  const n = features.rows;
  if (input.ids.length !== n || input.poolLabels.length !== n) throw new RangeError(`runActiveLoop: ${input.ids.length} ids, ${input.poolLabels.length} labels, ${n} feature rows`);
  const fewShot = config.framework === 'few-shot' ? input.fewShotTeacher : undefined;
  if (config.framework === 'few-shot') {
    if (!fewShot || fewShot.probs().rows !== n || fewShot.numClasses !== numClasses) throw new RangeError(`runActiveLoop: framework few-shot needs a few-shot teacher over the ${n} pool rows and ${numClasses} classes`);
  } else if (config.framework !== 'no-distill') {
    const t = input.teacherProbs;
    if (!t || t.rows !== n || t.cols !== numClasses) throw new RangeError(`runActiveLoop: teacher probabilities must be ${n}×${numClasses}`);
  }
  const rng = new Rng(config.seed);
  const initRows = initialLabeledSet(input.poolLabels, config.initialShots, rng, input.classNames);
  let labeled: number[] = Array.from(initRows);
  const labelOf = new Int32Array(n).fill(-1);
  const initLabels = await input.oracle.label(initRows);
  initRows.forEach((r, k) => (labelOf[r] = initLabels[k] as number));
  const rounds: RoundRecord[] = [];
  const timing = fewShot?.config.clapTiming;
  let fits: ClapFitRecord[] = [];
  // SPEC §7.2 (others): fitted once on L_0 before round 0.
  if (fewShot && timing === 'afterStudent') fits.push(fewShot.refit(Uint32Array.from(labeled), Int32Array.from(labeled, (i) => labelOf[i] as number)));

  for (let r = 0; r < config.rounds; r++) {
    const lRows = Uint32Array.from(labeled);
    const lLabels = Int32Array.from(labeled, (i) => labelOf[i] as number);
    // SPEC §7.2 (ImageNet / paper): refitted on L_r at the start of round r.
    if (fewShot && timing === 'beforeStudent') fits.push(fewShot.refit(lRows, lLabels));
    const teacherProbs = fewShot ? fewShot.probs() : input.teacherProbs;
    const query = r < config.rounds - 1;
    const out = await runRound({
      features,
      labeledRows: lRows,
      labeledLabels: lLabels,
      ...(teacherProbs ? { teacherProbs } : {}),
      numClasses,
      framework: config.framework,
      dho: config.dho,
      strategy: query ? input.strategy : null,
      querySize: config.querySize,
      rng,
      ...(input.testFeatures && input.testLabels ? { test: { features: input.testFeatures, labels: input.testLabels } } : {}),
      keepPredictions: input.onSelect !== undefined,
      ...(input.onTrainStep ? { onTrainStep: (s: number, tot: number) => input.onTrainStep?.(r, s, tot) } : {}),
    });
    // SPEC §7.2/§8.1 (others): refitted after the student of round r ≥ 1, on L_r → student r+1 learns
    // from CLAP(L_r) (one-round lag, O1). After round 0, L is still L_0, already fitted before round 0
    // (regression: it was fitted twice); the refit after the last round would never be used. The
    // round's selection read the teacher that taught its student (`teacherProbs` above).
    if (fewShot && timing === 'afterStudent' && r > 0 && r < config.rounds - 1) fits.push(fewShot.refit(lRows, lLabels));
    const record: RoundRecord = { round: r, labeledCount: labeled.length, testAccuracy: out.testAccuracy, selectedIds: [], trainSeconds: out.trainSeconds, selectSeconds: 0 };
    if (fewShot) {
      record.teacherFits = fits;
      fits = [];
    }
    if (query && out.unlabeledRows.length > 0) {
      record.selectSeconds = out.selectSeconds;
      const picked = Array.from(out.picks);
      record.selectedIds = picked.map((i) => input.ids[i] as string);
      if (out.scores) record.selectedScores = Array.from(out.scores);
      const newLabels = await input.oracle.label(out.picks);
      picked.forEach((i, k) => (labelOf[i] = newLabels[k] as number));
      input.onSelect?.({ round: r, poolRows: out.unlabeledRows, pickedRows: Uint32Array.from(picked), pool: out.poolPredictions, labeled: out.labeledPredictions, labeledRows: lRows, labeledLabels: lLabels, pickedLabels: Int32Array.from(newLabels) });
      // SPEC §8.1: picks appended in ascending pool order.
      const ascending = picked.slice().sort((a, b) => a - b);
      labeled = labeled.concat(ascending);
    }
    out.student?.dispose();
    rounds.push(record);
    input.onRound?.(record);
  }
  return { rounds, initialIds: Array.from(initRows, (i) => input.ids[i] as string), labeledIds: labeled.map((i) => input.ids[i] as string) };
}

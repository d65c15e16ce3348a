import { join } from 'node:path';
import type { OpenDatasetOptions } from '../data/open.ts';
import type { EncodeOptions } from '../encoders/encode.ts';
import { modelHash } from '../encoders/session.ts';
import { preprocessVersion } from '../encoders/spec.ts';
import { createRunAnalysis, type AnalysisOptions } from '../eval/analysis.ts';
import { meanCI } from '../eval/stats.ts';
import { createStrategy } from '../strategies/registry.ts';
import { DEFAULT_DHO, type DhoConfig } from '../student/config.ts';
import { UserError } from '../util/errors.ts';
import { checkOutDir } from '../util/out-dir.ts';
import { Rng } from '../util/rng.ts';
import { runActiveLoop, type ActiveLoopResult, type Framework } from '../loop/active-loop.ts';
import { SimulatedOracle } from '../loop/oracle.ts';
import { checkSetupOptions, prepareExperiment, skippedLines, writePreparedTeacher, type ExperimentSetup, type PreparedData, type PreparedExperiment } from '../loop/prepare.ts';
import { accuracy } from '../linalg/accuracy.ts';
import { boostProbs, boostTeacher } from '../teachers/boosted.ts';
import { readPreparedExperiment } from './prepared-store.ts';
import { activekdBuild, resultsDocument, runGridSummaryDocument, writeResults, writeSummary } from '../loop/results.ts';
import { FRAMEWORK_OPTION, INITIAL_SHOTS_OPTION, ROUNDS_OPTION, SEED_OPTION, STRATEGIES_OPTION } from '../options/definitions.ts';
import { queryShortfall, resolveQuerySize } from '../options/query-size.ts';
import type { TeacherChoice } from '../teachers/kind.ts';

/** Teacher options of an experiment: which teacher (TeacherChoice) and the label-transfer options. */
export interface TeacherOptions extends TeacherChoice {
  /** ImageNet classifier ONNX with a `probs` output. Default: embedded MobileNetV2. */
  model?: string;
  /** Class map JSON. Default: the embedded map whose keys cover the classes (`embeddedClassMapFor`). */
  mapFile?: string;
  /** Labels of the classifier outputs. Default: embedded ImageNet labels. */
  labelsFile?: string;
  reduce?: 'max' | 'sum';
  temperature?: number;
}

/** Everything `activekd run` needs. */
export interface ExperimentOptions {
  data: string;
  classesFile?: string;
  /** How to open `data` (format, limits, split options; see `openDataset`). */
  dataset?: OpenDatasetOptions;
  strategies: string[];
  frameworks: Framework[];
  seeds: number[];
  rounds: number;
  /** Query size Q; default = number of classes. */
  querySize?: number;
  initialShots: number;
  dho: DhoConfig;
  studentModel?: string;
  teacher: TeacherOptions;
  encode: EncodeOptions;
  /** Output folder. */
  out: string;
  /** Line printer (stdout by default). */
  log: (line: string) => void;
  /** Analysis metrics recorded per round into results.json under `analysis` (SPEC §11); off when absent. */
  analysis?: AnalysisOptions;
  /** Write the teacher probabilities into `out/teacher` (default true; the benchmark grid turns it off per cell). */
  writeTeacher?: boolean;
  /**
   * Simulations only: replace the zero-shot teacher by the SYNTHETIC boosted teacher whose pool
   * accuracy is this fraction (src/teachers/boosted.ts; it reads the ground truth). Recorded as
   * `teacher.synthetic` in results.json. Not with framework few-shot.
   */
  teacherAccuracy?: number;
  /**
   * Simulations only: replace the zero-shot teacher by the held-out few-shot teacher fitted once on
   * this many labeled images per class of a teacher split disjoint from the pool and the test split
   * (`ExperimentSetup.teacherShots`). Recorded as `teacher.heldOut` in results.json, with the
   * teacher split's ids. Not with framework few-shot; combined with {@link teacherAccuracy}, the
   * boost starts from the held-out teacher.
   */
  teacherShots?: number;
  /**
   * Benchmark cells: the folder where the grid's warm-up wrote the prepared experiment of each cell
   * setup (src/bench/prepared-store.ts). When it holds this run's setup, the run loads it instead of
   * opening the dataset and hashing its images; otherwise it prepares from the dataset as usual.
   */
  preparedDir?: string;
}

/** One finished run. */
export interface RunRecord {
  strategy: string;
  framework: Framework;
  seed: number;
  result: ActiveLoopResult;
  seconds: number;
}

/**
 * Experiment options with every unset setting taken from the option definitions (src/options): the
 * same defaults `activekd run` shows — strategies pcoreset, framework zero-shot, seed 1, 16 rounds,
 * 1 initial shot per class, the default DHO student, the label-transfer teacher, the default cache.
 * @param o at least the dataset path `data` and the output folder `out`
 */
export function experimentOptions(o: Partial<ExperimentOptions> & Pick<ExperimentOptions, 'data' | 'out'>): ExperimentOptions {
  return {
    strategies: [...STRATEGIES_OPTION.default],
    frameworks: [...FRAMEWORK_OPTION.default],
    seeds: [SEED_OPTION.default],
    rounds: ROUNDS_OPTION.default,
    initialShots: INITIAL_SHOTS_OPTION.default,
    dho: DEFAULT_DHO,
    teacher: {},
    encode: {},
    log: (line) => console.log(line),
    ...o,
  };
}

/**
 * The prepared experiment with its zero-shot teacher replaced by the boosted teacher of pool
 * accuracy `target` (issue 14; κ found on the pool, the same κ applied to the test split).
 * @throws UserError when the experiment has no teacher
 */
function boostPrepared(p: PreparedExperiment, target: number, log: (line: string) => void): { prepared: PreparedExperiment; synthetic: Record<string, unknown> } {
  if (!p.teacherTrain) throw new UserError('--teacher-accuracy needs a teacher (a distilling framework): there are no teacher probabilities to boost');
  const b = boostTeacher(p.teacherTrain, p.train.labels, target);
  const teacherTest = p.teacherTest && p.test ? boostProbs(p.teacherTest, p.test.labels, b.kappa) : undefined;
  const testAccuracy = teacherTest && p.test ? accuracy(teacherTest, p.test.labels) : null;
  log(`teacher: SYNTHETIC boosted teacher (log p + κ·onehot(y), κ = ${b.kappa.toFixed(4)}): pool accuracy ${(100 * b.baseAccuracy).toFixed(2)}% → ${(100 * b.poolAccuracy).toFixed(2)}% (target ${(100 * target).toFixed(2)}%)`);
  const synthetic = { kind: 'boosted', note: 'synthetic teacher: reads the ground truth; simulations only', targetPoolAccuracy: target, kappa: b.kappa, basePoolAccuracy: b.baseAccuracy, poolAccuracy: b.poolAccuracy, baseTestAccuracy: p.teacherAccuracy };
  return { prepared: { ...p, teacherTrain: b.probs, ...(teacherTest ? { teacherTest } : {}), teacherAccuracy: testAccuracy }, synthetic };
}

/**
 * What {@link prepareExperiment} needs for these experiment options: a teacher when a framework
 * distils or the bias-propagation analysis is on, the few-shot teacher when a framework is few-shot.
 */
export function experimentSetup(o: Omit<ExperimentOptions, 'log'>): ExperimentSetup {
  const needTeacher = o.frameworks.some((f) => f !== 'no-distill') || (o.analysis !== undefined && o.analysis.bias !== false);
  return {
    dataset: o.data,
    datasetOptions: { ...o.dataset, ...(o.classesFile ? { classesFile: o.classesFile } : {}) },
    ...(o.studentModel ? { studentModel: o.studentModel } : {}),
    teacher: needTeacher ? o.teacher : null,
    fewShot: o.frameworks.includes('few-shot'),
    zeroShot: o.frameworks.includes('zero-shot'),
    ...(o.teacherShots !== undefined ? { teacherShots: o.teacherShots } : {}),
    encode: o.encode,
  };
}

/**
 * The checks of experiment options that need no work (the output folder is not a file, strategy names, framework and teacher
 * combinations; see also `checkSetupOptions`): {@link runExperiment} runs them first, and a command
 * that prints an introduction (`demo`) runs them before printing it.
 * @throws UserError naming the option
 */
export function checkExperimentOptions(o: Omit<ExperimentOptions, 'log'>): void {
  checkOutDir(o.out);
  for (const name of o.strategies) createStrategy(name);
  if (o.teacherAccuracy !== undefined && o.frameworks.includes('few-shot')) throw new UserError('--teacher-accuracy sets a synthetic zero-shot teacher: use it with --framework zero-shot (and no-distill), not few-shot');
  if (o.teacherShots !== undefined && o.frameworks.includes('few-shot')) throw new UserError('--teacher-shots fits a frozen teacher on a held-out split: use it with --framework zero-shot (and no-distill), not few-shot (which refits on the labeled set)');
  checkSetupOptions(experimentSetup(o));
}

/**
 * The prepared experiment of `o`: loaded from `o.preparedDir` when it holds this setup (benchmark
 * cells, issue 12 item 4), else prepared from the dataset (`prepareExperiment`).
 */
async function loadOrPrepare(o: ExperimentOptions): Promise<PreparedExperiment> {
  const setup = experimentSetup(o);
  if (o.preparedDir === undefined) return prepareExperiment(setup);
  const r = readPreparedExperiment(o.preparedDir, setup);
  if ('prepared' in r) return r.prepared;
  o.log(`prepared experiment not loaded (${r.reason}): preparing from the dataset`);
  return prepareExperiment(setup);
}

/**
 * Loads the dataset, computes (or reads from cache) student features and teacher probabilities
 * once, then runs every strategy × framework × seed combination with the simulated oracle, writing
 * `results.json` per run and `summary.json` for the whole grid into `out`.
 * @throws UserError on bad input (missing folder, unknown strategy, missing model, …).
 */
export async function runExperiment(o: ExperimentOptions): Promise<{ runs: RunRecord[]; prepared: PreparedData; teacherAccuracy: number | null }> {
  const t0 = performance.now();
  checkExperimentOptions(o); // before any work
  const strategies = o.strategies.map((name) => createStrategy(name));
  const base = await loadOrPrepare(o);
  const { prepared, synthetic } = o.teacherAccuracy === undefined ? { prepared: base, synthetic: undefined } : boostPrepared(base, o.teacherAccuracy, o.log);
  const { dataset, studentSpec, teacher, fewShotTeacher: fewShot, teacherAccuracy } = prepared;
  const C = dataset.classNames.length;
  const q = resolveQuerySize(o.querySize, C, Infinity);
  const shortfall = queryShortfall(prepared.train.ids.length, C * o.initialShots, o.rounds, q);
  if (shortfall) o.log(`warning: ${shortfall}`);
  if (o.writeTeacher !== false) writePreparedTeacher(join(o.out, 'teacher'), prepared);
  const prepSeconds = (performance.now() - t0) / 1000;
  o.log(`dataset ${dataset.root}: ${C} classes, pool ${prepared.train.ids.length}, test ${prepared.test?.ids.length ?? 0}, skipped ${prepared.skipped.length} file(s) (${prepSeconds.toFixed(1)} s to load and encode; image preprocessing ${preprocessVersion(studentSpec)})`);
  for (const line of skippedLines(prepared.skipped)) o.log(line);
  if (prepared.skipped.length > 20) o.log(`  … and ${prepared.skipped.length - 20} more (all listed in results.json)`);
  const held = prepared.heldOutTeacher;
  if (held) {
    const base = held.baseTestAccuracy === null ? '' : ` (zero-shot teacher: ${(100 * held.baseTestAccuracy).toFixed(2)}%)`;
    o.log(`teacher: held-out few-shot teacher fitted once on ${held.split.ids.length} teacher-split images (${held.shots} per class, disjoint from pool and test)${base}`);
  }
  const teacherPoolAccuracy = prepared.teacherTrain ? accuracy(prepared.teacherTrain, prepared.train.labels) : null;
  // The teacher the loop distils from: the zero-shot one, or the held-out one, possibly boosted.
  const baseTeacherId = teacher ? (held ? held.id : teacher.id) : null;
  const teacherId = baseTeacherId !== null && synthetic ? `boosted(${baseTeacherId})` : baseTeacherId;
  if (teacher && teacherAccuracy !== null) {
    o.log(`teacher ${teacherId}: ${synthetic || held ? '' : 'zero-shot '}test accuracy ${(100 * teacherAccuracy).toFixed(2)}%, pool accuracy ${teacherPoolAccuracy === null ? '—' : `${(100 * teacherPoolAccuracy).toFixed(2)}%`}`);
  }
  const heldOutRecord = held ? { shots: held.shots, teacherSplitIds: held.split.ids, fit: held.fit, baseTestAccuracy: held.baseTestAccuracy } : undefined;
  const manifest = {
    activekd: activekdBuild(),
    data: {
      root: dataset.root,
      classNames: dataset.classNames,
      pool: prepared.train.ids.length,
      test: prepared.test?.ids.length ?? 0,
      skipped: prepared.skipped,
      ...(dataset.sources ? { sources: [...dataset.sources] } : {}),
      ...(dataset.originalLabels ? { originalLabels: [...dataset.originalLabels] } : {}),
    },
    student: { backbone: studentSpec.modelPath, backboneSha256: modelHash(studentSpec.modelPath), encoder: studentSpec, dho: o.dho },
    teacher: teacher && teacherId !== null ? { id: teacherId, ...teacher.describe(), testAccuracy: teacherAccuracy, poolAccuracy: teacherPoolAccuracy, ...(heldOutRecord ? { heldOut: heldOutRecord } : {}), ...(synthetic ? { synthetic } : {}) } : null,
  };

  const runs: RunRecord[] = [];
  const multi = o.strategies.length * o.frameworks.length * o.seeds.length > 1;
  for (const framework of o.frameworks) {
    for (const [si, strategy] of strategies.entries()) {
      for (const seed of o.seeds) {
        const tr = performance.now();
        const name = o.strategies[si] as string;
        o.log(`\n== strategy ${name} (${JSON.stringify(strategy.config)}), framework ${framework}, seed ${seed}, ${o.rounds} rounds, Q=${q} ==`);
        const runTeacher = framework === 'few-shot' && fewShot ? fewShot.withRng(new Rng(seed).fork()) : null;
        const analysis = o.analysis ? createRunAnalysis({ ids: prepared.train.ids, ...(prepared.teacherTrain ? { teacherProbs: prepared.teacherTrain } : {}), poolLabels: prepared.train.labels, numClasses: C, options: o.analysis }) : null;
        const result = await runActiveLoop({
          ids: prepared.train.ids,
          features: prepared.trainFeatures,
          ...(prepared.teacherTrain ? { teacherProbs: prepared.teacherTrain } : {}),
          ...(runTeacher ? { fewShotTeacher: runTeacher } : {}),
          poolLabels: prepared.train.labels,
          ...(prepared.testFeatures && prepared.test ? { testFeatures: prepared.testFeatures, testLabels: prepared.test.labels } : {}),
          numClasses: C,
          classNames: dataset.classNames,
          oracle: new SimulatedOracle(prepared.train.labels),
          strategy,
          config: { framework, rounds: o.rounds, querySize: q, initialShots: o.initialShots, seed, dho: o.dho },
          ...(analysis ? { onSelect: analysis.onSelect } : {}),
          onRound: (r) => {
            const acc = r.testAccuracy === null ? '—' : `${(100 * r.testAccuracy).toFixed(2)}%`;
            for (const f of r.teacherFits ?? []) o.log(`  few-shot teacher fit ${f.fit} on ${f.labeledCount} labels: ${f.steps} steps, test acc ${f.testAccuracy === null ? '—' : `${(100 * f.testAccuracy).toFixed(2)}%`} (${f.seconds.toFixed(1)} s)`);
            o.log(`round ${String(r.round).padStart(2)}  labeled ${String(r.labeledCount).padStart(5)}  test acc ${acc}  (train ${r.trainSeconds.toFixed(1)} s, select ${r.selectSeconds.toFixed(2)} s)`);
          },
        });
        const seconds = (performance.now() - tr) / 1000;
        runs.push({ strategy: name, framework, seed, result, seconds });
        const dir = multi ? join(o.out, `${name}__${framework}__seed${seed}`) : o.out;
        writeResults(
          join(dir, 'results.json'),
          resultsDocument({
            config: { strategy: name, strategyConfig: strategy.config, framework, seed, rounds: o.rounds, querySize: q, initialShots: o.initialShots },
            ...manifest,
            ...(runTeacher ? { fewShotTeacher: { id: runTeacher.id, config: runTeacher.config, fits: [...runTeacher.fits] } } : {}),
            initialIds: result.initialIds,
            rounds: result.rounds,
            ...(analysis ? { analysis: analysis.result() } : {}),
            timings: { prepareSeconds: prepSeconds, runSeconds: seconds },
            ...(shortfall ? { warnings: [shortfall] } : {}),
          }),
        );
        o.log(`finished in ${seconds.toFixed(1)} s: ${join(dir, 'results.json')}`);
      }
    }
  }
  if (multi) writeSummary(join(o.out, 'summary.json'), runGridSummaryDocument({ ...manifest, grid: summarize(runs) }));
  return { runs, prepared, teacherAccuracy };
}

/** Per (strategy, framework): per-round mean accuracy (%) and 95% t-interval over seeds. */
export function summarize(runs: readonly RunRecord[]): { strategy: string; framework: string; seeds: number[]; rounds: { round: number; labeled: number; mean: number; ci95: number }[] }[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const k = `${r.strategy}\u0000${r.framework}`;
    const g = groups.get(k) ?? [];
    g.push(r);
    groups.set(k, g);
  }
  return [...groups.values()].map((g) => {
    const first = g[0] as RunRecord;
    return {
      strategy: first.strategy,
      framework: first.framework,
      seeds: g.map((r) => r.seed),
      rounds: first.result.rounds.map((rr, i) => {
        const vals = g.map((r) => 100 * (r.result.rounds[i]?.testAccuracy ?? NaN)).filter((v) => !Number.isNaN(v));
        const ci = vals.length > 0 ? meanCI(vals) : { mean: NaN, halfWidth: NaN };
        return { round: i, labeled: rr.labeledCount, mean: ci.mean, ci95: ci.halfWidth };
      }),
    };
  });
}

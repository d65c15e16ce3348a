/**
 * The schema of the files a simulated experiment and a benchmark write (zod), one place for all
 * readers and writers (src/loop/results.ts reads and writes through it):
 *
 * - `results.json` — one run (strategy × framework × seed): `format: 'activekd-results'`.
 * - `summary.json` — `format: 'activekd-summary'`, two kinds: `run-grid` (written by `activekd run`
 *   with several runs: per-round mean ± 95% CI per strategy × framework) and `bench` (written by the
 *   benchmark report: the aggregate of src/eval/aggregate.ts — curves, Table 1, AUBC, paired tests,
 *   analysis and stopping signals).
 * - `bench.json` — a benchmark grid's settings and their hash: `format: 'activekd-bench'`.
 *
 * Every document carries `format` and an integer `version`. Files written before these fields
 * existed are read as version 0 (results, summary) or 1 (bench.json, which had `version: 1`) and
 * upgraded in memory (src/loop/results.ts).
 *
 * Numbers: JSON has no NaN or ±∞ (`JSON.stringify` writes null). Fields that may hold them in memory
 * (statistics over no finite value, scores of first k-center picks) use {@link jsonNumber}: any
 * number when written, and `null` read back as NaN. Fields where null means "none" (a run without
 * a test split) are `number | null`.
 *
 * Loop layer: imports only options/ (frameworks) and zod; eval, report and bench read it.
 */
import { z } from 'zod';
import { frameworkSchema } from '../options/framework.ts';

/** `format` of results.json. */
export const RESULTS_FORMAT = 'activekd-results';
/** `format` of summary.json. */
export const SUMMARY_FORMAT = 'activekd-summary';
/** `format` of bench.json. */
export const BENCH_FORMAT = 'activekd-bench';

/** Current version of results.json (0: written before `format`/`version` existed). */
export const RESULTS_VERSION = 1;
/** Current version of summary.json (0: written before `format`/`version` existed). */
export const SUMMARY_VERSION = 1;
/** Current version of bench.json (1: `{ version: 1, … }` without `format`). */
export const BENCH_VERSION = 2;

/**
 * A number that may be NaN or ±∞ in memory: any JS number is accepted when writing (JSON.stringify
 * turns the non-finite ones into null), and null reads back as NaN.
 */
export const jsonNumber = z.union([z.custom<number>((v) => typeof v === 'number', { message: 'expected a number' }), z.null().transform(() => NaN)]);

const int = z.number().int();
const count = z.number().int().nonnegative();
/**
 * An object recorded as given, its fields beyond `shape` kept (z.looseObject), whose input type is
 * any object with `shape`'s fields — so that values of interface types (which have no index
 * signature) can be written.
 */
function openObject<S extends Record<string, z.ZodType>>(shape: S): z.ZodType<z.output<z.ZodObject<S, z.core.$loose>>, object & { [K in keyof S]: z.input<S[K]> }> {
  return z.looseObject(shape) as unknown as z.ZodType<z.output<z.ZodObject<S, z.core.$loose>>, object & { [K in keyof S]: z.input<S[K]> }>;
}

/** Open key → value data (strategy, teacher, encoder configurations), recorded as given. */
const record = openObject({});

// ---- results.json ------------------------------------------------------------------------------

/** The run's settings. */
export const runConfigSchema = z.object({
  strategy: z.string(),
  /** The strategy's resolved configuration (`Strategy.config`). */
  strategyConfig: record,
  framework: frameworkSchema,
  seed: int,
  /** Trained rounds R. */
  rounds: count,
  /** Query size Q (resolved: the number of classes unless given). */
  querySize: count,
  initialShots: count,
});

/** An item the reader or the encoder skipped. */
const skippedSchema = z.object({ path: z.string(), reason: z.string() });

/** The dataset a run used. */
export const runDataSchema = z.object({
  root: z.string(),
  classNames: z.array(z.string()),
  /** Pool (training split) size. */
  pool: count,
  /** Test split size (0: none). */
  test: count,
  skipped: z.array(skippedSchema),
  /** The files that define the dataset (split file, manifest, classes file, label files) with their sha256; absent in older files. */
  sources: z.array(z.object({ path: z.string(), sha256: z.string() })).optional(),
  /** The source file's label number of each class, when the reader re-indexed them (e.g. a CoOp split with gaps); absent otherwise. */
  originalLabels: z.array(int).optional(),
});

/** The activekd that wrote a file: package.json version and git commit (null outside a git checkout). */
export const buildSchema = z.object({ version: z.string(), commit: z.string().nullable() });

/**
 * The student's DhoConfig as the run used it (src/student/config.ts; recorded as given). `framework`
 * is the run's (version 0 recorded the experiment-wide value, always `dho`).
 */
const dhoFields = {
  framework: frameworkSchema,
  evalAlphaCe: z.number(),
  evalBeta: z.number(),
  selAlphaCe: z.number(),
  selBeta: z.number(),
};
const dhoRecordSchema = openObject(dhoFields);

/** α / β of one kind of prediction. */
const weightsSchema = z.object({ alphaCe: z.number(), beta: z.number() });

/** The prediction settings the run's students really used (`predictionSettings`: α = 1 without distillation). */
export const predictionSchema = z.object({
  distills: z.boolean(),
  evaluation: weightsSchema,
  selection: weightsSchema,
});

/** The student of a run: backbone, encoder, DHO configuration and effective prediction settings. */
export const runStudentSchema = z.object({
  /** Path of the backbone ONNX. */
  backbone: z.string(),
  backboneSha256: z.string(),
  /** The backbone's EncoderSpec. */
  encoder: record,
  dho: dhoRecordSchema,
  prediction: predictionSchema,
});

/** One CLAP refit of the few-shot teacher (ClapFitRecord); a NaN final loss is stored as null. */
export const clapFitSchema = z.object({
  fit: count,
  labeledCount: count,
  steps: count,
  finalLoss: jsonNumber,
  seconds: z.number(),
  testAccuracy: z.number().nullable(),
});

/**
 * The teacher of a run (`Teacher.describe()` plus id, test and pool accuracy; `heldOut` for the
 * held-out few-shot teacher with its teacher-split ids, `synthetic` for the boosted teacher), null
 * when the run had none.
 */
export const runTeacherSchema = z
  .looseObject({
    id: z.string(),
    testAccuracy: z.number().nullable(),
    poolAccuracy: z.number().nullable().optional(),
    heldOut: z.object({ shots: count, teacherSplitIds: z.array(z.string()), fit: clapFitSchema, baseTestAccuracy: z.number().nullable() }).optional(),
  })
  .nullable();


/** One round of the loop (RoundRecord of src/loop/active-loop.ts). */
export const roundSchema = z.object({
  round: count,
  /** |L| the round's student was trained on. */
  labeledCount: count,
  /** Top-1 test accuracy (fraction), null without a test split. */
  testAccuracy: z.number().nullable(),
  /** Ids chosen at the end of the round (empty in the last round). */
  selectedIds: z.array(z.string()),
  /** Acquisition scores of the chosen items (non-finite ones read back as NaN). */
  selectedScores: z.array(jsonNumber).optional(),
  trainSeconds: z.number(),
  selectSeconds: z.number(),
  /** Few-shot teacher fits made during the round. */
  teacherFits: z.array(clapFitSchema).optional(),
});

/** Keys of the selection criteria of a batch (src/eval/criteria.ts `BatchCriteria`, SPEC §11.2). */
export const CRITERIA_KEYS = ['uncertainty', 'classBalance', 'featureDiversity', 'probDiversity'] as const;
/** Keys of the bias-propagation metrics (src/eval/bias.ts `BiasMetrics`, SPEC §11.1). */
export const BIAS_KEYS = ['knnLoss', 'propDistance', 'propWithinDelta', 'activeCentroids', 'teacherActiveCentroids', 'clusterPurity'] as const;
/** The stopping signals of the benchmark report, in display order (ANCHORS #10). */
export const STOPPING_SIGNALS = ['coverageRadius', 'teacherAgreement', 'predictionStability', 'accuracyGainPerLabel'] as const;

/** `{ k: schema }` for every key. */
function shapeOf<const K extends string, S extends z.ZodType>(keys: readonly K[], schema: S): Record<K, S> {
  return Object.fromEntries(keys.map((k) => [k, schema])) as Record<K, S>;
}

/** Probability rows of a set of items (heatmaps): ids, labels, one C-vector per item. */
export const probRowsSchema = z.object({ ids: z.array(z.string()), labels: z.array(int), probs: z.array(z.array(jsonNumber)) });

/** One query round's analysis (SPEC §11; picked classes ANCHORS #8; stopping ANCHORS #10). */
export const roundAnalysisSchema = z.object({
  round: count,
  criteria: z.object(shapeOf(CRITERIA_KEYS, jsonNumber)).optional(),
  bias: z.object(shapeOf(BIAS_KEYS, jsonNumber)).optional(),
  /** Class histograms of the picked batch (absent in results written before ANCHORS #8). */
  pickedClasses: z.object({ predicted: z.array(count), true: z.array(count) }).optional(),
  /** Stopping signals at selection time (absent in results written before ANCHORS #10). */
  stopping: z.object({ coverageRadius: jsonNumber, teacherAgreement: z.number().nullable(), predictionStability: z.number().nullable() }).optional(),
});

/** The analysis block of a run (src/eval/analysis.ts `RunAnalysis`). */
export const runAnalysisSchema = z.object({
  config: z.object({
    criteria: z.union([z.literal(false), z.object({ featureScale: z.number().optional(), probScale: z.number().optional() })]),
    bias: z.union([z.literal(false), z.object({ k: int, nInit: int, seed: int, lambda: z.number().optional(), delta: z.number().optional() })]),
  }),
  rounds: z.array(roundAnalysisSchema),
  /** Round-0 selection-time student probabilities of L₀ (initial) and of the first batch. */
  heatmaps: z.object({ initial: probRowsSchema, firstBatch: probRowsSchema }).optional(),
});

/** The few-shot teacher of a run (framework few-shot): id, CLAP configuration, every fit. */
const fewShotTeacherSchema = z.object({ id: z.string(), config: record, fits: z.array(clapFitSchema) });

/** The body of results.json shared by every version (what a run records). */
const resultsBody = {
  /** The activekd that wrote the file; absent in files written before it was recorded. */
  activekd: buildSchema.optional(),
  config: runConfigSchema,
  data: runDataSchema,
  student: runStudentSchema,
  teacher: runTeacherSchema,
  fewShotTeacher: fewShotTeacherSchema.optional(),
  /** Ids of the initial labeled set. */
  initialIds: z.array(z.string()),
  rounds: z.array(roundSchema),
  /** Test accuracy of the last round (null without a test split). */
  finalAccuracy: z.number().nullable(),
  analysis: runAnalysisSchema.optional(),
  timings: z.object({ prepareSeconds: z.number(), runSeconds: z.number() }),
  /** What the run warned about (e.g. a query larger than the remaining pool); absent when nothing. */
  warnings: z.array(z.string()).optional(),
};

/** results.json, current version. */
export const resultsSchema = z.object({ format: z.literal(RESULTS_FORMAT), version: z.literal(RESULTS_VERSION), ...resultsBody });

/**
 * results.json version 0 (no `format`/`version`): `student.dho.framework` was the experiment-wide
 * `dho` and there was no `student.prediction`.
 */
export const resultsV0Schema = z.object({
  ...resultsBody,
  student: runStudentSchema.omit({ prediction: true }).extend({ dho: openObject({ ...dhoFields, framework: z.union([frameworkSchema, z.literal('dho')]) }) }),
});

/** A results.json document (current version, in memory). */
export type ResultsDoc = z.output<typeof resultsSchema>;
/** What a writer supplies for a results.json document (numbers may be NaN/∞, written as null). */
export type ResultsDocInput = z.input<typeof resultsSchema>;
/** One round of a run. */
export type RoundDoc = ResultsDoc['rounds'][number];
/** The analysis block of a run. */
export type RunAnalysisDoc = z.output<typeof runAnalysisSchema>;
/** One query round's analysis. */
export type RoundAnalysisDoc = z.output<typeof roundAnalysisSchema>;
/** Probability rows of a heatmap. */
export type ProbRowsDoc = z.output<typeof probRowsSchema>;

// ---- summary.json ------------------------------------------------------------------------------

/** mean ± 95% t-interval over seeds (src/eval/stats.ts `Stat`): NaN when no value is finite. */
export const statSchema = z.object({ mean: jsonNumber, ci95: jsonNumber, n: count });

/** A paired test over seeds (src/eval/compare.ts `PairedTest`). */
const pairedTestSchema = z.object({ n: count, meanDiff: jsonNumber, statistic: jsonNumber, pValue: jsonNumber.nullable(), method: z.string() });

/** One strategy × framework group of a benchmark (src/eval/aggregate.ts). */
export const groupSummarySchema = z.object({
  strategy: z.string(),
  framework: z.string(),
  seeds: z.array(int),
  /** Accuracy (%) per round. */
  curve: z.array(statSchema.extend({ round: count, labeled: jsonNumber })),
  /** Final-round accuracy (%) — the paper's Table 1 entry — and its value per seed. */
  final: statSchema.extend({ values: z.array(jsonNumber) }),
  /** AUBC (%) over the labeled range, and per seed. */
  aubc: statSchema.extend({ values: z.array(jsonNumber) }),
  /** First round / labeled count where the mean curve reaches the target, and per seed (null = never). */
  toTarget: z.object({ target: z.number(), mean: z.object({ round: count, labeled: z.number() }).nullable(), perSeed: z.array(z.number().nullable()) }).nullable(),
  /** Per query round: mean ± CI of each selection criterion. */
  criteria: z.array(z.object({ round: count, ...shapeOf(CRITERIA_KEYS, statSchema) })),
  /** Per query round: mean ± CI of each bias metric. */
  bias: z.array(z.object({ round: count, ...shapeOf(BIAS_KEYS, statSchema) })),
  /** Per query round: picked-batch counts per predicted and per true class, mean ± CI per class (ANCHORS #8). */
  pickedClasses: z.array(z.object({ round: count, predicted: z.array(statSchema), true: z.array(statSchema) })),
  /**
   * Per round: the stopping signals (ANCHORS #10) that some seed has, at |L| = `labeled`:
   * coverageRadius (L2 in the probability simplex), teacherAgreement and predictionStability
   * (fractions) at selection time of query round `round`; accuracyGainPerLabel (percentage points
   * per label) from round − 1 to round.
   */
  stopping: z.array(z.object({ round: count, labeled: jsonNumber, signals: z.object(shapeOf(STOPPING_SIGNALS, statSchema.optional())) })),
});

/** The reference strategy against one baseline under one framework, paired by seed. */
export const comparisonSchema = z.object({
  framework: z.string(),
  reference: z.string(),
  baseline: z.string(),
  metric: z.enum(['final', 'aubc']),
  seeds: z.array(int),
  tTest: pairedTestSchema,
  wilcoxon: pairedTestSchema,
});

/** The aggregate of a benchmark folder (src/eval/aggregate.ts `aggregate`). */
export const benchSummarySchema = z.object({
  groups: z.array(groupSummarySchema),
  comparisons: z.array(comparisonSchema),
  strategies: z.array(z.string()),
  frameworks: z.array(z.string()),
  /** Teacher test accuracy (%), null when no run records one. */
  teacherAccuracy: jsonNumber.nullable(),
  /** Runs (`strategy/framework/seed k`) whose results.json lack the picked-class histograms / the stopping signals. */
  lacking: z.object({ pickedClasses: z.array(z.string()), stopping: z.array(z.string()) }),
});

/** One strategy × framework of a `run` grid: per-round mean accuracy (%) and 95% t-interval over seeds. */
export const runGridEntrySchema = z.object({
  strategy: z.string(),
  framework: z.string(),
  seeds: z.array(int),
  rounds: z.array(z.object({ round: count, labeled: count, mean: jsonNumber, ci95: jsonNumber })),
});

/** The shared part of a `run` grid (dataset, student without a framework, teacher) and its groups. */
export const runGridSummarySchema = z.object({
  activekd: buildSchema.optional(),
  data: runDataSchema,
  /** The student settings shared by the grid; each run's framework is in its group. */
  student: z.object({ backbone: z.string(), backboneSha256: z.string(), encoder: record, dho: record }),
  teacher: runTeacherSchema,
  grid: z.array(runGridEntrySchema),
});

const summaryHead = { format: z.literal(SUMMARY_FORMAT), version: z.literal(SUMMARY_VERSION) };

/** summary.json, current version: `kind` tells a `run` grid from a benchmark aggregate. */
export const summarySchema = z.discriminatedUnion('kind', [z.object({ ...summaryHead, kind: z.literal('run-grid'), ...runGridSummarySchema.shape }), z.object({ ...summaryHead, kind: z.literal('bench'), ...benchSummarySchema.shape })]);

/** summary.json version 0 of `activekd run` (no format/kind; `student.dho.framework` was `dho`). */
export const runGridSummaryV0Schema = runGridSummarySchema;

/** summary.json version 0 of the benchmark report (the bare aggregate). */
export const benchSummaryV0Schema = benchSummarySchema;

/** One strategy × framework group of a benchmark aggregate (in memory). */
export type GroupSummaryData = z.output<typeof groupSummarySchema>;
/** One paired comparison of a benchmark aggregate. */
export type ComparisonData = z.output<typeof comparisonSchema>;

/** A summary.json document. */
export type SummaryDoc = z.output<typeof summarySchema>;
/** The aggregate of a benchmark (in memory: NaN where no value is finite). */
export type BenchSummaryData = z.output<typeof benchSummarySchema>;
/** The `run` grid summary (without format/kind/version). */
export type RunGridSummaryData = z.input<typeof runGridSummarySchema>;

// ---- bench.json --------------------------------------------------------------------------------

/** The report settings recorded with a grid. */
const benchReportSchema = z.object({ targetAccuracy: z.number().optional(), reference: z.string() });

/** bench.json, current version: the grid's settings (`benchConfig`), their hash and the report settings. */
export const benchManifestSchema = z.object({
  format: z.literal(BENCH_FORMAT),
  version: z.literal(BENCH_VERSION),
  /** sha256 of the stable JSON of `config`. */
  configHash: z.string(),
  config: record,
  report: benchReportSchema,
});

/** bench.json version 1 (`{ version: 1, configHash, config, report }`, no format). */
export const benchManifestV1Schema = z.object({ version: z.literal(1), configHash: z.string(), config: record, report: benchReportSchema });

/** A bench.json document. */
export type BenchManifest = z.output<typeof benchManifestSchema>;

// ---- teacher-levels.json -----------------------------------------------------------------------

/** Format tag of a teacher-strength sweep's manifest (teacher-levels.json). */
export const TEACHER_LEVELS_FORMAT = 'activekd-teacher-levels';
/** Current version of teacher-levels.json. */
export const TEACHER_LEVELS_VERSION = 1;

/**
 * One teacher level of a sweep (issue 14): the real zero-shot teacher, the held-out few-shot
 * teacher of K shots per class, or the SYNTHETIC boosted teacher of a pool accuracy (fraction).
 */
export const teacherLevelSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('zero-shot'), name: z.string() }),
  z.object({ kind: z.literal('shots'), name: z.string(), shots: count }),
  z.object({ kind: z.literal('accuracy'), name: z.string(), accuracy: z.number().gt(0).lte(1) }),
]);

/** A teacher level. */
export type TeacherLevel = z.output<typeof teacherLevelSchema>;

/**
 * teacher-levels.json: the levels of a sweep (each a benchmark grid under `levels/<name>/`), whether
 * the no-distill grid (`no-distill/`) is part of it, and the report's reference strategy.
 */
export const teacherLevelsManifestSchema = z.object({
  format: z.literal(TEACHER_LEVELS_FORMAT),
  version: z.literal(TEACHER_LEVELS_VERSION),
  levels: z.array(teacherLevelSchema).min(1),
  noDistill: z.boolean(),
  reference: z.string(),
});

/** A teacher-levels.json document. */
export type TeacherLevelsManifest = z.output<typeof teacherLevelsManifestSchema>;

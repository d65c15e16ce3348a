/**
 * The public API of activekd (`import { … } from 'activekd'`): active learning with knowledge
 * distillation from a generalist teacher — the ActiveKD framework and the PCoreSet strategy of
 * arXiv 2506.00910 (docs/SPEC.md). This module only re-exports; each name is documented where it is
 * defined.
 *
 * Conventions shared by every export:
 * - matrices are {@link Matrix}: row-major `Float32Array` with explicit `rows`/`cols`
 *   (element (i, j) at `data[i * cols + j]`); probability matrices are N×C with rows summing to 1;
 * - every random choice takes an explicit seeded {@link Rng}: equal seeds give equal picks;
 * - bad input (a path, an argument, a file) throws one {@link UserError} whose message names it.
 *
 * Entry points by layer:
 * - **selection on plain matrices**: {@link createStrategy} (by name, see {@link strategyNames})
 *   and {@link runSelection} over a {@link SelectionContext} of {@link StudentPredictions};
 * - **teachers**: {@link LabelTransferTeacher}, {@link ClipTeacher}, {@link PrecomputedTeacher},
 *   the CLAP few-shot {@link ClapFewShotTeacher} (behind {@link FewShotTeacher}); {@link createTeacher} builds one
 *   from a spec through the teacher registry {@link TEACHERS};
 * - **student**: {@link trainStudent} with a {@link DhoConfig} ({@link DEFAULT_DHO}, {@link dhoConfig});
 * - **the round**: {@link runRound} (train → evaluate → predict → select: the one round every
 *   wrapper calls), {@link prepareExperiment} (dataset → features and teacher probabilities), and
 *   the simulated loop {@link runActiveLoop};
 * - **experiments and benchmarks**: {@link runExperiment} (strategy × framework × seed on a dataset),
 *   {@link runBench} (the resumable parallel grid and its report);
 * - **labeling projects**: {@link initProject}, {@link runProjectRound}, {@link importLabels},
 *   {@link exportProject}, {@link projectStatus};
 * - **data and encoders**: {@link openDataset} (formats in {@link DATASET_FORMAT_TABLE}), {@link encodeImages},
 *   the embedded {@link ASSETS};
 * - **numerics**: {@link softmaxRows}, {@link kMeans}, {@link linearWarmupSchedule}, {@link minDistances};
 * - **statistics**: accuracy, mean ± 95% t-interval, AUBC, paired tests, {@link aggregate}.
 *
 * @packageDocumentation
 */

// Base: matrices, randomness, errors, embedded assets.
export { argmaxRows, matrix, row, takeRows, type Matrix } from './linalg/matrix.ts';
export { Rng } from './util/rng.ts';
export { UserError } from './util/errors.ts';
export { createProgress, type Progress, type ProgressOptions } from './util/progress.ts';
export { ASSETS, MODEL_SHA256 } from './assets.ts';

// Shared numerics (SPEC §5–§6, §9): one softmax, k-means, schedule, distances, accuracy.
export { softmaxRow, softmaxRows, softmaxRowsInPlace, type SoftmaxExpStorage } from './linalg/softmax.ts';
export { kMeans, sampleD2, type KMeansArithmetic, type KMeansOptions, type KMeansResult } from './linalg/kmeans.ts';
export { linearWarmupSchedule, lrMultiplier, warmupSteps, type WarmupRounding } from './linalg/schedule.ts';
export { cosineDistance, dotRows, l2Distance, l2NormalizeRows, minDistances, squaredL2Serial, type MinDistancesOptions, type RowBuffer, type RowDistance } from './linalg/distance.ts';
export { accuracy } from './linalg/accuracy.ts';

// Options: one definition per option, with its default and validation (CLI, bench, projects and the library read them).
export { FRAMEWORKS, frameworkSchema, isFramework } from './options/framework.ts';
export * from './options/definitions.ts';
export * from './options/define.ts';
export { formatSeeds, parseSeeds } from './options/seeds.ts';
export { resolveQuerySize } from './options/query-size.ts';

// results.json, summary.json and bench.json: one versioned zod schema; every reader and writer goes through it.
export * from './loop/results-schema.ts';
export { activekdBuild, readBenchManifest, readResults, readSummary, resultsDocument, writeResults, writeSummary, type ActivekdBuild, type ResultsParts } from './loop/results.ts';

// Selection strategies: registry, selection on plain matrices, kernels, matrix file readers.
export {
  createStrategy,
  resolveStrategyName,
  runSelection,
  strategyNames,
  STRATEGIES,
  STRATEGY_ALIASES,
  type NumberOptionSpec,
  type OptionSpec,
  type StrategyEntry,
  type StrategyName,
  type StrategyOptionsMap,
} from './strategies/registry.ts';
export { EmptyPoolError, type Selection, type SelectionContext, type Strategy, type StrategyInput } from './strategies/types.ts';
export type { StudentPredictions } from './student/predictions.ts';
export type { EmptyStart, PCoreSetOptions, PCoreSetReverseOptions, ProbabilitySpace } from './strategies/pcoreset.ts';
export type { RandomOptions } from './strategies/random.ts';
export type { EntropyOptions } from './strategies/entropy.ts';
export type { MarginOptions } from './strategies/margin.ts';
export type { LeastConfidenceOptions } from './strategies/least-confidence.ts';
export type { CoresetOptions } from './strategies/coreset.ts';
export type { BadgeHead, BadgeOptions } from './strategies/badge.ts';
export type { BadgeKMeansPPOptions } from './strategies/badge-kmeanspp.ts';
export type { ClassBalancedOptions } from './strategies/class-balanced.ts';
export type { TypiClustOptions } from './strategies/typiclust.ts';
export type { ProbCoverOptions } from './strategies/probcover.ts';
export { entropyScores, leastConfidenceScores, marginScores } from './strategies/scores.ts';
export { topQ } from './strategies/common.ts';
export { checkKCenterArgs, kCenterGreedy, type KCenterArgs, type KCenterDistance, type KCenterMode, type KCenterResult } from './strategies/kcenter.ts';
export { badgeGreedy, type BadgeArgs, type BadgeFirstPick } from './strategies/badge-kernel.ts';
export { CALIBRATE_MIN_WORK, chooseKCenterBackend, kCenterGreedyAuto, preferGraph, type GraphKind, type KCenterBackend, type KCenterGraphOptions, type KCenterExactBackend } from './strategies/kcenter-graph.ts';
export { kCenterGreedyMatVec, type MatVecEngine, type MatVecOptions } from './strategies/kcenter-matvec.ts';
export type { GemmEngine } from './linalg/gemm.ts';
export { knnGraph, neighborLists, type KnnGraph, type NeighborListOptions, type NeighborLists } from './linalg/neighbors.ts';
export { assertFiniteMatrix, assertProbabilities, loadIds, loadLabels, loadMatrix, parseCsvMatrix } from './data/matrix-files.ts';

// Teachers.
export type { FewShotFitRecord, FewShotTeacher, FewShotTiming, Teacher } from './teachers/teacher.ts';
export { embeddedClassMapFor, findEmbeddedClassMap, LabelTransferTeacher, NoClassMapError, WITHOUT_CLASS_MAP_HINT, mapProbabilities, type ClassReduction, type LabelTransferArgs } from './teachers/label-transfer.ts';
export { ClipTeacher, type ClipTeacherArgs } from './teachers/clip/teacher.ts';
export { resolveClipFolder, type ClipFolder, type ClipFolderOptions, type ClipLayout } from './teachers/clip/files.ts';
export type { TextClassifier } from './teachers/clip/classifier.ts';
export { PrecomputedTeacher, readPrecomputed, type PrecomputedArgs, type PrecomputedFormat, type PrecomputedScores, type ScoreKind } from './teachers/precomputed.ts';
export { classMeanPrototypes, clapLogits, DEFAULT_CLAP, ClapFewShotTeacher, fitClap, type ClapConfig, type ClapFitInput, type ClapFitRecord, type ClapLogitMode, type ClapModel, type ClapTiming, type ClapFewShotTeacherArgs } from './teachers/clap.ts';
export { customPromptSet, DATASET_PROMPTS, DEFAULT_PROMPTS, promptSetFor, type PromptSet, type TextEnsemble } from './teachers/prompts.ts';
export { loadClassMap, readClassMap, readLabelsFile, resolveClassMap, type AmbiguousLabel, type ClassMap, type ClassMapSources, type ResolvedClassMap } from './teachers/class-map.ts';
export { BUILTIN_TEACHER_KINDS, createFewShotTeacher, createLabelsOnlyFewShotTeacher, createTeacher, createTeacherRegistry, DEFAULT_TEACHER_SPEC, NO_TEACHER, parseTeacherSpec, TEACHERS, teacherSpecHelp, teacherSyntax, type TeacherRegistry, type TeacherSpec } from './teachers/registry.ts';
export type { FewShotContext, LabelTransferChoice, TeacherChoice, TeacherContext, TeacherKind } from './teachers/kind.ts';
export { fewShotImagesOf, labelsOnlyFewShotTeacher, type FewShotImages, type FewShotOptions } from './teachers/few-shot.ts';
export { writeTeacherProbs } from './teachers/precomputed-write.ts';
export { BOOST_PROB_FLOOR, boostProbs, boostTeacher, type BoostedTeacher } from './teachers/boosted.ts';
export { fitHeldOutTeacher, type HeldOutTeacher } from './teachers/held-out.ts';
export { carveTeacherSplit, limitWithTeacherSplit, type CarvedTeacherSplit } from './data/teacher-split.ts';

// The DHO student.
export { DEFAULT_DHO, dhoConfig, distills, effectiveAlphaCe, predictionSettings, TS_ENGINE_MAX_WORK, validateDhoConfig, type DhoConfig, type DhoEngineKind, type PredictionSettings } from './student/config.ts';
export type { DhoHead } from './linalg/dho-layout.ts';
export { trainStudent, type ParamTensor, type PredictOptions, type Standardization, type StudentModel, type StudentParams, type TrainStudentArgs } from './student/train.ts';
export { stepsPerRound } from './student/schedule.ts';

// The one active-learning round, the experiment preparation and the simulated loop.
export { runRound, type RoundInput, type RoundOutcome } from './loop/round.ts';
export { runActiveLoop, type ActiveLoopConfig, type ActiveLoopInput, type ActiveLoopResult, type Framework, type RoundRecord, type SelectInfo } from './loop/active-loop.ts';
export { initialLabeledSet } from './loop/initial.ts';
export { SimulatedOracle, type Oracle } from './loop/oracle.ts';
export { prepareData, prepareExperiment, writePreparedTeacher, type ExperimentSetup, type PreparedData, type PreparedExperiment, type PreparedHeldOutTeacher } from './loop/prepare.ts';

// Simulated experiments and the benchmark grid.
export { experimentOptions, experimentSetup, runExperiment, summarize, type ExperimentOptions, type RunRecord, type TeacherOptions } from './bench/experiment.ts';
export { runBench, runCell, type BenchCell, type BenchOptions, type CellOptions, type CellRunner } from './bench/grid.ts';
export type { AnalysisOptions, ProbRows, RoundAnalysis, RunAnalysis } from './eval/analysis.ts';
export { writeBenchReport, type BenchReportOptions } from './report/bench-report.ts';
export { parseTeacherLevels, runTeacherLevels, TEACHER_LEVEL_SYNTAX, type TeacherLevel, type TeacherLevelsOptions } from './bench/teacher-levels.ts';
export { summarizeTeacherLevels, type LevelMetric, type LevelStrategy, type LevelSummary, type PairedDifference, type TeacherLevelsSummary } from './eval/teacher-levels.ts';
export { loadTeacherLevels, writeTeacherLevelsReport, type TeacherLevelsSettings } from './report/teacher-levels-report.ts';

// Labeling projects (human in the loop).
export { initProject, projectStatus, runProjectRound, type InitProjectOptions, type ProjectStatus, type ProjectRoundOptions, type ProjectRoundResult } from './project/project.ts';
export type { RoundRow, SelectionRow, Suggestion } from './project/store.ts';
export { importLabels, LabelFormatError, LabelImportError, unlabeledSummary, type ImportResult } from './project/labels.ts';
export {
  detectLabelFormat,
  parseLabelCsv,
  parseLabelFile,
  parseLabelStudio,
  parseLabelStudioCsv,
  parseLabelStudioMin,
  type LabelFileFormat,
  type LabelProblem,
  type ParsedLabelFile,
  type RawLabel,
  type UnlabeledEntry,
  type UnlabeledReason,
} from './project/label-files.ts';
export { labelVerdict, type LabelVerdict } from './project/label-policy.ts';
export { exportContract, exportProject, type ExportContract } from './project/export.ts';

// Datasets and image encoders.
export { detectFormat, openDataset, type OpenDatasetOptions, type OpenedDataset } from './data/open.ts';
export { BUILTIN_DATASET_FORMATS, createDatasetFormatTable, DATASET_FORMAT_TABLE, DATASET_FORMATS, FORMAT_HELP, type DatasetFormat, type DatasetFormatTable } from './data/formats.ts';
export type { DatasetFormatEntry, DirEntry } from './data/format-entry.ts';
export type { DataSource, Dataset, SkippedFile, Split } from './data/dataset.ts';
export type { ReadDataset, SplitLimit } from './data/common.ts';
export { defaultCacheDir, encodeImages, type EncodeOptions, type EncodeResult, type SkippedImage } from './encoders/encode.ts';
export type { EncoderSpec } from './encoders/spec.ts';
export { mobilenetV1Spec, mobilenetV2Spec } from './encoders/embedded.ts';

// Statistics and aggregation.
export { formatCI, meanCI, seedStat, type MeanCI, type Stat } from './eval/stats.ts';
export { aubc, labelsToReach, type CurvePoint } from './eval/curves.ts';
export { pairedTTest, wilcoxonSignedRank, type PairedTest } from './eval/compare.ts';
export { aggregate, type AggregateOptions, type BenchSummary, type Comparison, type GroupSummary, type RunResult } from './eval/aggregate.ts';
export { STOPPING_SIGNALS, type PickedClassRound, type StoppingRound, type StoppingSignalName } from './eval/aggregate-signals.ts';
export { biasMetrics, teacherClusters, type BiasMetrics, type BiasOptions, type TeacherClusterOptions } from './eval/bias.ts';
export { classHistogram, pickedClassCounts, type PickedClassCounts } from './eval/picked-classes.ts';
export { batchCriteria, type BatchCriteria, type CriteriaOptions } from './eval/criteria.ts';
export { accuracyGainPerLabel, coverageRadius, predictionStability, teacherStudentAgreement, type StoppingSignals } from './eval/stopping.ts';

import { Command, Option } from 'commander';
import type { ExperimentOptions } from '../bench/experiment.ts';
import {
  CACHE_DIR_OPTION,
  CE_WEIGHT_OPTION,
  ENCODER_BATCH_SIZE_OPTION,
  PREDICT_CHUNK_OPTION,
  PREPROCESS_OPTION,
  TEACHER_ACCURACY_OPTION,
  TEACHER_SHOTS_OPTION,
  FRAMEWORK_OPTION,
  HIDDEN_OPTION,
  INITIAL_SHOTS_OPTION,
  QUERY_OPTION,
  ROUNDS_OPTION,
  SEED_OPTION,
  SEEDS_OPTION,
  STANDARDIZE_OPTION,
  STEPS_PER_BATCH_OPTION,
  STRATEGIES_OPTION,
  STUDENT_HEAD_OPTION,
  TEACHER_OPTION,
  TEMPERATURE_OPTION,
  THREADS_OPTION,
} from '../options/definitions.ts';
import type { Framework } from '../options/framework.ts';
import { defaultPreprocess, type PreprocessVersion } from '../encoders/spec.ts';
import { DEFAULT_DHO, type DhoConfig } from '../student/config.ts';
import { parseTeacherSpec, teacherSpecHelp } from '../teachers/registry.ts';
import { addDatasetOptions, DATA_FORMATS_HELP, toOpenOptions, type RawDatasetOptions } from './datasets.ts';
import { cliOption } from './option-def.ts';
import { numberIn } from './parse.ts';

/** A command's own defaults of the run options (absent: the option definitions'). */
export interface RunDefaults {
  rounds?: number;
  /** Strategy name or comma-separated list. */
  strategy?: string;
  /** Default frameworks (default: the definition's, zero-shot). */
  frameworks?: Framework[];
  /** Default seed list (`--seeds`); `--seed` then has no default of its own (default: the definition's single seed). */
  seeds?: number[];
}

/**
 * The run options that make no sense for `demo`'s embedded dataset (its format, split and class
 * files, and the teacher inputs tied to a dataset: class map, ImageNet labels, teacher model,
 * precomputed teacher files).
 */
export const DEMO_EXCLUDED_OPTIONS: readonly string[] = ['--format', '--image-root', '--test-fraction', '--split-seed', '--allow-missing', '--classes', '--class-map', '--imagenet-labels', '--teacher-model', '--precomputed-kind'];

/**
 * Options of the loop and the student that `encode` has no use for (it prepares features and
 * teacher probabilities only; a fresh-user trial found them listed and silently accepted).
 */
export const ENCODE_EXCLUDED_OPTIONS: readonly string[] = ['--strategy', '--strategies', '--rounds', '--query', '--initial-shots', '--seed', '--seeds', '--student-head', '--hidden', '--steps-per-batch', '--temperature', '--ce-weight', '--standardize', '--predict-chunk', '--teacher-accuracy'];

/**
 * Adds the options shared by `run`, `demo` and `bench` (loop, student, teacher, cache).
 * @param exclude long flags not to add (e.g. {@link DEMO_EXCLUDED_OPTIONS})
 */
export function addRunOptions(cmd: Command, defaults: RunDefaults, exclude: readonly string[] = []): Command {
  if (exclude.length === 0) return addAllRunOptions(cmd, defaults);
  const all = addAllRunOptions(new Command(), defaults);
  for (const o of all.options) if (o.long === undefined || !exclude.includes(o.long)) cmd.addOption(o);
  // The formats section goes with the choice of a format (demo's embedded data has none).
  if (!exclude.includes('--format')) cmd.addHelpText('after', DATA_FORMATS_HELP);
  return cmd;
}

function addAllRunOptions(cmd: Command, defaults: RunDefaults): Command {
  return addDatasetOptions(cmd)
    .addOption(cliOption(STRATEGIES_OPTION, defaults.strategy !== undefined ? { default: STRATEGIES_OPTION.parse(defaults.strategy) } : {}))
    .addOption(cliOption(FRAMEWORK_OPTION, defaults.frameworks ? { default: defaults.frameworks } : {}))
    .addOption(cliOption(ROUNDS_OPTION, defaults.rounds !== undefined ? { default: defaults.rounds } : {}))
    .addOption(cliOption(QUERY_OPTION))
    .addOption(cliOption(INITIAL_SHOTS_OPTION))
    .addOption(cliOption(SEED_OPTION, defaults.seeds ? { default: undefined, defaultText: 'see --seeds', description: 'one random seed instead of the list (same as --seeds N)' } : {}))
    .addOption(cliOption(SEEDS_OPTION, defaults.seeds ? { default: defaults.seeds } : {}))
    .addOption(cliOption(STUDENT_HEAD_OPTION))
    .addOption(cliOption(HIDDEN_OPTION))
    .addOption(cliOption(STEPS_PER_BATCH_OPTION))
    .addOption(cliOption(TEMPERATURE_OPTION))
    .addOption(cliOption(CE_WEIGHT_OPTION))
    .addOption(cliOption(STANDARDIZE_OPTION))
    .option('--student-model <file>', 'student backbone ONNX (default: embedded MobileNetV1)')
    .addOption(cliOption(TEACHER_OPTION, { description: `teacher: ${teacherSpecHelp()}`, parse: (raw) => (parseTeacherSpec(raw), raw) }))
    .option('--prompts <dataset>', 'CLIP prompt templates of a dataset key (caltech101, dtd, eurosat, fgvc, food101, oxford_flowers, oxford_pets, stanford_cars, sun397, ucf101, imagenet); default "a photo of a {}."')
    .option('--clip-download <model-id>', 'allow downloading missing CLIP files from this hub model id (e.g. Xenova/clip-vit-base-patch32)')
    .addOption(new Option('--precomputed-kind <kind>', 'what a precomputed teacher file holds (default probs; JSONL: its field names)').choices(['probs', 'logits']))
    .addOption(new Option('--clap-timing <when>', 'few-shot: refit CLAP before each round\'s student (paper, ImageNet code) or after it (others code, one-round lag)').choices(['beforeStudent', 'afterStudent']).default('afterStudent'))
    .option('--clap-passes <n>', 'few-shot: CLAP steps = passes·|L|/64 (paper: 300)', numberIn('--clap-passes', 1e-3, 1e6), 300)
    .option('--teacher-model <file>', 'ImageNet classifier ONNX of the label-transfer teacher (default: embedded MobileNetV2)')
    .option('--class-map <file>', 'class map JSON: target class → ImageNet label names (default: the embedded CIFAR-10 or Fashion-MNIST map whose keys cover the dataset classes)')
    .option('--imagenet-labels <file>', 'labels of the teacher model outputs, one per line (default: embedded)')
    .addOption(new Option('--teacher-reduce <how>', 'class score over its mapped ImageNet classes').choices(['max', 'sum']).default('max'))
    .option('--teacher-temperature <t>', 'teacher temperature applied after mapping', numberIn('--teacher-temperature', 1e-3, 1e3), 1)
    .option('--classes <file>', 'class names file (one per line, in label order)')
    .addOption(cliOption(CACHE_DIR_OPTION))
    .option('--no-cache', 'do not read or write the feature cache')
    .addOption(cliOption(THREADS_OPTION))
    .addOption(cliOption(ENCODER_BATCH_SIZE_OPTION))
    .addOption(cliOption(PREPROCESS_OPTION))
    .addOption(cliOption(PREDICT_CHUNK_OPTION))
    .addOption(cliOption(TEACHER_ACCURACY_OPTION))
    .addOption(cliOption(TEACHER_SHOTS_OPTION));
}

/** Raw commander values of {@link addRunOptions} (parsed by the option definitions). */
export interface RawRunOptions extends RawDatasetOptions {
  strategy: string[];
  framework: Framework[];
  rounds: number;
  query?: number;
  initialShots: number;
  /** Undefined only when the command's default is a `--seeds` list. */
  seed?: number;
  seeds?: number[];
  studentHead: DhoConfig['head'];
  hidden: number;
  stepsPerBatch: number;
  temperature: number;
  ceWeight: number;
  standardize: boolean;
  studentModel?: string;
  teacher: string;
  prompts?: string;
  clipDownload?: string;
  precomputedKind?: 'probs' | 'logits';
  clapTiming: 'beforeStudent' | 'afterStudent';
  clapPasses: number;
  teacherModel?: string;
  classMap?: string;
  imagenetLabels?: string;
  teacherReduce: 'max' | 'sum';
  teacherTemperature: number;
  classes?: string;
  cacheDir?: string;
  cache: boolean;
  threads?: number;
  encoderBatchSize: number;
  preprocess?: PreprocessVersion;
  predictChunk: number;
  teacherAccuracy?: number;
  teacherShots?: number;
}

/** Turns parsed options into {@link ExperimentOptions}. */
export function toExperimentOptions(raw: RawRunOptions, data: string, out: string, log: (s: string) => void): ExperimentOptions {
  const dho: DhoConfig = { ...DEFAULT_DHO, head: raw.studentHead, hidden: raw.hidden, stepsPerLabeledBatch: raw.stepsPerBatch, temperature: raw.temperature, ceWeight: raw.ceWeight, standardize: raw.standardize, predictChunk: raw.predictChunk };
  return {
    data,
    ...(raw.classes ? { classesFile: raw.classes } : {}),
    dataset: toOpenOptions({ ...raw, classes: undefined }),
    strategies: raw.strategy,
    frameworks: raw.framework,
    seeds: raw.seeds ?? [raw.seed ?? SEED_OPTION.default],
    rounds: raw.rounds,
    ...(raw.query ? { querySize: raw.query } : {}),
    initialShots: raw.initialShots,
    dho,
    ...(raw.studentModel ? { studentModel: raw.studentModel } : {}),
    teacher: {
      spec: raw.teacher,
      ...(raw.prompts ? { prompts: raw.prompts } : {}),
      ...(raw.clipDownload ? { clipDownload: raw.clipDownload } : {}),
      ...(raw.precomputedKind ? { precomputedKind: raw.precomputedKind } : {}),
      clap: { clapTiming: raw.clapTiming, passes: raw.clapPasses },
      ...(raw.teacherModel ? { model: raw.teacherModel } : {}),
      ...(raw.classMap ? { mapFile: raw.classMap } : {}),
      ...(raw.imagenetLabels ? { labelsFile: raw.imagenetLabels } : {}),
      reduce: raw.teacherReduce,
      temperature: raw.teacherTemperature,
    },
    // The preprocessing is resolved here (--preprocess, else ACTIVEKD_PREPROCESS, else v2-graph), so
    // bench cells and queue workers use the parent's whatever their environment.
    encode: { cacheDir: raw.cache ? (raw.cacheDir ?? undefined) : null, ...(raw.threads ? { threads: raw.threads } : {}), batchSize: raw.encoderBatchSize, preprocess: raw.preprocess ?? defaultPreprocess() },
    ...(raw.teacherAccuracy !== undefined ? { teacherAccuracy: raw.teacherAccuracy } : {}),
    ...(raw.teacherShots !== undefined ? { teacherShots: raw.teacherShots } : {}),
    out,
    log,
  };
}

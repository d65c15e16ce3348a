import { Option, type Command } from 'commander';
import { UserError } from '../util/errors.ts';
import type { Framework } from '../loop/active-loop.ts';
import type { ExperimentOptions } from '../bench/experiment.ts';
import { DEFAULT_DHO, type DhoConfig } from '../student/config.ts';
import { DEFAULT_TEACHER_SPEC, teacherSpecHelp } from '../teachers/registry.ts';
import { addDatasetOptions, toOpenOptions, type RawDatasetOptions } from './datasets.ts';
import { nonNegativeInt, numberIn, parseSeeds, positiveInt } from './parse.ts';

const FRAMEWORKS: readonly Framework[] = ['zero-shot', 'few-shot', 'no-distill'];

/** Adds the options shared by `run` and `demo` (student, teacher, loop, cache). */
export function addRunOptions(cmd: Command, defaults: { rounds: number; strategy: string }): Command {
  return addDatasetOptions(cmd)
    .option('--strategy <names>', 'selection strategy, or a comma-separated list (see `activekd strategies`)', defaults.strategy)
    .addOption(new Option('--framework <names>', 'zero-shot (DHO distillation from the teacher), few-shot (from a CLAP probe refitted on the labeled set) or no-distill (CE only); comma-separated for several').default('zero-shot'))
    .option('--rounds <n>', 'trained rounds R (1 initial + R−1 queries)', positiveInt('--rounds'), defaults.rounds)
    .option('--query <n>', 'items labeled per round (default: number of classes)', positiveInt('--query'))
    .option('--initial-shots <n>', 'initial labeled items per class', positiveInt('--initial-shots'), 1)
    .option('--seed <n>', 'random seed', nonNegativeInt('--seed'), 1)
    .option('--seeds <list>', 'several seeds, e.g. 1-5 or 1,3,7 (overrides --seed)', parseSeeds)
    .addOption(new Option('--student-head <kind>', 'adapter: shared ReLU adapter under both heads; linear: two linear heads').choices(['adapter', 'linear']).default(DEFAULT_DHO.head))
    .option('--hidden <n>', 'adapter hidden size', positiveInt('--hidden'), DEFAULT_DHO.hidden)
    .option('--steps-per-batch <n>', 'training steps per 64 labeled items (paper: 200)', positiveInt('--steps-per-batch'), DEFAULT_DHO.stepsPerLabeledBatch)
    .option('--standardize', 'z-score backbone features before training (changes KD results; off in the paper setting)', false)
    .option('--student-model <file>', 'student backbone ONNX (default: embedded MobileNetV1)')
    .option('--teacher <spec>', `teacher: ${teacherSpecHelp()}`, DEFAULT_TEACHER_SPEC)
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
    .option('--cache-dir <dir>', 'feature cache folder (default: $ACTIVEKD_CACHE or ~/.cache/activekd)')
    .option('--no-cache', 'do not read or write the feature cache')
    .option('--threads <n>', 'onnxruntime threads for the encoders', positiveInt('--threads'));
}

/** Raw commander values of {@link addRunOptions}. */
export interface RawRunOptions extends RawDatasetOptions {
  strategy: string;
  framework: string;
  rounds: number;
  query?: number;
  initialShots: number;
  seed: number;
  seeds?: number[];
  studentHead: 'adapter' | 'linear';
  hidden: number;
  stepsPerBatch: number;
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
}

/** Turns parsed options into {@link ExperimentOptions}. */
export function toExperimentOptions(raw: RawRunOptions, data: string, out: string, log: (s: string) => void): ExperimentOptions {
  const frameworks = raw.framework.split(',').map((s) => {
    const f = s.trim();
    if (!(FRAMEWORKS as readonly string[]).includes(f)) throw new UserError(`--framework must be one of ${FRAMEWORKS.join(', ')} (comma-separated for several); got "${f}"`);
    return f as Framework;
  });
  const dho: DhoConfig = { ...DEFAULT_DHO, head: raw.studentHead, hidden: raw.hidden, stepsPerLabeledBatch: raw.stepsPerBatch, standardize: raw.standardize };
  return {
    data,
    ...(raw.classes ? { classesFile: raw.classes } : {}),
    dataset: toOpenOptions({ ...raw, classes: undefined }),
    strategies: raw.strategy.split(',').map((s) => s.trim()).filter((s) => s.length > 0),
    frameworks,
    seeds: raw.seeds ?? [raw.seed],
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
    encode: { cacheDir: raw.cache ? (raw.cacheDir ?? undefined) : null, ...(raw.threads ? { threads: raw.threads } : {}) },
    out,
    log,
  };
}

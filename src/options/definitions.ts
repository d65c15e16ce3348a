/**
 * The user-facing options of activekd, each defined once (flag, description, default, validator;
 * see define.ts). The CLI builds its commander options from these, the student configuration
 * (src/student/config.ts) takes its defaults from them, and library callers may `check` values.
 */
import { z } from 'zod';
import { booleanOption, defineOption, enumListOption, enumOption, integerOption, nameListOption, numberOption, stringOption } from './define.ts';
import { FRAMEWORKS } from './framework.ts';
import { formatSeeds, parseSeeds } from './seeds.ts';

// ---- loop -------------------------------------------------------------------------------------

/** `--framework`: distillation framework(s) of a simulated run (comma-separated for a grid). */
export const FRAMEWORK_OPTION = enumListOption({
  flags: '--framework <names>',
  description: 'zero-shot (DHO distillation from the teacher), few-shot (from a CLAP probe refitted on the labeled set) or no-distill (CE only); comma-separated for several',
  values: FRAMEWORKS,
  default: ['zero-shot'],
});

/** `--strategy` of a simulated run: one selection strategy or a comma-separated list (names checked by the registry). */
export const STRATEGIES_OPTION = nameListOption({
  flags: '--strategy <names>',
  description: 'selection strategy, or a comma-separated list (see `activekd strategies`)',
  default: ['pcoreset'],
});

/** `--strategy` of a project round or of `select`: one selection strategy (name checked by the registry). */
export const STRATEGY_OPTION = stringOption({
  flags: '--strategy <name>',
  description: 'selection strategy (see `activekd strategies`)',
  default: 'pcoreset',
});

/** `--rounds`: trained rounds R (paper: 16). */
export const ROUNDS_OPTION = integerOption({ flags: '--rounds <n>', description: 'trained rounds R (1 initial + R−1 queries)', min: 1, default: 16 });

/**
 * `--query`: items labeled per round; default the number of classes (paper), resolved by
 * `resolveQuerySize` (query-size.ts).
 */
export const QUERY_OPTION = integerOption({ flags: '--query <n>', description: 'items labeled per round', min: 1, default: undefined, defaultText: 'number of classes' });

/** `--initial-shots`: initial labeled items per class (paper: 1). */
export const INITIAL_SHOTS_OPTION = integerOption({ flags: '--initial-shots <n>', description: 'initial labeled items per class', min: 1, default: 1 });

/** `--seed`: one random seed. */
export const SEED_OPTION = integerOption({ flags: '--seed <n>', description: 'random seed', min: 0, default: 1 });

/** `--seeds`: several seeds, `1-5`, `1,3,7` or a mix (see `parseSeeds`). */
export const SEEDS_OPTION = defineOption<number[], number[] | undefined>({
  flags: '--seeds <list>',
  description: 'several seeds, e.g. 1-5 or 1,3,7 (overrides --seed)',
  default: undefined,
  defaultText: 'the one --seed',
  schema: z
    .array(z.number().int())
    .min(1)
    .refine((a) => new Set(a).size === a.length),
  expected: 'a list of distinct integer seeds such as 1-5 or 1,3,7',
  fromString: (raw) => parseSeeds(raw),
  show: formatSeeds,
});

/** `--budget`: total labels a project may use (default unlimited). */
export const BUDGET_OPTION = integerOption({ flags: '--budget <n>', description: 'total labels you are willing to give', min: 1, default: undefined, defaultText: 'unlimited' });

// ---- teacher ----------------------------------------------------------------------------------

/**
 * `--teacher`: a teacher spec, `label-transfer` (default: the embedded ImageNet MobileNetV2 with a
 * class map), `clip:DIR`, `precomputed:FILE` or `none`. The spec syntax belongs to the teacher
 * registry (src/teachers/registry.ts `parseTeacherSpec`, extensible with new kinds); the CLI checks
 * it there, this definition holds the flag and the default.
 */
export const TEACHER_OPTION = stringOption({
  flags: '--teacher <spec>',
  description: 'teacher: label-transfer, clip:DIR, precomputed:FILE or none (no teacher)',
  default: 'label-transfer',
});

// ---- student (SPEC §5) ------------------------------------------------------------------------

/** Student head kinds: `adapter` (shared ReLU adapter under both heads, default) or `linear` (two linear heads). */
export const STUDENT_HEADS = ['adapter', 'linear'] as const;

/** `--student-head`. */
export const STUDENT_HEAD_OPTION = enumOption({
  flags: '--student-head <kind>',
  description: 'adapter: shared ReLU adapter under both heads; linear: two linear heads',
  values: STUDENT_HEADS,
  default: 'adapter',
});

/** `--hidden`: adapter width H. */
export const HIDDEN_OPTION = integerOption({ flags: '--hidden <n>', description: 'adapter hidden size', min: 1, default: 512 });

/** `--steps-per-batch`: optimiser steps per started batch of 64 labeled items (paper: 200 "epochs", SPEC §5.2). */
export const STEPS_PER_BATCH_OPTION = integerOption({ flags: '--steps-per-batch <n>', description: 'training steps per 64 labeled items (paper: 200)', min: 1, default: 200 });

/** `--temperature`: distillation temperature T of the KD loss (SPEC §5.1). */
export const TEMPERATURE_OPTION = numberOption({ flags: '--temperature <T>', description: 'distillation temperature T of the student\'s KD loss (SPEC §5.1)', min: 0, max: Infinity, minOpen: true, maxOpen: true, default: 2 });

/** `--ce-weight`: λ, weight of the CE term; the KD terms get 1 − λ (SPEC §5.1). */
export const CE_WEIGHT_OPTION = numberOption({ flags: '--ce-weight <lambda>', description: 'weight λ of the CE loss; the KD loss gets 1−λ (SPEC §5.1)', min: 0, max: 1, default: 0.5 });

/** `--standardize`: z-score the backbone features (changes KD results; off in the paper setting). */
export const STANDARDIZE_OPTION = booleanOption({ flags: '--standardize', description: 'z-score backbone features before training (changes KD results; off in the paper setting)', default: false });

// ---- encoding ---------------------------------------------------------------------------------

/** `--cache-dir`: the feature cache root. */
export const CACHE_DIR_OPTION = stringOption({ flags: '--cache-dir <dir>', description: 'feature cache folder', default: undefined, defaultText: '$ACTIVEKD_CACHE or ~/.cache/activekd' });

/** `--threads`: onnxruntime intra-op threads of the encoders. */
export const THREADS_OPTION = integerOption({ flags: '--threads <n>', description: 'onnxruntime threads for the encoders', min: 1, default: undefined, defaultText: 'all cores' });

/** `--encoder-batch-size`: images per encoder inference call. */
export const ENCODER_BATCH_SIZE_OPTION = integerOption({ flags: '--encoder-batch-size <n>', description: 'images per encoder inference call', min: 1, default: 32 });

/** The image preprocessing pipelines (see `EncoderSpec.preprocess` in src/encoders/spec.ts). */
export const PREPROCESS_VERSIONS = ['v1-sharp', 'v2-graph'] as const;

/**
 * The preprocessing of encoders when neither `--preprocess` nor `$ACTIVEKD_PREPROCESS` names one:
 * `v2-graph` (issue 12 #3: the faster pipeline; the same accuracy within noise). `v1-sharp` was the
 * default before: the golden fixtures and the published results were computed with it, and
 * labeling projects created before versions existed keep it.
 */
export const DEFAULT_PREPROCESS: (typeof PREPROCESS_VERSIONS)[number] = 'v2-graph';

/**
 * The preprocessing of everything written before versions existed, which records none: feature
 * caches, bench grids and prepared experiments (whose keys leave it out, so they stay valid),
 * labeling projects, teacher ids. Where a record has no preprocessing, it is this one.
 */
export const LEGACY_PREPROCESS: (typeof PREPROCESS_VERSIONS)[number] = 'v1-sharp';

/**
 * `--preprocess`: how images become encoder input (issue 12 #3). Default: `$ACTIVEKD_PREPROCESS`,
 * else {@link DEFAULT_PREPROCESS}, resolved by `defaultPreprocess` (src/encoders/spec.ts).
 */
export const PREPROCESS_OPTION = enumOption({
  flags: '--preprocess <version>',
  description:
    'image preprocessing: v2-graph (native-size decode, libjpeg-turbo for small JPEGs; upsampling and scaling inside the encoder\'s onnxruntime session) or v1-sharp (sharp resizes, JS scales: slower; the earlier default, used for the published results); features differ slightly, each has its own cache',
  values: PREPROCESS_VERSIONS,
  default: undefined,
  defaultText: `$ACTIVEKD_PREPROCESS, else ${DEFAULT_PREPROCESS}`,
});

/** `--teacher-shots`: simulations only, K of the held-out few-shot teacher (issue 14; src/data/teacher-split.ts). */
export const TEACHER_SHOTS_OPTION = integerOption({
  flags: '--teacher-shots <k>',
  description: 'simulations only: replace the zero-shot teacher by a few-shot (CLAP) teacher fitted once on K labeled images per class of a teacher split disjoint from pool and test (the K images after --limit-per-class in each class, else the last K), then frozen',
  min: 1,
  default: undefined,
  defaultText: 'the zero-shot teacher',
});

/** `--teacher-accuracy`: simulations only, the pool accuracy of the SYNTHETIC boosted teacher (issue 14). */
export const TEACHER_ACCURACY_OPTION = numberOption({
  flags: '--teacher-accuracy <a>',
  description: 'simulations only: replace the teacher by a SYNTHETIC one (log p + κ·onehot(truth), κ < 0 below the real teacher) whose pool accuracy is this fraction in (0, 1]; with --teacher-shots it starts from the held-out teacher',
  min: 0,
  max: 1,
  minOpen: true,
  default: undefined,
  defaultText: 'the real teacher',
});

/** `--predict-chunk`: pool rows per student prediction call; bounds the memory of one call, not the results. */
export const PREDICT_CHUNK_OPTION = integerOption({ flags: '--predict-chunk <n>', description: 'rows per student prediction call (bounds its memory; results do not change)', min: 1, default: 8192 });

/** Every definition above, by key of this module (for tests and documentation). */
export const OPTIONS = {
  framework: FRAMEWORK_OPTION,
  strategies: STRATEGIES_OPTION,
  strategy: STRATEGY_OPTION,
  rounds: ROUNDS_OPTION,
  query: QUERY_OPTION,
  initialShots: INITIAL_SHOTS_OPTION,
  seed: SEED_OPTION,
  seeds: SEEDS_OPTION,
  budget: BUDGET_OPTION,
  teacher: TEACHER_OPTION,
  studentHead: STUDENT_HEAD_OPTION,
  hidden: HIDDEN_OPTION,
  stepsPerBatch: STEPS_PER_BATCH_OPTION,
  temperature: TEMPERATURE_OPTION,
  ceWeight: CE_WEIGHT_OPTION,
  standardize: STANDARDIZE_OPTION,
  cacheDir: CACHE_DIR_OPTION,
  threads: THREADS_OPTION,
  encoderBatchSize: ENCODER_BATCH_SIZE_OPTION,
  preprocess: PREPROCESS_OPTION,
  predictChunk: PREDICT_CHUNK_OPTION,
  teacherAccuracy: TEACHER_ACCURACY_OPTION,
  teacherShots: TEACHER_SHOTS_OPTION,
} as const;

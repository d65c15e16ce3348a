/**
 * `activekd select`: selection-only mode. Reads the student's outputs for a pool (and a labeled set)
 * from `.npy` / CSV files, runs one registered strategy (SPEC.md §9) and writes the chosen pool rows —
 * with item ids when an id file is given — and their scores as JSON. No images, models or training.
 *
 * Inputs (one row per item, pool and labeled files in the same item order as each other):
 *  --pool-probs / --labeled-probs        N×C / M×C combined probabilities (rows sum to 1 ± 1e-3)
 *  --pool-features / --labeled-features  N×D / M×D penultimate features
 *  --pool-ce, --pool-kd / --labeled-ce, --labeled-kd   N×C / M×C head logits; when probabilities are
 *                                        not given they are combined as 0.5·softmax(ce)+0.5·softmax(kd) (SPEC §9)
 *  --labeled-labels                      M integer labels (class-balanced): text, one per line, or a 1-D .npy
 *  --teacher-pool / --teacher-labeled    teacher probabilities (pcoreset --option space=teacher)
 *  --ids                                 N pool item ids, one per line (or a JSON array)
 *  --classes                             the number of classes when no probability/logit file gives it
 *                                        (probcover's purity rule with features only)
 * The labeled set may be omitted entirely (cold start: M = 0); once any labeled file is given, every
 * labeled counterpart of an input the strategy needs must be given too.
 */
import { Command, InvalidArgumentError } from 'commander';
import { assertProbabilities, loadIds, loadLabels, loadMatrix } from '../data/matrix-files.ts';
import type { Matrix } from '../linalg/matrix.ts';
import { softmaxRows } from '../linalg/softmax.ts';
import { createStrategy } from '../strategies/registry.ts';
import type { SelectionContext, StrategyInput, StudentPredictions } from '../strategies/types.ts';
import { UserError } from '../util/errors.ts';
import { writeJsonAtomic } from '../util/json-file.ts';
import { Rng } from '../util/rng.ts';
import { QUERY_OPTION, SEED_OPTION, STRATEGY_OPTION } from '../options/definitions.ts';
import { cliOption } from './option-def.ts';
import { positiveInt } from './parse.ts';

/** Raw commander values of `activekd select`. */
export interface RawSelectOptions {
  poolProbs?: string;
  poolFeatures?: string;
  poolCe?: string;
  poolKd?: string;
  labeledProbs?: string;
  labeledFeatures?: string;
  labeledCe?: string;
  labeledKd?: string;
  labeledLabels?: string;
  teacherPool?: string;
  teacherLabeled?: string;
  ids?: string;
  /** Number of classes; needed only when no class-indexed file (probabilities, logits, teacher) gives it. */
  classes?: number;
  strategy: string;
  query: number;
  seed: number;
  option: Record<string, unknown>;
  out: string;
}

/** One pick of the output file. */
export interface SelectPick {
  /** 0-based pool row. */
  readonly row: number;
  readonly id?: string;
  /** Acquisition score (null: the strategy has none, or it is ±∞ such as a first k-center pick). */
  readonly score: number | null;
}

/** The JSON written by `activekd select`. */
export interface SelectOutput {
  readonly strategy: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly query: number;
  readonly seed: number;
  readonly pool: number;
  readonly labeled: number;
  readonly picks: SelectPick[];
  /** What the selection warned about (e.g. a query larger than the pool); absent when nothing. */
  readonly warnings?: string[];
}

/**
 * Commander collector of `--option key=value` (repeatable): numbers (`0.5`, `4`) become numbers,
 * `true`/`false` booleans, anything else stays a string.
 * @throws InvalidArgumentError when there is no `=` or the key is empty.
 */
export function collectOption(v: string, acc: Record<string, unknown>): Record<string, unknown> {
  const eq = v.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`--option must be key=value, got "${v}"`);
  const key = v.slice(0, eq).trim();
  const raw = v.slice(eq + 1).trim();
  let value: unknown = raw;
  if (raw !== '' && Number.isFinite(Number(raw))) value = Number(raw);
  else if (raw === 'true' || raw === 'false') value = raw === 'true';
  return { ...acc, [key]: value };
}

const OPTION_OF: Record<string, string> = {
  poolProbs: '--pool-probs',
  poolFeatures: '--pool-features',
  poolCe: '--pool-ce',
  poolKd: '--pool-kd',
  labeledProbs: '--labeled-probs',
  labeledFeatures: '--labeled-features',
  labeledCe: '--labeled-ce',
  labeledKd: '--labeled-kd',
  labeledLabels: '--labeled-labels',
  teacherPool: '--teacher-pool',
  teacherLabeled: '--teacher-labeled',
};

type MatrixKey = 'poolProbs' | 'poolFeatures' | 'poolCe' | 'poolKd' | 'labeledProbs' | 'labeledFeatures' | 'labeledCe' | 'labeledKd' | 'teacherPool' | 'teacherLabeled';

/** Pool / labeled option pairs a strategy input needs. */
const NEEDED: Record<StrategyInput, [MatrixKey | 'labeledLabels', MatrixKey | 'labeledLabels' | undefined][]> = {
  probs: [['poolProbs', 'labeledProbs']],
  features: [['poolFeatures', 'labeledFeatures']],
  logits: [
    ['poolCe', 'labeledCe'],
    ['poolKd', 'labeledKd'],
  ],
  labels: [['labeledLabels', undefined]],
  teacher: [['teacherPool', 'teacherLabeled']],
};

/** A placeholder for an input that was not given: `rows` rows; zero-filled when it has columns (only when rows = 0 in practice). */
function empty(rows: number, cols = 0): Matrix {
  return { rows, cols, data: new Float32Array(rows * cols) };
}

function combine(ce: Matrix, kd: Matrix): Matrix {
  const a = softmaxRows(ce).data;
  const b = softmaxRows(kd).data;
  const out = new Float32Array(a.length);
  for (let k = 0; k < out.length; k++) out[k] = 0.5 * (a[k] as number) + 0.5 * (b[k] as number);
  return { rows: ce.rows, cols: ce.cols, data: out };
}

/**
 * Loads and validates the inputs and builds the selection context (module docs).
 * @returns the context, the strategy, the pool ids (when `--ids` is given).
 * @throws UserError on unreadable/malformed files, NaN/∞ values, invalid probabilities, disagreeing
 *   row or column counts (naming both files), a missing input the strategy needs (naming the option),
 *   or an unknown strategy / option.
 */
export function prepareSelection(o: RawSelectOptions): { ctx: SelectionContext; strategy: ReturnType<typeof createStrategy>; ids?: string[] } {
  const strategy = createStrategy(o.strategy, o.option);
  // Pool probabilities may be derived from the logits, so `probs` is satisfied by --pool-ce/--pool-kd too.
  const derivable = o.poolProbs === undefined && o.poolCe !== undefined && o.poolKd !== undefined;
  const labeledGiven = ['labeledProbs', 'labeledFeatures', 'labeledCe', 'labeledKd', 'labeledLabels', 'teacherLabeled'].some((k) => o[k as keyof RawSelectOptions] !== undefined);
  for (const need of strategy.needs) {
    if (need === 'labels' && !labeledGiven) continue; // empty labeled set: no labels to read
    for (const [poolKey, labeledKey] of NEEDED[need]) {
      const viaLogits = need === 'probs' && (poolKey === 'poolProbs' ? derivable : o.labeledCe !== undefined && o.labeledKd !== undefined);
      if (o[poolKey] === undefined && !viaLogits) {
        throw new UserError(`strategy "${strategy.name}" needs ${need}: pass ${OPTION_OF[poolKey]}${need === 'probs' ? ' (or --pool-ce and --pool-kd)' : ''}`);
      }
      if (labeledKey !== undefined && labeledGiven && o[labeledKey] === undefined && !(need === 'probs' && o.labeledCe !== undefined && o.labeledKd !== undefined)) {
        throw new UserError(`strategy "${strategy.name}" needs ${need} of the labeled set too: pass ${OPTION_OF[labeledKey]} (or omit every --labeled-* file for an empty labeled set)`);
      }
    }
  }
  const loaded: Partial<Record<MatrixKey, Matrix>> = {};
  for (const key of Object.keys(OPTION_OF) as (MatrixKey | 'labeledLabels')[]) {
    if (key === 'labeledLabels') continue;
    const path = o[key];
    if (path !== undefined) loaded[key] = loadMatrix(path);
  }
  const describe = (k: MatrixKey): string => `${OPTION_OF[k]} ${o[k] as string}`;
  // Rows agree within the pool and within the labeled set.
  const rowsOf = (keys: MatrixKey[]): number | undefined => {
    let first: MatrixKey | undefined;
    for (const k of keys) {
      const m = loaded[k];
      if (m === undefined) continue;
      if (first === undefined) first = k;
      else if (m.rows !== (loaded[first] as Matrix).rows) throw new UserError(`${describe(k)} has ${m.rows} rows but ${describe(first)} has ${(loaded[first] as Matrix).rows}; every pool (or labeled) file needs one row per item`);
    }
    return first === undefined ? undefined : (loaded[first] as Matrix).rows;
  };
  const n = rowsOf(['poolProbs', 'poolFeatures', 'poolCe', 'poolKd', 'teacherPool']);
  if (n === undefined) throw new UserError('no pool input given: pass --pool-probs and/or --pool-features (or --pool-ce/--pool-kd)');
  const m = rowsOf(['labeledProbs', 'labeledFeatures', 'labeledCe', 'labeledKd', 'teacherLabeled']) ?? 0;
  // Column counts: features pool vs labeled; every class-indexed matrix has the same C.
  const sameCols = (keys: MatrixKey[], what: string): number | undefined => {
    let first: MatrixKey | undefined;
    for (const k of keys) {
      const mm = loaded[k];
      if (mm === undefined) continue;
      if (first === undefined) first = k;
      else if (mm.cols !== (loaded[first] as Matrix).cols) throw new UserError(`${describe(k)} has ${mm.cols} columns but ${describe(first)} has ${(loaded[first] as Matrix).cols}; ${what} must have the same number of columns`);
    }
    return first === undefined ? undefined : (loaded[first] as Matrix).cols;
  };
  sameCols(['poolFeatures', 'labeledFeatures'], 'pool and labeled features');
  const classKeys: MatrixKey[] = ['poolProbs', 'labeledProbs', 'poolCe', 'poolKd', 'labeledCe', 'labeledKd', 'teacherPool', 'teacherLabeled'];
  const fileC = sameCols(classKeys, 'all probability and logit files (one column per class)');
  if (fileC !== undefined && o.classes !== undefined && o.classes !== fileC) {
    const k = classKeys.find((key) => loaded[key] !== undefined) as MatrixKey;
    throw new UserError(`--classes ${o.classes} disagrees with ${describe(k)}, which has ${fileC} columns (one per class)`);
  }
  // The class count: from the class-indexed files, else --classes, else 0 (a strategy that needs it refuses).
  const C = fileC ?? o.classes ?? 0;
  for (const k of ['poolProbs', 'labeledProbs', 'teacherPool', 'teacherLabeled'] as const) {
    const mm = loaded[k];
    if (mm !== undefined) assertProbabilities(mm, o[k] as string);
  }
  // An absent labeled set (M = 0) gets 0-row matrices with the pool's column counts.
  const D = loaded.poolFeatures?.cols ?? 0;
  const preds = (rows: number, probs: MatrixKey, features: MatrixKey, ce: MatrixKey, kd: MatrixKey): StudentPredictions => {
    const ceM = loaded[ce];
    const kdM = loaded[kd];
    const c = rows === 0 ? C : 0;
    const p = loaded[probs] ?? (ceM !== undefined && kdM !== undefined ? combine(ceM, kdM) : empty(rows, c));
    return { probs: p, features: loaded[features] ?? empty(rows, rows === 0 ? D : 0), ce: ceM ?? empty(rows, c), kd: kdM ?? empty(rows, c) };
  };
  const pool = preds(n, 'poolProbs', 'poolFeatures', 'poolCe', 'poolKd');
  const labeled = preds(m, 'labeledProbs', 'labeledFeatures', 'labeledCe', 'labeledKd');
  let labels: Int32Array = new Int32Array(m);
  if (o.labeledLabels !== undefined) {
    labels = loadLabels(o.labeledLabels, C);
    if (labels.length !== m) throw new UserError(`--labeled-labels ${o.labeledLabels} has ${labels.length} labels but the labeled set has ${m} rows`);
  }
  let ids: string[] | undefined;
  if (o.ids !== undefined) {
    ids = loadIds(o.ids);
    if (ids.length !== n) throw new UserError(`--ids ${o.ids} has ${ids.length} ids but the pool has ${n} rows`);
  }
  const ctx: SelectionContext = {
    pool,
    labeled,
    labeledLabels: labels,
    ...(loaded.teacherPool !== undefined ? { teacherPool: loaded.teacherPool } : {}),
    ...(loaded.teacherLabeled !== undefined ? { teacherLabeled: loaded.teacherLabeled } : {}),
    numClasses: C,
    rng: new Rng(o.seed),
  };
  return { ctx, strategy, ...(ids !== undefined ? { ids } : {}) };
}

/**
 * Runs the selection-only mode (module docs) and writes `o.out`.
 * @returns the written output.
 * @throws UserError as {@link prepareSelection}, and when the pool is empty or the output is unwritable.
 */
export function runSelect(o: RawSelectOptions): SelectOutput {
  const { ctx, strategy, ids } = prepareSelection(o);
  if (ctx.pool.probs.rows === 0 && o.query > 0) throw new UserError('the pool is empty: nothing to select');
  let sel;
  try {
    sel = strategy.select(ctx, o.query);
  } catch (e) {
    if (e instanceof RangeError) {
      const hint = ctx.numClasses === 0 ? ' (no probability, logit or teacher file gives the number of classes: pass --classes N)' : '';
      throw new UserError(`${e.message.startsWith(`${strategy.name}:`) ? '' : `strategy ${strategy.name}: `}${e.message}${hint}`);
    }
    throw e;
  }
  const picks: SelectPick[] = [...sel.rows].map((row, k) => {
    const s = sel.scores?.[k];
    return { row, ...(ids !== undefined ? { id: ids[row] as string } : {}), score: s !== undefined && Number.isFinite(s) ? s : null };
  });
  const pool = ctx.pool.probs.rows;
  const warnings = o.query > pool ? [`--query ${o.query} is larger than the pool of ${pool} row(s): all ${pool} are picked`] : [];
  const out: SelectOutput = { strategy: strategy.name, config: strategy.config, query: o.query, seed: o.seed, pool, labeled: ctx.labeledLabels.length, picks, ...(warnings.length > 0 ? { warnings } : {}) };
  try {
    writeJsonAtomic(o.out, out); // missing folders created, as run and bench create their --out
  } catch (e) {
    throw new UserError(`cannot write ${o.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return out;
}

/** Builds the `select` command (see module docs). @param log line printer. */
export function selectCommand(log: (line: string) => void): Command {
  return new Command('select')
    .description('selection only: pick pool rows from saved student outputs (.npy or CSV) and write picks.json')
    .option('--pool-probs <file>', 'N×C pool probabilities (.npy float32/float64 or CSV)')
    .option('--pool-features <file>', 'N×D pool features')
    .option('--pool-ce <file>', 'N×C pool CE-head logits')
    .option('--pool-kd <file>', 'N×C pool KD-head logits')
    .option('--labeled-probs <file>', 'M×C labeled-set probabilities')
    .option('--labeled-features <file>', 'M×D labeled-set features')
    .option('--labeled-ce <file>', 'M×C labeled-set CE-head logits')
    .option('--labeled-kd <file>', 'M×C labeled-set KD-head logits')
    .option('--labeled-labels <file>', 'M integer labels of the labeled set: text (one per line, or a one-column CSV) or a 1-D .npy (int32/int64/uint8, or float16/32/64 holding integers)')
    .option('--teacher-pool <file>', 'N×C teacher probabilities on the pool')
    .option('--teacher-labeled <file>', 'M×C teacher probabilities on the labeled set')
    .option('--ids <file>', 'N pool item ids, one per line (or a JSON array)')
    .option('--classes <C>', 'number of classes, when no probability or logit file gives it (probcover with features only)', positiveInt('--classes'))
    .addOption(cliOption(STRATEGY_OPTION, { default: undefined, required: true }))
    .addOption(cliOption(QUERY_OPTION, { default: undefined, required: true, description: 'number of items to pick' }))
    .addOption(cliOption(SEED_OPTION, { default: 0, description: 'seed of the strategy RNG' }))
    .option('--option <key=value>', 'strategy option (repeatable), e.g. --option space=kd', collectOption, {})
    .requiredOption('--out <file>', 'output JSON (picked rows, ids, scores)')
    .action((raw: RawSelectOptions) => {
      const out = runSelect(raw);
      for (const w of out.warnings ?? []) process.stderr.write(`warning: ${w}\n`);
      log(`${out.strategy}: picked ${out.picks.length} of ${out.pool} pool rows (labeled ${out.labeled}) → ${raw.out}`);
    });
}

/**
 * The strategy registry (docs/ARCHITECTURE.md "a frozen registry object maps names to implementations, with
 * defaults"): every selection strategy of SPEC.md §9 by name, its options with defaults and allowed
 * values, and one entry point, {@link createStrategy}.
 *
 * Divergence from the reference code (SPEC §9.8): an unknown name is an error (with a "did you mean"
 * suggestion), not a silent fallback to random.
 */
import { UserError } from '../util/errors.ts';
import { type BadgeOptions, createBadge } from './badge.ts';
import { type BadgeKMeansPPOptions, createBadgeKMeansPP } from './badge-kmeanspp.ts';
import { type ClassBalancedOptions, createClassBalanced } from './class-balanced.ts';
import { type CoresetOptions, createCoreset } from './coreset.ts';
import { createEntropy, type EntropyOptions } from './entropy.ts';
import { createLeastConfidence, type LeastConfidenceOptions } from './least-confidence.ts';
import { createMargin, type MarginOptions } from './margin.ts';
import { createPCoreSet, createPCoreSetReverse, type PCoreSetOptions, type PCoreSetReverseOptions } from './pcoreset.ts';
import { createProbCover, type ProbCoverOptions } from './probcover.ts';
import { createRandom, type RandomOptions } from './random.ts';
import { createTypiClust, type TypiClustOptions } from './typiclust.ts';
import type { Selection, SelectionContext, Strategy } from './types.ts';

/** How one option is validated: an enumeration of strings, or a positive integer. */
export type OptionSpec = { readonly kind: 'enum'; readonly values: readonly string[]; readonly doc: string } | { readonly kind: 'positiveInteger'; readonly doc: string } | NumberOptionSpec;

/** A numeric option: finite, within [min, max] (inclusive), optionally an integer. */
export interface NumberOptionSpec {
  readonly kind: 'number';
  readonly min: number;
  readonly max: number;
  readonly integer?: boolean;
  readonly doc: string;
}

/** One registry entry: what the strategy is, where it is specified, its options and its factory. */
export interface StrategyEntry<O> {
  readonly description: string;
  /** Where the semantics are specified (SPEC.md section). */
  readonly source: string;
  /** Default option values (options without a default are omitted). */
  readonly defaults: Readonly<Partial<O>>;
  /** Validation of every accepted option. */
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly create: (options: O) => Strategy;
}

const BACKEND: OptionSpec = { kind: 'enum', values: ['auto', 'js', 'onnx'], doc: 'kernel used by selectAsync (js, onnx = onnxruntime); auto = k-center: the fastest exact backend by measurement, badge: onnxruntime on large pools' };
const CHUNK: OptionSpec = { kind: 'positiveInteger', doc: 'pool rows per block / per graph call (does not change the result)' };
const THREADS: OptionSpec = { kind: 'positiveInteger', doc: 'worker threads of the JS running-minimum update (1 = none; identical picks)' };
const SPACE: OptionSpec = { kind: 'enum', values: ['combined', 'ce', 'kd', 'teacher'], doc: 'probability space: combined student probs, one head, or the teacher' };

function entry<O>(e: StrategyEntry<O>): StrategyEntry<O> {
  return Object.freeze({ ...e, defaults: Object.freeze({ ...e.defaults }), options: Object.freeze({ ...e.options }) });
}

/** The registry: canonical strategy name → entry. Frozen. */
export const STRATEGIES = Object.freeze({
  random: entry<RandomOptions>({ description: 'uniform random batch', source: 'SPEC §9.1', defaults: {}, options: {}, create: createRandom }),
  entropy: entry<EntropyOptions>({ description: 'highest predictive entropy of the combined probabilities', source: 'SPEC §9.2', defaults: {}, options: {}, create: createEntropy }),
  margin: entry<MarginOptions>({ description: 'smallest top-1 − top-2 probability margin', source: 'ANCHORS.md (standard baseline)', defaults: {}, options: {}, create: createMargin }),
  'least-confidence': entry<LeastConfidenceOptions>({ description: 'smallest maximum probability', source: 'ANCHORS.md (standard baseline)', defaults: {}, options: {}, create: createLeastConfidence }),
  coreset: entry<CoresetOptions>({
    description: 'k-center greedy on L2-normalised features, cosine distance, labeled centres',
    source: 'SPEC §9.3',
    defaults: { backend: 'auto' },
    options: { backend: BACKEND, chunkRows: CHUNK, threads: THREADS },
    create: createCoreset,
  }),
  badge: entry<BadgeOptions>({
    description: 'farthest-first on cosine distance of gradient embeddings (as coded, factorised)',
    source: 'SPEC §9.6',
    defaults: { firstPick: 'argmaxRawNorm', head: 'combined', backend: 'auto' },
    options: {
      firstPick: { kind: 'enum', values: ['argmaxRawNorm', 'argmaxNormalizedNorm', 'index0'], doc: 'first pick rule (SPEC §12 O9)' },
      head: { kind: 'enum', values: ['combined', 'ce', 'kd'], doc: 'probabilities the embedding is built from' },
      backend: BACKEND,
      threads: THREADS,
    },
    create: createBadge,
  }),
  'badge-kmeanspp': entry<BadgeKMeansPPOptions>({
    description: 'BADGE paper variant: k-means++ (D² sampling) on both heads\' concatenated gradient embeddings (factorised)',
    source: 'SPEC §9.6 / §12 D2 (paper App. B; Ash et al. 2020)',
    defaults: {},
    options: {},
    create: createBadgeKMeansPP,
  }),
  'class-balanced': entry<ClassBalancedOptions>({ description: 'random picks per predicted class, inverse labeled-frequency budget (code quirks kept)', source: 'SPEC §9.7', defaults: {}, options: {}, create: createClassBalanced }),
  pcoreset: entry<PCoreSetOptions>({
    description: 'PCoreSet: farthest-first k-center in the student probability simplex, labeled predictions as centres',
    source: 'SPEC §9.4',
    defaults: { space: 'combined', backend: 'auto' },
    options: { space: SPACE, backend: BACKEND, chunkRows: CHUNK, threads: THREADS, emptyStart: { kind: 'enum', values: ['first-row', 'pool-mean'], doc: 'without labeled centres: pool row 0 first (SPEC §9.4), or the pool mean as the initial centre' } },
    create: createPCoreSet,
  }),
  'pcoreset-reverse': entry<PCoreSetReverseOptions>({
    description: 'PCoreSet+R: nearest-first variant of pcoreset',
    source: 'SPEC §9.5',
    defaults: { space: 'combined' },
    options: { space: SPACE, chunkRows: CHUNK, threads: THREADS },
    create: createPCoreSetReverse,
  }),
  typiclust: entry<TypiClustOptions>({
    description: 'TypiClust: most typical point of the largest uncovered k-means clusters of L2-normalised features',
    source: 'ANCHORS.md (Hacohen et al. 2022); typiclust.ts',
    defaults: {},
    options: {
      maxClusters: { kind: 'positiveInteger', doc: 'cap on k = |L| + Q clusters (default 500)' },
      maxIterations: { kind: 'positiveInteger', doc: 'Lloyd iterations (default 20)' },
      minClusterSize: { kind: 'number', min: 0, max: Number.MAX_SAFE_INTEGER, integer: true, doc: 'clusters of at most this size are visited last (default 5)' },
      neighbors: { kind: 'positiveInteger', doc: 'K of the typicality (default 20)' },
    },
    create: createTypiClust,
  }),
  probcover: entry<ProbCoverOptions>({
    description: 'ProbCover: greedy max coverage of δ-balls of L2-normalised features (δ by the purity rule)',
    source: 'ANCHORS.md (Yehuda et al. 2022); probcover.ts',
    defaults: {},
    options: {
      delta: { kind: 'number', min: Number.MIN_VALUE, max: 2, doc: 'fixed ball radius (default: purity rule)' },
      purity: { kind: 'number', min: Number.MIN_VALUE, max: 1, doc: 'purity threshold α of the δ rule (default 0.95)' },
      purityRows: { kind: 'positiveInteger', doc: 'nodes sampled by the purity rule (default 2000)' },
      maxDegree: { kind: 'positiveInteger', doc: 'neighbours kept per ball (default 1000)' },
    },
    create: createProbCover,
  }),
});

/** A canonical strategy name. */
export type StrategyName = keyof typeof STRATEGIES;

/** Options type of each strategy. */
export interface StrategyOptionsMap {
  random: RandomOptions;
  entropy: EntropyOptions;
  margin: MarginOptions;
  'least-confidence': LeastConfidenceOptions;
  coreset: CoresetOptions;
  badge: BadgeOptions;
  'class-balanced': ClassBalancedOptions;
  pcoreset: PCoreSetOptions;
  'pcoreset-reverse': PCoreSetReverseOptions;
  'badge-kmeanspp': BadgeKMeansPPOptions;
  typiclust: TypiClustOptions;
  probcover: ProbCoverOptions;
}

/** Names used by the reference code's scripts, accepted as aliases (SPEC §9). */
export const STRATEGY_ALIASES: Readonly<Record<string, StrategyName>> = Object.freeze({
  uncertainty: 'entropy',
  classbalanced: 'class-balanced',
  'pcoreset+r': 'pcoreset-reverse',
});

/** The canonical strategy names, in registry order. */
export function strategyNames(): StrategyName[] {
  return Object.keys(STRATEGIES) as StrategyName[];
}

/** Levenshtein edit distance (insertions, deletions, substitutions), O(|a|·|b|) time, O(|b|) memory. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min(sub, (prev[j] as number) + 1, (cur[j - 1] as number) + 1));
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

/** The closest candidate to `input` when it is plausibly a typo (distance ≤ max(2, ⌊len/3⌋)), else undefined. */
export function suggest(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bd = Infinity;
  for (const c of candidates) {
    const d = editDistance(input, c);
    if (d < bd) {
      bd = d;
      best = c;
    }
  }
  return bd <= Math.max(2, Math.floor(input.length / 3)) ? best : undefined;
}

function normalizeName(name: string): string {
  return name.trim().toLowerCase().replace(/_/g, '-');
}

/**
 * Resolves a user-given name (case-insensitive, `_` = `-`, aliases accepted) to a canonical name.
 * @throws UserError for an unknown name, listing the valid names and a "did you mean" suggestion.
 */
export function resolveStrategyName(name: string): StrategyName {
  const key = normalizeName(name);
  if (Object.hasOwn(STRATEGIES, key)) return key as StrategyName;
  const alias = STRATEGY_ALIASES[key];
  if (alias !== undefined) return alias;
  const names = strategyNames();
  const s = suggest(key, [...names, ...Object.keys(STRATEGY_ALIASES)]);
  const hint = s === undefined ? '' : ` Did you mean "${STRATEGY_ALIASES[s] ?? s}"?`;
  throw new UserError(`unknown strategy "${name}".${hint} Valid strategies: ${names.join(', ')}.`);
}

function validateOptions(name: StrategyName, options: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const e = STRATEGIES[name] as StrategyEntry<unknown>;
  const valid = Object.keys(e.options);
  const out: Record<string, unknown> = { ...e.defaults };
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined) continue;
    const spec = e.options[k];
    if (spec === undefined) {
      const s = suggest(k, valid);
      const hint = s === undefined ? '' : ` Did you mean "${s}"?`;
      throw new UserError(`strategy "${name}": unknown option "${k}".${hint} ${valid.length === 0 ? 'It takes no options.' : `Valid options: ${valid.join(', ')}.`}`);
    }
    if (spec.kind === 'enum' && (typeof v !== 'string' || !spec.values.includes(v))) {
      throw new UserError(`strategy "${name}": option ${k} must be one of ${spec.values.join(', ')}; got ${JSON.stringify(v)}.`);
    }
    if (spec.kind === 'positiveInteger' && !(typeof v === 'number' && Number.isSafeInteger(v) && v >= 1)) {
      throw new UserError(`strategy "${name}": option ${k} must be a positive integer; got ${JSON.stringify(v)}.`);
    }
    if (spec.kind === 'number' && !(typeof v === 'number' && Number.isFinite(v) && v >= spec.min && v <= spec.max && (spec.integer !== true || Number.isSafeInteger(v)))) {
      throw new UserError(`strategy "${name}": option ${k} must be a${spec.integer === true ? 'n integer' : ' number'} in [${spec.min}, ${spec.max}]; got ${JSON.stringify(v)}.`);
    }
    out[k] = v;
  }
  return out;
}

/**
 * Creates a strategy by name with options merged over the registry defaults.
 * @param name canonical name (see {@link strategyNames}), case-insensitive, or an alias.
 * @param options strategy options (see each `…Options` interface); unknown keys are rejected.
 * @throws UserError for an unknown name (with suggestion), an unknown option or an invalid value.
 */
export function createStrategy<N extends StrategyName>(name: N, options?: StrategyOptionsMap[N]): Strategy;
export function createStrategy(name: string, options?: Readonly<Record<string, unknown>>): Strategy;
export function createStrategy(name: string, options: Readonly<Record<string, unknown>> = {}): Strategy {
  const canonical = resolveStrategyName(name);
  const resolved = validateOptions(canonical, options);
  return (STRATEGIES[canonical] as StrategyEntry<Record<string, unknown>>).create(resolved);
}

/**
 * Runs a strategy, preferring its `selectAsync` (graph kernels on large pools) when it has one.
 * Same contract and errors as `Strategy.select`.
 */
export async function runSelection(strategy: Strategy, ctx: SelectionContext, q: number): Promise<Selection> {
  return strategy.selectAsync !== undefined ? strategy.selectAsync(ctx, q) : strategy.select(ctx, q);
}

/**
 * Benchmark aggregation over seeds (SPEC.md §10, §11, §13): per strategy × framework learning
 * curves with 95% t-intervals, final accuracy (Table 1), AUBC, labels to a target accuracy, the
 * analysis metrics per round, the picked-class histograms and stopping signals per round
 * (aggregate-signals.ts), and paired tests of a reference strategy (PCoreSet) against each baseline.
 * Pure: takes parsed run results, returns plain objects (report/ formats them).
 */
import type { BenchSummaryData, ComparisonData, GroupSummaryData, ResultsDoc } from '../loop/results-schema.ts';
import { pickedClassRounds, runsLacking, stoppingRounds } from './aggregate-signals.ts';
import type { BiasMetrics } from './bias.ts';
import { pairedTTest, wilcoxonSignedRank } from './compare.ts';
import type { BatchCriteria } from './criteria.ts';
import { aubc, labelsToReach } from './curves.ts';
import { seedStat, type Stat } from './stats.ts';

/** The fields of one run's results.json that aggregation reads (read with `readResults`). */
export type RunResult = Pick<ResultsDoc, 'config' | 'rounds' | 'analysis' | 'teacher'>;

export type { Stat } from './stats.ts';

/** Aggregated results of one strategy × framework cell group (summary.json `groups[]`, schema in src/loop/results-schema.ts). */
export type GroupSummary = GroupSummaryData;

/** Reference strategy against one baseline under one framework, paired by seed. */
export type Comparison = ComparisonData;

/** The whole aggregate (summary.json of a benchmark, kind `bench`). */
export type BenchSummary = BenchSummaryData;

/** Options of {@link aggregate}. */
export interface AggregateOptions {
  /** Strategy compared against every other one (default `pcoreset`). */
  reference?: string;
  /** Target accuracy (%) for "labels needed"; omitted → not computed. */
  targetAccuracy?: number;
}

function statsOf<T extends object>(items: readonly T[]): Record<keyof T, Stat> {
  const keys = Object.keys(items[0] ?? {}) as (keyof T)[];
  const out = {} as Record<keyof T, Stat>;
  for (const k of keys) out[k] = seedStat(items.map((x) => x[k] as number));
  return out;
}

/**
 * The values of `metric` of two groups on the seeds both ran, in `a`'s seed order (the pairing of a
 * paired test: seed k of one against seed k of the other).
 */
export function pairBySeed(a: GroupSummary, b: GroupSummary, metric: 'final' | 'aubc'): { seeds: number[]; a: number[]; b: number[] } {
  const seeds = a.seeds.filter((s) => b.seeds.includes(s));
  const pick = (g: GroupSummary): number[] => seeds.map((s) => g[metric].values[g.seeds.indexOf(s)] as number);
  return { seeds, a: pick(a), b: pick(b) };
}

/** Aggregates runs into a {@link BenchSummary}; groups keep the order strategies/frameworks first appear. */
export function aggregate(runs: readonly RunResult[], opts: AggregateOptions = {}): BenchSummary {
  const reference = opts.reference ?? 'pcoreset';
  const strategies = [...new Set(runs.map((r) => r.config.strategy))];
  const frameworks = [...new Set(runs.map((r) => r.config.framework))];
  const groups: GroupSummary[] = [];
  const byKey = new Map<string, RunResult[]>();
  for (const r of runs) {
    const k = `${r.config.strategy}\u0000${r.config.framework}`;
    byKey.set(k, [...(byKey.get(k) ?? []), r]);
  }
  const pct = (a: number | null): number => (a === null ? NaN : 100 * a);
  for (const framework of frameworks) {
    for (const strategy of strategies) {
      const g = (byKey.get(`${strategy}\u0000${framework}`) ?? []).slice().sort((a, b) => a.config.seed - b.config.seed);
      if (g.length === 0) continue;
      const R = Math.max(...g.map((r) => r.rounds.length));
      const curve = Array.from({ length: R }, (_, i) => ({ round: i, labeled: g[0]?.rounds[i]?.labeledCount ?? NaN, ...seedStat(g.map((r) => pct(r.rounds[i]?.testAccuracy ?? null))) }));
      const finals = g.map((r) => pct(r.rounds.at(-1)?.testAccuracy ?? null));
      const aubcs = g.map((r) => aubc(r.rounds.map((x) => ({ labeled: x.labeledCount, accuracy: pct(x.testAccuracy) }))));
      const target = opts.targetAccuracy;
      const toTarget =
        target === undefined
          ? null
          : {
              target,
              mean: labelsToReach(curve.map((p) => ({ labeled: p.labeled, accuracy: p.mean })), target),
              perSeed: g.map((r) => labelsToReach(r.rounds.map((x) => ({ labeled: x.labeledCount, accuracy: pct(x.testAccuracy) })), target)?.labeled ?? null),
            };
      const qRounds = Math.max(0, ...g.map((r) => r.analysis?.rounds.length ?? 0));
      const criteria: GroupSummary['criteria'] = [];
      const bias: GroupSummary['bias'] = [];
      for (let i = 0; i < qRounds; i++) {
        const cs = g.map((r) => r.analysis?.rounds[i]?.criteria).filter((c): c is BatchCriteria => c !== undefined);
        if (cs.length > 0) criteria.push({ round: i, ...statsOf(cs) });
        const bs = g.map((r) => r.analysis?.rounds[i]?.bias).filter((c): c is BiasMetrics => c !== undefined);
        if (bs.length > 0) bias.push({ round: i, ...statsOf(bs) });
      }
      groups.push({ strategy, framework, seeds: g.map((r) => r.config.seed), curve, final: { ...seedStat(finals), values: finals }, aubc: { ...seedStat(aubcs), values: aubcs }, toTarget, criteria, bias, pickedClasses: pickedClassRounds(g), stopping: stoppingRounds(g) });
    }
  }
  const comparisons: Comparison[] = [];
  for (const framework of frameworks) {
    const ref = groups.find((x) => x.strategy === reference && x.framework === framework);
    if (!ref) continue;
    for (const base of groups.filter((x) => x.framework === framework && x.strategy !== reference)) {
      for (const metric of ['final', 'aubc'] as const) {
        const { seeds, a, b } = pairBySeed(ref, base, metric);
        comparisons.push({ framework, reference, baseline: base.strategy, metric, seeds, tTest: pairedTTest(a, b), wilcoxon: wilcoxonSignedRank(a, b) });
      }
    }
  }
  const ta = runs.map((r) => r.teacher?.testAccuracy).find((v): v is number => typeof v === 'number');
  return { groups, comparisons, strategies, frameworks, teacherAccuracy: ta === undefined ? null : 100 * ta, lacking: { pickedClasses: runsLacking(runs, 'pickedClasses'), stopping: runsLacking(runs, 'stopping') } };
}

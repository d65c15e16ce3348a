/**
 * Aggregation of a teacher-strength sweep (issue 14; src/bench/teacher-levels.ts): per teacher
 * level, the teacher's pool and test accuracy, each strategy's final accuracy and AUBC over seeds
 * (mean ± 95% t-interval, SPEC §10), the paired differences reference − baseline (per seed, with
 * the paired t-test and the Wilcoxon signed-rank test) and the distillation gain KD − no-distill
 * per strategy (paired by seed: same seed ⇒ same initial labeled set). Pure: takes parsed results.
 */
import type { TeacherLevel } from '../loop/results-schema.ts';
import { aggregate, pairBySeed, type GroupSummary, type RunResult } from './aggregate.ts';
import { pairedTTest, wilcoxonSignedRank, type PairedTest } from './compare.ts';
import { seedStat, type Stat } from './stats.ts';

/** A metric of a run's learning curve: final-round accuracy or AUBC (both in %). */
export type LevelMetric = 'final' | 'aubc';

/** A paired difference a − b over the seeds both have. */
export interface PairedDifference {
  readonly metric: LevelMetric;
  readonly seeds: number[];
  /** Mean ± 95% t-interval of the per-seed differences (percentage points). */
  readonly diff: Stat;
  readonly tTest: PairedTest;
  readonly wilcoxon: PairedTest;
}

/** One strategy at one level. */
export interface LevelStrategy {
  readonly strategy: string;
  readonly seeds: number[];
  readonly final: Stat;
  readonly aubc: Stat;
}

/** One teacher level of the sweep. */
export interface LevelSummary {
  readonly level: TeacherLevel;
  /** Teacher top-1 accuracy (%) on the pool and the test split (from the runs' results.json). */
  readonly teacher: { readonly id: string | null; readonly poolAccuracy: number | null; readonly testAccuracy: number | null; readonly synthetic: boolean };
  readonly strategies: LevelStrategy[];
  /** Reference − each baseline, for both metrics. */
  readonly differences: (PairedDifference & { readonly baseline: string })[];
  /** KD at this level − no-distill, per strategy, for both metrics (empty without a no-distill grid). */
  readonly kdGain: (PairedDifference & { readonly strategy: string })[];
}

/** The whole sweep. */
export interface TeacherLevelsSummary {
  readonly reference: string;
  /** Strategies in first-seen order. */
  readonly strategies: string[];
  /** Levels sorted by teacher test accuracy (then pool accuracy), weakest first. */
  readonly levels: LevelSummary[];
  /** The no-distill grid, when the sweep has one. */
  readonly noDistill: LevelStrategy[] | null;
}

function paired(ga: GroupSummary, gb: GroupSummary, metric: LevelMetric): PairedDifference {
  const { seeds, a, b } = pairBySeed(ga, gb, metric);
  return { metric, seeds, diff: seedStat(a.map((v, i) => v - (b[i] as number))), tTest: pairedTTest(a, b), wilcoxon: wilcoxonSignedRank(a, b) };
}

const strategyRows = (groups: readonly GroupSummary[]): LevelStrategy[] => groups.map((g) => ({ strategy: g.strategy, seeds: g.seeds, final: g.final, aubc: g.aubc }));

const pct = (v: unknown): number | null => (typeof v === 'number' ? 100 * v : null);

/**
 * Aggregates the sweep.
 * @param levels each level with the runs of its zero-shot grid
 * @param noDistill the runs of the no-distill grid, or null
 * @param reference the strategy compared against every baseline (e.g. `pcoreset`)
 */
export function summarizeTeacherLevels(levels: readonly { level: TeacherLevel; runs: readonly RunResult[] }[], noDistill: readonly RunResult[] | null, reference: string): TeacherLevelsSummary {
  const nd = noDistill && noDistill.length > 0 ? aggregate(noDistill, { reference }).groups : null;
  const strategies: string[] = [];
  const out: LevelSummary[] = [];
  for (const { level, runs } of levels) {
    if (runs.length === 0) continue;
    const groups = aggregate(runs, { reference }).groups;
    for (const g of groups) if (!strategies.includes(g.strategy)) strategies.push(g.strategy);
    const ref = groups.find((g) => g.strategy === reference);
    const t = runs[0]?.teacher ?? null;
    out.push({
      level,
      teacher: { id: t?.id ?? null, poolAccuracy: pct(t?.poolAccuracy), testAccuracy: pct(t?.testAccuracy), synthetic: t !== null && t.synthetic !== undefined },
      strategies: strategyRows(groups),
      differences: ref ? groups.filter((g) => g !== ref).flatMap((g) => (['final', 'aubc'] as const).map((m) => ({ baseline: g.strategy, ...paired(ref, g, m) }))) : [],
      kdGain: nd
        ? groups.flatMap((g) => {
            const b = nd.find((x) => x.strategy === g.strategy);
            return b ? (['final', 'aubc'] as const).map((m) => ({ strategy: g.strategy, ...paired(g, b, m) })) : [];
          })
        : [],
    });
  }
  const key = (l: LevelSummary): number => l.teacher.testAccuracy ?? l.teacher.poolAccuracy ?? -1;
  out.sort((a, b) => key(a) - key(b) || (a.teacher.poolAccuracy ?? -1) - (b.teacher.poolAccuracy ?? -1));
  for (const g of nd ?? []) if (!strategies.includes(g.strategy)) strategies.push(g.strategy);
  return { reference, strategies, levels: out, noDistill: nd ? strategyRows(nd) : null };
}

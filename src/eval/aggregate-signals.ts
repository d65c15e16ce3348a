/**
 * Aggregation over seeds of the per-round picked-class histograms (ANCHORS.md #8) and stopping
 * signals (ANCHORS.md #10) of one strategy × framework group. Runs whose results.json predate these
 * fields (or were run without analysis) are listed by {@link runsLacking} and left out of the means;
 * the accuracy gain per label comes from the learning curve and so exists for every run.
 */
import { STOPPING_SIGNALS, type GroupSummaryData, type ResultsDoc, type RoundAnalysisDoc } from '../loop/results-schema.ts';
import { seedStat, type Stat } from './stats.ts';
import { accuracyGainPerLabel } from './stopping.ts';

/** The stopping signals of the report, in display order. */
export { STOPPING_SIGNALS };
/** One of {@link STOPPING_SIGNALS}. */
export type StoppingSignalName = (typeof STOPPING_SIGNALS)[number];

/** The fields of one run's results.json read here (read with `readResults`). */
export type SignalRun = Pick<ResultsDoc, 'config' | 'rounds' | 'analysis'>;

/**
 * Stopping signals of one round, mean ± 95% CI over the seeds that have them: `labeled` = |L| of the
 * round's student (the x of the signals-vs-labels plot); a signal no seed has is absent.
 */
export type StoppingRound = GroupSummaryData['stopping'][number];

/** Picked-batch class histogram of one query round: per class, mean ± 95% CI of the count over seeds (predicted = student argmax, true = oracle labels). */
export type PickedClassRound = GroupSummaryData['pickedClasses'][number];

/** `strategy/framework/seed k`, the name of a run in the report's notes. */
export function runLabel(r: SignalRun): string {
  return `${r.config.strategy}/${r.config.framework}/seed ${r.config.seed}`;
}

/**
 * Runs that had query rounds but record no `key` in any analysis round: results written by an older
 * activekd, or with the analysis (or that part of it) turned off.
 */
export function runsLacking(runs: readonly SignalRun[], key: 'pickedClasses' | 'stopping'): string[] {
  return runs.filter((r) => r.rounds.length > 1 && !(r.analysis?.rounds ?? []).some((a) => a[key] !== undefined)).map(runLabel);
}

const analysisRound = (r: SignalRun, round: number): RoundAnalysisDoc | undefined => r.analysis?.rounds.find((a) => a.round === round);
const orNaN = (v: number | null | undefined): number => (typeof v === 'number' ? v : NaN);

/**
 * Stopping signals per round of one group (runs of one strategy × framework, one per seed).
 * Accuracies are taken in % so the gain per label is in percentage points per label.
 */
export function stoppingRounds(group: readonly SignalRun[]): StoppingRound[] {
  const R = Math.max(0, ...group.map((r) => r.rounds.length));
  const gains = group.map((r) => accuracyGainPerLabel(r.rounds.map((x) => ({ labeled: x.labeledCount, accuracy: x.testAccuracy === null ? NaN : 100 * x.testAccuracy }))));
  const out: StoppingRound[] = [];
  for (let round = 0; round < R; round++) {
    const perSeed: Record<StoppingSignalName, number[]> = {
      coverageRadius: group.map((r) => orNaN(analysisRound(r, round)?.stopping?.coverageRadius)),
      teacherAgreement: group.map((r) => orNaN(analysisRound(r, round)?.stopping?.teacherAgreement)),
      predictionStability: group.map((r) => orNaN(analysisRound(r, round)?.stopping?.predictionStability)),
      accuracyGainPerLabel: gains.map((g) => (round > 0 ? orNaN(g[round - 1]) : NaN)),
    };
    const signals: StoppingRound['signals'] = {};
    for (const name of STOPPING_SIGNALS) {
      const s = seedStat(perSeed[name]);
      if (s.n > 0) signals[name] = s;
    }
    const labeled = group.map((r) => r.rounds[round]?.labeledCount).find((v): v is number => typeof v === 'number') ?? NaN;
    if (Object.keys(signals).length > 0) out.push({ round, labeled, signals });
  }
  return out;
}

/** Picked-class histograms per query round of one group, averaged over the seeds that record them. */
export function pickedClassRounds(group: readonly SignalRun[]): PickedClassRound[] {
  const rounds = [...new Set(group.flatMap((r) => (r.analysis?.rounds ?? []).filter((a) => a.pickedClasses).map((a) => a.round)))].sort((a, b) => a - b);
  return rounds.map((round) => {
    const hs = group.map((r) => analysisRound(r, round)?.pickedClasses).filter((h) => h !== undefined);
    const C = Math.max(0, ...hs.map((h) => h.true.length));
    const per = (kind: 'predicted' | 'true'): Stat[] => Array.from({ length: C }, (_, c) => seedStat(hs.map((h) => h[kind][c] ?? 0)));
    return { round, predicted: per('predicted'), true: per('true') };
  });
}

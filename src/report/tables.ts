import Table from 'cli-table3';
import { formatCI, meanCI } from '../eval/stats.ts';
import type { RoundRecord } from '../loop/active-loop.ts';

const pct = (x: number | null): string => (x === null || Number.isNaN(x) ? '—' : (100 * x).toFixed(2));

/** One run's per-round table: round, |L|, test accuracy (%), train and select seconds. */
export function roundsTable(rounds: readonly RoundRecord[]): string {
  const t = new Table({ head: ['round', 'labeled', 'test acc %', 'train s', 'select s'], style: { head: [], border: [] } });
  for (const r of rounds) t.push([r.round, r.labeledCount, pct(r.testAccuracy), r.trainSeconds.toFixed(1), r.selectSeconds.toFixed(2)]);
  return t.toString();
}

/**
 * A per-round summary over seeds: for each named run group, mean test accuracy (%) ± the 95%
 * t-interval (see `meanCI`).
 * @param groups group name → one RoundRecord list per seed (all of equal length)
 */
export function summaryTable(groups: Readonly<Record<string, readonly (readonly RoundRecord[])[]>>): string {
  const names = Object.keys(groups);
  const first = groups[names[0] ?? '']?.[0] ?? [];
  const t = new Table({ head: ['round', 'labeled', ...names.map((n) => `${n} (acc % ± 95% CI)`)], style: { head: [], border: [] } });
  for (let r = 0; r < first.length; r++) {
    const cells = names.map((n) => {
      const vals = (groups[n] ?? []).map((seed) => seed[r]?.testAccuracy).filter((v): v is number => typeof v === 'number' && !Number.isNaN(v));
      return vals.length === 0 ? '—' : formatCI(meanCI(vals.map((v) => 100 * v)));
    });
    t.push([r, first[r]?.labeledCount ?? '', ...cells]);
  }
  return t.toString();
}

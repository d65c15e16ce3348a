/**
 * Prints a Markdown table of per-round mean test accuracy (%) ± 95% t-interval over seeds, one
 * column per strategy/framework, from `summary.json` files written by `activekd run --seeds ...`
 * or from run folders holding `<strategy>__<framework>__seed<k>/results.json` (partial grids too).
 * Usage: npx tsx scripts/summary-markdown.ts runs/a/summary.json runs/b ...
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { meanCI } from '../src/eval/stats.ts';
import { readResults, readSummary } from '../src/loop/results.ts';
import type { ResultsDoc } from '../src/loop/results-schema.ts';

interface Column {
  name: string;
  seeds: number;
  rounds: { round: number; labeled: number; mean: number; ci95: number }[];
}
type Run = ResultsDoc;

function fromRunFolder(dir: string): Column[] {
  const groups = new Map<string, Run[]>();
  for (const d of readdirSync(dir).sort()) {
    const f = join(dir, d, 'results.json');
    if (!existsSync(f)) continue;
    const r = readResults(f);
    const k = `${r.config.strategy} / ${r.config.framework}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups].map(([name, runs]) => ({
    name,
    seeds: runs.length,
    rounds: (runs[0] as Run).rounds.map((rr, i) => {
      const ci = meanCI(runs.map((r) => 100 * (r.rounds[i]?.testAccuracy ?? NaN)).filter((v) => Number.isFinite(v)));
      return { round: i, labeled: rr.labeledCount, mean: ci.mean, ci95: ci.halfWidth };
    }),
  }));
}

const cols: Column[] = [];
for (const arg of process.argv.slice(2)) {
  if (statSync(arg).isDirectory()) cols.push(...fromRunFolder(arg));
  else {
    const s = readSummary(arg);
    if (s.kind === 'run-grid') for (const g of s.grid) cols.push({ name: `${g.strategy} / ${g.framework}`, seeds: g.seeds.length, rounds: g.rounds });
    else for (const g of s.groups) cols.push({ name: `${g.strategy} / ${g.framework}`, seeds: g.seeds.length, rounds: g.curve.map((p) => ({ round: p.round, labeled: p.labeled, mean: p.mean, ci95: p.ci95 })) });
  }
}
if (cols.length === 0) {
  console.error('usage: summary-markdown.ts SUMMARY.json|RUN_FOLDER ...');
  process.exit(2);
}
const first = cols[0] as Column;
console.log(`| round | labeled | ${cols.map((c) => `${c.name} (${c.seeds} seeds)`).join(' | ')} |`);
console.log(`|---|---|${cols.map(() => '---').join('|')}|`);
for (const r of first.rounds) {
  const cells = cols.map((c) => {
    const x = c.rounds[r.round];
    return x ? `${x.mean.toFixed(2)} ± ${x.ci95.toFixed(2)}` : '';
  });
  console.log(`| ${r.round} | ${r.labeled} | ${cells.join(' | ')} |`);
}

/**
 * Prints a Markdown table of per-round mean accuracy ± 95% t-interval from one or more
 * `summary.json` files written by `activekd run --seeds ...` (columns: strategy/framework).
 * Usage: npx tsx scripts/summary-markdown.ts runs/a/summary.json runs/b/summary.json
 */
import { readFileSync } from 'node:fs';

interface Grid {
  strategy: string;
  framework: string;
  seeds: number[];
  rounds: { round: number; labeled: number; mean: number; ci95: number }[];
}
const cols: Grid[] = [];
for (const f of process.argv.slice(2)) cols.push(...(JSON.parse(readFileSync(f, 'utf8')) as { grid: Grid[] }).grid);
if (cols.length === 0) {
  console.error('usage: summary-markdown.ts SUMMARY.json...');
  process.exit(2);
}
const first = cols[0] as Grid;
console.log(`| round | labeled | ${cols.map((c) => `${c.strategy} / ${c.framework}`).join(' | ')} |`);
console.log(`|---|---|${cols.map(() => '---').join('|')}|`);
for (const r of first.rounds) {
  const cells = cols.map((c) => {
    const x = c.rounds[r.round];
    return x ? `${x.mean.toFixed(2)} ± ${x.ci95.toFixed(2)}` : '';
  });
  console.log(`| ${r.round} | ${r.labeled} | ${cells.join(' | ')} |`);
}

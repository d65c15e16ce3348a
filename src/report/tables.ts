import Table from 'cli-table3';
import { formatCI, meanCI } from '../eval/stats.ts';
import type { RoundRecord } from '../loop/active-loop.ts';

/** Width of the terminal the printed tables must fit (columns). */
export const TERMINAL_WIDTH = 100;

const width = (text: string): number => Math.max(0, ...text.split('\n').map((l) => [...l].length));

/**
 * A per-round summary over seeds: for each named run group (`strategy/framework`), mean test
 * accuracy (%) ± the 95% t-interval (see `meanCI`; the mean alone for one seed). Groups are columns,
 * headed by their name split at `/` over two lines; when they do not fit `maxWidth` columns the
 * groups are spread over several tables, each repeating the round and labeled columns.
 * @param groups group name → one RoundRecord list per seed (all of equal length)
 * @param maxWidth widest line allowed (default {@link TERMINAL_WIDTH}); a single group wider than it still gets its own table
 */
export function summaryTable(groups: Readonly<Record<string, readonly (readonly RoundRecord[])[]>>, maxWidth = TERMINAL_WIDTH): string {
  const names = Object.keys(groups);
  const first = groups[names[0] ?? '']?.[0] ?? [];
  const render = (cols: readonly string[]): string => {
    const t = new Table({ head: ['round', 'labeled', ...cols.map((n) => n.split('/').join('\n'))], style: { head: [], border: [] } });
    for (let r = 0; r < first.length; r++) {
      const cells = cols.map((n) => {
        const vals = (groups[n] ?? []).map((seed) => seed[r]?.testAccuracy).filter((v): v is number => typeof v === 'number' && !Number.isNaN(v));
        return vals.length === 0 ? '—' : formatCI(meanCI(vals.map((v) => 100 * v)));
      });
      t.push([r, first[r]?.labeledCount ?? '', ...cells]);
    }
    return t.toString();
  };
  const tables: string[] = [];
  let cols: string[] = [];
  for (const n of names) {
    if (cols.length > 0 && width(render([...cols, n])) > maxWidth) {
      tables.push(render(cols));
      cols = [];
    }
    cols.push(n);
  }
  if (cols.length > 0 || tables.length === 0) tables.push(render(cols));
  return tables.join('\n');
}

/** How a summary over `seeds` seeds states its statistic: `mean ± 95% t-interval over N seeds`, or `one seed`. */
export const overSeeds = (seeds: number): string => (seeds > 1 ? `mean ± 95% t-interval over ${seeds} seeds` : 'one seed');

/**
 * The benchmark report (SPEC.md §10, §11, §13): reads `<dir>/runs/* /results.json`, aggregates them
 * (src/eval/aggregate.ts) and writes `summary.json`, CSV tables, `table1.md` (the paper's Table 1
 * shape), plots (`plots/*.svg|png|vl.json`) and one self-contained `report.html`, with the picked
 * classes per round and the stopping signals (signal-report.ts, signal-plots.ts).
 */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aggregate, type AggregateOptions, type BenchSummary, type GroupSummary } from '../eval/aggregate.ts';
import { benchSummaryDocument, readBenchManifest, readResults, writeSummary } from '../loop/results.ts';
import type { ResultsDoc } from '../loop/results-schema.ts';
import { UserError } from '../util/errors.ts';
import { biasSpec, criteriaSpec, heatmapSpec, learningCurveSpec, writePlots, type PlotSpec } from './plots.ts';
import { csv, esc, fmt, htmlTable, pfmt } from './format.ts';
import { pickedClassesSpec, stoppingSpec } from './signal-plots.ts';
import { pickedClassesHtml, signalCsvs, stoppingHtml } from './signal-report.ts';

/** One run's results.json as the report reads it (`readResults`: validated, older versions upgraded). */
export type LoadedRun = ResultsDoc;

/**
 * Reads every `<dir>/runs/<cell>/results.json` (cells sorted by name).
 * @param opts `allowEmpty`: return `[]` for a grid with no finished run (or no runs/ folder) instead of throwing
 * @throws UserError when there is none (unless `allowEmpty`), or naming the file when one is not a valid results file (see `readResults`)
 */
export function loadBenchRuns(dir: string, opts: { allowEmpty?: boolean } = {}): LoadedRun[] {
  const runsDir = join(dir, 'runs');
  if (!existsSync(runsDir)) {
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UserError(`${dir} is a file: give the folder a bench wrote (its --out, holding bench.json and runs/)`);
    if (opts.allowEmpty) return [];
    throw new UserError(`${dir}: no runs/ folder (not a benchmark output folder?)`);
  }
  const out: LoadedRun[] = [];
  for (const cell of readdirSync(runsDir).sort()) {
    const f = join(runsDir, cell, 'results.json');
    if (existsSync(f)) out.push(readResults(f));
  }
  if (out.length === 0) {
    if (opts.allowEmpty) return [];
    throw new UserError(`${dir}: no finished runs (runs/*/results.json)`);
  }
  // Keep the grid's order (bench.json) for table rows and plot legends; unknown names go last.
  const mf = join(dir, 'bench.json');
  if (existsSync(mf)) {
    const cfg = readBenchManifest(mf).config;
    const names = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined);
    const order = { strategies: names(cfg.strategies), frameworks: names(cfg.frameworks) };
    const rank = (list: string[] | undefined, v: string): number => {
      const i = list?.indexOf(v) ?? -1;
      return i < 0 ? Number.MAX_SAFE_INTEGER : i;
    };
    out.sort((a, b) => rank(order.frameworks, a.config.framework) - rank(order.frameworks, b.config.framework) || rank(order.strategies, a.config.strategy) - rank(order.strategies, b.config.strategy) || a.config.seed - b.config.seed);
  }
  return out;
}


/**
 * Cells of a strategy × framework grid of one per-group statistic (`final`: Table 1; `aubc`): rows =
 * strategies, columns = frameworks; `best` marks the highest mean per column.
 */
export function gridCells(s: BenchSummary, metric: 'final' | 'aubc' = 'final'): { strategy: string; cells: { text: string; best: boolean }[] }[] {
  const best = new Map<string, number>();
  for (const f of s.frameworks) best.set(f, Math.max(...s.groups.filter((g) => g.framework === f && Number.isFinite(g[metric].mean)).map((g) => g[metric].mean)));
  return s.strategies.map((st) => ({
    strategy: st,
    cells: s.frameworks.map((f) => {
      const g = s.groups.find((x) => x.strategy === st && x.framework === f);
      return g ? { text: fmt(g[metric]), best: g[metric].mean === best.get(f) } : { text: '—', best: false };
    }),
  }));
}

/** Table 1 cells: final-round accuracy, see {@link gridCells}. */
export const table1Cells = (s: BenchSummary): ReturnType<typeof gridCells> => gridCells(s, 'final');

/** A {@link gridCells} grid as Markdown, mean ± 95% CI, best per column in bold. */
function gridMarkdown(s: BenchSummary, metric: 'final' | 'aubc'): string {
  const head = `| Strategy | ${s.frameworks.join(' | ')} |\n|---|${s.frameworks.map(() => '---').join('|')}|\n`;
  return head + gridCells(s, metric).map((r) => `| ${r.strategy} | ${r.cells.map((c) => (c.best ? `**${c.text}**` : c.text)).join(' | ')} |`).join('\n') + '\n';
}

/** The paper's Table 1 as Markdown: final-round accuracy (%) mean ± 95% CI, best per column in bold. */
export const table1Markdown = (s: BenchSummary): string => gridMarkdown(s, 'final');

/** The same grid for the area under the budget curve (AUBC, %). */
export const aubcMarkdown = (s: BenchSummary): string => gridMarkdown(s, 'aubc');

/**
 * The paired tests of the reference strategy against each baseline as Markdown: one row per
 * framework × metric (final accuracy, AUBC) × baseline, with n seeds, mean difference (points),
 * paired t and its p-value, Wilcoxon V and its p-value (see compare.ts).
 */
export function comparisonsMarkdown(s: BenchSummary): string {
  const head = '| Framework | Metric | Comparison | n | mean diff (pts) | paired t (p) | Wilcoxon V (p) |\n|---|---|---|---|---|---|---|\n';
  const rows = s.comparisons.map((c) => {
    const t = `${Number.isFinite(c.tTest.statistic) ? c.tTest.statistic.toFixed(2) : '—'} (${pfmt(c.tTest.pValue)})`;
    const w = `${Number.isFinite(c.wilcoxon.statistic) ? c.wilcoxon.statistic : '—'} (${pfmt(c.wilcoxon.pValue)})`;
    return `| ${c.framework} | ${c.metric} | ${c.reference} vs ${c.baseline} | ${c.tTest.n} | ${Number.isFinite(c.tTest.meanDiff) ? c.tTest.meanDiff.toFixed(2) : '—'} | ${t} | ${w} |`;
  });
  return head + rows.join('\n') + '\n';
}

/** `tables.md`: Table 1 (final accuracy), the AUBC grid and the paired tests, each under a heading, with the seeds per cell. */
export function tablesMarkdown(s: BenchSummary): string {
  const counts = [...new Set(s.groups.map((g) => g.seeds.length))].sort((a, b) => a - b);
  const seeds = counts.join('–');
  const one = counts.every((n) => n <= 1);
  return [
    one ? `### Final test accuracy (%), one seed (Table 1)\n` : `### Final test accuracy (%), mean ± 95% CI over ${seeds} seeds (Table 1)\n`,
    table1Markdown(s),
    one ? `### Area under the budget curve (%), one seed\n` : `### Area under the budget curve (%), mean ± 95% CI\n`,
    aubcMarkdown(s),
    `### Paired tests over seeds\n`,
    comparisonsMarkdown(s),
  ].join('\n');
}

/** The class names recorded in the runs (`data.classNames` of the first run that has any; [] if none). */
export function runClassNames(runs: readonly LoadedRun[]): string[] {
  return runs.find((r) => r.data.classNames.length > 0)?.data.classNames ?? [];
}

/**
 * CSV tables of a summary: final.csv, curves.csv, comparisons.csv, criteria.csv, bias.csv,
 * picked-classes.csv and stopping.csv (see signal-report.ts).
 */
export function summaryCsvs(s: BenchSummary, classNames: readonly string[] = []): Record<string, string> {
  const g = s.groups;
  return {
    'final.csv': csv(
      ['strategy', 'framework', 'seeds', 'final_mean', 'final_ci95', 'aubc_mean', 'aubc_ci95', 'target', 'labels_to_target'],
      g.map((x) => [x.strategy, x.framework, x.seeds.length, x.final.mean, x.final.ci95, x.aubc.mean, x.aubc.ci95, x.toTarget?.target, x.toTarget?.mean?.labeled]),
    ),
    'curves.csv': csv(['strategy', 'framework', 'round', 'labeled', 'mean', 'ci95', 'n'], g.flatMap((x) => x.curve.map((p) => [x.strategy, x.framework, p.round, p.labeled, p.mean, p.ci95, p.n]))),
    'comparisons.csv': csv(
      ['framework', 'metric', 'reference', 'baseline', 'n', 'mean_diff', 't', 't_p', 'wilcoxon_V', 'wilcoxon_p', 'wilcoxon_method'],
      s.comparisons.map((c) => [c.framework, c.metric, c.reference, c.baseline, c.tTest.n, c.tTest.meanDiff, c.tTest.statistic, c.tTest.pValue, c.wilcoxon.statistic, c.wilcoxon.pValue, c.wilcoxon.method]),
    ),
    'criteria.csv': csv(
      ['strategy', 'framework', 'round', 'metric', 'mean', 'ci95', 'n'],
      g.flatMap((x) => x.criteria.flatMap((c) => Object.entries(c).filter(([k]) => k !== 'round').map(([k, v]) => [x.strategy, x.framework, c.round, k, (v as { mean: number }).mean, (v as { ci95: number }).ci95, (v as { n: number }).n]))),
    ),
    'bias.csv': csv(
      ['strategy', 'framework', 'round', 'metric', 'mean', 'ci95', 'n'],
      g.flatMap((x) => x.bias.flatMap((c) => Object.entries(c).filter(([k]) => k !== 'round').map(([k, v]) => [x.strategy, x.framework, c.round, k, (v as { mean: number }).mean, (v as { ci95: number }).ci95, (v as { n: number }).n]))),
    ),
    ...signalCsvs(s, classNames),
  };
}

/**
 * The plots of a benchmark: one learning-curve plot per framework, criteria, bias, one heatmap per
 * strategy, the picked-class heatmaps (true, predicted) and the stopping signals (when recorded).
 */
export function benchPlots(s: BenchSummary, runs: readonly LoadedRun[]): PlotSpec[] {
  const plots = s.frameworks.map((f) => learningCurveSpec(s, f));
  if (s.groups.some((g) => g.criteria.length > 0)) plots.push(criteriaSpec(s));
  if (s.groups.some((g) => g.bias.length > 0)) plots.push(biasSpec(s));
  const classNames = runClassNames(runs);
  for (const st of s.strategies) {
    const cand = runs.filter((r) => r.config.strategy === st && r.analysis?.heatmaps).sort((a, b) => (a.config.framework === 'zero-shot' ? -1 : 0) - (b.config.framework === 'zero-shot' ? -1 : 0) || a.config.seed - b.config.seed);
    const r = cand[0];
    if (r?.analysis?.heatmaps) plots.push(heatmapSpec(st, r.config.framework, r.config.seed, r.analysis.heatmaps, classNames));
  }
  for (const p of [pickedClassesSpec(s, 'true', classNames), pickedClassesSpec(s, 'predicted', classNames), stoppingSpec(s)]) if (p) plots.push(p);
  return plots;
}

/** One setting of the report's settings block: label and the distinct values over the runs. */
export interface ReportSetting {
  label: string;
  value: string;
}

/**
 * The settings the runs of a benchmark share, as the report states them (read from their
 * results.json): dataset, pool and test sizes, classes, rounds, Q, initial shots, seeds, student
 * head, teacher and its zero-shot test accuracy. A setting that differs between runs lists every value.
 */
export function runSettings(runs: readonly LoadedRun[]): ReportSetting[] {
  const distinct = <T>(f: (r: LoadedRun) => T): string => [...new Set(runs.map((r) => String(f(r))))].join(', ');
  const teacher = (r: LoadedRun): string => (r.teacher === null ? 'none' : r.teacher.testAccuracy === null ? r.teacher.id : `${r.teacher.id} (zero-shot test accuracy ${(100 * r.teacher.testAccuracy).toFixed(2)}%)`);
  const seeds = [...new Set(runs.map((r) => r.config.seed))].sort((a, b) => a - b);
  return [
    { label: 'dataset', value: distinct((r) => r.data.root) },
    { label: 'classes', value: distinct((r) => r.data.classNames.length) },
    { label: 'pool images', value: distinct((r) => r.data.pool) },
    { label: 'test images', value: distinct((r) => r.data.test) },
    { label: 'rounds', value: distinct((r) => r.config.rounds) },
    { label: 'query size Q', value: distinct((r) => r.config.querySize) },
    { label: 'initial shots per class', value: distinct((r) => r.config.initialShots) },
    { label: 'seeds', value: seeds.join(', ') },
    { label: 'student head', value: distinct((r) => (r.student.dho as { head?: unknown }).head ?? '—') },
    { label: 'teacher', value: distinct(teacher) },
  ];
}

/** The settings block of report.html (a definition list, id `settings`). */
export function settingsHtml(settings: readonly ReportSetting[]): string {
  return `<dl id="settings">${settings.map((x) => `<dt>${esc(x.label)}</dt><dd>${esc(x.value)}</dd>`).join('')}</dl>`;
}

/**
 * The self-contained HTML report: Table 1, AUBC / labels-to-target, paired tests, picked classes per
 * round, stopping signals, inline SVG plots (the picked-class and stopping plots in their sections).
 */
export function reportHtml(s: BenchSummary, plots: readonly { plot: PlotSpec; svg: string }[], title: string, classNames: readonly string[] = [], settings: readonly ReportSetting[] = []): string {
  const t1 = htmlTable(
    ['Strategy', ...s.frameworks],
    table1Cells(s).map((r) => [esc(r.strategy), ...r.cells.map((c) => (c.best ? `<b>${esc(c.text)}</b>` : esc(c.text)))]),
    'table1',
  );
  const budget = htmlTable(
    ['Strategy', 'Framework', 'seeds', 'AUBC (%)', 'labels to target'],
    s.groups.map((g: GroupSummary) => [esc(g.strategy), esc(g.framework), String(g.seeds.length), esc(fmt(g.aubc)), g.toTarget ? (g.toTarget.mean ? `${g.toTarget.mean.labeled} (≥ ${g.toTarget.target}%)` : `never (≥ ${g.toTarget.target}%)`) : '—']),
  );
  const tests = htmlTable(
    ['Framework', 'Metric', 'Comparison', 'n', 'mean diff (pts)', 'paired t (p)', 'Wilcoxon V (p)'],
    s.comparisons.map((c) => [esc(c.framework), c.metric, `${esc(c.reference)} vs ${esc(c.baseline)}`, String(c.tTest.n), Number.isFinite(c.tTest.meanDiff) ? c.tTest.meanDiff.toFixed(2) : '—', `${Number.isFinite(c.tTest.statistic) ? c.tTest.statistic.toFixed(3) : '—'} (${pfmt(c.tTest.pValue)})`, `${Number.isFinite(c.wilcoxon.statistic) ? c.wilcoxon.statistic : '—'} (${pfmt(c.wilcoxon.pValue)}, ${c.wilcoxon.method})`]),
  );
  const figure = (p: { plot: PlotSpec; svg: string }): string => `<figure class="plot" data-name="${esc(p.plot.name)}">${p.svg}<figcaption>${esc(p.plot.title)}</figcaption></figure>`;
  const inSection = (p: { plot: PlotSpec }): 'picked' | 'stopping' | null => (p.plot.name.startsWith('picked-classes-') ? 'picked' : p.plot.name === 'stopping' ? 'stopping' : null);
  const figs = plots.filter((p) => inSection(p) === null).map(figure).join('\n');
  const sectionFigs = (k: 'picked' | 'stopping'): string => plots.filter((p) => inSection(p) === k).map(figure).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:'DejaVu Sans',sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}figure{margin:1.5em 0}figcaption{color:#555;font-size:90%}p.lacking{color:#8a4b00}dl#settings{display:grid;grid-template-columns:max-content auto;gap:2px 1em}dl#settings dt{color:#555}dl#settings dd{margin:0}</style>
</head><body>
<h1>${esc(title)}</h1>
${settings.length > 0 ? `<h2>Settings</h2>\n${settingsHtml(settings)}\n` : ''}<p>${s.teacherAccuracy === null ? '' : `Teacher zero-shot test accuracy: ${s.teacherAccuracy.toFixed(2)}%. `}${Math.max(0, ...s.groups.map((g) => g.seeds.length)) > 1 ? 'Accuracies in %, mean ± 95% t-interval over seeds (t<sub>0.975, n−1</sub>·s/√n).' : 'Accuracies in %, one seed.'}</p>
<h2>Table 1: final-round test accuracy</h2>
${t1}
<h2>Budget curves</h2>
<p>AUBC = trapezoid area under accuracy vs. labeled count, divided by the labeled range (the average accuracy over the budget).</p>
${budget}
<h2>Paired tests over seeds</h2>
${tests}
${pickedClassesHtml(s, classNames, sectionFigs('picked'))}
${stoppingHtml(s, sectionFigs('stopping'))}
<h2>Plots</h2>
${figs}
</body></html>
`;
}

/** Options of {@link writeBenchReport}. */
export interface BenchReportOptions extends AggregateOptions {
  /** Also write PNGs (default true). */
  png?: boolean;
  title?: string;
}

/**
 * Regenerates every report artefact of a benchmark folder from its runs' results.json files.
 * @returns the summary and the written file paths
 */
export async function writeBenchReport(dir: string, opts: BenchReportOptions = {}): Promise<{ summary: BenchSummary; files: string[] }> {
  const runs = loadBenchRuns(dir);
  const summary = aggregate(runs, opts);
  const files: string[] = [];
  const put = (name: string, text: string | Buffer): void => {
    const p = join(dir, name);
    writeFileSync(p, text);
    files.push(p);
  };
  writeSummary(join(dir, 'summary.json'), benchSummaryDocument(summary));
  files.push(join(dir, 'summary.json'));
  const classNames = runClassNames(runs);
  for (const [name, text] of Object.entries(summaryCsvs(summary, classNames))) put(name, text);
  put('table1.md', table1Markdown(summary));
  put('tables.md', tablesMarkdown(summary));
  mkdirSync(join(dir, 'plots'), { recursive: true });
  const rendered = await writePlots(benchPlots(summary, runs), put, opts);
  put('report.html', reportHtml(summary, rendered, opts.title ?? `activekd benchmark: ${dir}`, classNames, runSettings(runs)));
  return { summary, files };
}

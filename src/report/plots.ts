/**
 * Benchmark plots as Vega-Lite specifications, rendered headless to SVG (vega View, renderer
 * 'none') and to PNG (resvg). The specs are plain data: every plot is reproducible from the
 * `.vl.json` written beside it.
 */
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { BenchSummary, Stat } from '../eval/aggregate.ts';
import type { ProbRows } from '../eval/analysis.ts';

/** A named plot: its Vega-Lite spec and a title for the report. */
export interface PlotSpec {
  /** File stem, e.g. `curve-zero-shot`. */
  name: string;
  title: string;
  spec: TopLevelSpec;
}

/** Shared Vega-Lite config of every report plot. */
export const CONFIG = { font: 'DejaVu Sans', view: { stroke: '#ccc' }, axis: { labelFontSize: 11, titleFontSize: 12 } } as const;
/** A {@link Stat} as a plot row: mean and the 95% CI band (lo, hi), not cut to any range. */
export const band = (s: Stat): { mean: number; lo: number; hi: number } => ({ mean: s.mean, lo: s.mean - (s.ci95 || 0), hi: s.mean + (s.ci95 || 0) });

/** The range a plotted metric can take: `[min, max]`, null for an unbounded side. */
export type MetricRange = readonly [number | null, number | null];

/** Range of the test accuracy (%). */
export const ACCURACY_RANGE: MetricRange = [0, 100];

/** Display name and range of each per-round metric of the criteria and bias plots (src/eval/criteria.ts, bias.ts). */
export const METRICS = {
  uncertainty: { label: 'uncertainty (normalised entropy)', range: [0, 1] },
  classBalance: { label: 'class balance (normalised label entropy)', range: [0, 1] },
  featureDiversity: { label: 'feature diversity (cosine distance)', range: [0, 2] },
  probDiversity: { label: 'probability diversity (L2 / √2)', range: [0, 1] },
  knnLoss: { label: 'kNN loss (L1)', range: [0, 2] },
  clusterPurity: { label: 'cluster purity', range: [0, 1] },
  propDistance: { label: 'propagation distance (L1)', range: [0, 2] },
  activeCentroids: { label: 'active centroids', range: [0, null] },
} as const satisfies Record<string, { label: string; range: MetricRange }>;

/**
 * The band layer's transform: the plotted band is `[clamp(lo), clamp(hi)]` (fields `bandLo`,
 * `bandHi`) to the metric's range, so that a t-interval never reaches past what the metric can take
 * (an accuracy above 100 %, a fraction below 0). `range` is one range for the whole plot, or
 * `'row'` to read it from each row's `min` / `max` fields (null: unbounded). The data keep the plain
 * t-interval (as the CSV tables do).
 */
export function clampBand(range: MetricRange | 'row'): { calculate: string; as: string }[] {
  const bound = (side: 'lo' | 'hi'): string => {
    if (range === 'row') return `clamp(datum.${side}, isValid(datum.min) ? datum.min : -1e308, isValid(datum.max) ? datum.max : 1e308)`;
    return `clamp(datum.${side}, ${range[0] ?? -1e308}, ${range[1] ?? 1e308})`;
  };
  return [
    { calculate: bound('lo'), as: 'bandLo' },
    { calculate: bound('hi'), as: 'bandHi' },
  ];
}

/**
 * Colour encoding of the strategy field with the domain fixed to the benchmark's strategy order, so
 * that a strategy has the same colour in every plot (and the legend lists them in grid order).
 */
export const strategyColor = (summary: BenchSummary): { field: 'strategy'; type: 'nominal'; scale: { domain: string[] }; sort: string[] } => ({
  field: 'strategy',
  type: 'nominal',
  scale: { domain: [...summary.strategies] },
  sort: [...summary.strategies],
});

/** Whether every group of the summary has a single seed (no interval to show or name). */
function oneSeed(summary: BenchSummary): boolean {
  return summary.groups.every((g) => g.seeds.length <= 1);
}

/** Learning curves of one framework: mean accuracy per strategy with its 95% CI band. */
export function learningCurveSpec(summary: BenchSummary, framework: string): PlotSpec {
  const values = summary.groups.filter((g) => g.framework === framework).flatMap((g) => g.curve.filter((p) => Number.isFinite(p.mean)).map((p) => ({ strategy: g.strategy, labeled: p.labeled, ...band(p) })));
  const x = { field: 'labeled', type: 'quantitative', title: 'labeled images' } as const;
  return {
    name: `curve-${framework}`,
    title: `Learning curves (${framework}): test accuracy, ${oneSeed(summary) ? 'one seed' : 'mean ± 95% CI over seeds (bands cut to 0–100 %)'}`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      width: 420,
      height: 260,
      config: CONFIG,
      data: { values },
      encoding: { x, color: strategyColor(summary) },
      layer: [
        { transform: clampBand(ACCURACY_RANGE), mark: { type: 'area', opacity: 0.18 }, encoding: { y: { field: 'bandLo', type: 'quantitative', title: 'test accuracy (%)', scale: { zero: false } }, y2: { field: 'bandHi' } } },
        { mark: { type: 'line', point: true }, encoding: { y: { field: 'mean', type: 'quantitative' } } },
      ],
    } as TopLevelSpec,
  };
}

/** Per-round metric rows: display name as `metric`, the metric's range as `min` / `max`. */
function metricRow<K extends keyof typeof METRICS>(m: K, s: Stat): { metric: string; min: number | null; max: number | null; mean: number; lo: number; hi: number } {
  const { label, range } = METRICS[m];
  return { metric: label, min: range[0], max: range[1], ...band(s) };
}

/** Framework encodings: line dash and point shape, so that frameworks differ in the legend and in print. */
const frameworkDash = (summary: BenchSummary): Record<string, unknown> => ({ field: 'framework', type: 'nominal', title: 'framework', scale: { domain: [...summary.frameworks] }, sort: [...summary.frameworks] });

function perRoundSpec(summary: BenchSummary, name: string, title: string, rows: Record<string, unknown>[], metrics: readonly (keyof typeof METRICS)[]): PlotSpec {
  return {
    name,
    title,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      config: CONFIG,
      data: { values: rows },
      facet: { field: 'metric', type: 'nominal', title: null, sort: metrics.map((m) => METRICS[m].label) },
      columns: 4,
      resolve: { scale: { y: 'independent' } },
      spec: {
        width: 180,
        height: 150,
        encoding: { x: { field: 'round', type: 'quantitative', title: 'query round', axis: { format: 'd', tickMinStep: 1 } }, color: strategyColor(summary) },
        layer: [
          { transform: clampBand('row'), mark: { type: 'area', opacity: 0.15 }, encoding: { y: { field: 'bandLo', type: 'quantitative', title: null, scale: { zero: false } }, y2: { field: 'bandHi' }, detail: { field: 'framework', type: 'nominal' } } },
          { mark: { type: 'line' }, encoding: { y: { field: 'mean', type: 'quantitative' }, strokeDash: frameworkDash(summary) } },
          { mark: { type: 'point', filled: true, size: 40 }, encoding: { y: { field: 'mean', type: 'quantitative' }, shape: frameworkDash(summary) } },
        ],
      },
    } as TopLevelSpec,
  };
}

const CRITERIA = ['uncertainty', 'classBalance', 'featureDiversity', 'probDiversity'] as const;
const BIAS = ['knnLoss', 'clusterPurity', 'propDistance', 'activeCentroids'] as const;

/** Selection criteria of each selected batch per round (paper Fig. 10), one panel per criterion, bands cut to its range. */
export function criteriaSpec(summary: BenchSummary): PlotSpec {
  const rows = summary.groups.flatMap((g) => g.criteria.flatMap((c) => CRITERIA.map((m) => ({ strategy: g.strategy, framework: g.framework, round: c.round, ...metricRow(m, c[m]) }))));
  return perRoundSpec(summary, 'criteria', `Selection criteria of the selected batches (${oneSeed(summary) ? 'one seed' : "mean ± 95% CI over seeds, bands cut to each criterion's range"})`, rows.filter((r) => Number.isFinite(r.mean)), CRITERIA);
}

/** Bias-propagation metrics per round (paper Figs. 4c, 9), one panel per metric, bands cut to its range. */
export function biasSpec(summary: BenchSummary): PlotSpec {
  const rows = summary.groups.flatMap((g) => g.bias.flatMap((c) => BIAS.map((m) => ({ strategy: g.strategy, framework: g.framework, round: c.round, ...metricRow(m, c[m]) }))));
  return perRoundSpec(summary, 'bias', `Structured-bias propagation on the unlabeled pool (${oneSeed(summary) ? 'one seed' : "mean ± 95% CI over seeds, bands cut to each metric's range"})`, rows.filter((r) => Number.isFinite(r.mean)), BIAS);
}

/** Probability heatmap of the initial labeled set and the first selected batch of one run (paper Fig. 11). */
export function heatmapSpec(strategy: string, framework: string, seed: number, h: { initial: ProbRows; firstBatch: ProbRows }, classNames: readonly string[]): PlotSpec {
  const rows: Record<string, unknown>[] = [];
  for (const [set, pr] of [
    ['initial labeled set', h.initial],
    ['first selected batch', h.firstBatch],
  ] as const) {
    pr.probs.forEach((p, i) => p.forEach((v, c) => rows.push({ set, item: `${String(i + 1).padStart(3, '0')} (${classNames[pr.labels[i] as number] ?? pr.labels[i]})`, class: classNames[c] ?? String(c), prob: v })));
  }
  return {
    name: `heatmap-${strategy}`,
    title: `Student probabilities of the initial set and the first batch: ${strategy} (${framework}, seed ${seed})`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      config: CONFIG,
      data: { values: rows },
      hconcat: ['initial labeled set', 'first selected batch'].map((set) => ({
        title: set,
        transform: [{ filter: { field: 'set', equal: set } }],
        width: { step: 14 },
        height: { step: 12 },
        mark: 'rect',
        encoding: {
          x: { field: 'class', type: 'nominal', sort: classNames as string[], title: 'class' },
          y: { field: 'item', type: 'ordinal', title: 'item (true class)' },
          color: { field: 'prob', type: 'quantitative', scale: { domain: [0, 1], scheme: 'viridis' }, title: 'p' },
        },
      })),
    } as TopLevelSpec,
  };
}

/** Renders a Vega-Lite spec to an SVG string (headless vega View). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises an SVG string to PNG bytes (resvg, system fonts, 2× scale). */
export function svgToPng(svg: string): Buffer {
  const r = new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, background: 'white', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } });
  return r.render().asPng();
}

/**
 * Renders each plot and hands its files to `put` (relative names under `plots/`): the Vega-Lite spec
 * (`.vl.json`), the SVG and, unless `png` is false, a PNG. The caller creates `plots/`.
 * @returns each plot with its SVG, in order (for an HTML report)
 */
export async function writePlots(plots: readonly PlotSpec[], put: (name: string, content: string | Buffer) => void, opts: { png?: boolean } = {}): Promise<{ plot: PlotSpec; svg: string }[]> {
  const rendered: { plot: PlotSpec; svg: string }[] = [];
  for (const plot of plots) {
    const svg = await renderSvg(plot.spec);
    rendered.push({ plot, svg });
    put(join('plots', `${plot.name}.vl.json`), `${JSON.stringify(plot.spec)}\n`);
    put(join('plots', `${plot.name}.svg`), svg);
    if (opts.png !== false) put(join('plots', `${plot.name}.png`), svgToPng(svg));
  }
  return rendered;
}

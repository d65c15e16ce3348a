/**
 * Benchmark plots as Vega-Lite specifications, rendered headless to SVG (vega View, renderer
 * 'none') and to PNG (resvg). The specs are plain data: every plot is reproducible from the
 * `.vl.json` written beside it.
 */
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
/** A {@link Stat} as a plot row: mean and the 95% CI band (lo, hi). */
export const band = (s: Stat): { mean: number; lo: number; hi: number } => ({ mean: s.mean, lo: s.mean - (s.ci95 || 0), hi: s.mean + (s.ci95 || 0) });

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

/** Learning curves of one framework: mean accuracy per strategy with its 95% CI band. */
export function learningCurveSpec(summary: BenchSummary, framework: string): PlotSpec {
  const values = summary.groups.filter((g) => g.framework === framework).flatMap((g) => g.curve.filter((p) => Number.isFinite(p.mean)).map((p) => ({ strategy: g.strategy, labeled: p.labeled, ...band(p) })));
  const x = { field: 'labeled', type: 'quantitative', title: 'labeled images' } as const;
  return {
    name: `curve-${framework}`,
    title: `Learning curves (${framework}): test accuracy, mean ± 95% CI over seeds`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      width: 420,
      height: 260,
      config: CONFIG,
      data: { values },
      encoding: { x, color: strategyColor(summary) },
      layer: [
        { mark: { type: 'area', opacity: 0.18 }, encoding: { y: { field: 'lo', type: 'quantitative', title: 'test accuracy (%)', scale: { zero: false } }, y2: { field: 'hi' } } },
        { mark: { type: 'line', point: true }, encoding: { y: { field: 'mean', type: 'quantitative' } } },
      ],
    } as TopLevelSpec,
  };
}

function perRoundSpec(summary: BenchSummary, name: string, title: string, rows: Record<string, unknown>[]): PlotSpec {
  return {
    name,
    title,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      config: CONFIG,
      data: { values: rows },
      facet: { field: 'metric', type: 'nominal', title: null },
      columns: 4,
      resolve: { scale: { y: 'independent' } },
      spec: {
        width: 180,
        height: 150,
        encoding: { x: { field: 'round', type: 'quantitative', title: 'query round', axis: { format: 'd', tickMinStep: 1 } }, color: strategyColor(summary) },
        layer: [
          { mark: { type: 'area', opacity: 0.15 }, encoding: { y: { field: 'lo', type: 'quantitative', title: null, scale: { zero: false } }, y2: { field: 'hi' }, detail: { field: 'framework', type: 'nominal' } } },
          { mark: { type: 'line', point: true }, encoding: { y: { field: 'mean', type: 'quantitative' }, strokeDash: { field: 'framework', type: 'nominal' } } },
        ],
      },
    } as TopLevelSpec,
  };
}

/** Selection criteria of each selected batch per round (paper Fig. 10), one panel per criterion. */
export function criteriaSpec(summary: BenchSummary): PlotSpec {
  const rows = summary.groups.flatMap((g) => g.criteria.flatMap((c) => (['uncertainty', 'classBalance', 'featureDiversity', 'probDiversity'] as const).map((m) => ({ strategy: g.strategy, framework: g.framework, round: c.round, metric: m, ...band(c[m]) }))));
  return perRoundSpec(summary, 'criteria', 'Selection criteria of the selected batches (mean ± 95% CI over seeds)', rows.filter((r) => Number.isFinite(r.mean)));
}

/** Bias-propagation metrics per round (paper Figs. 4c, 9), one panel per metric. */
export function biasSpec(summary: BenchSummary): PlotSpec {
  const rows = summary.groups.flatMap((g) => g.bias.flatMap((c) => (['knnLoss', 'clusterPurity', 'propDistance', 'activeCentroids'] as const).map((m) => ({ strategy: g.strategy, framework: g.framework, round: c.round, metric: m, ...band(c[m]) }))));
  return perRoundSpec(summary, 'bias', 'Structured-bias propagation on the unlabeled pool (mean ± 95% CI over seeds)', rows.filter((r) => Number.isFinite(r.mean)));
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

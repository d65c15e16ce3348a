/**
 * Vega-Lite plots of the picked-class histograms (ANCHORS.md #8) and of the stopping signals
 * (ANCHORS.md #10) of a benchmark summary.
 */
import type { TopLevelSpec } from 'vega-lite';
import { STOPPING_SIGNALS, type StoppingSignalName } from '../eval/aggregate-signals.ts';
import type { BenchSummary } from '../eval/aggregate.ts';
import { band, CONFIG, strategyColor, type PlotSpec } from './plots.ts';

/** Display names of the stopping signals, with their units. */
export const STOPPING_SIGNAL_LABELS: Record<StoppingSignalName, string> = {
  coverageRadius: 'coverage radius (L2, simplex)',
  teacherAgreement: 'teacher–student agreement',
  predictionStability: 'prediction stability',
  accuracyGainPerLabel: 'accuracy gain per label (pts)',
};

/** Range of each signal; the plotted CI bands are cut to it (the CSV keeps the plain t-interval). */
const SIGNAL_RANGE: Record<StoppingSignalName, readonly [number, number]> = {
  coverageRadius: [0, Math.SQRT2],
  teacherAgreement: [0, 1],
  predictionStability: [0, 1],
  accuracyGainPerLabel: [-Infinity, Infinity],
};

/**
 * Heatmaps of the picked batches' class histogram: query round × class, colour = mean count over
 * seeds, one panel per strategy (rows) × framework (columns).
 * @param kind `true`: oracle labels; `predicted`: argmax of the selection-time student probabilities
 * @returns null when no group records the histograms
 */
export function pickedClassesSpec(summary: BenchSummary, kind: 'true' | 'predicted', classNames: readonly string[]): PlotSpec | null {
  const name = (c: number): string => classNames[c] ?? String(c);
  const rows = summary.groups.flatMap((g) => g.pickedClasses.flatMap((p) => p[kind].map((s, c) => ({ strategy: g.strategy, framework: g.framework, round: p.round, class: name(c), count: s.mean }))));
  if (rows.length === 0) return null;
  const C = Math.max(0, ...summary.groups.flatMap((g) => g.pickedClasses.map((p) => p[kind].length)));
  return {
    name: `picked-classes-${kind}`,
    title: `Picked items per ${kind === 'true' ? 'true class (oracle labels)' : 'predicted class (student argmax at selection)'} and query round: mean count over seeds`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      config: CONFIG,
      data: { values: rows },
      facet: {
        // One 'query round' title for the whole column of panels (not one per panel, which overlap).
        row: { field: 'strategy', type: 'nominal', sort: summary.strategies, title: 'query round', header: { labelAngle: 0, labelOrient: 'top', labelAnchor: 'start', labelFontWeight: 'bold', titleFontSize: 12, titleFontWeight: 'bold' } },
        column: { field: 'framework', type: 'nominal', sort: summary.frameworks, title: null },
      },
      spec: {
        width: { step: 14 },
        height: { step: 11 },
        mark: 'rect',
        encoding: {
          x: { field: 'class', type: 'nominal', sort: Array.from({ length: C }, (_, c) => name(c)), title: null },
          y: { field: 'round', type: 'ordinal', title: null },
          color: { field: 'count', type: 'quantitative', scale: { scheme: 'blues', domainMin: 0 }, title: 'picked' },
        },
      },
    } as TopLevelSpec,
  };
}

/**
 * Stopping signals against the labeled count: one line per strategy (mean ± 95% CI band over
 * seeds, cut to the signal's range: [0, √2] for the radius, [0, 1] for the fractions), one panel
 * per signal (rows) × framework (columns).
 * @returns null when no group has any signal
 */
export function stoppingSpec(summary: BenchSummary): PlotSpec | null {
  const rows = summary.groups.flatMap((g) =>
    g.stopping.flatMap((r) =>
      STOPPING_SIGNALS.flatMap((sig) => {
        const s = r.signals[sig];
        if (!s || !Number.isFinite(s.mean)) return [];
        const b = band(s);
        const [min, max] = SIGNAL_RANGE[sig];
        return [{ strategy: g.strategy, framework: g.framework, signal: STOPPING_SIGNAL_LABELS[sig], labeled: r.labeled, mean: b.mean, lo: Math.max(min, b.lo), hi: Math.min(max, b.hi) }];
      }),
    ),
  );
  if (rows.length === 0) return null;
  // Vega lays out only the cells that have data; one empty row per missing signal × framework cell
  // keeps the grid complete (and so every panel under its signal and framework headers).
  const signals = STOPPING_SIGNALS.filter((sig) => rows.some((r) => r.signal === STOPPING_SIGNAL_LABELS[sig]));
  const placeholders = signals.flatMap((sig) => summary.frameworks.filter((f) => !rows.some((r) => r.signal === STOPPING_SIGNAL_LABELS[sig] && r.framework === f)).map((f) => ({ framework: f, signal: STOPPING_SIGNAL_LABELS[sig], labeled: null, mean: null, lo: null, hi: null })));
  return {
    name: 'stopping',
    title: 'Stopping signals against the number of labels (mean ± 95% CI over seeds, bands cut to each signal\'s range)',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      config: CONFIG,
      data: { values: [...rows, ...placeholders] },
      // A signal × framework grid: a signal without values under one framework leaves its cell
      // empty instead of shifting the following panels.
      facet: {
        row: { field: 'signal', type: 'nominal', title: null, sort: STOPPING_SIGNALS.map((sig) => STOPPING_SIGNAL_LABELS[sig]), header: { labelFontWeight: 'bold', labelLimit: 0 } },
        column: { field: 'framework', type: 'nominal', title: null, sort: [...summary.frameworks] },
      },
      resolve: { scale: { y: 'independent' } },
      spec: {
        width: 240,
        height: 180,
        encoding: { x: { field: 'labeled', type: 'quantitative', title: 'labeled images' }, color: strategyColor(summary) },
        layer: [
          { mark: { type: 'area', opacity: 0.15 }, encoding: { y: { field: 'lo', type: 'quantitative', title: null, scale: { zero: false } }, y2: { field: 'hi' } } },
          { mark: { type: 'line', point: true }, encoding: { y: { field: 'mean', type: 'quantitative' } } },
        ],
      },
    } as TopLevelSpec,
  };
}

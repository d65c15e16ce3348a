/**
 * The report across the levels of a teacher-strength sweep (issue 14; src/bench/teacher-levels.ts):
 * reads every level's runs, aggregates them (src/eval/teacher-levels.ts) and writes
 * `teacher-levels.md` (tables), `teacher-levels.csv` (per level × strategy),
 * `teacher-levels-differences.csv` (paired differences and KD gains), plots
 * (`plots/teacher-levels-*.svg|png|vl.json`) and `teacher-levels.html`.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { summarizeTeacherLevels, type LevelSummary, type PairedDifference, type TeacherLevelsSummary } from '../eval/teacher-levels.ts';
import { readTeacherLevelsManifest } from '../loop/results.ts';
import type { TeacherLevel } from '../loop/results-schema.ts';
import { UserError } from '../util/errors.ts';
import { loadBenchRuns, type LoadedRun } from './bench-report.ts';
import { csv, esc, fmt, htmlTable, pfmt } from './format.ts';
import { band, CONFIG, writePlots, type PlotSpec } from './plots.ts';

const acc = (v: number | null): string => (v === null ? '—' : v.toFixed(2));

/** A level's display name: `zero-shot`, `held-out 16-shot`, `boosted 85% (synthetic)`. */
function levelLabel(l: TeacherLevel): string {
  if (l.kind === 'zero-shot') return 'zero-shot';
  if (l.kind === 'shots') return `held-out ${l.shots}-shot`;
  return `boosted ${+(100 * l.accuracy).toFixed(2)}% (synthetic)`;
}

/** What the sweep ran on, read from its runs (for the report's header). */
export interface TeacherLevelsSettings {
  readonly dataset: string;
  readonly pool: number;
  readonly test: number;
  readonly rounds: number;
  readonly querySize: number;
  /** Seeds found over all grids. */
  readonly seeds: number[];
  /** Levels of teacher-levels.json without any finished run (left out of the tables). */
  readonly emptyLevels: string[];
  /** `level / strategy: n of N seeds` for groups with fewer seeds than the sweep's. */
  readonly incomplete: string[];
}

/** Reads the sweep folder: the manifest, each level's runs (levels without finished runs are left out) and the no-distill runs. */
export function loadTeacherLevels(dir: string): TeacherLevelsSummary & { settings: TeacherLevelsSettings | null } {
  const mf = join(dir, 'teacher-levels.json');
  if (!existsSync(mf)) throw new UserError(`${dir}: no teacher-levels.json (not a folder written by \`activekd bench --teacher-levels\`)`);
  const m = readTeacherLevelsManifest(mf);
  const runsOf = (d: string): LoadedRun[] => loadBenchRuns(d, { allowEmpty: true });
  const levels = m.levels.map((level) => ({ level, runs: runsOf(join(dir, 'levels', level.name)) }));
  const nd = m.noDistill ? runsOf(join(dir, 'no-distill')) : null;
  const summary = summarizeTeacherLevels(levels, nd, m.reference);
  const all = [...levels.flatMap((l) => l.runs), ...(nd ?? [])];
  const first = all[0];
  const seeds = [...new Set(all.map((r) => r.config.seed))].sort((a, b) => a - b);
  const incomplete = [
    ...(summary.noDistill ?? []).filter((x) => x.seeds.length < seeds.length).map((x) => `no-distill / ${x.strategy}: ${x.seeds.length} of ${seeds.length} seeds`),
    ...summary.levels.flatMap((l) => l.strategies.filter((x) => x.seeds.length < seeds.length).map((x) => `${levelLabel(l.level)} / ${x.strategy}: ${x.seeds.length} of ${seeds.length} seeds`)),
  ];
  const settings = first
    ? { dataset: first.data.root, pool: first.data.pool, test: first.data.test, rounds: first.config.rounds, querySize: first.config.querySize, seeds, emptyLevels: levels.filter((l) => l.runs.length === 0).map((l) => l.level.name), incomplete }
    : null;
  return { ...summary, settings };
}

/** The header lines of the report: what ran, and what is missing. */
function settingsLines(s: TeacherLevelsSettings | null): string[] {
  if (!s) return [];
  return [
    `Dataset ${s.dataset}: pool ${s.pool}, test ${s.test}; ${s.rounds} rounds, Q = ${s.querySize}; seeds ${s.seeds.join(', ')}; framework zero-shot (KD) per teacher level, no-distill once.`,
    ...(s.emptyLevels.length > 0 ? [`Levels without a finished run (left out): ${s.emptyLevels.join(', ')}.`] : []),
    ...(s.incomplete.length > 0 ? [`Incomplete (intervals over fewer seeds): ${s.incomplete.join('; ')}.`] : []),
  ];
}

const diffCell = (d: PairedDifference | undefined): string => (d ? `${fmt(d.diff)} (p<sub>t</sub> ${pfmt(d.tTest.pValue)})` : '—');
const diffText = (d: PairedDifference | undefined): string => (d ? `${fmt(d.diff)} (p_t ${pfmt(d.tTest.pValue)}, p_W ${pfmt(d.wilcoxon.pValue)})` : '—');

/** The markdown tables of the sweep. */
export function teacherLevelsMarkdown(s: TeacherLevelsSummary, settings: TeacherLevelsSettings | null = null): string {
  const lines: string[] = [];
  const head0 = settingsLines(settings);
  if (head0.length > 0) lines.push(...head0, '');
  const head = (cols: string[]): void => {
    lines.push(`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`);
  };
  const row = (cols: string[]): void => {
    lines.push(`| ${cols.join(' | ')} |`);
  };
  lines.push('## Final test accuracy (%) per teacher level (mean ± 95% t-interval over seeds)', '');
  head(['teacher', 'teacher pool acc', 'teacher test acc', ...s.strategies]);
  if (s.noDistill) row(['no-distill', '—', '—', ...s.strategies.map((st) => fmtOf(s.noDistill?.find((x) => x.strategy === st)?.final))]);
  for (const l of s.levels) row([levelLabel(l.level), acc(l.teacher.poolAccuracy), acc(l.teacher.testAccuracy), ...s.strategies.map((st) => fmtOf(l.strategies.find((x) => x.strategy === st)?.final))]);
  lines.push('', '## AUBC (%) per teacher level', '');
  head(['teacher', 'teacher test acc', ...s.strategies]);
  if (s.noDistill) row(['no-distill', '—', ...s.strategies.map((st) => fmtOf(s.noDistill?.find((x) => x.strategy === st)?.aubc))]);
  for (const l of s.levels) row([levelLabel(l.level), acc(l.teacher.testAccuracy), ...s.strategies.map((st) => fmtOf(l.strategies.find((x) => x.strategy === st)?.aubc))]);
  const baselines = s.strategies.filter((x) => x !== s.reference);
  for (const metric of ['final', 'aubc'] as const) {
    lines.push('', `## Paired differences ${s.reference} − baseline, ${metric === 'final' ? 'final accuracy' : 'AUBC'} (points; mean ± 95% CI over seeds; p_t paired t-test, p_W Wilcoxon)`, '');
    head(['teacher', 'teacher test acc', ...baselines.map((b) => `− ${b}`)]);
    for (const l of s.levels) row([levelLabel(l.level), acc(l.teacher.testAccuracy), ...baselines.map((b) => diffText(l.differences.find((d) => d.baseline === b && d.metric === metric)))]);
  }
  if (s.noDistill) {
    lines.push('', '## Distillation gain KD − no-distill, final accuracy (points; paired by seed)', '');
    head(['teacher', 'teacher test acc', ...s.strategies]);
    for (const l of s.levels) row([levelLabel(l.level), acc(l.teacher.testAccuracy), ...s.strategies.map((st) => diffText(l.kdGain.find((d) => d.strategy === st && d.metric === 'final')))]);
  }
  return `${lines.join('\n')}\n`;
}

function fmtOf(st: { mean: number; ci95: number; n: number } | undefined): string {
  return st ? fmt(st) : '—';
}

/** The CI half-width for a CSV cell: empty when undefined (fewer than 2 seeds). */
const ci = (st: { ci95: number; n: number }): number | null => (st.n > 1 ? st.ci95 : null);

/** CSV tables: per level × strategy, and the paired differences / KD gains. */
export function teacherLevelsCsvs(s: TeacherLevelsSummary): Record<string, string> {
  const lvl = (l: LevelSummary): unknown[] => [l.level.name, l.level.kind, l.level.kind === 'shots' ? l.level.shots : '', l.level.kind === 'accuracy' ? l.level.accuracy : '', l.teacher.synthetic, l.teacher.poolAccuracy, l.teacher.testAccuracy];
  const lvlHead = ['level', 'kind', 'shots', 'target_pool_accuracy', 'synthetic', 'teacher_pool_acc', 'teacher_test_acc'];
  const perStrategy = [
    ...(s.noDistill ?? []).map((x) => ['no-distill', 'no-distill', '', '', false, '', '', x.strategy, x.seeds.length, x.final.mean, ci(x.final), x.aubc.mean, ci(x.aubc)]),
    ...s.levels.flatMap((l) => l.strategies.map((x) => [...lvl(l), x.strategy, x.seeds.length, x.final.mean, ci(x.final), x.aubc.mean, ci(x.aubc)])),
  ];
  const diffs = s.levels.flatMap((l) => [
    ...l.differences.map((d) => [...lvl(l), `${s.reference} - ${d.baseline}`, d.metric, d.seeds.length, d.diff.mean, ci(d.diff), d.tTest.pValue, d.wilcoxon.pValue]),
    ...l.kdGain.map((d) => [...lvl(l), `${d.strategy}: kd - no-distill`, d.metric, d.seeds.length, d.diff.mean, ci(d.diff), d.tTest.pValue, d.wilcoxon.pValue]),
  ]);
  return {
    'teacher-levels.csv': csv([...lvlHead, 'strategy', 'seeds', 'final_mean', 'final_ci95', 'aubc_mean', 'aubc_ci95'], perStrategy),
    'teacher-levels-differences.csv': csv([...lvlHead, 'comparison', 'metric', 'seeds', 'diff_mean', 'diff_ci95', 'p_ttest', 'p_wilcoxon'], diffs),
  };
}

/** Level names as text marks above the x positions of the levels (levels can share an accuracy). */
function levelLabels(rows: readonly Record<string, unknown>[]): Record<string, unknown> {
  const seen = new Map<string, Record<string, unknown>>();
  for (const r of rows) if (!seen.has(String(r.level))) seen.set(String(r.level), { level: r.level, teacher: r.teacher });
  return {
    data: { values: [...seen.values()] },
    mark: { type: 'text', angle: 270, align: 'left', baseline: 'middle', dx: 0, fontSize: 10, color: '#555', y: 2 },
    encoding: { x: { field: 'teacher', type: 'quantitative' }, text: { field: 'level', type: 'nominal' } },
  };
}

/**
 * A line-with-CI-band plot of `series` against the teacher's test accuracy, with the level names
 * along the top; `range` cuts the bands (e.g. [0, 100] for an accuracy), `rules` adds dashed
 * horizontal reference lines (e.g. no-distill per strategy).
 */
function vsTeacherSpec(name: string, title: string, yTitle: string, rows: Record<string, unknown>[], opts: { zeroRule?: boolean; range?: readonly [number, number]; rules?: { series: string; y: number }[] } = {}): PlotSpec {
  const x = { field: 'teacher', type: 'quantitative', title: 'teacher test accuracy (%)', scale: { zero: false } } as const;
  const cut = opts.range;
  const banded = cut ? rows.map((r) => ({ ...r, lo: Math.max(cut[0], r.lo as number), hi: Math.min(cut[1], r.hi as number) })) : rows;
  return {
    name,
    title,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      width: 480,
      height: 300,
      config: CONFIG,
      layer: [
        {
          data: { values: banded },
          encoding: { x, color: { field: 'series', type: 'nominal', title: null } },
          layer: [
            { mark: { type: 'area', opacity: 0.15 }, encoding: { y: { field: 'lo', type: 'quantitative', title: yTitle, scale: { zero: false } }, y2: { field: 'hi' } } },
            { mark: { type: 'line', point: true }, encoding: { y: { field: 'mean', type: 'quantitative' }, tooltip: [{ field: 'level' }, { field: 'series' }, { field: 'mean', format: '.2f' }] } },
          ],
        },
        ...(opts.rules && opts.rules.length > 0 ? [{ data: { values: opts.rules }, mark: { type: 'rule', strokeDash: [2, 3], opacity: 0.7 }, encoding: { y: { field: 'y', type: 'quantitative' }, color: { field: 'series', type: 'nominal' } } }] : []),
        ...(opts.zeroRule ? [{ data: { values: [{ y: 0 }] }, mark: { type: 'rule', strokeDash: [4, 4], color: '#888' }, encoding: { y: { field: 'y', type: 'quantitative' } } }] : []),
        levelLabels(rows),
      ],
    } as unknown as TopLevelSpec,
  };
}

/** The sweep's plots: paired differences (final, AUBC), KD gain, and final accuracy (no-distill as dashed lines), each against the teacher's test accuracy. */
function teacherLevelsPlots(s: TeacherLevelsSummary): PlotSpec[] {
  const levels = s.levels.filter((l) => l.teacher.testAccuracy !== null);
  const plots: PlotSpec[] = [];
  for (const metric of ['final', 'aubc'] as const) {
    const rows = levels.flatMap((l) => l.differences.filter((d) => d.metric === metric && Number.isFinite(d.diff.mean)).map((d) => ({ series: `${s.reference} − ${d.baseline}`, level: levelLabel(l.level), teacher: l.teacher.testAccuracy, ...band(d.diff) })));
    plots.push(vsTeacherSpec(`teacher-levels-diff-${metric}`, `${s.reference} − each baseline, ${metric === 'final' ? 'final test accuracy' : 'AUBC'} (points), against the teacher's test accuracy; mean ± 95% CI over seeds`, `${s.reference} − baseline (points)`, rows, { zeroRule: true }));
  }
  if (s.noDistill) {
    const rows = levels.flatMap((l) => l.kdGain.filter((d) => d.metric === 'final').map((d) => ({ series: d.strategy, level: levelLabel(l.level), teacher: l.teacher.testAccuracy, ...band(d.diff) })));
    plots.push(vsTeacherSpec('teacher-levels-kd-gain', 'Distillation gain KD − no-distill (final test accuracy, points) against the teacher\'s test accuracy; mean ± 95% CI over seeds', 'KD − no-distill (points)', rows, { zeroRule: true }));
  }
  const rows = levels.flatMap((l) => l.strategies.map((x) => ({ series: x.strategy, level: levelLabel(l.level), teacher: l.teacher.testAccuracy, ...band(x.final) })));
  const rules = (s.noDistill ?? []).map((x) => ({ series: x.strategy, y: x.final.mean })).filter((r) => Number.isFinite(r.y));
  plots.push(vsTeacherSpec('teacher-levels-final', 'Final test accuracy (%) against the teacher\'s test accuracy (dashed: no-distill); mean ± 95% CI over seeds, bands cut to 0–100 %', 'final test accuracy (%)', rows, { range: [0, 100], rules }));
  return plots;
}

/**
 * Writes the report of a sweep folder (see the module comment).
 * @returns the summary and the written paths
 * @throws UserError when the folder is not a sweep or no level has a finished run
 */
export async function writeTeacherLevelsReport(dir: string, opts: { png?: boolean } = {}): Promise<{ summary: TeacherLevelsSummary; files: string[] }> {
  const { settings, ...summary } = loadTeacherLevels(dir);
  if (summary.levels.length === 0) throw new UserError(`${dir}: no teacher level has a finished run yet`);
  const files: string[] = [];
  const put = (name: string, text: string | Buffer): void => {
    const p = join(dir, name);
    writeFileSync(p, text);
    files.push(p);
  };
  const md = teacherLevelsMarkdown(summary, settings);
  put('teacher-levels.md', md);
  for (const [name, text] of Object.entries(teacherLevelsCsvs(summary))) put(name, text);
  mkdirSync(join(dir, 'plots'), { recursive: true });
  const figures = (await writePlots(teacherLevelsPlots(summary), put, opts)).map(({ plot, svg }) => `<figure>${svg}<figcaption>${esc(plot.title)}</figcaption></figure>`);
  const table = htmlTable(
    ['teacher', 'pool acc', 'test acc', ...summary.strategies.filter((x) => x !== summary.reference).map((b) => `${summary.reference} − ${b} (final)`)],
    summary.levels.map((l) => [esc(levelLabel(l.level)), acc(l.teacher.poolAccuracy), acc(l.teacher.testAccuracy), ...summary.strategies.filter((x) => x !== summary.reference).map((b) => diffCell(l.differences.find((d) => d.baseline === b && d.metric === 'final')))]),
  );
  put('teacher-levels.html', `<!doctype html><html><head><meta charset="utf-8"><title>activekd teacher-strength sweep: ${esc(dir)}</title><style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}</style></head><body><h1>When does ${esc(summary.reference)} pay off? Teacher-strength sweep</h1><p>Per teacher level (weakest first): the teacher's top-1 accuracy on the pool and the test split, and the paired difference of the final test accuracy (points, mean ± 95% t-interval over seeds, paired t-test p). Synthetic (boosted) teachers read the ground truth: simulations only.</p>${settingsLines(settings).map((l) => `<p>${esc(l)}</p>`).join('')}${table}${figures.join('\n')}<h2>All tables</h2><pre>${esc(md)}</pre></body></html>\n`);
  return { summary, files };
}

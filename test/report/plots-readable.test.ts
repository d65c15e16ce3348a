/**
 * Report plots and settings (issue 15 #10): bands cut to the metric's range, human panel titles,
 * distinguishable framework marks, one axis title in the picked-classes grid, an aligned stopping
 * grid, and report.html stating the settings read from the runs' results.json.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { aggregate } from '../../src/eval/aggregate.ts';
import { loadBenchRuns, runSettings, writeBenchReport } from '../../src/report/bench-report.ts';
import { biasSpec, criteriaSpec, learningCurveSpec } from '../../src/report/plots.ts';
import { pickedClassesSpec, stoppingSpec } from '../../src/report/signal-plots.ts';
import { tempDir } from '../helpers.ts';
import { writeSyntheticBench } from './fixtures.ts';

type Layer = { transform?: { calculate: string; as: string }[]; mark: unknown; encoding: Record<string, { field?: string; title?: unknown } | undefined> };
const dir = tempDir('activekd-plots15-');
writeSyntheticBench(dir, ['pcoreset', 'random'], ['zero-shot', 'no-distill'], [1, 2, 3], 4);
const runs = loadBenchRuns(dir);
const summary = aggregate(runs);

/** Evaluates the band layer's clamp expressions on a row (Vega expression `clamp` and `isValid`). */
function bandOf(layer: Layer, row: Record<string, unknown>): [number, number] {
  const out: Record<string, number> = {};
  for (const t of layer.transform ?? []) {
    const f = new Function('datum', 'clamp', 'isValid', `return ${t.calculate};`) as (d: unknown, c: (v: number, a: number, b: number) => number, i: (v: unknown) => boolean) => number;
    out[t.as] = f(row, (v, a, b) => Math.min(b, Math.max(a, v)), (v) => v !== null && v !== undefined && !Number.isNaN(v));
  }
  return [out[layer.encoding.y?.field ?? ''] as number, out[(layer.encoding.y2 as { field: string }).field] as number];
}

test('learning-curve bands are clamped to 0–100 %', () => {
  const spec = learningCurveSpec(summary, 'zero-shot').spec as unknown as { layer: Layer[] };
  const area = spec.layer.find((l) => (l.mark as { type: string }).type === 'area') as Layer;
  assert.deepEqual(bandOf(area, { lo: 95, hi: 104.2 }), [95, 100]);
  assert.deepEqual(bandOf(area, { lo: -3, hi: 10 }), [0, 10]);
});

test('criteria and bias panels have human titles and bands cut to each metric range', () => {
  for (const plot of [criteriaSpec(summary), biasSpec(summary)]) {
    const spec = plot.spec as unknown as { data: { values: Record<string, unknown>[] }; spec: { layer: Layer[] } };
    const metrics = [...new Set(spec.data.values.map((r) => r.metric as string))];
    assert.ok(metrics.length >= 4, plot.name);
    for (const m of metrics) assert.doesNotMatch(m, /^[a-z]+[A-Z][a-zA-Z]*$/, `camelCase field name as panel title "${m}"`);
    const area = spec.spec.layer.find((l) => (l.mark as { type: string }).type === 'area') as Layer;
    const unc = spec.data.values.find((r) => String(r.metric).startsWith('uncertainty') || String(r.metric).startsWith('cluster purity')) as Record<string, unknown>;
    assert.deepEqual(bandOf(area, { ...unc, lo: -0.4, hi: 1.3 }), [0, 1], plot.name);
    const active = spec.data.values.find((r) => String(r.metric).startsWith('active centroids'));
    if (active) assert.deepEqual(bandOf(area, { ...active, lo: -2, hi: 12 }), [0, 12]);
  }
});

test('frameworks differ by line dash and point shape, both in a legend', () => {
  const spec = criteriaSpec(summary).spec as unknown as { spec: { layer: Layer[] } };
  const enc = spec.spec.layer.flatMap((l) => Object.entries(l.encoding).filter(([, v]) => v?.field === 'framework').map(([k]) => k));
  assert.ok(enc.includes('strokeDash'), enc.join());
  assert.ok(enc.includes('shape'), enc.join());
});

test('picked-classes: one "query round" title for the grid, none per panel', () => {
  const spec = pickedClassesSpec(summary, 'true', ['cat', 'ship', 'frog'])?.spec as unknown as { facet: { row: { title: unknown } }; spec: { encoding: { y: { title: unknown } } } };
  assert.equal(spec.spec.encoding.y.title, null);
  assert.equal(spec.facet.row.title, 'query round');
});

test('stopping: a complete signal × framework grid, so panels stay aligned', () => {
  const spec = stoppingSpec(summary)?.spec as unknown as { facet: { row: { field: string }; column: { field: string } }; data: { values: { signal: string; framework: string }[] } };
  assert.equal(spec.facet.row.field, 'signal');
  assert.equal(spec.facet.column.field, 'framework');
  const signals = new Set(spec.data.values.map((r) => r.signal));
  // teacher agreement has no value under no-distill: the cell still exists
  for (const sig of signals) for (const f of summary.frameworks) assert.ok(spec.data.values.some((r) => r.signal === sig && r.framework === f), `${sig} × ${f}`);
  for (const sig of signals) assert.doesNotMatch(sig, /^[a-z]+[A-Z][a-zA-Z]*$/);
});

test('report.html states the settings read from the runs', { timeout: 120_000 }, async () => {
  await writeBenchReport(dir, { png: false });
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  const block = /<dl id="settings">([\s\S]*?)<\/dl>/.exec(html)?.[1] ?? '';
  const r0 = runs[0];
  assert.ok(r0);
  const settings = Object.fromEntries(runSettings(runs).map((x) => [x.label, x.value]));
  assert.equal(settings.rounds, String(r0.config.rounds));
  assert.equal(settings['query size Q'], String(r0.config.querySize));
  assert.equal(settings.seeds, '1, 2, 3');
  for (const label of ['dataset', 'pool images', 'test images', 'rounds', 'query size Q', 'student head', 'teacher']) assert.ok(block.includes(`<dt>${label}</dt>`), label);
  assert.ok(block.includes(`<dd>${r0.data.root}</dd>`));
  assert.ok(block.includes(`<dd>${String(r0.student.dho.head)}</dd>`));
});

test('one seed: plot titles and tables.md say "one seed", never "± 95% CI" (issue 15 #11)', () => {
  const one = tempDir('activekd-plots15-one-');
  writeSyntheticBench(one, ['pcoreset', 'random'], ['zero-shot'], [1], 4);
  const s1 = aggregate(loadBenchRuns(one));
  for (const spec of [learningCurveSpec(s1, 'zero-shot'), criteriaSpec(s1), biasSpec(s1)]) {
    assert.match(spec.title, /one seed/, spec.title);
    assert.doesNotMatch(spec.title, /95% CI/, spec.title);
  }
  assert.match(learningCurveSpec(summary, 'zero-shot').title, /mean ± 95% CI over seeds/);
});

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeBenchReport } from '../../src/report/bench-report.ts';
import { writeJsonAtomic } from '../../src/util/json-file.ts';
import { tempDir } from '../helpers.ts';
import { writeSyntheticBench } from './fixtures.ts';

/** t_{0.975, n−1} for n = 3 and n = 2 (Student-t tables). */
const T2 = 4.302653;
const T1 = 12.706205;

type Row = Record<string, string>;
function readCsv(path: string): Row[] {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const keys = (head ?? '').split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [keys[i] as string, v])));
}
const pick = (rows: Row[], where: Row): Row[] => rows.filter((r) => Object.entries(where).every(([k, v]) => r[k] === v));
function one(rows: Row[], where: Row): Row {
  const m = pick(rows, where);
  assert.equal(m.length, 1, `${JSON.stringify(where)}: ${m.length} rows`);
  return m[0] as Row;
}
const close = (a: string | number | undefined, b: number, tol = 1e-5): void => assert.ok(Math.abs(Number(a) - b) <= tol, `${a} != ${b}`);

test('report: picked-classes and stopping-signal CSVs, plots and HTML sections hold the hand-computed means ± 95% CI', { timeout: 90_000 }, async () => {
  const dir = tempDir('activekd-signals-report-');
  writeSyntheticBench(dir, ['random', 'pcoreset'], ['no-distill', 'zero-shot'], [1, 2, 3]);
  const { summary } = await writeBenchReport(dir, { png: false });
  assert.deepEqual(summary.lacking, { pickedClasses: [], stopping: [] });

  // picked-classes.csv: true counts per round are [1 + seed%2, 1 − seed%2, 1] → seeds 1..3 give cat 2,1,2; ship 0,1,0; frog 1,1,1.
  const pc = readCsv(join(dir, 'picked-classes.csv'));
  assert.equal(pc.length, 4 * 3 * 2 * 3, '4 groups × 3 query rounds × 2 kinds × 3 classes');
  const cat = one(pc, { strategy: 'random', framework: 'zero-shot', round: '0', kind: 'true', class: '0' });
  assert.equal(cat.class_name, 'cat');
  close(cat.mean, 5 / 3);
  close(cat.ci95, (T2 * Math.sqrt(1 / 3)) / Math.sqrt(3)); // s = √(1/3): 1.434218
  assert.equal(cat.n, '3');
  close(one(pc, { strategy: 'pcoreset', framework: 'no-distill', round: '2', kind: 'true', class: '1' }).mean, 1 / 3);
  const frog = one(pc, { strategy: 'random', framework: 'zero-shot', round: '1', kind: 'true', class: '2' });
  close(frog.mean, 1);
  close(frog.ci95, 0);
  // predicted counts: [3, 0, 0] in even rounds, [1, 1, 1] in odd ones.
  close(one(pc, { strategy: 'random', framework: 'zero-shot', round: '0', kind: 'predicted', class: '0' }).mean, 3);
  close(one(pc, { strategy: 'random', framework: 'zero-shot', round: '1', kind: 'predicted', class: '0' }).mean, 1);

  // stopping.csv: radius 0.5 − 0.1·r + 0.01·seed; agreement 0.6 + 0.1·r with a teacher only; stability 0.9 + 0.01·seed from round 1.
  const st = readCsv(join(dir, 'stopping.csv'));
  const r0 = one(st, { strategy: 'random', framework: 'zero-shot', round: '0', signal: 'coverageRadius' });
  assert.equal(r0.labeled, '3');
  close(r0.mean, 0.52);
  close(r0.ci95, (T2 * 0.01) / Math.sqrt(3)); // 0.024841
  close(one(st, { strategy: 'pcoreset', framework: 'zero-shot', round: '2', signal: 'coverageRadius' }).mean, 0.32);
  close(one(st, { strategy: 'pcoreset', framework: 'zero-shot', round: '1', signal: 'teacherAgreement' }).mean, 0.7);
  assert.equal(pick(st, { framework: 'no-distill', signal: 'teacherAgreement' }).length, 0, 'no teacher, no agreement');
  assert.equal(pick(st, { round: '0', signal: 'predictionStability' }).length, 0, 'no previous round in round 0');
  const stab = one(st, { strategy: 'random', framework: 'no-distill', round: '1', signal: 'predictionStability' });
  close(stab.mean, 0.92);
  close(stab.ci95, (T2 * 0.01) / Math.sqrt(3));
  // Gain per label: recomputed here from each seed's results.json (accuracy in %).
  const gains = [1, 2, 3].map((seed) => {
    const r = JSON.parse(readFileSync(join(dir, 'runs', `pcoreset__zero-shot__seed${seed}`, 'results.json'), 'utf8')) as { rounds: { labeledCount: number; testAccuracy: number }[] };
    const [a, b] = [r.rounds[2], r.rounds[3]] as { labeledCount: number; testAccuracy: number }[];
    return (100 * ((b?.testAccuracy ?? 0) - (a?.testAccuracy ?? 0))) / ((b?.labeledCount ?? 0) - (a?.labeledCount ?? 0));
  });
  const gain = one(st, { strategy: 'pcoreset', framework: 'zero-shot', round: '3', signal: 'accuracyGainPerLabel' });
  assert.equal(gain.labeled, '12');
  close(gain.mean, (gains[0]! + gains[1]! + gains[2]!) / 3, 1e-9);
  assert.equal(pick(st, { round: '0', signal: 'accuracyGainPerLabel' }).length, 0);

  // Plots (Vega-Lite + SVG) and the HTML sections.
  for (const p of ['picked-classes-true', 'picked-classes-predicted', 'stopping']) {
    assert.match(readFileSync(join(dir, 'plots', `${p}.svg`), 'utf8'), /^<svg/);
    assert.ok(existsSync(join(dir, 'plots', `${p}.vl.json`)), p);
  }
  const vl = JSON.parse(readFileSync(join(dir, 'plots', 'picked-classes-true.vl.json'), 'utf8')) as { data: { values: { strategy: string; framework: string; round: number; class: string; count: number }[] } };
  close(vl.data.values.find((v) => v.strategy === 'random' && v.framework === 'zero-shot' && v.round === 0 && v.class === 'cat')?.count, 5 / 3);
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  assert.match(html, /<h2>Picked classes per round<\/h2>/);
  assert.match(html, /<h2>Stopping signals<\/h2>/);
  assert.doesNotMatch(html, /class="lacking"/);
  // Picked per true class summed over the 3 query rounds: cat 3·5/3 = 5.0, ship 1.0, frog 3.0.
  assert.match(html, /<tr><td>random<\/td><td>zero-shot<\/td><td>5\.0<\/td><td>1\.0<\/td><td>3\.0<\/td><td>—<\/td><\/tr>/);
  // Last query round (2, |L| = 9): radius 0.32 ± 0.025, agreement 0.800 (± 0.000), stability 0.92 ± 0.025.
  assert.match(html, /<td>random<\/td><td>zero-shot<\/td><td>0\.320 ± 0\.025 <small>@ 9<\/small><\/td><td>0\.800 ± 0\.000 <small>@ 9<\/small><\/td><td>0\.920 ± 0\.025 <small>@ 9<\/small><\/td>/);
  assert.match(html, /<td>random<\/td><td>no-distill<\/td><td>0\.320 ± 0\.025 <small>@ 9<\/small><\/td><td>—<\/td>/);
  assert.match(html, /data-name="stopping"/);
});

test('report from results written before the picked-class and stopping fields (and one without analysis): names those runs, skips them, never crashes', { timeout: 90_000 }, async () => {
  // Mixed: seed 2 runs look like older results; pcoreset/zero-shot/seed 3 has no analysis at all.
  const dir = tempDir('activekd-signals-legacy-');
  writeSyntheticBench(dir, ['random', 'pcoreset'], ['no-distill', 'zero-shot'], [1, 2, 3], 4, (_s, _f, seed) => seed !== 2);
  const f = join(dir, 'runs', 'pcoreset__zero-shot__seed3', 'results.json');
  const { analysis: _dropped, ...noAnalysis } = JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>;
  writeJsonAtomic(f, noAnalysis);
  const { summary } = await writeBenchReport(dir, { png: false });
  const old = ['pcoreset/no-distill/seed 2', 'pcoreset/zero-shot/seed 2', 'pcoreset/zero-shot/seed 3', 'random/no-distill/seed 2', 'random/zero-shot/seed 2'];
  assert.deepEqual(summary.lacking.stopping.slice().sort(), old);
  assert.deepEqual(summary.lacking.pickedClasses.slice().sort(), old);
  const st = readCsv(join(dir, 'stopping.csv'));
  // random/zero-shot round 0 from seeds 1 and 3 only: 0.51, 0.53 → 0.52 ± t₁·0.01√2/√2.
  const r0 = one(st, { strategy: 'random', framework: 'zero-shot', round: '0', signal: 'coverageRadius' });
  close(r0.mean, 0.52);
  close(r0.ci95, T1 * 0.01, 1e-4);
  assert.equal(r0.n, '2');
  const pz = one(st, { strategy: 'pcoreset', framework: 'zero-shot', round: '0', signal: 'coverageRadius' });
  assert.equal(pz.n, '1');
  close(pz.mean, 0.51);
  // The gain per label comes from the learning curves: every seed has it.
  assert.equal(one(st, { strategy: 'pcoreset', framework: 'zero-shot', round: '1', signal: 'accuracyGainPerLabel' }).n, '3');
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  assert.match(html, /<p class="lacking">5 of 12 runs lack the per-round stopping signals \(radius, agreement, stability\) and are left out of the means \(results\.json written by an older activekd, or with --no-analysis\): [^<]*pcoreset\/zero-shot\/seed 3/);
  assert.match(html, /<p class="lacking">5 of 12 runs lack the picked-class histograms/);

  // All old: the sections say so; only the gain per label is left; no picked-class plot.
  const dir2 = tempDir('activekd-signals-legacy-all-');
  writeSyntheticBench(dir2, ['random', 'pcoreset'], ['zero-shot'], [1, 2], 3, () => false);
  const r2 = await writeBenchReport(dir2, { png: false });
  assert.ok(r2.summary.groups.every((g) => g.pickedClasses.length === 0));
  assert.equal(readFileSync(join(dir2, 'picked-classes.csv'), 'utf8'), 'strategy,framework,round,kind,class,class_name,mean,ci95,n\n');
  assert.deepEqual([...new Set(readCsv(join(dir2, 'stopping.csv')).map((r) => r.signal))], ['accuracyGainPerLabel']);
  assert.ok(!existsSync(join(dir2, 'plots', 'picked-classes-true.svg')));
  assert.ok(existsSync(join(dir2, 'plots', 'stopping.svg')));
  const html2 = readFileSync(join(dir2, 'report.html'), 'utf8');
  assert.match(html2, /No run records the picked-class histograms/);
  assert.match(html2, /No run records the per-round stopping signals/);
});

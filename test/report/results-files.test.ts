/**
 * results.json / summary.json / bench.json go through one schema (src/loop/results-schema.ts):
 * files written before `format`/`version` existed are read and upgraded, foreign and newer files
 * are refused with one clear UserError, writers validate.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { aggregate } from '../../src/eval/aggregate.ts';
import { benchSummaryDocument, readBenchManifest, readResults, readSummary, resultsDocument, writeResults, writeSummary } from '../../src/loop/results.ts';
import { RESULTS_FORMAT, RESULTS_VERSION } from '../../src/loop/results-schema.ts';
import { loadBenchRuns, writeBenchReport } from '../../src/report/bench-report.ts';
import { DEFAULT_DHO } from '../../src/student/config.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from '../helpers.ts';
import { syntheticResults, writeSyntheticBench } from './fixtures.ts';

const DATA = new URL('./data/', import.meta.url).pathname;
const V0_NO_DISTILL = join(DATA, 'v0-random-no-distill.results.json');
const V0_FEW_SHOT = join(DATA, 'v0-pcoreset-few-shot.results.json');

/** Writes `value` as JSON into a fresh file and returns its path. */
function jsonFile(value: unknown, name = 'results.json'): string {
  const p = join(tempDir('activekd-schema-'), name);
  writeFileSync(p, typeof value === 'string' ? value : JSON.stringify(value));
  return p;
}

/** `fn` throws a UserError whose message matches every pattern. */
function refuses(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UserError, `not a UserError: ${String(e)}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

test('pre-schema results.json (written by the code before this change) is read as version 0 and upgraded', () => {
  const raw = JSON.parse(readFileSync(V0_NO_DISTILL, 'utf8')) as { format?: string; student: { dho: { framework: string; evalAlphaCe: number } }; rounds: unknown[] };
  assert.equal(raw.format, undefined);
  assert.equal(raw.student.dho.framework, 'dho', 'the old writer recorded the experiment-wide placeholder');
  const r = readResults(V0_NO_DISTILL);
  assert.equal(r.format, RESULTS_FORMAT);
  assert.equal(r.version, RESULTS_VERSION);
  assert.equal(r.config.framework, 'no-distill');
  // what really ran: CE only, predictions with the CE head alone (α = 1), whatever evalAlphaCe said
  assert.equal(r.student.dho.framework, 'no-distill');
  assert.equal(r.student.dho.evalAlphaCe, 0.5);
  assert.deepEqual(r.student.prediction, { distills: false, evaluation: { alphaCe: 1, beta: 1 }, selection: { alphaCe: 1, beta: 1 } });
  assert.equal(r.rounds.length, raw.rounds.length);
  assert.equal(r.finalAccuracy, r.rounds.at(-1)?.testAccuracy);
  assert.equal(r.data.classNames.length, 10);

  const f = readResults(V0_FEW_SHOT);
  assert.equal(f.student.dho.framework, 'few-shot');
  assert.deepEqual(f.student.prediction.evaluation, { alphaCe: 0.5, beta: 1 });
  assert.ok(f.fewShotTeacher && f.fewShotTeacher.fits.length > 0);
  assert.ok(f.rounds.some((x) => (x.teacherFits ?? []).length > 0));
  assert.ok(f.rounds[0]?.selectedScores?.every((s) => typeof s === 'number'));
});

test('a version-0 file read and written again is a current file with the same rounds', () => {
  const r = readResults(V0_FEW_SHOT);
  const p = join(tempDir('activekd-schema-'), 'results.json');
  writeResults(p, r);
  const again = JSON.parse(readFileSync(p, 'utf8')) as { format: string; version: number; rounds: unknown; initialIds: unknown; teacher: { testAccuracy: number } };
  assert.equal(again.format, RESULTS_FORMAT);
  assert.equal(again.version, RESULTS_VERSION);
  const old = JSON.parse(readFileSync(V0_FEW_SHOT, 'utf8')) as { rounds: unknown; initialIds: unknown; teacher: { testAccuracy: number } };
  assert.deepEqual(again.rounds, old.rounds);
  assert.deepEqual(again.initialIds, old.initialIds);
  assert.equal(again.teacher.testAccuracy, old.teacher.testAccuracy);
  assert.deepEqual(readResults(p), r);
});

test('foreign JSON is refused with one UserError naming the file and what was expected', () => {
  const hello = jsonFile({ hello: 1 });
  refuses(() => readResults(hello), new RegExp(hello.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), /not an activekd results file/, /keys hello/, /"format": "activekd-results"/);
  // a Label Studio export: an array of tasks
  const ls = jsonFile([{ id: 1, data: { image: '/data/a.jpg' }, annotations: [{ result: [{ value: { choices: ['cat'] } }] }] }]);
  refuses(() => readResults(ls), /not an activekd results file/, /a JSON array of 1 item/, /expected a JSON object with "format": "activekd-results"/);
  // another activekd document
  const summary = jsonFile(readFileSync(join(DATA, 'v0-run-grid.summary.json'), 'utf8'));
  refuses(() => readResults(summary), /not an activekd results file/);
  const benchJson = jsonFile({ format: 'activekd-bench', version: 2, configHash: 'x', config: {}, report: { reference: 'pcoreset' } });
  refuses(() => readResults(benchJson), /found format "activekd-bench"/);
  refuses(() => readResults(jsonFile('{"config": ')), /not valid JSON/);
  refuses(() => readResults(jsonFile('42')), /found a JSON number/);
  refuses(() => readResults('/nonexistent/results.json'), /results file \(results\.json\) not found: \/nonexistent\/results\.json/);
});

test('a results.json of a newer version is refused: "written by a newer activekd"', () => {
  const r = readResults(V0_NO_DISTILL);
  const p = jsonFile({ ...r, version: RESULTS_VERSION + 1 });
  refuses(() => readResults(p), /written by a newer activekd/, new RegExp(`version ${RESULTS_VERSION + 1}`));
  refuses(() => readResults(jsonFile({ ...r, version: '1' })), /"version" must be an integer/);
});

test('an invalid results.json names the file and the field', () => {
  const r = readResults(V0_NO_DISTILL);
  refuses(() => readResults(jsonFile({ ...r, rounds: [{ round: 0 }] })), /invalid activekd results file/, /rounds\.0\.labeledCount/);
  refuses(() => readResults(jsonFile({ ...r, config: { ...r.config, framework: 'dho' } })), /config\.framework/);
  const { student: _s, ...noStudent } = JSON.parse(readFileSync(V0_NO_DISTILL, 'utf8')) as Record<string, unknown>;
  refuses(() => readResults(jsonFile(noStudent)), /\(version 0\)/, /student/);
});

test('writers validate: an invalid document is never written', () => {
  const doc = syntheticResults({ config: { strategy: 'random', framework: 'zero-shot', seed: 1 } });
  const p = join(tempDir('activekd-schema-'), 'results.json');
  assert.throws(() => writeResults(p, { ...doc, rounds: [{ ...doc.rounds[0], labeledCount: -1 } as never] }), /refusing to write .*results\.json: not a valid results document: rounds\.0\.labeledCount/);
  assert.throws(() => readFileSync(p), /ENOENT/);
  assert.throws(() => resultsDocument({ ...doc, config: { ...doc.config, framework: 'dho' as never } }), /config\.framework/);
});

test('resultsDocument records the run\'s framework and effective prediction settings, not the experiment-wide ones', () => {
  const dho = { ...DEFAULT_DHO, evalAlphaCe: 0.3, selAlphaCe: 0.4 };
  const base = syntheticResults({ config: { strategy: 'random', framework: 'zero-shot', seed: 1 } });
  const z = resultsDocument({ ...base, student: { ...base.student, dho } });
  assert.equal(z.student.dho.framework, 'zero-shot');
  assert.deepEqual(z.student.prediction, { distills: true, evaluation: { alphaCe: 0.3, beta: 1 }, selection: { alphaCe: 0.4, beta: 1 } });
  const n = resultsDocument({ ...base, config: { ...base.config, framework: 'no-distill' }, student: { ...base.student, dho } });
  assert.equal(n.student.dho.framework, 'no-distill');
  assert.deepEqual(n.student.prediction, { distills: false, evaluation: { alphaCe: 1, beta: 1 }, selection: { alphaCe: 1, beta: 1 } });
});

test('non-finite numbers: written as null, read back as NaN (scores, statistics); null accuracy stays null', () => {
  const doc = syntheticResults({
    config: { strategy: 'coreset', framework: 'zero-shot', seed: 1 },
    rounds: [
      { round: 0, labeledCount: 3, testAccuracy: null, selectedIds: ['a', 'b'], selectedScores: [Infinity, 0.5], trainSeconds: 0, selectSeconds: 0 },
      { round: 1, labeledCount: 5, testAccuracy: 0.5, selectedIds: [], trainSeconds: 0, selectSeconds: 0 },
    ],
  });
  const p = join(tempDir('activekd-schema-'), 'results.json');
  writeResults(p, doc);
  assert.match(readFileSync(p, 'utf8'), /"selectedScores": \[\s*null,\s*0\.5\s*\]/);
  const r = readResults(p);
  assert.ok(Number.isNaN(r.rounds[0]?.selectedScores?.[0]));
  assert.equal(r.rounds[0]?.testAccuracy, null);
  assert.equal(r.finalAccuracy, 0.5);
});

test('summary.json: both kinds in one schema (kind run-grid / bench); version 0 of either is upgraded', async () => {
  const v0 = readSummary(join(DATA, 'v0-run-grid.summary.json'));
  assert.equal(v0.kind, 'run-grid');
  assert.ok(v0.kind === 'run-grid' && v0.grid.length === 4 && !('framework' in v0.student.dho), 'the grid-wide summary records no framework in the student');

  const dir = tempDir('activekd-summary-');
  writeSyntheticBench(dir, ['random', 'pcoreset'], ['zero-shot'], [1]); // one seed: CIs are NaN
  const { summary } = await writeBenchReport(dir, { png: false });
  const s = readSummary(join(dir, 'summary.json'));
  assert.equal(s.kind, 'bench');
  assert.equal(s.format, 'activekd-summary');
  assert.ok(s.kind === 'bench');
  const hasNaN = (v: unknown): boolean => (typeof v === 'number' ? Number.isNaN(v) : typeof v === 'object' && v !== null && Object.values(v).some(hasNaN));
  assert.ok(hasNaN(summary), 'one seed: the paired tests have no statistic');
  assert.match(readFileSync(join(dir, 'summary.json'), 'utf8'), /"statistic": null/);
  const { format: _f, version: _v, kind: _k, ...body } = s;
  assert.deepEqual(body, summary, 'read back equal to the aggregate, NaN included (null → NaN)');
  // version 0 of the bench kind: the bare aggregate
  const bare = jsonFile(JSON.parse(JSON.stringify(summary)), 'summary.json');
  const b0 = readSummary(bare);
  assert.equal(b0.kind, 'bench');
  refuses(() => readSummary(jsonFile({ hello: 1 }, 'summary.json')), /not an activekd summary file/);
  refuses(() => readSummary(jsonFile({ format: 'activekd-summary', version: 9, kind: 'bench' }, 'summary.json')), /written by a newer activekd/);
  // the writer refuses a kind-less document
  assert.throws(() => writeSummary(join(dir, 'x.json'), { ...benchSummaryDocument(summary), kind: 'other' } as never), /refusing to write/);
});

test('bench.json version 1 (no format) is upgraded: dho framework dho → zero-shot, implicit encoder batch size recorded', () => {
  const p = jsonFile({ version: 1, configHash: 'abc', config: { dho: { ...DEFAULT_DHO, framework: 'dho' }, encode: {}, seeds: [1, 2] }, report: { reference: 'pcoreset', targetAccuracy: 60 } }, 'bench.json');
  const m = readBenchManifest(p);
  assert.equal(m.format, 'activekd-bench');
  assert.equal(m.version, 2);
  assert.equal((m.config.dho as { framework: string }).framework, 'zero-shot');
  assert.deepEqual(m.config.encode, { batchSize: 32 });
  assert.deepEqual(m.config.seeds, [1, 2]);
  assert.deepEqual(m.report, { reference: 'pcoreset', targetAccuracy: 60 });
  refuses(() => readBenchManifest(jsonFile({ version: 1 }, 'bench.json')), /not an activekd benchmark manifest/);
  refuses(() => readBenchManifest(jsonFile({ format: 'activekd-bench', version: 3 }, 'bench.json')), /written by a newer activekd/);
});

test('the report reads a benchmark folder mixing pre-schema and current results.json files', async () => {
  const dir = tempDir('activekd-mixed-');
  writeSyntheticBench(dir, ['random', 'pcoreset'], ['zero-shot'], [1, 2]);
  // rewrite one cell the way the pre-schema writer did
  const f = join(dir, 'runs', 'pcoreset__zero-shot__seed2', 'results.json');
  const cur = JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown> & { student: Record<string, unknown> & { dho: Record<string, unknown> } };
  const { format: _f, version: _v, ...old } = cur;
  const { prediction: _p, ...student } = cur.student;
  writeFileSync(f, JSON.stringify({ ...old, student: { ...student, dho: { ...student.dho, framework: 'dho' } } }));
  const runs = loadBenchRuns(dir);
  assert.equal(runs.length, 4);
  assert.ok(runs.every((r) => r.version === RESULTS_VERSION && r.student.dho.framework === 'zero-shot'));
  const s = aggregate(runs);
  assert.deepEqual(s.groups.map((g) => g.seeds), [[1, 2], [1, 2]]);
  // a foreign file among the cells stops the report with its name
  const bad = join(dir, 'runs', 'x__zero-shot__seed1');
  mkdirSync(bad);
  copyFileSync(join(DATA, 'v0-run-grid.summary.json'), join(bad, 'results.json'));
  await assert.rejects(writeBenchReport(dir, { png: false }), (e: unknown) => e instanceof UserError && e.message.includes(join(bad, 'results.json')));
});

test('loadBenchRuns: a file instead of the bench folder is named as such; a folder without runs/ says so', () => {
  const dir = tempDir();
  const file = join(dir, 'README.md');
  writeFileSync(file, '# notes\n');
  assert.throws(() => loadBenchRuns(file), (e: unknown) => e instanceof UserError && e.message === `${file} is a file: give the folder a bench wrote (its --out, holding bench.json and runs/)`);
  assert.throws(() => loadBenchRuns(file, { allowEmpty: true }), /is a file/);
  assert.throws(() => loadBenchRuns(dir), (e: unknown) => e instanceof UserError && /no runs\/ folder/.test(e.message));
  assert.deepEqual(loadBenchRuns(dir, { allowEmpty: true }), []);
});

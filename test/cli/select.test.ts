/**
 * `activekd select` (selection-only mode) in a child process on small generated .npy / CSV files:
 * picks equal an in-process createStrategy(...).select call; shape, value and missing-input errors
 * name the file, the row or the option to pass.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Matrix } from '../../src/linalg/matrix.ts';
import { runSelect, type RawSelectOptions } from '../../src/cli/select.ts';
import { createStrategy } from '../../src/strategies/registry.ts';
import { UserError } from '../../src/util/errors.ts';
import { Rng } from '../../src/util/rng.ts';
import { encodeNpy } from '../../src/util/npy.ts';
import { runCli, tempDir } from '../helpers.ts';
import { handNpy } from '../util/npy-fixtures.ts';
import { randomContext } from '../strategies/helpers.ts';

const dir = tempDir('activekd-select-');
const ctx = randomContext({ n: 40, m: 4, C: 3, D: 5, seed: 21 });

function npy(name: string, m: Matrix, f64 = false): string {
  const p = join(dir, name);
  writeFileSync(p, encodeNpy(f64 ? Float64Array.from(m.data) : m.data, [m.rows, m.cols]));
  return p;
}
function csv(name: string, m: Matrix, header = true): string {
  const p = join(dir, name);
  const lines = header ? [Array.from({ length: m.cols }, (_, j) => `c${j}`).join(',')] : [];
  for (let i = 0; i < m.rows; i++) lines.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)).join(','));
  writeFileSync(p, `${lines.join('\n')}\n`);
  return p;
}

const files = {
  poolProbs: npy('pool-probs.npy', ctx.pool.probs),
  poolFeatures: csv('pool-features.csv', ctx.pool.features),
  poolCe: npy('pool-ce.npy', ctx.pool.ce, true),
  poolKd: npy('pool-kd.npy', ctx.pool.kd),
  labeledProbs: csv('labeled-probs.csv', ctx.labeled.probs, false),
  labeledFeatures: npy('labeled-features.npy', ctx.labeled.features, true),
  labeledCe: npy('labeled-ce.npy', ctx.labeled.ce),
  labeledKd: npy('labeled-kd.npy', ctx.labeled.kd),
};
const idsFile = join(dir, 'ids.txt');
writeFileSync(idsFile, `${Array.from({ length: 40 }, (_, i) => `item-${i}`).join('\n')}\n`);

interface Out {
  strategy: string;
  picks: { row: number; id?: string; score: number | null }[];
}

let outCount = 0;
function select(extra: string[], out = join(dir, `picks-${outCount++}.json`)): { status: number; stderr: string; out: string } {
  const r = runCli(['select', ...extra, '--out', out]);
  return { status: r.status, stderr: r.stderr, out };
}

const all = ['--pool-probs', files.poolProbs, '--pool-features', files.poolFeatures, '--pool-ce', files.poolCe, '--pool-kd', files.poolKd, '--labeled-probs', files.labeledProbs, '--labeled-features', files.labeledFeatures, '--labeled-ce', files.labeledCe, '--labeled-kd', files.labeledKd];

test('select: picks (with ids and scores) equal in-process select for several strategies', { timeout: 120_000 }, () => {
  for (const [name, options, cliOptions] of [
    ['badge-kmeanspp', {}, []],
    ['pcoreset', { space: 'kd', threads: 2 }, ['--option', 'space=kd', '--option', 'threads=2']],
  ] as const) {
    // --out in folders that do not exist yet: created, as run and bench do (fresh-user trial: was "cannot write …: ENOENT").
    const r = select([...all, '--ids', idsFile, '--strategy', name, '--query', '7', '--seed', '3', ...cliOptions], join(dir, `new-${name}`, 'sub', 'picks.json'));
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(readFileSync(r.out, 'utf8')) as Out;
    // In process, on the same float32 values (CSV and float64 round-trip exactly through float32 here).
    const expected = createStrategy(name, options as Record<string, unknown>).select({ ...ctx, rng: new Rng(3) }, 7);
    assert.deepEqual(
      got.picks.map((p) => p.row),
      [...expected.rows],
      name,
    );
    assert.deepEqual(
      got.picks.map((p) => p.id),
      [...expected.rows].map((i) => `item-${i}`),
    );
    got.picks.forEach((p, k) => {
      const s = expected.scores?.[k];
      assert.equal(p.score, s !== undefined && Number.isFinite(s) ? s : null);
    });
  }
});

test('select (in process): cold start without labeled files; probabilities derived from the logits; coreset', () => {
  const base = { query: 5, seed: 0, option: {} };
  const got = runSelect({ ...base, poolCe: files.poolCe, poolKd: files.poolKd, strategy: 'entropy', out: join(dir, 'cold.json') });
  const expected = createStrategy('entropy').select({ ...ctx, labeled: { ...ctx.labeled }, rng: new Rng(0) }, 5);
  assert.deepEqual(
    got.picks.map((p) => p.row),
    [...expected.rows],
  );
  const coreset = runSelect({ ...base, poolFeatures: files.poolFeatures, labeledFeatures: files.labeledFeatures, strategy: 'coreset', out: join(dir, 'coreset.json') });
  assert.deepEqual(
    coreset.picks.map((p) => p.row),
    [...createStrategy('coreset').select(ctx, 5).rows],
  );
});

test('select (in process): labeled labels as .npy (int64 1-D, int32, float32) pick as the text file does', () => {
  const labels = Array.from(ctx.labeledLabels);
  const n = labels.length;
  const bytes = (a: BigInt64Array | Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const forms: [string, string | Uint8Array][] = [
    ['labels.txt', `${labels.join('\n')}\n`],
    ['labels-i64.npy', handNpy('<i8', `(${n},)`, false, bytes(BigInt64Array.from(labels.map(BigInt))))],
    ['labels-i32.npy', encodeNpy(Int32Array.from(labels), [n])],
    ['labels-f32.npy', encodeNpy(Float32Array.from(labels), [n])],
  ];
  const expected = [...createStrategy('class-balanced').select({ ...ctx, rng: new Rng(0) }, 6).rows];
  for (const [name, content] of forms) {
    const f = join(dir, name);
    writeFileSync(f, content);
    const got = runSelect({ query: 6, seed: 0, option: {}, strategy: 'class-balanced', poolProbs: files.poolProbs, labeledProbs: files.labeledProbs, labeledLabels: f, out: join(dir, `cb-${name}.json`) });
    assert.deepEqual(
      got.picks.map((p) => p.row),
      expected,
      name,
    );
  }
});

/** In-process run of the same code path as the CLI; returns the UserError message (or '' on success). */
function selectError(args: string[]): string {
  const o: RawSelectOptions = { strategy: 'random', query: 0, seed: 0, option: {}, out: join(dir, 'in-process.json') };
  const rec = o as unknown as Record<string, unknown>;
  for (let k = 0; k < args.length; k += 2) {
    const key = (args[k] as string).replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const v = args[k + 1] as string;
    if (key === 'query') rec.query = Number(v);
    else if (key === 'option') {
      const [ok, ov] = v.split('=') as [string, string];
      o.option = { ...o.option, [ok]: Number.isFinite(Number(ov)) ? Number(ov) : ov };
    } else rec[key] = v;
  }
  try {
    runSelect(o);
    return '';
  } catch (e) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    return e.message;
  }
}

test('select: errors name the file, row or option', { timeout: 120_000 }, () => {
  // In a child process: exit status 2, one line, no stack trace.
  let r: { status: number; stderr: string } = select(['--pool-probs', files.poolProbs, '--strategy', 'coreset', '--query', '3']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /needs features: pass --pool-features/);
  assert.ok(!/at .*\.ts:\d+/.test(r.stderr), 'no stack trace');
  // The rest in process (the same runSelect the command calls; a UserError is what exits with 2).
  const select2 = (args: string[]): { status: number; stderr: string } => {
    const message = selectError(args);
    return { status: message === '' ? 0 : 2, stderr: message };
  };
  r = select2(['--pool-probs', files.poolProbs, '--pool-features', files.poolFeatures, '--labeled-probs', files.labeledProbs, '--strategy', 'coreset', '--query', '3']);
  assert.match(r.stderr, /--labeled-features/);
  // Row mismatch between pool files.
  const short = npy('short.npy', { rows: 39, cols: 5, data: ctx.pool.features.data.subarray(0, 39 * 5) });
  r = select2(['--pool-probs', files.poolProbs, '--pool-features', short, '--strategy', 'coreset', '--query', '3']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /short\.npy has 39 rows but --pool-probs .*pool-probs\.npy has 40/);
  // Column mismatch pool vs labeled.
  const wide = npy('wide.npy', { rows: 4, cols: 6, data: new Float32Array(24).fill(0.5) });
  r = select2(['--pool-features', files.poolFeatures, '--labeled-features', wide, '--strategy', 'coreset', '--query', '3']);
  assert.match(r.stderr, /wide\.npy has 6 columns but --pool-features/);
  // NaN in a CSV, naming the row.
  const nanRows = ctx.pool.features.data.slice();
  nanRows[7 * 5 + 2] = NaN;
  const nanFile = csv('nan.csv', { rows: 40, cols: 5, data: nanRows });
  r = select2(['--pool-features', nanFile, '--strategy', 'coreset', '--query', '3']);
  assert.match(r.stderr, /nan\.csv: row 7, column 2 is NaN/);
  // Infinity in float64 .npy.
  const infRows = Float64Array.from(ctx.pool.features.data);
  infRows[3 * 5] = Infinity;
  const infFile = join(dir, 'inf.npy');
  writeFileSync(infFile, encodeNpy(infRows, [40, 5]));
  r = select2(['--pool-features', infFile, '--strategy', 'coreset', '--query', '3']);
  assert.match(r.stderr, /inf\.npy: row 3, column 0 is Infinity/);
  // Probabilities: negative, and not summing to 1.
  const neg = ctx.pool.probs.data.slice();
  neg[5 * 3] = -0.1;
  r = select2(['--pool-probs', npy('neg.npy', { rows: 40, cols: 3, data: neg }), '--strategy', 'entropy', '--query', '3']);
  assert.match(r.stderr, /neg\.npy: row 5, column 0 is negative/);
  const bad = ctx.pool.probs.data.slice();
  bad[9 * 3 + 1] = (bad[9 * 3 + 1] as number) + 0.01;
  r = select2(['--pool-probs', npy('sum.npy', { rows: 40, cols: 3, data: bad }), '--strategy', 'entropy', '--query', '3']);
  assert.match(r.stderr, /sum\.npy: row 9 sums to 1\.01/);
  // Non-numeric CSV field, wrong id count, unknown strategy option.
  const txt = join(dir, 'text.csv');
  writeFileSync(txt, 'a,b\n1,2\n3,x\n');
  r = select2(['--pool-features', txt, '--strategy', 'coreset', '--query', '1']);
  assert.match(r.stderr, /text\.csv line 3 \(data row 1\), column 1: "x" is not a number/);
  const fewIds = join(dir, 'few.txt');
  writeFileSync(fewIds, 'a\nb\n');
  r = select2(['--pool-probs', files.poolProbs, '--ids', fewIds, '--strategy', 'entropy', '--query', '1']);
  assert.match(r.stderr, /few\.txt has 2 ids but the pool has 40 rows/);
  r = select2(['--pool-probs', files.poolProbs, '--strategy', 'pcoreset', '--option', 'spce=kd', '--query', '1']);
  assert.match(r.stderr, /unknown option "spce".*Did you mean "space"/);
});

test('select probcover with features only: refuses without a class count, runs with --classes or --option delta (issue 15 #19)', () => {
  const base = { query: 5, seed: 0, option: {}, strategy: 'probcover', poolFeatures: files.poolFeatures, labeledFeatures: files.labeledFeatures };
  assert.throws(
    () => runSelect({ ...base, out: join(dir, 'pc0.json') }),
    (e: unknown) => e instanceof UserError && /number of classes is 0/.test(e.message) && /--classes N/.test(e.message) && /delta/.test(e.message),
  );
  const got = runSelect({ ...base, classes: 3, out: join(dir, 'pc3.json') });
  const want = createStrategy('probcover').select({ ...ctx, numClasses: 3, rng: new Rng(0) }, 5);
  assert.deepEqual(
    got.picks.map((p) => p.row),
    [...want.rows],
  );
  assert.ok(got.picks.some((p) => (p.score ?? 0) > 0), 'balls are not the whole sphere');
  const fixed = runSelect({ ...base, option: { delta: 0.8 }, out: join(dir, 'pcd.json') });
  assert.deepEqual(
    fixed.picks.map((p) => p.row),
    [...createStrategy('probcover', { delta: 0.8 }).select({ ...ctx, rng: new Rng(0) }, 5).rows],
  );
  assert.throws(() => runSelect({ ...base, poolProbs: files.poolProbs, labeledProbs: files.labeledProbs, classes: 4, out: join(dir, 'pc4.json') }), /--classes 4 disagrees with --pool-probs .* 3 columns/);
  // The command line takes --classes.
  const r = select(['--pool-features', files.poolFeatures, '--strategy', 'probcover', '--classes', '3', '--query', '2']);
  assert.equal(r.status, 0, r.stderr);
});

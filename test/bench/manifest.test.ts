/**
 * bench.json and finished cells through the results schema: a grid started before the schema
 * (bench.json version 1, results.json version 0) resumes; changed settings and foreign files are
 * handled as before.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Command } from 'commander';
import { benchCells, benchConfig, benchConfigHash, cellFinished, changedSettings, checkManifest, type BenchOptions } from '../../src/bench/grid.ts';
import { addRunOptions, toExperimentOptions, type RawRunOptions } from '../../src/cli/run-options.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from '../helpers.ts';

const V0 = new URL('../report/data/v0-random-no-distill.results.json', import.meta.url).pathname;

/** Bench options as the CLI builds them from `args`. */
function benchOptions(out: string, args: string[] = []): BenchOptions {
  const cmd = addRunOptions(new Command('bench').exitOverride(), { rounds: 2, strategy: 'random' });
  cmd.parse(['--framework', 'no-distill', '--seeds', '1-2', ...args], { from: 'user' });
  return { experiment: toExperimentOptions(cmd.opts<RawRunOptions>(), '/data/cifar', out, () => {}), reference: 'pcoreset' };
}

test('a bench.json written before the schema (version 1) resumes when the settings mean the same', () => {
  const out = tempDir('activekd-bench-legacy-');
  const o = benchOptions(out);
  // What the pre-schema code recorded: the student's framework placeholder `dho`, no encoder batch size.
  const e = o.experiment;
  const legacy = benchConfig({ ...o, experiment: { ...e, dho: { ...e.dho, framework: 'dho' as never }, encode: { ...e.encode, batchSize: undefined as never } } });
  assert.equal((legacy.dho as { framework: string }).framework, 'dho');
  assert.notEqual(benchConfigHash(legacy), benchConfigHash(benchConfig(o)));
  writeFileSync(join(out, 'bench.json'), JSON.stringify({ version: 1, configHash: benchConfigHash(legacy), config: legacy, report: { reference: 'pcoreset' } }));
  const m = checkManifest(o);
  assert.equal(m.format, 'activekd-bench');
  const written = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8')) as { format: string; version: number; configHash: string };
  assert.equal(written.format, 'activekd-bench');
  assert.equal(written.version, 2);
  assert.equal(written.configHash, benchConfigHash(benchConfig(o)));
  // and, once a cell has finished, a restart with other settings is refused, naming them
  const [cell] = benchCells(o);
  assert.ok(cell);
  mkdirSync(cell.dir, { recursive: true });
  copyFileSync(V0, join(cell.dir, 'results.json'));
  assert.throws(() => checkManifest(benchOptions(out, ['--hidden', '64'])), (err: unknown) => err instanceof UserError && /different settings \(changed: dho\.hidden: 512 in the grid, 64 now\); rerun/.test(err.message));
  assert.doesNotThrow(() => checkManifest(benchOptions(out)));
});

test('a grid of the former default preprocessing (no encode.preprocess recorded) resumed under the new default: the refusal names both values and the option that resumes it', () => {
  const saved = process.env.ACTIVEKD_PREPROCESS;
  delete process.env.ACTIVEKD_PREPROCESS;
  try {
    const out = tempDir('activekd-bench-v1-');
    const v1 = benchOptions(out, ['--preprocess', 'v1-sharp']);
    checkManifest(v1);
    const [cell] = benchCells(v1);
    assert.ok(cell);
    mkdirSync(cell.dir, { recursive: true });
    copyFileSync(V0, join(cell.dir, 'results.json'));
    assert.throws(
      () => checkManifest(benchOptions(out)),
      (err: unknown) =>
        err instanceof UserError &&
        /changed: encode\.preprocess: v1-sharp in the grid, v2-graph now\) \(add --preprocess v1-sharp to resume it with the grid's image preprocessing\)/.test(err.message),
    );
    assert.doesNotThrow(() => checkManifest(benchOptions(out, ['--preprocess', 'v1-sharp'])));
  } finally {
    if (saved !== undefined) process.env.ACTIVEKD_PREPROCESS = saved;
  }
});

test('a foreign bench.json is refused with the file named', () => {
  const out = tempDir('activekd-bench-foreign-');
  writeFileSync(join(out, 'bench.json'), JSON.stringify([{ id: 1, data: { image: 'a.jpg' } }]));
  assert.throws(() => checkManifest(benchOptions(out)), (err: unknown) => err instanceof UserError && err.message.includes(join(out, 'bench.json')) && /not an activekd benchmark manifest/.test(err.message));
});

test('cellFinished: a valid results.json of that cell (any version) counts; foreign, truncated or another cell\'s does not', () => {
  const out = tempDir('activekd-bench-cells-');
  const o = benchOptions(out, ['--strategy', 'random']);
  const [cell] = benchCells(o);
  assert.ok(cell);
  assert.deepEqual([cell.strategy, cell.framework, cell.seed], ['random', 'no-distill', 1]);
  assert.equal(cellFinished(cell), false);
  mkdirSync(cell.dir, { recursive: true });
  const f = join(cell.dir, 'results.json');
  copyFileSync(V0, f); // random / no-distill / seed 1, written by the pre-schema code
  assert.equal(cellFinished(cell), true);
  const other = benchCells(o)[1];
  assert.ok(other);
  mkdirSync(other.dir, { recursive: true });
  copyFileSync(V0, join(other.dir, 'results.json')); // seed 1's file in seed 2's folder
  assert.equal(cellFinished(other), false);
  writeFileSync(f, readFileSync(V0, 'utf8').slice(0, 200));
  assert.equal(cellFinished(cell), false);
  writeFileSync(f, JSON.stringify({ hello: 1 }));
  assert.equal(cellFinished(cell), false);
});

test('a grid that stopped before any cell finished does not block its own retry with corrected settings (issue 15 #17)', () => {
  const out = tempDir('activekd-bench-retry-');
  checkManifest(benchOptions(out)); // e.g. then stopped by a class-map error while preparing
  const lines: string[] = [];
  const fixed = benchOptions(out, ['--hidden', '64']);
  const m = checkManifest({ ...fixed, experiment: { ...fixed.experiment, log: (l) => lines.push(l) } });
  assert.equal(m.configHash, benchConfigHash(benchConfig(fixed)));
  assert.match(lines.join('\n'), /no cell of the earlier settings had finished; replacing them \(changed: dho\.hidden\)/);
  const written = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8')) as { configHash: string };
  assert.equal(written.configHash, m.configHash);
});

test('a grid resumed with another preprocessing or encoder batch size is refused naming that setting; v1-sharp keeps the config hash of grids from before versions', () => {
  const saved = process.env.ACTIVEKD_PREPROCESS;
  delete process.env.ACTIVEKD_PREPROCESS;
  try {
    const base = benchConfig(benchOptions('/o'));
    assert.deepEqual(base.encode, { batchSize: 32, preprocess: 'v2-graph' }, 'the default (v2-graph) is written into the config');
    assert.equal(benchConfigHash(benchConfig(benchOptions('/o', ['--preprocess', 'v2-graph']))), benchConfigHash(base));
    const old = benchConfig(benchOptions('/o', ['--preprocess', 'v1-sharp']));
    assert.deepEqual(old.encode, { batchSize: 32 }, 'v1-sharp is not written into the config (grids from before versions resume)');
    assert.deepEqual(changedSettings(old, base), ['encode.preprocess'], 'a grid of the former default resumed under the new one is refused');
    assert.deepEqual(changedSettings(base, benchConfig(benchOptions('/o', ['--encoder-batch-size', '16']))), ['encode.batchSize']);
    assert.deepEqual(changedSettings(base, benchConfig(benchOptions('/o', ['--hidden', '64', '--rounds', '3']))), ['dho.hidden', 'rounds']);
    process.env.ACTIVEKD_PREPROCESS = 'v1-sharp';
    assert.deepEqual(changedSettings(base, benchConfig(benchOptions('/o'))), ['encode.preprocess'], 'the environment is resolved into the config');
  } finally {
    if (saved === undefined) delete process.env.ACTIVEKD_PREPROCESS;
    else process.env.ACTIVEKD_PREPROCESS = saved;
  }
});

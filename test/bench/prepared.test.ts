/**
 * Issue 12 item 4: benchmark cells load the matrices the warm-up prepared (src/bench/prepared-store.ts)
 * instead of opening the dataset and hashing every image; their results are those of a cell that
 * prepared itself from the dataset.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { experimentOptions, experimentSetup, runExperiment } from '../../src/bench/experiment.ts';
import { benchCells, runBench, runCell, type CellOptions, type CellRunner } from '../../src/bench/grid.ts';
import { preparedDirFor, readPreparedExperiment } from '../../src/bench/prepared-store.ts';
import { readResults } from '../../src/loop/results.ts';
import { DEFAULT_DHO } from '../../src/student/config.ts';
import { miniSubset, tempDir } from '../helpers.ts';

/** `v` without its wall-clock fields (`…Seconds`), which differ between two runs. */
function untimed(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(untimed);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => !k.endsWith('Seconds')).map(([k, x]) => [k, untimed(x)]));
  return v;
}

test('bench cells read no image after the warm-up (the dataset is moved away) and match cells that prepared themselves', { timeout: 300_000 }, async () => {
  const data = miniSubset(['cat', 'ship', 'frog'], 8, 4);
  const cache = tempDir('activekd-cache-');
  const out = tempDir('activekd-bench-prepared-');
  const lines: string[] = [];
  const experiment = experimentOptions({
    data,
    out,
    strategies: ['random', 'pcoreset'],
    frameworks: ['no-distill', 'zero-shot'],
    seeds: [1],
    rounds: 2,
    dho: { ...DEFAULT_DHO, hidden: 16, stepsPerLabeledBatch: 4 },
    encode: { cacheDir: cache },
    log: (l) => lines.push(l),
  });
  // The cells run with the dataset's images gone: a cell that opened the dataset or hashed an image
  // (to read the feature cache) would fail or skip every image.
  const sent: CellOptions[] = [];
  const hidden = `${data}.hidden`;
  const cellRunner: CellRunner = (c, o) => {
    if (sent.length === 0) renameSync(data, hidden);
    sent.push(o);
    return runCell(c, o);
  };
  try {
    await runBench({ experiment, jobs: 1, analysis: false, png: false, cellRunner });
  } finally {
    renameSync(hidden, data);
  }
  assert.equal(sent.length, 4);
  // one prepared folder per distinct cell setup: no-distill (no teacher) and zero-shot, and their
  // matrices content-addressed in data/: the student features and labels are stored once for both
  const root = join(out, 'prepared');
  const setups = readdirSync(root).filter((f) => f !== 'data');
  assert.equal(setups.length, 2, readdirSync(root).join(', '));
  const manifests = setups.map((d) => JSON.parse(readFileSync(join(root, d, 'manifest.json'), 'utf8')) as { files: Record<string, { file: string; sha256: string }> });
  for (const name of ['trainFeatures', 'testFeatures', 'trainLabels', 'testLabels']) assert.equal(manifests[0]?.files[name]?.file, manifests[1]?.files[name]?.file, `${name} shared`);
  assert.deepEqual(readdirSync(join(root, 'data')).sort(), [...new Set(manifests.flatMap((m) => Object.values(m.files).map((f) => `${f.sha256}.npy`)))].sort(), 'one file per distinct matrix');
  assert.equal(readdirSync(join(root, 'data')).length, 6, 'features and labels of both splits (shared) + the teacher probabilities of both splits');

  for (const [i, c] of benchCells({ experiment }).entries()) {
    const log = readFileSync(join(c.dir, 'log.txt'), 'utf8');
    assert.doesNotMatch(log, /not loaded|preparing from the dataset/, log);
    const got = readResults(join(c.dir, 'results.json'));
    assert.equal(got.data.skipped.length, 0, `${c.dir}: skipped ${JSON.stringify(got.data.skipped.slice(0, 2))}`);
    // The same cell, prepared from the dataset in this process.
    const o = sent[i] as CellOptions;
    assert.deepEqual(o.frameworks, [c.framework]);
    const { preparedDir: _p, ...self } = o;
    const refOut = tempDir('activekd-bench-prepared-ref-');
    await runExperiment({ ...self, out: refOut, log: () => {} });
    const want = readResults(join(refOut, 'results.json'));
    assert.deepEqual(got.initialIds, want.initialIds, c.dir);
    assert.deepEqual(untimed(got.rounds), untimed(want.rounds), c.dir);
    assert.ok(got.rounds.every((r) => r.selectedIds.length > 0 || r.round === got.rounds.length - 1));
    assert.deepEqual(got.data, want.data, c.dir);
    assert.deepEqual(got.teacher, want.teacher, c.dir);
    assert.deepEqual(got.student, want.student, c.dir);
    assert.equal(got.teacher === null, c.framework === 'no-distill');
  }
});

test('a prepared experiment is not loaded when absent, of a few-shot setup, or altered on disk', async () => {
  const data = miniSubset(['cat', 'ship'], 4, 2);
  const cache = tempDir('activekd-cache-');
  const out = tempDir('activekd-bench-prepared-');
  const experiment = experimentOptions({ data, out, strategies: ['random'], frameworks: ['no-distill'], seeds: [1], rounds: 1, dho: { ...DEFAULT_DHO, hidden: 16, stepsPerLabeledBatch: 2 }, encode: { cacheDir: cache }, log: () => {} });
  await runBench({ experiment, jobs: 1, analysis: false, png: false });
  const root = join(out, 'prepared');
  const setup = experimentSetup(experiment);
  const ok = readPreparedExperiment(root, setup);
  assert.ok('prepared' in ok, JSON.stringify(ok));
  assert.equal(ok.prepared.train.ids.length, 8);
  assert.equal(ok.prepared.trainFeatures.rows, 8);
  assert.equal(ok.prepared.trainFeatures.cols, 1024);

  assert.match(JSON.stringify(readPreparedExperiment(tempDir('activekd-none-'), setup)), /no prepared experiment of these settings/);
  assert.match(JSON.stringify(readPreparedExperiment(root, { ...setup, fewShot: true })), /few-shot teacher reads the pool images/);
  assert.match(JSON.stringify(readPreparedExperiment(root, { ...setup, encode: { batchSize: 7 } })), /no prepared experiment of these settings/);
  // where caches live and how many threads encode do not change the key
  assert.ok('prepared' in readPreparedExperiment(root, { ...setup, encode: { cacheDir: null, threads: 1 } }));

  // A manifest of the first layout (the .npy files beside it) is read as it is.
  const dir = preparedDirFor(root, setup);
  const mf = join(dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(mf, 'utf8')) as { files: Record<string, { file: string }> };
  for (const [name, entry] of Object.entries(manifest.files)) {
    writeFileSync(join(dir, `${name}.npy`), readFileSync(join(dir, entry.file)));
    entry.file = `${name}.npy`;
  }
  writeFileSync(mf, JSON.stringify(manifest));
  const old = readPreparedExperiment(root, setup);
  assert.ok('prepared' in old, JSON.stringify(old));
  assert.deepEqual(old.prepared.trainFeatures, ok.prepared.trainFeatures);

  const f = join(dir, 'trainFeatures.npy');
  const bytes = readFileSync(f);
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
  writeFileSync(f, bytes);
  assert.match(JSON.stringify(readPreparedExperiment(root, setup)), /does not match the sha256/);
});

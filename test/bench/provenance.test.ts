/**
 * Issue 15 #23 and #22: results.json records the activekd version and commit, the sha256 of the
 * files that define the data, and the original label numbers of a re-indexed CoOp split.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ASSETS } from '../../src/assets.ts';
import { experimentOptions, runExperiment } from '../../src/bench/experiment.ts';
import { readResults } from '../../src/loop/results.ts';
import { DEFAULT_DHO } from '../../src/student/config.ts';
import { tempDir } from '../helpers.ts';

test('results.json records version, commit, data sources with sha256 and the original CoOp label numbers', async () => {
  const dir = tempDir('activekd-prov-');
  // a CoOp split whose label numbers have a gap: 0 (cat), 1 (ship), 3 (frog)
  const items = (split: 'train' | 'test', n: number): [string, number, string][] =>
    (
      [
        ['cat', 0],
        ['ship', 1],
        ['frog', 3],
      ] as const
    ).flatMap(([c, l]) =>
      readdirSync(join(ASSETS.cifar10Mini, split, c))
        .sort()
        .slice(0, n)
        .map((f) => {
          cpSync(join(ASSETS.cifar10Mini, split, c, f), join(dir, split, c, f));
          return [`${split}/${c}/${f}`, l, c] as [string, number, string];
        }),
    );
  const file = join(dir, 'split_zhou_Gap.json');
  writeFileSync(file, JSON.stringify({ train: items('train', 6), test: items('test', 3) }));
  const out = tempDir('activekd-prov-out-');
  await runExperiment(experimentOptions({ data: file, out, frameworks: ['no-distill'], strategies: ['random'], rounds: 1, seeds: [1], dho: { ...DEFAULT_DHO, hidden: 16, stepsPerLabeledBatch: 2 }, log: () => {} }));
  const r = readResults(join(out, 'results.json'));
  const pkg = JSON.parse(readFileSync(join(ASSETS.root, '..', 'package.json'), 'utf8')) as { version: string };
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: join(ASSETS.root, '..'), encoding: 'utf8' });
  assert.deepEqual(r.activekd, { version: pkg.version, commit: head.status === 0 ? head.stdout.trim() : null });
  assert.deepEqual(r.data.sources, [{ path: file, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') }]);
  assert.deepEqual(r.data.originalLabels, [0, 1, 3]);
  assert.deepEqual(r.data.classNames, ['cat', 'ship', 'frog']);
});

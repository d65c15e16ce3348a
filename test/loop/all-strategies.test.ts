/**
 * `activekd run --strategy NAME` works for every registered strategy: one in-process runExperiment over
 * strategyNames() on a tiny real CIFAR-10 subset (3 classes × 10 pool images), 2 rounds, tiny student;
 * every strategy must produce Q distinct picks that were not labeled before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { addRunOptions, toExperimentOptions, type RawRunOptions } from '../../src/cli/run-options.ts';
import { runExperiment } from '../../src/bench/experiment.ts';
import { strategyNames } from '../../src/strategies/registry.ts';
import { miniSubset, tempDir } from '../helpers.ts';

test('run: every registered strategy selects distinct, new items on the demo data', { timeout: 300_000 }, async () => {
  const names = strategyNames();
  const data = miniSubset(['cat', 'ship', 'frog'], 10, 3);
  const cmd = addRunOptions(new Command('run').exitOverride(), { rounds: 2, strategy: 'random' });
  cmd.parse(['--strategy', names.join(','), '--rounds', '2', '--seed', '3', '--steps-per-batch', '5', '--hidden', '16', '--cache-dir', tempDir()], { from: 'user' });
  const opts = toExperimentOptions(cmd.opts<RawRunOptions>(), data, tempDir('activekd-out-'), () => {});
  const { runs } = await runExperiment(opts);
  assert.deepEqual(
    runs.map((r) => r.strategy),
    names,
  );
  for (const run of runs) {
    const { initialIds, rounds } = run.result;
    assert.equal(initialIds.length, 3, run.strategy);
    const seen = new Set(initialIds);
    const picks = rounds[0]?.selectedIds ?? [];
    assert.equal(picks.length, 3, `${run.strategy}: Q = 3 picks in round 0`);
    for (const id of picks) {
      assert.ok(!seen.has(id), `${run.strategy}: ${id} picked twice or already labeled`);
      seen.add(id);
    }
    assert.deepEqual(
      rounds.map((r) => r.labeledCount),
      [3, 6],
      run.strategy,
    );
  }
});

/**
 * A query larger than what the pool can give is said once and recorded (issue 15 #5): in a
 * simulated run (log line + results.json `warnings`), in `select` (output `warnings`), and in a
 * project round (log line).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runExperiment } from '../../src/bench/experiment.ts';
import { runSelect } from '../../src/cli/select.ts';
import { DEFAULT_DHO } from '../../src/student/config.ts';
import { encodeNpy } from '../../src/util/npy.ts';
import { miniSubset, tempDir } from '../helpers.ts';

test('a simulated run whose queries exhaust the pool warns once and records the warning in results.json', { timeout: 300_000 }, async () => {
  const data = miniSubset(['airplane', 'cat', 'ship'], 4, 2); // 12 pool images, 3 classes
  const out = tempDir('activekd-qwarn-');
  const lines: string[] = [];
  await runExperiment({
    data,
    strategies: ['random'],
    frameworks: ['no-distill'],
    seeds: [1],
    rounds: 5,
    querySize: 3,
    initialShots: 1,
    dho: { ...DEFAULT_DHO, hidden: 8, stepsPerLabeledBatch: 2 },
    teacher: {},
    encode: { cacheDir: join(out, 'cache') },
    out,
    log: (l) => lines.push(l),
  });
  const warned = lines.filter((l) => l.startsWith('warning: --query 3'));
  assert.equal(warned.length, 1, lines.join('\n'));
  assert.match(warned[0] as string, /needs 15 pool images, but the pool has 12: round 3 finds the pool empty/);
  const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { warnings?: string[]; rounds: { labeledCount: number }[] };
  assert.deepEqual(res.warnings, [(warned[0] as string).slice('warning: '.length)]);
  assert.deepEqual(
    res.rounds.map((r) => r.labeledCount),
    [3, 6, 9, 12, 12],
  );
});

test('select with a query larger than the pool picks everything and says so in its output', () => {
  const dir = tempDir('activekd-qwarn-select-');
  const probs = join(dir, 'p.npy');
  writeFileSync(probs, encodeNpy(Float32Array.from([0.9, 0.1, 0.2, 0.8, 0.5, 0.5]), [3, 2]));
  const out = runSelect({ poolProbs: probs, strategy: 'entropy', query: 5, seed: 1, option: {}, out: join(dir, 'picks.json') });
  assert.equal(out.picks.length, 3);
  assert.deepEqual(out.warnings, ['--query 5 is larger than the pool of 3 row(s): all 3 are picked']);
  const small = runSelect({ poolProbs: probs, strategy: 'entropy', query: 2, seed: 1, option: {}, out: join(dir, 'picks2.json') });
  assert.equal(small.warnings, undefined);
});

/**
 * Issue 13: a distributed 2 strategies × 2 frameworks × 2 seeds bench grid (cells on 2 queue
 * workers) gives results.json files with the same picks and accuracies as the local grid.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { miniSubset, runCli, tempDir } from '../helpers.ts';
import { redisSkip, startRedis } from './redis.ts';
import { cliAsync, killAndWait, startWorkerProcess } from './procs.ts';

const skip = redisSkip();

interface Results {
  config: { strategy: string; framework: string; seed: number };
  initialIds: string[];
  rounds: { selectedIds: string[]; testAccuracy: number | null; labeledCount: number }[];
  finalAccuracy: number | null;
}

test('a 2×2×2 bench grid on the queue equals the local grid (picks and accuracies)', { skip, timeout: 600_000 }, async () => {
  const data = miniSubset(['cat', 'dog', 'ship'], 10, 5);
  const tmp = tempDir('activekd-queue-grid-');
  const common = ['bench', '--data', data, '--strategies', 'random,entropy', '--frameworks', 'zero-shot,no-distill', '--seeds', '1,2', '--rounds', '3', '--threads', '1', '--no-analysis', '--no-png', '--cache-dir', join(tmp, 'cache')];
  const local = runCli([...common, '--out', join(tmp, 'local'), '--jobs', '2'], { CI: '1' });
  assert.equal(local.status, 0, local.stderr);
  const redis = await startRedis();
  const workers = [0, 1].map((i) => startWorkerProcess(redis.url, join(tmp, `worker${i}.log`)));
  try {
    const r = await cliAsync([...common, '--out', join(tmp, 'queue'), '--queue', redis.url], join(tmp, 'parent.log')).done;
    assert.equal(r.status, 0, r.out);
    const cellsRun = [0, 1].map((i) => (readFileSync(join(tmp, `worker${i}.log`), 'utf8').match(/^cell .*: done$/gm) ?? []).length);
    assert.equal(cellsRun[0]! + cellsRun[1]!, 8, `the workers ran the 8 cells: ${cellsRun.join(' + ')}`);
  } finally {
    await Promise.all(workers.map((w) => killAndWait(w)));
    await redis.stop();
  }
  const cells = readdirSync(join(tmp, 'local', 'runs')).sort();
  assert.equal(cells.length, 8);
  assert.deepEqual(readdirSync(join(tmp, 'queue', 'runs')).sort(), cells);
  for (const c of cells) {
    const a = JSON.parse(readFileSync(join(tmp, 'local', 'runs', c, 'results.json'), 'utf8')) as Results;
    const b = JSON.parse(readFileSync(join(tmp, 'queue', 'runs', c, 'results.json'), 'utf8')) as Results;
    assert.deepEqual(b.config, a.config, c);
    assert.deepEqual(b.initialIds, a.initialIds, `${c}: initial picks`);
    assert.deepEqual(b.rounds.map((x) => [x.labeledCount, x.selectedIds, x.testAccuracy]), a.rounds.map((x) => [x.labeledCount, x.selectedIds, x.testAccuracy]), `${c}: picks and accuracies`);
    assert.equal(b.finalAccuracy, a.finalAccuracy, c);
  }
  assert.equal(readFileSync(join(tmp, 'queue', 'table1.md'), 'utf8'), readFileSync(join(tmp, 'local', 'table1.md'), 'utf8'), 'same Table 1');
});

/**
 * Issue 13: `run --queue` and `init --queue` encode on the queue's workers, then work exactly as
 * without a queue (same picks and accuracies; the same project).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { projectStatus } from '../../src/project/project.ts';
import { miniSubset, runCli, tempDir } from '../helpers.ts';
import { projectData } from '../project/helpers.ts';
import { cliAsync, killAndWait, startWorkerProcess } from './procs.ts';
import { redisSkip, startRedis } from './redis.ts';

const skip = redisSkip();

test('run --queue and init --queue: encoded by a worker, same results as without the queue', { skip, timeout: 600_000 }, async () => {
  const tmp = tempDir('activekd-queue-run-');
  const data = miniSubset(['cat', 'dog', 'ship'], 6, 3);
  const common = ['run', '--data', data, '--strategy', 'pcoreset', '--rounds', '3', '--steps-per-batch', '20', '--hidden', '32', '--threads', '1'];
  const local = runCli([...common, '--out', join(tmp, 'local'), '--cache-dir', join(tmp, 'cache-local')], { CI: '1' });
  assert.equal(local.status, 0, local.stderr);
  const pd = projectData(['cat', 'dog', 'ship'], 4, 2);
  const redis = await startRedis();
  const workerLog = join(tmp, 'worker.log');
  const worker = startWorkerProcess(redis.url, workerLog);
  try {
    const q = await cliAsync([...common, '--out', join(tmp, 'queue'), '--cache-dir', join(tmp, 'cache-queue'), '--queue', redis.url], join(tmp, 'run.log')).done;
    assert.equal(q.status, 0, q.out);
    const shardsAfterRun = (readFileSync(workerLog, 'utf8').match(/\(encode, attempt \d+\) started/g) ?? []).length;
    assert.ok(shardsAfterRun > 0, 'the worker encoded the run\'s images');
    const init = await cliAsync(['init', join(tmp, 'proj'), '--images', pd.images, '--classes', pd.classes, '--test', pd.test, '--cache-dir', join(tmp, 'cache-proj'), '--queue', redis.url], join(tmp, 'init.log')).done;
    assert.equal(init.status, 0, init.out);
    const shardsAfterInit = (readFileSync(workerLog, 'utf8').match(/\(encode, attempt \d+\) started/g) ?? []).length;
    assert.ok(shardsAfterInit > shardsAfterRun, 'the worker encoded the project\'s images');
  } finally {
    await killAndWait(worker);
    await redis.stop();
  }
  const a = JSON.parse(readFileSync(join(tmp, 'local', 'results.json'), 'utf8')) as { initialIds: string[]; rounds: { selectedIds: string[]; testAccuracy: number | null }[] };
  const b = JSON.parse(readFileSync(join(tmp, 'queue', 'results.json'), 'utf8')) as typeof a;
  assert.deepEqual(b.initialIds, a.initialIds);
  assert.deepEqual(b.rounds.map((r) => [r.selectedIds, r.testAccuracy]), a.rounds.map((r) => [r.selectedIds, r.testAccuracy]));
  const st = projectStatus(join(tmp, 'proj'));
  assert.equal(st.pool, 12);
  assert.equal(st.test, 6);
  assert.equal(st.skipped, 0);
});

/**
 * Issue 13: Redis + 3 worker processes encode ~300 real CIFAR-10 images; one worker is SIGKILLed
 * mid-shard and Redis is restarted once; the assembled matrices are byte-identical to a
 * single-process encode, and no shard was written into the store twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { miniSubset, runCli, tempDir } from '../helpers.ts';
import { redisSkip, startRedis } from './redis.ts';
import { cliAsync, killAndWait, startWorkerProcess, waitFor } from './procs.ts';

const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const skip = redisSkip();

test('3 workers encode 300 images through a SIGKILL and a Redis restart: byte-identical, each shard written once', { skip, timeout: 600_000 }, async () => {
  const data = miniSubset(CLASSES, 20, 10); // 200 pool + 100 test real images
  const tmp = tempDir('activekd-queue-');
  const redis = await startRedis();
  const logs = [0, 1, 2].map((i) => join(tmp, `worker${i}.log`));
  const workers = logs.map((l) => startWorkerProcess(redis.url, l, ['--lock-ms', '10000']));
  try {
    const parent = cliAsync(['encode', data, '--queue', redis.url, '--cache-dir', join(tmp, 'cache-q'), '--out', join(tmp, 'q'), '--shard-size', '20'], join(tmp, 'parent.log'));
    const read = (f: string): string => (existsSync(f) ? readFileSync(f, 'utf8') : '');
    // SIGKILL worker 0 while it holds a shard (started, not finished).
    await waitFor(() => /job (\S+) \(encode, attempt 1\) started/.test(read(logs[0]!)), 240_000, 'worker 0 to start a shard');
    const killedJob = /job (\S+) \(encode, attempt 1\) started/.exec(read(logs[0]!))![1]!;
    assert.ok(!read(logs[0]!).includes(`job ${killedJob} finished`), 'killed before finishing its first shard');
    await killAndWait(workers[0]!, 'SIGKILL');
    // Restart Redis once, mid-run (its queue is lost: the parent re-adds what is unfinished).
    await waitFor(() => /shard [3-9]\/15|shard 1[0-4]\/15/.test(read(join(tmp, 'parent.log'))), 300_000, '3 shards done');
    await redis.restart();
    const r = await parent.done;
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /not in Redis \(restarted\?\); adding it again/, 'the parent re-added the jobs Redis lost');
    // Someone else ran the killed worker's shard.
    assert.ok(logs.slice(1).some((l) => read(l).includes(`job ${killedJob} finished`)), `the killed shard ${killedJob} was re-run by another worker`);
    // No shard written twice into the store.
    const written = logs.flatMap((l) => [...read(l).matchAll(/^shard (\S+ \S+) written$/gm)].map((m) => m[1]));
    assert.equal(new Set(written).size, written.length, `a shard was written twice: ${written.join(', ')}`);
    const shardFiles = readdirSync(join(tmp, 'cache-q', 'features'), { recursive: true }).map(String).filter((f) => f.endsWith('.index.tsv'));
    assert.equal(shardFiles.length, 30, `15 shards × 2 encoders in the store: ${shardFiles.join(', ')}`);
    assert.equal(written.length, 30, 'each shard written once by the workers');
    // Byte-identical to a single-process encode (its own cache).
    const local = runCli(['encode', data, '--cache-dir', join(tmp, 'cache-l'), '--out', join(tmp, 'l')], { CI: '1' });
    assert.equal(local.status, 0, local.stderr);
    for (const f of ['train.features.npy', 'test.features.npy', join('teacher', 'probs.npy'), join('teacher', 'probs.ids.txt'), 'train.ids.txt']) {
      assert.ok(readFileSync(join(tmp, 'q', f)).equals(readFileSync(join(tmp, 'l', f))), `${f} differs from the single-process encode`);
    }
  } finally {
    await Promise.all(workers.map((w) => killAndWait(w)));
    await redis.stop();
  }
});

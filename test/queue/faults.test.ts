/**
 * Issue 13 faults: a poisoned shard (unreadable and undecodable images) finishes with its skips
 * recorded, tried once; a job that fails every try is reported with its error after N tries; the
 * queue URL's password never appears in the redacted form.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ASSETS } from '../../src/assets.ts';
import { mobilenetV1Spec } from '../../src/encoders/embedded.ts';
import { createServer } from 'node:net';
import { checkQueueReachable, parseQueueUrl, redactUrl } from '../../src/queue/connection.ts';
import { JobDispatcher } from '../../src/queue/dispatch.ts';
import type { EncodeReply } from '../../src/queue/jobs.ts';
import { errorReporter, startWorker } from '../../src/queue/worker.ts';
import { runCli, tempDir } from '../helpers.ts';
import { redisSkip, startRedis } from './redis.ts';

const skip = redisSkip();

test('errorReporter: a new error at once, the same one again at most once per interval with its count and duration', () => {
  const lines: string[] = [];
  let t = 0;
  const report = errorReporter((s) => lines.push(s), 30_000, () => t);
  const refused = new Error('connect ECONNREFUSED 127.0.0.1:1');
  report(refused);
  for (t = 1000; t < 30_000; t += 1000) report(refused);
  assert.deepEqual(lines, ['worker: connect ECONNREFUSED 127.0.0.1:1'], 'repeats within the interval stay quiet');
  t = 31_000;
  report(refused);
  assert.equal(lines.at(-1), 'worker: still failing, 31 times in 31 s: connect ECONNREFUSED 127.0.0.1:1 (retrying; Ctrl-C stops)');
  t = 32_000;
  report(new Error('NOAUTH'));
  assert.equal(lines.at(-1), 'worker: NOAUTH', 'another error is logged at once');
  assert.equal(lines.length, 3);
});

test('redactUrl drops user and password', () => {
  assert.equal(redactUrl('redis://alice:s3cret@10.0.0.5:6380/2'), 'redis://10.0.0.5:6380/2');
  const c = parseQueueUrl('rediss://:s3cret@host/1');
  assert.ok(!c.redacted.includes('s3cret'));
  assert.equal((c.options as { password?: string }).password, 's3cret');
  assert.throws(() => parseQueueUrl('http://host'), /redis:\/\//);
});

test('an unreachable queue server fails the parent command at once with one message naming it (no hang)', async () => {
  // A free loopback port with nothing listening on it.
  const port = await new Promise<number>((res) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => res(p));
    });
  });
  const url = `redis://:pw@127.0.0.1:${port}`;
  await assert.rejects(checkQueueReachable(parseQueueUrl(url), 2000), (e: Error) => e.message.startsWith(`cannot reach the queue server redis://127.0.0.1:${port}/0: `) && /ECONNREFUSED/.test(e.message) && !e.message.includes('pw'));
  const t0 = Date.now();
  const r = runCli(['encode', ASSETS.cifar10Mini, '--limit-per-class', '2,1', '--cache-dir', tempDir('activekd-queue-down-'), '--queue', url]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /cannot reach the queue server/);
  assert.ok(Date.now() - t0 < 60_000, 'fails instead of waiting for the server');
});

test('a poisoned shard finishes once with its skips recorded; a failing job is reported after its tries', { skip, timeout: 300_000 }, async () => {
  const redis = await startRedis();
  const tmp = tempDir('activekd-queue-faults-');
  const lines: string[] = [];
  const w = await startWorker(parseQueueUrl(redis.url), { lockMs: 10_000, threads: 1, log: (l) => lines.push(l) });
  const d = new JobDispatcher(parseQueueUrl(redis.url), { attempts: 3 });
  try {
    const imgs = join(tmp, 'imgs');
    mkdirSync(imgs);
    cpSync(join(ASSETS.cifar10Mini, 'train', 'cat', '0001.jpg'), join(imgs, 'good.jpg'));
    writeFileSync(join(imgs, 'garbage.jpg'), 'not an image');
    symlinkSync(join(imgs, 'missing.jpg'), join(imgs, 'dangling.jpg'));
    const paths = ['good.jpg', 'garbage.jpg', 'dangling.jpg'].map((f) => join(imgs, f));
    const r = await d.submit('poison', { kind: 'encode', specs: [mobilenetV1Spec()], paths, cacheRoot: join(tmp, 'cache') });
    assert.ok(r.ok, JSON.stringify(r));
    const rep = r.reply as EncodeReply;
    assert.deepEqual(rep.skipped.map((s) => s.index), [1, 2]);
    assert.match(rep.skipped[0]!.reason, /cannot decode/);
    assert.match(rep.skipped[1]!.reason, /cannot read file: ENOENT/);
    assert.equal(lines.filter((l) => /job \S+-poison .*started/.test(l)).length, 1, 'tried once');
    const bad = readFileSync(join(tmp, 'cache', 'features', readdirOne(join(tmp, 'cache', 'features')), 'bad.tsv'), 'utf8');
    assert.match(bad, /cannot decode/);
    // A store under a regular file: every try fails with ENOTDIR.
    writeFileSync(join(tmp, 'file'), '');
    const f = await d.submit('doomed', { kind: 'synthetic', start: 0, count: 2, dim: 2, seed: 1, dir: join(tmp, 'file', 'store') });
    assert.ok(!f.ok);
    if (!f.ok) {
      assert.match(f.error, /ENOTDIR/);
      assert.equal(f.attempts, 3);
    }
    assert.equal(lines.filter((l) => /job \S+-doomed .*started/.test(l)).length, 3, 'tried 3 times');
  } finally {
    await d.close();
    await w.close();
    await redis.stop();
  }
});

function readdirOne(dir: string): string {
  return readdirSync(dir)[0] as string;
}

test('a worker stopped while it waits for an unreachable Redis: one line, exit 130 (was killed silently)', { timeout: 120_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'worker', '--queue', 'redis://127.0.0.1:1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let sent = false;
  const seen = (b: Buffer): void => {
    out += b.toString();
    if (!sent && out.includes('ECONNREFUSED')) sent = child.kill('SIGINT');
  };
  child.stdout.on('data', seen);
  child.stderr.on('data', seen);
  const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
  assert.equal(code, 130, out);
  assert.match(out, /worker: SIGINT before it was ready; stopped/);
});

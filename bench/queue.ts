/**
 * Queue benchmark (issue 13): encoding through BullMQ + Redis with 1, 2 and 3 local worker
 * processes vs the single-process encoder (ratio; on a 2-core machine this shows the overhead, not
 * a speed-up), the queue overhead per job (empty synthetic jobs through one in-process worker), and
 * a 1M-item synthetic pool (features from a generator, 100 shards) through 3 workers, with time and
 * peak memory per process. Needs `redis-server` (Debian); skipped with one line otherwise.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ASSETS } from '../src/assets.ts';
import { FeatureCache } from '../src/encoders/feature-cache.ts';
import { parseQueueUrl } from '../src/queue/connection.ts';
import { JobDispatcher } from '../src/queue/dispatch.ts';
import type { SyntheticReply } from '../src/queue/jobs.ts';
import { syntheticId } from '../src/queue/synthetic.ts';
import { startWorker } from '../src/queue/worker.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REDIS = '/usr/bin/redis-server';
const mb = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

function cli(args: readonly string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: '1' } });
  if (r.status !== 0) throw new Error(`activekd ${args.join(' ')} failed: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

function workers(url: string, n: number, dir: string): ChildProcess[] {
  return Array.from({ length: n }, (_, i) => {
    const fd = openSync(join(dir, `worker${i}-${Date.now()}.log`), 'w');
    return spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'worker', '--queue', url, '--threads', '1'], { cwd: ROOT, stdio: ['ignore', fd, fd], env: { ...process.env, CI: '1' } });
  });
}

const stop = (ps: ChildProcess[]): Promise<unknown> => Promise.all(ps.map((p) => new Promise((r) => (p.exitCode !== null ? r(0) : (p.once('exit', r), p.kill('SIGTERM'))))));

/** Runs the `queue` benchmark section. */
export async function benchQueue(): Promise<void> {
  console.log('== queue (BullMQ + Redis, local worker processes) ==');
  if (!existsSync(REDIS)) {
    console.log(`${REDIS} not found: queue benchmark skipped (install it with: apt-get install -y redis-server)\n`);
    return;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'activekd-bench-queue-'));
  const port = await freePort();
  const redis = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--dir', tmp, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  const url = `redis://127.0.0.1:${port}/0`;
  try {
    // 1. Encoding: 200 real CIFAR-10 images, student + teacher encoders.
    const data = join(tmp, 'data');
    for (const c of readdirSync(join(ASSETS.cifar10Mini, 'train'))) {
      mkdirSync(join(data, 'train', c), { recursive: true });
      for (const f of readdirSync(join(ASSETS.cifar10Mini, 'train', c)).sort().slice(0, 20)) cpSync(join(ASSETS.cifar10Mini, 'train', c, f), join(data, 'train', c, f));
    }
    const single = cli(['encode', data, '--threads', '1', '--cache-dir', join(tmp, 'cache-single')]);
    console.log(`single process (--threads 1): 200 images × 2 encoders in ${single.toFixed(1)} s (${(200 / single).toFixed(1)} img/s), process start included`);
    for (const n of [1, 2, 3]) {
      const ws = workers(url, n, tmp);
      await new Promise((r) => setTimeout(r, 3000)); // workers connected (start-up not timed)
      const s = cli(['encode', data, '--queue', url, '--shard-size', '20', '--cache-dir', join(tmp, `cache-q${n}`)]);
      await stop(ws);
      console.log(`queue, ${n} worker(s) × 1 thread: ${s.toFixed(1)} s (${(200 / s).toFixed(1)} img/s), ratio to single process ${(single / s).toFixed(2)}×`);
    }
    // 2. Overhead per job: 200 one-row synthetic jobs, one in-process worker.
    const conn = parseQueueUrl(url);
    const w = await startWorker(conn, { log: () => {}, concurrency: 1 });
    const d = new JobDispatcher(conn, { pollMs: 20 });
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 200 }, (_, i) => d.submit(`tiny-${i}`, { kind: 'synthetic', start: i, count: 1, dim: 1, seed: 1, dir: join(tmp, 'tiny') })));
    console.log(`queue overhead: ${((performance.now() - t0) / 200).toFixed(1)} ms per job (200 one-row jobs, 1 worker, poll 20 ms)`);
    await d.close();
    await w.close();
    // 3. A 1M-item synthetic pool, 100 shards of 10,000 × 32 float32, 3 worker processes.
    const ws = workers(url, 3, tmp);
    await new Promise((r) => setTimeout(r, 3000));
    const big = new JobDispatcher(conn);
    const dir = join(tmp, 'synthetic');
    const t1 = performance.now();
    const replies = await Promise.all(Array.from({ length: 100 }, (_, k) => big.submit(`syn-${k}`, { kind: 'synthetic', start: k * 10_000, count: 10_000, dim: 32, seed: 7, dir })));
    const gen = (performance.now() - t1) / 1000;
    await big.close();
    await stop(ws);
    const t2 = performance.now();
    const cache = new FeatureCache(dir, 'features', 32);
    const out = new Float32Array(1_000_000 * 32);
    for (let i = 0; i < 1_000_000; i++) if (!cache.read(syntheticId(i), out, i * 32)) throw new Error(`row ${i} missing`);
    cache.close();
    const asm = (performance.now() - t2) / 1000;
    const per = new Map<string, { jobs: number; rss: number }>();
    for (const r of replies) {
      if (!r.ok) throw new Error(r.error);
      const rep = r.reply as SyntheticReply;
      const x = per.get(rep.worker) ?? { jobs: 0, rss: 0 };
      per.set(rep.worker, { jobs: x.jobs + 1, rss: Math.max(x.rss, rep.maxRss) });
    }
    console.log(`1M-item synthetic pool (100 shards × 10,000 × 32 float32): generated and stored by 3 workers in ${gen.toFixed(1)} s; assembled by the parent in ${asm.toFixed(1)} s`);
    for (const [name, x] of per) console.log(`  worker ${name}: ${x.jobs} shards, peak RSS ${mb(x.rss)}`);
    console.log(`  parent: peak RSS ${mb(process.resourceUsage().maxRSS * 1024)} (includes the 122 MiB assembled matrix and the 1M-entry index)\n`);
  } finally {
    redis.kill('SIGKILL');
  }
}

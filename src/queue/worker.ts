/**
 * The long-running queue worker (`activekd worker --queue URL`): takes encode shards, synthetic
 * shards and benchmark cells from the BullMQ queue. A worker killed mid-job loses its lock after
 * `lockMs`; another worker's stalled-job check then runs the job again (BullMQ stalled-job
 * recovery), and the idempotent stores keep the result single. Errors a user must fix
 * (`UserError`: a missing model, a bad option) fail the job at once; other errors are retried up
 * to the dispatcher's `attempts`.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { runCell } from '../bench/grid.ts';
import { encodeShard } from '../encoders/encode-shard.ts';
import { FsShardStore, shardKey } from '../encoders/shard-store.ts';
import { UserError } from '../util/errors.ts';
import type { QueueConnection } from './connection.ts';
import { QUEUE_NAME, type JobData, type JobReply } from './jobs.ts';
import { syntheticId, syntheticRows } from './synthetic.ts';

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  /** Jobs run at once (default 1). */
  concurrency?: number;
  /** Lock duration in ms: a killed worker's job is taken over after about this long (default 30000). */
  lockMs?: number;
  /** onnxruntime threads per encode job (default: the job's, else all cores). */
  threads?: number;
  log: (line: string) => void;
}

/** Runs one job in this process. */
export async function processJob(data: JobData, log: (line: string) => void = () => {}, threads?: number): Promise<JobReply> {
  const t0 = performance.now();
  const worker = `${hostname()}:${process.pid}`;
  const done = (): { worker: string; seconds: number; maxRss: number } => ({ worker, seconds: (performance.now() - t0) / 1000, maxRss: process.resourceUsage().maxRSS * 1024 });
  switch (data.kind) {
    case 'encode': {
      const t = threads ?? data.threads;
      const r = await encodeShard(data.specs, data.paths, data.cacheRoot, { ...(data.batchSize ? { batchSize: data.batchSize } : {}), ...(t ? { threads: t } : {}) });
      for (const o of r.outcomes) log(`shard ${o.key} ${o.encoder}/${o.output} ${o.status}`);
      for (const s of r.skipped) log(`  skipped ${s.path}: ${s.reason}`);
      return { kind: 'encode', images: r.images, computed: r.computed, skipped: r.skipped, outcomes: r.outcomes, ...done() };
    }
    case 'synthetic': {
      const ids = Array.from({ length: data.count }, (_, k) => syntheticId(data.start + k));
      const store = new FsShardStore(data.dir);
      const key = shardKey(ids);
      const status = store.has(key, 'features') ? 'exists' : store.put(key, 'features', ids, syntheticRows(data.seed, data.start, data.count, data.dim));
      log(`shard ${key} synthetic/features ${status}`);
      return { kind: 'synthetic', rows: data.count, status, ...done() };
    }
    case 'cell': {
      const cell = { ...data.cell, dir: resolve(data.cell.dir) };
      const r = await runCell(cell, { ...data.options, out: cell.dir });
      log(`cell ${cell.strategy} / ${cell.framework} / seed ${cell.seed}: ${r.ok ? 'done' : `FAILED: ${r.message ?? ''}`}`);
      return { kind: 'cell', ok: r.ok, ...(r.message !== undefined ? { message: r.message } : {}), ...done() };
    }
  }
}

/**
 * The worker's error log: a new error is logged at once; the same error again (ioredis retrying an
 * unreachable server) at most once per `everyMs`, with how often and since when it failed, so a
 * worker waiting for its server says so instead of going quiet.
 * @param now clock in ms (tests)
 */
export function errorReporter(log: (s: string) => void, everyMs = 30_000, now: () => number = Date.now): (e: Error) => void {
  let last = '';
  let since = 0;
  let count = 0;
  let loggedAt = 0;
  return (e) => {
    const t = now();
    if (e.message !== last) {
      last = e.message;
      since = t;
      count = 1;
      loggedAt = t;
      log(`worker: ${e.message}`);
      return;
    }
    count++;
    if (t - loggedAt < everyMs) return;
    loggedAt = t;
    log(`worker: still failing, ${count} times in ${Math.round((t - since) / 1000)} s: ${e.message} (retrying; Ctrl-C stops)`);
  };
}

/**
 * Starts a worker on the queue. Resolves once connected; `close()` finishes the running jobs and disconnects.
 */
export async function startWorker(conn: QueueConnection, o: WorkerOptions): Promise<{ close: () => Promise<void>; worker: Worker }> {
  const lockMs = o.lockMs ?? 30_000;
  const worker = new Worker<JobData, JobReply>(
    QUEUE_NAME,
    async (job: Job<JobData, JobReply>) => {
      o.log(`job ${job.id} (${job.data.kind}, attempt ${job.attemptsMade + 1}) started`);
      try {
        const reply = await processJob(job.data, o.log, o.threads);
        o.log(`job ${job.id} finished in ${reply.seconds.toFixed(2)} s`);
        return reply;
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        o.log(`job ${job.id} failed: ${msg}`);
        if (e instanceof UserError) throw new UnrecoverableError(msg);
        throw e;
      }
    },
    {
      connection: conn.options,
      prefix: conn.prefix,
      concurrency: o.concurrency ?? 1,
      lockDuration: lockMs,
      stalledInterval: Math.max(1000, Math.floor(lockMs / 2)),
      maxStalledCount: 3,
    },
  );
  worker.on('error', errorReporter(o.log));
  await worker.waitUntilReady();
  o.log(`worker ${hostname()}:${process.pid} on ${conn.redacted} (queue ${conn.prefix}:${QUEUE_NAME}, concurrency ${o.concurrency ?? 1}, lock ${lockMs} ms)`);
  return { worker, close: () => worker.close() };
}

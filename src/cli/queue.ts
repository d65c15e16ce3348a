/**
 * The queue commands: `activekd worker --queue URL` (a long-running worker) and
 * `activekd encode DATA [--queue URL]` (encode a dataset's student features and teacher
 * probabilities, on the queue's workers or here), and the `--queue` hook of `bench`.
 */
import { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BenchOptions } from '../bench/grid.ts';
import { experimentSetup, type ExperimentOptions } from '../bench/experiment.ts';
import { defaultCacheDir } from '../encoders/encode.ts';
import { preprocessVersion } from '../encoders/spec.ts';
import { prepareExperiment, skippedLines, writePreparedTeacher, type ExperimentSetup } from '../loop/prepare.ts';
import { queueCellRunner } from '../queue/cells.ts';
import { parseQueueUrl, type QueueConnection } from '../queue/connection.ts';
import { JobDispatcher } from '../queue/dispatch.ts';
import { distributedEncode } from '../queue/encode.ts';
import { startWorker } from '../queue/worker.ts';
import { writeNpy } from '../util/npy.ts';
import { DATA_HELP } from './datasets.ts';
import { exitCodeOf, featureCacheNote, onInterrupt, untilStopped } from './interrupt.ts';
import { positiveInt } from './parse.ts';
import { addRunOptions, ENCODE_EXCLUDED_OPTIONS, toExperimentOptions, type RawRunOptions } from './run-options.ts';

const QUEUE_HELP = 'Redis of the job queue: redis://HOST:PORT[/DB] (rediss:// for TLS; password in the URL or $ACTIVEKD_REDIS_PASSWORD, never printed)';

/** Raw commander values of the queue options. */
export interface RawQueueOptions {
  queue?: string;
  queueTlsCa?: string;
  queuePrefix: string;
}

/** Adds `--queue`, `--queue-tls-ca`, `--queue-prefix` (required: `--queue` must be given). */
export function addQueueOptions(cmd: Command, required: boolean): Command {
  return (required ? cmd.requiredOption('--queue <url>', QUEUE_HELP) : cmd.option('--queue <url>', QUEUE_HELP))
    .option('--queue-tls-ca <file>', 'CA certificate (PEM) of a rediss:// server')
    .option('--queue-prefix <name>', 'key prefix in Redis (separate queues on one server)', 'activekd');
}

function connectionOf(raw: RawQueueOptions & { queue: string }): QueueConnection {
  return parseQueueUrl(raw.queue, { ...(raw.queueTlsCa ? { tlsCa: raw.queueTlsCa } : {}), prefix: raw.queuePrefix });
}

/** Makes the cache folder absolute (the workers receive it) and runs the experiment's encoding on the queue. */
async function encodeOnQueue(conn: QueueConnection, experiment: ExperimentOptions, shardSize: number | undefined, log: (s: string) => void): Promise<void> {
  if (experiment.encode.cacheDir !== null) experiment.encode = { ...experiment.encode, cacheDir: resolve(experiment.encode.cacheDir ?? defaultCacheDir()) };
  const { log: _l, ...rest } = experiment;
  const r = await distributedEncode(experimentSetup(rest), conn, { ...(shardSize ? { shardSize } : {}), log });
  if (r.shards > 0) {
    const per = Object.entries(r.workers).map(([w, x]) => `${w}: ${x.shards} shards, ${x.images} images, ${(x.images / Math.max(x.seconds, 1e-9)).toFixed(1)} img/s`);
    log(`encode: ${r.queued} images in ${r.shards} shards on ${per.length} worker(s) in ${r.seconds.toFixed(1)} s\n  ${per.join('\n  ')}`);
  }
}

/**
 * `run --queue URL`: encodes the experiment's images on the queue's workers (into the shared feature
 * cache), so the run itself then reads every feature from the cache.
 */
export async function queueEncodeExperiment(raw: RawQueueOptions & { queue: string }, experiment: ExperimentOptions, log: (s: string) => void): Promise<void> {
  await encodeOnQueue(connectionOf(raw), experiment, undefined, log);
}

/**
 * `init --queue URL`: the hook that encodes a project's images on the queue's workers before the
 * project's own (then cached) encoding.
 */
export function queueEncodeHook(raw: RawQueueOptions & { queue: string }, log: (s: string) => void): (setup: ExperimentSetup) => Promise<void> {
  return async (setup) => {
    const r = await distributedEncode(setup, connectionOf(raw), { log });
    if (r.shards > 0) log(`encode: ${r.queued} images in ${r.shards} shards on the queue in ${r.seconds.toFixed(1)} s`);
  };
}

/**
 * `bench --queue URL`: encodes on the workers, then returns the options that run the cells there.
 * Call `close()` when the grid is done.
 */
export async function queueBench(raw: RawQueueOptions & { queue: string }, experiment: ExperimentOptions, log: (s: string) => void): Promise<{ bench: Pick<BenchOptions, 'cellRunner' | 'jobs'>; close: () => Promise<void> }> {
  const conn = connectionOf(raw);
  await encodeOnQueue(conn, experiment, undefined, log);
  experiment.data = resolve(experiment.data);
  const dispatcher = new JobDispatcher(conn, { log });
  return { bench: { cellRunner: queueCellRunner(dispatcher), jobs: 100_000 }, close: () => dispatcher.close() };
}

/** `activekd worker` and `activekd encode`. */
export function queueCommands(log: (s: string) => void): Command[] {
  const worker = addQueueOptions(onInterrupt(new Command('worker'), 'own').description('run a queue worker: encode shards and benchmark cells sent by `encode`/`bench --queue` (runs until SIGINT/SIGTERM)'), true)
    .option('--concurrency <n>', 'jobs run at once', positiveInt('--concurrency'), 1)
    .option('--lock-ms <ms>', 'job lock duration: a killed worker\'s job is taken over after about this long', positiveInt('--lock-ms'), 30_000)
    .option('--threads <n>', 'onnxruntime threads per encode job (default: all cores)', positiveInt('--threads'))
    .action(async (raw: RawQueueOptions & { queue: string; concurrency: number; lockMs: number; threads?: number }) => {
      const stopped = untilStopped();
      let ready = false;
      // Stopped while still connecting (no job taken yet): say so and exit as other commands do.
      void stopped.then((sig) => {
        if (ready) return;
        log(`worker: ${sig} before it was ready; stopped`);
        process.exit(exitCodeOf(sig));
      });
      const w = await startWorker(connectionOf(raw), { concurrency: raw.concurrency, lockMs: raw.lockMs, ...(raw.threads ? { threads: raw.threads } : {}), log });
      ready = true;
      const sig = await stopped;
      log(`worker: ${sig}, finishing the running job(s)`);
      await w.close().catch(() => {});
    });

  const encode = addQueueOptions(
    addRunOptions(
      onInterrupt(new Command('encode'), featureCacheNote('rerun the same command to resume'))
        .description('encode a dataset (student features, teacher probabilities) into the feature cache, on the queue\'s workers with --queue; --out writes the matrices')
        .argument('<data>', DATA_HELP)
        .option('--out <dir>', 'write train.features.npy, test.features.npy, ids (train.ids.txt, test.ids.txt) and teacher/probs.npy here')
        .option('--shard-size <n>', 'images per queue job', positiveInt('--shard-size')),
      { rounds: 1, strategy: 'random' },
      ENCODE_EXCLUDED_OPTIONS,
    ),
    false,
  ).action(async (data: string, raw: RawRunOptions & RawQueueOptions & { out?: string; shardSize?: number }) => {
    const experiment = toExperimentOptions(raw, data, raw.out ?? '.', log);
    if (raw.queue) await encodeOnQueue(connectionOf({ ...raw, queue: raw.queue }), experiment, raw.shardSize, log);
    const { log: _l, ...rest } = experiment;
    const p = await prepareExperiment(experimentSetup(rest));
    log(`dataset ${p.dataset.root}: pool ${p.train.ids.length} × ${p.trainFeatures.cols} features, test ${p.test?.ids.length ?? 0}, skipped ${p.skipped.length}${p.teacherTrain ? `, teacher probabilities ${p.teacherTrain.cols} classes` : ''} (image preprocessing ${preprocessVersion(p.studentSpec)})`);
    for (const line of skippedLines(p.skipped)) log(line);
    if (raw.out) {
      mkdirSync(raw.out, { recursive: true });
      await writeNpy(join(raw.out, 'train.features.npy'), p.trainFeatures.data, [p.trainFeatures.rows, p.trainFeatures.cols]);
      writeFileSync(join(raw.out, 'train.ids.txt'), p.train.ids.map((s) => `${s}\n`).join(''));
      if (p.test && p.testFeatures) {
        await writeNpy(join(raw.out, 'test.features.npy'), p.testFeatures.data, [p.testFeatures.rows, p.testFeatures.cols]);
        writeFileSync(join(raw.out, 'test.ids.txt'), p.test.ids.map((s) => `${s}\n`).join(''));
      }
      writePreparedTeacher(join(raw.out, 'teacher'), p);
      log(`written to ${raw.out}`);
    }
  });
  return [worker, encode];
}

/**
 * Distributed encoding: the images of a dataset that the shared feature cache does not hold yet
 * are split into shards, encoded by the queue's workers (student backbone and the teacher's image
 * encoder) into the cache, after which the ordinary local preparation (`prepareExperiment`) reads
 * every row from the cache — so the assembled matrices are those of a single-process encode.
 */
import { resolve } from 'node:path';
import type { Dataset } from '../data/dataset.ts';
import { cacheFolder, defaultCacheDir, type SkippedImage } from '../encoders/encode.ts';
import { FeatureCache, imageContentKey } from '../encoders/feature-cache.ts';
import { modelHash } from '../encoders/session.ts';
import { withPreprocess, type EncoderSpec } from '../encoders/spec.ts';
import { openExperimentDataset, studentSpecFor, type ExperimentSetup } from '../loop/prepare.ts';
import { createTeacher } from '../teachers/registry.ts';
import { UserError } from '../util/errors.ts';
import { createProgress, formatDuration, type ProgressOptions } from '../util/progress.ts';
import { checkQueueReachable, type QueueConnection } from './connection.ts';
import { JobDispatcher } from './dispatch.ts';
import type { EncodeReply } from './jobs.ts';

/** Options of {@link distributedEncode}. */
export interface DistributedEncodeOptions {
  /** Images per shard (default 256). */
  shardSize?: number;
  /** Tries per shard before it is reported failed (default 3). */
  attempts?: number;
  log: (line: string) => void;
  progress?: ProgressOptions;
}

/** What {@link distributedEncode} did. */
export interface DistributedEncodeResult {
  /** Images of the dataset (both splits). */
  images: number;
  /** Images that were not cached and went to the workers. */
  queued: number;
  shards: number;
  skipped: SkippedImage[];
  /** Per worker (`host:pid`): shards, images, busy seconds, peak RSS bytes. */
  workers: Record<string, { shards: number; images: number; seconds: number; maxRss: number }>;
  /** Shards written by this run (shard key + output), for checks. */
  written: string[];
  seconds: number;
}

/** The encoders an experiment needs: the student backbone, and the teacher's image encoder when it has one. */
export async function encodersOf(setup: ExperimentSetup, dataset: Dataset): Promise<EncoderSpec[]> {
  const specs = [studentSpecFor(setup.studentModel, setup.encode.preprocess)];
  if (setup.teacher) {
    const teacher = await createTeacher(setup.teacher, dataset, setup.encode);
    const spec = (teacher as { spec?: EncoderSpec } | null)?.spec;
    // Resolved here, so workers (whatever their environment) encode with the parent's preprocessing.
    if (spec && typeof spec === 'object' && Array.isArray(spec.outputs)) specs.push(withPreprocess(spec, setup.encode.preprocess));
  }
  return specs;
}

/**
 * Fills the shared feature cache through the queue's workers.
 * @throws UserError when the cache is off (`--no-cache`), the dataset cannot be opened, or shards
 *   failed after all their tries (each listed with its error)
 */
export async function distributedEncode(setup: ExperimentSetup, conn: QueueConnection, o: DistributedEncodeOptions): Promise<DistributedEncodeResult> {
  const t0 = performance.now();
  if (setup.encode.cacheDir === null) throw new UserError('--queue needs the feature cache (the workers write into it): drop --no-cache');
  await checkQueueReachable(conn); // fail at once, not hang, when the server is not there
  const cacheRoot = resolve(setup.encode.cacheDir ?? defaultCacheDir());
  // The dataset as prepareExperiment opens it (with the held-out teacher split, which the teacher encodes too).
  const { dataset, teacherSplit } = await openExperimentDataset(setup);
  const specs = await encodersOf(setup, dataset);
  for (const s of specs) modelHash(s.modelPath); // a missing model is the user's error, before any job
  const paths = [...dataset.train.paths, ...(dataset.test?.paths ?? []), ...(teacherSplit?.paths ?? [])];
  // Which images some encoder has not cached yet (read once here; workers never scan the cache).
  const caches = specs.map((s) => new FeatureCache(cacheFolder(cacheRoot, s), s.outputs[0] as string, 1));
  const todo: string[] = [];
  const seen = new Set<string>();
  for (let s = 0; s < paths.length; s += 256) {
    const chunk = paths.slice(s, s + 256);
    const hashes = await Promise.all(chunk.map((p) => imageContentKey(p).catch(() => null)));
    chunk.forEach((p, k) => {
      const h = hashes[k];
      if (h === null || h === undefined) return todo.push(p); // unreadable: the worker records why
      if (seen.has(h)) return;
      seen.add(h);
      if (caches.some((c) => !c.has(h) && c.badReason(h) === undefined)) todo.push(p);
    });
  }
  for (const c of caches) c.close();
  const shardSize = o.shardSize ?? 256;
  const shards: string[][] = [];
  for (let s = 0; s < todo.length; s += shardSize) shards.push(todo.slice(s, s + shardSize));
  o.log(`encode: ${paths.length} images, ${paths.length - todo.length} cached, ${todo.length} in ${shards.length} shard(s) of ≤ ${shardSize} for the workers on ${conn.redacted} (encoders ${specs.map((s) => s.name).join(', ')}; cache ${cacheRoot})`);
  const result: DistributedEncodeResult = { images: paths.length, queued: todo.length, shards: shards.length, skipped: [], workers: {}, written: [], seconds: 0 };
  if (shards.length === 0) return result;
  const dispatcher = new JobDispatcher(conn, { ...(o.attempts ? { attempts: o.attempts } : {}), log: o.log });
  const bar = createProgress(`encode ${todo.length} images on the queue`, todo.length, o.progress);
  const failures: string[] = [];
  let done = 0;
  let doneImages = 0;
  try {
    await Promise.all(
      shards.map(async (shard, k) => {
        const r = await dispatcher.submit(`shard-${k}`, { kind: 'encode', specs, paths: shard, cacheRoot });
        done++;
        if (!r.ok) {
          failures.push(`shard ${k} (${shard[0]} …, ${shard.length} images): ${r.error} (after ${r.attempts} tries)`);
          return;
        }
        const rep = r.reply as EncodeReply;
        doneImages += shard.length;
        bar.tick(shard.length);
        result.skipped.push(...rep.skipped);
        for (const oc of rep.outcomes) if (oc.status === 'written') result.written.push(`${oc.key} ${oc.encoder}/${oc.output}`);
        const w = (result.workers[rep.worker] ??= { shards: 0, images: 0, seconds: 0, maxRss: 0 });
        w.shards++;
        w.images += rep.images;
        w.seconds += rep.seconds;
        w.maxRss = Math.max(w.maxRss, rep.maxRss);
        const elapsed = (performance.now() - t0) / 1000;
        const eta = doneImages > 0 ? (elapsed / doneImages) * (todo.length - doneImages) : NaN;
        const rates = Object.entries(result.workers)
          .map(([name, x]) => `${name} ${(x.images / Math.max(x.seconds, 1e-9)).toFixed(1)} img/s`)
          .join(', ');
        o.log(`shard ${done}/${shards.length} by ${rep.worker} in ${formatDuration(rep.seconds)} [workers: ${rates}; ETA ${formatDuration(eta)}]`);
      }),
    );
  } finally {
    bar.stop();
    await dispatcher.close();
  }
  if (failures.length > 0) throw new UserError(`${failures.length} encoding shard(s) failed:\n  ${failures.join('\n  ')}`);
  result.skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  result.seconds = (performance.now() - t0) / 1000;
  if (result.skipped.length > 0) o.log(`encode: ${result.skipped.length} image(s) skipped (unreadable or undecodable; recorded in the cache)`);
  return result;
}

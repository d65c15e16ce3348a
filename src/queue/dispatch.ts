/**
 * The parent side of the queue: submits jobs and waits for their replies. The parent, not Redis,
 * is the record of what is left to do: every poll it looks each pending job up, and a job Redis
 * no longer knows (a restart without persistence) is added again under the same id. Job ids carry
 * a per-dispatcher run id, so a finished job of an earlier run is never taken for this run's.
 * Stores are idempotent (a shard finished twice is written once), so a job that runs twice after
 * such a loss costs time, never correctness.
 */
import { randomBytes } from 'node:crypto';
import { Job, Queue } from 'bullmq';
import type { QueueConnection } from './connection.ts';
import { QUEUE_NAME, type JobData, type JobReply } from './jobs.ts';

/** Options of {@link JobDispatcher}. */
export interface DispatchOptions {
  /** Tries per job before it is reported failed (BullMQ `attempts`; default 3). */
  attempts?: number;
  /** Milliseconds between polls (default 250). */
  pollMs?: number;
  /** Log line printer (connection trouble, re-added jobs). */
  log?: (line: string) => void;
}

/** How a job ended. */
export type JobOutcome = { ok: true; reply: JobReply } | { ok: false; error: string; attempts: number };

interface Pending {
  data: JobData;
  resolve: (o: JobOutcome) => void;
}

/** Submits jobs to the queue and resolves each with its reply or its final error. */
export class JobDispatcher {
  private readonly queue: Queue;
  private readonly run = randomBytes(6).toString('hex');
  private readonly pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private down = false;
  private readonly attempts: number;
  private readonly log: (line: string) => void;

  constructor(
    readonly conn: QueueConnection,
    private readonly o: DispatchOptions = {},
  ) {
    this.queue = new Queue(QUEUE_NAME, { connection: conn.options, prefix: conn.prefix });
    this.queue.on('error', () => {}); // reconnection is handled by ioredis; polls report outages
    this.attempts = o.attempts ?? 3;
    this.log = o.log ?? (() => {});
  }

  /** Submits one job; `name` must be unique within this dispatcher (it becomes the job id). */
  submit(name: string, data: JobData): Promise<JobOutcome> {
    const id = `${this.run}-${name}`;
    return new Promise((resolve) => {
      this.pending.set(id, { data, resolve });
      void this.add(id, data).catch(() => {}); // a lost add is re-added by the poll
      this.timer ??= setInterval(() => void this.poll(), this.o.pollMs ?? 250);
    });
  }

  /** Jobs submitted and not yet finished. */
  get size(): number {
    return this.pending.size;
  }

  private add(id: string, data: JobData): Promise<unknown> {
    return this.queue.add(data.kind, data, { jobId: id, attempts: this.attempts, backoff: { type: 'fixed', delay: 500 }, removeOnComplete: false, removeOnFail: false });
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const ids = [...this.pending.keys()];
      // State first, then the job: a job read before its state could be older than the state.
      const states = await Promise.all(ids.map((id) => this.queue.getJobState(id)));
      const jobs = await Promise.all(ids.map((id, k) => (states[k] === 'completed' || states[k] === 'failed' ? Job.fromId<JobData, JobReply>(this.queue, id) : Promise.resolve(null))));
      if (this.down) this.log('queue: connection to Redis is back');
      this.down = false;
      for (const [k, id] of ids.entries()) {
        const p = this.pending.get(id);
        const job = jobs[k];
        if (!p) continue;
        const state = states[k];
        if (state === 'unknown') {
          this.log(`queue: job ${id} is not in Redis (restarted?); adding it again`);
          await this.add(id, p.data);
        } else if (!job) {
          continue; // removed between the two reads: looked at again next poll
        } else if (state === 'completed') {
          if (job.returnvalue === null || job.returnvalue === undefined) continue;
          this.pending.delete(id);
          p.resolve({ ok: true, reply: job.returnvalue });
          await job.remove().catch(() => {});
        } else if (state === 'failed') {
          this.pending.delete(id);
          p.resolve({ ok: false, error: job.failedReason || 'failed', attempts: job.attemptsMade });
          await job.remove().catch(() => {});
        }
      }
    } catch (e) {
      if (!this.down) this.log(`queue: Redis unreachable (${e instanceof Error ? e.message : String(e)}); waiting to reconnect`);
      this.down = true;
    } finally {
      this.polling = false;
      if (this.pending.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    }
  }

  /** Stops polling and closes the connection (pending jobs stay in Redis). */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.queue.close();
  }
}

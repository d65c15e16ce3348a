/** The jobs that go through the queue and what workers answer (src/queue/worker.ts). */
import type { CellOptions, BenchCell } from '../bench/grid.ts';
import type { ShardOutcome } from '../encoders/encode-shard.ts';
import type { SkippedImage } from '../encoders/encode.ts';
import type { EncoderSpec } from '../encoders/spec.ts';

/** BullMQ queue name of all activekd jobs. */
export const QUEUE_NAME = 'activekd';

/** Encode one shard of image files with each encoder into the shared feature cache. */
export interface EncodeJob {
  kind: 'encode';
  specs: EncoderSpec[];
  paths: string[];
  /** Feature-cache root; must be the same path on every machine (shared file system). */
  cacheRoot: string;
  batchSize?: number;
  threads?: number;
}

/** Generate `count` synthetic feature rows (rows `start…start+count−1`) into the store (benchmarks). */
export interface SyntheticJob {
  kind: 'synthetic';
  start: number;
  count: number;
  dim: number;
  seed: number;
  /** Store folder (shared file system). */
  dir: string;
}

/** Run one benchmark cell (src/bench/grid.ts `runCell`, a child process running `runExperiment`). */
export interface CellJob {
  kind: 'cell';
  cell: BenchCell;
  options: CellOptions;
}

export type JobData = EncodeJob | SyntheticJob | CellJob;

/** Common part of every reply. */
export interface ReplyBase {
  /** `host:pid` of the worker. */
  worker: string;
  seconds: number;
  /** Peak resident set size of the worker process so far (bytes). */
  maxRss: number;
}

export interface EncodeReply extends ReplyBase {
  kind: 'encode';
  images: number;
  computed: number;
  skipped: SkippedImage[];
  outcomes: ShardOutcome[];
}

export interface SyntheticReply extends ReplyBase {
  kind: 'synthetic';
  rows: number;
  status: 'written' | 'exists';
}

export interface CellReply extends ReplyBase {
  kind: 'cell';
  ok: boolean;
  message?: string;
}

export type JobReply = EncodeReply | SyntheticReply | CellReply;

/**
 * Benchmark cells on the queue: a {@link CellRunner} for `runBench` that sends each cell to a
 * worker, which runs it exactly as the local grid does (`runCell`: a child process running
 * `runExperiment` for one strategy × framework × seed, writing results.json atomically into the
 * cell folder). The benchmark folder, the dataset and the feature cache must be at the same paths
 * on every machine (a shared file system); paths are made absolute before they are sent. A worker
 * that does not see the warm-up's `<out>/prepared/` folder prepares the cell from the dataset.
 */
import { resolve } from 'node:path';
import type { BenchCell, CellOptions, CellRunner } from '../bench/grid.ts';
import type { CellReply } from './jobs.ts';
import type { JobDispatcher } from './dispatch.ts';

/** A cell runner that runs cells on the queue's workers through `dispatcher`. */
export function queueCellRunner(dispatcher: JobDispatcher): CellRunner {
  return async (c: BenchCell, options: CellOptions) => {
    const cell = { ...c, dir: resolve(c.dir) };
    const opts: CellOptions = { ...options, data: resolve(options.data), out: cell.dir, ...(options.classesFile ? { classesFile: resolve(options.classesFile) } : {}) };
    const r = await dispatcher.submit(`cell-${c.strategy}__${c.framework}__seed${c.seed}`, { kind: 'cell', cell, options: opts });
    if (!r.ok) return { ok: false, message: `${r.error} (after ${r.attempts} tries)` };
    const rep = r.reply as CellReply;
    return rep.ok ? { ok: true } : { ok: false, message: `${rep.message ?? 'failed'} (on ${rep.worker})` };
  };
}

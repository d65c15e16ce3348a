/**
 * The benchmark grid (SPEC.md §10, §13: strategy × framework × seed, Table 1): prepares the
 * experiment once in this process (filling the on-disk feature cache and writing the prepared
 * matrices to `<out>/prepared/`, which the cells load instead of hashing every image), then runs
 * every cell in a child process (`--jobs` at a time), each writing
 * `<out>/runs/<strategy>__<framework>__seed<k>/results.json` atomically. Restarting skips finished cells; `<out>/bench.json` records the grid's settings and
 * their hash, and a restart with different settings is refused.
 */
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnalysisOptions } from '../eval/analysis.ts';
import { experimentSetup, type ExperimentOptions } from './experiment.ts';
import { prepareExperiment, writePreparedTeacher, type ExperimentSetup, type PreparedExperiment } from '../loop/prepare.ts';
import { preparedDirFor, preparedKey, writePreparedExperiment } from './prepared-store.ts';
import { benchManifestDocument, readBenchManifest, readResults, writeBenchManifest } from '../loop/results.ts';
import type { BenchManifest } from '../loop/results-schema.ts';
import { encodeKey } from '../encoders/encode.ts';
import { writeBenchReport } from '../report/bench-report.ts';
import { createStrategy } from '../strategies/registry.ts';
import { stableJson as stable } from './stable-json.ts';
import { UserError } from '../util/errors.ts';
import { checkOutDir } from '../util/out-dir.ts';
import { createProgress, formatDuration, type ProgressOptions } from '../util/progress.ts';
import { LEGACY_PREPROCESS } from '../options/definitions.ts';

/** Options of {@link runBench}. */
export interface BenchOptions {
  /** The experiment settings (strategies, frameworks, seeds, rounds, student, teacher, …); `out` is the benchmark folder. */
  experiment: ExperimentOptions;
  /** Cells run at once (child processes). Default: `os.availableParallelism()`. */
  jobs?: number;
  /** Analysis recorded per cell (SPEC §11). Default: everything on; `false` turns it off. */
  analysis?: AnalysisOptions | false;
  /** Target accuracy (%) of the "labels needed" column of the report. */
  targetAccuracy?: number;
  /** Strategy compared against each baseline (default `pcoreset`). */
  reference?: string;
  /** Write PNG copies of the plots (default true). */
  png?: boolean;
  /** Progress bar options (default: live bar on a TTY). */
  progress?: ProgressOptions;
  /**
   * Runs one cell (default {@link runCell}: a local child process). The queue's runner sends the
   * same cell to a worker (src/queue/cells.ts); set `jobs` to the cells it may hold at once.
   */
  cellRunner?: CellRunner;
}

/** One grid cell. */
export interface BenchCell {
  strategy: string;
  framework: string;
  seed: number;
  /** `<out>/runs/<strategy>__<framework>__seed<k>`. */
  dir: string;
}

/** The settings recorded in `bench.json` (schema: src/loop/results-schema.ts); their hash guards restarts. */
export type { BenchManifest } from '../loop/results-schema.ts';

/** `1 strategy`, `2 strategies`. */
const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * The settings that determine the grid's results: everything in the experiment options except
 * where output, caches and threads live (those do not change results), plus the analysis options.
 */
export function benchConfig(o: BenchOptions): Record<string, unknown> {
  const e = o.experiment;
  const { cacheDir: _c, ...dataset } = e.dataset ?? {};
  return {
    data: resolve(e.data),
    classesFile: e.classesFile,
    dataset,
    strategies: e.strategies,
    frameworks: e.frameworks,
    seeds: e.seeds,
    rounds: e.rounds,
    querySize: e.querySize,
    initialShots: e.initialShots,
    dho: e.dho,
    studentModel: e.studentModel,
    teacher: e.teacher,
    teacherAccuracy: e.teacherAccuracy,
    teacherShots: e.teacherShots,
    encode: encodeKey(e.encode),
    analysis: o.analysis === false ? false : (o.analysis ?? {}),
  };
}

/** sha256 of the stable JSON of {@link benchConfig}. */
export function benchConfigHash(config: Record<string, unknown>): string {
  return createHash('sha256').update(stable(config)).digest('hex');
}

/** The cells of the grid in run order (framework, then strategy, then seed). */
export function benchCells(o: BenchOptions): BenchCell[] {
  const e = o.experiment;
  return e.frameworks.flatMap((framework) => e.strategies.flatMap((strategy) => e.seeds.map((seed) => ({ strategy, framework, seed, dir: join(e.out, 'runs', `${strategy}__${framework}__seed${seed}`) }))));
}

/**
 * Whether a cell has a complete, valid results.json (any version this activekd reads) of the same
 * strategy, framework and seed; anything else (missing, truncated, foreign, another cell's) is rerun.
 */
export function cellFinished(c: BenchCell): boolean {
  const f = join(c.dir, 'results.json');
  if (!existsSync(f)) return false;
  try {
    const r = readResults(f);
    return r.config.strategy === c.strategy && r.config.framework === c.framework && r.config.seed === c.seed;
  } catch {
    return false;
  }
}

/**
 * Refuses a reference strategy (`--reference`) that the grid does not run: the report's paired tests
 * compare it against every other strategy and would be empty.
 * @param what the command's prefix in the message (e.g. `--teacher-levels: `)
 * @throws UserError naming the reference and the strategies
 */
export function checkReference(strategies: readonly string[], reference: string, what = ''): void {
  if (!strategies.includes(reference)) throw new UserError(`${what}the reference strategy ${reference} (--reference) is not among the strategies (${strategies.join(', ')}); the report compares it against every other one`);
}

/**
 * The settings that differ between two grid configurations, as dotted paths one level into an
 * object setting (`encode.preprocess`, not just `encode`), sorted.
 */
export function changedSettings(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const out: string[] = [];
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const x = a[k];
    const y = b[k];
    if (stable(x) === stable(y)) continue;
    if (isObject(x) && isObject(y)) {
      const inner = [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((j) => stable(x[j]) !== stable(y[j]));
      out.push(...inner.sort().map((j) => `${k}.${j}`));
    } else out.push(k);
  }
  return out;
}

/**
 * The value of a dotted setting path in a grid configuration; an `encode` without `preprocess`
 * means `v1-sharp` (`encodeKey` leaves it out, so grids from before versions keep their hash).
 */
function settingValue(config: Record<string, unknown>, path: string): unknown {
  const v = path.split('.').reduce<unknown>((o, k) => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined), config);
  return v === undefined && path === 'encode.preprocess' ? LEGACY_PREPROCESS : v;
}

/** `name: <value> in the grid, <value> now` (values cut to 60 characters). */
function describeChange(name: string, grid: Record<string, unknown>, now: Record<string, unknown>): string {
  const show = (v: unknown): string => {
    const s = v === undefined ? '(unset)' : typeof v === 'string' ? v : JSON.stringify(v);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  };
  return `${name}: ${show(settingValue(grid, name))} in the grid, ${show(settingValue(now, name))} now`;
}

/**
 * Writes `<out>/bench.json`, or checks it against the current settings on a restart. The recorded
 * settings are compared by the hash of their (upgraded, see `readBenchManifest`) values, so a grid
 * started by an older activekd resumes when its settings mean the same.
 * @throws UserError naming the changed settings when the folder holds a grid with other settings,
 *   or when bench.json is not a benchmark manifest this activekd reads (see `readBenchManifest`)
 */
export function checkManifest(o: BenchOptions): BenchManifest {
  const config = benchConfig(o);
  const configHash = benchConfigHash(config);
  const path = join(o.experiment.out, 'bench.json');
  const manifest = benchManifestDocument({ configHash, config, report: { ...(o.targetAccuracy !== undefined ? { targetAccuracy: o.targetAccuracy } : {}), reference: o.reference ?? 'pcoreset' } });
  if (existsSync(path)) {
    const old = readBenchManifest(path);
    if (benchConfigHash(old.config) !== configHash) {
      const changed = changedSettings(old.config, config);
      // A grid that never finished a cell (e.g. stopped by a bad option before any work) holds no
      // result to protect: its settings are replaced, so fixing the command and rerunning works.
      if (finishedCellDirs(o.experiment.out).length === 0) {
        o.experiment.log(`${path}: no cell of the earlier settings had finished; replacing them (changed: ${changed.join(', ') || 'unknown'})`);
        writeBenchManifest(path, manifest);
        return manifest;
      }
      const gridPreprocess = settingValue(old.config, 'encode.preprocess') as string;
      const hint = changed.includes('encode.preprocess') ? ` (add --preprocess ${gridPreprocess} to resume it with the grid's image preprocessing)` : '';
      throw new UserError(
        `${o.experiment.out} holds a benchmark grid run with different settings (changed: ${changed.map((c) => describeChange(c, old.config, config)).join('; ') || 'unknown'})${hint}; ` +
          `rerun with the same settings to resume it, or choose a new --out folder`,
      );
    }
  }
  writeBenchManifest(path, manifest);
  return manifest;
}

/** Cell folders under `<out>/runs` that hold a results.json (of any settings). */
function finishedCellDirs(out: string): string[] {
  const runs = join(out, 'runs');
  if (!existsSync(runs)) return [];
  return readdirSync(runs).filter((d) => existsSync(join(runs, d, 'results.json')));
}

/**
 * The benchmark's warm-up: prepares each distinct setup of the cells once (encoding the dataset
 * with the student and the teacher, and the few-shot teacher's features, filling the on-disk
 * cache), writes each one that is storable to `<out>/prepared/` (src/bench/prepared-store.ts) for
 * the cells to load instead of hashing every image, and writes the teacher probabilities to
 * `<out>/teacher` once. Setups that differ only in `zeroShot` share one preparation when the
 * teacher was built (the flag then changes nothing).
 * @param cellOptions the options of each pending cell, as sent to it
 */
export async function warmCache(e: ExperimentOptions, cellOptions: readonly CellOptions[]): Promise<void> {
  const root = preparedRoot(e.out);
  const done: { setup: ExperimentSetup; prepared: PreparedExperiment }[] = [];
  let teacherWritten = false;
  for (const setup of cellOptions.map((c) => experimentSetup(c))) {
    const key = preparedKey(setup);
    if (done.some((d) => preparedKey(d.setup) === key)) continue;
    const same = done.find((d) => !setup.fewShot && (d.prepared.teacher !== null || setup.teacher === null) && preparedKey({ ...d.setup, zeroShot: true }) === preparedKey({ ...setup, zeroShot: true }));
    const prepared = same?.prepared ?? (await prepareExperiment(setup));
    done.push({ setup, prepared });
    if (!setup.fewShot) writePreparedExperiment(root, setup, prepared);
    if (!teacherWritten && prepared.teacherTrain) {
      writePreparedTeacher(join(e.out, 'teacher'), prepared);
      teacherWritten = true;
    }
    if (!same) e.log(`dataset ${prepared.dataset.root}: ${prepared.dataset.classNames.length} classes, pool ${prepared.train.ids.length}, test ${prepared.test?.ids.length ?? 0} (prepared once${setup.fewShot ? '; few-shot cells read the feature cache' : `; cells load ${preparedDirFor(root, setup)}`})`);
  }
}

/** Where the warm-up writes the prepared experiments of a benchmark folder: `<out>/prepared` (absolute). */
export function preparedRoot(out: string): string {
  return resolve(out, 'prepared');
}

/**
 * The options one cell runs with: the grid's experiment options narrowed to the cell's strategy,
 * framework and seed, writing into the cell folder, loading the warm-up's prepared experiment.
 */
function cellOptionsOf(e: ExperimentOptions, c: BenchCell, analysis: AnalysisOptions | undefined, threads: number | undefined): CellOptions {
  const { log: _log, ...rest } = e;
  return {
    ...rest,
    strategies: [c.strategy],
    frameworks: [c.framework as ExperimentOptions['frameworks'][number]],
    seeds: [c.seed],
    out: c.dir,
    encode: { ...e.encode, ...(threads !== undefined ? { threads } : {}) },
    writeTeacher: false,
    ...(analysis ? { analysis } : {}),
    preparedDir: preparedRoot(e.out),
  };
}

/** The serialisable part of the experiment options sent to a cell process. */
export type CellOptions = Omit<ExperimentOptions, 'log'>;

/** Runs one cell (writing `<cell.dir>/results.json`); resolves with whether it succeeded. */
export type CellRunner = (c: BenchCell, options: CellOptions) => Promise<{ ok: boolean; message?: string }>;

/** Runs one cell in a child process (src/bench/worker.ts, compiled: dist/bench/worker.js), logging to `<cell.dir>/log.txt`; resolves with its exit status. */
export function runCell(c: BenchCell, options: CellOptions): Promise<{ ok: boolean; message?: string }> {
  mkdirSync(c.dir, { recursive: true });
  const logFd = openSync(join(c.dir, 'log.txt'), 'w');
  // The sibling worker of this module: worker.js when compiled (dist/), worker.ts + the tsx loader when run from src/.
  const fromSource = import.meta.url.endsWith('.ts');
  const worker = fileURLToPath(new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url));
  const execArgv = fromSource ? ['--import', import.meta.resolve('tsx')] : [];
  const child = fork(worker, [], { execArgv, stdio: ['ignore', logFd, logFd, 'ipc'], env: { ...process.env, CI: '1' } });
  closeSync(logFd);
  return new Promise((res) => {
    let reply: { ok: boolean; message?: string } | null = null;
    child.on('message', (m) => (reply = m as { ok: boolean; message?: string }));
    child.on('error', (err) => res({ ok: false, message: err.message }));
    child.on('exit', (code, signal) => res(reply ?? { ok: code === 0, message: `exited with ${signal ?? code}` }));
    child.send({ options });
  });
}

/**
 * Runs (or resumes) the benchmark grid and writes its report (see {@link writeBenchReport}).
 * @returns the number of cells run now and skipped as already finished
 * @throws UserError on bad settings, a settings change on restart, or failed cells (after all others ran)
 */
export async function runBench(o: BenchOptions): Promise<{ ran: number; skipped: number; reportDir: string }> {
  const e = o.experiment;
  for (const s of e.strategies) createStrategy(s); // validate names before any work
  checkOutDir(e.out);
  mkdirSync(e.out, { recursive: true });
  const manifest = checkManifest(o);
  const cells = benchCells(o);
  const pending = cells.filter((c) => !cellFinished(c));
  const skipped = cells.length - pending.length;
  const jobs = Math.max(1, Math.min(o.jobs ?? availableParallelism(), pending.length || 1));
  e.log(`benchmark ${e.out}: ${cells.length} cells (${plural(e.strategies.length, 'strategy', 'strategies')} × ${plural(e.frameworks.length, 'framework', 'frameworks')} × ${plural(e.seeds.length, 'seed', 'seeds')}), ${skipped} already finished, ${jobs} at a time`);
  let analysis = o.analysis === false ? undefined : (o.analysis ?? {});
  // Bias metrics cluster the teacher's probabilities: only when the grid has a teacher anyway.
  if (analysis && e.frameworks.every((f) => f === 'no-distill')) analysis = { ...analysis, bias: false };
  if (pending.length > 0) {
    const t0 = performance.now();
    // A remote runner's cells use their own machine's cores unless --threads is given.
    const threads = e.encode.threads ?? (o.cellRunner ? undefined : Math.max(1, Math.floor(availableParallelism() / jobs)));
    const cellOptions = (c: BenchCell): CellOptions => cellOptionsOf(e, c, analysis, threads);
    await warmCache(e, pending.map(cellOptions));
    if (e.encode.cacheDir === null && e.frameworks.includes('few-shot')) e.log('warning: --no-cache: every few-shot cell encodes the dataset again');
    const run = o.cellRunner ?? runCell;
    const bar = createProgress(`bench ${pending.length} cells`, pending.length, o.progress);
    const failures: string[] = [];
    let next = 0;
    let finished = 0;
    const tGrid = performance.now();
    const workerLoop = async (): Promise<void> => {
      while (next < pending.length) {
        const c = pending[next++] as BenchCell;
        const tc = performance.now();
        const r = await run(c, cellOptions(c));
        if (!r.ok) failures.push(`${c.strategy}/${c.framework}/seed ${c.seed}: ${r.message ?? 'failed'} (log: ${join(c.dir, 'log.txt')})`);
        bar.tick();
        finished++;
        const elapsed = (performance.now() - tGrid) / 1000;
        const eta = (elapsed / finished) * (pending.length - finished);
        e.log(`cell ${c.strategy} / ${c.framework} / seed ${c.seed}: ${r.ok ? 'done' : 'FAILED'} in ${formatDuration((performance.now() - tc) / 1000)} [${finished}/${pending.length}, elapsed ${formatDuration(elapsed)}, ETA ${formatDuration(eta)}]`);
      }
    };
    await Promise.all(Array.from({ length: jobs }, workerLoop));
    bar.stop();
    e.log(`grid finished in ${formatDuration((performance.now() - t0) / 1000)}`);
    if (failures.length > 0) throw new UserError(`${failures.length} benchmark cell(s) failed:\n  ${failures.join('\n  ')}`);
  }
  await writeBenchReport(e.out, { reference: manifest.report.reference, ...(o.targetAccuracy !== undefined ? { targetAccuracy: o.targetAccuracy } : {}), ...(o.png === false ? { png: false } : {}) });
  return { ran: pending.length, skipped, reportDir: e.out };
}

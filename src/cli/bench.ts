import { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkReference, runBench } from '../bench/grid.ts';
import { parseTeacherLevels, runTeacherLevels, TEACHER_LEVEL_SYNTAX, type TeacherLevel } from '../bench/teacher-levels.ts';
import { writeTeacherLevelsReport } from '../report/teacher-levels-report.ts';
import { readBenchManifest } from '../loop/results.ts';
import { FRAMEWORK_OPTION, STRATEGIES_OPTION } from '../options/definitions.ts';
import type { Framework } from '../options/framework.ts';
import { writeBenchReport } from '../report/bench-report.ts';
import { overSeeds } from '../report/tables.ts';
import { UserError } from '../util/errors.ts';
import { DATA_HELP } from './datasets.ts';
import { onInterrupt } from './interrupt.ts';
import { cliOption } from './option-def.ts';
import { nonNegativeInt, numberIn, positiveInt } from './parse.ts';
import { queueBench } from './queue.ts';
import { addRunOptions, toExperimentOptions, type RawRunOptions, type RunDefaults } from './run-options.ts';

/** `activekd bench`'s own defaults: the six strategies of the paper's Table 1, both frameworks without few-shot, 5 seeds, 16 rounds. */
export const BENCH_DEFAULTS = {
  rounds: 16,
  strategy: 'random,entropy,coreset,badge,class-balanced,pcoreset',
  frameworks: ['no-distill', 'zero-shot'],
  seeds: [1, 2, 3, 4, 5],
} as const satisfies RunDefaults;

interface RawBenchOptions extends RawRunOptions {
  data: string;
  out: string;
  strategies?: string[];
  frameworks?: Framework[];
  jobs?: number;
  targetAccuracy?: number;
  reference: string;
  analysis: boolean;
  biasK?: number;
  biasDelta: number;
  biasLambda: number;
  kmeansNInit: number;
  featureDistanceScale: number;
  png: boolean;
  queue?: string;
  queueTlsCa?: string;
  queuePrefix: string;
  teacherLevels?: TeacherLevel[];
}

/**
 * `activekd bench` (run or resume a strategy × framework × seed grid in child processes, then write
 * the report) and `activekd report DIR` (regenerate the report from the runs' results.json files).
 */
export function benchCommands(log: (s: string) => void): Command[] {
  const bench = addRunOptions(
    onInterrupt(new Command('bench'), 'the finished cells are kept: rerun the same command to resume')
      .description('run (or resume) a strategy × framework × seed benchmark grid in parallel child processes and write the report (Table 1, curves, tests, plots, report.html)')
      .requiredOption('--data <path>', DATA_HELP)
      .requiredOption('--out <dir>', 'benchmark folder: runs/<strategy>__<framework>__seed<k>/results.json, bench.json, report files')
      // Plural aliases of --strategy and --framework: hidden, named in their help (noteAlias below).
      .addOption(cliOption(STRATEGIES_OPTION, { flags: '--strategies <names>', description: 'comma-separated strategies (same as --strategy)', default: undefined }).hideHelp())
      .addOption(cliOption(FRAMEWORK_OPTION, { flags: '--frameworks <names>', description: 'comma-separated frameworks (same as --framework)', default: undefined }).hideHelp())
      .option('--jobs <n>', 'cells run at once (default: number of cores)', positiveInt('--jobs'))
      .option('--target-accuracy <pct>', 'report labels needed to reach this test accuracy (%)', numberIn('--target-accuracy', 0, 100))
      .option('--reference <strategy>', 'strategy tested against every other one (paired t, Wilcoxon)', 'pcoreset')
      .option('--no-analysis', 'skip the selection-criteria, bias and heatmap analysis (SPEC §11)')
      .option('--bias-k <n>', 'k-means clusters of the teacher probabilities (default: number of classes)', positiveInt('--bias-k'))
      .option('--bias-delta <d>', 'L1 threshold δ of active centroids / propagation', numberIn('--bias-delta', 0, 2), 0.5)
      .option('--bias-lambda <l>', 'weight λ of the ground truth in propagated centroids', numberIn('--bias-lambda', 0, 1), 0.5)
      .option('--kmeans-n-init <n>', 'k-means restarts', nonNegativeInt('--kmeans-n-init'), 10)
      .option('--feature-distance-scale <s>', 'divisor of the feature-diversity cosine distance (1: SPEC §11.2 verbatim; 2: maps any features into [0,1])', numberIn('--feature-distance-scale', 1e-6, 1e6), 1)
      .option('--no-png', 'write SVG plots only')
      .option('--queue <url>', 'run the encoding and the cells on `activekd worker`s of this Redis queue (redis://HOST:PORT[/DB]; see README "Scaling out")')
      .option('--queue-tls-ca <file>', 'CA certificate (PEM) of a rediss:// queue server')
      .option('--queue-prefix <name>', 'key prefix of the queue in Redis', 'activekd')
      .option('--teacher-levels <levels>', `teacher-strength sweep: repeat the grid per teacher level (comma-separated: ${TEACHER_LEVEL_SYNTAX}); framework no-distill runs once; one report across levels (teacher-levels.md/.html; README "When does PCoreSet pay off?")`, (v: string) => parseTeacherLevels(v)),
    { ...BENCH_DEFAULTS, frameworks: [...BENCH_DEFAULTS.frameworks], seeds: [...BENCH_DEFAULTS.seeds] },
  );
  noteAlias(bench, '--strategy', '--strategies');
  noteAlias(bench, '--framework', '--frameworks');
  bench.action(async (raw: RawBenchOptions, cmd: Command) => {
    const strategy = raw.strategies ?? raw.strategy;
    const framework = raw.frameworks ?? raw.framework;
    // --seed N alone replaces the default seed list; --seeds wins when both are given.
    const seeds = raw.seed !== undefined && cmd.getOptionValueSource('seeds') === 'default' ? [raw.seed] : raw.seeds;
    const experiment = toExperimentOptions({ ...raw, strategy, framework, ...(seeds ? { seeds } : {}) }, raw.data, raw.out, log);
    // An explicit --reference must be run (else the paired tests would be empty); the default
    // (pcoreset) may be absent from a grid of baselines only. (A sweep checks its reference itself.)
    if (!raw.teacherLevels && cmd.getOptionValueSource('reference') !== 'default') checkReference(experiment.strategies, raw.reference);
    const queue = raw.queue ? await queueBench({ ...raw, queue: raw.queue }, experiment, log) : null;
    const benchOptions = {
      experiment,
      ...queue?.bench,
      ...(raw.jobs ? { jobs: raw.jobs } : {}),
      analysis: raw.analysis ? { criteria: { featureScale: raw.featureDistanceScale }, bias: { lambda: raw.biasLambda, delta: raw.biasDelta, nInit: Math.max(1, raw.kmeansNInit), ...(raw.biasK ? { k: raw.biasK } : {}) } } : (false as const),
      ...(raw.targetAccuracy !== undefined ? { targetAccuracy: raw.targetAccuracy } : {}),
      reference: raw.reference,
      png: raw.png,
    };
    if (raw.teacherLevels) {
      const levels = raw.teacherLevels;
      const { ran, skipped } = await runTeacherLevels({ ...benchOptions, levels }).finally(() => queue?.close());
      log(`\n${ran} cell(s) run, ${skipped} reused over ${levels.length} teacher level(s).\n`);
      log(readFileSync(join(raw.out, 'teacher-levels.md'), 'utf8'));
      log(`report: ${join(raw.out, 'teacher-levels.html')}`);
      return;
    }
    const { ran, skipped } = await runBench(benchOptions).finally(() => queue?.close());
    log(`\n${ran} cell(s) run, ${skipped} reused. Table 1 (final-round test accuracy %, ${overSeeds(experiment.seeds.length)}):\n`);
    log(readFileSync(join(raw.out, 'table1.md'), 'utf8'));
    log(`report: ${join(raw.out, 'report.html')}`);
  });

  const report = new Command('report')
    .description('regenerate a benchmark report (summary.json, CSVs, table1.md, plots/, report.html) from DIR/runs/*/results.json, or a teacher-strength sweep\'s report (teacher-levels.md/.csv/.html) from DIR/teacher-levels.json and its levels')
    .argument('<dir>', 'benchmark folder written by `activekd bench`')
    .option('--target-accuracy <pct>', 'labels needed to reach this test accuracy (%) (default: the one recorded by bench)', numberIn('--target-accuracy', 0, 100))
    .option('--reference <strategy>', 'strategy tested against every other one (default: the one recorded by bench, else pcoreset)')
    .option('--no-png', 'write SVG plots only')
    .action(async (dir: string, raw: { targetAccuracy?: number; reference?: string; png: boolean }) => {
      if (!existsSync(dir)) throw new UserError(`${dir}: no such folder`);
      if (existsSync(join(dir, 'teacher-levels.json'))) {
        await writeTeacherLevelsReport(dir, { png: raw.png });
        log(readFileSync(join(dir, 'teacher-levels.md'), 'utf8'));
        log(`report: ${join(dir, 'teacher-levels.html')}`);
        return;
      }
      const mf = join(dir, 'bench.json');
      const recorded = existsSync(mf) ? readBenchManifest(mf).report : undefined;
      const target = raw.targetAccuracy ?? recorded?.targetAccuracy;
      await writeBenchReport(dir, { reference: raw.reference ?? recorded?.reference ?? 'pcoreset', ...(target !== undefined ? { targetAccuracy: target } : {}), png: raw.png });
      log(readFileSync(join(dir, 'table1.md'), 'utf8'));
      log(`report: ${join(dir, 'report.html')}`);
    });
  return [bench, report];
}

/** Names the hidden option `alias` in the help of `flag` of `cmd`: `(alias: --strategies)`. */
function noteAlias(cmd: Command, flag: string, alias: string): void {
  const o = cmd.options.find((x) => x.long === flag);
  if (o === undefined) throw new Error(`noteAlias: ${cmd.name()} has no ${flag}`);
  o.description = `${o.description} (alias: ${alias})`;
}

#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ASSETS } from '../assets.ts';
import { checkExperimentOptions, runExperiment } from '../bench/experiment.ts';
import { overSeeds, summaryTable } from '../report/tables.ts';
import { UserError } from '../util/errors.ts';
import { benchCommands } from './bench.ts';
import { DATA_HELP, datasetsCommand } from './datasets.ts';
import { demoBanner } from './demo.ts';
import { exitOnInterrupt, featureCacheNote, onInterrupt } from './interrupt.ts';
import { projectCommands } from './project-commands.ts';
import { markRequiredOptions } from './option-def.ts';
import { addQueueOptions, queueCommands, queueEncodeExperiment, type RawQueueOptions } from './queue.ts';
import { addRunOptions, DEMO_EXCLUDED_OPTIONS, toExperimentOptions, type RawRunOptions } from './run-options.ts';
import { selectCommand } from './select.ts';
import { strategiesListing } from './strategies.ts';

const log = (s: string): void => {
  process.stdout.write(`${s}\n`);
};

/** What rerunning `run` or `demo` after an interrupt does. */
const RERUN_REUSES = 'rerunning the same command reuses them (the rounds start over)';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
}

/** Builds the `activekd` command-line program (commander). */
export function buildProgram(): Command {
  const program = new Command('activekd')
    .description('Active learning with knowledge distillation from a generalist teacher (ActiveKD + PCoreSet, arXiv 2506.00910)')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  const run = addRunOptions(
    program
      .command('run')
      .description('simulate active learning on a labeled dataset (class folders, CoOp or FGVC split files, IDX, CSV/JSONL manifests) and write results.json')
      .requiredOption('--data <path>', DATA_HELP)
      .option('--out <dir>', 'output folder (default: runs/<timestamp>)'),
    {},
  );
  onInterrupt(run, featureCacheNote(RERUN_REUSES));
  addQueueOptions(run, false).action(async (raw: RawRunOptions & RawQueueOptions & { data: string; out?: string }) => {
    const out = raw.out ?? join('runs', timestamp());
    const experiment = toExperimentOptions(raw, raw.data, out, log);
    // --queue: the images are encoded on the queue's workers into the shared feature cache first.
    if (raw.queue) await queueEncodeExperiment({ ...raw, queue: raw.queue }, experiment, log);
    const { runs } = await runExperiment(experiment);
    printSummary(runs);
    log(`\nresults written to ${out}`);
  });

  const demo = addRunOptions(
    program
      .command('demo')
      .description('run PCoreSet and random under zero-shot distillation on the embedded real CIFAR-10 subset (2,000 pool / 1,000 test images)')
      .option('--out <dir>', 'output folder', join('runs', 'demo')),
    { rounds: 6, strategy: 'pcoreset,random' },
    DEMO_EXCLUDED_OPTIONS,
  );
  onInterrupt(demo, featureCacheNote(RERUN_REUSES));
  demo.action(async (raw: RawRunOptions & { out: string }) => {
    const experiment = toExperimentOptions(raw, ASSETS.cifar10Mini, raw.out, log);
    checkExperimentOptions(experiment); // refuse bad combinations before the introduction
    for (const line of demoBanner(raw)) log(line);
    const { runs, teacherAccuracy } = await runExperiment(experiment);
    printSummary(runs);
    const last = runs.map((r) => ({ name: r.strategy, rr: r.result.rounds.at(-1) }));
    const parts = last.map((x) => `${x.name} ${x.rr?.testAccuracy == null ? '—' : `${(100 * x.rr.testAccuracy).toFixed(1)}%`}`);
    const labels = last[0]?.rr?.labeledCount ?? 0;
    const teacher = teacherAccuracy === null ? '' : ` (the teacher alone: ${(100 * teacherAccuracy).toFixed(1)}%)`;
    log(`\nafter ${labels} labels: ${parts.join(', ')}${teacher}`);
    log(`results written to ${raw.out}`);
  });

  program
    .command('strategies')
    .description('list the selection strategies: a one-line description and the options of each')
    .action(() => {
      log(strategiesListing());
    });
  program.addCommand(datasetsCommand(log));
  for (const c of benchCommands(log)) program.addCommand(c);
  program.addCommand(selectCommand(log));
  for (const c of projectCommands(log)) program.addCommand(c);
  for (const c of queueCommands(log)) program.addCommand(c);
  // Commands built elsewhere and added with addCommand do not inherit these settings.
  const inherit = (c: Command): void => {
    c.exitOverride().showHelpAfterError('(run with --help for usage)');
    c.commands.forEach(inherit);
  };
  program.commands.forEach(inherit);
  markRequiredOptions(program);
  return program;
}

function printSummary(runs: Awaited<ReturnType<typeof runExperiment>>['runs']): void {
  if (runs.length < 2) return;
  const groups: Record<string, (typeof runs)[number]['result']['rounds'][]> = {};
  for (const r of runs) (groups[`${r.strategy}/${r.framework}`] ??= []).push(r.result.rounds);
  const seeds = Math.max(...Object.values(groups).map((g) => g.length));
  log(`\nsummary (test accuracy %, ${overSeeds(seeds)}):`);
  log(summaryTable(groups));
}

/** Runs the CLI; user errors print one line and exit 2, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  let removeInterruptHandler = (): void => {};
  // Ctrl-C: one line saying what a rerun does, exit 130 (src/cli/interrupt.ts).
  program.hook('preAction', (_program, action) => {
    removeInterruptHandler = exitOnInterrupt(action);
  });
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof UserError) {
      process.stderr.write(`activekd: error: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`activekd: internal error (please report): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  } finally {
    removeInterruptHandler();
  }
}

const invokedDirectly = process.argv[1] !== undefined && /(?:^|[\\/])(main\.ts|activekd(\.js)?)$/.test(process.argv[1]);
if (invokedDirectly) {
  // A reader that stops early (`activekd bench --help | head -3`) closes the pipe: end quietly, as
  // other command-line tools do, instead of an unhandled EPIPE stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(0);
  });
  process.exitCode = await main(process.argv);
}

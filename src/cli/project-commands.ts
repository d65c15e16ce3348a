/**
 * The human-in-the-loop commands (issue 6): `init`, `round`, `import-labels`, `label`, `status`,
 * `export`. Argument parsing only; the work is in src/project/ and src/server/.
 */
import type { PreprocessVersion } from '../encoders/spec.ts';
import { Command } from 'commander';
import { BUDGET_OPTION, CACHE_DIR_OPTION, ENCODER_BATCH_SIZE_OPTION, HIDDEN_OPTION, PREDICT_CHUNK_OPTION, PREPROCESS_OPTION, TEACHER_OPTION, QUERY_OPTION, SEED_OPTION, STEPS_PER_BATCH_OPTION, STRATEGY_OPTION, STUDENT_HEAD_OPTION } from '../options/definitions.ts';
import { exportProject } from '../project/export.ts';
import { importLabels, unlabeledSummary } from '../project/labels.ts';
import { initProject, projectStatus, runProjectRound } from '../project/project.ts';
import { startLabelServer } from '../server/label-server.ts';
import { parseTeacherSpec, teacherSpecHelp } from '../teachers/registry.ts';
import { onInterrupt, untilStopped } from './interrupt.ts';
import { cliOption } from './option-def.ts';
import { nonNegativeInt } from './parse.ts';
import { addQueueOptions, queueEncodeHook, type RawQueueOptions } from './queue.ts';

/** The accepted label files, as `import-labels --help` lists them. */
export const IMPORT_FORMATS_HELP = `
Accepted label files (detected from the content):
  CSV or TSV       id,label per line, header optional, extra columns ignored: the round's
                   rounds/round-NNN/batch.csv once its label column is filled in
  Label Studio     an export of the project's tasks in any of its formats:
                   JSON (full), JSON-MIN, CSV or TSV; the label is the choice of the
                   project's label config, the id is the task's item_id
Tasks without a label (skipped, cancelled, unannotated) are reported and not imported.
A label for an item that already has a different one is refused unless --relabel is given
(the change is journaled as a correction; the previous label stays in the journal).`;

/**
 * Builds the project commands; register each with `program.addCommand`.
 * @param log line printer (stdout)
 */
export function projectCommands(log: (line: string) => void): Command[] {
  const init = onInterrupt(new Command('init'), 'the images encoded so far stay in the feature cache: rerun the same command to resume')
    .description('create a labeling project: a folder with an SQLite journal over a folder of unlabeled images')
    .argument('<project>', 'project folder to create')
    .requiredOption('--images <dir>', 'folder of unlabeled images (searched recursively)')
    .requiredOption('--classes <file>', 'class names, one per line')
    .option('--test <dir>', 'labeled test folder (<class>/<image>) for accuracy in status')
    .addOption(cliOption(TEACHER_OPTION, { description: `teacher: ${teacherSpecHelp()}; none trains without distillation`, parse: (raw) => (parseTeacherSpec(raw), raw) }))
    .option('--class-map <file>', 'label-transfer class map JSON (default: the embedded CIFAR-10 or Fashion-MNIST map whose keys cover the dataset classes)')
    .addOption(cliOption(STUDENT_HEAD_OPTION))
    .addOption(cliOption(HIDDEN_OPTION))
    .addOption(cliOption(STEPS_PER_BATCH_OPTION))
    .addOption(cliOption(QUERY_OPTION, { description: 'default images per round' }))
    .addOption(cliOption(BUDGET_OPTION))
    .addOption(cliOption(STRATEGY_OPTION, { description: 'default selection strategy (see `activekd strategies`)' }))
    .addOption(cliOption(SEED_OPTION, { description: 'project seed' }))
    .option('--student-model <file>', 'student backbone ONNX (default: embedded MobileNetV1)')
    .addOption(cliOption(CACHE_DIR_OPTION, { defaultText: '<project>/cache' }))
    .addOption(cliOption(ENCODER_BATCH_SIZE_OPTION))
    .addOption(cliOption(PREPROCESS_OPTION, { description: `${PREPROCESS_OPTION.description}; fixed for the project's life` }))
    .addOption(cliOption(PREDICT_CHUNK_OPTION, { description: "rows per student prediction call in this project's rounds (bounds its memory; results do not change)" }));
  addQueueOptions(init, false).action(
    async (project: string, o: RawQueueOptions & { images: string; classes: string; test?: string; teacher: string; classMap?: string; studentHead: 'adapter' | 'linear'; hidden: number; stepsPerBatch: number; query?: number; budget?: number; strategy: string; seed: number; studentModel?: string; cacheDir?: string; encoderBatchSize: number; preprocess?: PreprocessVersion; predictChunk: number }) => {
      const r = await initProject(project, {
        images: o.images,
        classesFile: o.classes,
        ...(o.test ? { testDir: o.test } : {}),
        teacher: o.teacher,
        ...(o.classMap ? { classMap: o.classMap } : {}),
        dho: { head: o.studentHead, hidden: o.hidden, stepsPerLabeledBatch: o.stepsPerBatch, predictChunk: o.predictChunk },
        encoderBatchSize: o.encoderBatchSize,
        ...(o.preprocess ? { preprocess: o.preprocess } : {}),
        ...(o.query ? { querySize: o.query } : {}),
        budget: o.budget ?? null,
        strategy: o.strategy,
        seed: o.seed,
        ...(o.studentModel ? { studentModel: o.studentModel } : {}),
        ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
        ...(o.queue ? { beforeEncode: queueEncodeHook({ ...o, queue: o.queue }, log) } : {}),
        log,
      });
      log(`project ${project}: ${r.pool} pool image(s), ${r.test} test image(s), ${r.skipped} undecodable (skipped)`);
    },
  );

  const round = new Command('round')
    .description('train the student on the labels so far and select the next batch (CSV + Label Studio tasks)')
    .argument('<project>', 'project folder (made by `activekd init`)')
    .addOption(cliOption(STRATEGY_OPTION, { default: undefined, defaultText: "the project's" }))
    .addOption(cliOption(QUERY_OPTION, { description: 'images to select', defaultText: `the project's: init --query, else the ${QUERY_OPTION.defaultText ?? 'none'}` }))
    .option('--skip-unlabeled', 'start a new round even though the latest batch still has unlabeled images', false)
    .addOption(cliOption(ENCODER_BATCH_SIZE_OPTION, { description: 'images per encoder inference call (only images not in the feature cache are encoded)' }))
    .addOption(cliOption(PREDICT_CHUNK_OPTION, { default: undefined, defaultText: "the project's (init --predict-chunk)" }))
    .action(async (project: string, o: { strategy?: string; query?: number; skipUnlabeled: boolean; encoderBatchSize: number; predictChunk?: number }) => {
      const r = await runProjectRound(project, { ...(o.strategy ? { strategy: o.strategy } : {}), ...(o.query ? { query: o.query } : {}), skipUnlabeled: o.skipUnlabeled, encoderBatchSize: o.encoderBatchSize, ...(o.predictChunk ? { predictChunk: o.predictChunk } : {}), log });
      log(`round ${r.round.round}: ${r.selection.length} image(s) to label${r.reused ? ' (already journaled; exports re-written)' : ''}`);
      log(`  CSV: ${r.csv}`);
      log(`  Label Studio tasks: ${r.tasks}`);
      log(`next: fill in the label column and run \`activekd import-labels ${project} ${r.csv}\`, or label on the page: \`activekd label ${project}\``);
    });

  const imp = new Command('import-labels')
    .description('import labels from a CSV/TSV (id,label) or a Label Studio export (JSON, JSON-MIN, CSV or TSV); all or nothing')
    .argument('<project>', 'project folder')
    .argument('<file>', 'label file; its format is detected from its content (see below)')
    .addHelpText('after', IMPORT_FORMATS_HELP)
    .option('--relabel', 'allow changing labels already stored (journaled as corrections; the previous labels stay in the journal)', false)
    .action((project: string, file: string, o: { relabel: boolean }) => {
      const r = importLabels(project, file, { relabel: o.relabel });
      log(`${r.read} label(s) read, ${r.changed} new or changed${r.corrected > 0 ? ` (${r.corrected} corrected)` : ''}`);
      const none = unlabeledSummary(r);
      if (none !== undefined) log(none);
    });

  const label = onInterrupt(new Command('label'), 'own')
    .description('serve the labeling web page for the current batch')
    .argument('<project>', 'project folder (made by `activekd init`)')
    .option('--port <n>', 'port (0 = any free port)', nonNegativeInt('--port'), 0)
    .option('--host <addr>', 'bind address (non-loopback needs --token)', '127.0.0.1')
    .option('--token <t>', 'access token (required unless bound to a loopback address)')
    .action(async (project: string, o: { port: number; host: string; token?: string }) => {
      const s = await startLabelServer({ project, port: o.port, host: o.host, ...(o.token ? { token: o.token } : {}) });
      const stopped = untilStopped();
      log(`labeling page: ${s.url}  (Ctrl+C to stop)`);
      await stopped;
      await s.close();
      log(`labeling page stopped; every label given is stored in ${project} (\`activekd round ${project}\` trains on them and picks the next batch)`);
    });

  const status = new Command('status')
    .description('rounds, labels, budget used and test accuracy so far')
    .argument('<project>', 'project folder (made by `activekd init`)')
    .option('--json', 'print JSON', false)
    .action((project: string, o: { json: boolean }) => {
      const s = projectStatus(project);
      if (o.json) return log(JSON.stringify(s, null, 2));
      log(`classes: ${s.classNames.join(', ')}`);
      log(`pool: ${s.pool} image(s) (${s.skipped} undecodable), test: ${s.test}; image preprocessing ${s.preprocess}`);
      log(`labeled: ${s.labeled}${s.budget === null ? '' : ` of a budget of ${s.budget} (${((100 * s.labeled) / s.budget).toFixed(0)}% used)`}`);
      for (const r of s.rounds) {
        const acc = r.testAccuracy === null ? '—' : `${(100 * r.testAccuracy).toFixed(2)}%`;
        log(`round ${String(r.round).padStart(3)}  trained on ${String(r.labeledCount).padStart(5)}  test acc ${acc.padStart(7)}  batch ${r.labeledOfBatch}/${r.selected} labeled  ${r.strategy}${r.coldStart ? ' (cold start)' : ''}`);
      }
    });

  const exp = new Command('export')
    .description('export backbone + trained DHO head as one ONNX model (images → class probabilities)')
    .argument('<project>', 'project folder (made by `activekd init`)')
    .requiredOption('--onnx <file>', 'output ONNX file (a .json with classes and preprocessing is written beside it)')
    .action(async (project: string, o: { onnx: string }) => {
      const r = await exportProject(project, o.onnx, log);
      log(`exported ${r.onnx} (${r.classNames.length} classes; student ${r.student})`);
    });

  return [init, round, imp, label, status, exp];
}

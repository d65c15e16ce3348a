/**
 * Child-process entry of one benchmark cell (forked by src/bench/grid.ts): receives
 * `{ options: CellOptions }` over IPC, runs `runExperiment` (one strategy × framework × seed,
 * writing results.json atomically into the cell folder), replies `{ ok, message? }` and exits.
 * Exits at once when the parent disappears (IPC disconnect), so a killed benchmark leaves no
 * orphan cells behind.
 */
import { runExperiment } from './experiment.ts';
import { UserError } from '../util/errors.ts';
import type { CellOptions } from './grid.ts';

process.on('disconnect', () => process.exit(70));
process.once('message', (msg: { options: CellOptions }) => {
  const log = (s: string): void => {
    process.stdout.write(`${s}\n`);
  };
  runExperiment({ ...msg.options, log }).then(
    () => process.send?.({ ok: true }, () => process.exit(0)),
    (e: unknown) => {
      const message = e instanceof UserError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e);
      process.stderr.write(`${message}\n`);
      process.send?.({ ok: false, message: e instanceof UserError ? e.message : 'internal error (see log)' }, () => process.exit(1));
    },
  );
});

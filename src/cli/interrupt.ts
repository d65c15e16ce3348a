/**
 * Ctrl-C (SIGINT) or SIGTERM (`kill`, a container or CI stopping the job) in the CLI: a command stops
 * with one line on stderr that says what a rerun does, and exit status 130 or 143 (128 + the
 * signal's number, what a shell reports for a process the signal stopped).
 *
 * The handler runs between two event-loop tasks, so a synchronous write in progress (a feature-cache
 * append, an atomic results file) finishes first: every file is whole when the process exits. The
 * feature cache keeps the rows appended before the interrupt (its writer segment is a finished part
 * of the cache, not a temporary file) and a rerun reads them instead of encoding those images again.
 */
import type { Command } from 'commander';

/** Exit status of a command stopped by SIGINT: 128 + 2. */
export const INTERRUPTED_EXIT_CODE = 130;
/** Exit status of a command stopped by SIGTERM: 128 + 15. */
export const TERMINATED_EXIT_CODE = 143;

/** What the interrupt line of a command adds: a text, or a text made from the command's parsed options. */
export type InterruptNote = string | ((cmd: Command) => string);

const notes = new WeakMap<Command, InterruptNote | 'own'>();

/**
 * Says what the interrupt line of `cmd` adds after "interrupted": what was kept and what a rerun
 * does, or `own` for a command that handles SIGINT itself (a server or worker that shuts down
 * gracefully). A command without a note prints `activekd: interrupted` alone.
 * @returns `cmd`
 */
export function onInterrupt(cmd: Command, note: InterruptNote | 'own'): Command {
  notes.set(cmd, note);
  return cmd;
}

/** The one line printed when `cmd` is interrupted (without the final newline). */
export function interruptMessage(cmd: Command): string {
  const note = notes.get(cmd);
  if (note === undefined || note === 'own') return 'activekd: interrupted';
  return `activekd: interrupted — ${typeof note === 'string' ? note : note(cmd)}`;
}

/**
 * The note of the commands that encode images into the feature cache (`run`, `demo`, `encode`):
 * the rows appended before the interrupt stay there and a rerun reads them (unless `--no-cache`).
 * @param rerun what a rerun does, e.g. `rerun the same command to resume`
 */
export function featureCacheNote(rerun: string): (cmd: Command) => string {
  return (cmd) => (cmd.opts<{ cache?: boolean }>().cache === false ? 'nothing was kept (--no-cache): a rerun starts over' : `the images encoded so far stay in the feature cache: ${rerun}`);
}

/** The exit status of a command stopped by `signal` ({@link INTERRUPTED_EXIT_CODE} or {@link TERMINATED_EXIT_CODE}). */
export function exitCodeOf(signal: 'SIGINT' | 'SIGTERM'): number {
  return signal === 'SIGINT' ? INTERRUPTED_EXIT_CODE : TERMINATED_EXIT_CODE;
}

/**
 * For a command marked `own` (a server or worker that shuts down itself): resolves with the first
 * SIGINT or SIGTERM. The handlers are installed at once: call it before the command prints that it
 * is ready, since whoever reads that line may stop it at once (without a handler the signal kills).
 */
export function untilStopped(): Promise<'SIGINT' | 'SIGTERM'> {
  return new Promise((resolve) => {
    const onInt = (): void => {
      process.removeListener('SIGTERM', onTerm);
      resolve('SIGINT');
    };
    const onTerm = (): void => {
      process.removeListener('SIGINT', onInt);
      resolve('SIGTERM');
    };
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
}

/**
 * Installs, for the run of `cmd`, the SIGINT and SIGTERM handlers that print
 * {@link interruptMessage} and exit with {@link INTERRUPTED_EXIT_CODE} or {@link TERMINATED_EXIT_CODE}
 * (nothing for a command marked `own`). On a terminal it first shows the cursor again (a live
 * progress bar hides it) and ends the bar's line.
 * @returns a function that removes the handlers
 */
export function exitOnInterrupt(cmd: Command): () => void {
  if (notes.get(cmd) === 'own') return () => {};
  const handler = (code: number) => (): void => {
    const tty = process.stderr.isTTY === true;
    process.stderr.write(`${tty ? '\x1b[?25h\n' : ''}${interruptMessage(cmd)}\n`);
    process.exit(code);
  };
  const onInt = handler(INTERRUPTED_EXIT_CODE);
  const onTerm = handler(TERMINATED_EXIT_CODE);
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  return () => {
    process.removeListener('SIGINT', onInt);
    process.removeListener('SIGTERM', onTerm);
  };
}

/** Worker and CLI processes for the queue tests (node + tsx, no npm wrapper, so a signal reaches the process itself). */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';

/** Starts `activekd worker --queue url …` logging to `logFile`. */
export function startWorkerProcess(url: string, logFile: string, extra: readonly string[] = []): ChildProcess {
  const fd = openSync(logFile, 'w');
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'worker', '--queue', url, '--threads', '1', ...extra], { stdio: ['ignore', fd, fd], env: { ...process.env, CI: '1' } });
}

/** Runs the CLI asynchronously (the test keeps running while it does); resolves with status and output. */
export function cliAsync(args: readonly string[], logFile: string): { proc: ChildProcess; done: Promise<{ status: number | null; out: string }> } {
  const fd = openSync(logFile, 'w');
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { stdio: ['ignore', fd, fd], env: { ...process.env, CI: '1' } });
  const done = new Promise<{ status: number | null; out: string }>((res) => proc.once('exit', (status) => res({ status, out: readFileSync(logFile, 'utf8') })));
  return { proc, done };
}

/** Polls until `cond()` holds (every 100 ms); throws after `ms`. */
export async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Kills a process (if still running) and waits for its exit. */
export function killAndWait(p: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    p.once('exit', () => res());
    p.kill(signal);
  });
}

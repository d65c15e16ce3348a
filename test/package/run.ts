import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root (where package.json is). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The outcome of {@link run}. */
export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/**
 * The environment for a child npm/node process: this one's, minus what `npm test` sets for its own
 * script (package fields, lifecycle, the repository as local prefix), so that an npm started in a
 * temporary folder acts on that folder only. `extra` is added last.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_(package_|lifecycle_|command$|config_local_prefix$)/i.test(k) || k === 'INIT_CWD') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/**
 * Runs a command without a shell and collects its output (not blocking the event loop).
 * @param timeoutMs the child is killed (SIGKILL) after this long; `status` is then null.
 */
export function run(cmd: string, args: readonly string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<RunResult> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, seconds: (performance.now() - t0) / 1000 });
    });
  });
}

/** A message showing a command's output, for assertion failures. */
export function describeRun(what: string, r: RunResult): string {
  return `${what} exited with ${r.status} after ${r.seconds.toFixed(1)} s\n--- stdout ---\n${r.stdout.slice(-4000)}\n--- stderr ---\n${r.stderr.slice(-4000)}`;
}

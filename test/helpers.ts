import { accessSync, constants, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ASSETS } from '../src/assets.ts';

/** A fresh temporary folder. */
export function tempDir(prefix = 'activekd-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Copies a small real subset of the embedded CIFAR-10 images into a new ImageFolder:
 * the first `train` / `test` files of each of the given classes.
 */
export function miniSubset(classes: readonly string[], train: number, test: number): string {
  const root = tempDir('activekd-data-');
  for (const [split, k] of [['train', train], ['test', test]] as const) {
    for (const c of classes) {
      const src = join(ASSETS.cifar10Mini, split, c);
      const dst = join(root, split, c);
      mkdirSync(dst, { recursive: true });
      for (const f of readdirSync(src).sort().slice(0, k)) cpSync(join(src, f), join(dst, f));
    }
  }
  return root;
}

/** Runs the CLI in a child process (through tsx) and returns its exit status and output. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 300_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * An executable the tests use: `$<envVar>` when set, else the first `name` on PATH, else
 * `/usr/bin/<name>` (where Debian installs it; the skip messages name that path).
 */
export function findExecutable(name: string, envVar: string, env: Record<string, string | undefined> = process.env): string {
  const given = env[envVar];
  if (given) return given;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return `/usr/bin/${name}`;
}

/** Chromium for the browser tests: `$ACTIVEKD_CHROMIUM`, else `chromium` on PATH (Debian package `chromium`, installed by .ci/run). */
export const CHROMIUM = findExecutable('chromium', 'ACTIVEKD_CHROMIUM');

/**
 * The one rule of the browser tests (issue 15 #8): without Chromium they are skipped with one
 * visible line naming what to install, except under `CI=true`, where a missing browser fails.
 * @returns false to run the test, or the skip message
 * @throws Error under CI when Chromium is missing
 */
export function browserSkip(env: Record<string, string | undefined> = process.env, exists: (p: string) => boolean = existsSync): string | false {
  if (exists(CHROMIUM)) return false;
  if (env.CI === 'true' || env.CI === '1') throw new Error(`${CHROMIUM} is missing under CI: install the Debian package chromium (see .ci/run)`);
  return `${CHROMIUM} not found: browser test skipped (install it with: apt-get install -y chromium)`;
}

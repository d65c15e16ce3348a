import { cpSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

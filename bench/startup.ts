/**
 * CLI start-up time: `activekd --help` through the package's launcher (node bin/activekd.js → the
 * compiled dist/, what an installed package runs) vs the sources through tsx (node --import tsx
 * src/cli/main.ts --help), with tsx's transform cache as after a previous run and without it (as on
 * a first run or after the cache is cleared). Median of `runs` interleaved runs each, after one
 * unmeasured warm-up of each; printed with the ratios measured in the same run. dist/ is rebuilt
 * first when it is missing or older than a source file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './stats.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Newest modification time (ms) of the files under `dir`. */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}


/** Wall time (ms) of one command; throws when it fails. */
function time(args: readonly string[], env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0 || !r.stdout.includes('Usage: activekd')) throw new Error(`node ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}

export async function benchStartup(runs = Number(process.env.ACTIVEKD_BENCH_STARTUP_RUNS ?? 9)): Promise<void> {
  const entry = join(ROOT, 'dist', 'cli', 'main.js');
  if (!existsSync(entry) || statSync(entry).mtimeMs < newest(join(ROOT, 'src'))) {
    console.log('(building dist/ first: npm run build)');
    const b = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('npm run build failed');
  }
  const variants = [
    { name: 'compiled (node bin/activekd.js)', args: [join('bin', 'activekd.js'), '--help'], env: process.env },
    { name: 'tsx, transform cache warm', args: ['--import', 'tsx', join('src', 'cli', 'main.ts'), '--help'], env: process.env },
    { name: 'tsx, no transform cache', args: ['--import', 'tsx', join('src', 'cli', 'main.ts'), '--help'], env: { ...process.env, TSX_DISABLE_CACHE: '1' } },
  ];
  console.log(`## CLI start-up: activekd --help, median of ${runs} interleaved runs each`);
  for (const v of variants) time(v.args, v.env); // warm-up: OS file cache, tsx cache
  const ms: number[][] = variants.map(() => []);
  for (let i = 0; i < runs; i++) variants.forEach((v, k) => ms[k]?.push(time(v.args, v.env)));
  const med = ms.map(median);
  const base = med[0] as number;
  variants.forEach((v, k) => {
    const m = med[k] as number;
    console.log(`${v.name.padEnd(32)} ${m.toFixed(0).padStart(6)} ms${k === 0 ? '' : `  (${(m / base).toFixed(1)}× the compiled start-up)`}`);
  });
  console.log(`ratio tsx (warm cache) / compiled: ${((med[1] as number) / base).toFixed(2)}\n`);
}

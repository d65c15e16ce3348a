import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { miniSubset, runCli, tempDir } from '../helpers.ts';

const ARGS = ['--strategies', 'random,pcoreset', '--frameworks', 'zero-shot', '--seeds', '1-2', '--rounds', '2', '--steps-per-batch', '10', '--hidden', '16', '--jobs', '1', '--no-png'];

function waitFor(pred: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  return new Promise((res, rej) => {
    const iv = setInterval(() => {
      if (pred()) {
        clearInterval(iv);
        res();
      } else if (Date.now() - t0 > timeoutMs) {
        clearInterval(iv);
        rej(new Error('timed out'));
      }
    }, 100);
  });
}

test('bench: killed mid-grid (SIGKILL), restarted, gives the same Table 1 as an uninterrupted run; changed settings are refused', { timeout: 240_000 }, async () => {
  const data = miniSubset(['cat', 'ship', 'frog'], 8, 4);
  const cache = tempDir('activekd-cache-');
  const outA = tempDir('activekd-bench-a-');
  const outB = tempDir('activekd-bench-b-');

  // The uninterrupted reference run, in another folder, runs meanwhile (async).
  const refRun = new Promise<{ status: number | null; stderr: string }>((res) => {
    const c = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'bench', '--data', data, '--out', outA, '--cache-dir', cache, ...ARGS], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    c.on('exit', (status) => res({ status, stderr }));
  });

  // Interrupted run: SIGKILL the bench process as soon as the first cell's results.json appears.
  const first = join(outB, 'runs', 'random__zero-shot__seed1', 'results.json');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'bench', '--data', data, '--out', outB, '--cache-dir', cache, ...ARGS], { stdio: 'ignore' });
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  await waitFor(() => existsSync(first), 120_000);
  child.kill('SIGKILL');
  await exited;
  assert.ok(!existsSync(join(outB, 'table1.md')), 'the interrupted run must not have finished');
  // Give an orphaned cell (if any) the moment it needs to notice the lost parent and exit.
  await new Promise((r) => setTimeout(r, 500));
  const firstBefore = readFileSync(first, 'utf8');

  // Restart: the finished cell is reused, the rest run.
  const rB = runCli(['bench', '--data', data, '--out', outB, '--cache-dir', cache, ...ARGS]);
  assert.equal(rB.status, 0, rB.stderr);
  assert.match(rB.stdout, /4 cells \(2 strategies × 1 framework × 2 seeds\), [1-3] already finished/);
  // one line per finished cell, counting the cells of this run, with elapsed time and ETA
  const cellLines = rB.stdout.split('\n').filter((l) => l.startsWith('cell '));
  assert.ok(cellLines.length >= 1 && cellLines.length <= 3, rB.stdout);
  assert.match(cellLines.at(-1) as string, /: done in \S+ \[(\d)\/\1, elapsed \S+, ETA 0\.0s\]$/);
  assert.equal(readFileSync(first, 'utf8'), firstBefore, 'finished cell was not rerun');

  const rA = await refRun;
  assert.equal(rA.status, 0, rA.stderr);
  const tA = readFileSync(join(outA, 'table1.md'), 'utf8');
  assert.equal(readFileSync(join(outB, 'table1.md'), 'utf8'), tA);
  assert.match(tA, /\| random \|.*\n\| pcoreset \|/);
  assert.equal(readFileSync(join(outB, 'curves.csv'), 'utf8'), readFileSync(join(outA, 'curves.csv'), 'utf8'));
  for (const f of ['report.html', 'final.csv', 'comparisons.csv', 'plots/curve-zero-shot.svg', 'plots/criteria.svg', 'plots/bias.svg', 'plots/heatmap-pcoreset.svg']) assert.ok(existsSync(join(outB, f)), f);
  const res = JSON.parse(readFileSync(first, 'utf8')) as { analysis: { rounds: { criteria: object; bias: object }[]; heatmaps: object } };
  assert.equal(res.analysis.rounds.length, 1);
  assert.ok(res.analysis.rounds[0]?.criteria && res.analysis.rounds[0].bias && res.analysis.heatmaps);

  // Different settings are refused with a clear message.
  const bad = runCli(['bench', '--data', data, '--out', outB, '--cache-dir', cache, ...ARGS.map((a) => (a === '16' ? '32' : a))]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /different settings \(changed: dho\.hidden: 16 in the grid, 32 now\)/);

  // `activekd report DIR` regenerates the same table from the results.
  writeFileSync(join(outB, 'table1.md'), '');
  const rep = runCli(['report', outB, '--no-png']);
  assert.equal(rep.status, 0, rep.stderr);
  assert.equal(readFileSync(join(outB, 'table1.md'), 'utf8'), tA);
});

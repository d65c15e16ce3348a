/**
 * Crash safety of `activekd round`: the CLI is SIGKILLed (ACTIVEKD_CRASH_AT hook) at each named
 * point of a training round, run again, and must end with exactly the selection and exports of an
 * uninterrupted run, with nothing journaled lost or duplicated.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initProject, openProject, runProjectRound, type CrashPoint } from '../../src/project/project.ts';
import { importLabels } from '../../src/project/labels.ts';
import { tempDir } from '../helpers.ts';
import { FAST_DHO, projectData } from './helpers.ts';

const POINTS: CrashPoint[] = ['after-train', 'after-select', 'before-commit', 'after-commit', 'mid-export'];
let base: string;
let root: string;

function cliRound(dir: string, crashAt: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'round', dir], { env: { ...process.env, ACTIVEKD_CRASH_AT: crashAt }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    c.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    c.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

function journal(dir: string) {
  const s = openProject(dir);
  try {
    return { rounds: s.rounds().map(({ createdAt: _c, ...r }) => r), sel: s.selection(1), labels: s.labels(), events: s.labelEventCount(), artefacts: s.artefacts(1).map((a) => a.kind) };
  } finally {
    s.close();
  }
}

before(async () => {
  const d = projectData(['airplane', 'cat', 'ship'], 4, 0);
  root = tempDir();
  base = join(root, 'base');
  await initProject(base, { images: d.images, classesFile: d.classes, dho: FAST_DHO });
  const r0 = await runProjectRound(base);
  const f = join(d.root, 'l.csv');
  writeFileSync(f, r0.selection.map((s) => `${s.id},${d.truth(s.id)}`).join('\n'));
  importLabels(base, f);
});

test('a round killed at any checkpoint and run again equals an uninterrupted round', async () => {
  const ref = join(root, 'ref');
  cpSync(base, ref, { recursive: true });
  const r = await runProjectRound(ref);
  assert.equal(r.round.round, 1);
  assert.equal(r.reused, false);
  const want = journal(ref);
  assert.equal(want.sel.length, 3);
  const refCsv = readFileSync(join(ref, 'rounds', 'round-001', 'batch.csv'), 'utf8');
  const refTasks = readFileSync(join(ref, 'rounds', 'round-001', 'tasks.json'), 'utf8');

  const dirs = POINTS.map((p) => {
    const dir = join(root, `crash-${p}`);
    cpSync(base, dir, { recursive: true });
    return dir;
  });
  const killed = await Promise.all(dirs.map((dir, i) => cliRound(dir, POINTS[i] as string)));
  for (const [i, p] of POINTS.entries()) {
    const k = killed[i] as Awaited<ReturnType<typeof cliRound>>;
    assert.equal(k.signal, 'SIGKILL', `${p}: expected SIGKILL, got code ${k.code}: ${k.stderr}`);
    const dir = dirs[i] as string;
    const mid = journal(dir);
    const committed = p === 'after-commit' || p === 'mid-export';
    assert.equal(mid.rounds.length, committed ? 2 : 1, `${p}: rounds journaled before the rerun`);
    const again = await runProjectRound(dir);
    assert.equal(again.reused, committed, p);
    const got = journal(dir);
    assert.deepEqual(got.rounds, want.rounds, `${p}: round rows`);
    assert.deepEqual(got.sel, want.sel, `${p}: selection`);
    assert.deepEqual(got.labels, want.labels, `${p}: labels`);
    assert.equal(got.events, want.events, `${p}: label events`);
    assert.deepEqual(got.artefacts, want.artefacts, `${p}: artefacts`);
    assert.equal(readFileSync(join(dir, 'rounds', 'round-001', 'batch.csv'), 'utf8'), refCsv, `${p}: batch.csv`);
    assert.equal(readFileSync(join(dir, 'rounds', 'round-001', 'tasks.json'), 'utf8'), refTasks, `${p}: tasks.json`);
    assert.ok(existsSync(join(dir, 'rounds', 'round-001', 'student.json')));
  }
});

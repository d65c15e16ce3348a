/**
 * The teacher-strength sweep (issue 14): the strategy × seed benchmark grid repeated per teacher
 * level — the real zero-shot teacher, held-out few-shot teachers of K shots per class
 * (`teacherShots`) and SYNTHETIC boosted teachers of a pool accuracy (`teacherAccuracy`) — plus one
 * no-distill grid, each a resumable benchmark grid (src/bench/grid.ts) in its own folder:
 *
 *     <out>/teacher-levels.json      the levels (schema: src/loop/results-schema.ts)
 *     <out>/no-distill/              framework no-distill (the teacher plays no part)
 *     <out>/levels/<name>/           framework zero-shot with the level's teacher
 *     <out>/teacher-levels.md, …     one report across levels (src/report/teacher-levels-report.ts)
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { limitFor } from '../data/common.ts';
import { openExperimentDataset } from '../loop/prepare.ts';
import { readTeacherLevelsManifest, writeTeacherLevelsManifest } from '../loop/results.ts';
import type { TeacherLevel } from '../loop/results-schema.ts';
import { writeTeacherLevelsReport } from '../report/teacher-levels-report.ts';
import { UserError } from '../util/errors.ts';
import { experimentSetup } from './experiment.ts';
import { checkReference, runBench, type BenchOptions } from './grid.ts';

export type { TeacherLevel } from '../loop/results-schema.ts';

/** The syntax of one level, for help texts. */
export const TEACHER_LEVEL_SYNTAX = 'zero-shot | shots:K (held-out few-shot teacher, K images per class) | accuracy:A (SYNTHETIC boosted teacher of pool accuracy A in (0, 1])';

/**
 * Parses `--teacher-levels`: comma-separated levels, each `zero-shot`, `shots:K` or `accuracy:A`.
 * Level folder names: `zero-shot`, `shots-K`, `accuracy-A`.
 * @throws UserError naming the bad level, or a level given twice
 */
export function parseTeacherLevels(raw: string): TeacherLevel[] {
  const levels = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s): TeacherLevel => {
      if (s === 'zero-shot') return { kind: 'zero-shot', name: 'zero-shot' };
      const shots = /^shots:(\d+)$/.exec(s);
      const v = shots ? Number(shots[1]) : NaN;
      if (shots && v >= 1) return { kind: 'shots', name: `shots-${v}`, shots: v };
      const acc = /^accuracy:(\d*\.?\d+)$/.exec(s);
      const a = acc ? Number(acc[1]) : NaN;
      if (acc && a > 0 && a <= 1) return { kind: 'accuracy', name: `accuracy-${a}`, accuracy: a };
      const hint = acc && a > 1 && a <= 100 ? ` (the accuracy is a fraction: accuracy:${a / 100})` : '';
      throw new UserError(`--teacher-levels: "${s}" is not a teacher level${hint}; expected ${TEACHER_LEVEL_SYNTAX}`);
    });
  if (levels.length === 0) throw new UserError(`--teacher-levels: no level given; expected a comma-separated list of ${TEACHER_LEVEL_SYNTAX}`);
  const seen = new Set<string>();
  for (const l of levels) {
    if (seen.has(l.name)) throw new UserError(`--teacher-levels: level ${l.name} is given twice`);
    seen.add(l.name);
  }
  return levels;
}

/** Options of {@link runTeacherLevels}: a benchmark's options plus the levels. */
export interface TeacherLevelsOptions extends BenchOptions {
  levels: readonly TeacherLevel[];
}

/** The experiment options of one level's grid: framework zero-shot and the level's teacher. */
function levelExperiment(o: TeacherLevelsOptions, level: TeacherLevel): BenchOptions['experiment'] {
  // (`o.experiment` sets neither teacherAccuracy nor teacherShots: runTeacherLevels refuses them.)
  return {
    ...o.experiment,
    frameworks: ['zero-shot'],
    out: join(o.experiment.out, 'levels', level.name),
    ...(level.kind === 'shots' ? { teacherShots: level.shots } : {}),
    ...(level.kind === 'accuracy' ? { teacherAccuracy: level.accuracy } : {}),
  };
}

/**
 * Runs (or resumes) the sweep: the no-distill grid when `frameworks` includes no-distill, then one
 * zero-shot grid per level, then the report across levels. Each grid resumes and guards its own
 * settings (bench.json); the levels list may grow between runs.
 * @returns cells run now and reused, over all grids
 * @throws UserError before any cell runs when frameworks include few-shot or lack zero-shot, when
 *   `teacherAccuracy` / `teacherShots` are also set (the levels set them), when the reference
 *   strategy is not run, when a shots level has no `--limit-per-class` or a class too small for its
 *   teacher split; and as {@link runBench}
 */
export async function runTeacherLevels(o: TeacherLevelsOptions): Promise<{ ran: number; skipped: number }> {
  const e = o.experiment;
  if (e.frameworks.includes('few-shot')) throw new UserError('--teacher-levels compares frozen teachers: use --frameworks no-distill,zero-shot (few-shot refits its teacher on the labeled set)');
  if (!e.frameworks.includes('zero-shot')) throw new UserError('--teacher-levels needs framework zero-shot (distillation from each level\'s teacher)');
  if (e.teacherAccuracy !== undefined || e.teacherShots !== undefined) throw new UserError('--teacher-levels sets the teacher of each level: drop --teacher-accuracy and --teacher-shots');
  const reference = o.reference ?? 'pcoreset';
  checkReference(e.strategies, reference, '--teacher-levels: ');
  // Every level must share one pool: a held-out teacher split then comes after the pool's per-class
  // limit. Check every level's dataset (cheap, no encoding) before running any.
  const shotLevels = o.levels.filter((l) => l.kind === 'shots');
  if (shotLevels.length > 0 && limitFor(e.dataset?.limitPerClass, 'train') === undefined) {
    throw new UserError('--teacher-levels shots:K needs --limit-per-class (e.g. 1000,200): the pool is then the first N images of each class at every level and the teacher split the K after them; without it each shots level would take its teacher split from its own pool, and levels would not compare runs on one pool');
  }
  // The largest K is the strictest check (each class needs its pool rows + K).
  if (shotLevels.length > 0) await openExperimentDataset(experimentSetup({ ...e, teacherShots: Math.max(...shotLevels.map((l) => l.shots)) }));
  mkdirSync(e.out, { recursive: true });
  const manifestPath = join(e.out, 'teacher-levels.json');
  const noDistill = e.frameworks.includes('no-distill');
  // The report covers every level ever run in this folder, in the order first given.
  const before = existsSync(manifestPath) ? readTeacherLevelsManifest(manifestPath) : null;
  const levels = [...(before?.levels ?? [])];
  for (const l of o.levels) if (!levels.some((x) => x.name === l.name)) levels.push(l);
  writeTeacherLevelsManifest(manifestPath, { levels, noDistill: noDistill || (before?.noDistill ?? false), reference });
  let ran = 0;
  let skipped = 0;
  const grids: { name: string; experiment: BenchOptions['experiment'] }[] = [
    ...(noDistill ? [{ name: 'no-distill', experiment: { ...e, frameworks: ['no-distill' as const], out: join(e.out, 'no-distill') } }] : []),
    ...o.levels.map((l) => ({ name: l.name, experiment: levelExperiment(o, l) })),
  ];
  for (const g of grids) {
    e.log(`\n=== teacher level ${g.name} ===`);
    const r = await runBench({ ...o, experiment: g.experiment });
    ran += r.ran;
    skipped += r.skipped;
  }
  await writeTeacherLevelsReport(e.out, { ...(o.png === false ? { png: false } : {}) });
  return { ran, skipped };
}

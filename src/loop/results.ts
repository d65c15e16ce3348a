/**
 * Reading and writing the experiment's documents through their schema (results-schema.ts):
 * `results.json` (one run), `summary.json` (a `run` grid or a benchmark aggregate) and `bench.json`
 * (a benchmark grid's settings). Writers validate before writing (atomically); readers validate,
 * upgrade older versions in memory, and refuse foreign or newer files with one UserError naming the
 * file and what was expected.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { z } from 'zod';
import { ASSETS } from '../assets.ts';
import { predictionSettings, type DhoConfig } from '../student/config.ts';
import { UserError } from '../util/errors.ts';
import { readJsonFile, writeJsonAtomic } from '../util/json-file.ts';
import {
  BENCH_FORMAT,
  BENCH_VERSION,
  benchManifestSchema,
  benchManifestV1Schema,
  benchSummarySchema,
  RESULTS_FORMAT,
  RESULTS_VERSION,
  resultsSchema,
  resultsV0Schema,
  runGridSummarySchema,
  SUMMARY_FORMAT,
  SUMMARY_VERSION,
  summarySchema,
  TEACHER_LEVELS_FORMAT,
  TEACHER_LEVELS_VERSION,
  teacherLevelsManifestSchema,
  type TeacherLevelsManifest,
  type BenchManifest,
  type ResultsDoc,
  type ResultsDocInput,
  type RunGridSummaryData,
  type SummaryDoc,
} from './results-schema.ts';

// ---- generic -----------------------------------------------------------------------------------

/** How a document kind is recognised and read. */
interface DocKind<T> {
  /** The `format` value. */
  readonly format: string;
  /** Its name in messages, e.g. `results file (results.json)`. */
  readonly what: string;
  /** Who writes it, for messages. */
  readonly writtenBy: string;
  /** Newest version this code reads. */
  readonly current: number;
  /** The version of a file without `format` that looks like an older one of this kind, or null (foreign). */
  legacyVersion(raw: Record<string, unknown>): number | null;
  /** Validates a document of a known version and upgrades it to the current one. @returns the issues when invalid */
  parse(raw: Record<string, unknown>, version: number): { ok: true; doc: T } | { ok: false; issues: z.core.$ZodIssue[] };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Short description of what a foreign JSON value holds. */
function describeJson(v: unknown): string {
  if (Array.isArray(v)) return `a JSON array of ${v.length} item(s)${v.length > 0 && isObject(v[0]) ? ` (objects with ${Object.keys(v[0]).slice(0, 5).join(', ') || 'no keys'})` : ''}`;
  if (isObject(v)) {
    const keys = Object.keys(v);
    return typeof v.format === 'string' ? `format "${v.format}"` : `an object with ${keys.length === 0 ? 'no keys' : `keys ${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', …' : ''}`}`;
  }
  return `a JSON ${v === null ? 'null' : typeof v}`;
}

/** The first issues of a failed validation, as `path: message`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], max = 3): string {
  const shown = issues.slice(0, max).map((i) => `${i.path.length > 0 ? i.path.join('.') : '(top level)'}: ${i.message}`);
  return shown.join('; ') + (issues.length > max ? `; … (${issues.length - max} more)` : '');
}

/** Reads a document of `kind`: foreign → UserError, newer → UserError, older → upgraded. */
function readDocument<T>(path: string, kind: DocKind<T>): T {
  const raw = readJsonFile(path, kind.what);
  const expected = `expected a JSON object with "format": "${kind.format}" (written by ${kind.writtenBy})`;
  if (!isObject(raw)) throw new UserError(`${path}: not an activekd ${kind.what}: found ${describeJson(raw)}; ${expected}`);
  let version: number;
  if (raw.format === undefined) {
    const legacy = kind.legacyVersion(raw);
    if (legacy === null) throw new UserError(`${path}: not an activekd ${kind.what}: found ${describeJson(raw)}; ${expected}`);
    version = legacy;
  } else if (raw.format !== kind.format) {
    throw new UserError(`${path}: not an activekd ${kind.what}: found ${describeJson(raw)}; ${expected}`);
  } else {
    const v = raw.version;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new UserError(`${path}: invalid activekd ${kind.what}: "version" must be an integer, got ${JSON.stringify(v)}`);
    if (v > kind.current) throw new UserError(`${path}: written by a newer activekd (${kind.format} version ${v}; this activekd reads up to version ${kind.current}); update activekd to read it`);
    version = v;
  }
  const r = kind.parse(raw, version);
  if (!r.ok) throw new UserError(`${path}: invalid activekd ${kind.what} (version ${version}): ${formatIssues(r.issues)}`);
  return r.doc;
}

/** Validates `doc` with `schema` and writes it atomically. @throws Error (a bug, not user input) when invalid */
function writeDocument<S extends z.ZodType>(path: string, schema: S, doc: z.input<S>, what: string): void {
  writeJsonAtomic(path, validated(schema, doc, `refusing to write ${path}: not a valid ${what}`));
}

/** A document this program built, checked against its schema. @throws Error `"<what>: <issues>"` (a bug) */
function validated<S extends z.ZodType>(schema: S, doc: unknown, what: string): z.output<S> {
  const r = schema.safeParse(doc);
  if (!r.success) throw new Error(`${what}: ${formatIssues(r.error.issues)}`);
  return r.data;
}

/** `schema.safeParse` as a {@link DocKind.parse} result, with an upgrade of the parsed data. */
function parsed<S extends z.ZodType, T>(schema: S, raw: unknown, upgrade: (d: z.output<S>) => T): { ok: true; doc: T } | { ok: false; issues: z.core.$ZodIssue[] } {
  const r = schema.safeParse(raw);
  return r.success ? { ok: true, doc: upgrade(r.data) } : { ok: false, issues: r.error.issues };
}

// ---- build -------------------------------------------------------------------------------------

/** What {@link activekdBuild} reports: the package version and the git commit. */
export interface ActivekdBuild {
  /** `version` of the package.json next to the sources. */
  readonly version: string;
  /** `git rev-parse HEAD` of the package root when that is a git checkout's top level, else null. */
  readonly commit: string | null;
}

let build: ActivekdBuild | null = null;

/**
 * The activekd that is running (recorded in results.json and summary.json, issue 15 #23): its
 * package.json version and git commit. Never throws: an unreadable package.json gives version
 * `unknown`, no git or no checkout gives commit null. Memoised.
 */
export function activekdBuild(): ActivekdBuild {
  if (build) return build;
  const root = dirname(ASSETS.root);
  let version = 'unknown';
  try {
    const v = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown }).version;
    if (typeof v === 'string') version = v;
  } catch {
    // keep `unknown`
  }
  let commit: string | null = null;
  const git = (args: string[]): string | null => {
    const r = spawnSync('git', args, { cwd: root, encoding: 'utf8', timeout: 5000 });
    return r.status === 0 && typeof r.stdout === 'string' ? r.stdout.trim() : null;
  };
  const top = git(['rev-parse', '--show-toplevel']);
  if (top !== null && realpathOrSelf(top) === realpathOrSelf(root)) {
    const head = git(['rev-parse', 'HEAD']);
    if (head !== null && /^[0-9a-f]{40,64}$/.test(head)) commit = head;
  }
  build = { version, commit };
  return build;
}

function realpathOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

// ---- results.json ------------------------------------------------------------------------------

/**
 * What {@link resultsDocument} takes: a run's record without format/version, `finalAccuracy`
 * (derived) and the student's per-run fields (`dho.framework`, `prediction`).
 */
export type ResultsParts = Omit<ResultsDocInput, 'format' | 'version' | 'student' | 'finalAccuracy'> & {
  /** The experiment-wide student; its `dho.framework` (if any) is replaced by the run's framework. */
  student: Omit<ResultsDocInput['student'], 'prediction' | 'dho'> & { dho: Pick<DhoConfig, 'evalAlphaCe' | 'evalBeta' | 'selAlphaCe' | 'selBeta'> };
};

/**
 * Builds one run's results.json document: records the run's framework in `student.dho.framework`
 * and the prediction settings its students really used (`student.prediction`: α = 1 for
 * no-distill), and `finalAccuracy` from the last round.
 * @throws Error when the parts do not satisfy the schema (a bug)
 */
export function resultsDocument(parts: ResultsParts): ResultsDoc {
  const dho = { ...parts.student.dho, framework: parts.config.framework };
  const doc: ResultsDocInput = {
    format: RESULTS_FORMAT,
    version: RESULTS_VERSION,
    ...parts,
    student: { ...parts.student, dho, prediction: predictionSettings(dho) },
    finalAccuracy: parts.rounds.at(-1)?.testAccuracy ?? null,
  };
  return validated(resultsSchema, doc, 'invalid results document');
}

/** Writes a run's results.json (validated, atomic). @throws Error when `doc` is invalid (a bug) */
export function writeResults(path: string, doc: ResultsDocInput): void {
  writeDocument(path, resultsSchema, doc, 'results document');
}

const RESULTS_KIND: DocKind<ResultsDoc> = {
  format: RESULTS_FORMAT,
  what: 'results file (results.json)',
  writtenBy: 'activekd run or bench',
  current: RESULTS_VERSION,
  legacyVersion: (raw) => (isObject(raw.config) && Array.isArray(raw.rounds) ? 0 : null),
  parse: (raw, version) =>
    version === 0
      ? parsed(resultsV0Schema, raw, (d) => {
          // v0 recorded the experiment-wide `dho` framework and no prediction settings.
          const dho = { ...d.student.dho, framework: d.config.framework };
          return resultsSchema.parse({ format: RESULTS_FORMAT, version: RESULTS_VERSION, ...d, student: { ...d.student, dho, prediction: predictionSettings(dho) } });
        })
      : parsed(resultsSchema, raw, (d) => d),
};

/**
 * Reads one run's results.json (any version; older ones upgraded in memory).
 * @throws UserError naming the file: missing/unreadable, not JSON, not a results file (foreign JSON,
 *   another activekd document), written by a newer activekd, or invalid
 */
export function readResults(path: string): ResultsDoc {
  return readDocument(path, RESULTS_KIND);
}

// ---- summary.json ------------------------------------------------------------------------------

/** The summary.json of a `run` grid. @throws Error when invalid (a bug) */
export function runGridSummaryDocument(data: RunGridSummaryData): SummaryDoc {
  const { framework: _f, ...dho } = data.student.dho as Record<string, unknown>;
  return validated(summarySchema, { format: SUMMARY_FORMAT, version: SUMMARY_VERSION, kind: 'run-grid', ...data, student: { ...data.student, dho } }, 'invalid run-grid summary');
}

/** The summary.json of a benchmark (the aggregate of src/eval/aggregate.ts). @throws Error when invalid (a bug) */
export function benchSummaryDocument(data: z.input<typeof benchSummarySchema>): SummaryDoc {
  return validated(summarySchema, { format: SUMMARY_FORMAT, version: SUMMARY_VERSION, kind: 'bench', ...data }, 'invalid bench summary');
}

/** Writes a summary.json (validated, atomic). @throws Error when invalid (a bug) */
export function writeSummary(path: string, doc: z.input<typeof summarySchema>): void {
  writeDocument(path, summarySchema, doc, 'summary document');
}

const SUMMARY_KIND: DocKind<SummaryDoc> = {
  format: SUMMARY_FORMAT,
  what: 'summary file (summary.json)',
  writtenBy: 'activekd run with several runs, or activekd bench / report',
  current: SUMMARY_VERSION,
  legacyVersion: (raw) => (Array.isArray(raw.grid) || (Array.isArray(raw.groups) && Array.isArray(raw.comparisons)) ? 0 : null),
  parse: (raw, version) => {
    if (version > 0) return parsed(summarySchema, raw, (d) => d);
    const head = { format: SUMMARY_FORMAT, version: SUMMARY_VERSION } as const;
    if (Array.isArray(raw.grid)) {
      return parsed(runGridSummarySchema, raw, (d) => {
        const { framework: _f, ...dho } = d.student.dho;
        return { ...head, kind: 'run-grid' as const, ...d, student: { ...d.student, dho } };
      });
    }
    return parsed(benchSummarySchema, raw, (d) => ({ ...head, kind: 'bench' as const, ...d }));
  },
};

/**
 * Reads a summary.json of either kind (version 0 files upgraded in memory).
 * @throws UserError as {@link readResults}
 */
export function readSummary(path: string): SummaryDoc {
  return readDocument(path, SUMMARY_KIND);
}

// ---- bench.json --------------------------------------------------------------------------------

/** The bench.json document of a grid (validated when written, see {@link writeBenchManifest}). */
export function benchManifestDocument(parts: Omit<BenchManifest, 'format' | 'version'>): BenchManifest {
  return { format: BENCH_FORMAT, version: BENCH_VERSION, ...parts };
}

/** Writes bench.json (validated, atomic). @throws Error when invalid (a bug) */
export function writeBenchManifest(path: string, doc: BenchManifest): void {
  writeDocument(path, benchManifestSchema, doc, 'bench manifest');
}

/**
 * Version 1 → 2: the settings are upgraded to today's meaning so that a grid started before can be
 * resumed: the student's framework `dho` (experiment-wide placeholder) became `zero-shot`, and the
 * encoder batch size, implicit (32) before `--encoder-batch-size` existed, is recorded.
 */
function upgradeBenchConfigV1(config: Record<string, unknown>): Record<string, unknown> {
  const dho = isObject(config.dho) && config.dho.framework === 'dho' ? { ...config.dho, framework: 'zero-shot' } : config.dho;
  const encode = isObject(config.encode) && config.encode.batchSize === undefined ? { ...config.encode, batchSize: 32 } : config.encode;
  return { ...config, ...(dho !== undefined ? { dho } : {}), ...(encode !== undefined ? { encode } : {}) };
}

const BENCH_KIND: DocKind<BenchManifest> = {
  format: BENCH_FORMAT,
  what: 'benchmark manifest (bench.json)',
  writtenBy: 'activekd bench',
  current: BENCH_VERSION,
  legacyVersion: (raw) => (raw.version === 1 && typeof raw.configHash === 'string' ? 1 : null),
  parse: (raw, version) =>
    version === 1 ? parsed(benchManifestV1Schema, raw, (d) => ({ format: BENCH_FORMAT, version: BENCH_VERSION, configHash: d.configHash, config: upgradeBenchConfigV1(d.config), report: d.report })) : parsed(benchManifestSchema, raw, (d) => d),
};

/**
 * Reads a bench.json (version 1 upgraded in memory; its `configHash` is the hash recorded then,
 * not of the upgraded `config`).
 * @throws UserError as {@link readResults}
 */
export function readBenchManifest(path: string): BenchManifest {
  return readDocument(path, BENCH_KIND);
}

// ---- teacher-levels.json -----------------------------------------------------------------------

/** Writes teacher-levels.json (validated, atomic). @throws Error when invalid (a bug) */
export function writeTeacherLevelsManifest(path: string, doc: Omit<TeacherLevelsManifest, 'format' | 'version'>): void {
  writeDocument(path, teacherLevelsManifestSchema, { format: TEACHER_LEVELS_FORMAT, version: TEACHER_LEVELS_VERSION, ...doc }, 'teacher-levels manifest');
}

const TEACHER_LEVELS_KIND: DocKind<TeacherLevelsManifest> = {
  format: TEACHER_LEVELS_FORMAT,
  what: 'teacher-strength sweep manifest (teacher-levels.json)',
  writtenBy: 'activekd bench --teacher-levels',
  current: TEACHER_LEVELS_VERSION,
  legacyVersion: () => null,
  parse: (raw) => parsed(teacherLevelsManifestSchema, raw, (d) => d),
};

/** Reads teacher-levels.json. @throws UserError as {@link readResults} */
export function readTeacherLevelsManifest(path: string): TeacherLevelsManifest {
  return readDocument(path, TEACHER_LEVELS_KIND);
}

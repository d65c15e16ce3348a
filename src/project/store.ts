/**
 * The journal of a human-in-the-loop project (docs/ARCHITECTURE.md `store/`): one SQLite file
 * (better-sqlite3, WAL mode) holding the project's items, configuration, rounds, selections,
 * labels (current state plus an append-only event log), metrics and artefact paths.
 *
 * The store holds no business logic: it validates shapes and keeps every multi-row change in one
 * transaction, so a process killed at any point leaves either the old or the new state.
 *
 * Schema (version {@link SCHEMA_VERSION}):
 * - `meta(key, value)`: `schema_version`, `created_at`.
 * - `config(key, value JSON)`: the project configuration ({@link ProjectConfig}) under key `project`.
 * - `classes(idx, name)`: class names in label order.
 * - `items(pk, id, split, sha1, truth, skipped)`: one row per image; `id` = path relative to the
 *   images (or test) folder with `/` separators; `split` = `pool` | `test`; `truth` = known class
 *   index (test items) or NULL; `skipped` = reason when the image could not be decoded.
 * - `teacher_probs(item_pk, probs)`: C float32 teacher probabilities per item (little-endian blob).
 * - `rounds(round, …)`: one row per journaled round (labeled set size and hash, RNG seed, strategy
 *   name and config, cold start flag, test accuracy, training steps).
 * - `selections(round, rank, item_pk, score, teacher_topk, student_topk)`: the batch of each round in
 *   pick order, with top-k suggestions as JSON.
 * - `labels(item_pk, class_idx, source, updated_at)`: the current label of each labeled item.
 * - `label_events(seq, item_pk, class_idx, source, at)`: every label change (class_idx NULL = removed).
 * - `metrics(round, name, value)`, `artefacts(round, kind, path, sha256)`.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { ASSETS } from '../assets.ts';
import { LEGACY_PREPROCESS } from '../options/definitions.ts';
import type { PreprocessVersion } from '../encoders/spec.ts';
import Database from 'better-sqlite3';
import { UserError } from '../util/errors.ts';

/** Version of the schema written by this code; older files are refused with a clear message. */
export const SCHEMA_VERSION = 1;

/** File name of the store inside a project folder. */
export const STORE_FILE = 'project.sqlite';

/** Project configuration, written once by `init` (JSON in `config`). */
export interface ProjectConfig {
  /** Absolute images folder the pool ids are relative to. */
  readonly imagesDir: string;
  /** Absolute test folder (`<class>/<image>` layout) or null. */
  readonly testDir: string | null;
  /** Project seed: every round's RNG seed is derived from it and the round number. */
  readonly seed: number;
  /** Default query size Q of a round. */
  readonly querySize: number;
  /** Total labels the user is willing to give (null: unlimited). */
  readonly budget: number | null;
  /** Default selection strategy (registry name). */
  readonly strategy: string;
  /** Teacher spec (`label-transfer`, `clip:DIR`, `precomputed:FILE`) or `none` (no distillation). */
  readonly teacher: string;
  /** Student overrides of DEFAULT_DHO (head, hidden, stepsPerLabeledBatch, …). */
  readonly dho: Readonly<Record<string, unknown>>;
  /** Student backbone ONNX (absolute). */
  readonly studentModel: string;
  /** Feature cache root (absolute). */
  readonly cacheDir: string;
  /**
   * Image preprocessing of every encode of the project, fixed at `init` (`--preprocess`); absent in
   * projects created before it existed, which were encoded with `v1-sharp`.
   */
  readonly preprocess?: PreprocessVersion;
}

/**
 * The student backbone of a project: `cfg.studentModel`, or, when that file is gone and it was the
 * embedded model of the activekd that created the project (same file name: the clone or package was
 * moved, reinstalled or upgraded), the embedded model of this activekd.
 */
export function projectStudentModel(cfg: ProjectConfig): string {
  if (existsSync(cfg.studentModel) || basename(cfg.studentModel) !== basename(ASSETS.mobilenetV1)) return cfg.studentModel;
  return ASSETS.mobilenetV1;
}

/** The preprocessing of a project's encodes (see {@link ProjectConfig.preprocess}). */
export function projectPreprocess(cfg: ProjectConfig): PreprocessVersion {
  return cfg.preprocess ?? LEGACY_PREPROCESS;
}

/** One item row. */
export interface ItemRow {
  readonly pk: number;
  readonly id: string;
  readonly split: 'pool' | 'test';
  readonly sha1: string;
  readonly truth: number | null;
  readonly skipped: string | null;
}

/** One journaled round. */
export interface RoundRow {
  readonly round: number;
  readonly createdAt: string;
  readonly labeledCount: number;
  readonly labeledHash: string;
  readonly rngSeed: number;
  readonly strategy: string;
  readonly strategyConfig: string;
  readonly querySize: number;
  readonly coldStart: boolean;
  readonly testAccuracy: number | null;
  readonly trainSteps: number;
}

/** A class suggestion: class index and probability. */
export interface Suggestion {
  readonly c: number;
  readonly p: number;
}

/** One selected item of a round, in pick order. */
export interface SelectionRow {
  readonly round: number;
  readonly rank: number;
  readonly itemPk: number;
  readonly id: string;
  readonly score: number | null;
  readonly teacherTopk: Suggestion[] | null;
  readonly studentTopk: Suggestion[] | null;
}

/** A current label. */
export interface LabelRow {
  readonly itemPk: number;
  readonly id: string;
  readonly classIdx: number;
  readonly source: string;
}

/** What {@link ProjectStore.journalRound} writes in one transaction. */
export interface RoundJournal {
  readonly round: Omit<RoundRow, 'createdAt'>;
  readonly selections: readonly { itemPk: number; score: number | null; teacherTopk: Suggestion[] | null; studentTopk: Suggestion[] | null }[];
  readonly metrics?: Readonly<Record<string, number>>;
  readonly artefacts?: readonly { kind: string; path: string; sha256: string }[];
  /** Called inside the transaction before it commits (crash-test hook). */
  readonly beforeCommit?: () => void;
}

const DDL = `
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS config(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS classes(idx INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS items(
  pk INTEGER PRIMARY KEY, id TEXT NOT NULL, split TEXT NOT NULL CHECK(split IN ('pool','test')),
  sha1 TEXT NOT NULL, truth INTEGER, skipped TEXT, UNIQUE(split, id));
CREATE TABLE IF NOT EXISTS teacher_probs(item_pk INTEGER PRIMARY KEY REFERENCES items(pk), probs BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS rounds(
  round INTEGER PRIMARY KEY, created_at TEXT NOT NULL, labeled_count INTEGER NOT NULL, labeled_hash TEXT NOT NULL,
  rng_seed INTEGER NOT NULL, strategy TEXT NOT NULL, strategy_config TEXT NOT NULL, query_size INTEGER NOT NULL,
  cold_start INTEGER NOT NULL, test_accuracy REAL, train_steps INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS selections(
  round INTEGER NOT NULL REFERENCES rounds(round), rank INTEGER NOT NULL, item_pk INTEGER NOT NULL REFERENCES items(pk),
  score REAL, teacher_topk TEXT, student_topk TEXT, PRIMARY KEY(round, rank), UNIQUE(round, item_pk));
CREATE TABLE IF NOT EXISTS labels(
  item_pk INTEGER PRIMARY KEY REFERENCES items(pk), class_idx INTEGER NOT NULL, source TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS label_events(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, item_pk INTEGER NOT NULL REFERENCES items(pk), class_idx INTEGER, source TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS metrics(round INTEGER NOT NULL, name TEXT NOT NULL, value REAL NOT NULL, PRIMARY KEY(round, name));
CREATE TABLE IF NOT EXISTS artefacts(round INTEGER NOT NULL, kind TEXT NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY(round, kind));
`;

interface RawRound {
  round: number;
  created_at: string;
  labeled_count: number;
  labeled_hash: string;
  rng_seed: number;
  strategy: string;
  strategy_config: string;
  query_size: number;
  cold_start: number;
  test_accuracy: number | null;
  train_steps: number;
}

function toRound(r: RawRound): RoundRow {
  return {
    round: r.round,
    createdAt: r.created_at,
    labeledCount: r.labeled_count,
    labeledHash: r.labeled_hash,
    rngSeed: r.rng_seed,
    strategy: r.strategy,
    strategyConfig: r.strategy_config,
    querySize: r.query_size,
    coldStart: r.cold_start !== 0,
    testAccuracy: r.test_accuracy,
    trainSteps: r.train_steps,
  };
}

const now = (): string => new Date().toISOString();

/** The project journal. Open with {@link ProjectStore.create} or {@link ProjectStore.open}; call `close()`. */
export class ProjectStore {
  private constructor(readonly db: Database.Database) {}

  /**
   * Creates a new store file (WAL mode) with the schema, config, classes and items, in one
   * transaction. @throws UserError when the file already exists with content.
   */
  static create(file: string, config: ProjectConfig, classNames: readonly string[], items: readonly Omit<ItemRow, 'pk'>[]): ProjectStore {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = FULL');
    const exists = db.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name='meta'").get();
    if (exists) {
      db.close();
      throw new UserError(`${file} already holds a project`);
    }
    db.exec(DDL);
    db.transaction(() => {
      db.prepare('INSERT INTO meta(key, value) VALUES (?, ?), (?, ?)').run('schema_version', String(SCHEMA_VERSION), 'created_at', now());
      db.prepare('INSERT INTO config(key, value) VALUES (?, ?)').run('project', JSON.stringify(config));
      const ic = db.prepare('INSERT INTO classes(idx, name) VALUES (?, ?)');
      classNames.forEach((n, i) => ic.run(i, n));
      const ii = db.prepare('INSERT INTO items(id, split, sha1, truth, skipped) VALUES (?, ?, ?, ?, ?)');
      for (const it of items) ii.run(it.id, it.split, it.sha1, it.truth, it.skipped);
    })();
    return new ProjectStore(db);
  }

  /**
   * Opens an existing store. @throws UserError when the file is missing, is not a project store,
   * or has another schema version.
   */
  static open(file: string, opts: { readonly?: boolean } = {}): ProjectStore {
    let db: Database.Database;
    try {
      db = new Database(file, { fileMustExist: true, readonly: opts.readonly ?? false });
    } catch (e) {
      throw new UserError(`cannot open project store ${file}: ${(e as Error).message}`);
    }
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
    }
    db.pragma('foreign_keys = ON');
    const v = db.prepare("SELECT value FROM meta WHERE key='schema_version'").pluck().get() as string | undefined;
    if (v === undefined) {
      db.close();
      throw new UserError(`${file} is not an activekd project store`);
    }
    if (Number(v) !== SCHEMA_VERSION) {
      db.close();
      throw new UserError(`${file} has store schema version ${v}; this activekd reads version ${SCHEMA_VERSION}`);
    }
    return new ProjectStore(db);
  }

  /** Closes the database (checkpointing the WAL). */
  close(): void {
    this.db.close();
  }

  /** The project configuration. */
  config(): ProjectConfig {
    return JSON.parse(this.db.prepare("SELECT value FROM config WHERE key='project'").pluck().get() as string) as ProjectConfig;
  }

  /** Class names in label order. */
  classNames(): string[] {
    return this.db.prepare('SELECT name FROM classes ORDER BY idx').pluck().all() as string[];
  }

  /** Items of a split (ordered by pk, i.e. by the sorted id order of `init`), skipped ones included. */
  items(split: 'pool' | 'test'): ItemRow[] {
    return this.db.prepare('SELECT pk, id, split, sha1, truth, skipped FROM items WHERE split = ? ORDER BY pk').all(split) as ItemRow[];
  }

  /** One item by primary key, or undefined. */
  item(pk: number): ItemRow | undefined {
    return this.db.prepare('SELECT pk, id, split, sha1, truth, skipped FROM items WHERE pk = ?').get(pk) as ItemRow | undefined;
  }

  /** Marks items as skipped (undecodable), with reasons. */
  markSkipped(rows: readonly { pk: number; reason: string }[]): void {
    const st = this.db.prepare('UPDATE items SET skipped = ? WHERE pk = ?');
    this.db.transaction(() => {
      for (const r of rows) st.run(r.reason, r.pk);
    })();
  }

  /** Stores teacher probabilities (C float32 per item), replacing older ones, in one transaction. */
  putTeacherProbs(rows: readonly { pk: number; probs: Float32Array }[]): void {
    const st = this.db.prepare('INSERT OR REPLACE INTO teacher_probs(item_pk, probs) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const r of rows) st.run(r.pk, Buffer.from(r.probs.buffer, r.probs.byteOffset, r.probs.byteLength));
    })();
  }

  /** Teacher probabilities of the given items (row-major, pks.length × C). @throws UserError when one is missing. */
  teacherProbs(pks: readonly number[], C: number): Float32Array {
    const out = new Float32Array(pks.length * C);
    const st = this.db.prepare('SELECT probs FROM teacher_probs WHERE item_pk = ?').pluck();
    pks.forEach((pk, i) => {
      const b = st.get(pk) as Buffer | undefined;
      if (!b || b.byteLength !== 4 * C) throw new UserError(`project store: no teacher probabilities for item ${pk}`);
      out.set(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)), i * C);
    });
    return out;
  }

  /** All journaled rounds, ascending. */
  rounds(): RoundRow[] {
    return (this.db.prepare('SELECT * FROM rounds ORDER BY round').all() as RawRound[]).map(toRound);
  }

  /** The latest journaled round, or undefined. */
  latestRound(): RoundRow | undefined {
    const r = this.db.prepare('SELECT * FROM rounds ORDER BY round DESC LIMIT 1').get() as RawRound | undefined;
    return r ? toRound(r) : undefined;
  }

  /** The batch of a round in pick order. */
  selection(round: number): SelectionRow[] {
    const rows = this.db
      .prepare('SELECT s.round, s.rank, s.item_pk AS itemPk, i.id, s.score, s.teacher_topk AS t, s.student_topk AS s FROM selections s JOIN items i ON i.pk = s.item_pk WHERE s.round = ? ORDER BY s.rank')
      .all(round) as { round: number; rank: number; itemPk: number; id: string; score: number | null; t: string | null; s: string | null }[];
    return rows.map((r) => ({ round: r.round, rank: r.rank, itemPk: r.itemPk, id: r.id, score: r.score, teacherTopk: r.t ? (JSON.parse(r.t) as Suggestion[]) : null, studentTopk: r.s ? (JSON.parse(r.s) as Suggestion[]) : null }));
  }

  /**
   * Journals a round — its row, its whole selection, metrics and artefacts — in one transaction.
   * @throws UserError when the round is already journaled (the caller re-uses it instead).
   */
  journalRound(j: RoundJournal): void {
    const r = j.round;
    this.db.transaction(() => {
      if (this.db.prepare('SELECT 1 FROM rounds WHERE round = ?').get(r.round)) throw new UserError(`round ${r.round} is already journaled`);
      this.db
        .prepare('INSERT INTO rounds(round, created_at, labeled_count, labeled_hash, rng_seed, strategy, strategy_config, query_size, cold_start, test_accuracy, train_steps) VALUES (?,?,?,?,?,?,?,?,?,?,?)')
        .run(r.round, now(), r.labeledCount, r.labeledHash, r.rngSeed, r.strategy, r.strategyConfig, r.querySize, r.coldStart ? 1 : 0, r.testAccuracy, r.trainSteps);
      const si = this.db.prepare('INSERT INTO selections(round, rank, item_pk, score, teacher_topk, student_topk) VALUES (?,?,?,?,?,?)');
      j.selections.forEach((s, k) => si.run(r.round, k, s.itemPk, s.score, s.teacherTopk ? JSON.stringify(s.teacherTopk) : null, s.studentTopk ? JSON.stringify(s.studentTopk) : null));
      const mi = this.db.prepare('INSERT OR REPLACE INTO metrics(round, name, value) VALUES (?,?,?)');
      for (const [k, v] of Object.entries(j.metrics ?? {})) mi.run(r.round, k, v);
      for (const a of j.artefacts ?? []) this.putArtefactRow(r.round, a.kind, a.path, a.sha256);
      j.beforeCommit?.();
    })();
  }

  private putArtefactRow(round: number, kind: string, path: string, sha256: string): void {
    this.db.prepare('INSERT OR REPLACE INTO artefacts(round, kind, path, sha256) VALUES (?,?,?,?)').run(round, kind, path, sha256);
  }

  /** Records (or replaces) artefact paths of a round in one transaction. */
  putArtefacts(round: number, rows: readonly { kind: string; path: string; sha256: string }[]): void {
    this.db.transaction(() => {
      for (const a of rows) this.putArtefactRow(round, a.kind, a.path, a.sha256);
    })();
  }

  /** Artefacts of a round (or of every round when `round` is undefined). */
  artefacts(round?: number): { round: number; kind: string; path: string; sha256: string }[] {
    return (round === undefined ? this.db.prepare('SELECT * FROM artefacts ORDER BY round, kind').all() : this.db.prepare('SELECT * FROM artefacts WHERE round = ? ORDER BY kind').all(round)) as {
      round: number;
      kind: string;
      path: string;
      sha256: string;
    }[];
  }

  /** Metrics of every round. */
  metrics(): { round: number; name: string; value: number }[] {
    return this.db.prepare('SELECT round, name, value FROM metrics ORDER BY round, name').all() as { round: number; name: string; value: number }[];
  }

  /** Current labels, ordered by item pk. */
  labels(): LabelRow[] {
    return this.db.prepare('SELECT l.item_pk AS itemPk, i.id, l.class_idx AS classIdx, l.source FROM labels l JOIN items i ON i.pk = l.item_pk ORDER BY l.item_pk').all() as LabelRow[];
  }

  /** The current label of an item, or undefined. */
  label(pk: number): number | undefined {
    return this.db.prepare('SELECT class_idx FROM labels WHERE item_pk = ?').pluck().get(pk) as number | undefined;
  }

  /**
   * Sets labels in one transaction; a label equal to the current one changes nothing (idempotent),
   * a different one replaces it. Every change is appended to `label_events`.
   * @returns how many labels changed
   */
  setLabels(rows: readonly { pk: number; classIdx: number }[], source: string): number {
    const get = this.db.prepare('SELECT class_idx FROM labels WHERE item_pk = ?').pluck();
    const put = this.db.prepare('INSERT OR REPLACE INTO labels(item_pk, class_idx, source, updated_at) VALUES (?,?,?,?)');
    const ev = this.db.prepare('INSERT INTO label_events(item_pk, class_idx, source, at) VALUES (?,?,?,?)');
    return this.db.transaction(() => {
      let changed = 0;
      for (const r of rows) {
        if (get.get(r.pk) === r.classIdx) continue;
        const t = now();
        put.run(r.pk, r.classIdx, source, t);
        ev.run(r.pk, r.classIdx, source, t);
        changed++;
      }
      return changed;
    })();
  }

  /**
   * Sets several batches of labels, each with its own journal source, in one transaction (all or
   * nothing). @returns how many labels changed
   */
  setLabelBatches(batches: readonly { rows: readonly { pk: number; classIdx: number }[]; source: string }[]): number {
    return this.db.transaction(() => batches.reduce((n, b) => n + this.setLabels(b.rows, b.source), 0))();
  }

  /** Removes an item's label (web undo); journaled as an event. @returns whether a label was removed */
  removeLabel(pk: number, source: string): boolean {
    return this.db.transaction(() => {
      const r = this.db.prepare('DELETE FROM labels WHERE item_pk = ?').run(pk);
      if (r.changes === 0) return false;
      this.db.prepare('INSERT INTO label_events(item_pk, class_idx, source, at) VALUES (?,NULL,?,?)').run(pk, source, now());
      return true;
    })();
  }

  /** Number of label events (for tests and status). */
  labelEventCount(): number {
    return this.db.prepare('SELECT COUNT(*) FROM label_events').pluck().get() as number;
  }
}

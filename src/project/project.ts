/**
 * Human-in-the-loop projects (issue 6): a folder with an SQLite journal (src/project/store.ts)
 * in which a user labels, round after round, what the ActiveKD loop asks for.
 *
 * Layout of a project folder:
 * - `project.sqlite` (+ WAL files): the journal.
 * - `cache/`: student-backbone / teacher feature cache (content-addressed, see encoders/).
 * - `rounds/round-NNN/batch.csv`, `tasks.json`: the batch of round NNN as CSV and as Label Studio
 *   tasks; `rounds/round-NNN/student.json`: the parameters of the student trained in that round.
 *
 * Determinism and crash safety: a round is a pure function of (project seed, round number, labeled
 * set): its RNG seed is derived from the first two, the labeled rows are taken in item order. The
 * selection and its metrics are journaled in one transaction; exports are written with atomic
 * renames afterwards. A round killed anywhere and run again therefore either finds nothing
 * journaled (and recomputes the same selection) or finds its selection and only re-writes exports.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { ASSETS } from '../assets.ts';
import { mobilenetV1Spec } from '../encoders/embedded.ts';
import { DEFAULT_IMAGE_EXTENSIONS, readClassesFile } from '../data/image-folder.ts';
import type { Dataset } from '../data/dataset.ts';
import { encodeImages } from '../encoders/encode.ts';
import { defaultPreprocess, type PreprocessVersion } from '../encoders/spec.ts';
import type { Matrix } from '../linalg/matrix.ts';
import { createStrategy } from '../strategies/registry.ts';
import type { Strategy } from '../strategies/types.ts';
import { dhoConfig, type DhoConfig } from '../student/config.ts';
import { createStudentModel, type StudentModel, type StudentParams } from '../student/model.ts';
import { UserError } from '../util/errors.ts';
import { writeFileAtomic } from '../util/json-file.ts';
import { Rng } from '../util/rng.ts';
import { nfc, normalisationClashes, normalisationNote } from '../util/unicode.ts';
import { prepareExperiment, type ExperimentSetup } from '../loop/prepare.ts';
import { SEED_OPTION, STRATEGY_OPTION, TEACHER_OPTION } from '../options/definitions.ts';
import { embeddedClassMapFor } from '../teachers/label-transfer.ts';
import { parseTeacherSpec } from '../teachers/registry.ts';
import { resolveQuerySize } from '../options/query-size.ts';
import { runRound, type RoundOutcome } from '../loop/round.ts';
import { LABEL_STUDIO_CHOICE, parseLabelCsv } from './label-files.ts';
import { ProjectStore, projectPreprocess, projectStudentModel, STORE_FILE, type ItemRow, type ProjectConfig, type RoundRow, type SelectionRow, type Suggestion } from './store.ts';

/** Named points at which `ACTIVEKD_CRASH_AT=<name>` makes the process SIGKILL itself (crash tests). */
export type CrashPoint = 'after-train' | 'after-select' | 'before-commit' | 'after-commit' | 'mid-export';

/** SIGKILLs the current process when `ACTIVEKD_CRASH_AT` names this point (test hook; no-op otherwise). */
export function crashPoint(name: CrashPoint): void {
  if (process.env.ACTIVEKD_CRASH_AT === name) process.kill(process.pid, 'SIGKILL');
}

/** Options of {@link initProject}. */
export interface InitProjectOptions {
  /** Folder of unlabeled images (searched recursively; ids = paths relative to it). */
  images: string;
  /** Class names file, one per line. */
  classesFile: string;
  /** Optional labeled test folder, `<class>/<image>`. */
  testDir?: string;
  /** Teacher spec (`label-transfer`, `clip:DIR`, `precomputed:FILE`) or `none`. Default label-transfer. */
  teacher?: string;
  /** Label-transfer class map (default: the embedded map whose keys cover the classes, see `embeddedClassMapFor`). */
  classMap?: string;
  /** Student overrides (head, hidden, stepsPerLabeledBatch, standardize, …). */
  dho?: Partial<DhoConfig>;
  /** Project seed (default 1). */
  seed?: number;
  /** Default query size (default: number of classes). */
  querySize?: number;
  /** Labeling budget (default unlimited). */
  budget?: number | null;
  /** Default strategy (default pcoreset). */
  strategy?: string;
  /** Student backbone ONNX (default: embedded MobileNetV1). */
  studentModel?: string;
  /** Images per encoder call while encoding the project (default 32). */
  encoderBatchSize?: number;
  /** Image preprocessing, fixed for the project's life (default: `$ACTIVEKD_PREPROCESS`, else v2-graph). */
  preprocess?: PreprocessVersion;
  /**
   * Called with the encoding setup before the project encodes its images (e.g. to encode them on a
   * job queue's workers into the same feature cache, `init --queue`).
   */
  beforeEncode?: (setup: ExperimentSetup) => Promise<void>;
  /** Feature cache root (default `<project>/cache`). */
  cacheDir?: string;
  log?: (line: string) => void;
}

const IMAGE_EXT = new Set(DEFAULT_IMAGE_EXTENSIONS.map((e) => `.${e}`));

const byNfc = (a: string, b: string): number => {
  const x = nfc(a);
  const y = nfc(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * Image files under `root` (recursive, hidden entries and symlinks skipped) as `/`-separated
 * relative ids, sorted by their Unicode NFC form. An id keeps the names as on disk (so
 * {@link itemPath} opens the file, however its accents are composed); ids are matched in NFC
 * (src/util/unicode.ts).
 * @throws UserError when two entries of one folder differ only by Unicode normalisation (they
 *   would be the same id).
 */
export function scanImages(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    const names = readdirSync(dir)
      .filter((n) => !n.startsWith('.'))
      .sort((a, b) => byNfc(a, b) || (a < b ? -1 : a > b ? 1 : 0));
    const clash = normalisationClashes(names)[0];
    if (clash) throw new UserError(`${dir}: "${clash[1]}"${normalisationNote(clash[1], clash[0])}; image names are compared in Unicode NFC, so rename one of ${join(dir, clash[0])} and ${join(dir, clash[1])}`);
    for (const name of names) {
      const p = join(dir, name);
      const st = lstatSync(p);
      const r = rel ? `${rel}/${name}` : name;
      if (st.isDirectory()) walk(p, r);
      else if (st.isFile() && IMAGE_EXT.has(extname(name).toLowerCase())) out.push(r);
    }
  };
  walk(root, '');
  return out.sort(byNfc);
}

function sha1File(p: string): string {
  return createHash('sha1').update(readFileSync(p)).digest('hex');
}

/** Path of an item's image, checked to lie inside its folder (ids come from the store, never from a URL). */
export function itemPath(cfg: ProjectConfig, item: Pick<ItemRow, 'id' | 'split'>): string {
  const root = item.split === 'pool' ? cfg.imagesDir : cfg.testDir;
  if (!root) throw new UserError(`item ${item.id}: project has no ${item.split} folder`);
  const p = resolve(root, item.id);
  if (!p.startsWith(root.endsWith(sep) ? root : root + sep)) throw new UserError(`item id ${item.id} escapes its folder`);
  return p;
}

/**
 * What `init` accepts when no embedded class map covers a project's classes (the label-transfer
 * teacher's error message; `run`'s is `WITHOUT_CLASS_MAP_HINT`).
 */
const INIT_WITHOUT_CLASS_MAP_HINT =
  'init again with --class-map FILE (JSON: class → ImageNet label names or output indices, like assets/maps/cifar10_to_imagenet.json), ' +
  'with --teacher none (no teacher: the student learns from your labels alone), or with another teacher (--teacher clip:DIR or precomputed:FILE)';

/**
 * `activekd init`: creates the project folder and its store, scans the images, encodes them with
 * the student backbone (warming the feature cache) and the teacher, and journals teacher
 * probabilities. Undecodable images are kept as skipped items (never selected).
 * @throws UserError when the project exists, the folders or classes file are invalid, a test class
 *   folder is not a known class, or the teacher cannot be built.
 */
export async function initProject(projectDir: string, o: InitProjectOptions): Promise<{ pool: number; test: number; skipped: number }> {
  const log = o.log ?? (() => {});
  const dir = resolve(projectDir);
  if (existsSync(join(dir, STORE_FILE))) throw new UserError(`${dir} already holds a project (${STORE_FILE})`);
  const imagesDir = resolve(o.images);
  if (!existsSync(imagesDir) || !lstatSync(imagesDir).isDirectory()) throw new UserError(`--images: not a folder: ${imagesDir}`);
  const classNames = await readClassesFile(o.classesFile);
  if (classNames.length < 2) throw new UserError('a project needs at least 2 classes');
  const poolIds = scanImages(imagesDir);
  if (poolIds.length === 0) throw new UserError(`no images found under ${imagesDir}`);
  const testDir = o.testDir ? resolve(o.testDir) : null;
  const testIds: string[] = [];
  const testTruth: number[] = [];
  if (testDir) {
    if (!existsSync(testDir)) throw new UserError(`--test: not a folder: ${testDir}`);
    const classOf = new Map(classNames.map((c, i) => [nfc(c), i] as const));
    for (const id of scanImages(testDir)) {
      const cls = id.split('/')[0] as string;
      const c = classOf.get(nfc(cls)) ?? -1;
      if (!id.includes('/') || c < 0) throw new UserError(`--test ${testDir}: ${id} is not in a folder named after a class (${classNames.join(', ')})`);
      testIds.push(id);
      testTruth.push(c);
    }
  }
  const teacherSpec = o.teacher ?? TEACHER_OPTION.default;
  const cfg: ProjectConfig = {
    imagesDir,
    testDir,
    seed: o.seed ?? SEED_OPTION.default,
    querySize: resolveQuerySize(o.querySize, classNames.length, Infinity),
    budget: o.budget ?? null,
    strategy: o.strategy ?? STRATEGY_OPTION.default,
    teacher: teacherSpec,
    dho: { ...(o.dho ?? {}) },
    studentModel: resolve(o.studentModel ?? ASSETS.mobilenetV1),
    cacheDir: resolve(o.cacheDir ?? join(dir, 'cache')),
    preprocess: o.preprocess ?? defaultPreprocess(),
  };
  createStrategy(cfg.strategy); // validate the name early
  // The label-transfer teacher without --class-map needs an embedded map that covers the classes:
  // checked before any encoding, with what init (not run) accepts instead.
  if (!o.classMap && parseTeacherSpec(teacherSpec)?.kind.name === 'label-transfer') await embeddedClassMapFor(classNames, INIT_WITHOUT_CLASS_MAP_HINT);
  dhoConfig(cfg.dho as Partial<DhoConfig>);
  const poolPaths = poolIds.map((id) => join(imagesDir, id));
  const testPaths = testIds.map((id) => join(testDir as string, id));
  const dataset: Dataset = {
    root: imagesDir,
    classNames,
    train: { ids: poolIds, paths: poolPaths, labels: new Int32Array(poolIds.length).fill(-1) },
    ...(testDir ? { test: { ids: testIds, paths: testPaths, labels: Int32Array.from(testTruth) } } : {}),
    skipped: [],
  };
  log(`encoding ${poolIds.length} pool and ${testIds.length} test images (image preprocessing ${projectPreprocess(cfg)}, fixed for the project)`);
  const setup: ExperimentSetup = {
    dataset,
    studentModel: cfg.studentModel,
    teacher: teacherSpec === 'none' ? null : { spec: teacherSpec, ...(o.classMap ? { mapFile: o.classMap } : {}) },
    encode: { cacheDir: cfg.cacheDir, progressLabel: 'student features', preprocess: projectPreprocess(cfg), ...(o.encoderBatchSize ? { batchSize: o.encoderBatchSize } : {}) },
  };
  await o.beforeEncode?.(setup);
  const prepared = await prepareExperiment(setup);
  const teacher = prepared.teacher;
  const reasons = new Map(prepared.skipped.map((s) => [s.path, s.reason]));
  mkdirSync(dir, { recursive: true });
  const items = [
    ...poolIds.map((id, i) => ({ id, split: 'pool' as const, sha1: sha1File(poolPaths[i] as string), truth: null, skipped: reasons.get(poolPaths[i] as string) ?? null })),
    ...testIds.map((id, i) => ({ id, split: 'test' as const, sha1: sha1File(testPaths[i] as string), truth: testTruth[i] as number, skipped: reasons.get(testPaths[i] as string) ?? null })),
  ];
  const store = ProjectStore.create(join(dir, STORE_FILE), cfg, classNames, items);
  try {
    if (teacher) {
      const C = classNames.length;
      const rows: { pk: number; probs: Float32Array }[] = [];
      for (const [split, ids, probs] of [
        ['pool', prepared.train.ids, prepared.teacherTrain],
        ['test', prepared.test?.ids ?? [], prepared.teacherTest],
      ] as const) {
        if (!probs) continue;
        const pkOf = new Map(store.items(split).map((it) => [it.id, it.pk]));
        ids.forEach((id, i) => rows.push({ pk: pkOf.get(id) as number, probs: probs.data.slice(i * C, (i + 1) * C) }));
      }
      store.putTeacherProbs(rows);
    }
  } finally {
    store.close();
  }
  const skipped = items.filter((it) => it.skipped !== null).length;
  return { pool: poolIds.length, test: testIds.length, skipped };
}

/** Opens the store of a project folder. @throws UserError when the folder holds no project. */
export function openProject(projectDir: string, opts: { readonly?: boolean } = {}): ProjectStore {
  const file = join(resolve(projectDir), STORE_FILE);
  if (!existsSync(file)) throw new UserError(`${resolve(projectDir)} is not an activekd project (no ${STORE_FILE}; run activekd init first)`);
  return ProjectStore.open(file, opts);
}

/** The RNG seed of round `r` of a project with seed `seed` (uint32 from sha256). */
export function roundSeed(seed: number, r: number): number {
  return createHash('sha256').update(`activekd/round/${seed}/${r}`).digest().readUInt32LE(0);
}

/** sha256 of the labeled set (sorted `id\tclass` lines): the third input a round depends on. */
export function labeledSetHash(labels: readonly { id: string; classIdx: number }[]): string {
  const lines = labels.map((l) => `${l.id}\t${l.classIdx}\n`).sort();
  return createHash('sha256').update(lines.join('')).digest('hex');
}

/** Everything a round computes from: usable pool items, their features, labels and teacher probabilities. */
interface RoundInputs {
  cfg: ProjectConfig;
  classNames: string[];
  dho: DhoConfig;
  pool: ItemRow[];
  features: Matrix;
  teacher: Matrix | null;
  /** Row (into pool) of each labeled item, ascending, and its class. */
  labeledRows: number[];
  labeledClasses: number[];
  labeledHash: string;
}

/** What a round may override for this run only (never results: batch sizes bound memory and time). */
interface RunSettings {
  encoderBatchSize?: number;
  predictChunk?: number;
}

async function loadRoundInputs(store: ProjectStore, run: RunSettings = {}): Promise<RoundInputs> {
  const cfg = store.config();
  const classNames = store.classNames();
  const C = classNames.length;
  const pool = store.items('pool').filter((it) => it.skipped === null);
  const enc = await encodeImages(mobilenetV1Spec(projectStudentModel(cfg)), pool.map((it) => itemPath(cfg, it)), { cacheDir: cfg.cacheDir, preprocess: projectPreprocess(cfg), ...(run.encoderBatchSize ? { batchSize: run.encoderBatchSize } : {}) });
  const features = enc.outputs.features ?? (Object.values(enc.outputs)[0] as Matrix);
  const teacher = cfg.teacher === 'none' ? null : { rows: pool.length, cols: C, data: store.teacherProbs(pool.map((it) => it.pk), C) };
  const rowOf = new Map(pool.map((it, i) => [it.pk, i]));
  const labels = store.labels().filter((l) => rowOf.has(l.itemPk));
  const pairs = labels.map((l) => ({ row: rowOf.get(l.itemPk) as number, c: l.classIdx })).sort((a, b) => a.row - b.row);
  const dho = dhoConfig({ ...(cfg.dho as Partial<DhoConfig>), ...(run.predictChunk ? { predictChunk: run.predictChunk } : {}), framework: cfg.teacher === 'none' ? 'no-distill' : 'zero-shot' });
  return { cfg, classNames, dho, pool, features, teacher, labeledRows: pairs.map((p) => p.row), labeledClasses: pairs.map((p) => p.c), labeledHash: labeledSetHash(labels) };
}

/** Runs the core round (src/loop/round.ts) on a project's inputs; `strategy: null` only trains. */
function projectRound(inp: RoundInputs, rng: Rng, o: { strategy: Strategy | null; querySize: number; train: boolean; test?: { features: Matrix; labels: Int32Array } }): Promise<RoundOutcome> {
  return runRound({
    features: inp.features,
    labeledRows: Uint32Array.from(inp.labeledRows),
    labeledLabels: Int32Array.from(inp.labeledClasses),
    ...(inp.teacher ? { teacherProbs: inp.teacher } : {}),
    numClasses: inp.classNames.length,
    framework: inp.teacher ? 'zero-shot' : 'no-distill',
    dho: inp.dho,
    train: o.train,
    strategy: o.strategy,
    querySize: o.querySize,
    rng,
    keepPredictions: true,
    ...(o.test ? { test: o.test } : {}),
  });
}

function topk(m: Matrix, row: number, k: number): Suggestion[] {
  const C = m.cols;
  const idx = Array.from({ length: C }, (_, c) => c);
  const v = (c: number): number => m.data[row * C + c] as number;
  idx.sort((a, b) => v(b) - v(a) || a - b);
  return idx.slice(0, Math.min(k, C)).map((c) => ({ c, p: Math.round(v(c) * 1e6) / 1e6 }));
}

/** Serialised student: config, shapes and parameters (float32, base64). */
interface StudentFile {
  format: 'activekd-student/1';
  config: DhoConfig;
  featureDim: number;
  numClasses: number;
  classNames: string[];
  labeledHash: string;
  params: Record<string, { shape: number[]; data: string }>;
  standardization?: { mean: string; invStd: string };
}

const b64 = (a: Float32Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const unb64 = (s: string): Float32Array => {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

/** Saves a student's parameters as JSON (atomic). @returns the file's sha256 */
export function saveStudent(path: string, model: StudentModel, classNames: readonly string[], labeledHash: string): string {
  const params: StudentFile['params'] = {};
  for (const [k, t] of Object.entries(model.params) as [string, { shape: readonly number[]; data: Float32Array } | undefined][]) {
    if (t) params[k] = { shape: [...t.shape], data: b64(t.data) };
  }
  const f: StudentFile = {
    format: 'activekd-student/1',
    config: model.config,
    featureDim: model.featureDim,
    numClasses: model.numClasses,
    classNames: [...classNames],
    labeledHash,
    params,
    ...(model.standardization ? { standardization: { mean: b64(model.standardization.mean), invStd: b64(model.standardization.invStd) } } : {}),
  };
  return writeFileAtomic(path, JSON.stringify(f));
}

/** Loads a student saved by {@link saveStudent}. @throws UserError on a file of another format. */
export function loadStudent(path: string): { model: StudentModel; classNames: string[]; labeledHash: string } {
  const f = JSON.parse(readFileSync(path, 'utf8')) as StudentFile;
  if (f.format !== 'activekd-student/1') throw new UserError(`${path}: not an activekd student file`);
  const p = (k: string) => {
    const t = f.params[k];
    return t ? { shape: t.shape, data: unb64(t.data) } : undefined;
  };
  const params = { Wce: p('Wce'), bce: p('bce'), Wkd: p('Wkd'), bkd: p('bkd'), ...(p('W1') ? { W1: p('W1'), b1: p('b1') } : {}) } as StudentParams;
  const model = createStudentModel({
    config: f.config,
    featureDim: f.featureDim,
    numClasses: f.numClasses,
    params,
    engine: 'ts',
    ...(f.standardization ? { standardization: { mean: unb64(f.standardization.mean), invStd: unb64(f.standardization.invStd) } } : {}),
  });
  return { model, classNames: f.classNames, labeledHash: f.labeledHash };
}

/** Options of {@link runProjectRound}. */
export interface ProjectRoundOptions {
  /** Strategy name (default: the project's). Ignored when the round's selection is already journaled. */
  strategy?: string;
  /** Query size (default: the project's). */
  query?: number;
  /** Start a new round even though the latest batch still has unlabeled items. */
  skipUnlabeled?: boolean;
  /** Images per encoder call for images not in the feature cache (default 32). */
  encoderBatchSize?: number;
  /** Rows per student prediction call (default: the project's, 8192); bounds memory, not results. */
  predictChunk?: number;
  log?: (line: string) => void;
}

/** Result of {@link runProjectRound}. */
export interface ProjectRoundResult {
  round: RoundRow;
  selection: SelectionRow[];
  /** True when the round was already journaled and only its exports were (re)written. */
  reused: boolean;
  csv: string;
  tasks: string;
  /** Exports left as they were because the user edited them after activekd wrote them. */
  kept: string[];
}

/** Folder of round `r`'s files. */
export function roundDir(projectDir: string, r: number): string {
  return join(resolve(projectDir), 'rounds', `round-${String(r).padStart(3, '0')}`);
}

/**
 * `activekd round`: the journaled wrapper around the one round (src/loop/round.ts `runRound`): trains the student on what is labeled, selects the next batch, journals it
 * (one transaction) and writes it as CSV and Label Studio tasks (atomic renames).
 *
 * Cold start (nothing labeled yet): no student is trained; round 0 picks Q items with PCoreSet in
 * the teacher's probability space, farthest-first from the pool's mean teacher probabilities (so the
 * batch does not depend on the order of the files, issue 15 #7), or
 * uniformly at random when the project has no teacher.
 *
 * When the latest round's batch still has unlabeled items, running `round` again re-writes that
 * round's exports (this is also how an interrupted round finishes) unless `skipUnlabeled`.
 * @throws UserError when the budget is used up or nothing is left to label.
 */
export async function runProjectRound(projectDir: string, o: ProjectRoundOptions = {}): Promise<ProjectRoundResult> {
  const log = o.log ?? (() => {});
  const store = openProject(projectDir);
  try {
    const latest = store.latestRound();
    if (latest) {
      const sel = store.selection(latest.round);
      const open = sel.filter((s) => store.label(s.itemPk) === undefined).length;
      if (o.strategy !== undefined) createStrategy(o.strategy); // a misspelled name is refused in every case
      if (open > 0 && !o.skipUnlabeled && (o.strategy !== undefined || o.query !== undefined)) {
        throw new UserError(
          `round ${latest.round}'s batch is still open (${open} of its ${sel.length} image(s) unlabeled): --strategy and --query apply to a new round only, so nothing was done. ` +
            `Label the batch (activekd import-labels or activekd label), or pass --skip-unlabeled to start round ${latest.round + 1} now`,
        );
      }
      if (open > 0 && !o.skipUnlabeled) {
        const csv = join(roundDir(projectDir, latest.round), 'batch.csv');
        const typed = pendingCsvLabels(store, csv);
        if (typed > 0) {
          throw new UserError(
            `${csv} holds ${typed} label(s) typed but not imported yet; nothing was changed. Import them first: activekd import-labels ${projectDir} ${csv}` +
              ` (or pass --skip-unlabeled to start round ${latest.round + 1}; the file is kept as it is)`,
          );
        }
        log(`round ${latest.round} is journaled and ${open} of its ${sel.length} items are unlabeled: re-writing its exports (label them, or pass --skip-unlabeled to start round ${latest.round + 1})`);
        const files = writeRoundExports(projectDir, store, latest.round);
        for (const k of files.kept) log(`kept ${k}: it was edited after activekd wrote it`);
        return { round: latest, selection: sel, reused: true, ...files };
      }
    }
    const r = latest ? latest.round + 1 : 0;
    const inp = await loadRoundInputs(store, o);
    const { cfg } = inp;
    const n = inp.pool.length;
    const L = inp.labeledRows.length;
    const budgetLeft = cfg.budget === null ? Infinity : cfg.budget - store.labels().length;
    const q = resolveQuerySize(o.query ?? cfg.querySize, inp.classNames.length, Math.max(0, Math.min(n - L, budgetLeft)));
    const asked = o.query ?? cfg.querySize;
    if (asked > n - L && n - L > 0 && n - L <= budgetLeft) log(`warning: the query of ${asked} is larger than the ${n - L} unlabeled pool image(s) left: this round selects all of them`);
    if (n - L <= 0) throw new UserError('every pool image is labeled: nothing left to select (run activekd export)');
    if (!(q > 0)) throw new UserError(`the labeling budget of ${cfg.budget} is used up (run activekd export)`);
    const seed = roundSeed(cfg.seed, r);
    const coldStart = L === 0;
    const strategyName = coldStart ? (inp.teacher ? 'pcoreset' : 'random') : (o.strategy ?? cfg.strategy);
    const strategy = coldStart && inp.teacher ? createStrategy('pcoreset', { space: 'teacher', backend: 'js', emptyStart: 'pool-mean' }) : createStrategy(strategyName);
    const artefacts: { kind: string; path: string; sha256: string }[] = [];
    const rdir = roundDir(projectDir, r);
    mkdirSync(rdir, { recursive: true });
    if (!coldStart) log(`round ${r}: training the student on ${L} labeled + ${n - L} unlabeled images`);
    const test = coldStart ? undefined : await testSplit(store, cfg, o.encoderBatchSize);
    const out = await projectRound(inp, new Rng(seed), { strategy, querySize: q, train: !coldStart, ...(test ? { test } : {}) });
    const { student, predictions: preds, testAccuracy } = out;
    if (student) {
      const path = join(rdir, 'student.json');
      artefacts.push({ kind: 'student', path, sha256: saveStudent(path, student, inp.classNames, inp.labeledHash) });
    }
    crashPoint('after-train');
    crashPoint('after-select');
    const selections = Array.from(out.picks, (row, j) => {
      const sc = out.scores?.[j];
      return {
        itemPk: (inp.pool[row] as ItemRow).pk,
        score: sc === undefined || !Number.isFinite(sc) ? null : sc,
        teacherTopk: inp.teacher ? topk(inp.teacher, row, 3) : null,
        studentTopk: preds ? topk(preds.probs, row, 3) : null,
      };
    });
    store.journalRound({
      round: {
        round: r,
        labeledCount: L,
        labeledHash: inp.labeledHash,
        rngSeed: seed,
        strategy: strategy.name,
        strategyConfig: JSON.stringify(strategy.config),
        querySize: q,
        coldStart,
        testAccuracy,
        trainSteps: student?.steps ?? 0,
      },
      selections,
      metrics: testAccuracy === null ? {} : { test_accuracy: testAccuracy },
      artefacts,
      beforeCommit: () => crashPoint('before-commit'),
    });
    student?.dispose();
    crashPoint('after-commit');
    const files = writeRoundExports(projectDir, store, r);
    log(`round ${r}: selected ${selections.length} image(s) with ${strategy.name}${testAccuracy === null ? '' : `; student test accuracy ${(100 * testAccuracy).toFixed(2)}%`}`);
    return { round: store.latestRound() as RoundRow, selection: store.selection(r), reused: false, ...files };
  } finally {
    store.close();
  }
}

/** The project's labeled test split as student features and labels, or undefined without one. */
async function testSplit(store: ProjectStore, cfg: ProjectConfig, batchSize?: number): Promise<{ features: Matrix; labels: Int32Array } | undefined> {
  const test = store.items('test').filter((it) => it.skipped === null && it.truth !== null);
  if (test.length === 0) return undefined;
  const enc = await encodeImages(mobilenetV1Spec(projectStudentModel(cfg)), test.map((it) => itemPath(cfg, it)), { cacheDir: cfg.cacheDir, preprocess: projectPreprocess(cfg), ...(batchSize ? { batchSize } : {}) });
  const features = enc.outputs.features ?? (Object.values(enc.outputs)[0] as Matrix);
  return { features, labels: Int32Array.from(test, (it) => it.truth as number) };
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The Label Studio labeling config matching the exported tasks (written next to them): one
 * single-choice, required `Choices` control named {@link LABEL_STUDIO_CHOICE} (Label Studio refuses
 * to submit an annotation without a choice; the importer reads that name).
 */
export function labelStudioConfig(classNames: readonly string[]): string {
  const choices = classNames.map((c) => `    <Choice value="${c.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')}"/>`).join('\n');
  return `<View>\n  <Image name="image" value="$image"/>\n  <Choices name="${LABEL_STUDIO_CHOICE}" toName="image" choice="single" required="true" requiredMessage="Pick the class of the image" showInLine="true">\n${choices}\n  </Choices>\n</View>\n`;
}

/**
 * Writes round `r`'s batch as `batch.csv` (`id,label,score,teacher_top3,student_top3,path`; fill
 * `label` and import it) and `tasks.json` (Label Studio tasks: `data.image` =
 * `/data/local-files/?d=<id>` — serve the images folder as Label Studio's local-files document root —,
 * `data.item_id`, `data.acquisition_score`, and `predictions`: one per teacher / student top-k
 * suggestion, each a `choices` result scored with its probability), plus `label-config.xml`, each by
 * atomic rename, and records them as artefacts. Idempotent.
 */
export function writeRoundExports(projectDir: string, store: ProjectStore, r: number): { csv: string; tasks: string; kept: string[] } {
  const classNames = store.classNames();
  const sel = store.selection(r);
  const cfg = store.config();
  const rdir = roundDir(projectDir, r);
  mkdirSync(rdir, { recursive: true });
  const ours = new Map(store.artefacts(r).map((a) => [a.kind, a.sha256]));
  const kept: string[] = [];
  const written: { kind: string; path: string; sha256: string }[] = [];
  // Nothing a user edited is overwritten: a file is (re)written only when absent, already equal,
  // or byte-identical to what this project last wrote there (its sha256 is journaled).
  const put = (kind: string, text: string): string => {
    const path = join(rdir, kind);
    const sha = sha256(text);
    const current = existsSync(path) ? sha256(readFileSync(path)) : null;
    if (current !== null && current !== sha && current !== ours.get(kind)) {
      kept.push(path);
      return path;
    }
    if (current !== sha) writeFileAtomic(path, text);
    written.push({ kind, path, sha256: sha });
    return path;
  };
  const name = (s: Suggestion): string => classNames[s.c] ?? String(s.c);
  const fmt = (t: Suggestion[] | null): string => (t ? t.map((s) => `${name(s)}:${s.p.toFixed(3)}`).join(' ') : '');
  const lines = ['id,label,score,teacher_top3,student_top3,path'];
  for (const s of sel) {
    const lab = store.label(s.itemPk);
    lines.push([s.id, lab === undefined ? '' : (classNames[lab] as string), s.score === null ? '' : String(s.score), fmt(s.teacherTopk), fmt(s.studentTopk), join(cfg.imagesDir, s.id)].map(csvCell).join(','));
  }
  const csvPath = put('batch.csv', `${lines.join('\n')}\n`);
  crashPoint('mid-export');
  const pred = (who: string, t: Suggestion[] | null) =>
    (t ?? []).map((s, k) => ({
      model_version: `${who}-top${k + 1}`,
      score: s.p,
      result: [{ from_name: 'choice', to_name: 'image', type: 'choices', value: { choices: [name(s)] }, score: s.p }],
    }));
  const tasks = sel.map((s) => ({
    data: { image: `/data/local-files/?d=${encodeURIComponent(s.id).replace(/%2F/g, '/')}`, item_id: s.id, acquisition_score: s.score, round: r, rank: s.rank },
    predictions: [...pred('teacher', s.teacherTopk), ...pred(`student-round${r}`, s.studentTopk)],
  }));
  const tasksPath = put('tasks.json', `${JSON.stringify(tasks, null, 2)}\n`);
  put('label-config.xml', labelStudioConfig(classNames));
  store.putArtefacts(r, written);
  return { csv: csvPath, tasks: tasksPath, kept };
}

const sha256 = (b: string | Uint8Array): string => createHash('sha256').update(b).digest('hex');

/**
 * Labels typed into a round's `batch.csv` that the journal does not hold yet (the file is the
 * user's until imported).
 * @returns the number of such rows (0 when the file is absent or unreadable as a label CSV)
 */
export function pendingCsvLabels(store: ProjectStore, path: string): number {
  if (!existsSync(path)) return 0;
  const { entries } = parseLabelCsv(readFileSync(path, 'utf8'));
  const classNames = store.classNames();
  const pkOf = new Map(store.items('pool').map((it) => [it.id, it.pk]));
  return entries.filter((e) => {
    const pk = pkOf.get(e.id);
    const stored = pk === undefined ? undefined : store.label(pk);
    return stored === undefined || classNames[stored] !== e.label;
  }).length;
}

/** What `activekd status` shows. */
export interface ProjectStatus {
  classNames: string[];
  pool: number;
  skipped: number;
  test: number;
  labeled: number;
  budget: number | null;
  /** Image preprocessing of every encode of the project (fixed at init). */
  preprocess: PreprocessVersion;
  rounds: { round: number; labeledCount: number; selected: number; labeledOfBatch: number; strategy: string; coldStart: boolean; testAccuracy: number | null }[];
}

/** Collects the status of a project (read-only). */
export function projectStatus(projectDir: string): ProjectStatus {
  const store = openProject(projectDir);
  try {
    const pool = store.items('pool');
    const labeled = new Set(store.labels().map((l) => l.itemPk));
    return {
      classNames: store.classNames(),
      pool: pool.length,
      skipped: pool.filter((p) => p.skipped !== null).length,
      test: store.items('test').length,
      labeled: labeled.size,
      budget: store.config().budget,
      preprocess: projectPreprocess(store.config()),
      rounds: store.rounds().map((r) => {
        const sel = store.selection(r.round);
        return { round: r.round, labeledCount: r.labeledCount, selected: sel.length, labeledOfBatch: sel.filter((s) => labeled.has(s.itemPk)).length, strategy: r.strategy, coldStart: r.coldStart, testAccuracy: r.testAccuracy };
      }),
    };
  } finally {
    store.close();
  }
}

/**
 * The student of the current labeled set: the latest round's when nothing was labeled since,
 * otherwise a fresh one trained exactly as the next round would (same seed derivation), saved as
 * `students/student-<labeled-set-hash>.json`.
 * @throws UserError when nothing is labeled.
 */
export async function currentStudent(projectDir: string, log: (s: string) => void = () => {}): Promise<{ model: StudentModel; classNames: string[]; path: string; config: ProjectConfig }> {
  const store = openProject(projectDir);
  try {
    const inp = await loadRoundInputs(store);
    if (inp.labeledRows.length === 0) throw new UserError('nothing is labeled yet: run a round and label its batch first');
    const latest = store.latestRound();
    if (latest) {
      const a = store.artefacts(latest.round).find((x) => x.kind === 'student');
      if (a && existsSync(a.path)) {
        const s = loadStudent(a.path);
        if (s.labeledHash === inp.labeledHash) return { model: s.model, classNames: s.classNames, path: a.path, config: inp.cfg };
      }
    }
    const path = join(resolve(projectDir), 'students', `student-${inp.labeledHash.slice(0, 16)}.json`);
    if (existsSync(path)) {
      const s = loadStudent(path);
      return { model: s.model, classNames: s.classNames, path, config: inp.cfg };
    }
    const r = latest ? latest.round + 1 : 0;
    log(`training the final student on ${inp.labeledRows.length} labeled images`);
    const rng = new Rng(roundSeed(inp.cfg.seed, r));
    const model = (await projectRound(inp, rng, { strategy: null, querySize: 0, train: true })).student as StudentModel;
    mkdirSync(join(resolve(projectDir), 'students'), { recursive: true });
    saveStudent(path, model, inp.classNames, inp.labeledHash);
    return { model, classNames: inp.classNames, path, config: inp.cfg };
  } finally {
    store.close();
  }
}

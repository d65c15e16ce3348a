/**
 * The teacher registry (docs/ARCHITECTURE.md "a frozen registry object maps names to implementations, with
 * defaults"), like the strategy registry: every kind of `--teacher` spec (`label-transfer`,
 * `clip:DIR`, `precomputed:FILE`; `none` = no teacher, handled here), and the generic entry points
 * {@link parseTeacherSpec}, {@link createTeacher} (zero-shot teacher, SPEC.md §3.3, §7.1) and
 * {@link createFewShotTeacher} (CLAP on a kind with image features, SPEC §7.2).
 *
 * Adding a teacher = one file exporting a {@link TeacherKind} (see src/teachers/kinds/) + one
 * entry in {@link BUILTIN_TEACHER_KINDS}. A caller can also build its own registry with
 * `createTeacherRegistry([...TEACHERS.kinds, myKind])` and pass it to the functions here.
 */
import type { Dataset } from '../data/dataset.ts';
import type { EncodeOptions } from '../encoders/encode.ts';
import { TEACHER_OPTION } from '../options/definitions.ts';
import { UserError } from '../util/errors.ts';
import { Rng } from '../util/rng.ts';
import type { FewShotImages } from './few-shot.ts';
import type { LabelTransferChoice, TeacherChoice, TeacherKind } from './kind.ts';
import { CLIP_KIND } from './kinds/clip.ts';
import { LABEL_TRANSFER_KIND } from './kinds/label-transfer.ts';
import { PRECOMPUTED_KIND } from './kinds/precomputed.ts';
import type { FewShotTeacher, Teacher } from './teacher.ts';

/** The spec meaning "no teacher" (framework no-distill; projects without a teacher). */
export const NO_TEACHER = 'none';

/** The spec used when none is given (the `--teacher` option's default, src/options/definitions.ts). */
export const DEFAULT_TEACHER_SPEC = TEACHER_OPTION.default;

/** A set of teacher kinds, looked up by name. Frozen. */
export interface TeacherRegistry {
  /** The kinds, in help order. */
  readonly kinds: readonly TeacherKind[];
  /** The kind named `name` (exact, case-sensitive), or undefined. */
  get(name: string): TeacherKind | undefined;
}

const NAME_RE = /^[a-z][a-z0-9-]*$/;
const ARGUMENT_RE = /^[A-Z][A-Z0-9_-]*$/;

/**
 * Builds a frozen registry of the given kinds (in help order); the kinds are copied and frozen,
 * so the registry cannot change afterwards.
 * @throws TypeError when a name is not lower-case letters, digits and `-` (starting with a
 *   letter), is `none` or repeats; when an argument placeholder is not upper-case (e.g. `DIR`);
 *   or when a help text is empty.
 */
export function createTeacherRegistry(kinds: readonly TeacherKind[]): TeacherRegistry {
  const byName = new Map<string, TeacherKind>();
  for (const k of kinds) {
    if (!NAME_RE.test(k.name) || k.name === NO_TEACHER) throw new TypeError(`teacher kind name "${k.name}": expected lower-case letters, digits and -, not "${NO_TEACHER}"`);
    if (byName.has(k.name)) throw new TypeError(`teacher kind "${k.name}" is registered twice`);
    if (k.argument !== undefined && !ARGUMENT_RE.test(k.argument)) throw new TypeError(`teacher kind "${k.name}": argument placeholder "${k.argument}" must be upper case, e.g. DIR`);
    if (k.help.trim() === '') throw new TypeError(`teacher kind "${k.name}" has no help text`);
    byName.set(k.name, Object.freeze({ ...k }));
  }
  const list = Object.freeze([...byName.values()]);
  return Object.freeze({ kinds: list, get: (name: string) => byName.get(name) });
}

/** The built-in teacher kinds, in help order: label-transfer (default), clip:DIR, precomputed:FILE. */
export const BUILTIN_TEACHER_KINDS: readonly TeacherKind[] = Object.freeze([LABEL_TRANSFER_KIND, CLIP_KIND, PRECOMPUTED_KIND]);

/** The default registry: the {@link BUILTIN_TEACHER_KINDS}. Frozen. */
export const TEACHERS: TeacherRegistry = createTeacherRegistry(BUILTIN_TEACHER_KINDS);

/** The spec syntax of a kind: `name`, or `name:ARGUMENT` (e.g. `clip:DIR`). */
export function teacherSyntax(kind: Pick<TeacherKind, 'name' | 'argument'>): string {
  return kind.argument === undefined ? kind.name : `${kind.name}:${kind.argument}`;
}

function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1) as string}`;
}

/**
 * One-line help of the `--teacher` option: every kind's syntax and help, and `none`, e.g.
 * `label-transfer (…), clip:DIR (…), precomputed:FILE (…) or none (no teacher)`.
 */
export function teacherSpecHelp(registry: TeacherRegistry = TEACHERS): string {
  return orList([...registry.kinds.map((k) => `${teacherSyntax(k)} (${k.help})`), `${NO_TEACHER} (no teacher)`]);
}

/** A parsed teacher spec: its kind and argument. */
export interface TeacherSpec {
  readonly kind: TeacherKind;
  /** The text after `name:` (non-empty), or `''` for a kind without argument. */
  readonly arg: string;
}

/**
 * Parses a teacher spec: `name` or `name:ARGUMENT` of a registered kind (surrounding whitespace
 * ignored), or exactly `none`.
 * @returns the kind and its argument, or null for `none` (no teacher).
 * @throws UserError for an unknown kind (listing every kind with its syntax and help), a missing
 *   argument, or an argument given to a kind that takes none.
 */
export function parseTeacherSpec(text: string, registry: TeacherRegistry = TEACHERS): TeacherSpec | null {
  if (text === NO_TEACHER) return null;
  const t = text.trim();
  const colon = t.indexOf(':');
  const name = colon < 0 ? t : t.slice(0, colon);
  const arg = colon < 0 ? '' : t.slice(colon + 1);
  const kind = registry.get(name);
  if (kind === undefined) {
    const width = Math.max(...registry.kinds.map((k) => teacherSyntax(k).length), NO_TEACHER.length) + 2;
    const lines = [...registry.kinds.map((k) => `  ${teacherSyntax(k).padEnd(width)}${k.help}`), `  ${NO_TEACHER.padEnd(width)}no teacher`];
    throw new UserError(`--teacher: expected ${orList(registry.kinds.map(teacherSyntax))} (or ${NO_TEACHER}), got "${text}":\n${lines.join('\n')}`);
  }
  if (kind.argument === undefined && colon >= 0) throw new UserError(`--teacher: ${kind.name} takes no argument, got "${text}"`);
  if (kind.argument !== undefined && arg === '') throw new UserError(`--teacher: expected ${teacherSyntax(kind)}, got "${text}"`);
  return { kind, arg };
}

/**
 * Builds the zero-shot teacher an experiment asked for (`choice.spec`, default
 * {@link DEFAULT_TEACHER_SPEC}) over the dataset's classes.
 * @param encode image-encoder options (the progress label becomes `teacher probabilities`).
 * @returns the teacher, or null for `none`.
 * @throws UserError from {@link parseTeacherSpec} and from the chosen kind (missing files, invalid
 *   maps or configs; for a precomputed file, items of the dataset it has no row for).
 */
export async function createTeacher(choice: TeacherChoice & LabelTransferChoice, dataset: Dataset, encode: EncodeOptions, registry: TeacherRegistry = TEACHERS): Promise<Teacher | null> {
  const spec = parseTeacherSpec(choice.spec ?? DEFAULT_TEACHER_SPEC, registry);
  if (spec === null) return null;
  return spec.kind.create(spec.arg, { dataset, options: choice, encode: { ...encode, progressLabel: 'teacher probabilities' } });
}

/**
 * Builds the few-shot teacher (CLAP, SPEC §7.2) on `teacher`, which {@link createTeacher} built
 * from the same `choice`, over the pool and test images (one template with a fixed random
 * source; each run takes a fresh copy with {@link FewShotTeacher.withRng}).
 * @param choice the teacher choice (`spec` picks the kind; `clap` holds the CLAP hyper-parameters).
 * @param images pool image paths (row i ↔ pool[i]) and, optionally, test paths and labels.
 * @param encode image-encoder options (the progress label becomes `teacher features`).
 * @throws UserError when the kind has no few-shot capability (the message names the kinds that
 *   have it), and from the feature computation.
 */
export async function createFewShotTeacher(teacher: Teacher, choice: TeacherChoice, images: FewShotImages, encode: EncodeOptions, registry: TeacherRegistry = TEACHERS): Promise<FewShotTeacher> {
  const spec = parseTeacherSpec(choice.spec ?? DEFAULT_TEACHER_SPEC, registry);
  const fewShot = spec?.kind.fewShot;
  if (fewShot === undefined) {
    const capable = registry.kinds.filter((k) => k.fewShot !== undefined).map(teacherSyntax);
    throw new UserError(`framework few-shot needs a teacher with image features (${capable.length > 0 ? orList(capable) : 'no registered kind has one'}), not ${teacher.id}`);
  }
  return fewShot(teacher, { images, ...(choice.clap ? { config: choice.clap } : {}), rng: new Rng(0), encode: { ...encode, progressLabel: 'teacher features' } });
}

/**
 * Builds a few-shot teacher from the labeled set alone (no zero-shot teacher; issue 15 #16), e.g.
 * CLAP's linear head on the MobileNetV2 features of a dataset no class map covers, starting each
 * refit from the labeled class means.
 * @param choice the teacher choice (`spec` picks the kind; `clap` holds the CLAP hyper-parameters).
 * @param dataset the dataset (its class names give C).
 * @param images pool image paths (row i ↔ pool[i]) and, optionally, test paths and labels.
 * @param encode image-encoder options (the progress label becomes `teacher features`).
 * @throws UserError when the kind cannot build one (the message names the kinds that can), and
 *   from the feature computation.
 */
export async function createLabelsOnlyFewShotTeacher(choice: TeacherChoice & LabelTransferChoice, dataset: Dataset, images: FewShotImages, encode: EncodeOptions, registry: TeacherRegistry = TEACHERS): Promise<FewShotTeacher> {
  const spec = parseTeacherSpec(choice.spec ?? DEFAULT_TEACHER_SPEC, registry);
  const build = spec?.kind.labelsOnlyFewShot;
  if (build === undefined) {
    const capable = registry.kinds.filter((k) => k.labelsOnlyFewShot !== undefined).map(teacherSyntax);
    throw new UserError(`a few-shot teacher without a zero-shot teacher needs ${capable.length > 0 ? orList(capable) : 'a kind that can learn from labels alone (none is registered)'}, not --teacher ${choice.spec ?? DEFAULT_TEACHER_SPEC}`);
  }
  const teacherEncode = { ...encode, progressLabel: 'teacher features' };
  return build({ dataset, options: choice, encode: teacherEncode }, { images, ...(choice.clap ? { config: choice.clap } : {}), rng: new Rng(0), encode: teacherEncode });
}

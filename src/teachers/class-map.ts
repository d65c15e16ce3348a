/**
 * Class maps: which source-model (ImageNet) classes mean each target class. Used by the
 * label-transfer teacher (class score = max or sum of the mapped ImageNet probabilities) and by
 * the CLAP teacher (rows of the ImageNet classifier). File format (JSON):
 *
 * ```json
 * { "airplane": ["airliner", "warplane, military plane"], "bird": ["crane", 135] }
 * ```
 *
 * Each target class name maps to a non-empty list of ImageNet class names, written exactly as a
 * line of the labels file (`imagenet_labels.txt`: line i ↔ model output i, line 0 `background`),
 * or as integer output indices. A name that occurs on several lines (ImageNet's `crane`, bird and
 * machine) resolves to its first line and is reported in `ambiguous`; write the index to pick
 * another. Map entries for classes that are not target classes are ignored. Target class names and
 * ImageNet label names are compared in Unicode NFC (src/util/unicode.ts).
 */
import { resolve } from 'node:path';
import { UserError } from '../util/errors.ts';
import { readUserLines, readUserText } from '../util/text-file.ts';
import { NfcMap, nfc, normalisationNote } from '../util/unicode.ts';

/** A class map as read from its JSON file: target class → ImageNet label names or output indices. */
export type ClassMap = Readonly<Record<string, readonly (string | number)[]>>;

/** Where a map and a labels list came from, to name them in error messages. */
export interface ClassMapSources {
  /** The class map file. */
  mapFile?: string;
  /** The labels file. */
  labelsFile?: string;
}

/** A label name of the map that matched several lines of the labels file. */
export interface AmbiguousLabel {
  /** The target class whose list contains the name. */
  readonly targetClass: string;
  /** The label name. */
  readonly name: string;
  /** All matching output indices; the first one is used. */
  readonly indices: readonly number[];
}

/** A class map resolved against a labels list, for a given order of target classes. */
export interface ResolvedClassMap {
  /** Target class names, in label order. */
  readonly classNames: readonly string[];
  /** For each target class (same order), the sorted, distinct source-model output indices. */
  readonly indices: number[][];
  /** Names that matched more than one line (resolved to the first). */
  readonly ambiguous: readonly AmbiguousLabel[];
}

const where = (file: string | undefined): string => (file ? ` (${file})` : '');

/**
 * Reads a labels file: one class name per line; line i names model output i. A final newline is
 * allowed; a `\r` before each newline is dropped.
 * @throws UserError when the file cannot be read or has no lines.
 */
export async function readLabelsFile(file: string): Promise<string[]> {
  return (await readUserLines(file, 'labels file')).lines;
}

/**
 * Reads and shape-checks a class map JSON file (an object of non-empty arrays of strings or
 * non-negative integers). Names are checked against the labels later, by {@link resolveClassMap}.
 * @throws UserError naming the file when it is missing, is not valid JSON, is not such an object,
 *   or has an empty list (naming the class).
 */
export async function readClassMap(file: string): Promise<ClassMap> {
  const { path, text } = await readUserText(file, 'class map file');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`class map file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  return validateClassMap(json, path);
}

/**
 * Checks that a parsed value is a {@link ClassMap}: an object whose values are non-empty arrays of
 * label names (non-empty strings) or output indices (non-negative integers).
 * @param source named in error messages (the map file).
 * @throws UserError on any other shape, naming the class and the source, and when two class names
 *   differ only by Unicode normalisation.
 */
export function validateClassMap(json: unknown, source?: string): ClassMap {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UserError(`class map${where(source)} must be a JSON object: target class name → list of ImageNet class names`);
  }
  const out: Record<string, (string | number)[]> = {};
  const seen = new Map<string, string>();
  for (const [cls, list] of Object.entries(json as Record<string, unknown>)) {
    const prev = seen.get(nfc(cls));
    if (prev !== undefined) throw new UserError(`class map${where(source)} has two entries for class "${cls}"${normalisationNote(cls, prev)}`);
    seen.set(nfc(cls), cls);
    if (!Array.isArray(list)) throw new UserError(`class map${where(source)}: the entry of class "${cls}" must be a list of ImageNet class names`);
    if (list.length === 0) throw new UserError(`class map${where(source)}: class "${cls}" has an empty list; map it to at least one ImageNet class`);
    for (const v of list) {
      const ok = (typeof v === 'string' && v.trim() !== '') || (typeof v === 'number' && Number.isInteger(v) && v >= 0);
      if (!ok) throw new UserError(`class map${where(source)}: class "${cls}" has an invalid entry ${JSON.stringify(v)}; expected an ImageNet class name or output index`);
    }
    out[cls] = list as (string | number)[];
  }
  return out;
}

/**
 * Resolves a class map against a labels list for the given target classes.
 *
 * @param map target class → label names / output indices.
 * @param labels source-model class names; index i ↔ output i (e.g. the 1001 lines of
 *   `imagenet_labels.txt`).
 * @param classNames target classes, in label order; each must be in the map.
 * @returns C lists of distinct, sorted output indices (C = classNames.length), plus the names that
 *   were ambiguous.
 * @throws UserError (naming the map and labels files from `sources`) when target classes are
 *   missing from the map (all named), when label names are not lines of the labels file (all
 *   named), when an index is out of range, or when a list is empty.
 */
export function resolveClassMap(map: ClassMap, labels: readonly string[], classNames: readonly string[], sources: ClassMapSources = {}): ResolvedClassMap {
  const entries = new NfcMap(Object.entries(map));
  const missing = classNames.filter((c) => !entries.has(c));
  if (missing.length > 0) {
    const file = sources.mapFile ? `to ${sources.mapFile}` : 'to the map';
    throw new UserError(
      `class map${where(sources.mapFile)} has no entry for target class(es) ${missing.map((c) => `"${c}"`).join(', ')}: add ${missing.length === 1 ? 'its entry' : 'their entries'} ${file} (class → ImageNet label names or output indices), ` +
        'or leave the class map out and run --framework few-shot alone (a teacher learned from the labeled set only) or --framework no-distill (no teacher; for a labeling project: init --teacher none)',
    );
  }
  const byName = new NfcMap<number[]>();
  labels.forEach((name, i) => {
    const l = byName.get(name);
    if (l) l.push(i);
    else byName.set(name, [i]);
  });
  const unknown: string[] = [];
  const ambiguous: AmbiguousLabel[] = [];
  const indices = classNames.map((cls) => {
    const list = entries.get(cls) as readonly (string | number)[];
    if (list.length === 0) throw new UserError(`class map${where(sources.mapFile)}: class "${cls}" has an empty list; map it to at least one ImageNet class`);
    const set = new Set<number>();
    for (const v of list) {
      if (typeof v === 'number') {
        if (!Number.isInteger(v) || v < 0 || v >= labels.length) {
          throw new UserError(`class map${where(sources.mapFile)}: class "${cls}" has output index ${v}, outside 0..${labels.length - 1} of the labels${where(sources.labelsFile)}`);
        }
        set.add(v);
        continue;
      }
      const found = byName.get(v);
      if (!found) {
        unknown.push(`"${v}" (class "${cls}")`);
        continue;
      }
      if (found.length > 1) ambiguous.push({ targetClass: cls, name: v, indices: found });
      set.add(found[0] as number);
    }
    return [...set].sort((a, b) => a - b);
  });
  if (unknown.length > 0) {
    throw new UserError(
      `class map${where(sources.mapFile)} names ${unknown.length} ImageNet class(es) that are not lines of the labels file${where(sources.labelsFile)}: ${unknown.join(', ')}`,
    );
  }
  return { classNames: [...classNames], indices, ambiguous };
}

/**
 * Target class → source-model output indices (the rows of the ImageNet classifier that mean each
 * class); a shorthand for `resolveClassMap(...).indices`.
 * @returns C arrays of distinct, sorted indices into the model's outputs / `labels`.
 * @throws UserError as {@link resolveClassMap}.
 */
export function classMapIndices(map: ClassMap, labels: readonly string[], classNames: readonly string[], sources: ClassMapSources = {}): number[][] {
  return resolveClassMap(map, labels, classNames, sources).indices;
}

/**
 * Reads a class map file and a labels file and resolves the map for the given target classes.
 * @throws UserError as {@link readClassMap}, {@link readLabelsFile} and {@link resolveClassMap}.
 */
export async function loadClassMap(mapFile: string, labelsFile: string, classNames: readonly string[]): Promise<ResolvedClassMap> {
  const [map, labels] = await Promise.all([readClassMap(mapFile), readLabelsFile(labelsFile)]);
  return resolveClassMap(map, labels, classNames, { mapFile: resolve(mapFile), labelsFile: resolve(labelsFile) });
}

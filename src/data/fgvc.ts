/**
 * Reader of FGVC-Aircraft (variant level) in its official layout (SPEC.md §2.1): `variants.txt`
 * and `images_variant_{train,val,test}.txt` beside an `images/` folder (the `data/` folder of
 * `fgvc-aircraft-2013b`).
 */
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../util/errors.ts';
import { nfc, normalisationNote } from '../util/unicode.ts';
import { checkListedFiles, dataSources, itemId, makeSplit, readTextFile, splitLines, statOrNull, type ListedFile, type ReadDataset } from './common.ts';
import type { SkippedFile, Split } from './dataset.ts';
import type { DatasetFormatEntry } from './format-entry.ts';

/** Options of {@link readFgvc}. */
export interface FgvcOptions {
  /** Skip listed images that do not exist (listed in `skipped`) instead of failing. Default false. */
  allowMissing?: boolean;
}

/**
 * The FGVC data folder of `source`: the folder itself when it holds `variants.txt`, else its
 * `data/` sub-folder when that does; null when neither.
 */
export async function fgvcDataDir(source: string): Promise<string | null> {
  const abs = resolve(source);
  for (const d of [abs, join(abs, 'data')]) if ((await statOrNull(join(d, 'variants.txt')))?.isFile()) return d;
  return null;
}

/** Reads `variants.txt`: one class name per line (in Unicode NFC), in file order (label = line index). */
async function readVariants(file: string): Promise<string[]> {
  const lines = splitLines(await readTextFile(file, 'variants file'));
  const seen = new Map<string, { line: number; typed: string }>();
  return lines.map((raw, i) => {
    const typed = raw.trim();
    if (typed === '') throw new UserError(`${file}, line ${i + 1}: empty line (expected one variant name per line)`);
    const name = nfc(typed);
    const prev = seen.get(name);
    if (prev !== undefined) throw new UserError(`${file}, line ${i + 1}: duplicate variant "${typed}" (first on line ${prev.line})${normalisationNote(typed, prev.typed)}`);
    seen.set(name, { line: i + 1, typed });
    return name;
  });
}

/** Reads one `images_variant_<split>.txt`: lines `<image id> <variant name with spaces>`. */
async function readSplitFile(file: string, dataDir: string, classIndex: Map<string, number>, listed: ListedFile[]): Promise<{ paths: string[]; labels: number[] }> {
  const lines = splitLines(await readTextFile(file, 'FGVC split file'));
  const paths: string[] = [];
  const labels: number[] = [];
  const seen = new Map<string, { line: number; id: string }>();
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const m = /^(\S+)\s+(\S.*)$/.exec(line);
    if (!m) throw new UserError(`${file}, line ${i + 1}: expected "<image id> <variant name>", got ${JSON.stringify(raw)}`);
    const id = m[1] as string;
    const variant = nfc((m[2] as string).trim());
    const label = classIndex.get(variant);
    if (label === undefined) throw new UserError(`${file}, line ${i + 1}: unknown variant "${variant}" (not a line of ${join(dataDir, 'variants.txt')})`);
    const prev = seen.get(nfc(id));
    if (prev !== undefined) throw new UserError(`${file}, line ${i + 1}: image ${id} listed twice (first on line ${prev.line})${normalisationNote(id, prev.id)}`);
    seen.set(nfc(id), { line: i + 1, id });
    const p = join(dataDir, 'images', `${id}.jpg`);
    listed.push({ path: p, where: `line ${i + 1}` });
    paths.push(p);
    labels.push(label);
  });
  return { paths, labels };
}

/**
 * Reads FGVC-Aircraft at the variant level (100 classes).
 *
 * - Class names = the lines of `variants.txt` in file order (label = line index).
 * - Items = lines `<imageid> <variant name>` of `images_variant_{train,val,test}.txt`, image at
 *   `images/<imageid>.jpg`; ids are `images/<imageid>.jpg`; items keep the file order.
 * - Variant names and ids are compared in Unicode NFC (src/util/unicode.ts); an image file whose
 *   name is composed otherwise on disk is opened by its name on disk.
 * - `val` is read and validated but never used by the loop (SPEC.md §2.1); `val` and `test` files
 *   are optional, `train` is required.
 *
 * @param source the `data/` folder of fgvc-aircraft-2013b (or the folder above it).
 * @throws UserError naming the file and line when: there is no `variants.txt`; a file is missing or
 *   empty; a variants line is empty or repeated; a split line is not `<id> <variant>`; a variant is
 *   not in `variants.txt`; an image id is repeated; listed images are missing (first five and the
 *   count; unless `allowMissing`).
 */
export async function readFgvc(source: string, opts: FgvcOptions = {}): Promise<ReadDataset> {
  const dataDir = await fgvcDataDir(source);
  if (dataDir === null) throw new UserError(`no variants.txt in ${resolve(source)} or its data/ folder: not an FGVC-Aircraft folder (expected variants.txt, images_variant_train.txt, images_variant_test.txt and images/)`);
  const classNames = await readVariants(join(dataDir, 'variants.txt'));
  const classIndex = new Map(classNames.map((c, i) => [c, i] as const));
  const raw: Partial<Record<'train' | 'val' | 'test', { paths: string[]; labels: number[] }>> = {};
  const skipped: SkippedFile[] = [];
  const bad = new Set<string>();
  const onDisk = new Map<string, string>();
  const listFiles: string[] = [];
  for (const name of ['train', 'val', 'test'] as const) {
    const f = join(dataDir, `images_variant_${name}.txt`);
    if (name !== 'train' && (await statOrNull(f)) === null) continue;
    const listed: ListedFile[] = [];
    raw[name] = await readSplitFile(f, dataDir, classIndex, listed);
    listFiles.push(f);
    for (const p of await checkListedFiles(listed, f, opts.allowMissing ?? false, skipped, onDisk)) bad.add(p);
  }
  const build = (name: 'train' | 'val' | 'test'): Split | undefined => {
    const r = raw[name];
    if (r === undefined) return undefined;
    const keep = r.paths.map((_, i) => i).filter((i) => !bad.has(r.paths[i] as string));
    return makeSplit(
      keep.map((i) => itemId(dataDir, r.paths[i] as string)),
      keep.map((i) => onDisk.get(r.paths[i] as string) ?? (r.paths[i] as string)),
      keep.map((i) => r.labels[i] as number),
    );
  };
  const train = build('train') as Split;
  if (train.ids.length === 0) throw new UserError(`${join(dataDir, 'images_variant_train.txt')}: no usable training images`);
  const test = build('test');
  const val = build('val');
  return { root: dataDir, classNames, train, ...(test && test.ids.length > 0 ? { test } : {}), ...(val && val.ids.length > 0 ? { val } : {}), skipped, sources: await dataSources([join(dataDir, 'variants.txt'), ...listFiles]) };
}

/**
 * The `fgvc` dataset format ({@link readFgvc}): `variants.txt` or an `images_variant_*.txt` file
 * (its folder is read), or a folder with `variants.txt` in it or in its `data/` folder. Option:
 * allowMissing; a classes file is refused (the class names are the lines of variants.txt).
 */
export const FGVC_FORMAT: DatasetFormatEntry = Object.freeze<DatasetFormatEntry>({
  name: 'fgvc',
  aliases: ['fgvc_aircraft'],
  help: 'FGVC-Aircraft: variants.txt + images_variant_{train,val,test}.txt + images/',
  detectFile: async (file) => {
    const name = basename(file);
    return name === 'variants.txt' || /^images_variant_\w+\.txt$/.test(name) ? dirname(file) : null;
  },
  detectFolder: async (dir) => ((await fgvcDataDir(dir)) !== null ? dir : null),
  target: async (path, isDir) => (isDir ? path : dirname(path)),
  read: async (target, o) => {
    if (o.classesFile !== undefined) throw new UserError('a classes file does not apply to FGVC-Aircraft: its class names are the lines of variants.txt');
    return readFgvc(target, { allowMissing: o.allowMissing ?? false });
  },
});

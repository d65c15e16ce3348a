/**
 * Dataset health check (`activekd datasets check`): counts per class and split, class imbalance,
 * unreadable images (header decoded with sharp, optionally the whole image), duplicate images
 * (same content hash, also across splits: train/test leakage), and label numbers the reader
 * re-indexed.
 *
 * It lives in the encoders layer, above data, because "unreadable" means unreadable by the
 * encoder's decoder: it decodes with the same pixel limit ({@link MAX_INPUT_PIXELS}) as
 * src/encoders/preprocess.ts.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import sharp from 'sharp';
import { mapLimit } from '../data/common.ts';
import type { SkippedFile, Split } from '../data/dataset.ts';
import type { OpenedDataset } from '../data/open.ts';
import { MAX_INPUT_PIXELS } from './preprocess.ts';

/** Options of {@link checkDataset}. */
export interface CheckOptions {
  /** Decode every image fully (catches truncated files; slower) instead of reading headers only. Default false. */
  decode?: boolean;
  /** Files read at once. Default 16. */
  concurrency?: number;
  /** Called after each file with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

/** Item counts of one split. */
export interface SplitCounts {
  split: 'train' | 'val' | 'test';
  total: number;
  /** Items with label −1. */
  unlabeled: number;
  /** Count per class, in class order. */
  perClass: number[];
}

/** Largest over smallest class count of one split. */
export interface Imbalance {
  split: 'train' | 'val' | 'test';
  max: number;
  min: number;
  /** max / min; null when a class has no item (infinite ratio). */
  ratio: number | null;
  maxClass: string;
  minClass: string;
}

/** A group of files with identical bytes. */
export interface DuplicateGroup {
  /** sha256 of the content. */
  sha256: string;
  /** `<split>:<id>` of each copy. */
  items: string[];
  paths: string[];
}

/** Everything `datasets check` reports. */
export interface DatasetReport {
  source: string;
  format: string;
  root: string;
  classNames: string[];
  splits: SplitCounts[];
  imbalance: Imbalance[];
  /** Images the decoder cannot read, with sharp's reason. */
  unreadable: SkippedFile[];
  /** Files the reader passed over (wrong extension, broken links, …), with the reason. */
  skipped: SkippedFile[];
  duplicates: DuplicateGroup[];
  /** Images per decoded format (`jpeg`, `png`, …). */
  formats: Record<string, number>;
  /** Whether images were fully decoded (`decode` option) or only their headers read. */
  decoded: boolean;
  /**
   * The source file's label number of each class (class order), present when the reader re-indexed
   * them to 0…C−1 (see `Dataset.originalLabels`; described by {@link reindexNote}).
   */
  originalLabels?: number[];
}

/**
 * One line saying that a dataset's label numbers were re-indexed (e.g. `label numbers re-indexed:
 * the file numbers the 3 classes 0, 1, 3, not 0…2; they are 0…2 here, in that order: 3 → 2
 * ("bird")`), or undefined when `originalLabels` is absent.
 * @param classNames class names in class order
 * @param originalLabels the file's number of each class (Dataset.originalLabels)
 */
export function reindexNote(classNames: readonly string[], originalLabels: readonly number[] | undefined): string | undefined {
  if (originalLabels === undefined) return undefined;
  const c = originalLabels.length;
  const list = (xs: readonly string[]): string => (xs.length > 12 ? `${xs.slice(0, 12).join(', ')}, … (${xs.length - 12} more)` : xs.join(', '));
  const moved = originalLabels.flatMap((l, i) => (l === i ? [] : [`${l} → ${i} ("${classNames[i] ?? ''}")`]));
  return `label numbers re-indexed: the file numbers the ${c} classes ${list(originalLabels.map(String))}, not 0…${c - 1}; they are 0…${c - 1} here, in that order: ${list(moved)}`;
}

/** sha256 of a file, streamed (bounded memory whatever the file size). */
async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The first line of a decoder message, without sharp's noise. */
export function cleanReason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return (msg.split('\n').find((l) => l.trim() !== '') ?? msg).trim();
}

/** Decodes an image's header (or, with `full`, the whole image); returns its format or throws the reason. */
async function probe(path: string, full: boolean): Promise<string> {
  const st = await stat(path);
  if (st.size === 0) throw new Error('empty file (0 bytes)');
  const meta = await sharp(path, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  if (full) await sharp(path, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' }).rotate().resize(8, 8, { fit: 'fill' }).raw().toBuffer();
  return meta.format ?? 'unknown';
}

function counts(split: Split, name: SplitCounts['split'], c: number): SplitCounts {
  const perClass = new Array<number>(c).fill(0);
  let unlabeled = 0;
  for (const y of split.labels) {
    if (y < 0 || y >= c) unlabeled++;
    else perClass[y] = (perClass[y] as number) + 1;
  }
  return { split: name, total: split.ids.length, unlabeled, perClass };
}

/**
 * Checks a dataset: reads every image once (streamed content hash + sharp header, or full decode
 * with `decode`), never running a model.
 * @returns the report; problems are listed, never thrown.
 */
export async function checkDataset(ds: OpenedDataset, opts: CheckOptions = {}): Promise<DatasetReport> {
  const C = ds.classNames.length;
  const named: { name: SplitCounts['split']; split: Split }[] = [{ name: 'train', split: ds.train }];
  if (ds.val) named.push({ name: 'val', split: ds.val });
  if (ds.test) named.push({ name: 'test', split: ds.test });
  const splits = named.map((s) => counts(s.split, s.name, C));
  const imbalance: Imbalance[] = [];
  for (const s of splits) {
    if (C === 0 || s.total === s.unlabeled) continue;
    let hi = 0;
    let lo = 0;
    s.perClass.forEach((n, i) => {
      if (n > (s.perClass[hi] as number)) hi = i;
      if (n < (s.perClass[lo] as number)) lo = i;
    });
    const max = s.perClass[hi] as number;
    const min = s.perClass[lo] as number;
    imbalance.push({ split: s.split, max, min, ratio: min === 0 ? null : max / min, maxClass: ds.classNames[hi] as string, minClass: ds.classNames[lo] as string });
  }

  const items = named.flatMap((s) => s.split.paths.map((path, i) => ({ path, item: `${s.name}:${s.split.ids[i]}` })));
  const unreadable: SkippedFile[] = [];
  const formats: Record<string, number> = {};
  const byHash = new Map<string, { items: string[]; paths: string[] }>();
  let done = 0;
  await mapLimit(items, opts.concurrency ?? 16, async ({ path, item }) => {
    try {
      const h = await sha256(path);
      const g = byHash.get(h) ?? { items: [], paths: [] };
      g.items.push(item);
      g.paths.push(path);
      byHash.set(h, g);
      const f = await probe(path, opts.decode ?? false);
      formats[f] = (formats[f] ?? 0) + 1;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      unreadable.push({ path, reason: code ? `cannot read file: ${code}` : cleanReason(e) });
    }
    opts.onProgress?.(++done, items.length);
  });
  const order = new Map(items.map((it, i) => [it.path, i] as const));
  unreadable.sort((a, b) => (order.get(a.path) ?? 0) - (order.get(b.path) ?? 0));
  const duplicates: DuplicateGroup[] = [...byHash.entries()]
    .filter(([, g]) => g.items.length > 1)
    .map(([sha, g]) => {
      const idx = g.paths.map((_, i) => i).sort((a, b) => (order.get(g.paths[a] as string) ?? 0) - (order.get(g.paths[b] as string) ?? 0));
      return { sha256: sha, items: idx.map((i) => g.items[i] as string), paths: idx.map((i) => g.paths[i] as string) };
    })
    .sort((a, b) => (order.get(a.paths[0] as string) ?? 0) - (order.get(b.paths[0] as string) ?? 0));

  return {
    source: ds.source,
    format: ds.format,
    root: ds.root,
    classNames: ds.classNames,
    splits,
    imbalance,
    unreadable,
    skipped: ds.skipped,
    duplicates,
    formats,
    decoded: opts.decode ?? false,
    ...(ds.originalLabels !== undefined ? { originalLabels: [...ds.originalLabels] } : {}),
  };
}

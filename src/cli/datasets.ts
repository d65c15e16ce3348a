/**
 * `activekd datasets …`: dataset commands (`check`), and the dataset options shared with `run`.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import Table from 'cli-table3';
import { checkDataset, reindexNote, type DatasetReport } from '../encoders/check.ts';
import type { SplitLimit } from '../data/common.ts';
import { DATASET_FORMATS, FORMAT_HELP } from '../data/formats.ts';
import { openDataset, type OpenDatasetOptions } from '../data/open.ts';
import { nonNegativeInt, numberIn } from './parse.ts';

/**
 * Commander parser of a per-split limit: `N` (every split) or `TRAIN,TEST` (e.g. `20,10`).
 * @throws InvalidArgumentError on anything else.
 */
export function parseSplitLimit(name: string): (v: string) => SplitLimit {
  return (v: string) => {
    const parts = v.split(',').map((s) => s.trim());
    const nums = parts.map(Number);
    if (parts.length > 2 || nums.some((n, i) => parts[i] === '' || !Number.isInteger(n) || n <= 0)) {
      throw new InvalidArgumentError(`${name} must be a positive integer N or TRAIN,TEST (e.g. 20,10); got "${v}"`);
    }
    return nums.length === 1 ? (nums[0] as number) : { train: nums[0] as number, test: nums[1] as number, val: nums[1] as number };
  };
}

/** Raw commander values of {@link addDatasetOptions}. */
export interface RawDatasetOptions {
  format?: string;
  imageRoot?: string;
  testFraction?: number;
  splitSeed?: number;
  limitPerClass?: SplitLimit;
  limit?: SplitLimit;
  allowMissing?: boolean;
}

/**
 * What a command's dataset (`run --data`, `bench --data`, `encode DATA`, `datasets check SOURCE`)
 * may be: the one help text of it, naming every format of the format table (src/data/formats.ts).
 */
export const DATA_HELP = `dataset folder or file in one of the formats listed below (detected, or set with --format): ${DATASET_FORMATS.join(', ')}`;

/** The help section listing each dataset format with the layout it reads, after the options of every command that opens a dataset. */
export const DATA_FORMATS_HELP = `\nDataset formats (detected, or set with --format):\n${DATASET_FORMATS.map((f) => `  ${f.padEnd(13)}${FORMAT_HELP[f]}`).join('\n')}`;

/**
 * Adds the dataset options shared by `run`, `demo`, `bench`, `encode` and `datasets check`:
 * `--format`, `--image-root`, `--test-fraction`, `--split-seed`, `--limit-per-class`, `--limit`,
 * `--allow-missing` (`--classes` and `--cache-dir` are added by each command), and the
 * {@link DATA_FORMATS_HELP} section after the options.
 */
export function addDatasetOptions(cmd: Command): Command {
  return cmd
    .addHelpText('after', DATA_FORMATS_HELP)
    .addOption(new Option('--format <name>', `dataset format (default: detected): ${DATASET_FORMATS.join(', ')}`))
    .option('--image-root <dir>', 'CoOp split files: folder the image paths are relative to (default: found next to the split file)')
    .option('--test-fraction <f>', 'class folders without train/test: fraction of each class held out as the test split (default 0.2)', numberIn('--test-fraction', 0, 0.99))
    .option('--split-seed <n>', 'class folders without train/test: seed of that split (default 0)', nonNegativeInt('--split-seed'))
    .option('--limit-per-class <n>', 'keep the first N items of each class per split, or TRAIN,TEST (e.g. 20,10)', parseSplitLimit('--limit-per-class'))
    .option('--limit <n>', 'keep the first N items of each split, or TRAIN,TEST', parseSplitLimit('--limit'))
    .option('--allow-missing', 'split files and manifests: skip listed images that do not exist instead of failing');
}

/** Turns parsed dataset options (plus `--classes`/`--cache-dir`) into {@link OpenDatasetOptions}. */
export function toOpenOptions(raw: RawDatasetOptions & { classes?: string; cacheDir?: string }): OpenDatasetOptions {
  return {
    ...(raw.format !== undefined ? { format: raw.format } : {}),
    ...(raw.classes !== undefined ? { classesFile: raw.classes } : {}),
    ...(raw.imageRoot !== undefined ? { imageRoot: raw.imageRoot } : {}),
    ...(raw.testFraction !== undefined ? { testFraction: raw.testFraction } : {}),
    ...(raw.splitSeed !== undefined ? { splitSeed: raw.splitSeed } : {}),
    ...(raw.limitPerClass !== undefined ? { limitPerClass: raw.limitPerClass } : {}),
    ...(raw.limit !== undefined ? { limit: raw.limit } : {}),
    ...(raw.cacheDir !== undefined ? { cacheDir: raw.cacheDir } : {}),
    ...(raw.allowMissing ? { allowMissing: true } : {}),
  };
}

const plain = { style: { head: [] as string[], border: [] as string[] } };
/** No separator lines between rows. */
const compact = { ...plain, chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' } };
const MAX_LISTED = 50;

/** Human-readable rendering of a {@link DatasetReport} (cli-table3 tables). */
export function formatReport(r: DatasetReport): string {
  const out: string[] = [];
  out.push(`dataset ${r.source} (format ${r.format}, root ${r.root}): ${r.classNames.length} classes`);
  const reindexed = reindexNote(r.classNames, r.originalLabels);
  if (reindexed !== undefined) out.push(reindexed);
  const head = ['class', ...r.splits.map((s) => s.split)];
  const t = new Table({ head, ...compact });
  r.classNames.forEach((c, i) => t.push([c, ...r.splits.map((s) => s.perClass[i] ?? 0)]));
  if (r.splits.some((s) => s.unlabeled > 0)) t.push(['(unlabeled)', ...r.splits.map((s) => s.unlabeled)]);
  t.push(['total', ...r.splits.map((s) => s.total)]);
  out.push(t.toString());
  for (const b of r.imbalance) {
    const ratio = b.ratio === null ? '∞ (a class has no item)' : b.ratio.toFixed(2);
    if (b.max === b.min) out.push(`classes balanced (${b.split}): ${b.max} per class`);
    else out.push(`class imbalance (${b.split}): max/min = ${ratio}  (largest "${b.maxClass}" ${b.max}, smallest "${b.minClass}" ${b.min})`);
  }
  const fmts = Object.entries(r.formats)
    .sort((a, b) => b[1] - a[1])
    .map(([f, n]) => `${f} ${n}`)
    .join(', ');
  out.push(`image formats: ${fmts || 'none'} (${r.decoded ? 'fully decoded' : 'headers read; --decode to decode every image'})`);
  const list = (title: string, rows: { path: string; reason: string }[]): void => {
    if (rows.length === 0) {
      out.push(`${title}: none`);
      return;
    }
    out.push(`${title}: ${rows.length}`);
    const lt = new Table({ head: ['file', 'reason'], ...compact });
    for (const s of rows.slice(0, MAX_LISTED)) lt.push([s.path, s.reason]);
    out.push(lt.toString());
    if (rows.length > MAX_LISTED) out.push(`… and ${rows.length - MAX_LISTED} more (--json lists all)`);
  };
  list('unreadable images', r.unreadable);
  list('files skipped by the reader', r.skipped);
  if (r.duplicates.length === 0) out.push('duplicate images (same content): none');
  else {
    const copies = r.duplicates.reduce((a, g) => a + g.items.length - 1, 0);
    out.push(`duplicate images (same content): ${r.duplicates.length} group(s), ${copies} extra cop${copies === 1 ? 'y' : 'ies'}`);
    const dt = new Table({ head: ['sha256', 'items'], ...plain });
    for (const g of r.duplicates.slice(0, MAX_LISTED)) dt.push([g.sha256.slice(0, 12), g.items.join('\n')]);
    out.push(dt.toString());
    if (r.duplicates.length > MAX_LISTED) out.push(`… and ${r.duplicates.length - MAX_LISTED} more groups (--json lists all)`);
  }
  return out.join('\n');
}

/** Raw options of `datasets check`. */
interface RawCheckOptions extends RawDatasetOptions {
  classes?: string;
  cacheDir?: string;
  json?: boolean;
  decode?: boolean;
}

/**
 * The `datasets` command with its `check DIR|FILE` sub-command: prints counts per class and split,
 * class imbalance, unreadable images, files skipped by the reader and duplicate images; `--json`
 * prints the {@link DatasetReport} instead.
 * @param print line printer (stdout by default).
 */
export function datasetsCommand(print: (s: string) => void = (s) => process.stdout.write(`${s}\n`)): Command {
  const cmd = new Command('datasets').description('inspect datasets (see `datasets check --help`)').exitOverride().showHelpAfterError('(run with --help for usage)');
  addDatasetOptions(
    cmd
      .command('check')
      .description('check a dataset folder or file: counts per class and split, class imbalance, unreadable images, duplicates')
      .argument('<source>', DATA_HELP)
      .option('--classes <file>', 'class names file (one per line, in label order)')
      .option('--cache-dir <dir>', 'IDX: cache folder for the materialised PNGs (default: $ACTIVEKD_CACHE or ~/.cache/activekd)')
      .option('--decode', 'decode every image fully (finds truncated files; slower than reading headers)', false)
      .option('--json', 'print the report as JSON', false),
  ).action(async (source: string, raw: RawCheckOptions) => {
    const ds = await openDataset(source, toOpenOptions(raw));
    const report = await checkDataset(ds, { decode: raw.decode ?? false });
    print(raw.json ? JSON.stringify(report, null, 2) : formatReport(report));
  });
  return cmd;
}

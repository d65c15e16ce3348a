import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { test } from 'node:test';
import { makeSplit, readTextFile, splitLines, type ReadDataset } from '../../src/data/common.ts';
import type { DatasetFormatEntry } from '../../src/data/format-entry.ts';
import { BUILTIN_DATASET_FORMATS, createDatasetFormatTable, DATASET_FORMAT_TABLE, DATASET_FORMATS, FORMAT_HELP } from '../../src/data/formats.ts';
import { detectFormat, openDataset, parseFormat } from '../../src/data/open.ts';
import { put, rejectsUser, tmp } from './fixtures.ts';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = tmp('akd-formats-');
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('format table: the built-in formats in detection order, help and aliases from the table', async () => {
  assert.deepEqual(DATASET_FORMATS, ['imagefolder', 'coop', 'fgvc', 'idx', 'csv', 'jsonl']);
  assert.deepEqual(DATASET_FORMAT_TABLE.entries, BUILTIN_DATASET_FORMATS);
  assert.deepEqual(Object.keys(FORMAT_HELP), DATASET_FORMATS);
  for (const e of DATASET_FORMAT_TABLE.entries) {
    assert.equal(FORMAT_HELP[e.name], e.help);
    assert.equal(parseFormat(e.name), e.name);
    for (const a of e.aliases) assert.equal(parseFormat(a), e.name, a);
  }
  const aliases: Record<string, string> = { 'image-folder': 'imagefolder', ' Folder ': 'imagefolder', json: 'coop', 'split-json': 'coop', FGVC_Aircraft: 'fgvc', tsv: 'csv', ndjson: 'jsonl', MNIST: 'idx' };
  for (const [a, f] of Object.entries(aliases)) assert.equal(parseFormat(a), f, a);
  assert.throws(() => parseFormat('parquet'), /unknown dataset format "parquet": expected one of imagefolder, coop, fgvc, idx, csv, jsonl/);
  assert.ok(Object.isFrozen(DATASET_FORMAT_TABLE) && Object.isFrozen(DATASET_FORMAT_TABLE.entries) && DATASET_FORMAT_TABLE.entries.every((e) => Object.isFrozen(e) && Object.isFrozen(e.aliases)));
});

test('detectFormat: files go to the format that recognises them; folders follow the table order, class folders last', async () => {
  await withDir(async (dir) => {
    const file = (name: string): string => put(join(dir, 'files', name), 'x');
    const cases: [string, string, string][] = [
      ['split_zhou_Pets.json', 'coop', 'self'],
      ['other.JSON', 'coop', 'self'],
      ['variants.txt', 'fgvc', 'dir'],
      ['images_variant_trainval.txt', 'fgvc', 'dir'],
      ['t10k-images-idx3-ubyte.gz', 'idx', 'self'],
      ['train-labels.idx1-ubyte', 'idx', 'self'],
      ['list.csv', 'csv', 'self'],
      ['list.TSV', 'csv', 'self'],
      ['list.jsonl', 'jsonl', 'self'],
      ['list.ndjson', 'jsonl', 'self'],
    ];
    for (const [name, format, target] of cases) {
      const p = file(name);
      assert.deepEqual(await detectFormat(p), { format, target: target === 'self' ? p : dirname(p) }, name);
    }
    const txt = file('notes.txt');
    await rejectsUser(detectFormat(txt), `cannot tell the dataset format of the file ${txt}`, 'coop:', 'fgvc:', 'idx:', 'csv:', 'jsonl:');
    await assert.rejects(detectFormat(txt), (e: Error) => !e.message.includes('imagefolder:'), 'imagefolder has no file test');

    // one folder with the signals of every format; removing the winner each time reveals the next
    const d = join(dir, 'all');
    mkdirSync(join(d, 'train'), { recursive: true });
    mkdirSync(join(d, 'cat'), { recursive: true });
    const split = put(join(d, 'split_zhou_X.json'), '{}');
    const variants = put(join(d, 'variants.txt'), 'a\n');
    const idx = put(join(d, 'train-images-idx3-ubyte'), '');
    const csv = put(join(d, 'list.csv'), '');
    const order: [string, string, () => void][] = [
      ['imagefolder', d, () => rmSync(join(d, 'train'), { recursive: true })],
      ['coop', split, () => rmSync(split)],
      ['fgvc', d, () => rmSync(variants)],
      ['idx', d, () => rmSync(idx)],
      ['csv', csv, () => rmSync(csv)],
    ];
    for (const [format, target, remove] of order) {
      assert.deepEqual(await detectFormat(d), { format, target }, format);
      remove();
    }
    const jl = put(join(d, 'list.jsonl'), '');
    assert.deepEqual(await detectFormat(d), { format: 'jsonl', target: jl });
    put(join(d, 'more.csv'), '');
    assert.deepEqual(await detectFormat(d), { format: 'imagefolder', target: d }, 'two manifests: neither; class folders are the fallback');
    rmSync(join(d, 'cat'), { recursive: true });
    await rejectsUser(detectFormat(d), 'cannot tell the dataset format', ...DATASET_FORMATS.map((f) => `  ${f}: `));
    // ambiguity inside a format is an error where that format's turn comes (before fgvc)
    put(join(d, 'variants.txt'), 'a\n');
    put(join(d, 'split_zhou_A.json'), '{}');
    put(join(d, 'split_zhou_B.json'), '{}');
    await rejectsUser(detectFormat(d), '2 split files');
    // forced formats by alias take that format's path rule
    assert.deepEqual(await detectFormat(d, 'FGVC_aircraft'), { format: 'fgvc', target: d });
    assert.deepEqual(await detectFormat(join(d, 'variants.txt'), 'fgvc'), { format: 'fgvc', target: d });
    assert.deepEqual(await detectFormat(d, 'ndjson'), { format: 'jsonl', target: jl });
    assert.deepEqual(await detectFormat(d, 'tsv'), { format: 'csv', target: join(d, 'more.csv') }, 'forced: the one csv manifest of the folder');
    put(join(d, 'b.csv'), '');
    await rejectsUser(detectFormat(d, 'csv'), `2 csv manifests in ${d} (b.csv, more.csv)`);
  });
});

/** A throwaway format: a `.lst` file of `path label` lines (labels are class names, sorted). */
function lstFormat(extra: Partial<DatasetFormatEntry> = {}): DatasetFormatEntry {
  return {
    name: 'lst',
    aliases: ['list-file'],
    help: 'a .lst file of "path label" lines',
    detectFile: async (file) => (extname(file) === '.lst' ? file : null),
    target: async (path) => path,
    read: async (target): Promise<ReadDataset> => {
      const rows = splitLines(await readTextFile(target, 'list')).filter((l) => l !== '').map((l) => l.split(' ') as [string, string]);
      const classNames = [...new Set(rows.map((r) => r[1]))].sort();
      const root = dirname(target);
      return { root, classNames, train: makeSplit(rows.map((r) => r[0]), rows.map((r) => join(root, r[0])), rows.map((r) => classNames.indexOf(r[1]))), skipped: [] };
    },
    ...extra,
  };
}

test('a format added through the table API is detected, read and limited like the built-ins; the default table is untouched', async () => {
  await withDir(async (dir) => {
    const lst = put(join(dir, 'data.lst'), 'a.png cat\nb.png dog\nc.png cat\nd.png dog\n');
    const table = createDatasetFormatTable([...DATASET_FORMAT_TABLE.entries, lstFormat()]);
    assert.equal(DATASET_FORMAT_TABLE.get('lst'), undefined);
    await rejectsUser(detectFormat(lst), 'cannot tell the dataset format');
    assert.deepEqual(await detectFormat(lst, undefined, table), { format: 'lst', target: lst });
    assert.equal(parseFormat('LIST-FILE', table), 'lst');
    const ds = await openDataset(lst, { limitPerClass: 1 }, table);
    assert.equal(ds.format, 'lst');
    assert.equal(ds.source, lst);
    assert.deepEqual(ds.classNames, ['cat', 'dog']);
    assert.deepEqual(ds.train.ids, ['a.png', 'b.png'], 'limits are applied to a new format without its help');
    const forced = await openDataset(lst, { format: 'list-file' }, table);
    assert.equal(forced.train.ids.length, 4);
    await rejectsUser(openDataset(lst, { format: 'lst' }), 'unknown dataset format "lst"');

    // folder tests: a new format placed first wins over imagefolder's train/ test; placed last it does not
    const d = join(dir, 'tree');
    mkdirSync(join(d, 'train', 'cat'), { recursive: true });
    put(join(d, 'index.lst'), 'train/cat/x.png cat\n');
    const folderLst = lstFormat({ detectFolder: async (folder, entries) => (entries.some((e) => e.name === 'index.lst') ? join(folder, 'index.lst') : null) });
    assert.equal((await detectFormat(d, undefined, createDatasetFormatTable([folderLst, ...BUILTIN_DATASET_FORMATS]))).format, 'lst');
    assert.equal((await detectFormat(d, undefined, createDatasetFormatTable([...BUILTIN_DATASET_FORMATS, folderLst]))).format, 'imagefolder');
    rmSync(join(d, 'train'), { recursive: true });
    mkdirSync(join(d, 'cat'));
    const last = await detectFormat(d, undefined, createDatasetFormatTable([...BUILTIN_DATASET_FORMATS, folderLst]));
    assert.deepEqual(last, { format: 'lst', target: join(d, 'index.lst') }, 'folder tests of every format come before the class-folder fallback');
    assert.equal(basename(last.target), 'index.lst');
  });
});

test('createDatasetFormatTable rejects clashing names, bad names, missing help and formats without a test', () => {
  const lst = lstFormat();
  assert.throws(() => createDatasetFormatTable([...BUILTIN_DATASET_FORMATS, { ...lst, aliases: ['json'] }]), /"json" is used twice/);
  assert.throws(() => createDatasetFormatTable([lst, lst]), /"lst" is used twice/);
  assert.throws(() => createDatasetFormatTable([{ ...lst, name: 'Lst' }]), /lower-case/);
  assert.throws(() => createDatasetFormatTable([{ ...lst, help: '' }]), /no help/);
  const { detectFile: _unused, ...noTest } = lst;
  assert.throws(() => createDatasetFormatTable([noTest]), /no file or folder test/);
  const aliases = ['x'];
  const t = createDatasetFormatTable([{ ...lst, aliases }]);
  aliases.push('y');
  assert.equal(t.get('y'), undefined, 'the table holds a copy');
});

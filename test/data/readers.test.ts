import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { readCoopSplit } from '../../src/data/coop-split.ts';
import { readFgvc } from '../../src/data/fgvc.ts';
import { FASHION_MNIST_CLASSES, readIdx } from '../../src/data/idx.ts';
import { readImageFolder } from '../../src/data/image-folder.ts';
import { readManifest } from '../../src/data/manifest.ts';
import { detectFormat, openDataset } from '../../src/data/open.ts';
import { idxBytes, idxDataset, image, put, rejectsUser, tmp } from './fixtures.ts';

async function withDir(fn: (dir: string) => Promise<void>, prefix?: string): Promise<void> {
  const dir = tmp(prefix);
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- CoOp split files (SPEC §2.1)

/** A CoOp-style dataset: images under `<dir>/images/<class>/`, split file in `<dir>`. */
async function coopDataset(dir: string): Promise<string> {
  const items = (n: number, offset: number): [string, number, string][] =>
    Array.from({ length: n }, (_, i) => {
      const label = i % 2 === 0 ? 1 : 0; // labels out of order in the file
      const cls = label === 0 ? 'Abyssinian' : 'beagle';
      return [`${cls}/${offset + i}.jpg`, label, cls];
    });
  const split = { train: items(4, 0), val: items(2, 10), test: items(2, 20) };
  for (const s of Object.values(split)) for (const [rel] of s) await image(join(dir, 'images', rel));
  // One item per line, as CoOp writes them (json.dump with indent).
  const text = `{\n${Object.entries(split)
    .map(([k, v]) => `  "${k}": [\n${v.map((it) => `    ${JSON.stringify(it)}`).join(',\n')}\n  ]`)
    .join(',\n')}\n}\n`;
  return put(join(dir, 'split_zhou_Test.json'), text);
}

/** A CoOp split file whose train/test items have the given labels (class name = `c<label>` unless named). */
async function coopWithLabels(dir: string, labels: readonly number[], names: Record<number, string> = {}): Promise<string> {
  const item = (split: string, l: number, i: number): [string, number, string] => [`${split}/${i}.png`, l, names[l] ?? `c${l}`];
  const split = { train: labels.map((l, i) => item('train', l, i)), test: labels.map((l, i) => item('test', l, i)) };
  for (const s of Object.values(split)) for (const [rel] of s) await image(join(dir, rel));
  return put(join(dir, 'split_zhou_Gap.json'), JSON.stringify(split));
}

test('coop: label numbers with a gap (0, 1, 3) are re-indexed 0, 1, 2 and the original numbers kept on the dataset', async () => {
  await withDir(async (dir) => {
    const names = { 0: 'cat', 1: 'dog', 3: 'bird' };
    const ds = await readCoopSplit(await coopWithLabels(dir, [3, 0, 1, 3], names));
    assert.deepEqual(ds.classNames, ['cat', 'dog', 'bird']);
    assert.deepEqual([...ds.train.labels], [2, 0, 1, 2]);
    assert.deepEqual([...(ds.test?.labels ?? [])], [2, 0, 1, 2]);
    assert.deepEqual(ds.originalLabels, [0, 1, 3]);
    // Kept through openDataset and its limits.
    assert.deepEqual((await openDataset(join(dir, 'split_zhou_Gap.json'), { limitPerClass: 1 })).originalLabels, [0, 1, 3]);
  }, 'akd-coop-gap-');
  // Labels that do not start at 0 are re-indexed too; 0…C−1 leaves no trace.
  await withDir(async (dir) => {
    assert.deepEqual((await readCoopSplit(await coopWithLabels(dir, [1, 2]))).originalLabels, [1, 2]);
  }, 'akd-coop-gap-');
  await withDir(async (dir) => {
    const ds = await readCoopSplit(await coopWithLabels(dir, [2, 0, 1]));
    assert.equal(ds.originalLabels, undefined);
    assert.equal('originalLabels' in ds, false);
  }, 'akd-coop-gap-');
});

test('coop: class names from the classname field, order = sorted label, image root found', async () => {
  await withDir(async (dir) => {
    const file = await coopDataset(dir);
    const ds = await readCoopSplit(file);
    assert.equal(ds.root, join(dir, 'images'));
    assert.deepEqual(ds.classNames, ['Abyssinian', 'beagle']);
    assert.deepEqual(ds.train.ids, ['beagle/0.jpg', 'Abyssinian/1.jpg', 'beagle/2.jpg', 'Abyssinian/3.jpg']);
    assert.deepEqual([...ds.train.labels], [1, 0, 1, 0]);
    assert.equal(ds.test?.ids.length, 2);
    assert.equal(ds.val?.ids.length, 2);
    assert.ok(ds.train.paths.every((p) => existsSync(p)));
    // Through openDataset: the folder and the file are both recognised.
    assert.deepEqual(await detectFormat(dir), { format: 'coop', target: file });
    assert.equal((await openDataset(file)).format, 'coop');
    const explicit = await readCoopSplit(file, { imageRoot: join(dir, 'images') });
    assert.deepEqual(explicit.train.ids, ds.train.ids);
  }, 'akd-coop-');
});

test('coop: malformed files give the file and the line', async () => {
  await withDir(async (dir) => {
    const file = await coopDataset(dir);
    const good = (await import('node:fs')).readFileSync(file, 'utf8');
    const lines = good.split('\n');
    const f = join(dir, 'split_zhou_Bad.json');

    put(f, good.replace('"val": [', '"val": [,'));
    await rejectsUser(readCoopSplit(f), f, 'line 8', 'invalid JSON');
    put(f, good.slice(0, good.length - 10));
    await rejectsUser(readCoopSplit(f), f, 'invalid JSON', /line \d+, column \d+/);
    put(f, '');
    await rejectsUser(readCoopSplit(f), f, 'empty');
    put(f, '[]');
    await rejectsUser(readCoopSplit(f), f, 'expected an object');
    put(f, '{"val": []}');
    await rejectsUser(readCoopSplit(f), f, 'no "train" array');

    // Line 4 = train item 1: wrong arity, bad label, empty name.
    const withLine = (n: number, s: string): string => lines.map((l, i) => (i === n - 1 ? s : l)).join('\n');
    put(f, withLine(4, '    ["beagle/2.jpg", 1],'));
    await rejectsUser(readCoopSplit(f), f, 'line 4', 'train item 1', 'expected [relpath, integer label, classname]');
    put(f, withLine(4, '    ["beagle/2.jpg", -1, "beagle"],'));
    await rejectsUser(readCoopSplit(f), f, 'line 4', 'non-negative integer');
    put(f, withLine(4, '    ["beagle/2.jpg", 1, "dog"],'));
    await rejectsUser(readCoopSplit(f), f, 'line 4', 'label 1', '"dog"', '"beagle" on line 3');
    put(f, withLine(4, '    ["beagle/0.jpg", 1, "beagle"],'));
    await rejectsUser(readCoopSplit(f), f, 'line 4', 'twice', 'line 3');
    // Test label unknown to train (line 13 = first test item).
    assert.match(lines[12] ?? '', /beagle\/20/);
    put(f, withLine(13, '    ["beagle/20.jpg", 7, "cat"],'));
    await rejectsUser(readCoopSplit(f), f, 'line 13', 'label 7', 'does not occur in the train split');
    // Missing images: the first five and the count.
    rmSync(join(dir, 'images', 'beagle'), { recursive: true });
    await rejectsUser(readCoopSplit(file, { imageRoot: join(dir, 'images') }), file, '4 image file(s)', 'beagle/0.jpg', 'line 3');
    const lenient = await readCoopSplit(file, { imageRoot: join(dir, 'images'), allowMissing: true });
    assert.deepEqual(lenient.train.ids, ['Abyssinian/1.jpg', 'Abyssinian/3.jpg']);
    assert.equal(lenient.skipped.length, 4);
    rmSync(join(dir, 'images'), { recursive: true });
    await rejectsUser(readCoopSplit(file), 'cannot find the images', '--image-root');
  }, 'akd-coop-');
});

// ---------------------------------------------------------------- FGVC-Aircraft (SPEC §2.1)

async function fgvcDataset(dir: string): Promise<string> {
  const data = join(dir, 'data');
  put(join(data, 'variants.txt'), '707-320\nBoeing 747\nA300B4\n');
  put(join(data, 'images_variant_train.txt'), '0001 Boeing 747\n0002 707-320\n0003 A300B4\n0004 Boeing 747\n');
  put(join(data, 'images_variant_val.txt'), '0005 A300B4\n');
  put(join(data, 'images_variant_test.txt'), '0006 707-320\n0007 Boeing 747\n');
  for (let i = 1; i <= 7; i++) await image(join(data, 'images', `000${i}.jpg`), i);
  return data;
}

test('fgvc: class names = variants.txt lines in order; items "<id> <variant with spaces>"', async () => {
  await withDir(async (dir) => {
    const data = await fgvcDataset(dir);
    for (const src of [dir, data]) {
      const ds = await readFgvc(src);
      assert.equal(ds.root, data);
      assert.deepEqual(ds.classNames, ['707-320', 'Boeing 747', 'A300B4']);
      assert.deepEqual(ds.train.ids, ['images/0001.jpg', 'images/0002.jpg', 'images/0003.jpg', 'images/0004.jpg']);
      assert.deepEqual([...ds.train.labels], [1, 0, 2, 1]);
      assert.deepEqual([...(ds.test?.labels ?? [])], [0, 1]);
      assert.equal(ds.val?.ids.length, 1);
    }
    assert.equal((await detectFormat(join(data, 'variants.txt'))).format, 'fgvc');
    assert.equal((await openDataset(dir)).format, 'fgvc');
  }, 'akd-fgvc-');
});

test('fgvc: malformed files give the file and the line', async () => {
  await withDir(async (dir) => {
    const data = await fgvcDataset(dir);
    const tr = join(data, 'images_variant_train.txt');
    put(tr, '0001 Boeing 747\n0002\n');
    await rejectsUser(readFgvc(data), tr, 'line 2', 'expected "<image id> <variant name>"');
    put(tr, '0001 Boeing 747\n0002 Boeing 737\n');
    await rejectsUser(readFgvc(data), tr, 'line 2', 'unknown variant "Boeing 737"');
    put(tr, '');
    await rejectsUser(readFgvc(data), tr, 'empty');
    put(tr, '0001 Boeing 747\n0009 A300B4\n0010 A300B4\n');
    await rejectsUser(readFgvc(data), tr, '2 image file(s)', '0009.jpg', 'line 2', '0010.jpg');
    const v = join(data, 'variants.txt');
    put(v, 'A\n\nB\n');
    await rejectsUser(readFgvc(data), v, 'line 2', 'empty line');
    put(v, 'A\nB\nA\n');
    await rejectsUser(readFgvc(data), v, 'line 3', 'duplicate', 'line 1');
    rmSync(v);
    await rejectsUser(readFgvc(data), 'no variants.txt');
  }, 'akd-fgvc-');
});

// ---------------------------------------------------------------- CSV / JSONL manifests

test('csv manifest: relative paths, unlabeled items, split column, classes sorted', async () => {
  await withDir(async (dir) => {
    for (const n of ['a', 'b', 'c', 'd', 'e']) await image(join(dir, 'img', `${n}.png`), n.charCodeAt(0));
    const outside = await image(join(dir, '..', `${dir.split('/').pop()}-outside.png`), 9);
    try {
      const f = put(join(dir, 'm.csv'), `path,label,split,note\nimg/a.png,dog,train,x\nimg/b.png,,train,\n"img/c.png",cat,,\nimg/d.png,dog,test,\nimg/e.png,cat,val,\n${outside},cat,train,\n`);
      const ds = await readManifest(f);
      assert.equal(ds.root, dir);
      assert.deepEqual(ds.classNames, ['cat', 'dog']);
      assert.deepEqual(ds.train.ids, ['img/a.png', 'img/b.png', 'img/c.png', outside]);
      assert.deepEqual([...ds.train.labels], [1, -1, 0, 0]);
      assert.deepEqual(ds.test?.ids, ['img/d.png']);
      assert.deepEqual(ds.val?.ids, ['img/e.png']);
      assert.equal((await openDataset(f)).format, 'csv');
      // Integer labels sort numerically; a classes file fixes the order and allows indices.
      const g = put(join(dir, 'n.csv'), 'path,label\nimg/a.png,10\nimg/b.png,9\nimg/c.png,2\n');
      assert.deepEqual((await readManifest(g)).classNames, ['2', '9', '10']);
      const classes = put(join(dir, 'classes.txt'), 'zebra\ncat\ndog\n');
      const h = put(join(dir, 'h.csv'), 'path,label\nimg/a.png,dog\nimg/b.png,0\n');
      const dh = await readManifest(h, { classesFile: classes });
      assert.deepEqual(dh.classNames, ['zebra', 'cat', 'dog']);
      assert.deepEqual([...dh.train.labels], [2, 0]);
    } finally {
      rmSync(outside, { force: true });
    }
  }, 'akd-csv-');
});

test('csv manifest: malformed rows give the file and the line', async () => {
  await withDir(async (dir) => {
    await image(join(dir, 'a.png'));
    await image(join(dir, 'b.png'), 2);
    const f = join(dir, 'm.csv');
    const classes = put(join(dir, 'classes.txt'), 'cat\ndog\n');
    put(f, 'path,label\na.png,cat\nb.png,dog,extra\n');
    await rejectsUser(readManifest(f), f, 'line 3', 'expected 2 columns', 'got 3');
    put(f, 'path,label\na.png,cat\n"b.png,dog\n');
    await rejectsUser(readManifest(f), f, 'line 3', 'invalid CSV');
    put(f, 'file,class\na.png,cat\n');
    await rejectsUser(readManifest(f), f, 'line 1', '"path" and "label"');
    put(f, '');
    await rejectsUser(readManifest(f), f, 'empty');
    put(f, 'path,label\n');
    await rejectsUser(readManifest(f), f, 'no rows');
    put(f, 'path,label\na.png,cat\nb.png,5\n');
    await rejectsUser(readManifest(f, { classesFile: classes }), f, 'line 3', 'label 5 is out of range', '2 classes');
    put(f, 'path,label\na.png,cat\nb.png,bird\n');
    await rejectsUser(readManifest(f, { classesFile: classes }), f, 'line 3', 'unknown class name "bird"');
    put(f, 'path,label,split\na.png,cat,train\nb.png,dog,holdout\n');
    await rejectsUser(readManifest(f), f, 'line 3', 'unknown split "holdout"');
    put(f, 'path,label,split\na.png,cat,train\nb.png,,test\n');
    await rejectsUser(readManifest(f), f, 'line 3', 'need a label');
    put(f, 'path,label\na.png,cat\n./a.png,dog\n');
    await rejectsUser(readManifest(f), f, 'line 3', 'twice', 'line 2');
    put(f, 'path,label\na.png,cat\nmissing1.png,dog\nmissing2.png,dog\n');
    await rejectsUser(readManifest(f), f, '2 image file(s)', 'missing1.png (line 3', 'missing2.png (line 4');
    const lenient = await readManifest(f, { allowMissing: true });
    assert.deepEqual(lenient.train.ids, ['a.png']);
    assert.equal(lenient.skipped.length, 2);
  }, 'akd-csv-');
});

test('jsonl manifest: objects per line; malformed lines give the line', async () => {
  await withDir(async (dir) => {
    await image(join(dir, 'a.png'));
    await image(join(dir, 'b.png'), 2);
    const f = put(join(dir, 'm.jsonl'), '{"path": "a.png", "label": "cat"}\n\n{"path": "b.png", "label": null}\n');
    const ds = await readManifest(f);
    assert.deepEqual(ds.classNames, ['cat']);
    assert.deepEqual([...ds.train.labels], [0, -1]);
    assert.equal((await detectFormat(f)).format, 'jsonl');
    put(f, '{"path": "a.png", "label": "cat"}\n{"path": "b.png", "label": }\n');
    await rejectsUser(readManifest(f), f, 'line 2', 'invalid JSON');
    put(f, '{"path": "a.png", "label": "cat"}\n["b.png", "cat"]\n');
    await rejectsUser(readManifest(f), f, 'line 2', 'expected an object');
    put(f, '{"path": "a.png", "label": "cat"}\n{"path": "b.png", "label": -3}\n');
    await rejectsUser(readManifest(f), f, 'line 2', 'label -3');
  }, 'akd-jsonl-');
});

// ---------------------------------------------------------------- IDX

test('idx: gzipped and plain files, limits, PNGs materialised once into the cache', async () => {
  await withDir(async (dir) => {
    const data = idxDataset(join(dir, 'fashion-mnist'), 12, 6, 3, true);
    const cache = join(dir, 'cache');
    const ds = await readIdx(data, { cacheDir: cache, limitPerClass: { train: 2, test: 1 } });
    assert.deepEqual(ds.classNames, [...FASHION_MNIST_CLASSES]);
    assert.deepEqual(ds.train.ids, ['train/00', 'train/01', 'train/02', 'train/03', 'train/04', 'train/05']);
    assert.deepEqual([...ds.train.labels], [0, 1, 2, 0, 1, 2]);
    assert.deepEqual(ds.test?.ids, ['test/0', 'test/1', 'test/2']);
    const meta = await sharp(ds.train.paths[1] as string).metadata();
    assert.equal(meta.width, 4);
    assert.equal(meta.height, 4);
    assert.equal(meta.channels, 1, '8-bit grayscale PNG');
    const raw = await sharp(ds.train.paths[1] as string).extractChannel(0).raw().toBuffer();
    assert.deepEqual([...raw], Array.from({ length: 16 }, (_, i) => ((16 + i) * 7) % 256), 'pixels of image 1');
    const folder = readdirSync(join(cache, 'idx'));
    assert.equal(folder.length, 2, 'one cache folder per images file');
    const mtime = statSync(ds.train.paths[0] as string).mtimeMs;
    const again = await readIdx(data, { cacheDir: cache, limit: 4 });
    assert.deepEqual(again.train.paths, ds.train.paths.slice(0, 4));
    assert.equal(statSync(ds.train.paths[0] as string).mtimeMs, mtime, 'cached PNGs are not rewritten');
    const plain = idxDataset(join(dir, 'mnist'), 5, 0, 10, false);
    rmSync(join(plain, 't10k-images-idx3-ubyte'));
    rmSync(join(plain, 't10k-labels-idx1-ubyte'));
    const dm = await openDataset(join(plain, 'train-images-idx3-ubyte'), { cacheDir: cache });
    assert.equal(dm.format, 'idx');
    assert.deepEqual(dm.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.equal(dm.test, undefined);
    assert.equal(dm.train.ids.length, 5);
  }, 'akd-idx-');
});

test('idx: malformed files are named', async () => {
  await withDir(async (dir) => {
    const cache = join(dir, 'cache');
    const data = idxDataset(join(dir, 'fashion-x'), 4, 2, 3, false);
    const lab = join(data, 'train-labels-idx1-ubyte');
    put(lab, idxBytes([4], new Uint8Array([0, 1, 12, 0])));
    await rejectsUser(readIdx(data, { cacheDir: cache }), lab, 'label 12 of item 2', 'out of range', '10 class names');
    put(lab, idxBytes([3], new Uint8Array([0, 1, 2])));
    await rejectsUser(readIdx(data, { cacheDir: cache }), 'disagree', '4 images', '3 labels');
    put(lab, idxBytes([4], new Uint8Array([0, 1])));
    await rejectsUser(readIdx(data, { cacheDir: cache }), lab, 'truncated');
    put(lab, Buffer.from('hello world'));
    await rejectsUser(readIdx(data, { cacheDir: cache }), lab, 'not an IDX file');
    put(lab, Buffer.alloc(0));
    await rejectsUser(readIdx(data, { cacheDir: cache }), lab, 'empty');
    put(lab, Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    await rejectsUser(readIdx(data, { cacheDir: cache }), lab, 'cannot decompress');
    put(lab, idxBytes([4], new Uint8Array([0, 1, 2, 0])));
    const classes = put(join(dir, 'classes.txt'), 'a\nb\n');
    await rejectsUser(readIdx(data, { cacheDir: cache, classesFile: classes }), 'label 2', classes);
    rmSync(lab);
    await rejectsUser(readIdx(data, { cacheDir: cache }), 'no labels file');
  }, 'akd-idx-');
});

// ---------------------------------------------------------------- ImageFolder without split folders, openDataset

test('image folder without train/: seeded stratified split, deterministic, every class keeps a train item', async () => {
  await withDir(async (dir) => {
    for (let i = 0; i < 10; i++) await image(join(dir, 'cat', `${i}.png`), i);
    for (let i = 0; i < 5; i++) await image(join(dir, 'dog', `${i}.png`), 20 + i);
    await image(join(dir, 'owl', 'only.png'), 40);
    const a = await readImageFolder(dir);
    assert.deepEqual(a.classNames, ['cat', 'dog', 'owl']);
    const count = (l: Int32Array | undefined, c: number): number => [...(l ?? [])].filter((y) => y === c).length;
    assert.deepEqual([count(a.test?.labels, 0), count(a.test?.labels, 1), count(a.test?.labels, 2)], [2, 1, 0]);
    assert.deepEqual([count(a.train.labels, 0), count(a.train.labels, 1), count(a.train.labels, 2)], [8, 4, 1]);
    assert.ok(a.train.ids.every((id) => /^(cat|dog|owl)\/\d+|only\.png$/.test(id)));
    assert.equal(new Set([...a.train.ids, ...(a.test?.ids ?? [])]).size, 16);
    const b = await readImageFolder(dir);
    assert.deepEqual(b.test?.ids, a.test?.ids, 'same seed, same split');
    const seeds = await Promise.all([1, 2, 3, 4].map(async (s) => (await readImageFolder(dir, { splitSeed: s })).test?.ids.join()));
    assert.ok(new Set([a.test?.ids.join(), ...seeds]).size > 1, 'the seed changes the split');
    const half = await openDataset(dir, { testFraction: 0.5 });
    assert.equal(half.format, 'imagefolder');
    assert.deepEqual([count(half.test?.labels, 0), count(half.test?.labels, 1)], [5, 3]);
    assert.equal((await readImageFolder(dir, { testFraction: 0 })).test, undefined);
    await rejectsUser(readImageFolder(dir, { testFraction: 1 }), 'test fraction');
    const lim = await openDataset(dir, { limitPerClass: 2, limit: { train: 3 } });
    assert.deepEqual([...lim.train.labels], [0, 0, 1]);
  }, 'akd-flat-');
});

test('image folder with train/ and no test/: the seeded stratified split of unsplit data (issue 15 #6)', async () => {
  await withDir(async (dir) => {
    const flat = join(dir, 'flat');
    const split = join(dir, 'split');
    for (const root of [flat, join(split, 'train')]) {
      for (let i = 0; i < 10; i++) await image(join(root, 'cat', `${i}.png`), i);
      for (let i = 0; i < 5; i++) await image(join(root, 'dog', `${i}.png`), 20 + i);
      await image(join(root, 'owl', 'only.png'), 40);
    }
    const a = await readImageFolder(split);
    const count = (l: Int32Array | undefined, c: number): number => [...(l ?? [])].filter((y) => y === c).length;
    // round(0.2 · n) per class, at most n − 1: 10 → 2, 5 → 1, 1 → 0.
    assert.deepEqual([count(a.test?.labels, 0), count(a.test?.labels, 1), count(a.test?.labels, 2)], [2, 1, 0]);
    assert.deepEqual([count(a.train.labels, 0), count(a.train.labels, 1), count(a.train.labels, 2)], [8, 4, 1]);
    assert.ok([...a.train.ids, ...(a.test?.ids ?? [])].every((id) => id.startsWith('train/')));
    assert.equal(new Set([...a.train.ids, ...(a.test?.ids ?? [])]).size, 16);
    // The same split as the flat layout of the same class folders (same seed, same class names).
    for (const seed of [0, 3]) {
      const f = await readImageFolder(flat, { splitSeed: seed });
      const s = await readImageFolder(split, { splitSeed: seed });
      assert.deepEqual(
        s.test?.ids,
        f.test?.ids.map((id) => `train/${id}`),
        `seed ${seed}`,
      );
    }
    assert.deepEqual((await openDataset(split, { testFraction: 0.5 })).test?.labels.length, 8);
    assert.equal((await readImageFolder(split, { testFraction: 0 })).test, undefined, 'fraction 0: no test split');
    assert.equal((await readImageFolder(split, { testDir: null })).test, undefined);
    await rejectsUser(readImageFolder(split, { testDir: 'test' }), 'test split folder not found');
    await rejectsUser(readImageFolder(split, { testFraction: 1 }), 'test fraction');
  }, 'akd-trainonly-');
});

test('openDataset: detection, forced formats, clear errors', async () => {
  await withDir(async (dir) => {
    await rejectsUser(openDataset(join(dir, 'nope')), 'dataset not found', join(dir, 'nope'));
    await rejectsUser(openDataset(dir), 'cannot tell the dataset format', 'imagefolder', 'coop', 'idx');
    const txt = put(join(dir, 'notes.txt'), 'x');
    await rejectsUser(openDataset(txt), 'cannot tell the dataset format', txt);
    await rejectsUser(openDataset(dir, { format: 'parquet' }), 'unknown dataset format "parquet"', 'imagefolder');
    await rejectsUser(openDataset(txt, { format: 'imagefolder' }), 'needs a folder');
    await rejectsUser(openDataset(dir, { format: 'coop' }), 'no split_zhou_*.json');
    await rejectsUser(openDataset(dir, { limitPerClass: 0 }), 'limit per class');
    await image(join(dir, 'train', 'a', '1.png'));
    await image(join(dir, 'train', 'b', '1.png'), 3);
    put(join(dir, 'split_zhou_X.json'), '{}');
    assert.equal((await detectFormat(dir)).format, 'imagefolder', 'train/ wins');
    assert.equal((await detectFormat(dir, 'coop')).format, 'coop');
    put(join(dir, 'split_zhou_Y.json'), '{}');
    await rejectsUser(openDataset(dir, { format: 'coop' }), '2 split_zhou_*.json split files');
    const m = put(join(dir, 'sub', 'list.csv'), 'path,label\n../train/a/1.png,a\n../train/b/1.png,b\n');
    assert.deepEqual(await detectFormat(join(dir, 'sub')), { format: 'csv', target: m });
    const ds = await openDataset(join(dir, 'sub'), { format: 'csv' });
    assert.deepEqual(ds.classNames, ['a', 'b']);
    assert.equal(ds.source, m);
  }, 'akd-open-');
});

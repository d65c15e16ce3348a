/**
 * Unicode normalisation in the dataset readers (issue 15 #4): file and folder names written with a
 * decomposed "é" (NFD, as macOS writes them) match class names and lists typed with a composed "é"
 * (NFC, as keyboards type them), and the other way round. Ids and class names come out in NFC; the
 * files are opened by their names on disk.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readCoopSplit } from '../../src/data/coop-split.ts';
import { readFgvc } from '../../src/data/fgvc.ts';
import { readClassesFile, readImageFolder } from '../../src/data/image-folder.ts';
import { readManifest } from '../../src/data/manifest.ts';
import { image, put, rejectsUser, tmp } from './fixtures.ts';

/** Composed (NFC) and decomposed (NFD) spellings, written with explicit code points. */
const CHAT_NFC = 'chat domestiqu\u00e9';
const CHAT_NFD = 'chat domestique\u0301';
const PHOTO_NFC = 'photo-\u00e9t\u00e9.png';
const PHOTO_NFD = 'photo-e\u0301te\u0301.png';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = tmp('akd-unicode-');
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('fixture check: the file system keeps the decomposed bytes (the case the readers must handle)', async () => {
  await withDir(async (dir) => {
    await image(join(dir, PHOTO_NFD));
    assert.deepEqual(readdirSync(dir), [PHOTO_NFD]);
    assert.notEqual(PHOTO_NFD, PHOTO_NFC);
  });
});

test('image folder: decomposed folder and file names match a classes file typed composed; ids in NFC, paths on disk', async () => {
  await withDir(async (dir) => {
    await image(join(dir, 'train', CHAT_NFD, PHOTO_NFD), 1);
    await image(join(dir, 'train', 'chien', 'a.png'), 2);
    await image(join(dir, 'test', CHAT_NFD, 'b.png'), 3);
    const classes = put(join(dir, 'classes.txt'), `chien\n${CHAT_NFC}\n`);
    const ds = await readImageFolder(dir, { classesFile: classes });
    assert.deepEqual(ds.classNames, ['chien', CHAT_NFC]);
    assert.deepEqual(ds.train.ids, ['train/chien/a.png', `train/${CHAT_NFC}/${PHOTO_NFC}`]);
    assert.deepEqual([...ds.train.labels], [0, 1]);
    assert.equal(ds.train.paths[1], join(dir, 'train', CHAT_NFD, PHOTO_NFD), 'opened by its name on disk');
    assert.ok(ds.train.paths.every((p) => existsSync(p)));
    assert.deepEqual(ds.test?.ids, [`test/${CHAT_NFC}/b.png`]);
    assert.deepEqual([...(ds.test?.labels ?? [])], [1]);
    // Without a classes file, the class names are the folder names in NFC.
    assert.deepEqual((await readImageFolder(dir)).classNames, [CHAT_NFC, 'chien']);
  });
});

test('image folder: composed folder names match a classes file typed decomposed', async () => {
  await withDir(async (dir) => {
    await image(join(dir, 'train', CHAT_NFC, 'a.png'), 1);
    await image(join(dir, 'train', 'chien', 'b.png'), 2);
    const classes = put(join(dir, 'classes.txt'), `${CHAT_NFD}\nchien\n`);
    const ds = await readImageFolder(dir, { classesFile: classes, testFraction: 0 });
    assert.deepEqual(ds.classNames, [CHAT_NFC, 'chien']);
    assert.deepEqual([...ds.train.labels], [0, 1]);
  });
});

test('classes file: two lines that differ only by normalisation are duplicates, and the message says so', async () => {
  await withDir(async (dir) => {
    const f = put(join(dir, 'c.txt'), `${CHAT_NFC}\nchien\n${CHAT_NFD}\n`);
    await rejectsUser(readClassesFile(f), f, 'line 3', 'duplicate', 'first on line 1', 'only by Unicode normalisation');
    assert.deepEqual(await readClassesFile(put(join(dir, 'd.txt'), `${CHAT_NFD}\nchien\n`)), [CHAT_NFC, 'chien']);
  });
});

test('image folder: two files of one folder that differ only by normalisation are refused, naming both', async () => {
  await withDir(async (dir) => {
    await image(join(dir, 'train', 'chien', PHOTO_NFC), 1);
    await image(join(dir, 'train', 'chien', PHOTO_NFD), 2);
    await rejectsUser(readImageFolder(dir), join(dir, 'train', 'chien', PHOTO_NFC), join(dir, 'train', 'chien', PHOTO_NFD), 'only by Unicode normalisation');
  });
});

test('manifest: paths and labels typed composed find decomposed files and classes; ids in NFC', async () => {
  await withDir(async (dir) => {
    await image(join(dir, 'img', CHAT_NFD, PHOTO_NFD), 1);
    await image(join(dir, 'img', 'chien.png'), 2);
    const classes = put(join(dir, 'classes.txt'), `${CHAT_NFD}\nchien\n`);
    const f = put(join(dir, 'm.csv'), `path,label,split\nimg/${CHAT_NFC}/${PHOTO_NFC},${CHAT_NFC},train\nimg/chien.png,chien,test\n`);
    const ds = await readManifest(f, { classesFile: classes });
    assert.deepEqual(ds.classNames, [CHAT_NFC, 'chien']);
    assert.deepEqual(ds.train.ids, [`img/${CHAT_NFC}/${PHOTO_NFC}`]);
    assert.deepEqual([...ds.train.labels], [0]);
    assert.equal(ds.train.paths[0], join(dir, 'img', CHAT_NFD, PHOTO_NFD), 'opened by its name on disk');
    assert.deepEqual(ds.skipped, []);
    // Without a classes file: one class for both spellings of the label.
    const g = put(join(dir, 'n.jsonl'), `{"path": "img/${CHAT_NFD}/${PHOTO_NFD}", "label": "${CHAT_NFD}"}\n{"path": "img/chien.png", "label": "${CHAT_NFC}"}\n`);
    const dj = await readManifest(g);
    assert.deepEqual(dj.classNames, [CHAT_NFC]);
    assert.deepEqual([...dj.train.labels], [0, 0]);
    // The same image listed with two spellings is listed twice.
    const h = put(join(dir, 'twice.csv'), `path,label\nimg/${CHAT_NFC}/${PHOTO_NFC},chien\nimg/${CHAT_NFD}/${PHOTO_NFD},chien\n`);
    await rejectsUser(readManifest(h), h, 'line 3', 'twice', 'only by Unicode normalisation');
  });
});

test('coop split: one class written both ways is one class; composed paths find decomposed files', async () => {
  await withDir(async (dir) => {
    await image(join(dir, 'images', PHOTO_NFD), 1);
    await image(join(dir, 'images', 'b.png'), 2);
    await image(join(dir, 'images', 'c.png'), 3);
    const split = { train: [[PHOTO_NFC, 0, CHAT_NFC], ['b.png', 1, 'chien']], test: [['c.png', 0, CHAT_NFD]] };
    const file = put(join(dir, 'split_zhou_U.json'), JSON.stringify(split, null, 1));
    const ds = await readCoopSplit(file);
    assert.equal(ds.root, join(dir, 'images'));
    assert.deepEqual(ds.classNames, [CHAT_NFC, 'chien']);
    assert.deepEqual(ds.train.ids, [PHOTO_NFC, 'b.png']);
    assert.equal(ds.train.paths[0], join(dir, 'images', PHOTO_NFD));
    assert.deepEqual([...(ds.test?.labels ?? [])], [0]);
  });
});

test('fgvc: a variant written decomposed in variants.txt matches the composed split file', async () => {
  await withDir(async (dir) => {
    await image(join(dir, 'images', '1.jpg'), 1);
    await image(join(dir, 'images', '2.jpg'), 2);
    put(join(dir, 'variants.txt'), `Caravelle e\u0301tendue\nA300\n`);
    put(join(dir, 'images_variant_train.txt'), `1 Caravelle \u00e9tendue\n2 A300\n`);
    const ds = await readFgvc(dir);
    assert.deepEqual(ds.classNames, ['Caravelle \u00e9tendue', 'A300']);
    assert.deepEqual([...ds.train.labels], [0, 1]);
  });
});

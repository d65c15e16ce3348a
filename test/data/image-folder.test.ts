import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { ASSETS } from '../../src/assets.ts';
import { readClassesFile, readImageFolder } from '../../src/data/image-folder.ts';
import { UserError } from '../../src/util/errors.ts';

/** A tiny real image (4×4 RGB) encoded as the format of the file's extension. */
async function tinyImage(file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const img = sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 200, g: 40, b: 90 } } });
  const buf = file.endsWith('.png') ? await img.png().toBuffer() : await img.jpeg().toBuffer();
  await writeFile(file, buf);
}

/** Creates a dataset under a fresh temp folder: `files` are paths relative to the root. */
async function makeTree(files: Record<string, 'img' | string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'akd-if-'));
  for (const [rel, content] of Object.entries(files)) {
    const p = join(root, rel);
    if (content === 'img') await tinyImage(p);
    else {
      await mkdir(dirname(p), { recursive: true });
      await writeFile(p, content);
    }
  }
  return root;
}

async function rejectsUser(p: Promise<unknown>, ...fragments: string[]): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof UserError, `expected UserError, got ${String(e)}`);
    for (const f of fragments) assert.ok(e.message.includes(f), `message "${e.message}" should include "${f}"`);
    return true;
  });
}

test('happy path: classes, ids, labels, order, skipped files, test split', async () => {
  const root = await makeTree({
    'train/dog/b.png': 'img',
    'train/dog/a.jpg': 'img',
    'train/cat/x.JPEG': 'img',
    'train/cat/notes.txt': 'hello',
    'train/cat/.hidden.jpg': 'img',
    'train/readme.md': 'x',
    'test/dog/t1.jpg': 'img',
    'test/cat/t2.png': 'img',
  });
  try {
    const ds = await readImageFolder(root);
    assert.equal(ds.root, root);
    assert.deepEqual(ds.classNames, ['cat', 'dog']);
    assert.deepEqual(ds.train.ids, ['train/cat/x.JPEG', 'train/dog/a.jpg', 'train/dog/b.png']);
    assert.deepEqual(ds.train.paths, ds.train.ids.map((id) => join(root, id)));
    assert.deepEqual([...ds.train.labels], [0, 1, 1]);
    assert.ok(ds.test);
    assert.deepEqual(ds.test.ids, ['test/cat/t2.png', 'test/dog/t1.jpg']);
    assert.deepEqual([...ds.test.labels], [0, 1]);
    const sk = new Map(ds.skipped.map((s) => [s.path, s.reason]));
    assert.match(sk.get(join(root, 'train/cat/notes.txt')) ?? '', /not an image/);
    assert.match(sk.get(join(root, 'train/cat/.hidden.jpg')) ?? '', /hidden/);
    assert.match(sk.get(join(root, 'train/readme.md')) ?? '', /not in a class folder/);
    assert.equal(ds.skipped.length, 3);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('testDir null: no test split; no test folder and one image per class: none either; custom split names; extensions', async () => {
  const root = await makeTree({ 'tr/a/1.jpg': 'img', 'tr/a/2.png': 'img', 'va/a/3.jpg': 'img', 'test/zzz/4.jpg': 'img' });
  try {
    const noTest = await readImageFolder(root, { trainDir: 'tr', testDir: null });
    assert.equal(noTest.test, undefined);
    const pngOnly = await readImageFolder(root, { trainDir: 'tr', testDir: 'va', extensions: ['.PNG', 'jpg'] });
    assert.deepEqual(pngOnly.test?.ids, ['va/a/3.jpg']);
    const only = await readImageFolder(root, { trainDir: 'tr', testDir: null, extensions: ['png'] });
    assert.deepEqual(only.train.ids, ['tr/a/2.png']);
    await rejectsUser(readImageFolder(root, { trainDir: 'tr', testDir: 'nope' }), join(root, 'nope'));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  const root2 = await makeTree({ 'train/a/1.jpg': 'img' });
  try {
    // No test folder: the split of the train folder keeps every class's only image in the pool.
    assert.equal((await readImageFolder(root2)).test, undefined);
  } finally {
    await rm(root2, { recursive: true, force: true });
  }
});

test('classes file sets the label order and must match the folders', async () => {
  const root = await makeTree({ 'train/cat/1.jpg': 'img', 'train/dog/2.jpg': 'img', 'test/dog/3.jpg': 'img', 'classes.txt': 'dog\ncat\n' });
  try {
    const ds = await readImageFolder(root, { classesFile: join(root, 'classes.txt') });
    assert.deepEqual(ds.classNames, ['dog', 'cat']);
    assert.deepEqual(ds.train.ids, ['train/dog/2.jpg', 'train/cat/1.jpg']);
    assert.deepEqual([...ds.train.labels], [0, 1]);
    assert.deepEqual([...(ds.test?.labels ?? [])], [0]);

    await writeFile(join(root, 'extra.txt'), 'dog\ncat\nbird\n');
    await rejectsUser(readImageFolder(root, { classesFile: join(root, 'extra.txt') }), '"bird"', join(root, 'extra.txt'));
    await writeFile(join(root, 'fewer.txt'), 'dog\n');
    await rejectsUser(readImageFolder(root, { classesFile: join(root, 'fewer.txt') }), '"cat"', join(root, 'fewer.txt'));
    await rejectsUser(readImageFolder(root, { classesFile: join(root, 'missing.txt') }), 'classes file not found', join(root, 'missing.txt'));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('classes file: empty and duplicate lines are named with file and line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'akd-cls-'));
  try {
    const f = join(dir, 'c.txt');
    await writeFile(f, 'a\n\nb\n');
    await rejectsUser(readClassesFile(f), f, 'line 2', 'empty');
    await writeFile(f, 'a\r\nb\r\na\r\n');
    await rejectsUser(readClassesFile(f), f, 'line 3', 'duplicate', '"a"', 'line 1');
    await writeFile(f, '');
    await rejectsUser(readClassesFile(f), f, 'empty');
    await writeFile(f, ' a \nb');
    assert.deepEqual(await readClassesFile(f), ['a', 'b']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('errors name the offending path or class', async () => {
  const missing = join(tmpdir(), 'akd-definitely-missing-dataset');
  await rejectsUser(readImageFolder(missing), 'not found', missing);

  const root = await makeTree({ 'file.txt': 'x' });
  try {
    await rejectsUser(readImageFolder(join(root, 'file.txt')), 'not a folder', join(root, 'file.txt'));
    await rejectsUser(readImageFolder(root), '"train"', root);
    await mkdir(join(root, 'train'));
    await rejectsUser(readImageFolder(root), 'no class folders', join(root, 'train'));
    await tinyImage(join(root, 'train/cat/1.jpg'));
    await writeFile(join(root, 'train/cat/2.txt'), 'x');
    await mkdir(join(root, 'train/dog'));
    await writeFile(join(root, 'train/dog/readme.txt'), 'x');
    await rejectsUser(readImageFolder(root), '"dog"', 'no image files', join(root, 'train', 'dog'));
    await rm(join(root, 'train/dog'), { recursive: true });
    await tinyImage(join(root, 'test/horse/1.jpg'));
    await tinyImage(join(root, 'test/cat/1.jpg'));
    await rejectsUser(readImageFolder(root), '"horse"', 'not classes of the train split', join(root, 'test'));
    await rm(join(root, 'test/horse'), { recursive: true });
    await mkdir(join(root, 'test/cat/sub'));
    const ds = await readImageFolder(root);
    assert.equal(ds.test?.ids.length, 1);
    assert.ok(ds.skipped.some((s) => s.path === join(root, 'test/cat/sub') && /nested folder/.test(s.reason)));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('broken symbolic links are skipped, linked images are read', async () => {
  const root = await makeTree({ 'train/a/1.jpg': 'img', 'elsewhere/2.jpg': 'img' });
  try {
    await symlink(join(root, 'elsewhere/2.jpg'), join(root, 'train/a/2.jpg'));
    await symlink(join(root, 'nowhere.jpg'), join(root, 'train/a/3.jpg'));
    const ds = await readImageFolder(root);
    assert.deepEqual(ds.train.ids, ['train/a/1.jpg', 'train/a/2.jpg']);
    assert.ok(ds.skipped.some((s) => s.path === join(root, 'train/a/3.jpg')));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('embedded cifar10-mini: 10 classes × 200 train / 100 test', async () => {
  const ds = await readImageFolder(ASSETS.cifar10Mini);
  assert.deepEqual(ds.classNames, ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
  assert.equal(ds.train.ids.length, 2000);
  assert.equal(ds.test?.ids.length, 1000);
  const count = (labels: Int32Array, c: number): number => labels.filter((y) => y === c).length;
  for (let c = 0; c < 10; c++) {
    assert.equal(count(ds.train.labels, c), 200);
    assert.equal(count(ds.test?.labels ?? new Int32Array(), c), 100);
  }
  assert.equal(ds.train.ids[0], 'train/airplane/0000.jpg');
  assert.equal(ds.test?.ids[999], 'test/truck/0099.jpg');
  assert.deepEqual(ds.skipped, []);
});

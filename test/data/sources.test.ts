/**
 * Issue 15 #23: an opened dataset reports the files that define it (split file, manifest, classes
 * file) with the sha256 of their bytes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDataset } from '../../src/data/open.ts';
import { image, put, tmp } from './fixtures.ts';

const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

test('sources: a CoOp split file and a manifest are reported with their sha256', async () => {
  const dir = tmp('akd-sources-');
  const split = { train: [['a/0.png', 0, 'cat'], ['b/1.png', 1, 'dog']], test: [['a/2.png', 0, 'cat'], ['b/3.png', 1, 'dog']] };
  for (const s of Object.values(split)) for (const [rel] of s) await image(join(dir, rel as string));
  const file = put(join(dir, 'split_zhou_S.json'), JSON.stringify(split));
  assert.deepEqual((await openDataset(file)).sources, [{ path: file, sha256: sha(file) }]);
  const manifest = put(join(dir, 'manifest.csv'), 'path,label\na/0.png,cat\nb/1.png,dog\na/2.png,cat\n');
  assert.deepEqual((await openDataset(manifest)).sources, [{ path: manifest, sha256: sha(manifest) }]);
});

test('sources: an image folder read with a classes file reports that file; without one, none', async () => {
  const dir = tmp('akd-sources-if-');
  for (const [c, i] of [['cat', 0], ['dog', 1], ['cat', 2], ['dog', 3]] as const) await image(join(dir, 'train', c, `${i}.png`), i);
  const classes = put(join(tmp('akd-classes-'), 'classes.txt'), 'dog\ncat\n');
  const ds = await openDataset(join(dir), { classesFile: classes });
  assert.deepEqual(ds.sources, [{ path: classes, sha256: sha(classes) }]);
  assert.equal((await openDataset(dir)).sources, undefined);
});

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DatasetReport } from '../../src/encoders/check.ts';
import { hugePng, image, put, tmp } from '../data/fixtures.ts';
import { runCli } from '../helpers.ts';

test('datasets check --json: counts, imbalance, unreadable files, duplicates across splits', { timeout: 60_000 }, async () => {
  const root = tmp('akd-check-');
  try {
    await image(join(root, 'train', 'cat', '1.png'), 1);
    await image(join(root, 'train', 'cat', '2.png'), 2);
    await image(join(root, 'train', 'cat', '3.png'), 3);
    put(join(root, 'train', 'cat', 'broken.jpg'), 'not a JPEG at all');
    put(join(root, 'train', 'cat', 'empty.png'), Buffer.alloc(0));
    put(join(root, 'train', 'cat', 'huge.png'), hugePng(20000, 20000));
    put(join(root, 'train', 'cat', 'notes.txt'), 'hello');
    await image(join(root, 'train', 'dog', '1.jpg'), 4);
    mkdirSync(join(root, 'test', 'cat'), { recursive: true });
    copyFileSync(join(root, 'train', 'cat', '2.png'), join(root, 'test', 'cat', 'leak.png'));
    await image(join(root, 'test', 'dog', '9.jpg'), 9);

    const r = runCli(['datasets', 'check', root, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const rep = JSON.parse(r.stdout) as DatasetReport;
    assert.equal(rep.format, 'imagefolder');
    assert.deepEqual(rep.classNames, ['cat', 'dog']);
    assert.deepEqual(
      rep.splits.map((s) => [s.split, s.perClass]),
      [
        ['train', [6, 1]],
        ['test', [1, 1]],
      ],
    );
    assert.deepEqual(rep.imbalance[0], { split: 'train', max: 6, min: 1, ratio: 6, maxClass: 'cat', minClass: 'dog' });
    const bad = new Map(rep.unreadable.map((u) => [u.path, u.reason]));
    assert.match(bad.get(join(root, 'train', 'cat', 'broken.jpg')) ?? '', /unsupported image format/);
    assert.match(bad.get(join(root, 'train', 'cat', 'empty.png')) ?? '', /empty file/);
    assert.match(bad.get(join(root, 'train', 'cat', 'huge.png')) ?? '', /pixel limit/);
    assert.equal(rep.unreadable.length, 3);
    assert.deepEqual(
      rep.skipped.map((s) => s.path),
      [join(root, 'train', 'cat', 'notes.txt')],
    );
    assert.equal(rep.duplicates.length, 1);
    assert.deepEqual(rep.duplicates[0]?.items, ['train:train/cat/2.png', 'test:test/cat/leak.png']);
    assert.deepEqual(rep.formats, { png: 4, jpeg: 2 });

    // Human-readable output: the same facts in tables.
    const h = runCli(['datasets', 'check', root]);
    assert.equal(h.status, 0, h.stderr);
    assert.match(h.stdout, /│ cat\s+│ 6\s+│ 1\s+│/);
    assert.match(h.stdout, /class imbalance \(train\): max\/min = 6\.00/);
    assert.match(h.stdout, /classes balanced \(test\): 1 per class/, 'a balanced split says so (it named one class as both largest and smallest)');
    assert.doesNotMatch(h.stdout, /class imbalance \(test\)/);
    assert.match(h.stdout, /unreadable images: 3/);
    assert.match(h.stdout, /broken\.jpg/);
    assert.match(h.stdout, /duplicate images \(same content\): 1 group/);
    assert.match(h.stdout, /test:test\/cat\/leak\.png/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('datasets check says when a CoOp split\'s label numbers were re-indexed (0, 1, 3 → 0, 1, 2)', { timeout: 60_000 }, async () => {
  const root = tmp('akd-check-gap-');
  try {
    const items = (split: string): [string, number, string][] =>
      [
        [0, 'cat'],
        [1, 'dog'],
        [3, 'bird'],
      ].map(([l, c], i) => [`${split}/${i}.png`, l as number, c as string]);
    for (const split of ['train', 'test']) for (const [rel] of items(split)) await image(join(root, rel), rel.length);
    const file = put(join(root, 'split_zhou_Gap.json'), JSON.stringify({ train: items('train'), test: items('test') }));
    const human = runCli(['datasets', 'check', file]);
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, /label numbers re-indexed: the file numbers the 3 classes 0, 1, 3, not 0…2; they are 0…2 here, in that order: 3 → 2 \("bird"\)/);
    const json = runCli(['datasets', 'check', file, '--json']);
    assert.equal(json.status, 0, json.stderr);
    assert.deepEqual((JSON.parse(json.stdout) as DatasetReport).originalLabels, [0, 1, 3]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('datasets check: bad input is a one-line error with exit status 2', { timeout: 30_000 }, () => {
  const root = tmp('akd-check-');
  try {
    const f = put(join(root, 'm.csv'), 'path,label\na.png,cat,extra\n');
    const r = runCli(['datasets', 'check', f]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /m\.csv, line 2: expected 2 columns/);
    assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/);
    const u = runCli(['datasets', 'check', root, '--format', 'parquet']);
    assert.equal(u.status, 2);
    assert.match(u.stderr, /unknown dataset format "parquet"/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

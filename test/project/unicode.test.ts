/**
 * Unicode normalisation in labeling projects (issue 15 #4): images named with a decomposed "é"
 * (NFD, as macOS writes them), a classes file pasted from those names (decomposed), and a labels
 * CSV typed on a keyboard (composed "é", NFC): the project reads the images by their names on disk
 * and the CSV imports.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { ASSETS } from '../../src/assets.ts';
import { importLabels } from '../../src/project/labels.ts';
import { initProject, openProject, runProjectRound } from '../../src/project/project.ts';
import { tempDir } from '../helpers.ts';
import { FAST_DHO } from './helpers.ts';

const CHAT_NFC = 'chat domestiqu\u00e9';
const CHAT_NFD = 'chat domestique\u0301';
const ETE_NFC = '\u00e9t\u00e9';
const ETE_NFD = 'e\u0301te\u0301';

let root: string;
let project: string;
let batch: string[];

before(async () => {
  root = tempDir('activekd-unicode-');
  const images = join(root, 'images');
  mkdirSync(images, { recursive: true });
  // Pool: 3 cats and 3 ships, every file name with a decomposed "été".
  for (const [src, tag] of [
    ['cat', 'chat'],
    ['ship', 'navire'],
  ] as const) {
    const files = readdirSync(join(ASSETS.cifar10Mini, 'train', src)).sort().slice(0, 3);
    files.forEach((f, i) => cpSync(join(ASSETS.cifar10Mini, 'train', src, f), join(images, `${tag}-${ETE_NFD}-${i}.jpg`)));
  }
  // Test folder: class folders named composed, one image each.
  for (const [src, cls] of [
    ['cat', CHAT_NFC],
    ['ship', 'navire'],
  ] as const) {
    mkdirSync(join(root, 'test', cls), { recursive: true });
    const f = readdirSync(join(ASSETS.cifar10Mini, 'test', src)).sort()[0] as string;
    cpSync(join(ASSETS.cifar10Mini, 'test', src, f), join(root, 'test', cls, f));
  }
  // The classes file, pasted from decomposed names.
  writeFileSync(join(root, 'classes.txt'), `${CHAT_NFD}\nnavire\n`);
  project = join(root, 'proj');
  const r = await initProject(project, { images, classesFile: join(root, 'classes.txt'), testDir: join(root, 'test'), teacher: 'none', dho: FAST_DHO, querySize: 4 });
  assert.deepEqual(r, { pool: 6, test: 2, skipped: 0 });
  batch = (await runProjectRound(project)).selection.map((s) => s.id);
});

test('decomposed image names are read from disk; test class folders match the classes file across normalisation', () => {
  const s = openProject(project);
  try {
    assert.ok(s.items('pool').every((it) => it.skipped === null));
    assert.deepEqual(
      s.items('test').map((it) => it.truth),
      [0, 1],
    );
    assert.equal(batch.length, 4);
  } finally {
    s.close();
  }
});

test('a labels CSV typed with composed "é" (ids and class names) imports for files named decomposed', () => {
  // The ids as a user types them: composed "été"; the class name composed too.
  const typed = batch.map((id) => {
    const m = /^(chat|navire)-.*-(\d)\.jpg$/.exec(id);
    assert.ok(m, id);
    return { id: `${m[1]}-${ETE_NFC}-${m[2]}.jpg`, label: m[1] === 'chat' ? CHAT_NFC : 'navire' };
  });
  assert.ok(typed.every((t, i) => t.id !== batch[i]), 'the typed ids differ from the stored ones as strings');
  const csv = join(root, 'labels.csv');
  writeFileSync(csv, `id,label\n${typed.map((t) => `${t.id},${t.label}`).join('\n')}\n`);
  const r = importLabels(project, csv);
  assert.equal(r.read, 4);
  assert.equal(r.changed, 4);
  const s = openProject(project);
  try {
    const stored = new Map(s.labels().map((l) => [l.id, s.classNames()[l.classIdx]]));
    assert.deepEqual(s.classNames(), [CHAT_NFC, 'navire'], 'class names stored composed');
    batch.forEach((id, i) => assert.equal(stored.get(id), (typed[i] as { label: string }).label));
  } finally {
    s.close();
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ASSETS } from '../../src/assets.ts';
import { classMapIndices, loadClassMap, readClassMap, readLabelsFile, resolveClassMap, validateClassMap } from '../../src/teachers/class-map.ts';
import { UserError } from '../../src/util/errors.ts';

const LABELS = ['background', 'tabby cat', 'tiger cat', 'airliner', 'crane', 'crane', 'goldfinch'];

function throwsUser(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UserError, `expected UserError, got ${String(e)}`);
    for (const f of fragments) assert.ok(e.message.includes(f), `message "${e.message}" should include "${f}"`);
    return true;
  });
}

test('classMapIndices: names and indices resolve in target-class order, sorted and distinct', () => {
  const map = { plane: ['airliner'], cat: ['tiger cat', 'tabby cat', 2], bird: ['goldfinch', 5], unused: ['background'] };
  assert.deepEqual(classMapIndices(map, LABELS, ['cat', 'plane', 'bird']), [[1, 2], [3], [5, 6]]);
});

test('ambiguous names resolve to the first line and are reported', () => {
  const r = resolveClassMap({ bird: ['crane'] }, LABELS, ['bird']);
  assert.deepEqual(r.indices, [[4]]);
  assert.deepEqual(r.ambiguous, [{ targetClass: 'bird', name: 'crane', indices: [4, 5] }]);
});

test('validation errors name classes, labels and files', () => {
  const src = { mapFile: '/x/map.json', labelsFile: '/x/labels.txt' };
  throwsUser(() => classMapIndices({ cat: ['tabby cat'] }, LABELS, ['cat', 'dog', 'frog'], src), '"dog"', '"frog"', '/x/map.json');
  throwsUser(() => classMapIndices({ cat: ['tabby', 'tiger cat', 'lion'] }, LABELS, ['cat'], src), '"tabby"', '"lion"', '/x/labels.txt', '2 ImageNet');
  throwsUser(() => classMapIndices({ cat: [] }, LABELS, ['cat'], src), '"cat"', 'empty', '/x/map.json');
  throwsUser(() => classMapIndices({ cat: [7] }, LABELS, ['cat'], src), 'index 7', '0..6');
  throwsUser(() => validateClassMap({ cat: [] }, '/x/map.json'), '"cat"', 'empty', '/x/map.json');
  throwsUser(() => validateClassMap(['a'], '/x/map.json'), 'JSON object', '/x/map.json');
  throwsUser(() => validateClassMap({ cat: 'tabby cat' }, '/x/map.json'), '"cat"', 'list');
  throwsUser(() => validateClassMap({ cat: [''] }, '/x/map.json'), '"cat"', 'invalid entry');
  throwsUser(() => validateClassMap({ cat: [1.5] }, '/x/map.json'), '"cat"', 'invalid entry');
});

test('files: missing, invalid JSON, empty list; the embedded CIFAR-10 map resolves', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'akd-map-'));
  try {
    const f = join(dir, 'map.json');
    await assert.rejects(readClassMap(f), (e: unknown) => e instanceof UserError && e.message.includes('not found') && e.message.includes(f));
    await writeFile(f, '{ "cat": [');
    await assert.rejects(readClassMap(f), (e: unknown) => e instanceof UserError && e.message.includes('not valid JSON') && e.message.includes(f));
    await writeFile(f, JSON.stringify({ cat: [] }));
    await assert.rejects(readClassMap(f), (e: unknown) => e instanceof UserError && e.message.includes('"cat"') && e.message.includes(f));
    await writeFile(f, JSON.stringify({ cat: ['tabby, tabby cat', 'no such class'] }));
    await assert.rejects(
      loadClassMap(f, ASSETS.imagenetLabels, ['cat']),
      (e: unknown) => e instanceof UserError && e.message.includes('"no such class"') && e.message.includes(ASSETS.imagenetLabels) && e.message.includes(f),
    );
    await assert.rejects(readLabelsFile(join(dir, 'nolabels.txt')), (e: unknown) => e instanceof UserError && e.message.includes('nolabels.txt'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const labels = await readLabelsFile(ASSETS.imagenetLabels);
  assert.equal(labels.length, 1001);
  assert.equal(labels[0], 'background');
  const classes = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
  const r = await loadClassMap(ASSETS.cifar10ToImagenet, ASSETS.imagenetLabels, classes);
  assert.equal(r.indices.length, 10);
  for (const l of r.indices) assert.ok(l.length > 0 && l.every((i) => i >= 1 && i <= 1000));
  const map = await readClassMap(ASSETS.cifar10ToImagenet);
  assert.deepEqual(new Set((r.indices[0] ?? []).map((i) => labels[i])), new Set(map.airplane));
  // the bird "crane" is the first of the two `crane` lines (135 bird, 518 machine)
  assert.deepEqual(r.ambiguous, [{ targetClass: 'bird', name: 'crane', indices: [135, 518] }]);
  assert.ok(r.indices[2]?.includes(135) && !r.indices[2]?.includes(518));
});

test('Unicode: class names and ImageNet label names match whichever way their accents are composed (issue 15 #4)', () => {
  const nfc = 'chat domestiqu\u00e9';
  const nfd = 'chat domestique\u0301';
  const labels = ['background', 'caf\u00e9 cat', 'tabby cat'];
  // Map key decomposed, dataset class composed; a label name decomposed, the labels line composed.
  assert.deepEqual(classMapIndices({ [nfd]: ['tabby cat', 'cafe\u0301 cat'] }, labels, [nfc]), [[1, 2]]);
  assert.deepEqual(classMapIndices({ [nfc]: [2] }, labels, [nfd]), [[2]]);
  throwsUser(() => validateClassMap({ [nfc]: [1], [nfd]: [2] }, '/x/map.json'), 'two entries', 'only by Unicode normalisation', '/x/map.json');
});

test('a passed class map that lacks classes says to add them to that file, not to pass --class-map again (issue 15 #15)', () => {
  const src = { mapFile: '/x/map.json', labelsFile: '/x/labels.txt' };
  assert.throws(
    () => classMapIndices({ cat: ['tabby cat'] }, LABELS, ['cat', 'dog'], src),
    (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.match(e.message, /"dog"/);
      assert.match(e.message, /add its entry to \/x\/map\.json/);
      assert.doesNotMatch(e.message, /pass --class-map/);
      assert.doesNotMatch(e.message, /(?<!init )--teacher none/, 'run refuses --teacher none: only offered for init');
      assert.match(e.message, /--framework few-shot/);
      assert.match(e.message, /--framework no-distill/);
      return true;
    },
  );
});

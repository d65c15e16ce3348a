/**
 * Nothing a user typed is overwritten (issue 15 #1): `round` run again while its batch is open
 * must not rewrite a `batch.csv` into which labels were typed, nor any export the user edited.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { importLabels } from '../../src/project/labels.ts';
import { readClassesFile } from '../../src/data/image-folder.ts';
import { initProject, roundDir, runProjectRound } from '../../src/project/project.ts';
import { FAST_DHO, projectData, type ProjectData } from './helpers.ts';

let data: ProjectData;
let dir: string;

before(async () => {
  data = projectData(['airplane', 'cat', 'ship'], 4, 0);
  dir = join(data.root, 'p');
  await initProject(dir, { images: data.images, classesFile: data.classes, dho: FAST_DHO, querySize: 3, cacheDir: join(data.root, 'cache') });
  await runProjectRound(dir);
});

test('round refuses to re-write a batch.csv with typed, unimported labels, names the file and how to proceed, and leaves it byte-identical', async () => {
  const csv = join(roundDir(dir, 0), 'batch.csv');
  const lines = readFileSync(csv, 'utf8').split('\n');
  const first = (lines[1] as string).split(',');
  first[1] = data.truth(first[0] as string);
  lines[1] = first.join(',');
  const typed = lines.join('\n');
  writeFileSync(csv, typed);
  await assert.rejects(runProjectRound(dir), (e: Error) => {
    assert.match(e.message, /batch\.csv holds 1 label\(s\) typed but not imported yet; nothing was changed/);
    assert.match(e.message, /activekd import-labels .*batch\.csv/);
    return true;
  });
  assert.equal(readFileSync(csv, 'utf8'), typed);
  // Once imported, round re-writes its exports again: the label now comes from the journal, so the
  // regenerated file equals what the user typed.
  importLabels(dir, csv);
  const again = await runProjectRound(dir);
  assert.equal(again.reused, true);
  assert.deepEqual(again.kept, []);
  assert.equal(readFileSync(csv, 'utf8'), typed);
});

test('an export the user edited without labels is kept; one activekd wrote is refreshed', async () => {
  const tasks = join(roundDir(dir, 0), 'tasks.json');
  const edited = `${readFileSync(tasks, 'utf8')} `;
  writeFileSync(tasks, edited);
  const xml = join(roundDir(dir, 0), 'label-config.xml');
  const r = await runProjectRound(dir);
  assert.ok(r.kept.includes(tasks), `kept: ${r.kept.join(', ')}`);
  assert.equal(readFileSync(tasks, 'utf8'), edited);
  assert.ok(!r.kept.includes(xml));
});

test('round with --strategy or --query while the batch is open refuses (nothing ignored silently); a misspelled strategy is refused in every case', async () => {
  const csv = join(roundDir(dir, 0), 'batch.csv');
  const before = readFileSync(csv, 'utf8');
  await assert.rejects(runProjectRound(dir, { strategy: 'random', query: 7 }), /round 0's batch is still open \(\d+ of its 3 image\(s\) unlabeled\): --strategy and --query apply to a new round only, so nothing was done/);
  await assert.rejects(runProjectRound(dir, { strategy: 'pcorset' }), /unknown strategy "pcorset"/);
  assert.equal(readFileSync(csv, 'utf8'), before);
});

test('a classes file with trailing blank lines (as editors leave them) is read', async () => {
  const f = join(data.root, 'classes-blank.txt');
  writeFileSync(f, 'airplane\ncat\nship\n\n  \n');
  assert.deepEqual(await readClassesFile(f), ['airplane', 'cat', 'ship']);
  writeFileSync(f, 'airplane\n\ncat\n');
  await assert.rejects(readClassesFile(f), /line 2: empty line/);
});

test('init with classes no embedded class map covers: refused before any encoding, naming what init accepts (not run\'s --framework)', async () => {
  const d = projectData(['cat', 'ship'], 2, 0);
  writeFileSync(d.classes, 'striped\ndotted\nplain\n');
  const dir = join(d.root, 'p');
  const cache = join(d.root, 'cache');
  await assert.rejects(initProject(dir, { images: d.images, classesFile: d.classes, dho: FAST_DHO, cacheDir: cache }), (e: unknown) => {
    const msg = (e as Error).message;
    assert.match(msg, /no embedded class map covers these classes: "striped", "dotted", "plain"/);
    assert.match(msg, /init again with --class-map FILE/);
    assert.match(msg, /--teacher none/);
    assert.doesNotMatch(msg, /--framework/);
    return true;
  });
  assert.equal(existsSync(cache), false, 'nothing was encoded');
  assert.equal(existsSync(dir), false, 'no project was created');
});

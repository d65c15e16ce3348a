/**
 * Nothing a user typed is overwritten (issue 15 #1): `round` run again while its batch is open
 * must not rewrite a `batch.csv` into which labels were typed, nor any export the user edited.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { importLabels } from '../../src/project/labels.ts';
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

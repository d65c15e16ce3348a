/**
 * A labeling project outlives the activekd install that created it: its config names the embedded
 * student backbone by that install's absolute path, and moving, reinstalling or upgrading the clone
 * or package must not break the project (fresh-user trial: `model file not found: /old/clone/...`).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { ASSETS } from '../../src/assets.ts';
import { exportProject } from '../../src/project/export.ts';
import { importLabels } from '../../src/project/labels.ts';
import { initProject, runProjectRound } from '../../src/project/project.ts';
import { projectStudentModel, STORE_FILE, type ProjectConfig } from '../../src/project/store.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from '../helpers.ts';
import { FAST_DHO, projectData } from './helpers.ts';

const config = (studentModel: string): ProjectConfig => ({ studentModel }) as ProjectConfig;

test('projectStudentModel: the stored path when it exists; the embedded model of this install when the stored embedded one is gone; any other missing model stays as stored', () => {
  assert.equal(projectStudentModel(config(ASSETS.mobilenetV1)), ASSETS.mobilenetV1);
  assert.equal(projectStudentModel(config('/gone/old-clone/assets/models/mobilenet_v1_1.0_224_embedding.onnx')), ASSETS.mobilenetV1);
  assert.equal(projectStudentModel(config('/gone/my-backbone.onnx')), '/gone/my-backbone.onnx');
});

test('a project whose creating install is gone runs rounds and exports with this install\'s embedded model', { timeout: 300_000 }, async () => {
  const data = projectData(['cat', 'ship'], 4, 2);
  const dir = join(data.root, 'p');
  await initProject(dir, { images: data.images, classesFile: data.classes, testDir: data.test, teacher: 'none', dho: FAST_DHO, cacheDir: join(data.root, 'cache') });
  const setModel = (path: string): void => {
    const db = new Database(join(dir, STORE_FILE));
    const cfg = JSON.parse(db.prepare("SELECT value FROM config WHERE key='project'").pluck().get() as string) as ProjectConfig;
    db.prepare("UPDATE config SET value = ? WHERE key='project'").run(JSON.stringify({ ...cfg, studentModel: path }));
    db.close();
  };
  setModel('/gone/old-clone/assets/models/mobilenet_v1_1.0_224_embedding.onnx');
  const r = await runProjectRound(dir, {});
  assert.equal(r.selection.length, 2, 'the round ran');
  const csv = join(data.root, 'labels.csv');
  writeFileSync(csv, `id,label\n${r.selection.map((s) => `${s.id},${data.truth(s.id)}`).join('\n')}\n`);
  importLabels(dir, csv);
  assert.equal((await runProjectRound(dir, {})).selection.length, 2, 'a round that trains the student');
  // --onnx into a folder that does not exist yet: created (fresh-user trial: was an internal ENOENT error).
  const target = join(tempDir(), 'new', 'folder', 'student.onnx');
  const out = await exportProject(dir, target);
  assert.equal(out.onnx, target);
  assert.ok(existsSync(target) && existsSync(`${target}.json`));
  // --onnx naming a folder: one clear error, and no temporary file left beside it (was EISDIR and a 15 MB leftover).
  const folder = join(tempDir(), 'models');
  mkdirSync(folder);
  await assert.rejects(exportProject(dir, folder), (e: unknown) => e instanceof UserError && /is a folder: give the model's file name/.test(e.message));
  assert.deepEqual(readdirSync(dirname(folder)), ['models']);
  assert.deepEqual(readdirSync(folder), []);
  setModel('/gone/my-backbone.onnx');
  await assert.rejects(exportProject(dir, join(tempDir(), 'student.onnx')), (e: unknown) => e instanceof UserError && /\/gone\/my-backbone\.onnx/.test(e.message));
});

/**
 * One labeling rule for every path (issue 15 #2): the web API, CSV and Label Studio imports accept
 * a label for an unlabeled item, refuse a different label for a labeled item the same way unless
 * relabeling is asked for, and journal a correction with the previous label kept. The web API
 * changes only items of the open batch.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { importLabels } from '../../src/project/labels.ts';
import { initProject, openProject, runProjectRound } from '../../src/project/project.ts';
import { startLabelServer, type LabelServer } from '../../src/server/label-server.ts';
import { tempDir } from '../helpers.ts';
import { FAST_DHO, projectData, type ProjectData } from './helpers.ts';

let d: ProjectData;
let p: string;
let round0: { id: string; key: number }[];
let round1: { id: string; key: number }[];
let srv: LabelServer;

const other = (c: string): string => (c === 'cat' ? 'ship' : 'cat');
const stored = (id: string): { label: string | undefined; source: string | undefined } => {
  const s = openProject(p);
  try {
    const row = s.labels().find((l) => l.id === id);
    return { label: row === undefined ? undefined : s.classNames()[row.classIdx], source: row?.source };
  } finally {
    s.close();
  }
};
const post = async (path: string, body: unknown): Promise<{ status: number; json: { error?: string; ok?: boolean } }> => {
  const r = await fetch(new URL(path, srv.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as { error?: string; ok?: boolean } };
};

before(async () => {
  d = projectData(['cat', 'ship'], 4, 0);
  p = join(tempDir(), 'proj');
  await initProject(p, { images: d.images, classesFile: d.classes, teacher: 'none', dho: FAST_DHO, querySize: 3 });
  round0 = (await runProjectRound(p)).selection.map((s) => ({ id: s.id, key: s.itemPk }));
  const csv = join(d.root, 'r0.csv');
  writeFileSync(csv, `id,label\n${round0.map((s) => `${s.id},${d.truth(s.id)}`).join('\n')}\n`);
  importLabels(p, csv);
  round1 = (await runProjectRound(p)).selection.map((s) => ({ id: s.id, key: s.itemPk }));
  srv = await startLabelServer({ project: p });
});
after(() => srv.close());

test('the web API refuses to label or unlabel an item outside the open batch, and the stored label stays', async () => {
  const old = round0[0] as { id: string; key: number };
  const truth = d.truth(old.id);
  const r = await post('/api/label', { key: old.key, label: other(truth) });
  assert.equal(r.status, 409);
  assert.match(r.json.error ?? '', new RegExp(`${old.id.replace('.', '\\.')} is not in the open batch \\(round 1\\)`));
  const u = await post('/api/unlabel', { key: old.key });
  assert.equal(u.status, 409);
  assert.deepEqual(stored(old.id), { label: truth, source: 'import:csv' });
});

test('the web API: a new label is accepted, a different one is a conflict without relabel and a journaled correction with it', async () => {
  const it = round1[0] as { id: string; key: number };
  const truth = d.truth(it.id);
  assert.equal((await post('/api/label', { key: it.key, label: truth })).status, 200);
  assert.equal((await post('/api/label', { key: it.key, label: truth })).status, 200, 'the same label again is a no-op');
  const c = await post('/api/label', { key: it.key, label: other(truth) });
  assert.equal(c.status, 409);
  assert.equal(c.json.error, `conflicting label for ${it.id}: "${other(truth)}" here, "${truth}" already stored (send relabel: true to correct it; the previous label stays in the journal)`);
  assert.deepEqual(stored(it.id), { label: truth, source: 'web' });
  const events = (): number => {
    const s = openProject(p);
    try {
      return s.labelEventCount();
    } finally {
      s.close();
    }
  };
  const before = events();
  assert.equal((await post('/api/label', { key: it.key, label: other(truth), relabel: true })).status, 200);
  assert.deepEqual(stored(it.id), { label: other(truth), source: 'web:correction' });
  assert.equal(events(), before + 1, 'the correction is appended; the earlier event with the previous label stays');
});

test('CSV import refuses the same conflict with the same message, and corrects with --relabel', () => {
  const old = round0[1] as { id: string; key: number };
  const truth = d.truth(old.id);
  const f = join(d.root, 'fix.csv');
  writeFileSync(f, `id,label\n${old.id},${other(truth)}\n`);
  assert.throws(() => importLabels(p, f), new RegExp(`line 2: conflicting label for ${old.id.replace('.', '\\.')}: "${other(truth)}" here, "${truth}" already stored \\(pass --relabel to correct it`));
  assert.deepEqual(stored(old.id), { label: truth, source: 'import:csv' });
  const r = importLabels(p, f, { relabel: true });
  assert.equal(r.corrected, 1);
  assert.deepEqual(stored(old.id), { label: other(truth), source: 'import:csv:correction' });
});

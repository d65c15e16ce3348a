/**
 * import-labels (CSV and Label Studio JSON: idempotent, all-or-nothing, problems with line numbers)
 * and the labeling server's security (path traversal, tokens, malformed bodies), on one small real
 * project (no teacher, so only the student backbone encodes images).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initProject, openProject, runProjectRound } from '../../src/project/project.ts';
import { importLabels, LabelImportError } from '../../src/project/labels.ts';
import { startLabelServer, type LabelServer } from '../../src/server/label-server.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from '../helpers.ts';
import { FAST_DHO, projectData, type ProjectData } from './helpers.ts';

let d: ProjectData;
let p: string;
let batch: string[];

before(async () => {
  d = projectData(['cat', 'ship'], 3, 0);
  p = join(tempDir(), 'proj');
  await initProject(p, { images: d.images, classesFile: d.classes, teacher: 'none', dho: FAST_DHO, querySize: 3 });
  batch = (await runProjectRound(p)).selection.map((s) => s.id);
});

const labelCount = (): number => {
  const s = openProject(p);
  try {
    return s.labels().length;
  } finally {
    s.close();
  }
};

describe('import-labels', () => {
  test('a bad file writes nothing and reports every problem with its line', () => {
    const f = join(d.root, 'bad.csv');
    writeFileSync(f, ['id,label', `${batch[0]},cat`, 'nope.png,cat', `${batch[1]},dog`, `${batch[2]},cat`, `${batch[2]},ship`, 'lonely'].join('\n'));
    const err = (() => {
      try {
        importLabels(p, f);
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof LabelImportError);
    assert.deepEqual(
      err.problems.map((x) => x.line),
      [3, 4, 6, 7],
    );
    assert.match(err.message, /line 3: unknown id "nope.png"/);
    assert.match(err.message, /line 4: unknown class "dog"/);
    assert.match(err.message, /line 6: conflicting label/);
    assert.match(err.message, /line 7: expected columns id,label/);
    assert.equal(labelCount(), 0);
  });

  test('CSV import is idempotent; the filled batch.csv imports; a stored label conflicts', () => {
    const f = join(d.root, 'ok.csv');
    writeFileSync(f, batch.map((id) => `${id},${d.truth(id)}`).join('\n'));
    assert.deepEqual(importLabels(p, f), { format: 'csv', read: 3, changed: 3, corrected: 0, unlabeled: [] });
    assert.deepEqual(importLabels(p, f), { format: 'csv', read: 3, changed: 0, corrected: 0, unlabeled: [] });
    // The round's own batch.csv, re-exported, now carries the labels and re-imports as a no-op.
    const csv = join(p, 'rounds', 'round-000', 'batch.csv');
    assert.match(readFileSync(csv, 'utf8'), /^id,label,score/);
    const c = join(d.root, 'conflict.csv');
    writeFileSync(c, `id,label\n${batch[0]},${d.truth(batch[0] as string) === 'cat' ? 'ship' : 'cat'}\n`);
    assert.throws(() => importLabels(p, c), /line 2: conflicting label .* already stored/);
    assert.equal(labelCount(), 3);
  });

  test('Label Studio export JSON', () => {
    const pool = openProject(p);
    const other = pool.items('pool').map((i) => i.id).filter((id) => !batch.includes(id));
    pool.close();
    const tasks = [
      { data: { item_id: other[0] }, annotations: [{ result: [{ type: 'choices', value: { choices: [d.truth(other[0] as string)] } }] }] },
      { data: { item_id: other[1] }, annotations: [] },
    ];
    const f = join(d.root, 'ls.json');
    writeFileSync(f, JSON.stringify(tasks));
    assert.deepEqual(importLabels(p, f), { format: 'label-studio-json', read: 1, changed: 1, corrected: 0, unlabeled: [{ line: 2, id: other[1], reason: 'not annotated' }] });
    writeFileSync(f, JSON.stringify([{ data: {} }, { data: { item_id: other[1] }, annotations: [{ result: [{ type: 'choices', value: { choices: ['horse'] } }] }] }]));
    assert.throws(() => importLabels(p, f), (e: unknown) => e instanceof LabelImportError && e.where === 'task' && e.problems.length === 2);
    assert.equal(labelCount(), 4);
  });
});

describe('label server', () => {
  let s: LabelServer;
  before(async () => {
    s = await startLabelServer({ project: p });
  });
  after(async () => {
    await s.close();
  });

  test('binds loopback; serves the batch and store-resolved images only', async () => {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const b = await s.app.inject({ method: 'GET', url: '/api/batch' });
    assert.equal(b.statusCode, 200);
    const view = b.json() as { items: { key: number; id: string }[] };
    assert.deepEqual(
      view.items.map((i) => i.id),
      batch,
    );
    const img = await s.app.inject({ method: 'GET', url: `/api/image/${view.items[0]?.key}` });
    assert.equal(img.statusCode, 200);
    assert.equal(img.headers['content-type'], 'image/jpeg');
    for (const url of ['/api/image/../../etc/passwd', '/api/image/..%2F..%2Fetc%2Fpasswd', '/api/image/%2e%2e%2fproject.sqlite', '/api/image/1.5', '/api/image/-1', '/api/image/0', '/api/image/99999', '/etc/passwd', '/../project.sqlite', '/api/image/1%00.png']) {
      const r = await s.app.inject({ method: 'GET', url });
      assert.ok([400, 404].includes(r.statusCode), `${url} → ${r.statusCode}`);
      assert.ok(!r.body.includes('root:'), url);
    }
  });

  test('rejects malformed bodies; labels and undo go to the store', async () => {
    const key = ((await s.app.inject({ method: 'GET', url: '/api/batch' })).json() as { items: { key: number }[] }).items[0]?.key as number;
    const bad: unknown[] = ['not json', {}, { key }, { key, label: 'horse' }, { key: '1; drop', label: 'cat' }, { key, label: 'cat', extra: 1 }, { key: -3, label: 'cat' }, [key, 'cat']];
    for (const body of bad) {
      const r = await s.app.inject({ method: 'POST', url: '/api/label', headers: { 'content-type': 'application/json' }, payload: typeof body === 'string' ? body : JSON.stringify(body) });
      assert.equal(r.statusCode, 400, JSON.stringify(body));
    }
    const big = await s.app.inject({ method: 'POST', url: '/api/label', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ key, label: 'x'.repeat(50_000) }) });
    assert.equal(big.statusCode, 413);
    const un = await s.app.inject({ method: 'POST', url: '/api/unlabel', payload: { key } });
    assert.equal(un.statusCode, 200);
    assert.equal((un.json() as { removed: boolean }).removed, true);
    const set = await s.app.inject({ method: 'POST', url: '/api/label', payload: { key, label: 'ship' } });
    assert.equal(set.statusCode, 200);
    const st = openProject(p);
    assert.equal(st.label(key), 1);
    assert.ok(st.labelEventCount() >= 6);
    st.close();
  });

  test('a non-loopback bind needs a token; with one, every request must carry it', async () => {
    await assert.rejects(startLabelServer({ project: p, host: '0.0.0.0' }), (e: unknown) => e instanceof UserError && /without --token/.test(e.message));
    const t = await startLabelServer({ project: p, host: '0.0.0.0', token: 'sesame-0123456789' });
    try {
      assert.match(t.url, /\?token=sesame-0123456789$/);
      for (const headers of [{}, { authorization: 'Bearer wrong-token-000000' }, { cookie: 'activekd_token=nope' }]) {
        assert.equal((await t.app.inject({ method: 'GET', url: '/api/batch', headers })).statusCode, 401);
        assert.equal((await t.app.inject({ method: 'POST', url: '/api/label', headers, payload: { key: 1, label: 'cat' } })).statusCode, 401);
      }
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/batch?token=sesame-0123456789' })).statusCode, 401, 'query token only opens the page');
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/batch', headers: { authorization: 'Bearer sesame-0123456789' } })).statusCode, 200);
      const page = await t.app.inject({ method: 'GET', url: '/?token=sesame-0123456789' });
      assert.equal(page.statusCode, 200);
      const cookie = String(page.headers['set-cookie']).split(';')[0] as string;
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/batch', headers: { cookie } })).statusCode, 200);
    } finally {
      await t.close();
    }
  });
});

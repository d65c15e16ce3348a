/**
 * The label-file parsers on their own (issue 15 #3, #20): every Label Studio export format of the
 * project's tasks (JSON, JSON-MIN, CSV, TSV; built as Label Studio builds them, see
 * label-studio-fixtures.ts) is detected and read to the same labels; tasks without a label are
 * reported with the reason; an export that cannot be read gets one message.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { detectLabelFormat, parseLabelFile, type LabelFileFormat, type UnlabeledReason } from '../../src/project/label-files.ts';
import { lsDelimited, lsJson, lsJsonMin, type LsAction } from './label-studio-fixtures.ts';

const task = (id: string) => ({ data: { image: `/data/local-files/?d=${id}`, item_id: id, acquisition_score: 0.25, round: 0, rank: 1 } });

/** The four exports of the same annotated tasks. */
function exports(ids: readonly string[], act: (id: string) => LsAction[], choiceName = 'choice'): Record<string, { text: string; format: LabelFileFormat }> {
  const full = lsJson(ids.map(task), act, choiceName);
  return {
    json: { text: JSON.stringify(full, null, 2), format: 'label-studio-json' },
    jsonMin: { text: JSON.stringify(lsJsonMin(full), null, 2), format: 'label-studio-json-min' },
    csvModern: { text: lsDelimited(full, ',', 'modern'), format: 'label-studio-csv' },
    csvLegacy: { text: lsDelimited(full, ',', 'legacy'), format: 'label-studio-csv' },
    tsvModern: { text: lsDelimited(full, '\t', 'modern'), format: 'label-studio-tsv' },
    tsvLegacy: { text: lsDelimited(full, '\t', 'legacy'), format: 'label-studio-tsv' },
  };
}

test('each Label Studio export format is detected and gives the annotated labels (JSON-MIN, CSV, TSV like JSON)', () => {
  const ids = ['cat__a.jpg', 'ship__b.jpg', 'cat__c d.jpg', 'ship__e,f.jpg'];
  const ex = exports(ids, (id) => [{ choice: id.split('__')[0] as string }]);
  for (const [name, { text, format }] of Object.entries(ex)) {
    assert.equal(detectLabelFormat(text), format, name);
    const r = parseLabelFile(text, format);
    assert.equal(r.unreadable, undefined, name);
    assert.deepEqual(r.problems, [], name);
    assert.deepEqual(
      r.entries.map((e) => [e.id, e.label]),
      ids.map((id) => [id, id.split('__')[0]]),
      name,
    );
    assert.deepEqual(r.unlabeled, [], name);
  }
});

test('plain CSV/TSV label files: header optional, TSV detected, empty labels reported as not annotated', () => {
  assert.equal(detectLabelFormat('id,label,score,teacher_top3,student_top3,path\na.jpg,cat,0.5,,,/x/a.jpg\n'), 'csv');
  assert.equal(detectLabelFormat('a.jpg,cat\n'), 'csv');
  assert.equal(detectLabelFormat('id\tlabel\na.jpg\tcat\n'), 'tsv');
  const r = parseLabelFile('id\tlabel\na.jpg\tcat\nb.jpg\t\nc, d.jpg\tship\n', 'tsv');
  assert.deepEqual(
    r.entries.map((e) => [e.line, e.id, e.label]),
    [
      [2, 'a.jpg', 'cat'],
      [4, 'c, d.jpg', 'ship'],
    ],
  );
  assert.deepEqual(r.unlabeled, [{ line: 3, id: 'b.jpg', reason: 'not annotated' }]);
});

test('skipped, not annotated and empty-result tasks are reported, not refused (JSON) and the labeled ones read', () => {
  const act: Record<string, LsAction[]> = {
    'a.jpg': [{ choice: 'cat' }],
    'b.jpg': [{ skip: true }],
    'c.jpg': [],
    'd.jpg': [{ empty: true }],
    'e.jpg': [{ skip: true }, { skip: true }],
  };
  const ex = exports(Object.keys(act), (id) => act[id] as LsAction[]);
  const json = parseLabelFile(ex.json?.text as string, 'label-studio-json');
  assert.deepEqual(json.problems, []);
  assert.deepEqual(
    json.entries.map((e) => [e.id, e.label]),
    [['a.jpg', 'cat']],
  );
  assert.deepEqual(
    json.unlabeled.map((u) => [u.line, u.id, u.reason]),
    [
      [2, 'b.jpg', 'skipped'],
      [3, 'c.jpg', 'not annotated'],
      [4, 'd.jpg', 'no choice'],
      [5, 'e.jpg', 'skipped'],
    ],
  );
  // JSON-MIN/CSV/TSV leave skipped tasks out (Label Studio's converter); the others are reported.
  for (const name of ['jsonMin', 'csvModern', 'tsvLegacy']) {
    const e = ex[name] as { text: string; format: LabelFileFormat };
    const r = parseLabelFile(e.text, e.format);
    assert.deepEqual(
      r.unlabeled.map((u) => [u.id, u.reason]),
      [
        ['c.jpg', 'not annotated'],
        ['d.jpg', 'no choice'],
      ],
      name,
    );
  }
});

test('property: every export format gives the same labels and the same unlabeled tasks as the annotations say', () => {
  const action = fc.oneof(
    fc.constantFrom('cat', 'ship', 'bird').map((c): LsAction => ({ choice: c })),
    fc.constant<LsAction>({ empty: true }),
  );
  // Per task: some skips, then at most one submitted annotation (several would be a conflict).
  const perTask = fc.tuple(fc.nat({ max: 2 }), fc.option(action, { nil: undefined })).map(([skips, a]) => [...Array.from({ length: skips }, (): LsAction => ({ skip: true })), ...(a ? [a] : [])]);
  fc.assert(
    fc.property(fc.array(perTask, { minLength: 1, maxLength: 8 }), fc.constantFrom('jsonMin', 'csvModern', 'csvLegacy', 'tsvModern', 'tsvLegacy', 'json'), (acts, name) => {
      const ids = acts.map((_, i) => `item ${i}.jpg`);
      const ex = exports(ids, (id) => acts[ids.indexOf(id)] as LsAction[]);
      const e = ex[name] as { text: string; format: LabelFileFormat };
      // With every task skipped, JSON-MIN is `[]` and a pandas CSV empty: nothing to detect.
      const empty = lsJsonMin(lsJson(ids.map(task), (id) => acts[ids.indexOf(id)] as LsAction[])).length === 0;
      if (!(empty && name !== 'json' && name !== 'csvModern' && name !== 'tsvModern')) assert.equal(detectLabelFormat(e.text), e.format);
      const r = parseLabelFile(e.text, e.format);
      const wantEntries: [string, string][] = [];
      const wantUnlabeled: [string, UnlabeledReason][] = [];
      acts.forEach((a, i) => {
        const id = ids[i] as string;
        const kept = a.filter((x) => !('skip' in x));
        const last = kept.at(-1);
        if (a.length === 0) wantUnlabeled.push([id, 'not annotated']);
        else if (last === undefined) {
          if (name === 'json') wantUnlabeled.push([id, 'skipped']);
        } else if ('choice' in last) wantEntries.push([id, last.choice as string]);
        else wantUnlabeled.push([id, 'no choice']);
      });
      assert.deepEqual(r.problems, []);
      assert.deepEqual(
        r.entries.map((x) => [x.id, x.label]),
        wantEntries,
      );
      assert.deepEqual(
        r.unlabeled.map((x) => [x.id, x.reason]),
        wantUnlabeled,
      );
    }),
    { numRuns: 150 },
  );
});

test('an export that is not of the project tasks, or of another label config, is unreadable with one message', () => {
  // Tasks imported into Label Studio as bare images: no item_id anywhere.
  const bare = lsJson([{ data: { image: 'x.jpg' } }, { data: { image: 'y.jpg' } }], () => [{ choice: 'cat' }]);
  for (const [text, format] of [
    [JSON.stringify(bare), 'label-studio-json'],
    [JSON.stringify(lsJsonMin(bare)), 'label-studio-json-min'],
    [lsDelimited(bare, ',', 'modern'), 'label-studio-csv'],
  ] as const) {
    assert.equal(detectLabelFormat(text), format);
    const r = parseLabelFile(text, format);
    assert.match(r.unreadable ?? '', /item_id/, format);
    assert.deepEqual([r.entries, r.problems], [[], []], format);
  }
  // The project's tasks labeled with a config whose Choices is named "label", not "choice".
  const ex = exports(['a.jpg', 'b.jpg'], () => [{ choice: 'cat' }], 'label');
  for (const name of ['jsonMin', 'csvModern', 'tsvLegacy']) {
    const e = ex[name] as { text: string; format: LabelFileFormat };
    assert.equal(detectLabelFormat(e.text), e.format, name);
    const r = parseLabelFile(e.text, e.format);
    assert.match(r.unreadable ?? '', /no "choice" (key|column) .* but "label"/, name);
  }
});

test('a multi-choice annotation is a problem naming the item', () => {
  const ex = exports(['a.jpg'], () => [{ choice: ['cat', 'ship'] }]);
  for (const name of ['json', 'jsonMin', 'csvModern']) {
    const e = ex[name] as { text: string; format: LabelFileFormat };
    const r = parseLabelFile(e.text, e.format);
    assert.equal(r.problems.length, 1, name);
    assert.match(r.problems[0]?.message ?? '', /annotation of a\.jpg has 2 choices/, name);
  }
});

/**
 * Label Studio exports of a real project's round (issue 15 #3, #20): the tasks.json that `round`
 * wrote, annotated and exported as Label Studio's JSON, JSON-MIN, CSV and TSV (see
 * label-studio-fixtures.ts), import with the labels the annotations give; tasks without a label are
 * reported (by `import-labels` too); an export the importer cannot read gets one message naming
 * its format and writes nothing; the label config the project writes requires a choice.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { projectCommands } from '../../src/cli/project-commands.ts';
import { importLabels } from '../../src/project/labels.ts';
import { initProject, openProject, runProjectRound } from '../../src/project/project.ts';
import { tempDir } from '../helpers.ts';
import { FAST_DHO, projectData, type ProjectData } from './helpers.ts';
import { lsDelimited, lsJson, lsJsonMin, type LsAction } from './label-studio-fixtures.ts';

let d: ProjectData;
let p: string;
let tasks: { data: Record<string, unknown> }[];
let ids: string[];
let roundDir: string;

before(async () => {
  d = projectData(['cat', 'ship'], 6, 0);
  p = join(tempDir(), 'proj');
  await initProject(p, { images: d.images, classesFile: d.classes, teacher: 'none', dho: FAST_DHO, querySize: 12 });
  await runProjectRound(p);
  roundDir = join(p, 'rounds', 'round-000');
  tasks = JSON.parse(readFileSync(join(roundDir, 'tasks.json'), 'utf8')) as { data: Record<string, unknown> }[];
  ids = tasks.map((t) => t.data.item_id as string);
  assert.equal(ids.length, 12);
});

/** Stored class name per id (undefined: no label). */
const stored = (which: readonly string[]): (string | undefined)[] => {
  const s = openProject(p);
  try {
    const byId = new Map(s.labels().map((l) => [l.id, s.classNames()[l.classIdx]]));
    return which.map((id) => byId.get(id));
  } finally {
    s.close();
  }
};
const labelCount = (): number => stored(ids).filter((x) => x !== undefined).length;

/** Annotates the round's tasks: `ids` get their true class, the others stay unannotated. */
const annotate =
  (labeled: readonly string[]) =>
  (id: string): LsAction[] =>
    labeled.includes(id) ? [{ choice: d.truth(id) }] : [];

const write = (name: string, text: string): string => {
  const f = join(d.root, name);
  writeFileSync(f, text);
  return f;
};

test('a JSON-MIN export of the project tasks (item_id at the top level, label in "choice") imports', () => {
  const mine = ids.slice(0, 4);
  const f = write('min.json', JSON.stringify(lsJsonMin(lsJson(tasks, annotate(mine))), null, 2));
  const r = importLabels(p, f);
  assert.equal(r.read, 4);
  assert.equal(r.changed, 4);
  assert.deepEqual(stored(mine), mine.map(d.truth));
  assert.deepEqual(
    r.unlabeled.map((u) => [u.id, u.reason]),
    ids.slice(4).map((id) => [id, 'not annotated']),
  );
});

test('CSV (current Label Studio: sorted, quoted) and TSV (older: pandas) exports import', () => {
  const csvIds = ids.slice(4, 6);
  const tsvIds = ids.slice(6, 8);
  const csv = write('export.csv', lsDelimited(lsJson(tasks, annotate(csvIds)), ',', 'modern'));
  const tsv = write('export.tsv', lsDelimited(lsJson(tasks, annotate(tsvIds)), '\t', 'legacy'));
  const a = importLabels(p, csv);
  assert.deepEqual([a.format, a.read, a.changed], ['label-studio-csv', 2, 2]);
  const b = importLabels(p, tsv);
  assert.deepEqual([b.format, b.read, b.changed], ['label-studio-tsv', 2, 2]);
  assert.deepEqual(stored([...csvIds, ...tsvIds]), [...csvIds, ...tsvIds].map(d.truth));
  assert.equal(labelCount(), 8);
});

test('skipped, unannotated and empty-result tasks are reported (import result and import-labels), the labeled one imported', async () => {
  const [lab, skipped, empty, none, twice] = ids.slice(7, 12) as [string, string, string, string, string];
  const act: Record<string, LsAction[]> = { [lab]: [{ choice: d.truth(lab) }], [skipped]: [{ skip: true }], [empty]: [{ empty: true }], [none]: [], [twice]: [{ skip: true }, { skip: true }] };
  const f = write('full.json', JSON.stringify(lsJson(tasks.slice(7, 12), (id) => act[id] as LsAction[]), null, 2));
  const r = importLabels(p, f);
  assert.equal(r.read, 1);
  assert.deepEqual(stored([lab, skipped, empty, none, twice]), [d.truth(lab), undefined, undefined, undefined, undefined]);
  const want = `4 tasks had no label: ${skipped} (skipped), ${empty} (no choice), ${none} (not annotated), ${twice} (skipped)`;
  const lines: string[] = [];
  const imp = projectCommands((l) => lines.push(l)).find((c) => c.name() === 'import-labels');
  await imp?.parseAsync([p, f], { from: 'user' });
  assert.deepEqual(lines, ['1 label(s) read, 0 new or changed', want]);
});

test('an export the importer cannot read gets one message naming its format, and nothing is written', () => {
  const before = labelCount();
  // Tasks imported into Label Studio as bare images (no item_id): every record would be "unknown id".
  const bare = lsJson(
    ids.slice(8).map((id) => ({ data: { image: `/data/local-files/?d=${id}` } })),
    () => [{ choice: 'cat' }],
  );
  // The project's tasks labeled with a config whose Choices is called "label".
  const renamed = lsJson(tasks.slice(8), (id) => [{ choice: d.truth(id) }], 'label');
  // A CSV export of another project's tasks: no id is a pool item.
  const foreign = lsJson(
    ['dog__1.jpg', 'dog__2.jpg', 'frog__3.jpg'].map((id) => ({ data: { item_id: id } })),
    () => [{ choice: 'cat' }],
  );
  const cases: [string, string, RegExp][] = [
    ['bare-min.json', JSON.stringify(lsJsonMin(bare)), /Label Studio JSON-MIN export.*item_id/],
    ['bare.json', JSON.stringify(bare), /Label Studio JSON export.*item_id/],
    ['renamed.csv', lsDelimited(renamed, ',', 'modern'), /Label Studio CSV export.*no "choice" column.*"label"/],
    ['renamed.tsv', lsDelimited(renamed, '\t', 'legacy'), /Label Studio TSV export.*no "choice" column.*"label"/],
    ['foreign.csv', lsDelimited(foreign, ',', 'modern'), /Label Studio CSV export.*none of its 3 ids/],
  ];
  for (const [name, text, re] of cases) {
    const f = write(name, text);
    assert.throws(
      () => importLabels(p, f),
      (e: Error) => {
        assert.match(e.message, re, name);
        assert.equal(e.message.split('\n').length, 1, `${name}: one message, got ${e.message}`);
        assert.doesNotMatch(e.message, /unknown id|task has no/, name);
        return true;
      },
    );
  }
  assert.equal(labelCount(), before);
});

test('the label config the project writes requires a single choice named "choice"', () => {
  const xml = readFileSync(join(roundDir, 'label-config.xml'), 'utf8');
  const choices = /<Choices\b[^>]*>/.exec(xml)?.[0] ?? '';
  assert.match(choices, /\bname="choice"/);
  assert.match(choices, /\bchoice="single"/);
  assert.match(choices, /\brequired="true"/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrecomputedTeacher, readPrecomputed, splitCsvLine } from '../../src/teachers/precomputed.ts';
import { UserError } from '../../src/util/errors.ts';
import { encodeNpy } from '../../src/util/npy.ts';
import { tempDir } from '../helpers.ts';

const CLASSES = ['cat', 'dog', 'sea_or_lake'];

function close(actual: ArrayLike<number>, expected: readonly number[], tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs((actual[i] as number) - (expected[i] as number)) <= tol, `[${i}] ${actual[i]} vs ${expected[i]}`);
}

function file(name: string, text: string | Uint8Array): string {
  const p = join(tempDir('activekd-pre-'), name);
  writeFileSync(p, text);
  return p;
}

const rejects = async (p: Promise<unknown>, re: RegExp): Promise<void> => {
  await assert.rejects(p, (e: unknown) => e instanceof UserError && re.test(e.message));
};

test('precomputed CSV: positional header, class-name header in any order, lookups by id and by path', async () => {
  const pos = file('t.csv', 'id,p0,p1,p2\ntrain/cat/1.png,0.7,0.2,0.1\n"train/dog/2,x.png",0.1,0.8,0.1\n');
  const t = await PrecomputedTeacher.load({ file: pos, classNames: CLASSES, root: '/data/ds' });
  close(t.probsForIds(['train/dog/2,x.png', 'train/cat/1.png']).data, [0.1, 0.8, 0.1, 0.7, 0.2, 0.1]);
  close((await t.probs(['/data/ds/train/cat/1.png'])).data, [0.7, 0.2, 0.1]);
  assert.match(t.id, /^precomputed:t\.csv@[0-9a-f]{8};kind=probs$/);
  const named = file('n.csv', 'id,sea_or_lake,cat,dog\r\na,0.5,0.25,0.25\r\n');
  close((await readPrecomputed({ file: named, classNames: CLASSES })).probs.data, [0.25, 0.25, 0.5]);
  // logits → softmax
  const lg = file('l.csv', 'id,p0,p1,p2\na,0,0,0\nb,0,0,1000\n');
  close((await readPrecomputed({ file: lg, classNames: CLASSES, kind: 'logits' })).probs.data, [1 / 3, 1 / 3, 1 / 3, 0, 0, 1]);
  assert.deepEqual(splitCsvLine('"a ""b""",1, 2', 'x'), ['a "b"', '1', '2']);
});

test('precomputed CSV: errors name file and line', async () => {
  await rejects(readPrecomputed({ file: file('a.csv', 'id,p0,p1\nx,0.5,0.5\n'), classNames: CLASSES }), /a\.csv:1: positional header must be p0,…,p2/);
  await rejects(readPrecomputed({ file: file('b.csv', 'id,cat,dog,horse\n'), classNames: CLASSES }), /b\.csv:1: .*unknown class column\(s\) "horse".*missing class column\(s\) "sea_or_lake"/);
  await rejects(readPrecomputed({ file: file('c.csv', 'id,p0,p1,p2\nx,0.5,0.5,0\ny,0.5,0.6,0\n'), classNames: CLASSES }), /c\.csv:3: probabilities sum to 1\.1/);
  await rejects(readPrecomputed({ file: file('d.csv', 'id,p0,p1,p2\nx,1.5,-0.5,0\n'), classNames: CLASSES }), /d\.csv:2: probability 2 is negative/);
  await rejects(readPrecomputed({ file: file('e.csv', 'id,p0,p1,p2\nx,NaN,0.5,0.5\n'), classNames: CLASSES }), /e\.csv:2: value 1 is NaN/);
  await rejects(readPrecomputed({ file: file('f.csv', 'id,p0,p1,p2\nx,0.5,0.5\n'), classNames: CLASSES }), /f\.csv:2: expected 4 fields/);
  await rejects(readPrecomputed({ file: file('g.csv', 'id,p0,p1,p2\nx,1,0,0\n\nx,0,1,0\n'), classNames: CLASSES }), /g\.csv:4: duplicate id "x" \(first at .*g\.csv:2\)/);
  await rejects(readPrecomputed({ file: file('h.csv', 'id,p0,p1,p2\nx,abc,0,0\n'), classNames: CLASSES }), /h\.csv:2: value 1 "abc" is not a number/);
  await rejects(readPrecomputed({ file: file('i.txt', ''), classNames: CLASSES }), /unknown extension "\.txt"/);
  await rejects(readPrecomputed({ file: '/nonexistent/x.csv', classNames: CLASSES }), /not found: \/nonexistent\/x\.csv/);
  // tolerance 1e-3: 1.0009 passes (and is renormalised), 1.002 fails
  close((await readPrecomputed({ file: file('j.csv', 'id,p0,p1,p2\nx,0.5009,0.25,0.25\n'), classNames: CLASSES })).probs.data, [0.5009 / 1.0009, 0.25 / 1.0009, 0.25 / 1.0009]);
  await rejects(readPrecomputed({ file: file('k.csv', 'id,p0,p1,p2\nx,0.502,0.25,0.25\n'), classNames: CLASSES }), /sum to 1\.002/);
});

test('precomputed JSONL: probs or logits by field; errors', async () => {
  const p = file('t.jsonl', '{"id":"a","probs":[0.2,0.3,0.5]}\n\n{"id":"b","probs":[1,0,0]}\n');
  const s = await readPrecomputed({ file: p, classNames: CLASSES });
  assert.equal(s.kind, 'probs');
  assert.deepEqual(s.ids, ['a', 'b']);
  const l = await readPrecomputed({ file: file('l.jsonl', '{"id":"a","logits":[0,0,0]}\n'), classNames: CLASSES });
  assert.equal(l.kind, 'logits');
  close(l.probs.data, [1 / 3, 1 / 3, 1 / 3]);
  await rejects(readPrecomputed({ file: file('m.jsonl', '{"id":"a","probs":[1,0,0]}\n{"id":"b","logits":[1,0,0]}\n'), classNames: CLASSES }), /m\.jsonl:2: has "logits" but earlier lines have "probs"/);
  await rejects(readPrecomputed({ file: file('n.jsonl', '{"id":"a","probs":[1,0,0]}\n'), classNames: CLASSES, kind: 'logits' }), /n\.jsonl:1: has "probs" but the teacher kind is "logits"/);
  await rejects(readPrecomputed({ file: file('o.jsonl', '{"id":"a","probs":[1,0]}\n'), classNames: CLASSES }), /o\.jsonl:1: expected 3 values/);
  await rejects(readPrecomputed({ file: file('q.jsonl', '{"id":"a","probs":[1,null,0]}\n'), classNames: CLASSES }), /q\.jsonl:1: value 2 of "probs" is null/);
  await rejects(readPrecomputed({ file: file('r.jsonl', '{"id":"a" "probs"}\n'), classNames: CLASSES }), /r\.jsonl:1: invalid JSON/);
  await rejects(readPrecomputed({ file: file('s.jsonl', '{"probs":[1,0,0]}\n'), classNames: CLASSES }), /s\.jsonl:1: missing "id"/);
});

test('precomputed .npy + id file: shapes, ids, coverage checks', async () => {
  const dir = tempDir('activekd-npy-');
  const npy = join(dir, 'teacher.npy');
  writeFileSync(npy, encodeNpy(Float64Array.from([2, 1, 0, 0, 0, 0]), [2, 3]));
  await rejects(readPrecomputed({ file: npy, classNames: CLASSES, kind: 'logits' }), /id file not found \(looked for .*teacher\.ids\.txt and .*teacher\.npy\.ids\)/);
  writeFileSync(join(dir, 'teacher.ids.txt'), 'x\ny\n');
  const t = await PrecomputedTeacher.load({ file: npy, classNames: CLASSES, kind: 'logits' });
  const z = Math.exp(2) + Math.exp(1) + 1;
  close(t.probsForIds(['x']).data, [Math.exp(2) / z, Math.exp(1) / z, 1 / z]);
  assert.equal(t.describe().format, 'npy');
  t.checkIds(['x', 'y']);
  assert.throws(() => t.checkIds(['x', 'y', 'w']), /no row for 1 item\(s\): "w"/);
  assert.throws(() => t.checkIds(['x']), /1 id\(s\) that are not items of the dataset: "y"/);
  t.checkIds(['x'], true);
  assert.throws(() => t.probsForIds(['q']), (e: unknown) => e instanceof UserError && /no row for 1 item\(s\): "q"/.test(e.message));
  // probs kind (default) with logits in the file → sum error naming the row and id
  await rejects(readPrecomputed({ file: npy, classNames: CLASSES }), /teacher\.npy: row 0 \(id "x"\): probabilities sum to 3/);
  writeFileSync(join(dir, 'teacher.ids.txt'), 'x\n');
  await rejects(readPrecomputed({ file: npy, classNames: CLASSES, kind: 'logits' }), /has 1 id\(s\), .*teacher\.npy has 2 row\(s\)/);
  await rejects(readPrecomputed({ file: npy, classNames: ['a', 'b'], kind: 'logits' }), /has 3 columns, the dataset has 2 classes/);
  const f32 = join(dir, 'nan.npy');
  writeFileSync(f32, encodeNpy(Float32Array.from([Number.NaN, 0, 1]), [1, 3]));
  writeFileSync(join(dir, 'ids1.txt'), 'only\n');
  await rejects(readPrecomputed({ file: f32, idsFile: join(dir, 'ids1.txt'), classNames: CLASSES }), /nan\.npy: row 0 \(id "only"\): value 1 is NaN/);
  const v = join(dir, 'vec.npy');
  writeFileSync(v, encodeNpy(Float32Array.from([1, 0, 0]), [3]));
  await rejects(readPrecomputed({ file: v, idsFile: join(dir, 'ids1.txt'), classNames: CLASSES }), /expected a 2-D array/);
});

test('Unicode: ids and class-name columns match whichever way their accents are composed (issue 15 #4)', async () => {
  const idNfd = 'train/chat/photo-e\u0301te\u0301.png';
  const idNfc = 'train/chat/photo-\u00e9t\u00e9.png';
  const classes = ['chat domestiqu\u00e9', 'dog', 'sea_or_lake'];
  const f = file('u.csv', `id,dog,chat domestique\u0301,sea_or_lake\n${idNfd},0.2,0.7,0.1\nb,0.1,0.1,0.8\n`);
  const t = await PrecomputedTeacher.load({ file: f, classNames: classes, root: '/data/ds' });
  close(t.probsForIds([idNfc]).data, [0.7, 0.2, 0.1]);
  close((await t.probs([`/data/ds/${idNfd}`])).data, [0.7, 0.2, 0.1]);
  t.checkIds([idNfc, 'b']);
  const dup = file('d.csv', `id,p0,p1,p2\n${idNfc},0.2,0.7,0.1\n${idNfd},0.2,0.7,0.1\n`);
  await rejects(readPrecomputed({ file: dup, classNames: CLASSES }), /:3: duplicate id .*first at .*:2\) \(differs from .* only by Unicode normalisation\)/);
});

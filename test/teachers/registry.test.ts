import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Dataset } from '../../src/data/dataset.ts';
import { matrix } from '../../src/linalg/matrix.ts';
import { ClapFewShotTeacher } from '../../src/teachers/clap.ts';
import type { FewShotContext, TeacherKind } from '../../src/teachers/kind.ts';
import { CLIP_KIND } from '../../src/teachers/kinds/clip.ts';
import { LABEL_TRANSFER_KIND } from '../../src/teachers/kinds/label-transfer.ts';
import { writeTeacherProbs } from '../../src/teachers/precomputed-write.ts';
import { BUILTIN_TEACHER_KINDS, createFewShotTeacher, createTeacher, createTeacherRegistry, parseTeacherSpec, TEACHERS, teacherSpecHelp, teacherSyntax } from '../../src/teachers/registry.ts';
import type { Teacher } from '../../src/teachers/teacher.ts';
import { UserError } from '../../src/util/errors.ts';
import { Rng } from '../../src/util/rng.ts';
import { tempDir } from '../helpers.ts';

const userError = (re: RegExp) => (e: unknown) => e instanceof UserError && re.test(e.message);

function toyDataset(root: string, ids: string[]): Dataset {
  return { root, classNames: ['cat', 'dog', 'ship'], train: { ids, paths: ids.map((id) => join(root, id)), labels: new Int32Array(ids.length).fill(-1) }, skipped: [] };
}

/** A teacher that gives every image the same distribution: uniform over C classes. */
function uniformTeacher(id: string, c: number): Teacher {
  return { id, describe: () => ({ kind: 'uniform' }), probs: async (paths) => matrix(paths.length, c, new Float32Array(paths.length * c).fill(1 / c)) };
}

test('teacher registry: the built-in kinds, in help order, each parsing its own syntax', () => {
  assert.deepEqual(TEACHERS.kinds.map(teacherSyntax), ['label-transfer', 'clip:DIR', 'precomputed:FILE']);
  for (const kind of TEACHERS.kinds) {
    const arg = kind.argument === undefined ? '' : '/some dir/x:y.npy';
    const spec = parseTeacherSpec(`  ${kind.name}${kind.argument === undefined ? '' : `:${arg}`} `);
    assert.ok(spec !== null);
    assert.equal(spec.kind, kind, kind.name);
    assert.equal(spec.arg, arg, 'the argument is everything after the first colon');
    assert.ok(kind.help.length > 0);
  }
  assert.equal(parseTeacherSpec('none'), null, 'none = no teacher');
  assert.equal(parseTeacherSpec('precomputed:C:\\t\\probs.npy')?.arg, 'C:\\t\\probs.npy');
  // which kinds can build a few-shot teacher
  assert.deepEqual(TEACHERS.kinds.filter((k) => k.fewShot).map((k) => k.name), ['label-transfer', 'clip']);
  const help = teacherSpecHelp();
  for (const k of TEACHERS.kinds) assert.ok(help.includes(`${teacherSyntax(k)} (${k.help})`), help);
  assert.match(help, / or none \(no teacher\)$/);
});

test('teacher registry: unknown kinds list every kind with its syntax; argument errors name the syntax', () => {
  assert.throws(() => parseTeacherSpec('bogus'), userError(/^--teacher: expected label-transfer, clip:DIR or precomputed:FILE \(or none\), got "bogus"/));
  assert.throws(() => parseTeacherSpec('CLIP:/x'), userError(/got "CLIP:\/x"[^]*\n {2}clip:DIR +local CLIP/), 'case-sensitive; the help of each kind is listed');
  assert.throws(() => parseTeacherSpec(' none'), userError(/expected/), '"none" must be exact');
  assert.throws(() => parseTeacherSpec('clip'), userError(/expected clip:DIR, got "clip"/));
  assert.throws(() => parseTeacherSpec('precomputed:'), userError(/expected precomputed:FILE/));
  assert.throws(() => parseTeacherSpec('label-transfer:x'), userError(/label-transfer takes no argument/));
});

test('teacher registry: frozen; createTeacherRegistry validates names and copies its kinds', () => {
  assert.ok(Object.isFrozen(TEACHERS) && Object.isFrozen(TEACHERS.kinds) && Object.isFrozen(BUILTIN_TEACHER_KINDS));
  assert.ok(TEACHERS.kinds.every((k) => Object.isFrozen(k)));
  assert.throws(() => (TEACHERS.kinds as TeacherKind[]).push(CLIP_KIND), TypeError);
  const kind = (name: string, argument?: string): TeacherKind => ({ name, ...(argument ? { argument } : {}), help: 'h', create: async () => uniformTeacher(name, 2) });
  assert.throws(() => createTeacherRegistry([kind('a'), kind('a')]), /registered twice/);
  assert.throws(() => createTeacherRegistry([kind('none')]), /not "none"/);
  for (const bad of ['Clip', 'a:b', '', '1x', 'a b']) assert.throws(() => createTeacherRegistry([kind(bad)]), TypeError, bad);
  assert.throws(() => createTeacherRegistry([kind('x', 'dir')]), /upper case/);
  assert.throws(() => createTeacherRegistry([{ ...kind('x'), help: ' ' }]), /no help/);
  const mutable = kind('x', 'DIR');
  const r = createTeacherRegistry([mutable]);
  (mutable as { help: string }).help = 'changed';
  assert.equal(r.get('x')?.help, 'h', 'the registry holds a copy');
});

test('teacher registry: a new kind is one TeacherKind in an extended registry; the default is untouched', async () => {
  const created: { arg: string; progress?: string | undefined; mapFile?: string | undefined }[] = [];
  const seen: FewShotContext[] = [];
  const uniform: TeacherKind = {
    name: 'uniform',
    argument: 'TAG',
    help: 'the same distribution for every image',
    create: async (arg, ctx) => {
      created.push({ arg, progress: ctx.encode.progressLabel, mapFile: ctx.options.mapFile });
      return uniformTeacher(`uniform:${arg}`, ctx.dataset.classNames.length);
    },
    fewShot: async (teacher, ctx) => {
      seen.push(ctx);
      const f = matrix(ctx.images.pool.length, 2, Float32Array.from(ctx.images.pool.flatMap((_, i) => [1, i])));
      return new ClapFewShotTeacher({ baseId: teacher.id, poolFeatures: f, zeroShotRaw: matrix(2, 3, Float32Array.from([1, 0, 0, 0, 1, 0])), rng: ctx.rng, ...(ctx.config ? { config: ctx.config } : {}) });
    },
  };
  const noFeatures: TeacherKind = { name: 'flat', help: 'no image features', create: async (_a, ctx) => uniformTeacher('flat', ctx.dataset.classNames.length) };
  const registry = createTeacherRegistry([...TEACHERS.kinds, uniform, noFeatures]);
  assert.equal(TEACHERS.get('uniform'), undefined, 'the frozen default registry is unchanged');
  assert.throws(() => parseTeacherSpec('uniform:a'), userError(/expected label-transfer, clip:DIR or precomputed:FILE \(or none\)/));
  assert.throws(() => parseTeacherSpec('bogus', registry), userError(/expected label-transfer, clip:DIR, precomputed:FILE, uniform:TAG or flat \(or none\)/));

  const ds = toyDataset('/data/toy', ['a.png', 'b.png', 'c.png']);
  const teacher = await createTeacher({ spec: 'uniform:t1', mapFile: 'm.json' }, ds, { progressLabel: 'x', threads: 1 }, registry);
  assert.ok(teacher !== null);
  assert.equal(teacher.id, 'uniform:t1');
  assert.deepEqual(created, [{ arg: 't1', progress: 'teacher probabilities', mapFile: 'm.json' }]);
  assert.deepEqual(Array.from((await teacher.probs(ds.train.paths)).data.slice(0, 3)), [1 / 3, 1 / 3, 1 / 3].map(Math.fround));

  const images = { pool: ds.train.paths, test: { paths: ['/data/toy/t.png'], labels: Int32Array.from([0]) } };
  const fs = await createFewShotTeacher(teacher, { spec: 'uniform:t1', clap: { passes: 7, clapTiming: 'beforeStudent' } }, images, { threads: 1 }, registry);
  assert.equal(fs.id, 'clap(uniform:t1)');
  assert.equal(fs.config.clapTiming, 'beforeStudent', 'choice.clap reaches the kind as its config');
  assert.equal(fs.probs().rows, 3);
  const ctx = seen[0] as FewShotContext;
  assert.equal(ctx.images, images);
  assert.equal(ctx.encode.progressLabel, 'teacher features');
  assert.deepEqual(ctx.config, { passes: 7, clapTiming: 'beforeStudent' });

  await assert.rejects(createFewShotTeacher(uniformTeacher('flat', 3), { spec: 'flat' }, images, {}, registry), userError(/few-shot needs a teacher with image features \(label-transfer, clip:DIR or uniform:TAG\), not flat/));
  await assert.rejects(createFewShotTeacher(uniformTeacher('p', 3), { spec: 'precomputed:/x.npy' }, images, {}), userError(/few-shot needs a teacher with image features \(label-transfer or clip:DIR\), not p/));
  await assert.rejects(createFewShotTeacher(uniformTeacher('n', 3), { spec: 'none' }, images, {}), userError(/few-shot needs a teacher with image features/));
  const lonely = createTeacherRegistry([noFeatures]);
  await assert.rejects(createFewShotTeacher(uniformTeacher('flat', 3), { spec: 'flat' }, images, {}, lonely), userError(/no registered kind has one/));
});

test('createTeacher: none gives no teacher; precomputed replays what writeTeacherProbs wrote', async () => {
  const root = tempDir('activekd-treg-');
  const ds = toyDataset(root, ['a.png', 'b.png']);
  assert.equal(await createTeacher({ spec: 'none' }, ds, {}), null);
  const rows = [0.5, 0.25, 0.25, 0.125, 0.375, 0.5];
  writeTeacherProbs(join(root, 'out'), 'probs', [{ ids: ['b.png'], probs: matrix(1, 3, Float32Array.from(rows.slice(3))) }, { ids: ['a.png'], probs: matrix(1, 3, Float32Array.from(rows.slice(0, 3))) }]);
  const t = await createTeacher({ spec: `precomputed:${join(root, 'out', 'probs.npy')}` }, ds, {});
  assert.ok(t !== null);
  assert.match(t.id, /^precomputed:probs\.npy@/);
  assert.deepEqual(Array.from((await t.probs(ds.train.paths)).data), rows, 'rows looked up by id, in the order asked');
  assert.throws(() => writeTeacherProbs(join(root, 'bad'), 'p', [{ ids: ['a'], probs: matrix(2, 3) }]), RangeError);
  // every item needs a row; rows of other ids are ignored
  await assert.rejects(createTeacher({ spec: `precomputed:${join(root, 'out', 'probs.npy')}` }, toyDataset(root, ['a.png', 'c.png']), {}), userError(/no row for 1 item\(s\): "c.png"/));
  assert.ok(await createTeacher({ spec: `precomputed:${join(root, 'out', 'probs.npy')}` }, toyDataset(root, ['a.png']), {}));
});

test('few-shot capability of the built-in kinds refuses a teacher of another kind', async () => {
  const ctx = { images: { pool: [] }, rng: new Rng(0), encode: {} };
  for (const kind of [LABEL_TRANSFER_KIND, CLIP_KIND]) await assert.rejects((kind.fewShot as NonNullable<TeacherKind['fewShot']>)(uniformTeacher('other', 3), ctx), TypeError, kind.name);
});

/**
 * The held-out few-shot teacher (issue 14): fitted once on the teacher-split rows only (never on a
 * pool or test row), then frozen; on the embedded CIFAR-10 subset its teacher split is disjoint
 * from the pool and the test split (asserted on ids) and recorded in results.json.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ASSETS } from '../../src/assets.ts';
import { experimentOptions, runExperiment } from '../../src/bench/experiment.ts';
import { matrix } from '../../src/linalg/matrix.ts';
import { prepareExperiment } from '../../src/loop/prepare.ts';
import { DEFAULT_DHO } from '../../src/student/config.ts';
import { fitHeldOutTeacher } from '../../src/teachers/held-out.ts';
import type { FewShotFitRecord, FewShotTeacher } from '../../src/teachers/teacher.ts';
import { miniSubset, tempDir } from '../helpers.ts';

/** A few-shot teacher that records what it was fitted on; row r's probabilities are (r, 1). */
function spyTeacher(rows: number): FewShotTeacher & { seen: { rows: number[]; labels: number[] }[] } {
  const seen: { rows: number[]; labels: number[] }[] = [];
  const fits: FewShotFitRecord[] = [];
  const t = {
    id: 'spy',
    numClasses: 2,
    config: { clapTiming: 'afterStudent' as const },
    fits,
    seen,
    refit(r: ArrayLike<number>, l: ArrayLike<number>): FewShotFitRecord {
      seen.push({ rows: Array.from(r), labels: Array.from(l) });
      const rec = { fit: fits.length + 1, labeledCount: r.length, steps: 1, finalLoss: 0, seconds: 0, testAccuracy: null };
      fits.push(rec);
      return rec;
    },
    probs: () => matrix(rows, 2, Float32Array.from({ length: rows * 2 }, (_, k) => (k % 2 === 0 ? Math.floor(k / 2) : 1))),
    testProbs: () => null,
    withRng: () => t,
    describe: () => ({}),
  };
  return t;
}

test('fitHeldOutTeacher fits once on the teacher-split rows N..N+M−1 only and returns the first N rows', () => {
  const spy = spyTeacher(7);
  const h = fitHeldOutTeacher(spy, 4, Int32Array.from([1, 0, 1]), 2);
  assert.deepEqual(spy.seen, [{ rows: [4, 5, 6], labels: [1, 0, 1] }]);
  assert.equal(h.poolProbs.rows, 4);
  assert.deepEqual([...h.poolProbs.data], [0, 1, 1, 1, 2, 1, 3, 1]);
  assert.equal(h.id, 'held-out-few-shot(K=2;spy)');
  assert.throws(() => fitHeldOutTeacher(spyTeacher(6), 4, Int32Array.from([1, 0, 1]), 2), /scores 6 images, expected 4 pool \+ 3/);
});

test('the held-out teacher split is disjoint from the pool and the test split (ids), K per class, and recorded in results.json', async () => {
  const cacheDir = tempDir('heldout-cache');
  const data = ASSETS.cifar10Mini;
  const prepared = await prepareExperiment({ dataset: data, datasetOptions: { limitPerClass: { train: 12 } }, teacher: {}, teacherShots: 3, encode: { cacheDir } });
  const held = prepared.heldOutTeacher;
  assert.ok(held, 'a held-out teacher');
  const pool = new Set(prepared.train.ids);
  const testIds = new Set(prepared.test?.ids ?? []);
  assert.equal(prepared.train.ids.length, 10 * 12);
  assert.equal(held.split.ids.length, 10 * 3);
  for (const id of held.split.ids) {
    assert.ok(!pool.has(id), `${id} is in the pool`);
    assert.ok(!testIds.has(id), `${id} is in the test split`);
  }
  assert.equal(held.fit.labeledCount, 30, 'fitted on the teacher split only');
  assert.equal(prepared.teacherTrain?.rows, 120, 'pool probabilities of the frozen teacher');

  const out = tempDir('heldout-run');
  await runExperiment(experimentOptions({ data, out, dataset: { limitPerClass: { train: 12 } }, strategies: ['random'], frameworks: ['zero-shot'], rounds: 2, teacherShots: 3, dho: { ...DEFAULT_DHO, stepsPerLabeledBatch: 5 }, encode: { cacheDir }, log: () => {} }));
  const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { teacher: { id: string; poolAccuracy: number; heldOut: { shots: number; teacherSplitIds: string[]; fit: { labeledCount: number } } }; initialIds: string[]; rounds: { selectedIds: string[] }[] };
  assert.match(r.teacher.id, /^held-out-few-shot\(K=3;clap\(/);
  assert.equal(r.teacher.heldOut.shots, 3);
  assert.deepEqual(r.teacher.heldOut.teacherSplitIds, held.split.ids);
  const used = [...r.initialIds, ...r.rounds.flatMap((x) => x.selectedIds)];
  assert.ok(used.every((id) => pool.has(id)), 'the loop labels pool items only');
  assert.ok(r.teacher.poolAccuracy > 0 && r.teacher.poolAccuracy <= 1);
  await assert.rejects(
    runExperiment(experimentOptions({ data, out: tempDir('heldout-fs'), strategies: ['random'], frameworks: ['few-shot'], rounds: 2, teacherShots: 3, encode: { cacheDir }, log: () => {} })),
    /--teacher-shots fits a frozen teacher on a held-out split: use it with --framework zero-shot/,
  );
});

test('an undecodable image of the teacher split is dropped and reported, never fitted on', async () => {
  const data = miniSubset(['cat', 'ship'], 8, 3);
  const catDir = join(data, 'train', 'cat');
  const bad = readdirSync(catDir).sort()[5] as string; // the first teacher-split image of "cat" (pool: first 5)
  writeFileSync(join(catDir, bad), 'not an image');
  const prepared = await prepareExperiment({ dataset: data, datasetOptions: { limitPerClass: { train: 5 } }, teacher: {}, teacherShots: 2, encode: { cacheDir: tempDir('heldout-bad-cache') } });
  const held = prepared.heldOutTeacher;
  assert.ok(held);
  assert.equal(held.split.ids.length, 3, '2 per class, one dropped');
  assert.ok(!held.split.ids.some((id) => id.endsWith(`cat/${bad}`)));
  assert.equal(held.fit.labeledCount, 3);
  assert.ok(prepared.skipped.some((s) => s.path.endsWith(`cat/${bad}`) && /\(teacher split\)/.test(s.reason)), JSON.stringify(prepared.skipped));
  assert.equal(prepared.train.ids.length, 10, 'the pool is untouched');
});

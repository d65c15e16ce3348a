/**
 * Behaviour is unchanged across the single-round redesign (issue 11): the same seeds give the same
 * picks, acquisition scores and accuracies as the code before it. The fixtures in
 * test/fixtures/golden/ were written by activekd at commit 7779be0 (two round implementations) on
 * the embedded CIFAR-10 subset (the project fixture was re-recorded after the intended cold-start
 * change of issue 15 #7); see each fixture's `recordedWith`. They are regression oracles:
 * regenerate them only for an intended change of results, and say so in the commit. They were
 * computed with the `v1-sharp` preprocessing, the default then: the tests ask for it explicitly
 * (the default is now `v2-graph`, issue 12 #3).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { importLabels } from '../../src/project/labels.ts';
import { initProject, runProjectRound } from '../../src/project/project.ts';
import { runCli, tempDir } from '../helpers.ts';
import { projectData } from '../project/helpers.ts';

interface GoldenRun {
  initialIds: string[];
  rounds: { labeledCount: number; testAccuracy: number | null; selectedIds: string[]; selectedScores: number[] | null }[];
}
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'golden', name), 'utf8'));

test('golden: pcoreset and random, zero-shot and no-distill, seed 1 on the embedded CIFAR-10 subset give the recorded picks and accuracies', { timeout: 600_000 }, () => {
  const golden = fixture('mini-seed1.json') as { teacherTestAccuracy: number; cells: Record<string, GoldenRun> };
  const out = tempDir('activekd-golden-');
  const r = runCli(['run', '--data', 'assets/data/cifar10-mini', '--strategy', 'pcoreset,random', '--framework', 'zero-shot,no-distill', '--seeds', '1', '--rounds', '6', '--preprocess', 'v1-sharp', '--out', out]); // the fixtures' preprocessing (the default until v2-graph); the default feature cache: content-addressed
  assert.equal(r.status, 0, r.stderr);
  for (const [cell, want] of Object.entries(golden.cells)) {
    const got = JSON.parse(readFileSync(join(out, cell, 'results.json'), 'utf8')) as GoldenRun & { teacher: { testAccuracy: number } | null };
    assert.deepEqual(got.initialIds, want.initialIds, `${cell}: initial labeled set`);
    assert.equal(got.rounds.length, want.rounds.length, `${cell}: rounds`);
    want.rounds.forEach((w, i) => {
      const g = got.rounds[i];
      assert.ok(g, `${cell}: round ${i} missing`);
      assert.equal(g.labeledCount, w.labeledCount, `${cell}: round ${i} |L|`);
      assert.equal(g.testAccuracy, w.testAccuracy, `${cell}: round ${i} test accuracy`);
      assert.deepEqual(g.selectedIds, w.selectedIds, `${cell}: round ${i} picks`);
      assert.deepEqual(g.selectedScores ?? null, w.selectedScores, `${cell}: round ${i} acquisition scores`);
    });
    if (cell.includes('zero-shot')) assert.equal(got.teacher?.testAccuracy, golden.teacherTestAccuracy, `${cell}: teacher accuracy`);
  }
});

test('golden: a labeling project (cold start + 3 pcoreset rounds, labels imported from CSV) selects the recorded batches', { timeout: 300_000 }, async () => {
  const golden = fixture('project-pcoreset.json') as { rounds: { picks: [string, number | null][]; testAccuracyPercent2: number | null }[] };
  const classNames = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
  const data = projectData(classNames, 20, 10);
  const dir = join(data.root, 'p');
  await initProject(dir, { images: data.images, classesFile: data.classes, testDir: data.test, dho: { hidden: 32, stepsPerLabeledBatch: 20 }, cacheDir: join(data.root, 'cache'), preprocess: 'v1-sharp' });
  for (const [r, want] of golden.rounds.entries()) {
    const res = await runProjectRound(dir, { strategy: 'pcoreset' });
    assert.equal(res.round.round, r);
    assert.deepEqual(
      res.selection.map((s) => [s.id, s.score]),
      want.picks,
      `round ${r} batch`,
    );
    const acc = res.round.testAccuracy === null ? null : Number((100 * res.round.testAccuracy).toFixed(2));
    assert.equal(acc, want.testAccuracyPercent2, `round ${r} test accuracy`);
    const csv = join(data.root, `labels-${r}.csv`);
    writeFileSync(csv, `id,label\n${res.selection.map((s) => `${s.id},${data.truth(s.id)}`).join('\n')}\n`);
    importLabels(dir, csv);
  }
});

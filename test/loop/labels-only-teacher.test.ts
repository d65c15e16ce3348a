/**
 * Issue 15 #15/#16 on a small real subset whose classes no embedded map covers (3 CIFAR-10 classes
 * copied into folders `alpha`, `beta`, `gamma`): framework few-shot runs with a teacher learned
 * from the labeled set alone and beats chance; zero-shot refuses with the no-map message.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ASSETS } from '../../src/assets.ts';
import { experimentOptions, runExperiment } from '../../src/bench/experiment.ts';
import { DEFAULT_DHO } from '../../src/student/config.ts';
import { NoClassMapError } from '../../src/teachers/label-transfer.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from '../helpers.ts';

/** cat → alpha, ship → beta, frog → gamma: 40 train and 30 test images each. */
function renamedSubset(): string {
  const root = tempDir('activekd-abc-');
  for (const [split, k] of [['train', 40], ['test', 30]] as const) {
    for (const [from, to] of [['cat', 'alpha'], ['ship', 'beta'], ['frog', 'gamma']]) {
      const src = join(ASSETS.cifar10Mini, split, from as string);
      const dst = join(root, split, to as string);
      mkdirSync(dst, { recursive: true });
      for (const f of readdirSync(src).sort().slice(0, k)) cpSync(join(src, f), join(dst, f));
    }
  }
  return root;
}

const data = renamedSubset();
const opts = (out: string, frameworks: ('zero-shot' | 'few-shot' | 'no-distill')[]) =>
  experimentOptions({ data, out, frameworks, strategies: ['random'], rounds: 3, seeds: [1], dho: { ...DEFAULT_DHO, hidden: 64, stepsPerLabeledBatch: 5 }, log: () => {} });

test('framework few-shot on classes no map covers: a teacher learned from the labeled set alone, above chance (issue 15 #16)', async () => {
  const out = tempDir('activekd-fs-');
  const { runs } = await runExperiment(opts(out, ['few-shot']));
  assert.equal(runs.length, 1);
  const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { teacher: unknown; fewShotTeacher: { id: string; config: { constraintWeight: number }; fits: { labeledCount: number; testAccuracy: number }[] } };
  assert.equal(r.teacher, null, 'no zero-shot teacher');
  assert.match(r.fewShotTeacher.id, /^clap\(labeled-set:mobilenet_v2@/);
  assert.equal(r.fewShotTeacher.config.constraintWeight, 0);
  const fits = r.fewShotTeacher.fits;
  assert.ok(fits.length >= 2, JSON.stringify(fits));
  const last = fits.at(-1) as { labeledCount: number; testAccuracy: number };
  assert.ok(last.labeledCount > 3, 'refitted on more labels');
  assert.ok(last.testAccuracy > 0.5, `teacher test accuracy ${last.testAccuracy} (chance 1/3)`);
});

test('framework zero-shot on classes no map covers refuses before training, with the no-map message (issue 15 #15)', async () => {
  for (const frameworks of [['zero-shot'], ['zero-shot', 'few-shot']] as const) {
    await assert.rejects(runExperiment(opts(tempDir('activekd-zs-'), [...frameworks])), (e: unknown) => {
      assert.ok(e instanceof NoClassMapError, String(e));
      assert.match(e.message, /no embedded class map covers these classes: "alpha", "beta", "gamma"/);
      assert.match(e.message, /--framework few-shot alone/);
      return true;
    });
  }
});

test('--teacher none with a distilling framework suggests --framework no-distill, not itself (issue 15 #15)', async () => {
  await assert.rejects(runExperiment({ ...opts(tempDir('activekd-none-'), ['few-shot']), teacher: { spec: 'none' } }), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match(e.message, /use --framework no-distill/);
    return true;
  });
});

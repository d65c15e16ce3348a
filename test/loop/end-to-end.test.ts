import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { miniSubset, runCli, tempDir } from '../helpers.ts';

const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

interface Results {
  config: { strategy: string; framework: string; seed: number };
  teacher: { testAccuracy: number } | null;
  data: { pool: number; test: number; skipped: { path: string; reason: string }[] };
  initialIds: string[];
  rounds: { round: number; labeledCount: number; testAccuracy: number; selectedIds: string[] }[];
}

test('end to end on 200 real CIFAR-10 images: pcoreset under zero-shot KD, with an unreadable image', { timeout: 240_000 }, () => {
  const data = miniSubset(CLASSES, 15, 5); // 150 pool + 50 test real images
  const bad = join(data, 'train', 'cat', 'broken.jpg');
  writeFileSync(bad, 'this is not a JPEG');
  const out = tempDir('activekd-out-');
  const cache = tempDir('activekd-cache-');
  const r = runCli(['run', '--data', data, '--strategy', 'pcoreset', '--rounds', '3', '--seed', '7', '--steps-per-batch', '40', '--hidden', '64', '--out', out, '--cache-dir', cache]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /zero-shot test accuracy/);
  assert.match(r.stdout, /broken\.jpg/);
  const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
  assert.equal(res.data.pool, 150);
  assert.equal(res.data.test, 50);
  assert.ok(res.data.skipped.some((s) => s.path === bad && /decode/.test(s.reason)));
  assert.ok(res.teacher && res.teacher.testAccuracy > 0.15, `teacher accuracy ${res.teacher?.testAccuracy}`);
  assert.deepEqual(
    res.rounds.map((x) => x.labeledCount),
    [10, 20, 30],
  );
  // One initial item per class; picks are distinct, new, and Q = 10 per query round.
  assert.equal(new Set(res.initialIds.map((id) => id.split('/')[1])).size, 10);
  const seen = new Set(res.initialIds);
  for (const round of res.rounds.slice(0, 2)) {
    assert.equal(round.selectedIds.length, 10);
    for (const id of round.selectedIds) {
      assert.ok(!seen.has(id), `${id} selected twice`);
      seen.add(id);
    }
  }
  assert.equal(res.rounds[2]?.selectedIds.length, 0);
  for (const round of res.rounds) assert.ok(round.testAccuracy > 0.1 && round.testAccuracy <= 1, `round ${round.round}: ${round.testAccuracy}`);

  // Same seed again: identical selections (determinism), served from the feature cache.
  const out2 = tempDir('activekd-out-');
  const r2 = runCli(['run', '--data', data, '--strategy', 'pcoreset', '--rounds', '3', '--seed', '7', '--steps-per-batch', '40', '--hidden', '64', '--out', out2, '--cache-dir', cache]);
  assert.equal(r2.status, 0, r2.stderr);
  const res2 = JSON.parse(readFileSync(join(out2, 'results.json'), 'utf8')) as Results;
  assert.deepEqual(
    res2.rounds.map((x) => x.selectedIds),
    res.rounds.map((x) => x.selectedIds),
  );
});

test('no-distill framework runs without a teacher', { timeout: 120_000 }, () => {
  const data = miniSubset(['cat', 'ship', 'frog'], 10, 4);
  const out = tempDir('activekd-out-');
  const r = runCli(['run', '--data', data, '--framework', 'no-distill', '--strategy', 'random', '--rounds', '2', '--steps-per-batch', '20', '--hidden', '32', '--out', out, '--cache-dir', tempDir()]);
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
  assert.equal(res.teacher, null);
  assert.equal(res.config.framework, 'no-distill');
  assert.deepEqual(
    res.rounds.map((x) => x.labeledCount),
    [3, 6],
  );
});

import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, tempDir } from '../helpers.ts';

/** Debian's `dataset-fashion-mnist` package (installed by .ci/run). */
const FASHION = '/usr/share/datasets/fashion-mnist';
const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

interface Results {
  data: { root: string; classNames: string[]; pool: number; test: number; skipped: unknown[] };
  initialIds: string[];
  rounds: { labeledCount: number; testAccuracy: number; selectedIds: string[] }[];
  finalAccuracy: number;
}

test(
  'end to end on real Fashion-MNIST read from IDX (10 + 5 images per class), no-distill',
  { timeout: 180_000, skip: existsSync(FASHION) ? false : `${FASHION} missing (apt-get install dataset-fashion-mnist)` },
  () => {
    const out = tempDir('activekd-out-');
    const cache = tempDir('activekd-cache-');
    try {
      const args = ['run', '--data', FASHION, '--format', 'idx', '--limit-per-class', '10,5', '--framework', 'no-distill', '--rounds', '2', '--steps-per-batch', '20', '--hidden', '32', '--threads', '2', '--out', out, '--cache-dir', cache];
      const r = runCli(args);
      assert.equal(r.status, 0, r.stderr);
      const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
      assert.deepEqual(res.data.classNames, CLASSES);
      assert.equal(res.data.pool, 100);
      assert.equal(res.data.test, 50);
      assert.deepEqual(res.data.skipped, []);
      assert.deepEqual(
        res.rounds.map((x) => x.labeledCount),
        [10, 20],
      );
      assert.ok(res.initialIds.every((id) => /^train\/\d{5}$/.test(id)), res.initialIds.join());
      assert.equal(res.rounds[0]?.selectedIds.length, 10);
      // Chance is 10%; frozen ImageNet features on 10–20 labels do clearly better.
      assert.ok(res.finalAccuracy > 0.2 && res.finalAccuracy <= 1, `final accuracy ${res.finalAccuracy}`);
    } finally {
      rmSync(out, { recursive: true, force: true });
      rmSync(cache, { recursive: true, force: true });
    }
  },
);

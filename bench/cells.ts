import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ASSETS } from '../src/assets.ts';
import { readPreparedExperiment, writePreparedExperiment } from '../src/bench/prepared-store.ts';
import { prepareExperiment, type ExperimentSetup } from '../src/loop/prepare.ts';
import { median } from './stats.ts';


/**
 * What a benchmark cell spends before its first round (issue 12 #4): preparing from the dataset —
 * open it, hash every image to find its cached features and teacher probabilities, i.e. what every
 * cell did before — against loading the matrices the grid's parent prepared once
 * (src/bench/prepared-store.ts). Embedded CIFAR-10 subset (2,000 pool + test images), feature cache
 * warm for both, median of `reps` interleaved runs; the ratio is what a grid saves per cell (it grows
 * with the number of images: ≈ 24 s per cell on Fashion-MNIST's 70,000).
 */
export async function benchCells(reps = 5): Promise<void> {
  const cacheDir = mkdtempSync(join(tmpdir(), 'activekd-bench-cells-'));
  const root = mkdtempSync(join(tmpdir(), 'activekd-bench-prepared-'));
  try {
    const setup: ExperimentSetup = { dataset: ASSETS.cifar10Mini, teacher: {}, zeroShot: true, encode: { cacheDir } };
    const first = await prepareExperiment(setup); // fills the feature cache
    writePreparedExperiment(root, setup, first);
    const fromData: number[] = [];
    const loaded: number[] = [];
    for (let r = 0; r < reps; r++) {
      let t0 = performance.now();
      await prepareExperiment(setup);
      fromData.push(performance.now() - t0);
      t0 = performance.now();
      const got = readPreparedExperiment(root, setup);
      if (!('prepared' in got)) throw new Error(`prepared experiment not loaded: ${got.reason}`);
      loaded.push(performance.now() - t0);
    }
    const n = first.train.ids.length + (first.test?.ids.length ?? 0);
    const a = median(fromData);
    const b = median(loaded);
    console.log(`## bench cells: preparation per cell, ${n} images (embedded CIFAR-10 subset, warm feature cache), median of ${reps}`);
    console.log(`from the dataset (open + hash every image + read the cache): ${a.toFixed(0)} ms (${((1000 * a) / n).toFixed(2)} ms per 1,000 images)`);
    console.log(`the parent's prepared matrices (what cells do now):          ${b.toFixed(0)} ms`);
    console.log(`ratio dataset / prepared: ${(a / b).toFixed(1)}× per cell (cells no longer hash images)\n`);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  }
}

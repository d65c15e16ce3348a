import { join } from 'node:path';
import { resultsDocument, writeResults, type ResultsParts } from '../../src/loop/results.ts';
import type { ResultsDoc } from '../../src/loop/results-schema.ts';
import { isFramework } from '../../src/options/framework.ts';
import { DEFAULT_DHO } from '../../src/student/config.ts';
import { Rng } from '../../src/util/rng.ts';

/**
 * A complete results.json document for tests: `parts` over placeholders for what a report does not
 * read (dataset root, backbone, timings); rounds default to one round without a test split.
 */
export function syntheticResults(parts: Omit<Partial<ResultsParts>, 'config'> & { config: Pick<ResultsParts['config'], 'strategy' | 'framework' | 'seed'> & Partial<ResultsParts['config']> }): ResultsDoc {
  const rounds = parts.rounds ?? [{ round: 0, labeledCount: 1, testAccuracy: null, selectedIds: [], trainSeconds: 0, selectSeconds: 0 }];
  return resultsDocument({
    data: { root: '/synthetic', classNames: [], pool: 0, test: 0, skipped: [] },
    student: { backbone: '/synthetic/backbone.onnx', backboneSha256: '0'.repeat(64), encoder: {}, dho: DEFAULT_DHO },
    teacher: null,
    initialIds: [],
    timings: { prepareSeconds: 0, runSeconds: 0 },
    ...parts,
    rounds,
    config: { strategyConfig: {}, rounds: rounds.length, querySize: 1, initialShots: 1, ...parts.config },
  });
}

/**
 * Per query round r of a synthetic run (C = 3, Q = 3): the picked-class histograms and stopping
 * signals the fixture writes, so that tests can compute the expected aggregates by hand.
 */
export function syntheticSignals(framework: string, seed: number, r: number): { pickedClasses: { predicted: number[]; true: number[] }; stopping: { coverageRadius: number; teacherAgreement: number | null; predictionStability: number | null } } {
  return {
    pickedClasses: { predicted: r % 2 === 0 ? [3, 0, 0] : [1, 1, 1], true: [1 + (seed % 2), 1 - (seed % 2), 1] },
    stopping: { coverageRadius: 0.5 - 0.1 * r + 0.01 * seed, teacherAgreement: framework === 'no-distill' ? null : 0.6 + 0.1 * r, predictionStability: r === 0 ? null : 0.9 + 0.01 * seed },
  };
}

/**
 * Writes a synthetic benchmark folder (runs/<s>__<f>__seed<k>/results.json) with analysis blocks.
 * `withSignals` (default: every run) says which runs record the picked-class histograms and stopping
 * signals; the others look like results written before they existed.
 */
export function writeSyntheticBench(dir: string, strategies: string[], frameworks: string[], seeds: number[], rounds = 4, withSignals: (strategy: string, framework: string, seed: number) => boolean = () => true): void {
  const C = 3;
  const classNames = ['cat', 'ship', 'frog'];
  for (const f of frameworks) {
    for (const [si, s] of strategies.entries()) {
      for (const seed of seeds) {
        const rng = new Rng(seed * 100 + si);
        const base = f === 'no-distill' ? 0.4 : 0.6;
        const rr = Array.from({ length: rounds }, (_, r) => ({ round: r, labeledCount: C * (r + 1), testAccuracy: Math.min(1, base + 0.05 * r + 0.01 * si + 0.02 * rng.next()), selectedIds: [], trainSeconds: 0, selectSeconds: 0 }));
        const probRow = (): number[] => {
          const a = [rng.next(), rng.next(), rng.next()];
          const t = a.reduce((x, y) => x + y, 0);
          return a.map((v) => v / t);
        };
        const analysis = {
          config: { criteria: {}, bias: { k: 3, nInit: 10, seed: 0, lambda: 0.5, delta: 0.5 } },
          rounds: Array.from({ length: rounds - 1 }, (_, r) => ({
            round: r,
            criteria: { uncertainty: rng.next(), classBalance: rng.next(), featureDiversity: rng.next(), probDiversity: rng.next() },
            bias: { knnLoss: rng.next(), propDistance: rng.next(), propWithinDelta: rng.next(), activeCentroids: 3 + r, teacherActiveCentroids: 3, clusterPurity: rng.next() },
            ...(withSignals(s, f, seed) ? syntheticSignals(f, seed, r) : {}),
          })),
          heatmaps: { initial: { ids: ['a', 'b', 'c'], labels: [0, 1, 2], probs: [probRow(), probRow(), probRow()] }, firstBatch: { ids: ['d', 'e', 'f'], labels: [2, 1, 0], probs: [probRow(), probRow(), probRow()] } },
        };
        if (!isFramework(f)) throw new RangeError(`not a framework: ${f}`);
        const doc = syntheticResults({ config: { strategy: s, framework: f, seed, querySize: C }, data: { root: '/synthetic', classNames, pool: 30, test: 10, skipped: [] }, teacher: { id: 'synthetic', testAccuracy: 0.7 }, rounds: rr, analysis });
        writeResults(join(dir, 'runs', `${s}__${f}__seed${seed}`, 'results.json'), doc);
      }
    }
  }
}

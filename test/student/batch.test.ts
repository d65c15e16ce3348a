import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchGatherer } from '../../src/student/batch.ts';
import { LabeledSampler, UnlabeledStream } from '../../src/student/sampler.ts';
import { Rng } from '../../src/util/rng.ts';
import { problem } from './fixtures.ts';

const N = 40;
const D = 6;
const C = 4;
const { features, teacher, y } = problem(N, D, C, 3);
const labeledRows = Uint32Array.of(1, 5, 9, 12, 30);
const labels = Int32Array.from(labeledRows, (r) => y[r] as number);
const unlabeledRows = Uint32Array.from({ length: 20 }, (_, i) => 15 + i);
const std = { mean: Float32Array.from({ length: D }, (_, d) => 0.1 * d), invStd: Float32Array.from({ length: D }, (_, d) => 1 + d) };

function gatherer(seed: number, distill: boolean): BatchGatherer {
  const rng = new Rng(seed);
  return new BatchGatherer({
    features,
    labeledRows,
    labels,
    unlabeledRows,
    numClasses: C,
    labeled: new LabeledSampler(labeledRows.length, 3, rng),
    batchLabeled: 3,
    ...(distill ? { unlabeled: new UnlabeledStream(unlabeledRows.length, rng), softTargets: teacher.data } : {}),
    batchUnlabeled: 4,
    ceWeight: 0.25,
    temperature: 2,
    standardization: std,
  });
}

test('BatchGatherer reuses one batch object and its buffers on every step (no allocation per step)', () => {
  const g = gatherer(1, true);
  const first = g.next();
  const { X, Y, Q, wce, wkd } = first;
  for (let k = 0; k < 20; k++) {
    const b = g.next();
    assert.equal(b, first);
    assert.equal(b.X, X);
    assert.equal(b.Y, Y);
    assert.equal(b.Q, Q);
    assert.equal(b.wce, wce);
    assert.equal(b.wkd, wkd);
  }
});

test('BatchGatherer fills the rows the samplers draw (standardised), one-hot labels, soft targets and SPEC §5.1 weights', () => {
  const g = gatherer(7, true);
  // The same draws, replayed: labeled positions first, then the unlabeled stream, from the same seed.
  const rng = new Rng(7);
  const ls = new LabeledSampler(labeledRows.length, 3, rng);
  const us = new UnlabeledStream(unlabeledRows.length, rng);
  const lPos = new Uint32Array(3);
  const uPos = new Uint32Array(4);
  for (let k = 0; k < 8; k++) {
    const b = g.next();
    ls.next(lPos);
    us.next(uPos);
    assert.equal(b.B, 7);
    const rows = [...Array.from(lPos, (p) => labeledRows[p] as number), ...Array.from(uPos, (p) => unlabeledRows[p] as number)];
    rows.forEach((r, i) => {
      for (let d = 0; d < D; d++) {
        const want = Math.fround(((features.data[r * D + d] as number) - (std.mean[d] as number)) * (std.invStd[d] as number));
        assert.equal(b.X[i * D + d], want, `step ${k} row ${i} dim ${d}`);
      }
      for (let c = 0; c < C; c++) {
        assert.equal(b.Q?.[i * C + c], teacher.data[r * C + c]);
        const label = i < 3 ? (labels[lPos[i] as number] as number) : -1;
        assert.equal(b.Y[i * C + c], c === label ? 1 : 0, `step ${k} row ${i} label`);
      }
    });
  }
  const b = g.batch;
  assert.deepEqual(Array.from(b.wce), [0.25 / 3, 0.25 / 3, 0.25 / 3, 0, 0, 0, 0].map(Math.fround));
  assert.deepEqual(Array.from(b.wkd ?? []), [...Array(3).fill((0.75 * 4) / 3), ...Array(4).fill((0.75 * 4) / 4)].map(Math.fround));
});

test('BatchGatherer without distillation: labeled rows only, wce = 1/B_l, no soft targets', () => {
  const g = gatherer(2, false);
  const b = g.next();
  assert.equal(b.B, 3);
  assert.equal(b.Q, undefined);
  assert.equal(b.wkd, undefined);
  assert.deepEqual(Array.from(b.wce), [1 / 3, 1 / 3, 1 / 3].map(Math.fround));
  for (let i = 0; i < 3; i++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += b.Y[i * C + c] as number;
    assert.equal(s, 1);
  }
});

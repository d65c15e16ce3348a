import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { accuracy } from '../../src/linalg/accuracy.ts';
import { takeRows } from '../../src/linalg/matrix.ts';
import { runRound, type RoundInput } from '../../src/loop/round.ts';
import { createStrategy, runSelection } from '../../src/strategies/registry.ts';
import { dhoConfig } from '../../src/student/config.ts';
import { disposeSessionCache } from '../../src/student/engine.ts';
import { trainStudent } from '../../src/student/train.ts';
import { Rng } from '../../src/util/rng.ts';
import { problem } from '../student/fixtures.ts';

after(() => disposeSessionCache());

const P = problem(90, 6, 3, 3);
const DHO = dhoConfig({ head: 'linear', stepsPerLabeledBatch: 5 });
const L = Uint32Array.from([4, 0, 8, 1]);

function input(over: Partial<RoundInput> = {}): RoundInput {
  return {
    features: P.features,
    labeledRows: L,
    labeledLabels: Int32Array.from(L, (i) => P.y[i] as number),
    teacherProbs: P.teacher,
    numClasses: 3,
    framework: 'zero-shot',
    dho: DHO,
    strategy: createStrategy('pcoreset'),
    querySize: 5,
    rng: new Rng(11),
    test: { features: P.features, labels: P.y },
    ...over,
  };
}

test('runRound is train → predict → select: the same picks as composing the steps by hand with the same streams', async () => {
  const out = await runRound(input());
  // By hand: fork 1 trains, fork 2 selects (SPEC §8.1), U = every row not in L, ascending.
  const rng = new Rng(11);
  const inL = new Set(L);
  const U = Uint32Array.from(Array.from({ length: 90 }, (_, i) => i).filter((i) => !inL.has(i)));
  const student = await trainStudent({ features: P.features, labeledRows: L, labels: Int32Array.from(L, (i) => P.y[i] as number), unlabeledRows: U, teacherProbs: P.teacher, numClasses: 3, config: { ...DHO, framework: 'zero-shot' }, rng: rng.fork() });
  const all = await student.predict(P.features, { alphaCe: DHO.selAlphaCe, beta: DHO.selBeta });
  const sub = (rows: Uint32Array) => ({ ce: takeRows(all.ce, rows), kd: takeRows(all.kd, rows), probs: takeRows(all.probs, rows), features: takeRows(all.features, rows) });
  const evalProbs = (await student.predict(P.features, { alphaCe: DHO.evalAlphaCe, beta: DHO.evalBeta })).probs;
  const sel = await runSelection(createStrategy('pcoreset'), { pool: sub(U), labeled: sub(L), labeledLabels: Int32Array.from(L, (i) => P.y[i] as number), teacherPool: takeRows(P.teacher, U), teacherLabeled: takeRows(P.teacher, L), numClasses: 3, rng: rng.fork() }, 5);
  student.dispose();
  assert.deepEqual(Array.from(out.unlabeledRows), Array.from(U));
  assert.deepEqual(Array.from(out.picks), Array.from(sel.rows, (k) => U[k] as number));
  assert.deepEqual(Array.from(out.scores ?? []), Array.from(sel.scores ?? []));
  assert.equal(out.testAccuracy, accuracy(evalProbs, P.y));
  out.student?.dispose();
});

test('runRound picks Q distinct unlabeled rows, clamps Q to |U|, and skips the query without a strategy', async () => {
  const a = await runRound(input({ strategy: createStrategy('entropy'), querySize: 7 }));
  assert.equal(a.picks.length, 7);
  assert.equal(new Set(a.picks).size, 7);
  for (const r of a.picks) assert.ok(!L.includes(r) && r < 90);
  a.student?.dispose();
  const small = problem(6, 4, 3, 1);
  const b = await runRound(input({ features: small.features, teacherProbs: small.teacher, labeledRows: Uint32Array.from([0, 1, 2]), labeledLabels: Int32Array.from([0, 1, 2]), strategy: createStrategy('random'), querySize: 50, test: undefined }));
  assert.deepEqual(Array.from(b.picks).sort(), [3, 4, 5]);
  assert.equal(b.testAccuracy, null);
  b.student?.dispose();
  const c = await runRound(input({ strategy: null }));
  assert.equal(c.picks.length, 0);
  assert.equal(c.predictions, null);
  assert.ok(c.student !== null);
  c.student?.dispose();
});

test('runRound without training (cold start) selects with the round\'s second stream and exposes no student predictions', async () => {
  const out = await runRound(input({ train: false, labeledRows: new Uint32Array(0), labeledLabels: new Int32Array(0), strategy: createStrategy('random'), querySize: 4 }));
  assert.equal(out.student, null);
  assert.equal(out.testAccuracy, null);
  const rng = new Rng(11);
  rng.fork();
  const expected = createStrategy('random').select({ pool: out.poolPredictions, labeled: out.labeledPredictions, labeledLabels: new Int32Array(0), numClasses: 3, poolSize: 90, rng: rng.fork() }, 4);
  assert.deepEqual(Array.from(out.picks), Array.from(expected.rows));
  assert.throws(() => out.poolPredictions.probs, /none were computed/);
  await assert.rejects(runRound(input({ train: false, labeledRows: new Uint32Array(0), labeledLabels: new Int32Array(0), strategy: createStrategy('entropy') })), /none were computed/);
});

test('runRound checks its inputs: a distilling framework needs the teacher, shapes must agree', async () => {
  await assert.rejects(runRound(input({ teacherProbs: undefined })), /framework zero-shot needs teacher probabilities/);
  await assert.rejects(runRound(input({ labeledLabels: new Int32Array(1) })), /4 labeled rows but 1 labels/);
  await assert.rejects(runRound(input({ teacherProbs: { rows: 3, cols: 3, data: new Float32Array(9) } })), /3×3, expected 90×3/);
  const nd = await runRound(input({ framework: 'no-distill', teacherProbs: undefined, strategy: createStrategy('margin') }));
  assert.equal(nd.picks.length, 5);
  assert.equal(nd.student?.config.framework, 'no-distill');
  nd.student?.dispose();
});

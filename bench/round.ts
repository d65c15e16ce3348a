import { matrix, takeRows } from '../src/linalg/matrix.ts';
import { createStrategy } from '../src/strategies/registry.ts';
import { DEFAULT_DHO } from '../src/student/config.ts';
import { trainStudent } from '../src/student/train.ts';
import { Rng } from '../src/util/rng.ts';

/**
 * Time of one active-learning round on a 50,000-item pool with cached (here: synthetic Gaussian,
 * same shapes as MobileNetV1 features) features: train a fresh DHO student (paper schedule, |L| = 80,
 * so 400 steps), predict the whole pool, select Q = 10 with PCoreSet. Baseline in the same run: the
 * same round with the linear-heads student.
 */
export async function benchRound(n = 50_000, d = 1024, c = 10, labeledCount = 80): Promise<void> {
  const rng = new Rng(0);
  const feats = matrix(n, d);
  for (let i = 0; i < feats.data.length; i++) feats.data[i] = rng.next() * 2 - 1 + (i % d === (i / d) % c ? 1 : 0);
  const teacher = matrix(n, c);
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let j = 0; j < c; j++) z += teacher.data[i * c + j] = rng.next() + (j === i % c ? 2 : 0);
    for (let j = 0; j < c; j++) teacher.data[i * c + j] = (teacher.data[i * c + j] as number) / z;
  }
  const labeledRows = Uint32Array.from({ length: labeledCount }, (_, k) => k * 7);
  const inL = new Set(labeledRows);
  const unlabeledRows = Uint32Array.from({ length: n }, (_, i) => i).filter((i) => !inL.has(i));
  const labels = Int32Array.from(labeledRows, (i) => i % c);
  console.log(`## one round, pool ${n}, D=${d}, C=${c}, |L|=${labeledCount} (synthetic features)`);
  const times: Record<string, number> = {};
  for (const head of ['linear', 'adapter'] as const) {
    const t0 = performance.now();
    const student = await trainStudent({ features: feats, labeledRows, labels, unlabeledRows, teacherProbs: teacher, numClasses: c, config: { ...DEFAULT_DHO, head }, rng: rng.fork() });
    const t1 = performance.now();
    const preds = await student.predict(feats);
    const t2 = performance.now();
    const pool = { ce: takeRows(preds.ce, unlabeledRows), kd: takeRows(preds.kd, unlabeledRows), probs: takeRows(preds.probs, unlabeledRows), features: takeRows(preds.features, unlabeledRows) };
    const lab = { ce: takeRows(preds.ce, labeledRows), kd: takeRows(preds.kd, labeledRows), probs: takeRows(preds.probs, labeledRows), features: takeRows(preds.features, labeledRows) };
    createStrategy('pcoreset').select({ pool, labeled: lab, labeledLabels: labels, numClasses: c, rng }, c);
    const t3 = performance.now();
    student.dispose();
    times[head] = (t3 - t0) / 1000;
    console.log(`${head.padEnd(8)} train ${((t1 - t0) / 1000).toFixed(2)} s, predict ${((t2 - t1) / 1000).toFixed(2)} s, select ${((t3 - t2) / 1000).toFixed(2)} s, round ${((t3 - t0) / 1000).toFixed(2)} s`);
  }
  console.log(`ratio adapter / linear round time: ${((times.adapter ?? 0) / (times.linear ?? 1)).toFixed(2)}\n`);
}

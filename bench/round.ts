import { matrix } from '../src/linalg/matrix.ts';
import { runRound } from '../src/loop/round.ts';
import { createStrategy } from '../src/strategies/registry.ts';
import { DEFAULT_DHO } from '../src/student/config.ts';
import { Rng } from '../src/util/rng.ts';

/**
 * Time of one active-learning round on a 50,000-item pool with cached (here: synthetic Gaussian,
 * same shapes as MobileNetV1 features) features: train a fresh DHO student (paper schedule, |L| = 80,
 * so 400 steps), predict the whole pool, select Q = 10 with PCoreSet — through the product's own
 * round function (src/loop/round.ts `runRound`), the one `run`, `bench` and projects call. Baseline in the same run: the
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
  const labels = Int32Array.from(labeledRows, (i) => i % c);
  console.log(`## one round (the product's runRound), pool ${n}, D=${d}, C=${c}, |L|=${labeledCount} (synthetic features)`);
  const times: Record<string, number> = {};
  for (const head of ['linear', 'adapter'] as const) {
    const out = await runRound({
      features: feats,
      labeledRows,
      labeledLabels: labels,
      teacherProbs: teacher,
      numClasses: c,
      framework: 'zero-shot',
      dho: { ...DEFAULT_DHO, head },
      strategy: createStrategy('pcoreset'),
      querySize: c,
      rng: rng.fork(),
    });
    out.student?.dispose();
    times[head] = out.trainSeconds + out.selectSeconds;
    console.log(`${head.padEnd(8)} train ${out.trainSeconds.toFixed(2)} s, predict + select ${out.selectSeconds.toFixed(2)} s, round ${(out.trainSeconds + out.selectSeconds).toFixed(2)} s`);
  }
  console.log(`ratio adapter / linear round time: ${((times.adapter ?? 0) / (times.linear ?? 1)).toFixed(2)}\n`);
}

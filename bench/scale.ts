/**
 * Scale curve (issue 12 item 6): one full active-learning round — train a fresh DHO student
 * (default adapter head, |L| = 80, so 400 steps whatever N), predict the whole pool, select Q = C
 * with PCoreSet — through the product's own `runRound` (src/loop/round.ts), on cached features
 * (here: synthetic, D = 1024 like the student's MobileNetV1 features) of N = 10k and 100k pool
 * items (and 1M with ACTIVEKD_BENCH_LARGE=1), for C = 10 and C = 100.
 *
 * Each (N, C) point runs in its own child process, so its peak RSS (VmHWM / maxRSS) is its own.
 * Printed per point: the round's time (train, predict + select), the resident memory before the
 * round (features N×D + teacher N×C + Node) and the peak during it, the time per item relative to
 * the 10k point (≤ 1 means the round grows at most linearly in N), the marginal predict + select
 * cost per 1k items, and whether the peak fits in 8 GiB.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { matrix } from '../src/linalg/matrix.ts';
import { runRound } from '../src/loop/round.ts';
import { createStrategy } from '../src/strategies/registry.ts';
import { DEFAULT_DHO } from '../src/student/config.ts';
import { Rng } from '../src/util/rng.ts';

const D = 1024;
const LABELED = 80;
const GB = 1024 ** 3;
const LIMIT_BYTES = 8 * GB;
const SELF = fileURLToPath(import.meta.url);

/** One measured point, as the child prints it (one JSON line). */
interface Point {
  n: number;
  c: number;
  trainSeconds: number;
  selectSeconds: number;
  /** Resident bytes after the synthetic features and teacher were made, before the round. */
  rssBefore: number;
  /** Peak resident bytes of the child (VmHWM). */
  peak: number;
  picks: number;
}

/** Peak resident set size of this process in bytes: VmHWM of /proc/self/status, else maxRSS. */
function peakRss(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

/** The child: synthetic N×D features (one Gaussian-ish cluster per class) and N×C teacher probabilities, one round. */
async function child(n: number, c: number): Promise<Point> {
  const rng = new Rng(0);
  const feats = matrix(n, D);
  const f = feats.data;
  // xorshift32 noise (the generator is not what is measured) plus a class-dependent offset
  let s = 0x9e3779b9 | 0;
  for (let i = 0; i < n; i++) {
    const y = i % c;
    const o = i * D;
    for (let j = 0; j < D; j++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      f[o + j] = (s >>> 0) / 2 ** 31 - 1 + (j % c === y ? 1 : 0);
    }
  }
  const teacher = matrix(n, c);
  const t = teacher.data;
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let j = 0; j < c; j++) z += t[i * c + j] = rng.next() + (j === i % c ? 2 : 0);
    for (let j = 0; j < c; j++) t[i * c + j] = (t[i * c + j] as number) / z;
  }
  const labeledRows = Uint32Array.from({ length: LABELED }, (_, k) => k * Math.floor(n / LABELED));
  const labeledLabels = Int32Array.from(labeledRows, (i) => i % c);
  const rssBefore = process.memoryUsage().rss;
  const out = await runRound({
    features: feats,
    labeledRows,
    labeledLabels,
    teacherProbs: teacher,
    numClasses: c,
    framework: 'zero-shot',
    dho: DEFAULT_DHO,
    strategy: createStrategy('pcoreset'),
    querySize: c,
    rng: rng.fork(),
  });
  out.student?.dispose();
  return { n, c, trainSeconds: out.trainSeconds, selectSeconds: out.selectSeconds, rssBefore, peak: peakRss(), picks: out.picks.length };
}

/** Runs one point in a child process; throws with its stderr when it fails. */
function measure(n: number, c: number): Point {
  const r = spawnSync(process.execPath, ['--import', 'tsx', SELF, '--scale-child', String(n), String(c)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) throw new Error(`scale point N=${n} C=${c} failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(line) as Point;
}

const gb = (b: number): string => `${(b / GB).toFixed(2)} GiB`;

/** The scale section of `npm run bench`: prints one table per C. */
export async function benchScale(): Promise<void> {
  const large = process.env.ACTIVEKD_BENCH_LARGE === '1';
  const sizes = [10_000, 100_000, ...(large ? [1_000_000] : [])];
  console.log(`## scale: one round (the product's runRound: train |L|=${LABELED} + predict + PCoreSet select Q=C), D=${D}, synthetic cached features, one child process per point`);
  if (!large) console.log('N = 1,000,000: skipped (minutes, up to 6 GiB): set ACTIVEKD_BENCH_LARGE=1');
  for (const c of [10, 100]) {
    console.log(`\nC = ${c}`);
    console.log('       N   round s   train s  pred+sel s   RSS before   peak RSS   time/item vs 10k   pred+sel ms per 1k   fits in 8 GiB');
    let base: Point | null = null;
    for (const n of sizes) {
      const p = measure(n, c);
      base ??= p;
      const round = p.trainSeconds + p.selectSeconds;
      const baseRound = base.trainSeconds + base.selectSeconds;
      const perItem = round / p.n / (baseRound / base.n);
      const selPer1k = (1000 * p.selectSeconds) / (p.n / 1000);
      console.log(
        `${String(p.n).padStart(8)}  ${round.toFixed(2).padStart(8)}  ${p.trainSeconds.toFixed(2).padStart(8)}  ${p.selectSeconds.toFixed(2).padStart(10)}  ${gb(p.rssBefore).padStart(11)}  ${gb(p.peak).padStart(9)}  ${perItem.toFixed(3).padStart(17)}  ${selPer1k.toFixed(2).padStart(19)}   ${p.peak <= LIMIT_BYTES ? 'yes' : 'NO'}`,
      );
    }
  }
  console.log('');
}

if (process.argv[1] === SELF && process.argv[2] === '--scale-child') {
  const p = await child(Number(process.argv[3]), Number(process.argv[4]));
  process.stdout.write(`${JSON.stringify(p)}\n`);
  process.exit(0);
}

/**
 * `npm run bench`: speed benchmarks, each printed as a ratio against a baseline measured in the
 * same run (never as timed unit tests). Sections:
 *  1. encoder pipeline (decode + preprocess + ONNX, overlapped) vs onnxruntime alone on pre-decoded tensors;
 *  2. one active-learning round (train DHO student + predict + PCoreSet select) on a 50,000-item pool;
 *  3. (when present) the student and selection micro-benchmarks;
 *  4. CLI start-up: `activekd --help` compiled (bin → dist/) vs through tsx;
 *  5. queue: encoding on 1–3 BullMQ workers vs one process, overhead per job, a 1M-item synthetic pool (needs redis-server);
 *  6. cells: a benchmark cell's preparation, from the dataset (re-hashing images) vs the parent's prepared matrices;
 *  7. scale: one round at N = 10k, 100k (1M with ACTIVEKD_BENCH_LARGE=1), C = 10 and 100: time and peak RSS per N.
 * Pass section names to run a subset: `npm run bench -- encoder round`, `npm run bench -- startup`.
 */
import { existsSync } from 'node:fs';
import { benchCells } from './cells.ts';
import { benchEncoder } from './encoder.ts';
import { benchQueue } from './queue.ts';
import { benchRound } from './round.ts';
import { benchScale } from './scale.ts';
import { benchStartup } from './startup.ts';

const SECTIONS: Record<string, string> = {
  encoder: 'encoder pipeline (decode + preprocess + ONNX, overlapped) vs onnxruntime alone',
  round: "one round through the product's runRound (train + predict + PCoreSet select), adapter vs linear",
  student: 'the DHO train step vs its matrix products alone (goal ≤ 1.5×), AdamW paths, TypeScript twin',
  selection: 'k-center / BADGE kernels, TypiClust / ProbCover on exact k-NN graphs (ACTIVEKD_BENCH_LARGE=1: N = 50,000–100,000)',
  startup: 'CLI start-up: compiled (bin → dist/) vs through tsx',
  queue: 'BullMQ encoding with 1–3 workers vs one process, overhead per job, 1M-item pool (needs redis-server)',
  cells: "a bench cell's preparation: from the dataset (re-hashing every image) vs the parent's prepared matrices",
  scale: 'one round (train + predict + PCoreSet select) at N = 10k, 100k (1M: ACTIVEKD_BENCH_LARGE=1), C = 10, 100: time, peak RSS, linearity, fits in 8 GB',
};
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log('usage: npm run bench [-- SECTION ...]   (no section: all)\n\nsections:');
  for (const [k, v] of Object.entries(SECTIONS)) console.log(`  ${k.padEnd(10)} ${v}`);
  process.exit(0);
}
const unknown = args.filter((a) => !(a in SECTIONS));
if (unknown.length > 0) {
  console.error(`unknown bench section(s): ${unknown.join(', ')} (sections: ${Object.keys(SECTIONS).join(', ')})`);
  process.exit(2);
}
const want = new Set(args);
const on = (name: string): boolean => want.size === 0 || want.has(name);

console.log(`activekd benchmarks — node ${process.version}, ${(await import('node:os')).availableParallelism()} cores\n`);
if (on('encoder')) await benchEncoder();
if (on('round')) await benchRound();
if (on('student') && existsSync(new URL('./student.ts', import.meta.url))) {
  const m = (await import('./student.ts')) as { benchStudent: () => Promise<unknown> };
  await m.benchStudent();
}
if (on('selection') && existsSync(new URL('./selection.ts', import.meta.url))) {
  const m = (await import('./selection.ts')) as { benchSelection: () => Promise<unknown> };
  await m.benchSelection();
}
if (on('startup')) await benchStartup();
if (on('queue')) await benchQueue();
if (on('cells')) await benchCells();
if (on('scale')) await benchScale();

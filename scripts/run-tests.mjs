#!/usr/bin/env node
// Runs the test/**/*.test.ts files with node's built-in test runner through tsx, in two tiers:
//   unit         fast, in-process: pure numerics, strategies, parsers, small units;
//   integration  real images, ONNX models and graphs, end-to-end loops, CLI processes, browser, the npm package.
// Usage: node scripts/run-tests.mjs [--tier unit|integration] [--list] [substring ...]
//   no tier: both tiers, unit first; substrings keep the files whose path contains one of them;
//   --list prints each selected file with its tier instead of running them.
// Node 20's `node --test` neither finds .ts files nor expands quoted globs, so the files are listed here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

/**
 * The tier of every test file: the longest entry that is a prefix of the file's path decides. A file
 * that no entry covers stops the run (add its folder or the file here). Folders end with '/'.
 */
const TIERS = {
  'test/bench/': 'integration', // the benchmark grid through the CLI, killed and resumed
  'test/cli/': 'integration', // CLI child processes
  'test/data/': 'unit', // dataset-format parsers and tables on small synthetic fixtures
  'test/data/fashion-mnist.test.ts': 'integration', // real Fashion-MNIST files through the CLI
  'test/data/hostile-images.test.ts': 'integration', // broken and hostile image files through the encoder
  'test/data/image-folder.test.ts': 'integration', // the embedded real CIFAR-10 images
  'test/encoders/': 'integration', // ONNX encoders on real images
  'test/eval/': 'unit',
  'test/linalg/': 'unit', // pure numerics
  'test/linalg/dho-graph.test.ts': 'integration', // ONNX graphs
  'test/linalg/onnx-graph.test.ts': 'integration',
  'test/linalg/neighbors.test.ts': 'unit', // blocked k-NN / radius graphs against brute force
  'test/loop/': 'integration', // trained rounds and end-to-end active-learning loops
  'test/loop/initial.test.ts': 'unit', // the seeded initial labeled set (pure)
  'test/options/': 'unit', // option definitions, seeds, query size
  'test/package/': 'integration', // npm pack + install, README example, TypeDoc
  'test/project/': 'integration', // labeling projects: SQLite, crash points, labeling page in a browser
  'test/project/label-files.test.ts': 'unit', // label-file parsers (pure text)
  'test/queue/': 'integration', // Redis + BullMQ worker processes (distributed encoding, bench cells, faults)
  'test/report/': 'integration', // HTML/SVG/PNG reports (Vega, resvg, browser)
  'test/strategies/': 'unit',
  'test/strategies/kcenter-graph.test.ts': 'integration', // onnxruntime k-center/BADGE kernels
  'test/strategies/kcenter-matvec.test.ts': 'integration', // onnxruntime MatMul k-center (and the JS mat-vec kernel)
  'test/strategies/low-budget-kernels.test.ts': 'unit', // typiclust / probcover: neighbour-graph kernels = direct kernels
  'test/student/': 'unit',
  'test/student/engine-adamw.test.ts': 'integration', // ONNX gradient and fused train graphs
  'test/student/train.test.ts': 'integration', // trains with the ONNX engine
  'test/teachers/': 'integration', // ONNX teachers on real images, CLIP fixtures
  'test/teachers/clap.test.ts': 'unit',
  'test/teachers/held-out.test.ts': 'integration', // ONNX teacher features of the embedded subset
  'test/teachers/class-map.test.ts': 'unit',
  'test/teachers/precomputed.test.ts': 'unit',
  'test/teachers/prompts.test.ts': 'unit',
  'test/tooling/': 'unit', // documentation references
  'test/tooling/layers.test.ts': 'integration', // dependency-cruiser processes on temporary trees
  'test/util/': 'unit',
};
const TIER_NAMES = ['unit', 'integration'];

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p.split('\\').join('/'));
  }
  return out;
}

/** The tier of a test file (longest matching entry of TIERS), or undefined. */
function tierOf(file) {
  let best;
  for (const prefix of Object.keys(TIERS)) {
    if (file.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best === undefined ? undefined : TIERS[best];
}

const args = process.argv.slice(2);
let tier;
let list = false;
const filter = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--tier') tier = args[++i];
  else if (a.startsWith('--tier=')) tier = a.slice('--tier='.length);
  else if (a === '--list') list = true;
  else filter.push(a);
}
if (tier !== undefined && !TIER_NAMES.includes(tier)) {
  console.error(`run-tests: --tier must be one of ${TIER_NAMES.join(', ')}; got ${JSON.stringify(tier)}`);
  process.exit(2);
}

const all = walk('test');
const unclassified = all.filter((f) => tierOf(f) === undefined);
if (unclassified.length > 0) {
  console.error(`run-tests: no tier for ${unclassified.join(', ')}: add the file or its folder to TIERS in scripts/run-tests.mjs`);
  process.exit(1);
}
let files = all;
if (filter.length > 0) files = files.filter((f) => filter.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error(`run-tests: no test files under test/ match ${filter.join(' ')}`);
  process.exit(1);
}

const tiers = tier === undefined ? TIER_NAMES : [tier];
if (!files.some((f) => tiers.includes(tierOf(f)))) {
  console.error(`run-tests: no ${tier} test files match ${filter.join(' ')}`);
  process.exit(1);
}
if (list) {
  for (const f of files.filter((f) => tiers.includes(tierOf(f)))) console.log(`${tierOf(f).padEnd(12)} ${f}`);
  process.exit(0);
}
let failed = false;
for (const t of tiers) {
  const these = files.filter((f) => tierOf(f) === t);
  if (these.length === 0) continue;
  console.log(`run-tests: ${t} tier, ${these.length} file${these.length === 1 ? '' : 's'}`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...these], { stdio: 'inherit' });
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`run-tests: ${t} tier ${r.status === 0 ? 'passed' : 'FAILED'} in ${secs} s`);
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);

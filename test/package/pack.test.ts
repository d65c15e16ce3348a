/**
 * The npm package as a user gets it: `npm pack`, install the tarball into an empty folder with
 * production dependencies only (no tsx, no TypeScript), then use it there — the `activekd` command
 * (help, the demo on the embedded CIFAR-10 subset, a benchmark grid whose cells run as forked
 * compiled workers) and the library from a strict TypeScript project compiled against the published
 * declarations. Installing compiles better-sqlite3 from source: a few minutes.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { tempDir } from '../helpers.ts';
import { childEnv, describeRun, ROOT, run } from './run.ts';

const MINUTE = 60_000;
const env = childEnv({ ONNXRUNTIME_NODE_INSTALL: 'skip' });
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let tmp = '';
let app = '';
let packed: { filename: string; files: { path: string }[] };

before(
  async () => {
    tmp = tempDir('activekd-pack-');
    const pack = await run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: ROOT, env, timeoutMs: 5 * MINUTE });
    assert.equal(pack.status, 0, describeRun('npm pack', pack));
    // `--json` prints one array; lifecycle-script output (the build) may come before it.
    const start = pack.stdout.startsWith('[') ? 0 : pack.stdout.indexOf('\n[') + 1;
    packed = (JSON.parse(pack.stdout.slice(start)) as (typeof packed)[])[0] as typeof packed;
    app = join(tmp, 'app');
    mkdirSync(app);
    // An npm that blocks dependency install scripts needs better-sqlite3's (README "Use as a library").
    const pkg = { name: 'activekd-consumer', private: true, type: 'module', allowScripts: { 'better-sqlite3': true, 'onnxruntime-node': false, protobufjs: true } };
    writeFileSync(join(app, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    const install = await run('npm', ['install', join(tmp, packed.filename), '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: app, env, timeoutMs: 15 * MINUTE });
    assert.equal(install.status, 0, describeRun('npm install <tarball>', install));
    console.log(`# npm pack + install of ${packed.filename}: ${(pack.seconds + install.seconds).toFixed(0)} s (install ${install.seconds.toFixed(0)} s)`);
  },
  { timeout: 20 * MINUTE },
);

after(() => {
  if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
});

test('the tarball holds the compiled code, its declarations, the launcher and the run-time assets, and no tests', () => {
  const files = new Set(packed.files.map((f) => f.path));
  for (const f of [
    'package.json',
    'README.md',
    'bin/activekd.js',
    'dist/index.js',
    'dist/index.d.ts',
    'dist/cli/main.js',
    'dist/bench/worker.js',
    'assets/models/mobilenet_v1_1.0_224_embedding.onnx',
    'assets/models/mobilenet_v2_1.0_224_imagenet.onnx',
    'assets/models/imagenet_labels.txt',
    'assets/maps/cifar10_to_imagenet.json',
    'docs/SPEC.md', // the help texts and TSDoc cite its sections (fresh-user trial: an installed package had none)
  ]) {
    assert.ok(files.has(f), `${f} is missing from the tarball`);
  }
  assert.ok([...files].some((f) => f.startsWith('assets/data/cifar10-mini/train/')), 'the embedded CIFAR-10 subset is missing');
  const stray = [...files].filter((f) => /^(test|bench|scripts|\.ci|node_modules|docs)\//.test(f) && f !== 'docs/SPEC.md');
  assert.deepEqual(stray, []);
});

test('installed with production dependencies only: `npx activekd --help` and --version run the compiled CLI', async () => {
  // Nothing in the install could compile TypeScript at run time.
  assert.equal(existsSync(join(app, 'node_modules', 'tsx')), false, 'tsx was installed');
  assert.equal(existsSync(join(app, 'node_modules', 'typescript')), false, 'typescript was installed');
  // onnxruntime-node's postinstall did not fetch GPU providers (ONNXRUNTIME_NODE_INSTALL=skip).
  const ortFiles = readdirSync(join(app, 'node_modules', 'onnxruntime-node', 'bin'), { recursive: true }).map(String);
  assert.deepEqual(ortFiles.filter((f) => /cuda|tensorrt/i.test(f)), []);
  const help = await run('npx', ['activekd', '--help'], { cwd: app, env, timeoutMs: 2 * MINUTE });
  assert.equal(help.status, 0, describeRun('npx activekd --help', help));
  assert.match(help.stdout, /^Usage: activekd /m);
  assert.match(help.stdout, /\bdemo\b/);
  const v = await run('npx', ['activekd', '--version'], { cwd: app, env, timeoutMs: 2 * MINUTE });
  assert.equal(v.status, 0, describeRun('npx activekd --version', v));
  assert.equal(v.stdout.trim(), version);
});

test('`npx activekd demo --rounds 2` runs on the embedded subset and writes results', { timeout: 15 * MINUTE }, async () => {
  const out = join(tmp, 'demo');
  const r = await run('npx', ['activekd', 'demo', '--rounds', '2', '--out', out], { cwd: app, env, timeoutMs: 15 * MINUTE });
  assert.equal(r.status, 0, describeRun('npx activekd demo', r));
  assert.match(r.stdout, /embedded CIFAR-10 subset at .*node_modules[\\/]activekd[\\/]assets[\\/]data[\\/]cifar10-mini/);
  for (const s of ['pcoreset', 'random']) {
    const file = join(out, `${s}__zero-shot__seed1`, 'results.json');
    assert.ok(existsSync(file), `${file} was not written`);
    const res = JSON.parse(readFileSync(file, 'utf8')) as { rounds: { labeledCount: number; testAccuracy: number }[] };
    assert.deepEqual(
      res.rounds.map((x) => x.labeledCount),
      [10, 20],
    );
    for (const x of res.rounds) assert.ok(x.testAccuracy > 0.1 && x.testAccuracy <= 1, `test accuracy ${x.testAccuracy} is not above chance`);
  }
});

test('`npx activekd bench` runs its cells in forked compiled workers', { timeout: 10 * MINUTE }, async () => {
  const out = join(tmp, 'bench');
  const data = join(app, 'node_modules', 'activekd', 'assets', 'data', 'cifar10-mini');
  const args = ['activekd', 'bench', '--data', data, '--strategies', 'random', '--frameworks', 'no-distill', '--seeds', '1', '--rounds', '2', '--jobs', '1', '--no-analysis', '--out', out];
  const r = await run('npx', args, { cwd: app, env, timeoutMs: 10 * MINUTE });
  assert.equal(r.status, 0, describeRun('npx activekd bench', r));
  const res = JSON.parse(readFileSync(join(out, 'runs', 'random__no-distill__seed1', 'results.json'), 'utf8')) as { rounds: unknown[] };
  assert.equal(res.rounds.length, 2);
  assert.ok(existsSync(join(out, 'report.html')));
});

/** The consumer program: selection with pcoreset on a small random pool, on one and on two worker threads. */
const CONSUMER = `import { createStrategy, matrix, Rng, runSelection, softmaxRows, strategyNames, UserError, type Matrix, type SelectionContext, type StudentPredictions } from 'activekd';

const N = 300;
const M = 4;
const C = 6;
const Q = 12;
const rng = new Rng(7);
const probs = (rows: number): Matrix => softmaxRows(matrix(rows, C, Float32Array.from({ length: rows * C }, () => rng.uniform(-3, 3))));
const predictions = (p: Matrix): StudentPredictions => ({ probs: p, ce: p, kd: p, features: matrix(p.rows, 0) });
const pool = probs(N);
const labeled = probs(M);
const ctx = (): SelectionContext => ({ pool: predictions(pool), labeled: predictions(labeled), labeledLabels: Int32Array.from([0, 1, 2, 3]), numClasses: C, rng: new Rng(1) });
const picks = await runSelection(createStrategy('pcoreset'), ctx(), Q);
const threaded = await runSelection(createStrategy('pcoreset', { threads: 2 }), ctx(), Q);
// Farthest-first: the first pick is the pool row farthest (L2) from its nearest labeled row.
let farthest = -1;
let best = -1;
for (let i = 0; i < N; i++) {
  let near = Infinity;
  for (let j = 0; j < M; j++) {
    let d = 0;
    for (let c = 0; c < C; c++) d += ((pool.data[i * C + c] as number) - (labeled.data[j * C + c] as number)) ** 2;
    near = Math.min(near, d);
  }
  if (near > best) {
    best = near;
    farthest = i;
  }
}
let userError = '';
try {
  createStrategy('pcorset');
} catch (e) {
  if (e instanceof UserError) userError = e.message;
}
console.log(JSON.stringify({ n: N, q: Q, farthest, picks: Array.from(picks.rows), threaded: Array.from(threaded.rows), strategies: strategyNames(), userError }));
`;

test('a strict TypeScript project compiles against the published declarations and selects with pcoreset', { timeout: 10 * MINUTE }, async () => {
  mkdirSync(join(app, 'src'), { recursive: true });
  writeFileSync(join(app, 'src', 'main.ts'), CONSUMER);
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      strict: true,
      // The published declarations are checked too (their imports must resolve from a production install).
      skipLibCheck: false,
      rootDir: 'src',
      outDir: 'out',
      types: ['node'],
      typeRoots: [join(app, 'node_modules', '@types'), join(ROOT, 'node_modules', '@types')],
    },
    include: ['src'],
  };
  writeFileSync(join(app, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  const tsc = await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: app, env, timeoutMs: 5 * MINUTE });
  assert.equal(tsc.status, 0, describeRun('tsc', tsc));
  const r = await run(process.execPath, [join('out', 'main.js')], { cwd: app, env, timeoutMs: 2 * MINUTE });
  assert.equal(r.status, 0, describeRun('node out/main.js', r));
  const o = JSON.parse(r.stdout) as { n: number; q: number; farthest: number; picks: number[]; threaded: number[]; strategies: string[]; userError: string };
  assert.equal(o.picks.length, o.q);
  assert.equal(new Set(o.picks).size, o.q, 'picks are not distinct');
  for (const p of o.picks) assert.ok(Number.isInteger(p) && p >= 0 && p < o.n, `pick ${p} is outside the pool`);
  assert.equal(o.picks[0], o.farthest, 'the first pick is not the pool row farthest from the labeled set');
  assert.deepEqual(o.threaded, o.picks, 'worker threads changed the picks');
  assert.ok(o.strategies.includes('pcoreset'));
  assert.match(o.userError, /unknown strategy "pcorset"\. Did you mean "pcoreset"\?/);
});

/**
 * The import rules of .dependency-cruiser.cjs, run with the project's own config and depcruise binary
 * on small temporary source trees:
 *  - a tree with one import between every ordered pair of layers: exactly the pairs the target
 *    layering forbids are reported (the expected matrix is written out here, independently of the
 *    config);
 *  - a tree with only allowed imports: exit 0;
 *  - a tree with a cycle, an orphan, file I/O in a strategy, src → test, a devDependency and an
 *    unassigned folder: non-zero exit and each rule's name in the output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');

/**
 * The target layering (docs/ARCHITECTURE.md): a unit is a folder under src/ or a single file.
 * Higher rank may import lower rank; same rank only within the same layer or along SIBLING_OK.
 */
const UNITS: { unit: string; layer: string; rank: number; file?: string }[] = [
  { unit: 'types', layer: 'base', rank: 0 },
  { unit: 'util', layer: 'base', rank: 0 },
  { unit: 'linalg', layer: 'base', rank: 0 },
  { unit: 'assets', layer: 'base', rank: 0, file: 'src/assets.ts' },
  { unit: 'data', layer: 'data', rank: 1 },
  { unit: 'encoders', layer: 'encoders', rank: 2 },
  { unit: 'teachers', layer: 'teachers', rank: 3 },
  { unit: 'student', layer: 'student', rank: 3 },
  { unit: 'strategies', layer: 'strategies', rank: 4 },
  { unit: 'loop', layer: 'loop', rank: 5 },
  { unit: 'eval', layer: 'eval', rank: 6 },
  { unit: 'report', layer: 'report', rank: 6 },
  { unit: 'project', layer: 'project', rank: 7 },
  { unit: 'bench', layer: 'bench', rank: 7 },
  { unit: 'queue', layer: 'queue', rank: 7 },
  { unit: 'cli', layer: 'cli', rank: 8 },
  { unit: 'server', layer: 'server', rank: 8 },
  { unit: 'index', layer: 'index', rank: 9, file: 'src/index.ts' },
];
const SIBLING_OK = new Set(['report>eval', 'cli>server', 'queue>bench']);
type Unit = (typeof UNITS)[number];

/** Whether the target layering lets `a` import `b`. */
function allowed(a: Unit, b: Unit): boolean {
  if (b.unit === 'index') return false; // nothing imports the public API
  if (b.unit === 'cli') return a.unit === 'cli'; // nothing imports the CLI, not even src/index.ts
  if (a.layer === b.layer) return true;
  return b.rank < a.rank || (b.rank === a.rank && SIBLING_OK.has(`${a.unit}>${b.unit}`));
}

function write(root: string, rel: string, text: string): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
}

/** `import` line from file `from` to file `to` (both repository-relative). */
function importLine(from: string, to: string, name: string): string {
  let spec = posix.relative(posix.dirname(from), to);
  if (!spec.startsWith('.')) spec = `./${spec}`;
  return `import { v as ${name} } from '${spec}';\n`;
}

function cruise(root: string): { status: number; out: string } {
  const r = spawnSync(DEPCRUISE, ['src', '--config', CONFIG], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** `error <rule>: <from> → <to>` lines of depcruise's default reporter (`to` is '' for orphans and cycles). */
function violations(out: string): { rule: string; from: string; to: string }[] {
  return [...out.matchAll(/error (\S+): (\S+)(?: → ([^\s]*))?/g)].map((m) => ({ rule: m[1] as string, from: m[2] as string, to: m[3] ?? '' }));
}

test('every ordered pair of layers: exactly the imports the layering forbids are reported', () => {
  const root = tempDir('activekd-layers-all-');
  // Each unit has `from.ts` (imports every other unit) and `target.ts` (imports nothing); a single-file
  // unit is both.
  const fromFile = (u: Unit): string => u.file ?? `src/${u.unit}/from.ts`;
  const targetFile = (u: Unit): string => u.file ?? `src/${u.unit}/target.ts`;
  const texts = new Map<string, string>();
  for (const u of UNITS) {
    texts.set(targetFile(u), '');
    texts.set(fromFile(u), '');
  }
  for (const a of UNITS) {
    let text = texts.get(fromFile(a)) as string;
    UNITS.forEach((b, j) => {
      if (b !== a) text += importLine(fromFile(a), targetFile(b), `v${j}`);
    });
    texts.set(fromFile(a), text);
  }
  for (const [rel, text] of texts) write(root, rel, `${text}export const v = 1;\n`);

  const { status, out } = cruise(root);
  assert.notEqual(status, 0, out);
  const unitOf = (path: string): string => {
    const u = UNITS.find((x) => (x.file ? path === x.file : path.startsWith(`src/${x.unit}/`)));
    assert.ok(u, `unexpected path in depcruise output: ${path}`);
    return u.unit;
  };
  const flagged = new Set(
    violations(out)
      .filter((v) => v.rule.startsWith('layer-') || v.rule.startsWith('no-import-of-'))
      .map((v) => `${unitOf(v.from)}>${unitOf(v.to)}`),
  );
  const missed: string[] = [];
  const extra: string[] = [];
  for (const a of UNITS)
    for (const b of UNITS) {
      if (a === b) continue;
      const key = `${a.unit}>${b.unit}`;
      if (!allowed(a, b) && !flagged.has(key)) missed.push(key);
      if (allowed(a, b) && flagged.has(key)) extra.push(key);
    }
  assert.deepEqual({ missed, extra }, { missed: [], extra: [] }, out);
  // the rule named in the output is the importing layer's own rule
  assert.match(out, /error layer-data: src\/data\/from\.ts → src\/encoders\/target\.ts/);
  assert.match(out, /error layer-teachers: src\/teachers\/from\.ts → src\/student\/target\.ts/);
  assert.match(out, /error no-import-of-cli: src\/index\.ts → src\/cli\/target\.ts/);
});

test('a tree with only allowed imports passes (exit 0)', () => {
  const root = tempDir('activekd-layers-ok-');
  // One module per unit importing every unit it may import; base members import only earlier base
  // members so the graph stays acyclic. src/index.ts and src/cli/main.ts are the entry points.
  const file = (u: Unit): string => u.file ?? (u.unit === 'cli' ? 'src/cli/main.ts' : `src/${u.unit}/m.ts`);
  UNITS.forEach((a, i) => {
    let text = '';
    UNITS.forEach((b, j) => {
      if (b === a || !allowed(a, b)) return;
      if (a.layer === b.layer && j > i) return;
      text += importLine(file(a), file(b), `v${j}`);
    });
    write(root, file(a), `${text}export const v = 1;\n`);
  });
  const { status, out } = cruise(root);
  assert.equal(status, 0, out);
  assert.match(out, /no dependency violations found/);
});

test('cycles, orphans, I/O in strategies, src → test, devDependencies and unassigned folders are reported by name', () => {
  const root = tempDir('activekd-layers-bad-');
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'tmp', type: 'module', devDependencies: { 'fast-check': '*' } }));
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  const files: Record<string, string> = {
    'src/cli/main.ts': ["import './b.ts';", "import '../data/a.ts';", "import '../util/x.ts';", "import '../strategies/s.ts';", "import '../loop/l.ts';"].join('\n'),
    'src/cli/b.ts': '',
    // the brief's example: data importing the CLI
    'src/data/a.ts': "import '../cli/b.ts';",
    // a cycle inside one layer
    'src/util/x.ts': "import './y.ts';",
    'src/util/y.ts': "import './x.ts';\nimport fc from 'fast-check';\nexport const z = fc;",
    'src/strategies/s.ts': "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;",
    'src/loop/l.ts': "import '../store/st.ts';\nimport '../../test/t.ts';",
    'src/store/st.ts': '',
    'src/eval/dead.ts': '',
    'test/t.ts': '',
  };
  for (const [rel, text] of Object.entries(files)) write(root, rel, `${text}\nexport {};\n`);
  const { status, out } = cruise(root);
  assert.notEqual(status, 0, out);
  const found = violations(out);
  const has = (rule: string, from: string, to?: string): boolean => found.some((v) => v.rule === rule && v.from === from && (to === undefined || v.to === to));
  assert.ok(has('layer-data', 'src/data/a.ts', 'src/cli/b.ts'), out);
  assert.ok(has('no-import-of-cli', 'src/data/a.ts', 'src/cli/b.ts'), out);
  // a cycle is printed over several lines: `error no-circular: src/util/x.ts → ⏎ src/util/y.ts → ⏎ src/util/x.ts`
  assert.match(out, /error no-circular: src\/util\/[xy]\.ts →\s+src\/util\/[xy]\.ts →\s+src\/util\/[xy]\.ts/);
  assert.ok(has('no-orphans', 'src/eval/dead.ts'), out);
  assert.ok(has('strategies-pure', 'src/strategies/s.ts', 'fs'), out);
  assert.ok(has('layer-unassigned', 'src/loop/l.ts', 'src/store/st.ts'), out);
  assert.ok(has('src-not-to-tests', 'src/loop/l.ts', 'test/t.ts'), out);
  assert.ok(has('not-to-dev-dep', 'src/util/y.ts'), out);
  // the entry point src/cli/main.ts is not an orphan
  assert.ok(!has('no-orphans', 'src/cli/main.ts'), out);
});

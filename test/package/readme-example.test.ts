/**
 * The TypeScript example of README.md's "Use as a library" section: extracted, type-checked against
 * src/index.ts (as `activekd`, the repository's compiler options), run through tsx, and its output
 * checked, so the README cannot drift from the API.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { describeRun, ROOT, run } from './run.ts';

const MINUTE = 60_000;
// Inside the repository (git- and eslint-ignored .tmp/) so that its package.json (ESM) and node_modules apply.
const dir = join(ROOT, '.tmp', `readme-example-${process.pid}`);

/** The first ```ts block of the README section `heading`. */
function readmeBlock(heading: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(`\n## ${heading}\n`);
  assert.ok(at >= 0, `README.md has no "## ${heading}" section`);
  const section = readme.slice(at + 1).split(/\n## /)[0] as string;
  const m = /```ts\n([\s\S]*?)\n```/.exec(section);
  assert.ok(m, `the "${heading}" section has no \`\`\`ts block`);
  return m[1] as string;
}

after(() => rmSync(dir, { recursive: true, force: true }));

test('README "Use as a library": the example type-checks, runs and prints valid picks and rounds', { timeout: 15 * MINUTE }, async () => {
  const code = readmeBlock('Use as a library');
  assert.match(code, /from 'activekd';/);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'example.ts'), code);
  const tsconfig = {
    extends: relative(dir, join(ROOT, 'tsconfig.json')),
    compilerOptions: { noEmit: true, paths: { activekd: [relative(dir, join(ROOT, 'src', 'index.ts'))] } },
    files: ['example.ts'],
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
  const tsc = await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')], { cwd: dir, timeoutMs: 5 * MINUTE });
  assert.equal(tsc.status, 0, describeRun('tsc on the README example', tsc));

  const src = relative(dir, join(ROOT, 'src', 'index.ts')).split('\\').join('/');
  writeFileSync(join(dir, 'example.ts'), code.replace(/from 'activekd';/g, `from '${src}';`));
  const r = await run(process.execPath, ['--import', import.meta.resolve('tsx'), 'example.ts'], { cwd: dir, timeoutMs: 12 * MINUTE });
  assert.equal(r.status, 0, describeRun('the README example', r));
  const lines = r.stdout.trim().split('\n');
  const picks = /^pcoreset picks: ([\d ]+)$/.exec(lines[0] ?? '');
  assert.ok(picks, `unexpected first line: ${lines[0]}`);
  const rows = (picks[1] as string).split(' ').map(Number);
  assert.equal(rows.length, 20);
  assert.equal(new Set(rows).size, 20, 'picks are not distinct');
  for (const p of rows) assert.ok(Number.isInteger(p) && p >= 0 && p < 1000, `pick ${p} is outside the pool`);
  const rounds = lines.slice(1).map((l) => /^round (\d+): (\d+) labels, test accuracy ([\d.]+)%$/.exec(l));
  assert.equal(rounds.length, 3, r.stdout);
  rounds.forEach((m, i) => {
    assert.ok(m, `unexpected line: ${lines[i + 1]}`);
    assert.equal(Number(m[1]), i);
    assert.equal(Number(m[2]), 10 * (i + 1));
    // 10 classes: a zero-shot-distilled student is far above chance (10%).
    assert.ok(Number(m[3]) > 20 && Number(m[3]) <= 100, `round ${i}: test accuracy ${m[3]}%`);
  });
  assert.ok(existsSync(join(dir, 'runs', 'library-example', 'results.json')), 'the experiment wrote no results.json');
});

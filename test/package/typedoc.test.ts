/**
 * The API reference builds: TypeDoc on src/index.ts (typedoc.json) without errors or warnings, with
 * its validation on (every type the public API references is exported, every {@link} resolves to a
 * documented name), so a broken doc comment or a half-exported type fails here.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeRun, ROOT, run } from './run.ts';

test('TypeDoc documents the public entry point without errors or warnings', { timeout: 5 * 60_000 }, async () => {
  const r = await run(process.execPath, [join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--emit', 'none'], { cwd: ROOT, timeoutMs: 5 * 60_000 });
  assert.equal(r.status, 0, describeRun('typedoc --emit none', r));
  // eslint-disable-next-line no-control-regex
  const plain = `${r.stdout}\n${r.stderr}`.replace(/\u001b\[[0-9;]*m/g, '');
  assert.doesNotMatch(plain, /\[(warning|error)\]/);
});

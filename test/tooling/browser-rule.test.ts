/** The skip rule of the browser tests (issue 15 #8): skip with one line outside CI, fail under CI. */
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { test } from 'node:test';
import { browserSkip, CHROMIUM, findExecutable, tempDir } from '../helpers.ts';

test('browserSkip: runs when Chromium exists, skips with what to install when it does not, fails under CI=true', () => {
  assert.equal(browserSkip({}, () => true), false);
  assert.equal(browserSkip({ CI: 'true' }, () => true), false);
  const why = browserSkip({}, () => false);
  assert.equal(why, `${CHROMIUM} not found: browser test skipped (install it with: apt-get install -y chromium)`);
  assert.throws(() => browserSkip({ CI: 'true' }, () => false), /missing under CI: install the Debian package chromium/);
  assert.throws(() => browserSkip({ CI: '1' }, () => false), /missing under CI/);
});

test('findExecutable: the environment variable, else the first match on PATH, else /usr/bin', () => {
  const a = tempDir();
  const b = tempDir();
  const exe = join(b, 'some-tool');
  writeFileSync(exe, '#!/bin/sh\n');
  chmodSync(exe, 0o755);
  writeFileSync(join(a, 'some-tool'), 'not executable');
  assert.equal(findExecutable('some-tool', 'X_TOOL', { PATH: [a, b].join(delimiter) }), exe, 'a non-executable file earlier on PATH is passed over');
  assert.equal(findExecutable('some-tool', 'X_TOOL', { PATH: [a, b].join(delimiter), X_TOOL: '/opt/t' }), '/opt/t');
  assert.equal(findExecutable('some-tool', 'X_TOOL', { PATH: a }), '/usr/bin/some-tool');
  assert.equal(findExecutable('some-tool', 'X_TOOL', {}), '/usr/bin/some-tool');
});

/** The skip rule of the browser tests (issue 15 #8): skip with one line outside CI, fail under CI. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserSkip, CHROMIUM } from '../helpers.ts';

test('browserSkip: runs when Chromium exists, skips with what to install when it does not, fails under CI=true', () => {
  assert.equal(browserSkip({}, () => true), false);
  assert.equal(browserSkip({ CI: 'true' }, () => true), false);
  const why = browserSkip({}, () => false);
  assert.equal(why, `${CHROMIUM} not found: browser test skipped (install it with: apt-get install -y chromium)`);
  assert.throws(() => browserSkip({ CI: 'true' }, () => false), /missing under CI: install the Debian package chromium/);
  assert.throws(() => browserSkip({ CI: '1' }, () => false), /missing under CI/);
});

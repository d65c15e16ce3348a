import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createProgress, formatDuration } from '../../src/util/progress.ts';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let s = '';
  stream.on('data', (c: Buffer) => (s += c.toString()));
  return { stream, text: () => s };
}

test('non-TTY: no bar, one summary line at stop (stop is idempotent)', () => {
  const out = capture();
  const p = createProgress('encode test', 10, { stream: out.stream });
  p.tick(4);
  p.tick();
  p.stop();
  p.stop();
  p.tick(3);
  assert.match(out.text(), /^encode test: 5\/10 in \d+\.\ds \(\d+\.\d it\/s\)\n$/);
});

test('a note given to stop ends the summary line (non-TTY) or follows the live bar', () => {
  const out = capture();
  const p = createProgress('encode test', 2, { stream: out.stream });
  p.tick(2);
  p.stop('2 from the feature cache, 0 encoded');
  assert.match(out.text(), /^encode test: 2\/2 in \d+\.\ds \(\d+\.\d it\/s\); 2 from the feature cache, 0 encoded\n$/);
  const live = capture();
  const q = createProgress('bar', 1, { stream: live.stream, enabled: true });
  q.tick();
  q.stop('1 from the feature cache, 0 encoded');
  assert.match(live.text(), /\nbar: 1 from the feature cache, 0 encoded\n$/);
});

test('silent prints nothing', () => {
  const out = capture();
  const p = createProgress('x', 3, { stream: out.stream, silent: true });
  p.tick(3);
  p.stop();
  assert.equal(out.text(), '');
});

test('enabled: live bar with rate and ETA', () => {
  const out = capture();
  const p = createProgress('bar', 4, { stream: out.stream, enabled: true });
  p.tick(2);
  p.tick(2);
  p.stop();
  const t = out.text();
  assert.match(t, /bar \[/);
  assert.match(t, /4\/4/);
  assert.match(t, /it\/s/);
  assert.match(t, /ETA/);
});

test('formatDuration', () => {
  assert.equal(formatDuration(3.14), '3.1s');
  assert.equal(formatDuration(125), '2m05s');
  assert.equal(formatDuration(3720), '1h02m');
  assert.equal(formatDuration(Number.NaN), '?');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStrategy, editDistance, resolveStrategyName, runSelection, STRATEGIES, strategyNames, suggest } from '../../src/strategies/registry.ts';
import { UserError } from '../../src/util/errors.ts';
import { randomContext } from './helpers.ts';

test('registry lists every strategy of SPEC §9 plus the standard baselines, frozen', () => {
  assert.deepEqual(strategyNames().sort(), ['badge', 'badge-kmeanspp', 'class-balanced', 'coreset', 'entropy', 'least-confidence', 'margin', 'pcoreset', 'pcoreset-reverse', 'probcover', 'random', 'typiclust']);
  assert.ok(Object.isFrozen(STRATEGIES));
  assert.ok(Object.isFrozen(STRATEGIES.pcoreset.defaults));
  for (const name of strategyNames()) {
    const s = createStrategy(name);
    assert.equal(s.name, name);
    assert.ok(Object.isFrozen(s.config));
    assert.ok(Array.isArray(s.needs));
  }
});

test('unknown names: UserError listing the valid names with a did-you-mean suggestion', () => {
  assert.throws(() => createStrategy('pcorset'), (e: unknown) => e instanceof UserError && /did you mean "pcoreset"\?/i.test(e.message) && /random, entropy/.test(e.message));
  assert.throws(() => createStrategy('entrpy'), /Did you mean "entropy"/);
  assert.throws(() => createStrategy('least_confidenc'), /Did you mean "least-confidence"/);
  assert.throws(() => createStrategy('classbalance'), /Did you mean "class-balanced"/);
  assert.throws(
    () => createStrategy('zzzzzzzz'),
    (e: unknown) => e instanceof UserError && !/did you mean/i.test(e.message) && /Valid strategies:/.test(e.message),
  );
});

test('names are case-insensitive, _ = -, and the reference code aliases resolve', () => {
  assert.equal(resolveStrategyName('PCoreSet'), 'pcoreset');
  assert.equal(resolveStrategyName('least_confidence'), 'least-confidence');
  assert.equal(resolveStrategyName('uncertainty'), 'entropy');
  assert.equal(resolveStrategyName('classbalanced'), 'class-balanced');
  assert.equal(createStrategy('uncertainty').name, 'entropy');
});

test('options: defaults merged, unknown keys and bad values rejected', () => {
  assert.equal(createStrategy('pcoreset').config.space, 'combined');
  assert.equal(createStrategy('pcoreset', { space: 'kd' }).config.space, 'kd');
  assert.equal(createStrategy('badge').config.firstPick, 'argmaxRawNorm');
  assert.equal(createStrategy('badge', { firstPick: 'index0' }).config.firstPick, 'index0');
  assert.throws(() => createStrategy('pcoreset', { spce: 'kd' }), (e: unknown) => e instanceof UserError && /unknown option "spce".*Did you mean "space"/.test(e.message));
  assert.throws(() => createStrategy('pcoreset', { space: 'logits' }), /must be one of combined, ce, kd, teacher/);
  assert.throws(() => createStrategy('coreset', { chunkRows: 0 }), /positive integer/);
  assert.throws(() => createStrategy('random', { x: 1 }), /takes no options/);
  assert.throws(() => createStrategy('probcover', { delta: 3 }), /number in \[/);
  assert.throws(() => createStrategy('typiclust', { minClusterSize: 1.5 }), /integer/);
  assert.equal(createStrategy('probcover', { delta: 0.5 }).config.delta, 0.5);
  assert.equal(createStrategy('pcoreset', { threads: 2 }).config.threads, 2);
});

test('editDistance / suggest', () => {
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(suggest('bage', ['badge', 'random']), 'badge');
  assert.equal(suggest('qqqqqq', ['badge', 'random']), undefined);
});

test('runSelection uses selectAsync when present, select otherwise', async () => {
  const ctx = randomContext({ n: 20, m: 2, C: 3, D: 4, seed: 2 });
  const a = await runSelection(createStrategy('pcoreset'), ctx, 5);
  assert.deepEqual([...a.rows], [...createStrategy('pcoreset').select(ctx, 5).rows]);
  const b = await runSelection(createStrategy('entropy'), ctx, 5);
  assert.equal(b.rows.length, 5);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DHO, dhoConfig, distills, validateDhoConfig } from '../../src/student/config.ts';

test('DEFAULT_DHO carries the SPEC §5.2/§6 values', () => {
  assert.equal(DEFAULT_DHO.lr, 1e-3);
  assert.equal(DEFAULT_DHO.beta1, 0.9);
  assert.equal(DEFAULT_DHO.beta2, 0.999);
  assert.equal(DEFAULT_DHO.eps, 1e-8);
  assert.equal(DEFAULT_DHO.weightDecay, 0.01);
  assert.equal(DEFAULT_DHO.temperature, 2);
  assert.equal(DEFAULT_DHO.ceWeight, 0.5);
  assert.equal(DEFAULT_DHO.batchLabeled, 64);
  assert.equal(DEFAULT_DHO.batchUnlabeled, 64);
  assert.equal(DEFAULT_DHO.stepsPerLabeledBatch, 200);
  assert.equal(DEFAULT_DHO.warmupFrac, 0.1);
  assert.equal(DEFAULT_DHO.padLabeled, true);
  assert.equal(DEFAULT_DHO.standardize, false);
  assert.deepEqual([DEFAULT_DHO.evalAlphaCe, DEFAULT_DHO.evalBeta, DEFAULT_DHO.selAlphaCe, DEFAULT_DHO.selBeta], [0.5, 1, 0.5, 1]);
  assert.equal(DEFAULT_DHO.head, 'adapter');
  assert.equal(DEFAULT_DHO.hidden, 512);
  assert.ok(Object.isFrozen(DEFAULT_DHO));
  validateDhoConfig(DEFAULT_DHO);
});

test('dhoConfig applies overrides and rejects invalid values', () => {
  assert.equal(dhoConfig({ hidden: 64 }).hidden, 64);
  assert.throws(() => dhoConfig({ hidden: 0 }), /hidden/);
  assert.throws(() => dhoConfig({ ceWeight: 1.5 }), /ceWeight/);
  assert.throws(() => dhoConfig({ temperature: 0 }), /temperature/);
  assert.throws(() => dhoConfig({ evalBeta: -1 }), /evalBeta/);
  assert.throws(() => dhoConfig({ threads: 1.5 }), /threads/);
  assert.throws(() => dhoConfig({ head: 'mlp' as never }), /head/);
  assert.throws(() => dhoConfig({ framework: 'x' as never }), /framework/);
});

test('every framework but no-distill distills', () => {
  assert.equal(distills('dho'), true);
  assert.equal(distills('zero-shot'), true);
  assert.equal(distills('few-shot'), true);
  assert.equal(distills('no-distill'), false);
});

test('resolveEngine: the twin only for tiny work under auto (regression: a 60k-row linear-head predict ran in the twin)', async () => {
  const { resolveEngine, TS_ENGINE_MAX_WORK } = await import('../../src/student/config.ts');
  assert.equal(resolveEngine('auto', 100), 'ts');
  assert.equal(resolveEngine('auto', TS_ENGINE_MAX_WORK), 'ts');
  assert.equal(resolveEngine('auto', TS_ENGINE_MAX_WORK + 1), 'onnx');
  // The case of the bug: CIFAR-10 pool predict with the linear head (60,000 rows × 1,024 × 2·10).
  assert.equal(resolveEngine('auto', 60_000 * 1024 * 20), 'onnx');
  // A linear no-distill training step (64 rows × 10,250 parameters) uses the graph too.
  assert.equal(resolveEngine('auto', 64 * (1024 * 10 + 10)), 'onnx');
  assert.equal(resolveEngine('ts', 1e12), 'ts');
  assert.equal(resolveEngine('onnx', 1), 'onnx');
});

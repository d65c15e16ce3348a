import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DHO, dhoConfig, distills, effectiveAlphaCe, predictionSettings, validateDhoConfig } from '../../src/student/config.ts';
import { CE_WEIGHT_OPTION, HIDDEN_OPTION, STANDARDIZE_OPTION, STEPS_PER_BATCH_OPTION, STUDENT_HEAD_OPTION, TEMPERATURE_OPTION } from '../../src/options/definitions.ts';

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

test('every framework but no-distill distills; the retired value dho is refused', () => {
  assert.throws(() => dhoConfig({ framework: 'dho' as never }), /framework must be one of zero-shot, few-shot, no-distill/);
  assert.equal(DEFAULT_DHO.framework, 'zero-shot');
  assert.equal(distills('zero-shot'), true);
  assert.equal(distills('few-shot'), true);
  assert.equal(distills('no-distill'), false);
});

test('the option-backed fields of DEFAULT_DHO are the option definitions\' defaults, and are validated by them', () => {
  assert.equal(DEFAULT_DHO.head, STUDENT_HEAD_OPTION.default);
  assert.equal(DEFAULT_DHO.hidden, HIDDEN_OPTION.default);
  assert.equal(DEFAULT_DHO.temperature, TEMPERATURE_OPTION.default);
  assert.equal(DEFAULT_DHO.ceWeight, CE_WEIGHT_OPTION.default);
  assert.equal(DEFAULT_DHO.stepsPerLabeledBatch, STEPS_PER_BATCH_OPTION.default);
  assert.equal(DEFAULT_DHO.standardize, STANDARDIZE_OPTION.default);
  assert.throws(() => dhoConfig({ stepsPerLabeledBatch: 2.5 }), /DhoConfig\.stepsPerLabeledBatch must be a positive integer, got 2\.5/);
  assert.throws(() => dhoConfig({ ceWeight: -0.1 }), /DhoConfig\.ceWeight must be a number in \[0, 1\]/);
  assert.throws(() => dhoConfig({ standardize: 'yes' as never }), /standardize/);
});

test('no-distill students predict with the CE head alone: effective α = 1 whatever the configured α', () => {
  assert.equal(effectiveAlphaCe('zero-shot', 0.3), 0.3);
  assert.equal(effectiveAlphaCe('few-shot', 0.7), 0.7);
  assert.equal(effectiveAlphaCe('no-distill', 0.3), 1);
  const c = dhoConfig({ framework: 'no-distill', evalAlphaCe: 0.2, selAlphaCe: 0.4, evalBeta: 2, selBeta: 3 });
  assert.deepEqual(predictionSettings(c), { distills: false, evaluation: { alphaCe: 1, beta: 2 }, selection: { alphaCe: 1, beta: 3 } });
  assert.deepEqual(predictionSettings({ ...c, framework: 'zero-shot' }), { distills: true, evaluation: { alphaCe: 0.2, beta: 2 }, selection: { alphaCe: 0.4, beta: 3 } });
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

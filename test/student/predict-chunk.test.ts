/**
 * The prediction chunk (issue 15 #21) bounds the rows of one prediction call, never the results:
 * predictions with a chunk of 7 rows equal those with the default, row for row.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { PREDICT_CHUNK_OPTION } from '../../src/options/definitions.ts';
import { DEFAULT_DHO, dhoConfig } from '../../src/student/config.ts';
import { disposeSessionCache } from '../../src/student/engine.ts';
import { createStudentModel } from '../../src/student/model.ts';
import { initStudentParams } from '../../src/student/train.ts';
import { Rng } from '../../src/util/rng.ts';

after(() => disposeSessionCache());

test('student predictions do not depend on --predict-chunk; the default is the definition\'s', async () => {
  assert.equal(DEFAULT_DHO.predictChunk, PREDICT_CHUNK_OPTION.default);
  const D = 16;
  const C = 4;
  const N = 101;
  const rng = new Rng(3);
  const features = { rows: N, cols: D, data: Float32Array.from({ length: N * D }, () => rng.uniform(-1, 1)) };
  const results = [];
  for (const predictChunk of [7, DEFAULT_DHO.predictChunk]) {
    for (const engine of ['ts', 'onnx'] as const) {
      const config = dhoConfig({ hidden: 8, predictChunk, engine });
      const model = createStudentModel({ config, featureDim: D, numClasses: C, params: initStudentParams('adapter', D, 8, C, new Rng(1)), engine });
      const p = await model.predict(features);
      results.push({ predictChunk, engine, probs: Array.from(p.probs.data), ce: Array.from(p.ce.data) });
      model.dispose();
    }
  }
  const base = results.find((r) => r.predictChunk === DEFAULT_DHO.predictChunk && r.engine === 'onnx');
  const small = results.find((r) => r.predictChunk === 7 && r.engine === 'onnx');
  assert.ok(base && small);
  assert.deepEqual(small.probs, base.probs);
  assert.deepEqual(small.ce, base.ce);
  const tsBase = results.find((r) => r.predictChunk === DEFAULT_DHO.predictChunk && r.engine === 'ts');
  const tsSmall = results.find((r) => r.predictChunk === 7 && r.engine === 'ts');
  assert.deepEqual(tsSmall?.probs, tsBase?.probs);
  assert.throws(() => dhoConfig({ predictChunk: 0 }), /predict-chunk|predictChunk/);
});

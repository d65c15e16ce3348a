/**
 * Issue 12 item 6: `predict(…, { features: false })` keeps neither the adapter output nor a
 * standardized copy of the pool (GBs on a 1M-item pool) and changes no class score.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { dhoConfig } from '../../src/student/config.ts';
import { disposeSessionCache } from '../../src/student/engine.ts';
import { createStudentModel } from '../../src/student/model.ts';
import { initStudentParams } from '../../src/student/train.ts';
import { Rng } from '../../src/util/rng.ts';

after(() => disposeSessionCache());

test('predict without features: the same ce, kd and probs; reading features throws', async () => {
  const D = 16;
  const C = 4;
  const N = 53;
  const rng = new Rng(5);
  const features = { rows: N, cols: D, data: Float32Array.from({ length: N * D }, () => rng.uniform(-1, 1)) };
  for (const engine of ['onnx', 'ts'] as const) {
    for (const head of ['adapter', 'linear'] as const) {
      const config = dhoConfig({ head, hidden: 8, predictChunk: 10, engine, standardize: head === 'linear' });
      const standardization = head === 'linear' ? { mean: new Float32Array(D).fill(0.1), invStd: new Float32Array(D).fill(2) } : undefined;
      const model = createStudentModel({ config, featureDim: D, numClasses: C, params: initStudentParams(head, D, 8, C, new Rng(1)), engine, ...(standardization ? { standardization } : {}) });
      const all = await model.predict(features);
      const lean = await model.predict(features, { features: false });
      assert.deepEqual(Array.from(lean.probs.data), Array.from(all.probs.data), `${engine} ${head}`);
      assert.deepEqual(Array.from(lean.ce.data), Array.from(all.ce.data));
      assert.deepEqual(Array.from(lean.kd.data), Array.from(all.kd.data));
      assert.equal(all.features.rows, N);
      assert.equal(all.features.cols, head === 'adapter' ? 8 : D);
      assert.throws(() => lean.features, /features were not kept/);
      model.dispose();
    }
  }
});

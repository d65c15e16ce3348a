/**
 * appendStudentHead on a tiny generated backbone (features = input·2): adapter and linear heads,
 * with and without standardization and no-distill, equal StudentModel.predict within 1e-5.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder } from '../../src/linalg/onnx-graph.ts';
import { createSession, f32Tensor } from '../../src/linalg/ort-session.ts';
import { appendStudentHead } from '../../src/project/export.ts';
import { dhoConfig } from '../../src/student/config.ts';
import { createStudentModel } from '../../src/student/model.ts';
import { Rng } from '../../src/util/rng.ts';

const D = 6;
const C = 3;
const H = 5;
const N = 4;

function backbone(): Uint8Array {
  const g = new GraphBuilder('toy-backbone', { opset: 13 });
  const x = g.input('input', 'float32', ['N', D]);
  g.output(g.op('Mul', [x, g.constScalar(2)], {}, 'features'), 'float32', ['N', D]);
  return g.build();
}

const rnd = (rng: Rng, n: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));

for (const head of ['adapter', 'linear'] as const) {
  for (const [standardize, framework] of [[false, 'zero-shot'], [true, 'zero-shot'], [false, 'no-distill']] as const) {
    test(`export head=${head} standardize=${standardize} framework=${framework}`, async () => {
      const rng = new Rng(7);
      const inW = head === 'adapter' ? H : D;
      const config = dhoConfig({ head, hidden: H, framework, evalAlphaCe: 0.3, evalBeta: 1.7, standardize });
      const model = createStudentModel({
        config,
        featureDim: D,
        numClasses: C,
        engine: 'ts',
        params: {
          ...(head === 'adapter' ? { W1: { shape: [D, H], data: rnd(rng, D * H) }, b1: { shape: [H], data: rnd(rng, H) } } : {}),
          Wce: { shape: [inW, C], data: rnd(rng, inW * C) },
          bce: { shape: [C], data: rnd(rng, C) },
          Wkd: { shape: [inW, C], data: rnd(rng, inW * C) },
          bkd: { shape: [C], data: rnd(rng, C) },
        },
        ...(standardize ? { standardization: { mean: rnd(rng, D), invStd: Float32Array.from(rnd(rng, D), (v) => 1 + Math.abs(v)) } } : {}),
      });
      const x = rnd(rng, N * D);
      const feats = { rows: N, cols: D, data: x.map((v) => v * 2) };
      const want = await model.predict(feats);
      const s = await createSession(appendStudentHead(backbone(), model));
      const out = await s.run({ input: f32Tensor(x, [N, D]) });
      for (const [name, ref] of [['probs', want.probs.data], ['ce_logits', want.ce.data], ['kd_logits', want.kd.data]] as const) {
        const got = out[name]?.data as Float32Array;
        assert.equal(got.length, N * C);
        for (let i = 0; i < got.length; i++) assert.ok(Math.abs((got[i] as number) - (ref[i] as number)) < 1e-5, `${name}[${i}]: ${got[i]} vs ${ref[i]}`);
      }
    });
  }
}

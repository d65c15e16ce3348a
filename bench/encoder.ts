import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ASSETS } from '../src/assets.ts';
import { mobilenetV1Spec } from '../src/encoders/embedded.ts';
import { encodeImages } from '../src/encoders/encode.ts';
import { preprocessImage } from '../src/encoders/preprocess.ts';
import { getSession } from '../src/encoders/session.ts';

/**
 * Encoder pipeline throughput (images/s, no cache) against onnxruntime's own throughput on the same
 * model with tensors decoded beforehand: the ratio shows what decoding costs after overlap.
 */
export async function benchEncoder(n = 320, batch = 32): Promise<void> {
  const root = join(ASSETS.cifar10Mini, 'train');
  const paths: string[] = [];
  for (const c of readdirSync(root).sort()) for (const f of readdirSync(join(root, c)).sort()) paths.push(join(root, c, f));
  const sel = paths.filter((_, i) => i % Math.floor(paths.length / n) === 0).slice(0, n);
  const spec = mobilenetV1Spec();
  const session = await getSession(spec.modelPath);
  const len = 3 * spec.size * spec.size;
  const x = new Float32Array(batch * len);
  for (let k = 0; k < batch; k++) await preprocessImage(spec, sel[k] as string, x.subarray(k * len, (k + 1) * len));
  await session.run({ input: new ort.Tensor('float32', x, [batch, 3, spec.size, spec.size]) }); // warm-up
  let t0 = performance.now();
  for (let s = 0; s < sel.length; s += batch) await session.run({ input: new ort.Tensor('float32', x, [batch, 3, spec.size, spec.size]) });
  const ortRate = sel.length / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  await encodeImages(spec, sel, { cacheDir: null, batchSize: batch });
  const pipeRate = sel.length / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  for (const p of sel.slice(0, 96)) await preprocessImage(spec, p);
  const decodeRate = 96 / ((performance.now() - t0) / 1000);
  console.log('## encoder pipeline (MobileNetV1 224, batch 32, no cache)');
  console.log(`onnxruntime alone (pre-decoded tensors): ${ortRate.toFixed(1)} images/s`);
  console.log(`decode + preprocess alone (sequential):  ${decodeRate.toFixed(1)} images/s`);
  console.log(`full pipeline (decode overlapped):       ${pipeRate.toFixed(1)} images/s`);
  console.log(`ratio pipeline / onnxruntime-alone:      ${(pipeRate / ortRate).toFixed(3)}\n`);
}

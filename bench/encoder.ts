import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ASSETS } from '../src/assets.ts';
import { mobilenetV1Spec } from '../src/encoders/embedded.ts';
import { encodeImages } from '../src/encoders/encode.ts';
import { decodeImage, preprocessImage } from '../src/encoders/preprocess.ts';
import { getSession } from '../src/encoders/session.ts';
import type { EncoderSpec, PreprocessVersion } from '../src/encoders/spec.ts';
import { median } from './stats.ts';


/**
 * Encoder pipeline throughput (images/s, no cache; `encodeImages` end to end: hashing, decoding,
 * preprocessing, inference) of each preprocessing version against onnxruntime's own throughput on
 * the same model with input tensors prepared beforehand, interleaved in one run (`reps` rounds of
 * ORT alone, v1, v2 in rotating order; medians): the ratio shows what decoding and preprocessing
 * cost after overlap. v2-graph runs its upsampling and scaling inside the encoder's own session
 * (`fusePreprocessing`). Goal (issue 12 #3): v2-graph ≥ 0.9× ORT alone.
 */
export async function benchEncoder(n = 320, batch = 32, reps = 5): Promise<void> {
  const root = join(ASSETS.cifar10Mini, 'train');
  const paths: string[] = [];
  for (const c of readdirSync(root).sort()) for (const f of readdirSync(join(root, c)).sort()) paths.push(join(root, c, f));
  const sel = paths.filter((_, i) => i % Math.floor(paths.length / n) === 0).slice(0, n);
  const base = mobilenetV1Spec();
  const spec = (preprocess: PreprocessVersion): EncoderSpec => ({ ...base, preprocess });
  const session = await getSession(base.modelPath);
  const len = 3 * base.size * base.size;
  const x = new Float32Array(batch * len);
  for (let k = 0; k < batch; k++) await preprocessImage(base, sel[k] as string, x.subarray(k * len, (k + 1) * len));
  const dims = [batch, 3, base.size, base.size];
  await session.run({ input: new ort.Tensor('float32', x, dims) }); // warm-up
  await encodeImages(spec('v2-graph'), sel.slice(0, batch), { cacheDir: null, batchSize: batch }); // warm-up: graph sessions
  const rate = async (what: 'ort' | PreprocessVersion): Promise<number> => {
    const t0 = performance.now();
    if (what === 'ort') for (let s = 0; s < sel.length; s += batch) await session.run({ input: new ort.Tensor('float32', x, dims) });
    else await encodeImages(spec(what), sel, { cacheDir: null, batchSize: batch });
    return sel.length / ((performance.now() - t0) / 1000);
  };
  const rates: Record<'ort' | PreprocessVersion, number[]> = { ort: [], 'v1-sharp': [], 'v2-graph': [] };
  const order: ('ort' | PreprocessVersion)[] = ['ort', 'v1-sharp', 'v2-graph'];
  for (let r = 0; r < reps; r++) for (let j = 0; j < order.length; j++) {
    const what = order[(j + r) % order.length] as 'ort' | PreprocessVersion;
    rates[what].push(await rate(what));
  }
  // Decoding alone, 32 in flight as in the pipeline: CPU per image (what it takes from onnxruntime's
  // threads), sharp (a path: libvips opens and decodes) against libjpeg-turbo in WebAssembly (bytes).
  const bytes = sel.map((p) => readFileSync(p));
  const decodeCpu = async (input: (k: number) => string | Buffer): Promise<number> => {
    const c0 = process.cpuUsage();
    for (let s = 0; s < sel.length; s += batch) await Promise.all(sel.slice(s, s + batch).map((_, k) => decodeImage(spec('v2-graph'), input(s + k))));
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / sel.length;
  };
  await decodeCpu((k) => bytes[k] as Buffer); // warm-up: the WebAssembly module
  const sharpCpu = await decodeCpu((k) => sel[k] as string);
  const turboCpu = await decodeCpu((k) => bytes[k] as Buffer);
  const ortRate = median(rates.ort);
  const row = (label: string, value: string): void => console.log(`${label.padEnd(46)} ${value}`);
  const fmt = (xs: number[]): string => `${median(xs).toFixed(1)} images/s (runs: ${xs.map((v) => v.toFixed(1)).join(', ')})`;
  console.log(`## encoder pipeline (MobileNetV1 224, batch ${batch}, ${sel.length} CIFAR-10 images, no cache, ${reps} interleaved runs, medians)`);
  row('onnxruntime alone (prepared tensors):', `${fmt(rates.ort)}`);
  row('v1-sharp pipeline (sharp resize + JS loop):', `${fmt(rates['v1-sharp'])}`);
  row('v2-graph pipeline (native decode + fused):', `${fmt(rates['v2-graph'])}`);
  row('decode alone, CPU per image:', `sharp ${sharpCpu.toFixed(0)} µs, libjpeg-turbo (WebAssembly) ${turboCpu.toFixed(0)} µs (same pixels)`);
  const r1 = median(rates['v1-sharp']) / ortRate;
  const r2 = median(rates['v2-graph']) / ortRate;
  row('ratio v1-sharp / onnxruntime-alone:', `${r1.toFixed(3)}`);
  row('ratio v2-graph / onnxruntime-alone:', `${r2.toFixed(3)} (goal ≥ 0.9: ${r2 >= 0.9 ? 'met' : 'NOT met'})\n`);
}

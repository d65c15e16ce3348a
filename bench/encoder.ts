import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
 * Encoder pipeline throughput (images/s; `encodeImages` end to end: reading, decoding,
 * preprocessing, inference; no cache, and v2-graph once more with a cold cache: hashing and cache
 * writes too) of each preprocessing version against onnxruntime's own throughput on the same model
 * with input tensors prepared beforehand, interleaved in one run (`reps` rounds in rotating order;
 * medians): the ratio shows what decoding and preprocessing cost after overlap. v2-graph decodes
 * small plain JPEGs with libjpeg-turbo in WebAssembly and runs its upsampling and scaling inside
 * the encoder's own session (`fusePreprocessing`). Goal (issue 12 #3): v2-graph ≥ 0.9× ORT alone.
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
  type Setup = 'ort' | PreprocessVersion | 'v2-cold-cache';
  const rate = async (what: Setup): Promise<number> => {
    // A cold cache: a new folder per run (hashing every image, writing every row), as a first run does.
    const cacheDir = what === 'v2-cold-cache' ? mkdtempSync(join(tmpdir(), 'activekd-bench-cache-')) : null;
    const t0 = performance.now();
    if (what === 'ort') for (let s = 0; s < sel.length; s += batch) await session.run({ input: new ort.Tensor('float32', x, dims) });
    else await encodeImages(spec(what === 'v2-cold-cache' ? 'v2-graph' : what), sel, { cacheDir, batchSize: batch });
    const r = sel.length / ((performance.now() - t0) / 1000);
    if (cacheDir !== null) rmSync(cacheDir, { recursive: true, force: true });
    return r;
  };
  const rates: Record<Setup, number[]> = { ort: [], 'v1-sharp': [], 'v2-graph': [], 'v2-cold-cache': [] };
  const order: Setup[] = ['ort', 'v1-sharp', 'v2-graph', 'v2-cold-cache'];
  for (let r = 0; r < reps; r++) for (let j = 0; j < order.length; j++) {
    const what = order[(j + r) % order.length] as Setup;
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
  const row = (label: string, value: string): void => console.log(`${label.padEnd(48)} ${value}`);
  const fmt = (xs: number[]): string => `${median(xs).toFixed(1)} images/s (runs: ${xs.map((v) => v.toFixed(1)).join(', ')})`;
  console.log(`## encoder pipeline (MobileNetV1 224, batch ${batch}, ${sel.length} CIFAR-10 images, ${reps} interleaved runs, medians)`);
  row('onnxruntime alone (prepared tensors):', `${fmt(rates.ort)}`);
  row('v1-sharp pipeline (sharp resize + JS loop):', `${fmt(rates['v1-sharp'])}`);
  row('v2-graph pipeline (native decode + fused):', `${fmt(rates['v2-graph'])}`);
  row('v2-graph with a cold feature cache:', `${fmt(rates['v2-cold-cache'])} (hashing and cache writes: what a first run does)`);
  row('decode alone, CPU per image:', `sharp ${sharpCpu.toFixed(0)} µs, libjpeg-turbo (WebAssembly) ${turboCpu.toFixed(0)} µs (same pixels)`);
  const r1 = median(rates['v1-sharp']) / ortRate;
  const r2 = median(rates['v2-graph']) / ortRate;
  row('ratio v1-sharp / onnxruntime-alone:', `${r1.toFixed(3)}`);
  row('ratio v2-graph / onnxruntime-alone:', `${r2.toFixed(3)} (goal ≥ 0.9: ${r2 >= 0.9 ? 'met' : 'NOT met'})`);
  row('ratio v2-graph, cold cache / onnxruntime-alone:', `${(median(rates['v2-cold-cache']) / ortRate).toFixed(3)}\n`);
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { buildTextClassifier, cosineLogits, normalizeColumns } from '../../src/teachers/clip/classifier.ts';
import { softmaxRows } from '../../src/linalg/softmax.ts';
import { clipPreprocessSpec, resolveClipFolder } from '../../src/teachers/clip/files.ts';
import { ClipTeacher } from '../../src/teachers/clip/teacher.ts';
import { matrix } from '../../src/linalg/matrix.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from '../helpers.ts';
import { makeClipFolder, refClassifier, refImageEmbed, refProbs, refTextEmbed, refTokenize, type ClipFixture } from './clip-fixture.ts';

function close(actual: ArrayLike<number>, expected: readonly number[], tol: number, what = ''): void {
  assert.equal(actual.length, expected.length, `${what} length`);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs((actual[i] as number) - (expected[i] as number)) <= tol, `${what}[${i}] ${actual[i]} vs ${expected[i]}`);
}

const CLASSES = ['cat', 'sea_or_lake', 'dog'];

/** Images: a solid colour, a wide image whose centre crop is pure grey, an undecodable file. */
async function images(dir: string): Promise<{ paths: string[]; rgb: number[][] }> {
  const solid = join(dir, 'solid.png');
  await sharp({ create: { width: 20, height: 20, channels: 3, background: { r: 200, g: 30, b: 60 } } }).png().toFile(solid);
  const w = 64;
  const h = 32;
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      const c = x < 8 ? [255, 0, 0] : x >= 56 ? [0, 0, 255] : [128, 128, 128];
      px[o] = c[0]!;
      px[o + 1] = c[1]!;
      px[o + 2] = c[2]!;
    }
  }
  const wide = join(dir, 'wide.png');
  await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(wide);
  const bad = join(dir, 'broken.png');
  writeFileSync(bad, 'not an image');
  return { paths: [solid, wide, bad], rgb: [[200, 30, 60], [128, 128, 128]] };
}

let fixture: { fx: ClipFixture; imgs: { paths: string[]; rgb: number[][] } } | null = null;
async function setup(): Promise<{ fx: ClipFixture; imgs: { paths: string[]; rgb: number[][] } }> {
  if (!fixture) {
    const dir = tempDir('activekd-clip-');
    fixture = { fx: makeClipFolder(join(dir, 'clip-tiny')), imgs: await images(dir) };
  }
  return fixture;
}

test('fixture sanity: the tokenizer library agrees with the reference tokenisation', async () => {
  const { fx } = await setup();
  const { Tokenizer } = await import('@huggingface/tokenizers');
  const tk = new Tokenizer(JSON.parse(readFileSync(join(fx.dir, 'tokenizer.json'), 'utf8')), JSON.parse(readFileSync(join(fx.dir, 'tokenizer_config.json'), 'utf8')));
  for (const p of ['a photo of a sea or lake.', 'Art of the DOG.', 'cat texture.']) assert.deepEqual(tk.encode(p).ids, refTokenize(fx, p));
});

test('CLIP teacher: probabilities equal an independent computation (single template, mean-raw, shorter-side crop)', async () => {
  const { fx, imgs } = await setup();
  const teacher = await ClipTeacher.create({ dir: fx.dir, classNames: CLASSES, dataset: 'dtd', textBatchSize: 2, encode: { cacheDir: null, threads: 1 } });
  assert.equal(teacher.spec.resize, 'shorter-crop');
  assert.equal(teacher.spec.size, fx.size);
  assert.deepEqual(teacher.prompts, [['cat texture.'], ['sea or lake texture.'], ['dog texture.']]);
  const p = await teacher.probs(imgs.paths);
  assert.equal(p.rows, 3);
  assert.equal(p.cols, 3);
  const { W } = refClassifier(fx, teacher.prompts, 'mean-raw');
  for (let i = 0; i < 2; i++) {
    const expected = refProbs(refImageEmbed(fx, imgs.rgb[i]!), W);
    close(p.data.subarray(i * 3, i * 3 + 3), expected, 2e-4, `image ${i}`);
  }
  // the probabilities are not trivially uniform, so the check above has teeth
  assert.ok(Math.max(...p.data.subarray(0, 3)) > 0.4);
  // undecodable image: uniform row, reported as skipped
  close(p.data.subarray(6, 9), [1 / 3, 1 / 3, 1 / 3], 1e-6, 'skipped');
  assert.deepEqual(teacher.lastSkipped.map((s) => s.index), [2]);

  // text classifier: W (unit columns) and W_raw against the reference
  const cls = await teacher.textClassifier();
  const ref = refClassifier(fx, teacher.prompts, 'mean-raw');
  for (let c = 0; c < 3; c++) {
    close(Array.from({ length: fx.E }, (_, e) => cls.W.data[e * 3 + c]!), ref.W[c]!, 1e-5, `W col ${c}`);
    close(Array.from({ length: fx.E }, (_, e) => cls.Wraw.data[e * 3 + c]!), ref.Wraw[c]!, 1e-5, `Wraw col ${c}`);
  }
});

test('CLIP teacher: ImageNet 7-template ensemble normalises each prompt (SPEC §3.3, O12)', async () => {
  const { fx, imgs } = await setup();
  const names = ['cat', 'dog'];
  const teacher = await ClipTeacher.create({ dir: fx.dir, classNames: names, dataset: 'imagenet', encode: { cacheDir: null, threads: 1 } });
  assert.equal(teacher.prompts[0]!.length, 7);
  assert.equal(teacher.prompts[1]![4], 'a dog in a video game.');
  const each = refClassifier(fx, teacher.prompts, 'normalize-each');
  const meanRaw = refClassifier(fx, teacher.prompts, 'mean-raw');
  // the two rules differ on these prompts, so the test distinguishes them
  assert.ok(Math.abs(each.W[0]![0]! - meanRaw.W[0]![0]!) > 1e-4);
  const cls = await teacher.textClassifier();
  for (let c = 0; c < 2; c++) {
    close(Array.from({ length: fx.E }, (_, e) => cls.W.data[e * 2 + c]!), each.W[c]!, 1e-5, `W col ${c}`);
    close(Array.from({ length: fx.E }, (_, e) => cls.Wraw.data[e * 2 + c]!), each.Wraw[c]!, 1e-5, `Wraw col ${c}`);
  }
  const p = await teacher.probs(imgs.paths.slice(0, 2));
  close(p.data.subarray(0, 2), refProbs(refImageEmbed(fx, imgs.rgb[0]!), each.W), 2e-4);
  close(p.data.subarray(2, 4), refProbs(refImageEmbed(fx, imgs.rgb[1]!), each.W), 2e-4);
});

test('CLIP teacher: describe() records prompts, class names and file hashes; unknown dataset → default template', async () => {
  const { fx } = await setup();
  const teacher = await ClipTeacher.create({ dir: fx.dir, classNames: CLASSES, dataset: 'my_pets', encode: { cacheDir: null, threads: 1 } });
  const d = teacher.describe();
  assert.equal(d.kind, 'clip');
  assert.deepEqual(d.templates, ['a photo of a {}.']);
  assert.deepEqual(d.prompts, [['a photo of a cat.'], ['a photo of a sea or lake.'], ['a photo of a dog.']]);
  assert.deepEqual(d.classNames, CLASSES);
  const sha = (rel: string): string => createHash('sha256').update(readFileSync(join(fx.dir, rel))).digest('hex');
  assert.equal(d.visionSha256, sha('onnx/vision_model.onnx'));
  assert.equal(d.textSha256, sha('onnx/text_model.onnx'));
  assert.equal(d.tokenizerSha256, sha('tokenizer.json'));
  assert.match(teacher.id, /^clip:clip-tiny@[0-9a-f]{8}\+[0-9a-f]{8};prompts=my_pets@[0-9a-f]{8}$/);
  // the raw text embedding of one prompt, for completeness
  const cls = await teacher.textClassifier();
  close(Array.from({ length: fx.E }, (_, e) => cls.Wraw.data[e * 3 + 1]!), refTextEmbed(fx, 'a photo of a sea or lake.'), 1e-5);
});

test('CLIP folder: every missing file is named; download only when allowed, with a clear error', async () => {
  const dir = join(tempDir('activekd-clip-missing-'), 'clip');
  makeClipFolder(dir, { omit: ['onnx/text_model.onnx', 'tokenizer.json'] });
  await assert.rejects(resolveClipFolder(dir), (e: unknown) => e instanceof UserError && /missing 2 file\(s\): onnx\/text_model\.onnx, tokenizer\.json/.test(e.message));
  await assert.rejects(resolveClipFolder(join(dir, 'nope')), (e: unknown) => e instanceof UserError && /does not exist/.test(e.message) && /preprocessor_config\.json/.test(e.message));
  await assert.rejects(resolveClipFolder(dir, { allowRemote: true }), (e: unknown) => e instanceof UserError && /hub model id/.test(e.message));
  await assert.rejects(
    resolveClipFolder(dir, { allowRemote: true, repo: 'someone/clip', remoteHost: 'http://127.0.0.1:9' }),
    (e: unknown) => e instanceof UserError && /cannot download onnx\/text_model\.onnx of someone\/clip from http:\/\/127\.0\.0\.1:9\/someone\/clip\/resolve\/main\/onnx\/text_model\.onnx/.test(e.message) && /no network/.test(e.message),
  );
});

test('CLIP teacher: model without image_embeds is rejected with the outputs named', async () => {
  const dir = join(tempDir('activekd-clip-wrong-'), 'clip');
  const fx = makeClipFolder(dir);
  // swap the models: the text model as vision model has no image_embeds
  writeFileSync(join(dir, 'onnx/vision_model.onnx'), readFileSync(join(fx.dir, 'onnx/text_model.onnx')));
  await assert.rejects(ClipTeacher.create({ dir, classNames: CLASSES, encode: { cacheDir: null, threads: 1 } }), (e: unknown) => e instanceof UserError && /no "image_embeds" output \(outputs: text_embeds\)/.test(e.message));
});

test('clipPreprocessSpec: CLIP configs map to shorter-side crop with CLIP mean/std; unsupported configs fail clearly', () => {
  const base = { crop_size: 224, size: 224, image_mean: [0.5, 0.5, 0.5], image_std: [0.25, 0.25, 0.25] };
  const s = clipPreprocessSpec(base, '/m.onnx').spec;
  assert.deepEqual([s.size, s.resize, s.inputName, s.outputs], [224, 'shorter-crop', 'pixel_values', ['image_embeds']]);
  assert.deepEqual(s.scaling, { kind: 'meanStd', mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });
  const clipDefaults = clipPreprocessSpec({ crop_size: { height: 224, width: 224 }, size: { shortest_edge: 224 } }, '/m.onnx').spec;
  assert.deepEqual(clipDefaults.scaling, { kind: 'meanStd', mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711] });
  assert.equal(clipPreprocessSpec({ do_center_crop: false, size: { height: 256, width: 256 } }, '/m').spec.resize, 'fill');
  assert.equal(clipPreprocessSpec({ crop_size: 224, size: { height: 224, width: 224 } }, '/m').spec.resize, 'fill');
  assert.throws(() => clipPreprocessSpec({ crop_size: 224, size: { shortest_edge: 256 } }, '/m'), /not supported/);
  assert.throws(() => clipPreprocessSpec({ crop_size: { height: 224, width: 200 } }, '/m'), /square/);
  assert.throws(() => clipPreprocessSpec({ crop_size: 224, rescale_factor: 0.5 }, '/m'), /rescale_factor/);
  assert.match(clipPreprocessSpec({ crop_size: 224, resample: 3 }, '/m').notes.join(), /bilinear/);
});

test('buildTextClassifier / cosineLogits: hand-computed values', () => {
  // E = 2, C = 2, T = 2; class 0 prompts (3,4), (1,0); class 1 prompts (0,2), (0,2)
  const emb = matrix(4, 2, Float32Array.from([3, 4, 1, 0, 0, 2, 0, 2]));
  const raw = buildTextClassifier(emb, 2, 'mean-raw');
  // W_raw col 0 = (2, 2), col 1 = (0, 2)
  close(raw.Wraw.data, [2, 0, 2, 2], 1e-7);
  close(raw.W.data, [Math.SQRT1_2, 0, Math.SQRT1_2, 1], 1e-7);
  const each = buildTextClassifier(emb, 2, 'normalize-each');
  // mean of unit vectors (0.6,0.8) and (1,0) = (0.8, 0.4) → normalised (2,1)/√5
  close(each.W.data, [2 / Math.sqrt(5), 0, 1 / Math.sqrt(5), 1], 1e-7);
  close(each.Wraw.data, raw.Wraw.data as unknown as number[], 1e-7);
  const logits = cosineLogits(matrix(2, 2, Float32Array.from([0, 5, 0, 0])), raw.W, 100);
  close(logits.data, [100 * Math.SQRT1_2, 100, 0, 0], 1e-4);
  close(softmaxRows(matrix(1, 2, Float32Array.from([0, Math.log(3)]))).data, [0.25, 0.75], 1e-7);
  close(normalizeColumns(matrix(2, 2, Float32Array.from([3, 0, 4, 0]))).data, [0.6, 0, 0.8, 0], 1e-7);
  assert.throws(() => buildTextClassifier(emb, 3, 'mean-raw'), RangeError);
});

test('CLIP teacher: prompts cut at the 77-token context are recorded by describe() (issue 15 #14)', async () => {
  const { fx } = await setup();
  const long = Array.from({ length: 90 }, () => 'cat').join('_');
  const teacher = await ClipTeacher.create({ dir: fx.dir, classNames: ['dog', long], dataset: 'my_pets', encode: { cacheDir: null, threads: 1 } });
  const d = teacher.describe() as { truncatedPrompts: { prompt: string; tokens: number; keptTokens: number }[] };
  const full = refTokenize(fx, `a photo of a ${long.replaceAll('_', ' ')}.`).length;
  assert.ok(full > 77, `fixture prompt has ${full} tokens`);
  assert.deepEqual(d.truncatedPrompts, [{ prompt: `a photo of a ${long.replaceAll('_', ' ')}.`, tokens: full, keptTokens: 77 }]);
  const short = await ClipTeacher.create({ dir: fx.dir, classNames: CLASSES, dataset: 'my_pets', encode: { cacheDir: null, threads: 1 } });
  assert.deepEqual(short.describe().truncatedPrompts, []);
});

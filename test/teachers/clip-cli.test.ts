import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { classPrompts, promptSetFor } from '../../src/teachers/prompts.ts';
import { parseNpy } from '../../src/util/npy.ts';
import { miniSubset, runCli, tempDir } from '../helpers.ts';
import { makeClipFolder, refClassifier, refImageEmbed, refProbs } from './clip-fixture.ts';

const CLASSES = ['cat', 'dog', 'sea_or_lake'];

interface Results {
  config: { framework: string };
  teacher: { kind: string; prompts: string[][]; classNames: string[]; visionSha256: string; testAccuracy: number };
  fewShotTeacher?: { fits: { labeledCount: number; testAccuracy: number | null }[]; config: { clapTiming: string } };
  rounds: { labeledCount: number; teacherFits?: { fit: number; labeledCount: number }[] }[];
}

test('CLI end to end: --teacher clip:DIR (generated CLIP folder) records probabilities equal to the independent computation; few-shot framework refits CLAP', { timeout: 240_000 }, async () => {
  const root = tempDir('activekd-clipcli-');
  const fx = makeClipFolder(join(root, 'clip'));
  const data = join(root, 'data');
  const colourOf = new Map<string, number[]>();
  let k = 0;
  for (const [split, n] of [['train', 3], ['test', 2]] as const) {
    for (const [c, cls] of CLASSES.entries()) {
      mkdirSync(join(data, split, cls), { recursive: true });
      for (let i = 0; i < n; i++) {
        k++;
        const rgb = [(40 + 97 * k + 60 * c) % 256, (200 - 53 * k) & 255, (90 + 31 * k * (c + 1)) % 256];
        const id = `${split}/${cls}/${i}.png`;
        await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: rgb[0]!, g: rgb[1]!, b: rgb[2]! } } }).png().toFile(join(data, id));
        colourOf.set(id, rgb);
      }
    }
  }
  const out = join(root, 'out');
  const r = runCli([
    'run', '--data', data, '--teacher', `clip:${fx.dir}`, '--prompts', 'dtd', '--framework', 'zero-shot,few-shot', '--strategy', 'random',
    '--rounds', '2', '--steps-per-batch', '5', '--hidden', '16', '--clap-passes', '30', '--out', out, '--cache-dir', join(root, 'cache'), '--threads', '1',
  ]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /teacher clip:clip@/);
  assert.match(r.stdout, /few-shot teacher fit 0 on 3 labels/);

  // Teacher probabilities written by the run == softmax(100·cos) computed here from the weights.
  const { W } = refClassifier(fx, classPrompts(CLASSES, promptSetFor('dtd')), 'mean-raw');
  const arr = parseNpy(readFileSync(join(out, 'teacher', 'probs.npy')));
  const ids = readFileSync(join(out, 'teacher', 'probs.ids.txt'), 'utf8').trim().split('\n');
  assert.deepEqual(arr.shape, [15, 3]);
  assert.deepEqual(new Set(ids), new Set(colourOf.keys()));
  ids.forEach((id, i) => {
    const expected = refProbs(refImageEmbed(fx, colourOf.get(id)!), W);
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(arr.data[i * 3 + c]! - expected[c]!) < 2e-4, `${id}[${c}] ${arr.data[i * 3 + c]} vs ${expected[c]}`);
  });

  const zs = JSON.parse(readFileSync(join(out, 'random__zero-shot__seed1', 'results.json'), 'utf8')) as Results;
  assert.equal(zs.teacher.kind, 'clip');
  assert.deepEqual(zs.teacher.prompts, [['cat texture.'], ['dog texture.'], ['sea or lake texture.']]);
  assert.deepEqual(zs.teacher.classNames, CLASSES);
  assert.match(zs.teacher.visionSha256, /^[0-9a-f]{64}$/);
  const fs = JSON.parse(readFileSync(join(out, 'random__few-shot__seed1', 'results.json'), 'utf8')) as Results;
  assert.equal(fs.config.framework, 'few-shot');
  // afterStudent (default, SPEC §8.1): fit on L_0 before round 0; L is unchanged after round 0's student
  // (no refit) and the refit after the last round would never be used.
  assert.deepEqual(
    fs.rounds.map((x) => (x.teacherFits ?? []).map((f) => f.labeledCount)),
    [[3], []],
  );
  assert.equal(fs.fewShotTeacher?.config.clapTiming, 'afterStudent');
  assert.equal(fs.fewShotTeacher?.fits.length, 1);
  assert.ok(fs.fewShotTeacher!.fits.every((f) => f.testAccuracy !== null));
});

test('CLI: the recorded teacher of a run replays with --teacher precomputed:FILE; errors are clear', { timeout: 120_000 }, () => {
  const root = tempDir('activekd-replay-');
  const fx = makeClipFolder(join(root, 'clip'));
  const data = miniSubset(['cat', 'ship'], 3, 2);
  const cache = join(root, 'cache');
  const common = ['--strategy', 'random', '--rounds', '1', '--steps-per-batch', '3', '--hidden', '8', '--cache-dir', cache, '--threads', '1'];
  const r1 = runCli(['run', '--data', data, '--teacher', `clip:${fx.dir}`, '--out', join(root, 'a'), ...common]);
  assert.equal(r1.status, 0, r1.stderr);
  const r2 = runCli(['run', '--data', data, '--teacher', `precomputed:${join(root, 'a', 'teacher', 'probs.npy')}`, '--out', join(root, 'b'), ...common]);
  assert.equal(r2.status, 0, r2.stderr);
  const a = readFileSync(join(root, 'a', 'teacher', 'probs.npy'));
  const b = readFileSync(join(root, 'b', 'teacher', 'probs.npy'));
  assert.ok(a.equals(b), 'replayed teacher probabilities differ');
  const acc = (dir: string): number => (JSON.parse(readFileSync(join(root, dir, 'results.json'), 'utf8')) as Results).teacher.testAccuracy;
  assert.equal(acc('b'), acc('a'));
  const r3 = runCli(['run', '--data', data, '--teacher', `clip:${join(root, 'nope')}`, '--out', join(root, 'c'), ...common]);
  assert.equal(r3.status, 2);
  assert.match(r3.stderr, /CLIP model folder .*nope does not exist; it is missing 5 file\(s\): onnx\/vision_model\.onnx, onnx\/text_model\.onnx, tokenizer\.json, tokenizer_config\.json, preprocessor_config\.json/);
  const r4 = runCli(['run', '--data', data, '--teacher', `precomputed:${join(root, 'a', 'teacher', 'probs.npy')}`, '--framework', 'few-shot', '--out', join(root, 'd'), ...common]);
  assert.equal(r4.status, 2);
  assert.match(r4.stderr, /few-shot needs a teacher with image features/);
  const r5 = runCli(['run', '--data', data, '--teacher', 'bogus', '--out', join(root, 'e'), ...common]);
  assert.equal(r5.status, 2);
  assert.match(r5.stderr, /--teacher: expected label-transfer, clip:DIR or precomputed:FILE/);
});

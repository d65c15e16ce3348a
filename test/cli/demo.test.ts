/**
 * `activekd demo`'s introduction (a fresh-user trial): it describes the teacher actually used, not
 * the default one, and a refused option combination is refused before anything is printed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { demoBanner, demoTeacherDescription } from '../../src/cli/demo.ts';
import { runCli, tempDir } from '../helpers.ts';

const ZERO_SHOT = 'ImageNet MobileNetV2 whose class probabilities are mapped to the 10 CIFAR-10 classes (zero-shot, no labels)';

test('the teacher line follows --teacher-shots, --teacher-accuracy, --framework and --teacher', () => {
  assert.equal(demoTeacherDescription({ framework: ['zero-shot'], teacher: 'label-transfer' }), ZERO_SHOT);
  const held = demoTeacherDescription({ framework: ['zero-shot'], teacher: 'label-transfer', teacherShots: 4 });
  assert.match(held, /^held-out few-shot teacher: .*fitted once on 4 labeled image\(s\) per class kept out of the pool and the test set, then frozen$/);
  assert.ok(!held.includes('zero-shot, no labels'), held);
  const boosted = demoTeacherDescription({ framework: ['zero-shot'], teacher: 'label-transfer', teacherAccuracy: 0.85 });
  assert.match(boosted, /^SYNTHETIC boosted teacher .*85\.0%, from the ImageNet MobileNetV2 whose/);
  assert.match(demoTeacherDescription({ framework: ['zero-shot'], teacher: 'label-transfer', teacherShots: 2, teacherAccuracy: 0.5 }), /^SYNTHETIC .*50\.0%, from the held-out few-shot teacher: .* 2 labeled/);
  assert.match(demoTeacherDescription({ framework: ['few-shot'], teacher: 'label-transfer' }), /; under few-shot, a CLAP probe .* refitted on the labels so far$/);
  assert.match(demoTeacherDescription({ framework: ['zero-shot'], teacher: 'clip:/models/clip' }), /^clip:\/models\/clip \(.*CLIP/);
  assert.match(demoTeacherDescription({ framework: ['no-distill'], teacher: 'label-transfer' }), /^none /);
  const lines = demoBanner({ framework: ['zero-shot'], teacher: 'label-transfer', query: 3 });
  assert.equal(lines[1], `  teacher: ${ZERO_SHOT};`);
  assert.match(lines[3] as string, /each round labels 3 more pool images/);
});

test('demo refuses a bad option combination before printing its introduction (same message as before)', () => {
  const cases: [string[], RegExp][] = [
    [['--teacher-shots', '2', '--framework', 'few-shot'], /--teacher-shots fits a frozen teacher on a held-out split: use it with --framework zero-shot \(and no-distill\), not few-shot/],
    [['--teacher-accuracy', '0.9', '--framework', 'few-shot'], /--teacher-accuracy sets a synthetic zero-shot teacher/],
    [['--teacher-shots', '2', '--limit', '100'], /--teacher-shots cannot be combined with a --limit on the training split/],
    [['--teacher-shots', '2', '--framework', 'no-distill'], /--teacher-shots fits a few-shot teacher on a held-out teacher split: it needs a teacher/],
    [['--teacher', 'none'], /--teacher none: frameworks zero-shot and few-shot .* need a teacher/],
    [['--strategy', 'pcorset'], /pcorset/],
  ];
  for (const [args, message] of cases) {
    const r = runCli(['demo', ...args, '--out', tempDir()]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '', `${args.join(' ')} printed before refusing:\n${r.stdout}`);
    assert.match(r.stderr, message);
  }
});

test('the demo prints the teacher it uses: --teacher-shots (stopped by SIGINT once the introduction is out)', { timeout: 120_000 }, async () => {
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--teacher-shots', '2', '--limit-per-class', '5,5', '--out', tempDir()], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
      if (stdout.includes('"test acc"')) child.kill('SIGINT');
    });
    child.on('error', reject);
    child.on('close', () => resolve(stdout));
  });
  const teacher = out.split('\n').find((l) => l.trimStart().startsWith('teacher:'));
  assert.equal(teacher, `  teacher: ${demoTeacherDescription({ framework: ['zero-shot'], teacher: 'label-transfer', teacherShots: 2 })};`, out);
});

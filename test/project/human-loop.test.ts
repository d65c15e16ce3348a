/**
 * A whole human loop on real CIFAR-10 images: `init` (CLI), round 0, labeling through the web page
 * in headless Chromium (keyboard shortcuts, undo), `import-labels` (CLI) for the rest of the batch,
 * round 1, `export` (CLI); the exported ONNX model's outputs equal the in-process predictions.
 *
 * Needs Chromium (`chromium` on PATH or $ACTIVEKD_CHROMIUM; Debian package `chromium`, installed by .ci/run). Without it the test
 * is skipped with one line saying what to install, and fails under CI=true (`browserSkip`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { mobilenetV1Spec } from '../../src/encoders/embedded.ts';
import { encodeImages } from '../../src/encoders/encode.ts';
import { preprocessImageGraph } from '../../src/encoders/preprocess.ts';
import { withPreprocess } from '../../src/encoders/spec.ts';
import { createSession, f32Tensor } from '../../src/linalg/ort-session.ts';
import { currentStudent, itemPath, openProject, projectStatus, runProjectRound } from '../../src/project/project.ts';
import { projectPreprocess } from '../../src/project/store.ts';
import { startLabelServer } from '../../src/server/label-server.ts';
import { browserSkip, CHROMIUM, runCli, tempDir } from '../helpers.ts';
import { projectData } from './helpers.ts';

const skip = browserSkip();

test('human loop: init, round, label in the browser, import, round, export', { skip, timeout: 240_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install the Debian package chromium (see .ci/run)`);
  const d = projectData(['airplane', 'cat', 'ship'], 5, 2);
  const p = join(tempDir(), 'proj');
  const init = runCli(['init', p, '--images', d.images, '--classes', d.classes, '--test', d.test, '--hidden', '16', '--steps-per-batch', '5', '--query', '4']);
  assert.equal(init.status, 0, init.stderr);
  assert.match(init.stdout, /15 pool image\(s\), 6 test image\(s\)/);

  const r0 = await runProjectRound(p);
  assert.equal(r0.selection.length, 4);
  assert.ok(r0.selection.every((s) => s.teacherTopk?.length === 3));
  const tasks = JSON.parse(readFileSync(r0.tasks, 'utf8')) as { data: { item_id: string; acquisition_score: number }; predictions: { result: { type: string; value: { choices: string[] } }[] }[] }[];
  assert.equal(tasks.length, 4);
  assert.equal(tasks[0]?.predictions.length, 3);
  assert.equal(tasks[0]?.predictions[0]?.result[0]?.type, 'choices');

  // Label 3 of the 4 images in the browser with the keyboard (class i ↔ key i+1), exercising undo.
  const server = await startLabelServer({ project: p });
  // playwright-core takes the fresh --user-data-dir as launchPersistentContext's first argument.
  let browser: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | undefined;
  try {
    browser = await chromium.launchPersistentContext(tempDir('activekd-chromium-'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready="1"]');
    assert.equal(await page.textContent('#progress'), '0 / 4 labeled');
    // A function, not a string: the page's CSP forbids eval. (No DOM lib in tsconfig, hence the cast.)
    type Doc = { getElementById(id: string): { textContent: string | null } | null };
    const waitProgress = (n: number) => page.waitForFunction((k) => (globalThis as unknown as { document: Doc }).document.getElementById('progress')?.textContent === `${k} / 4 labeled`, n);
    const key = async (id: string) => String(d.classNames.indexOf(d.truth(id)) + 1);
    for (let k = 1; k <= 3; k++) {
      const id = (await page.textContent('#current-id')) as string;
      await page.keyboard.press(await key(id));
      await waitProgress(k);
      if (k === 2) {
        // A wrong key, then undo: the label must leave the store again.
        const next = (await page.textContent('#current-id')) as string;
        const wrong = String(((d.classNames.indexOf(d.truth(next)) + 1) % 3) + 1);
        await page.keyboard.press(wrong);
        await waitProgress(3);
        await page.keyboard.press('z');
        await waitProgress(2);
        assert.equal(await page.textContent('#current-id'), next);
      }
    }
    assert.ok((await page.textContent('#teacher'))?.startsWith('teacher: '));
  } finally {
    await browser?.close();
    await server.close();
  }
  const st = openProject(p);
  const labels = st.labels();
  const undone = st.labelEventCount();
  st.close();
  assert.equal(labels.length, 3);
  for (const l of labels) assert.equal(d.classNames[l.classIdx], d.truth(l.id), l.id);
  assert.equal(undone, 5, '3 labels + 1 wrong label + 1 undo');

  // The last image through import-labels (CLI): the round's batch.csv with its label column filled.
  const csv = readFileSync(r0.csv, 'utf8').trim().split('\n');
  const filled = [csv[0], ...csv.slice(1).map((line) => {
    const cells = line.split(',');
    if (cells[1] === '') cells[1] = d.truth(cells[0] as string);
    return cells.join(',');
  })].join('\n');
  const f = join(d.root, 'filled.csv');
  writeFileSync(f, filled);
  const imp = runCli(['import-labels', p, f]);
  assert.equal(imp.status, 0, imp.stderr);
  assert.match(imp.stdout, /4 label\(s\) read, 1 new or changed/);

  const r1 = await runProjectRound(p);
  assert.equal(r1.round.round, 1);
  assert.equal(r1.round.labeledCount, 4);
  assert.ok(r1.selection.every((s) => s.studentTopk?.length === 3));
  const status = projectStatus(p);
  assert.equal(status.labeled, 4);
  assert.equal(typeof status.rounds[1]?.testAccuracy, 'number');

  const onnxPath = join(d.root, 'student.onnx');
  const ex = runCli(['export', p, '--onnx', onnxPath]);
  assert.equal(ex.status, 0, ex.stderr);
  const meta = JSON.parse(readFileSync(`${onnxPath}.json`, 'utf8')) as { classNames: string[] };
  assert.deepEqual(meta.classNames, d.classNames);

  // Exported model on preprocessed images vs the in-process student on cached backbone features,
  // both from the project's own preprocessing (v2-graph, the default at init: its graph's output is
  // the float input the exported backbone takes).
  const { model, config } = await currentStudent(p);
  assert.equal(projectPreprocess(config), 'v2-graph');
  const store = openProject(p);
  const items = store.items('pool').slice(0, 6);
  store.close();
  const paths = items.map((it) => itemPath(config, it));
  const spec = withPreprocess(mobilenetV1Spec(config.studentModel), projectPreprocess(config));
  const feats = (await encodeImages(spec, paths, { cacheDir: config.cacheDir })).outputs.features;
  assert.ok(feats);
  const want = await model.predict(feats, { alphaCe: model.config.evalAlphaCe, beta: model.config.evalBeta });
  const size = 3 * spec.size * spec.size;
  const x = new Float32Array(paths.length * size);
  for (const [i, path] of paths.entries()) x.set(await preprocessImageGraph(spec, path), i * size);
  const session = await createSession(readFileSync(onnxPath));
  const out = await session.run({ input: f32Tensor(x, [paths.length, 3, spec.size, spec.size]) });
  const got = out.probs?.data as Float32Array;
  assert.equal(got.length, want.probs.data.length);
  let maxDiff = 0;
  for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs((got[i] as number) - (want.probs.data[i] as number)));
  assert.ok(maxDiff < 1e-5, `exported model differs from in-process predictions by ${maxDiff}`);
  for (let r = 0; r < paths.length; r++) {
    let s = 0;
    for (let c = 0; c < 3; c++) s += got[r * 3 + c] as number;
    assert.ok(Math.abs(s - 1) < 1e-5);
  }
});

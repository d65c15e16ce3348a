/**
 * Writer of the precomputed-teacher `.npy` format read by src/teachers/precomputed.ts: a run's
 * teacher probabilities, written next to its results so `--teacher precomputed:FILE` replays them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Matrix } from '../linalg/matrix.ts';
import { encodeNpy } from '../util/npy.ts';

/**
 * Writes the teacher probabilities of several splits as one `<dir>/<name>.npy` (float32, rows of
 * the splits one after the other) and `<dir>/<name>.ids.txt` (one id per line): the
 * precomputed-teacher format, so `--teacher precomputed:<dir>/<name>.npy` replays the teacher.
 * Creates `dir` when missing.
 * @param splits per split: its item ids and their N×C row-major probabilities (row i ↔ ids[i]).
 * @throws RangeError when a split's ids and rows differ in number or the splits differ in width.
 */
export function writeTeacherProbs(dir: string, name: string, splits: readonly { readonly ids: readonly string[]; readonly probs: Matrix }[]): void {
  const c = splits[0]?.probs.cols ?? 0;
  let n = 0;
  for (const s of splits) {
    if (s.ids.length !== s.probs.rows || s.probs.cols !== c) throw new RangeError(`writeTeacherProbs: ${s.ids.length} ids for a ${s.probs.rows}×${s.probs.cols} matrix (expected width ${c})`);
    n += s.ids.length;
  }
  const data = new Float32Array(n * c);
  let o = 0;
  for (const s of splits) {
    data.set(s.probs.data, o);
    o += s.probs.data.length;
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.npy`), encodeNpy(data, [n, c]));
  writeFileSync(join(dir, `${name}.ids.txt`), splits.flatMap((s) => s.ids.map((id) => `${id}\n`)).join(''));
}

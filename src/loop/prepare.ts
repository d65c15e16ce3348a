import type { Dataset, SkippedFile, Split } from '../data/dataset.ts';
import { encodeImages, type EncodeOptions } from '../encoders/encode.ts';
import type { EncoderSpec } from '../encoders/spec.ts';
import { takeRows, type Matrix } from '../linalg/matrix.ts';
import type { Teacher } from '../teachers/teacher.ts';

/** A dataset with everything the loop reads, computed once (and cached on disk by the encoders). */
export interface PreparedData {
  readonly dataset: Dataset;
  /** Training pool after dropping undecodable images. */
  readonly train: Split;
  readonly test?: Split;
  /** N×D student-backbone features of `train`, T×D of `test`. */
  readonly trainFeatures: Matrix;
  readonly testFeatures?: Matrix;
  /** N×C / T×C teacher probabilities (absent when no teacher is given). */
  readonly teacherTrain?: Matrix;
  readonly teacherTest?: Matrix;
  /** Everything skipped, by the reader and by the decoders, with reasons. */
  readonly skipped: SkippedFile[];
}

/**
 * Encodes a dataset with the student backbone and (optionally) the teacher, and drops images any
 * encoder could not decode from both splits (each listed in `skipped` with its reason).
 * @throws UserError from the encoders (missing or broken model files).
 */
export async function prepareData(dataset: Dataset, studentSpec: EncoderSpec, teacher: Teacher | null, encode: EncodeOptions = {}): Promise<PreparedData> {
  const skipped: SkippedFile[] = [...dataset.skipped];
  const doSplit = async (split: Split, name: string) => {
    const enc = await encodeImages(studentSpec, split.paths, { ...encode, progressLabel: `student features (${name})` });
    const bad = new Set<number>(enc.skipped.map((s) => s.index));
    for (const s of enc.skipped) skipped.push({ path: s.path, reason: s.reason });
    let tprobs: Matrix | undefined;
    if (teacher) {
      tprobs = await teacher.probs(split.paths);
      const last = teacher.lastSkipped ?? [];
      for (const s of last) {
        if (!bad.has(s.index)) skipped.push({ path: s.path, reason: s.reason });
        bad.add(s.index);
      }
    }
    if (bad.size === 0) return { split, features: enc.outputs.features ?? firstOutput(enc.outputs), tprobs };
    const keep: number[] = [];
    for (let i = 0; i < split.ids.length; i++) if (!bad.has(i)) keep.push(i);
    const kept: Split = { ids: keep.map((i) => split.ids[i] as string), paths: keep.map((i) => split.paths[i] as string), labels: Int32Array.from(keep, (i) => split.labels[i] as number) };
    return { split: kept, features: takeRows(enc.outputs.features ?? firstOutput(enc.outputs), keep), tprobs: tprobs ? takeRows(tprobs, keep) : undefined };
  };
  const tr = await doSplit(dataset.train, 'train');
  const te = dataset.test ? await doSplit(dataset.test, 'test') : null;
  return {
    dataset,
    train: tr.split,
    trainFeatures: tr.features,
    ...(tr.tprobs ? { teacherTrain: tr.tprobs } : {}),
    ...(te ? { test: te.split, testFeatures: te.features, ...(te.tprobs ? { teacherTest: te.tprobs } : {}) } : {}),
    skipped,
  };
}

function firstOutput(o: Record<string, Matrix>): Matrix {
  const m = Object.values(o)[0];
  if (!m) throw new Error('encoder produced no output');
  return m;
}

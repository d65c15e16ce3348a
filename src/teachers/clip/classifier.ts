/**
 * The numeric part of the CLIP zero-shot teacher (SPEC.md §3.3), pure and small: the text
 * classifier built from prompt embeddings, and cosine logits `s · normalize(f) · W`.
 * Shared with the CLAP few-shot teacher (src/teachers/clap.ts).
 */
import { matrix, type Matrix } from '../../linalg/matrix.ts';
import type { TextEnsemble } from '../prompts.ts';

/** CLIP's `logit_scale.exp()` of the released models (SPEC §3.3). */
export const CLIP_LOGIT_SCALE = 100;

/** A zero-shot text classifier (SPEC §3.3). */
export interface TextClassifier {
  /** E×C row-major classifier with unit-norm columns `w_c` (zero columns stay zero). */
  readonly W: Matrix;
  /** E×C row-major raw means of the prompt embeddings of each class (CLAP's `W_raw`). */
  readonly Wraw: Matrix;
}

/**
 * Builds the text classifier from the embeddings of every prompt (SPEC §3.3, O12):
 * `W_raw[:, c]` = mean over the class's T prompts of the raw embeddings; `W[:, c]` =
 * normalize(W_raw[:, c]) for `mean-raw`, or normalize(mean_t normalize(e_{c,t})) for
 * `normalize-each`. Computed in float64.
 *
 * @param promptEmbeds (C·T)×E row-major raw text embeddings, class-major: row `c·T + t` is the
 *   embedding of template t formatted with class c.
 * @param numClasses C (> 0; must divide the number of rows).
 * @param ensemble how prompts are combined.
 * @returns W and W_raw, both E×C.
 * @throws RangeError when the row count is not a positive multiple of C.
 */
export function buildTextClassifier(promptEmbeds: Matrix, numClasses: number, ensemble: TextEnsemble): TextClassifier {
  const { rows, cols: e, data } = promptEmbeds;
  const c = numClasses;
  if (!(Number.isInteger(c) && c > 0) || rows === 0 || rows % c !== 0) throw new RangeError(`buildTextClassifier: ${rows} prompt embeddings for ${c} classes`);
  const t = rows / c;
  const W = new Float32Array(e * c);
  const Wraw = new Float32Array(e * c);
  const raw = new Float64Array(e);
  const unit = new Float64Array(e);
  for (let k = 0; k < c; k++) {
    raw.fill(0);
    unit.fill(0);
    for (let p = 0; p < t; p++) {
      const o = (k * t + p) * e;
      let n2 = 0;
      for (let d = 0; d < e; d++) {
        const v = data[o + d] as number;
        raw[d] = (raw[d] as number) + v;
        n2 += v * v;
      }
      const inv = n2 > 0 ? 1 / Math.sqrt(n2) : 0;
      for (let d = 0; d < e; d++) unit[d] = (unit[d] as number) + (data[o + d] as number) * inv;
    }
    const src = ensemble === 'normalize-each' ? unit : raw;
    let n2 = 0;
    for (let d = 0; d < e; d++) n2 += (src[d] as number) ** 2;
    const inv = n2 > 0 ? 1 / Math.sqrt(n2) : 0;
    for (let d = 0; d < e; d++) {
      Wraw[d * c + k] = (raw[d] as number) / t;
      W[d * c + k] = (src[d] as number) * inv;
    }
  }
  return { W: matrix(e, c, W), Wraw: matrix(e, c, Wraw) };
}

/**
 * Normalises the columns of an E×C matrix to unit L2 norm (zero columns stay zero).
 * @returns a new E×C matrix.
 */
export function normalizeColumns(m: Matrix): Matrix {
  const { rows: e, cols: c, data } = m;
  const out = new Float32Array(e * c);
  for (let k = 0; k < c; k++) {
    let n2 = 0;
    for (let d = 0; d < e; d++) n2 += (data[d * c + k] as number) ** 2;
    const inv = n2 > 0 ? 1 / Math.sqrt(n2) : 0;
    for (let d = 0; d < e; d++) out[d * c + k] = (data[d * c + k] as number) * inv;
  }
  return matrix(e, c, out);
}

/**
 * Cosine logits `scale · normalize(f_i) · W` (W is used as given: pass unit-norm columns for a
 * cosine). Zero feature rows (images the encoder skipped) give zero logits.
 * @param features N×E row-major image embeddings (raw; normalised here, in float64).
 * @param W E×C row-major classifier.
 * @param scale logit scale (CLIP: 100).
 * @returns N×C row-major logits.
 * @throws RangeError when the inner dimensions differ.
 */
export function cosineLogits(features: Matrix, W: Matrix, scale = CLIP_LOGIT_SCALE): Matrix {
  const { rows: n, cols: e } = features;
  if (W.rows !== e) throw new RangeError(`cosineLogits: features have ${e} columns, classifier has ${W.rows} rows`);
  const c = W.cols;
  const out = new Float32Array(n * c);
  const acc = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    const o = i * e;
    let n2 = 0;
    for (let d = 0; d < e; d++) n2 += (features.data[o + d] as number) ** 2;
    if (n2 === 0) continue;
    const inv = scale / Math.sqrt(n2);
    acc.fill(0);
    for (let d = 0; d < e; d++) {
      const f = features.data[o + d] as number;
      if (f === 0) continue;
      const wo = d * c;
      for (let k = 0; k < c; k++) acc[k] = (acc[k] as number) + f * (W.data[wo + k] as number);
    }
    for (let k = 0; k < c; k++) out[i * c + k] = (acc[k] as number) * inv;
  }
  return matrix(n, c, out);
}

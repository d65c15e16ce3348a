/** Shared builders for the strategy tests: seeded random contexts and small hand-written ones. */
import { matrix, type Matrix } from '../../src/linalg/matrix.ts';
import { softmaxRows } from '../../src/linalg/softmax.ts';
import type { SelectionContext, StudentPredictions } from '../../src/strategies/types.ts';
import { Rng } from '../../src/util/rng.ts';

/** Combined probabilities 0.5·softmax(ce) + 0.5·softmax(kd) (SPEC §9 common inputs). */
export function combine(ce: Matrix, kd: Matrix): Matrix {
  const a = softmaxRows(ce);
  const b = softmaxRows(kd);
  const out = new Float32Array(a.data.length);
  for (let k = 0; k < out.length; k++) out[k] = 0.5 * (a.data[k] as number) + 0.5 * (b.data[k] as number);
  return matrix(a.rows, a.cols, out);
}

/** Random student predictions for `n` items: logits ~ U(−scale, scale), features ~ U(−1, 1). */
export function randomPredictions(rng: Rng, n: number, C: number, D: number, scale = 3): StudentPredictions {
  const rand = (len: number, s: number): Float32Array => Float32Array.from({ length: len }, () => rng.uniform(-s, s));
  const ce = matrix(n, C, rand(n * C, scale));
  const kd = matrix(n, C, rand(n * C, scale));
  return { ce, kd, probs: combine(ce, kd), features: matrix(n, D, rand(n * D, 1)) };
}

/** Copies every row of `p` whose index is in `dupOf` positions: row i becomes a copy of row dupOf[i] when dupOf[i] ≥ 0. */
export function withDuplicates(p: StudentPredictions, dupOf: readonly number[]): StudentPredictions {
  const copy = (m: Matrix): Matrix => {
    const d = m.data.slice();
    dupOf.forEach((src, i) => {
      if (src >= 0) d.copyWithin(i * m.cols, src * m.cols, (src + 1) * m.cols);
    });
    return matrix(m.rows, m.cols, d);
  };
  return { ce: copy(p.ce), kd: copy(p.kd), probs: copy(p.probs), features: copy(p.features) };
}

/** Reorders the rows of every matrix: new row j = old row perm[j]. */
export function permuteRows(p: StudentPredictions, perm: ArrayLike<number>): StudentPredictions {
  const take = (m: Matrix): Matrix => {
    const d = new Float32Array(m.data.length);
    for (let j = 0; j < perm.length; j++) d.set(m.data.subarray((perm[j] as number) * m.cols, ((perm[j] as number) + 1) * m.cols), j * m.cols);
    return matrix(m.rows, m.cols, d);
  };
  return { ce: take(p.ce), kd: take(p.kd), probs: take(p.probs), features: take(p.features) };
}

/** Options of {@link randomContext}. */
export interface RandomContextOptions {
  readonly n: number;
  readonly m: number;
  readonly C: number;
  readonly D: number;
  /** Seed of the data. */
  readonly seed: number;
  /** Seed of ctx.rng (default: `seed`). */
  readonly rngSeed?: number;
  /** Make some pool rows exact copies of others. */
  readonly duplicates?: boolean;
}

/** A seeded random selection context with teacher outputs and labels. */
export function randomContext(o: RandomContextOptions): SelectionContext {
  const rng = new Rng(o.seed);
  let pool = randomPredictions(rng, o.n, o.C, o.D);
  if (o.duplicates === true && o.n > 1) pool = withDuplicates(pool, Array.from({ length: o.n }, (_, i) => (i > 0 && rng.next() < 0.3 ? rng.int(i) : -1)));
  const labeled = randomPredictions(rng, o.m, o.C, o.D);
  const labels = Int32Array.from({ length: o.m }, () => rng.int(o.C));
  const teacher = (k: number): Matrix => softmaxRows(matrix(k, o.C, Float32Array.from({ length: k * o.C }, () => rng.uniform(-4, 4))));
  return { pool, labeled, labeledLabels: labels, teacherPool: teacher(o.n), teacherLabeled: teacher(o.m), numClasses: o.C, rng: new Rng(o.rngSeed ?? o.seed) };
}

/** A context from explicit pool/labeled probabilities (features default to the probabilities). */
export function probsContext(poolProbs: number[][], labeledProbs: number[][], opts: { poolFeatures?: number[][]; labeledFeatures?: number[][]; labels?: number[]; seed?: number } = {}): SelectionContext {
  const C = (poolProbs[0] ?? labeledProbs[0] ?? [0, 0]).length;
  const toM = (rows: number[][], cols: number): Matrix => matrix(rows.length, cols, Float32Array.from(rows.flat()));
  const logits = (rows: number[][]): Matrix => toM(rows.map((r) => r.map((v) => Math.log(Math.max(v, 1e-30)))), C);
  const preds = (probs: number[][], feats: number[][] | undefined): StudentPredictions => {
    const f = feats ?? probs;
    return { ce: logits(probs), kd: logits(probs), probs: toM(probs, C), features: toM(f, (f[0] ?? []).length || C) };
  };
  return {
    pool: preds(poolProbs, opts.poolFeatures),
    labeled: preds(labeledProbs, opts.labeledFeatures),
    labeledLabels: Int32Array.from(opts.labels ?? labeledProbs.map(() => 0)),
    numClasses: C,
    rng: new Rng(opts.seed ?? 1),
  };
}

/** Seeded random matrix with entries U(lo, hi). */
export function randomMatrix(rng: Rng, rows: number, cols: number, lo = -1, hi = 1): Matrix {
  return matrix(rows, cols, Float32Array.from({ length: rows * cols }, () => rng.uniform(lo, hi)));
}

/** Asserts |a − b| ≤ tol elementwise. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what = 'value'): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    if (!(a === e || Math.abs(a - e) <= tol)) throw new Error(`${what}[${i}]: ${a} vs ${e} (tol ${tol})`);
  }
}

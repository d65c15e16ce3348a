/**
 * Structured-bias propagation metrics (paper Fig. 4c, Fig. 9; SPEC.md §11.1, reconstructed):
 * k-means on the teacher's probabilities, propagated centroids ν = λ·onehot(y) + (1−λ)·μ_k, and
 * how the student's predictions sit relative to them.
 */
import type { Matrix } from '../linalg/matrix.ts';
import { Rng } from '../util/rng.ts';

/** A k-means clustering. */
export interface KMeansResult {
  /** K×C centroids (row-major, float64). */
  centroids: Float64Array;
  k: number;
  /** Cluster index of every input row. */
  assign: Int32Array;
  /** Sum of squared Euclidean distances to the assigned centroid (the best over `nInit`). */
  inertia: number;
}

/** Options of {@link kmeans}. */
export interface KMeansOptions {
  /** Independent k-means++ restarts; the lowest inertia wins (SPEC: n_init ≥ 10). Default 10. */
  nInit?: number;
  /** Lloyd iterations per restart. Default 100. */
  maxIter?: number;
  /** Seed of the restarts' RNG. Default 0. */
  seed?: number;
}

/**
 * Seeded k-means (Euclidean, k-means++ initialisation, Lloyd iterations, `nInit` restarts).
 * Empty clusters keep their previous centroid.
 * @param x N×C rows to cluster
 * @param k number of clusters, clamped to N
 */
export function kmeans(x: Matrix, k: number, opts: KMeansOptions = {}): KMeansResult {
  const { rows: n, cols: c, data } = x;
  const K = Math.max(1, Math.min(k, n));
  const rng = new Rng(opts.seed ?? 0);
  const maxIter = opts.maxIter ?? 100;
  let best: KMeansResult | null = null;
  const d2 = (i: number, cent: Float64Array, j: number): number => {
    let s = 0;
    for (let t = 0; t < c; t++) s += ((data[i * c + t] as number) - (cent[j * c + t] as number)) ** 2;
    return s;
  };
  for (let run = 0; run < (opts.nInit ?? 10); run++) {
    const cent = new Float64Array(K * c);
    const first = rng.int(n);
    for (let t = 0; t < c; t++) cent[t] = data[first * c + t] as number;
    const dmin = new Float64Array(n).fill(Infinity);
    for (let j = 1; j < K; j++) {
      let total = 0;
      for (let i = 0; i < n; i++) {
        dmin[i] = Math.min(dmin[i] as number, d2(i, cent, j - 1));
        total += dmin[i] as number;
      }
      let r = rng.next() * total;
      let pick = n - 1;
      for (let i = 0; i < n; i++) {
        r -= dmin[i] as number;
        if (r < 0) {
          pick = i;
          break;
        }
      }
      if (!(total > 0)) pick = rng.int(n);
      for (let t = 0; t < c; t++) cent[j * c + t] = data[pick * c + t] as number;
    }
    const assign = new Int32Array(n).fill(-1);
    let inertia = 0;
    for (let it = 0; it < maxIter; it++) {
      let changed = false;
      inertia = 0;
      for (let i = 0; i < n; i++) {
        let bj = 0;
        let bd = Infinity;
        for (let j = 0; j < K; j++) {
          const dd = d2(i, cent, j);
          if (dd < bd) {
            bd = dd;
            bj = j;
          }
        }
        inertia += bd;
        if (assign[i] !== bj) {
          assign[i] = bj;
          changed = true;
        }
      }
      if (!changed) break;
      const sum = new Float64Array(K * c);
      const cnt = new Float64Array(K);
      for (let i = 0; i < n; i++) {
        const j = assign[i] as number;
        cnt[j]! += 1;
        for (let t = 0; t < c; t++) sum[j * c + t]! += data[i * c + t] as number;
      }
      for (let j = 0; j < K; j++) if ((cnt[j] as number) > 0) for (let t = 0; t < c; t++) cent[j * c + t] = (sum[j * c + t] as number) / (cnt[j] as number);
    }
    if (!best || inertia < best.inertia) best = { centroids: cent, k: K, assign, inertia };
  }
  return best as KMeansResult;
}

/** Bias-propagation metrics of one student's predictions (SPEC §11.1). */
export interface BiasMetrics {
  /** KNN loss = mean_x min_{v∈V} ‖p_s(x) − v‖₁ over the candidate propagated centres V (lower = better). */
  knnLoss: number;
  /** Propagation distance = mean_x ‖p_s(x) − ν(x)‖₁ with ν(x) = λ·onehot(y(x)) + (1−λ)·μ_{k(x)} (Fig. 4c). */
  propDistance: number;
  /** Fraction of x with ‖p_s(x) − ν(x)‖₁ ≤ δ. */
  propWithinDelta: number;
  /** #{v ∈ V : ∃x with ‖p_s(x) − v‖₁ ≤ δ} — active propagated centroids of the student. */
  activeCentroids: number;
  /** #{μ_k : ∃x with ‖p_t(x) − μ_k‖₁ ≤ δ} — active centroids of the teacher, for comparison. */
  teacherActiveCentroids: number;
  /** Purity of the partition "nearest centre of V" w.r.t. ground truth: (1/N) Σ_v max_c #{x→v, y(x)=c} (higher = better). */
  clusterPurity: number;
}

/** Parameters of {@link biasMetrics} (the paper's K and δ were lost: both exposed). */
export interface BiasOptions {
  /** Weight λ of the ground-truth one-hot in ν. Default 0.5 (paper). */
  lambda?: number;
  /** Activity threshold δ on the L1 distance. Default 0.5. */
  delta?: number;
}

/**
 * Bias metrics of student probabilities `ps` (N×C) against a k-means of the teacher probabilities
 * `pt` (N×C, same rows; `clusters.assign` indexes the same rows), ground truth `labels` (N).
 * Candidate centres V = {λ·e_c + (1−λ)·μ_k : c < C, k < K} (K·C of them).
 * @param rows optional subset of row indices to evaluate on (e.g. the unlabeled pool); default all
 */
export function biasMetrics(ps: Matrix, pt: Matrix, labels: Int32Array, clusters: KMeansResult, opts: BiasOptions = {}, rows?: ArrayLike<number>): BiasMetrics {
  const C = ps.cols;
  const K = clusters.k;
  const lambda = opts.lambda ?? 0.5;
  const delta = opts.delta ?? 0.5;
  const V = new Float64Array(K * C * C); // v(k, c) at row k*C + c
  for (let k = 0; k < K; k++) for (let c = 0; c < C; c++) for (let t = 0; t < C; t++) V[(k * C + c) * C + t] = (1 - lambda) * (clusters.centroids[k * C + t] as number) + (t === c ? lambda : 0);
  const nv = K * C;
  const idx = rows ? Array.from(rows) : Array.from({ length: ps.rows }, (_, i) => i);
  const activeV = new Uint8Array(nv);
  const activeT = new Uint8Array(K);
  const votes = new Map<number, Map<number, number>>();
  let knn = 0;
  let prop = 0;
  let within = 0;
  for (const i of idx) {
    let best = Infinity;
    let bv = 0;
    for (let v = 0; v < nv; v++) {
      let d = 0;
      for (let t = 0; t < C; t++) d += Math.abs((ps.data[i * C + t] as number) - (V[v * C + t] as number));
      if (d < best) {
        best = d;
        bv = v;
      }
      if (d <= delta) activeV[v] = 1;
    }
    knn += best;
    const y = labels[i] as number;
    const k = clusters.assign[i] as number;
    const nu = (k * C + y) * C;
    let dp = 0;
    for (let t = 0; t < C; t++) dp += Math.abs((ps.data[i * C + t] as number) - (V[nu + t] as number));
    prop += dp;
    if (dp <= delta) within++;
    for (let kk = 0; kk < K; kk++) {
      let dt = 0;
      for (let t = 0; t < C; t++) dt += Math.abs((pt.data[i * C + t] as number) - (clusters.centroids[kk * C + t] as number));
      if (dt <= delta) activeT[kk] = 1;
    }
    const m = votes.get(bv) ?? new Map<number, number>();
    m.set(y, (m.get(y) ?? 0) + 1);
    votes.set(bv, m);
  }
  let pure = 0;
  for (const m of votes.values()) pure += Math.max(...m.values());
  const n = idx.length;
  const sum = (a: Uint8Array): number => a.reduce((s, v) => s + v, 0);
  return {
    knnLoss: n ? knn / n : NaN,
    propDistance: n ? prop / n : NaN,
    propWithinDelta: n ? within / n : NaN,
    activeCentroids: sum(activeV),
    teacherActiveCentroids: sum(activeT),
    clusterPurity: n ? pure / n : NaN,
  };
}

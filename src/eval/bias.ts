/**
 * Structured-bias propagation metrics (paper Fig. 4c, Fig. 9; SPEC.md §11.1, reconstructed):
 * k-means on the teacher's probabilities, propagated centroids ν = λ·onehot(y) + (1−λ)·μ_k, and
 * how the student's predictions sit relative to them.
 */
import { l1DistanceSerial } from '../linalg/distance.ts';
import { kMeans, type KMeansResult } from '../linalg/kmeans.ts';
import type { Matrix } from '../linalg/matrix.ts';
import { Rng } from '../util/rng.ts';

/** Options of {@link teacherClusters}. */
export interface TeacherClusterOptions {
  /** Independent k-means++ restarts; the lowest inertia wins (SPEC: n_init ≥ 10). Default 10. */
  nInit?: number;
  /** Lloyd iterations per restart. Default 100. */
  maxIter?: number;
  /** Seed of the restarts' RNG. Default 0. */
  seed?: number;
}

/**
 * The k-means of the bias metrics (SPEC §11.1: KMeans(K, Euclidean, n_init ≥ 10) on the teacher
 * probabilities): the shared {@link kMeans} with float64 centroids and squared distances
 * (`arithmetic: 'float64-squared'`), `nInit` restarts from one `Rng(seed)`.
 * @param x N×C teacher probabilities (N ≥ 1).
 * @param k number of clusters, clamped to [1, N].
 * @throws RangeError when N = 0 or nInit / maxIter are invalid.
 */
export function teacherClusters(x: Matrix, k: number, opts: TeacherClusterOptions = {}): KMeansResult {
  const K = Math.max(1, Math.min(k, x.rows));
  return kMeans(x, K, new Rng(opts.seed ?? 0), { maxIterations: opts.maxIter ?? 100, restarts: opts.nInit ?? 10, arithmetic: 'float64-squared' });
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
 * `pt` (N×C, same rows; `clusters.labels` indexes the same rows), ground truth `labels` (N).
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
      const d = l1DistanceSerial(ps.data, i * C, V, v * C, C);
      if (d < best) {
        best = d;
        bv = v;
      }
      if (d <= delta) activeV[v] = 1;
    }
    knn += best;
    const y = labels[i] as number;
    const k = clusters.labels[i] as number;
    const nu = (k * C + y) * C;
    const dp = l1DistanceSerial(ps.data, i * C, V, nu, C);
    prop += dp;
    if (dp <= delta) within++;
    for (let kk = 0; kk < K; kk++) {
      const dt = l1DistanceSerial(pt.data, i * C, clusters.centroids, kk * C, C);
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

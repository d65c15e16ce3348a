import type { Matrix } from '../../src/linalg/matrix.ts';
import { Rng } from '../../src/util/rng.ts';

/** A separable synthetic problem: C Gaussian-ish blobs in D dims, a teacher that is right with margin 2. */
export function problem(N: number, D: number, C: number, seed: number): { features: Matrix; teacher: Matrix; y: Int32Array } {
  const rng = new Rng(seed);
  const means = Array.from({ length: C }, () => Array.from({ length: D }, () => rng.uniform(-1, 1)));
  const F = new Float32Array(N * D);
  const T = new Float32Array(N * C);
  const y = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const c = i % C;
    y[i] = c;
    for (let d = 0; d < D; d++) F[i * D + d] = (means[c]?.[d] as number) + 0.3 * rng.uniform(-1, 1);
    let s = 0;
    for (let k = 0; k < C; k++) s += Math.exp(k === c ? 2 : 0);
    for (let k = 0; k < C; k++) T[i * C + k] = Math.exp(k === c ? 2 : 0) / s;
  }
  return { features: { rows: N, cols: D, data: F }, teacher: { rows: N, cols: C, data: T }, y };
}


/** Shared random fixtures for the DHO twin/graph tests (not a test file itself). */
import type { DhoBatch, DhoLayout } from '../../src/linalg/dho-layout.ts';
import { Rng } from '../../src/util/rng.ts';

type Ctor<A> = new (n: number) => A;

/**
 * A random batch for `layout`: `nl` labeled rows (one-hot labels, wce = λ/nl) then `nu` unlabeled
 * rows (zero labels, wce = 0); with distillation, normalized random soft targets and
 * wkd = (1−λ)·T²/n_part. Values are drawn from a fresh Rng(seed).
 */
export function randomBatch<A extends Float32Array | Float64Array>(layout: DhoLayout, nl: number, nu: number, seed: number, Arr: Ctor<A>, lam = 0.5, T = 2): DhoBatch<A> {
  const rng = new Rng(seed);
  const { D, C, distill } = layout.shape;
  const B = nl + nu;
  const X = new Arr(B * D);
  for (let i = 0; i < X.length; i++) X[i] = rng.uniform(-1, 1);
  const Y = new Arr(B * C);
  for (let i = 0; i < nl; i++) Y[i * C + rng.int(C)] = 1;
  const wce = new Arr(B);
  for (let i = 0; i < nl; i++) wce[i] = lam / nl;
  if (!distill) return { B, X, Y, wce };
  const Q = new Arr(B * C);
  for (let i = 0; i < B; i++) {
    let s = 0;
    for (let c = 0; c < C; c++) {
      const q = 0.05 + rng.next();
      Q[i * C + c] = q;
      s += q;
    }
    for (let c = 0; c < C; c++) Q[i * C + c] = (Q[i * C + c] as number) / s;
  }
  const wkd = new Arr(B);
  for (let i = 0; i < B; i++) wkd[i] = ((1 - lam) * T * T) / (i < nl ? nl : Math.max(1, nu));
  return { B, X, Y, wce, Q, wkd };
}

/** Random parameters U(±scale) for `layout`. */
export function randomTheta<A extends Float32Array | Float64Array>(layout: DhoLayout, seed: number, Arr: Ctor<A>, scale = 0.5): A {
  const rng = new Rng(seed);
  const t = new Arr(layout.total);
  for (let i = 0; i < t.length; i++) t[i] = rng.uniform(-scale, scale);
  return t;
}

/** All four train-step variants at a small size. */
export const SMALL_SHAPES = [
  { head: 'adapter', distill: true, D: 6, H: 5, C: 3 },
  { head: 'adapter', distill: false, D: 6, H: 5, C: 3 },
  { head: 'linear', distill: true, D: 6, H: 0, C: 4 },
  { head: 'linear', distill: false, D: 6, H: 0, C: 4 },
] as const;

/** The AdamW hyper-parameters of the DHO student (SPEC §5.2). */
export const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

/** Index of the first element where a and b differ bitwise (NaN = NaN), or −1. */
export function firstDiff(a: Float32Array, b: Float32Array): number {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) if (ua[i] !== ub[i]) return i;
  return a.length === b.length ? -1 : a.length;
}

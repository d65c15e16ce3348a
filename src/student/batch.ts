/**
 * Gathers the DHO training batches of one round (SPEC.md §5.1, §5.2) into buffers allocated once:
 * every {@link BatchGatherer.next} overwrites the same X, Y, (Q) arrays and returns the same
 * {@link DhoBatch} object, so a training step allocates nothing for its batch (and the ONNX engine
 * keeps its batch tensors, which it caches by batch identity).
 */
import type { Matrix } from '../linalg/matrix.ts';
import type { DhoBatch } from '../linalg/dho-layout.ts';
import type { Standardization } from './model.ts';
import type { LabeledSampler, UnlabeledStream } from './sampler.ts';

/** Arguments of {@link BatchGatherer}. */
export interface BatchGathererArgs {
  /** N×D frozen features; rows are addressed by index. */
  readonly features: Matrix;
  /** Indices (into `features`) of the labeled rows. */
  readonly labeledRows: Uint32Array;
  /** Class of each labeled row (same order as `labeledRows`), each in 0..C−1. */
  readonly labels: Int32Array;
  /** Indices of the unlabeled rows. */
  readonly unlabeledRows: Uint32Array;
  /** Number of classes C. */
  readonly numClasses: number;
  /** Draws `batchLabeled` positions into `labels`/`labeledRows` per step. */
  readonly labeled: LabeledSampler;
  readonly batchLabeled: number;
  /** Draws `batchUnlabeled` positions into `unlabeledRows` per step; absent: no unlabeled rows. */
  readonly unlabeled?: UnlabeledStream;
  readonly batchUnlabeled: number;
  /** N×C soft targets (row-aligned with `features`); present exactly when distilling. */
  readonly softTargets?: Float32Array;
  /** CE weight λ (SPEC §5.1). */
  readonly ceWeight: number;
  /** Distillation temperature T. */
  readonly temperature: number;
  /** Per-feature standardisation applied to each copied row, if any. */
  readonly standardization?: Standardization;
}

/**
 * Batch buffers of B = batchLabeled + (unlabeled ? batchUnlabeled : 0) rows (labeled rows first)
 * with the constant loss weights of SPEC §5.1: distilling, wce = λ/B_l on labeled rows (0 on
 * unlabeled ones) and wkd = (1−λ)·T²/B_l resp. (1−λ)·T²/B_u; without distillation wce = 1/B_l.
 */
export class BatchGatherer {
  /** The one batch object; its arrays are refilled by {@link next}. */
  readonly batch: DhoBatch;
  private readonly a: BatchGathererArgs;
  private readonly lPos: Uint32Array;
  private readonly uPos: Uint32Array;

  constructor(a: BatchGathererArgs) {
    this.a = a;
    const { features, numClasses: C, batchLabeled: Bl, ceWeight: lam, temperature: T } = a;
    const D = features.cols;
    const distill = a.softTargets !== undefined;
    const Bu = a.unlabeled ? a.batchUnlabeled : 0;
    const B = Bl + Bu;
    const X = new Float32Array(B * D);
    const Y = new Float32Array(B * C);
    const wce = new Float32Array(B);
    const wkd = distill ? new Float32Array(B) : undefined;
    const Qb = distill ? new Float32Array(B * C) : undefined;
    for (let i = 0; i < Bl; i++) wce[i] = distill ? lam / Bl : 1 / Bl;
    if (wkd) {
      for (let i = 0; i < Bl; i++) wkd[i] = ((1 - lam) * T * T) / Bl;
      for (let i = Bl; i < B; i++) wkd[i] = ((1 - lam) * T * T) / Bu;
    }
    this.batch = { B, X, Y, wce, ...(Qb && wkd ? { Q: Qb, wkd } : {}) };
    this.lPos = new Uint32Array(Bl);
    this.uPos = new Uint32Array(Bu);
  }

  /** Draws the next batch (labeled positions first, then unlabeled) into the buffers; returns {@link batch}. */
  next(): DhoBatch {
    const { labeledRows, labels, unlabeledRows, numClasses: C, batchLabeled: Bl } = this.a;
    const Y = this.batch.Y;
    const lPos = this.lPos;
    this.a.labeled.next(lPos);
    Y.fill(0, 0, Bl * C);
    for (let i = 0; i < Bl; i++) {
      const p = lPos[i] as number;
      this.copyRow(labeledRows[p] as number, i);
      Y[i * C + (labels[p] as number)] = 1;
    }
    if (this.a.unlabeled) {
      const uPos = this.uPos;
      this.a.unlabeled.next(uPos);
      for (let i = 0; i < uPos.length; i++) this.copyRow(unlabeledRows[uPos[i] as number] as number, Bl + i);
    }
    return this.batch;
  }

  /** Copies feature row `src` (standardised if configured) and its soft targets into batch row `dst`. */
  private copyRow(src: number, dst: number): void {
    const { features, numClasses: C, standardization: std, softTargets: Q } = this.a;
    const { X, Q: Qb } = this.batch;
    const D = features.cols;
    const F = features.data;
    const so = src * D;
    const d0 = dst * D;
    if (std) {
      const { mean, invStd } = std;
      for (let d = 0; d < D; d++) X[d0 + d] = ((F[so + d] as number) - (mean[d] as number)) * (invStd[d] as number);
    } else X.set(F.subarray(so, so + D), d0);
    if (Q && Qb) Qb.set(Q.subarray(src * C, src * C + C), dst * C);
  }
}

/**
 * worker_threads versions of the k-center running-minimum kernels (pcoreset / pcoreset-reverse /
 * coreset: kcenter.ts; badge: badge-kernel.ts), giving **identical** picks and scores to the
 * single-thread kernels:
 *
 * - the inputs, the running minimum (float64) and the nearest-centre indices live in
 *   SharedArrayBuffers; each of W workers owns one contiguous block of rows [⌊w·N/W⌋, ⌊(w+1)·N/W⌋);
 * - per pick the main thread publishes k (Atomics), every worker updates its rows exactly as the JS
 *   kernel does (the same functions `l2Distance` / `dotRows`, shipped as source text, so distances are
 *   bit-identical; the same exact triangle-inequality pruning for L2) and reports its block's
 *   (best value, lowest best index);
 * - the main thread reduces the W pairs in block order with a strict comparison, so ties go to the
 *   lowest row — exactly `scanBest`'s rule.
 *
 * Synchronous: the main thread blocks in `Atomics.wait` (allowed in Node's main thread), so the
 * threaded kernels keep the synchronous `select` contract. Worker start-up costs a few tens of ms; use
 * threads on large pools only. Extra memory: one shared copy of the inputs.
 */
import { Worker } from 'node:worker_threads';
import { dotRows, l2Distance } from '../linalg/distance.ts';
import type { Matrix } from '../linalg/matrix.ts';
import { type BadgeArgs, badgeFactors, badgeFirstPick, badgeGreedy } from './badge-kernel.ts';
import { checkKCenterArgs, greedyTraversal, kCenterGreedy, type KCenterArgs, type KCenterResult, PRUNE_SAFETY } from './kcenter.ts';

const CMD_INIT = 1;
const CMD_UPDATE = 2;
const CMD_EXIT = 3;
/** Control words: generation, command, k, kid, done count, error flag. */
const CTL_WORDS = 6;
/** No progress from the workers for this long → error (a worker died). */
const STALL_MS = 600_000;

function workerSource(): string {
  return `'use strict';
const { workerData: wd } = require('node:worker_threads');
${dotRows.toString()}
${l2Distance.toString()}
const ctl = new Int32Array(wd.ctl);
const res = new Float64Array(wd.res);
const md = new Float64Array(wd.minDist);
const nearest = wd.nearest ? new Int32Array(wd.nearest) : null;
const cc = wd.cc ? new Float64Array(wd.cc) : null;
const kind = wd.kind, lo = wd.lo, hi = wd.hi, w = wd.index, W = wd.workers, farthest = wd.farthest;
const P = wd.points ? new Float32Array(wd.points) : null;
const Cm = wd.centers ? new Float32Array(wd.centers) : null;
const dim = wd.dim, m0 = wd.m0, SAFETY = wd.safety;
const diff = wd.diff ? new Float64Array(wd.diff) : null;
const Z = wd.z ? new Float32Array(wd.z) : null;
const scale = wd.scale ? new Float64Array(wd.scale) : null;
const C = wd.C, D = wd.D;
function dist(a, ao, b, bo, n) { return kind === 'l2' ? l2Distance(a, ao, b, bo, n) : 1 - dotRows(a, ao, b, bo, n); }
function init() {
  for (let i = lo; i < hi; i++) {
    let mi = Infinity, a = -1;
    const io = i * dim;
    for (let j = 0; j < m0; j++) { const d = dist(P, io, Cm, j * dim, dim); if (d < mi) { mi = d; a = j; } }
    md[i] = mi;
    if (nearest) nearest[i] = a;
  }
}
function update(k, kid) {
  let best = -1, bv = 0;
  if (kind === 'badge') {
    const sk = scale[k], kc = k * C, kd = k * D;
    for (let i = lo; i < hi; i++) {
      let mi = md[i];
      if (mi !== mi) continue;
      const si = scale[i];
      const d = si === 0 || sk === 0 ? 1 : 1 - dotRows(diff, i * C, diff, kc, C) * dotRows(Z, i * D, Z, kd, D) * (si * sk);
      if (d < mi) { mi = d; md[i] = d; }
      if (best < 0 || (farthest ? mi > bv : mi < bv)) { bv = mi; best = i; }
    }
  } else if (kind === 'l2') {
    const ko = k * dim;
    for (let i = lo, o = lo * dim; i < hi; i++, o += dim) {
      let mi = md[i];
      if (mi !== mi) continue;
      const a = nearest[i];
      if (a < 0 || cc[a] <= 2 * mi * SAFETY) {
        const d = l2Distance(P, o, P, ko, dim);
        if (d < mi) { mi = d; md[i] = d; nearest[i] = kid; }
      }
      if (best < 0 || (farthest ? mi > bv : mi < bv)) { bv = mi; best = i; }
    }
  } else {
    const ko = k * dim;
    for (let i = lo, o = lo * dim; i < hi; i++, o += dim) {
      let mi = md[i];
      if (mi !== mi) continue;
      const d = 1 - dotRows(P, o, P, ko, dim);
      if (d < mi) { mi = d; md[i] = d; }
      if (best < 0 || (farthest ? mi > bv : mi < bv)) { bv = mi; best = i; }
    }
  }
  res[2 * w] = bv;
  res[2 * w + 1] = best;
}
let gen = 0;
for (;;) {
  Atomics.wait(ctl, 0, gen);
  gen = Atomics.load(ctl, 0);
  const cmd = ctl[1];
  if (cmd === ${CMD_EXIT}) break;
  try {
    if (cmd === ${CMD_INIT}) init(); else update(ctl[2], ctl[3]);
  } catch (e) {
    Atomics.store(ctl, 5, 1);
  }
  if (Atomics.add(ctl, 4, 1) + 1 === W) Atomics.notify(ctl, 4);
}
`;
}

function sharedCopy<T extends Float32Array | Float64Array>(src: T): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(src.byteLength);
  (src instanceof Float32Array ? new Float32Array(sab) : new Float64Array(sab)).set(src);
  return sab;
}

/** A pool of workers sharing one kernel's inputs (see module docs). */
class WorkerTeam {
  readonly minDist: Float64Array;
  readonly nearest: Int32Array | undefined;
  readonly cc: Float64Array | undefined;
  private readonly ctl: Int32Array;
  private readonly res: Float64Array;
  private readonly workers: Worker[] = [];

  constructor(n: number, threads: number, farthest: boolean, data: Record<string, unknown>, opts: { nearest: boolean; ccLength: number }) {
    const W = Math.max(1, Math.min(threads, n));
    this.ctl = new Int32Array(new SharedArrayBuffer(CTL_WORDS * 4));
    this.res = new Float64Array(new SharedArrayBuffer(2 * W * 8));
    const mdBuf = new SharedArrayBuffer(n * 8);
    this.minDist = new Float64Array(mdBuf).fill(Infinity);
    const nearestBuf = opts.nearest ? new SharedArrayBuffer(n * 4) : undefined;
    this.nearest = nearestBuf ? new Int32Array(nearestBuf).fill(-1) : undefined;
    const ccBuf = opts.ccLength > 0 ? new SharedArrayBuffer(opts.ccLength * 8) : undefined;
    this.cc = ccBuf ? new Float64Array(ccBuf) : undefined;
    const src = workerSource();
    for (let w = 0; w < W; w++) {
      const workerData = { ...data, ctl: this.ctl.buffer, res: this.res.buffer, minDist: mdBuf, nearest: nearestBuf, cc: ccBuf, lo: Math.floor((w * n) / W), hi: Math.floor(((w + 1) * n) / W), index: w, workers: W, farthest, safety: PRUNE_SAFETY };
      const worker = new Worker(src, { eval: true, workerData, execArgv: [] });
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** Runs one command on every worker and waits for all of them. @throws Error when a worker failed. */
  private run(cmd: number, k = 0, kid = 0): void {
    const ctl = this.ctl;
    ctl[1] = cmd;
    ctl[2] = k;
    ctl[3] = kid;
    Atomics.store(ctl, 4, 0);
    Atomics.add(ctl, 0, 1);
    Atomics.notify(ctl, 0);
    const W = this.workers.length;
    let last = performance.now();
    let seen = 0;
    for (;;) {
      const d = Atomics.load(ctl, 4);
      if (d >= W) break;
      if (d !== seen) {
        seen = d;
        last = performance.now();
      } else if (performance.now() - last > STALL_MS) throw new Error('k-center worker threads stopped responding');
      Atomics.wait(ctl, 4, d, 1000);
    }
    if (Atomics.load(ctl, 5) !== 0) throw new Error('k-center worker thread failed');
  }

  /** Initial running minimum over the centres (l2 / cosine). */
  init(): void {
    this.run(CMD_INIT);
  }

  /** Fused update + scan after pick k (see `RunningMinUpdate`); reduce in block order, ties → lowest row. */
  update(k: number, kid: number, farthest: boolean): number {
    this.run(CMD_UPDATE, k, kid);
    let best = -1;
    let bv = 0;
    for (let w = 0; w < this.workers.length; w++) {
      const b = this.res[2 * w + 1] as number;
      if (b < 0) continue;
      const v = this.res[2 * w] as number;
      if (best < 0 || (farthest ? v > bv : v < bv)) {
        bv = v;
        best = b;
      }
    }
    return best;
  }

  close(): void {
    this.ctl[1] = CMD_EXIT;
    Atomics.add(this.ctl, 0, 1);
    Atomics.notify(this.ctl, 0);
  }
}

/**
 * {@link kCenterGreedy} (kcenter.ts) split over `threads` worker threads: same arguments, same result
 * (picks and scores bit-identical). `threads` = 1, q = 0 or an empty pool run in the calling thread.
 * @throws RangeError as `kCenterGreedy`; Error when a worker thread fails.
 */
export function kCenterGreedyThreaded(args: KCenterArgs, threads: number): KCenterResult {
  const { n, dim, m, q } = checkKCenterArgs(args);
  if (!Number.isSafeInteger(threads) || threads < 1) throw new RangeError(`kCenterGreedyThreaded: threads must be a positive integer, got ${threads}`);
  if (threads === 1 || n === 0 || q === 0) return kCenterGreedy(args);
  const farthest = args.mode === 'farthest';
  const l2 = args.distance === 'l2';
  const data: Record<string, unknown> = { kind: args.distance, dim, m0: m, points: sharedCopy(args.points.data), centers: m > 0 ? sharedCopy((args.centers as Matrix).data.subarray(0, m * dim)) : undefined };
  const team = new WorkerTeam(n, threads, farthest, data, { nearest: l2, ccLength: l2 ? m + q : 0 });
  try {
    if (m > 0 && n > 0) team.init();
    const p = args.points.data;
    const pickedRows = new Int32Array(q);
    let numPicked = 0;
    return greedyTraversal({
      q,
      mode: args.mode,
      minDist: team.minDist,
      hasCenters: m > 0,
      first: args.first,
      update: (k) => {
        const ko = k * dim;
        const kid = m + numPicked;
        if (l2) {
          const cc = team.cc as Float64Array;
          for (let j = 0; j < m; j++) cc[j] = l2Distance((args.centers as Matrix).data, j * dim, p, ko, dim);
          for (let t = 0; t < numPicked; t++) cc[m + t] = l2Distance(p, (pickedRows[t] as number) * dim, p, ko, dim);
        }
        pickedRows[numPicked++] = k;
        return team.update(k, kid, farthest);
      },
    });
  } finally {
    team.close();
  }
}

/**
 * {@link badgeGreedy} (badge-kernel.ts) split over `threads` worker threads: same arguments, same
 * result (picks and scores bit-identical).
 * @throws RangeError as `badgeGreedy`; Error when a worker thread fails.
 */
export function badgeGreedyThreaded(args: BadgeArgs, threads: number): KCenterResult {
  if (!Number.isSafeInteger(args.q) || args.q < 0) throw new RangeError(`badge: q must be a non-negative integer, got ${args.q}`);
  if (!Number.isSafeInteger(threads) || threads < 1) throw new RangeError(`badgeGreedyThreaded: threads must be a positive integer, got ${threads}`);
  const n = args.probs.rows;
  if (threads === 1 || n === 0 || args.q === 0) return badgeGreedy(args);
  const f = badgeFactors(args.probs, args.features);
  const data = { kind: 'badge', diff: sharedCopy(f.diff), z: sharedCopy(args.features.data), scale: sharedCopy(f.scale), C: f.numClasses, D: args.features.cols };
  const team = new WorkerTeam(n, threads, true, data, { nearest: false, ccLength: 0 });
  try {
    return greedyTraversal({
      q: args.q,
      mode: 'farthest',
      minDist: team.minDist,
      hasCenters: false,
      first: badgeFirstPick(f, args.firstPick ?? 'argmaxRawNorm'),
      update: (k) => team.update(k, 0, true),
    });
  } finally {
    team.close();
  }
}

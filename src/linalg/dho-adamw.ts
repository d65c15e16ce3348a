/**
 * AdamW over ONE flat parameter vector in a single pass (SPEC.md §5.2): the same float32 arithmetic,
 * op by op, as the in-graph update of the fused train graph (dho-graph.ts, `buildDhoTrainGraph`),
 *
 *   m' = m + (g − m)·a1;   v' = v + (g·g − v)·a2;   θ' = θ·decay − (m' / (√v' + epsR))·stepR
 *
 * with the scalars of the graph's `opt` vector (dho-layout.ts `packScalars`: decay, a1 = 1−β1,
 * a2 = 1−β2, epsR = eps/r, stepR = stepSize/r). Every operation is rounded to float32 as
 * onnxruntime's element-wise kernels do, so θ, m, v are bit-identical to the graph's outputs.
 *
 * Two kernels:
 * - {@link adamwFlatJs}: a loop over Float32Arrays with `Math.fround` after each operation (a double
 *   result of +, −, ×, ÷ or √ of float32 operands rounded once to float32 equals the correctly
 *   rounded float32 operation, as 53 ≥ 2·24 + 2);
 * - {@link AdamwWasm}: a WebAssembly SIMD loop (f32x4 add/sub/mul/div/sqrt, IEEE-754 float32,
 *   correctly rounded) over vectors that live in the module's memory, 4 lanes at a time.
 */
import { OPT_LEN } from './dho-layout.ts';

/**
 * One AdamW update in place over flat float32 vectors, op by op as the fused graph (see the module
 * comment). `opt` is the graph's scalar vector (length {@link OPT_LEN}, see `packScalars`).
 * @throws RangeError when the four vectors differ in length or `opt` is too short.
 */
export function adamwFlatJs(theta: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, opt: Float32Array): void {
  const n = theta.length;
  if (grad.length !== n || m.length !== n || v.length !== n) throw new RangeError(`adamwFlatJs: θ, grad, m, v must have equal lengths (${n}, ${grad.length}, ${m.length}, ${v.length})`);
  if (opt.length < OPT_LEN) throw new RangeError(`adamwFlatJs: opt must have ${OPT_LEN} values, got ${opt.length}`);
  const f = Math.fround;
  const decay = opt[0] as number;
  const a1 = opt[1] as number;
  const a2 = opt[2] as number;
  const epsR = opt[3] as number;
  const stepR = opt[4] as number;
  for (let i = 0; i < n; i++) {
    const g = grad[i] as number;
    const m0 = m[i] as number;
    const v0 = v[i] as number;
    const mi = f(m0 + f(f(g - m0) * a1));
    const vi = f(v0 + f(f(f(g * g) - v0) * a2));
    m[i] = mi;
    v[i] = vi;
    const upd = f(f(mi / f(f(Math.sqrt(vi)) + epsR)) * stepR);
    theta[i] = f((theta[i] as number) * decay) - upd;
  }
}

// ---- WebAssembly SIMD kernel -------------------------------------------------------------------

/** Unsigned LEB128 bytes of `n`. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

const vec = (bytes: readonly number[]): number[] => [...uleb(bytes.length), ...bytes];
const section = (id: number, body: readonly number[]): number[] => [id, ...vec(body)];
const str = (s: string): number[] => vec([...s].map((c) => c.charCodeAt(0)));

/**
 * The module: imports memory `env.mem`, exports `adamw(θ, g, m, v, nBytes, decay, a1, a2, epsR, stepR)`
 * (byte offsets, 16-byte aligned; nBytes a multiple of 16). Hand-assembled (no toolchain needed);
 * the body below is, in WAT:
 *
 *   (local $i i32) (local $D v128) (local $A1 v128) (local $A2 v128) (local $E v128) (local $S v128)
 *   (local $g v128) (local $m v128) (local $v v128)
 *   splat each scalar;
 *   block loop
 *     br_if 1 (i32.ge_u $i nBytes)
 *     $g = load(g+$i);  $m = load(m+$i);  $m = $m + ($g − $m)·$A1;  store(m+$i, $m)
 *     $v = load(v+$i);  $v = $v + ($g·$g − $v)·$A2;  store(v+$i, $v)
 *     store(θ+$i, load(θ+$i)·$D − ($m / (sqrt($v) + $E))·$S)
 *     $i += 16;  br 0
 *   end end
 */
function adamwWasmBytes(): Uint8Array {
  const I32 = 0x7f;
  const F32 = 0x7d;
  const V128 = 0x7b;
  const get = (i: number): number[] => [0x20, i];
  const set = (i: number): number[] => [0x21, i];
  const simd = (op: number): number[] => [0xfd, ...uleb(op)];
  const load = [...simd(0x00), 0x04, 0x00]; // v128.load align=16 offset=0
  const store = [...simd(0x0b), 0x04, 0x00]; // v128.store align=16 offset=0
  const splat = simd(0x13);
  const sqrt = simd(0xe3);
  const add = simd(0xe4);
  const sub = simd(0xe5);
  const mul = simd(0xe6);
  const div = simd(0xe7);
  const iAdd = [0x6a];
  // params: 0 θ, 1 g, 2 m, 3 v, 4 nBytes (i32); 5 decay, 6 a1, 7 a2, 8 epsR, 9 stepR (f32)
  // locals: 10 i (i32); 11 D, 12 A1, 13 A2, 14 E, 15 S, 16 g, 17 m, 18 v (v128)
  const at = (base: number): number[] => [...get(base), ...get(10), ...iAdd];
  const body = [
    ...[2, 1, I32, 8, V128], // local declarations: 1×i32, 8×v128
    ...[5, 6, 7, 8, 9].flatMap((p, k) => [...get(p), ...splat, ...set(11 + k)]),
    0x02, 0x40, // block
    0x03, 0x40, // loop
    ...get(10), ...get(4), 0x4f, 0x0d, 1, // br_if 1 (i >= nBytes)
    ...at(1), ...load, ...set(16),
    ...at(2), ...load, ...set(17),
    ...get(17), ...get(16), ...get(17), ...sub, ...get(12), ...mul, ...add, ...set(17),
    ...at(2), ...get(17), ...store,
    ...at(3), ...load, ...set(18),
    ...get(18), ...get(16), ...get(16), ...mul, ...get(18), ...sub, ...get(13), ...mul, ...add, ...set(18),
    ...at(3), ...get(18), ...store,
    ...at(0),
    ...at(0), ...load, ...get(11), ...mul,
    ...get(17), ...get(18), ...sqrt, ...get(14), ...add, ...div, ...get(15), ...mul,
    ...sub, ...store,
    ...get(10), 0x41, 16, ...iAdd, ...set(10), // i += 16
    0x0c, 0, // br 0
    0x0b, // end loop
    0x0b, // end block
    0x0b, // end function
  ];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, ...vec([I32, I32, I32, I32, I32, F32, F32, F32, F32, F32]), 0]),
    ...section(2, [1, ...str('env'), ...str('mem'), 0x02, 0x00, 0x00]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...str('adamw'), 0x00, 0]),
    ...section(10, [1, ...vec(body)]),
  ];
  return Uint8Array.from(bytes);
}

type AdamwExport = (theta: number, grad: number, m: number, v: number, nBytes: number, decay: number, a1: number, a2: number, epsR: number, stepR: number) => void;

/** The part of the WebAssembly JS API used here (the project's lib/types settings do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
}

const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
let wasmModule: object | null | undefined;

/** The compiled kernel module, or null when this runtime lacks WebAssembly SIMD. */
function kernelModule(): object | null {
  if (wasmModule === undefined) {
    const bytes = adamwWasmBytes();
    wasmModule = wasmApi !== undefined && wasmApi.validate(bytes) ? new wasmApi.Module(bytes) : null;
  }
  return wasmModule;
}

/** Whether the WebAssembly SIMD kernel is available in this runtime. */
export function wasmSimdAvailable(): boolean {
  return kernelModule() !== null;
}

/**
 * θ, gradient, m and v of `n` float32 values in one WebAssembly memory (allocated once, never
 * grown, so the views stay valid), and the SIMD AdamW kernel over them. The views can be handed to
 * onnxruntime as tensors (the gradient graph writes `grad` in place).
 */
export class AdamwWasm {
  /** Parameter vector θ (length n). */
  readonly theta: Float32Array;
  /** Gradient (length n), written by the caller before {@link step}. */
  readonly grad: Float32Array;
  /** First moments (length n, zero-initialised). */
  readonly m: Float32Array;
  /** Second moments (length n, zero-initialised). */
  readonly v: Float32Array;
  private readonly fn: AdamwExport;
  private readonly offs: readonly [number, number, number, number];
  private readonly nBytes: number;

  /**
   * @param n number of parameters (≥ 1)
   * @throws RangeError when n is not a positive integer; Error when WebAssembly SIMD is unavailable
   *   (see {@link wasmSimdAvailable}).
   */
  constructor(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`AdamwWasm: n must be a positive integer, got ${n}`);
    const mod = kernelModule();
    if (mod === null || wasmApi === undefined) throw new Error('AdamwWasm: this runtime has no WebAssembly SIMD');
    const padded = Math.ceil(n / 4) * 4; // whole f32x4 lanes; the padding stays 0 (g = 0 keeps θ = 0)
    const stride = padded * 4;
    const pages = Math.ceil((4 * stride) / 65536) || 1;
    const mem = new wasmApi.Memory({ initial: pages, maximum: pages });
    const inst = new wasmApi.Instance(mod, { env: { mem } });
    this.fn = inst.exports.adamw as AdamwExport;
    this.offs = [0, stride, 2 * stride, 3 * stride];
    this.nBytes = stride;
    const view = (k: number): Float32Array => new Float32Array(mem.buffer, k * stride, n);
    this.theta = view(0);
    this.grad = view(1);
    this.m = view(2);
    this.v = view(3);
  }

  /** One AdamW update in place with the graph's `opt` scalars (see `packScalars`). @throws RangeError when `opt` is too short. */
  step(opt: Float32Array): void {
    if (opt.length < OPT_LEN) throw new RangeError(`AdamwWasm.step: opt must have ${OPT_LEN} values, got ${opt.length}`);
    const [t, g, m, v] = this.offs;
    this.fn(t, g, m, v, this.nBytes, opt[0] as number, opt[1] as number, opt[2] as number, opt[3] as number, opt[4] as number);
  }
}

/** Which flat AdamW kernel: WebAssembly SIMD, the `Math.fround` loop, or `'auto'` (SIMD when available). */
export type FlatAdamwKind = 'wasm' | 'js' | 'auto';

/**
 * θ, gradient, m, v of `n` float32 values and a single-pass AdamW update over them (in place).
 * Both kernels give bit-identical results (see the module comment).
 */
export interface FlatAdamw {
  readonly kind: 'wasm' | 'js';
  readonly theta: Float32Array;
  readonly grad: Float32Array;
  readonly m: Float32Array;
  readonly v: Float32Array;
  /** One update with the graph's `opt` scalars (see `packScalars`). */
  step(opt: Float32Array): void;
}

/**
 * Allocates the four vectors of `n` values (m, v zero) with the chosen kernel.
 * @throws RangeError when n is not a positive integer; Error when `'wasm'` is requested on a runtime
 *   without WebAssembly SIMD.
 */
export function createFlatAdamw(n: number, kind: FlatAdamwKind = 'auto'): FlatAdamw {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`createFlatAdamw: n must be a positive integer, got ${n}`);
  if (kind === 'wasm' || (kind === 'auto' && wasmSimdAvailable())) {
    const w = new AdamwWasm(n);
    return { kind: 'wasm', theta: w.theta, grad: w.grad, m: w.m, v: w.v, step: (opt) => w.step(opt) };
  }
  const theta = new Float32Array(n);
  const grad = new Float32Array(n);
  const m = new Float32Array(n);
  const v = new Float32Array(n);
  return { kind: 'js', theta, grad, m, v, step: (opt) => adamwFlatJs(theta, grad, m, v, opt) };
}

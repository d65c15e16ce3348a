/**
 * ONNX graphs of the DHO student (SPEC.md §5.1, §5.2, §6), built with {@link GraphBuilder}:
 *
 * - {@link buildDhoGradGraph}: loss and gradient — the forward and hand-derived backward below
 *   (the same formulas as dho-ref.ts, which is its test oracle); the engine then applies AdamW in
 *   one pass over the flat vectors (dho-adamw.ts). Its inputs are those below without the moments
 *   (`opt` only for 1/T); its outputs `g_p` (∂loss/∂p) for every block and loss.
 * - {@link buildDhoTrainGraph}: ONE fused train step — the same forward and backward and the
 *   PyTorch AdamW update as 14 element-wise ops per block (the reference of dho-adamw.ts).
 *   Inputs:  X [B×D], Y [B×C] one-hot, wce [B×1], (distill: Q [B×C] soft targets, wkd [B×1]),
 *            for each parameter block p of the layout (dho-layout.ts: W1, b1, W2, b2 or W2, b2):
 *            `p`, `m_p`, `v_p` (same shape as the block), and opt [6] (see `packScalars`).
 *   Outputs: `p_out`, `m_p_out`, `v_p_out` for every block, and loss [] (at the old parameters).
 *   B is a symbolic dimension, so one session serves every batch size. Because every block is
 *   its own input, the caller can keep θ, m, v as flat vectors and feed sub-array views.
 * - {@link buildDhoPredictGraph}: X [N×D] → ce, kd [N×C], probs [N×C] = α·softmax(ce) +
 *   (1−α)·softmax(kd·invBeta), and (adapter) h [N×H]. N is symbolic.
 */
import { GraphBuilder } from './onnx-graph.ts';
import type { DhoShape } from './dho-layout.ts';
import { block, blockNames, dhoLayout, OPT_LEN } from './dho-layout.ts';
import { LOG_Q_FLOOR } from './dho-ref.ts';

/** Input/output tensor names of the train-step graph (parameter blocks use their block name). */
export const TRAIN_IO = {
  X: 'X',
  Y: 'Y',
  Q: 'Q',
  wce: 'wce',
  wkd: 'wkd',
  opt: 'opt',
  loss: 'loss',
} as const;

/** Names of a block's tensors in the train graphs: parameter, moments, their updated outputs, and its gradient (grad graph). */
export function blockIo(name: string): { p: string; m: string; v: string; pOut: string; mOut: string; vOut: string; g: string } {
  return { p: name, m: `m_${name}`, v: `v_${name}`, pOut: `${name}_out`, mOut: `m_${name}_out`, vOut: `v_${name}_out`, g: `g_${name}` };
}

/** Input/output tensor names of the predict graph. */
export const PREDICT_IO = {
  X: 'X',
  W1: 'W1',
  b1: 'b1',
  W2: 'W2',
  b2: 'b2',
  alpha: 'alpha',
  invBeta: 'inv_beta',
  ce: 'ce',
  kd: 'kd',
  probs: 'probs',
  h: 'h',
} as const;

/**
 * Serialized train-step model for `shape` (see the module comment for its inputs and outputs):
 * loss, gradient and the AdamW update of every block, 14 element-wise ops per block.
 * @throws RangeError on invalid dimensions (via `dhoLayout`).
 */
export function buildDhoTrainGraph(shape: DhoShape): Uint8Array {
  return buildStepGraph(shape, true);
}

/**
 * Serialized loss-and-gradient model for `shape`: the forward and backward of
 * {@link buildDhoTrainGraph} without the AdamW update (which the caller then runs over one flat
 * vector, see dho-adamw.ts). Inputs: X, Y, wce, (distill) Q, wkd and `opt` (only its 1/T entry is
 * read), and each parameter block `p`. Outputs: `g_p` (∂loss/∂p, same shape as the block) for
 * every block, and loss []. The gradients are bit-identical to the ones the fused graph feeds to
 * its AdamW ops (same nodes, same kernels).
 * @throws RangeError on invalid dimensions (via `dhoLayout`).
 */
export function buildDhoGradGraph(shape: DhoShape): Uint8Array {
  return buildStepGraph(shape, false);
}

/** The train-step graph with (`adamw`) or without the in-graph AdamW update. */
function buildStepGraph(shape: DhoShape, adamw: boolean): Uint8Array {
  const L = dhoLayout(shape);
  const { D, C, distill } = shape;
  const g = new GraphBuilder(`dho_${adamw ? 'train' : 'grad'}_${shape.head}_${distill ? 'kd' : 'ce'}`);
  const io = TRAIN_IO;
  const X = g.input(io.X, 'float32', ['B', D]);
  const Y = g.input(io.Y, 'float32', ['B', C]);
  const wce = g.input(io.wce, 'float32', ['B', 1]);
  const Q = distill ? g.input(io.Q, 'float32', ['B', C]) : '';
  const wkd = distill ? g.input(io.wkd, 'float32', ['B', 1]) : '';
  const dims = (name: 'W1' | 'b1' | 'W2' | 'b2'): number[] => {
    const b = block(L, name);
    return b.rows === 1 ? [b.cols] : [b.rows, b.cols];
  };
  for (const name of blockNames(L)) {
    const n = blockIo(name);
    g.input(n.p, 'float32', dims(name));
    if (adamw) {
      g.input(n.m, 'float32', dims(name));
      g.input(n.v, 'float32', dims(name));
    }
  }
  const opt = g.input(io.opt, 'float32', [OPT_LEN]);
  const scalar = (k: number): string => g.op('Gather', [opt, g.initializer(g.fresh('idx'), 'int64', [], [k])], { axis: 0 });
  // The grad graph reads only 1/T (unused Gathers would still cost a kernel launch each).
  const [decay, a1, a2, epsR, stepR] = (adamw ? [0, 1, 2, 3, 4].map(scalar) : ['', '', '', '', '']) as [string, string, string, string, string];
  const invT = scalar(5);
  const ax0 = g.constInt64([0]);
  const ax1 = g.constInt64([1]);

  // ---- forward
  const adapter = L.W1 !== undefined;
  let u = X;
  let hpre = '';
  if (adapter) {
    hpre = g.op('Gemm', [X, 'W1', 'b1']);
    u = g.op('Relu', [hpre]);
  }
  const logits = g.op('Gemm', [u, 'W2', 'b2']);
  let ce = logits;
  let kd = '';
  if (distill) [ce, kd] = g.node('Split', [logits, g.constInt64([C, C])], 2, { axis: 1 }) as [string, string];

  // ---- CE head: loss and ∂/∂ce = wce·(softmax(ce) − y)
  const lsmCe = g.op('LogSoftmax', [ce], { axis: 1 });
  const ceRow = g.op('ReduceSum', [g.op('Mul', [Y, lsmCe]), ax1], { keepdims: 1 });
  const lossCe = g.op('Neg', [g.op('ReduceSum', [g.op('Mul', [ceRow, wce])], { keepdims: 0 })]);
  const gCe = g.op('Mul', [g.op('Sub', [g.op('Exp', [lsmCe]), Y]), wce]);

  let G = gCe;
  let loss = lossCe;
  if (distill) {
    // ---- KD head: KL(q ‖ softmax(kd/T)) and ∂/∂kd = wkd·(1/T)·(p − q)
    const lsmKd = g.op('LogSoftmax', [g.op('Mul', [kd, invT])], { axis: 1 });
    const logQ = g.op('Log', [g.op('Max', [Q, g.constScalar(LOG_Q_FLOOR)])]);
    const klRow = g.op('ReduceSum', [g.op('Mul', [Q, g.op('Sub', [logQ, lsmKd])]), ax1], { keepdims: 1 });
    const lossKd = g.op('ReduceSum', [g.op('Mul', [klRow, wkd])], { keepdims: 0 });
    const gKd = g.op('Mul', [g.op('Sub', [g.op('Exp', [lsmKd]), Q]), g.op('Mul', [wkd, invT])]);
    G = g.op('Concat', [gCe, gKd], { axis: 1 });
    loss = g.op('Add', [lossCe, lossKd]);
  }
  g.op('Identity', [loss], {}, io.loss);

  // ---- backward
  const grads: Record<string, string> = {};
  const gOut = (name: string): string | undefined => (adamw ? undefined : blockIo(name).g);
  grads.W2 = g.op('Gemm', [u, G], { transA: 1 }, gOut('W2'));
  grads.b2 = g.op('ReduceSum', [G, ax0], { keepdims: 0 }, gOut('b2'));
  if (adapter) {
    const dh = g.op('Gemm', [G, 'W2'], { transB: 1 });
    const zero = g.constScalar(0);
    const dhpre = g.op('Where', [g.op('Greater', [hpre, zero]), dh, zero]);
    grads.W1 = g.op('Gemm', [X, dhpre], { transA: 1 }, gOut('W1'));
    grads.b1 = g.op('ReduceSum', [dhpre, ax0], { keepdims: 0 }, gOut('b1'));
  }
  if (!adamw) {
    for (const name of blockNames(L)) g.output(blockIo(name).g, 'float32', dims(name));
    g.output(io.loss, 'float32', []);
    return g.build();
  }

  // ---- AdamW (PyTorch, decoupled weight decay), per block:
  //   m' = m + (1−β1)(g − m);  v' = v + (1−β2)(g² − v);  θ' = θ·decay − (stepSize/r)·m'/(√v' + eps/r)
  for (const name of blockNames(L)) {
    const n = blockIo(name);
    const gr = grads[name] as string;
    const mNew = g.op('Add', [n.m, g.op('Mul', [g.op('Sub', [gr, n.m]), a1])], {}, n.mOut);
    const vNew = g.op('Add', [n.v, g.op('Mul', [g.op('Sub', [g.op('Mul', [gr, gr]), n.v]), a2])], {}, n.vOut);
    const upd = g.op('Mul', [g.op('Div', [mNew, g.op('Add', [g.op('Sqrt', [vNew]), epsR])]), stepR]);
    g.op('Sub', [g.op('Mul', [n.p, decay]), upd], {}, n.pOut);
    g.output(n.pOut, 'float32', dims(name));
    g.output(n.mOut, 'float32', dims(name));
    g.output(n.vOut, 'float32', dims(name));
  }
  g.output(io.loss, 'float32', []);
  return g.build();
}

/**
 * Serialized predict model: inputs X [N×D], (adapter) W1 [D×H], b1 [H], W2 [in×2C], b2 [2C],
 * alpha [], inv_beta []; outputs ce, kd, probs [N×C] and (adapter) h [N×H].
 * @throws RangeError on invalid dimensions.
 */
export function buildDhoPredictGraph(shape: Pick<DhoShape, 'head' | 'D' | 'H' | 'C'>): Uint8Array {
  const L = dhoLayout({ ...shape, distill: true });
  const { D, C } = shape;
  const Hin = L.headIn;
  const io = PREDICT_IO;
  const g = new GraphBuilder(`dho_predict_${shape.head}`);
  const X = g.input(io.X, 'float32', ['N', D]);
  let u = X;
  if (shape.head === 'adapter') {
    const W1 = g.input(io.W1, 'float32', [D, Hin]);
    const b1 = g.input(io.b1, 'float32', [Hin]);
    u = g.op('Relu', [g.op('Gemm', [X, W1, b1])], {}, io.h);
  }
  const W2 = g.input(io.W2, 'float32', [Hin, 2 * C]);
  const b2 = g.input(io.b2, 'float32', [2 * C]);
  const alpha = g.input(io.alpha, 'float32', []);
  const invBeta = g.input(io.invBeta, 'float32', []);
  const logits = g.op('Gemm', [u, W2, b2]);
  g.node('Split', [logits, g.constInt64([C, C])], [io.ce, io.kd], { axis: 1 });
  const pCe = g.op('Softmax', [io.ce], { axis: 1 });
  const pKd = g.op('Softmax', [g.op('Mul', [io.kd, invBeta])], { axis: 1 });
  const oneMinus = g.op('Sub', [g.constScalar(1), alpha]);
  g.op('Add', [g.op('Mul', [pCe, alpha]), g.op('Mul', [pKd, oneMinus])], {}, io.probs);
  g.output(io.ce, 'float32', ['N', C]);
  g.output(io.kd, 'float32', ['N', C]);
  g.output(io.probs, 'float32', ['N', C]);
  if (shape.head === 'adapter') g.output(io.h, 'float32', ['N', Hin]);
  return g.build();
}

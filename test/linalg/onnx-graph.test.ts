import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder, attrFloat } from '../../src/linalg/onnx-graph.ts';
import { createSession, f32Tensor, runSession, scalarTensor, tensorToMatrix } from '../../src/linalg/ort-session.ts';
import { matrix } from '../../src/linalg/matrix.ts';

test('GraphBuilder: Gemm(transA) + scaled add on symbolic dims matches hand computation', async () => {
  const g = new GraphBuilder('t');
  const a = g.input('A', 'float32', [3, 'n']);
  const b = g.input('B', 'float32', [3, 2]);
  const s = g.input('s', 'float32', []);
  const at = g.op('Gemm', [a, b], { transA: 1, alpha: attrFloat(2) }); // 2·Aᵀ·B  (n×2)
  const bias = g.initializer('bias', 'float32', [2], Float32Array.of(10, 20));
  g.op('Add', [g.op('Mul', [at, s]), bias], {}, 'Y');
  g.output('Y', 'float32', ['n', 2]);
  const sess = await createSession(g.build(), { threads: 1 });
  const A = Float32Array.of(1, 2, 3, 4, 5, 6); // rows of A (3×2): [1,2],[3,4],[5,6]
  const B = Float32Array.of(1, 0, 0, 1, 1, 1);
  const out = await runSession(sess, { A: matrix(3, 2, A), B: matrix(3, 2, B), s: scalarTensor(0.5) });
  const Y = out.Y;
  assert.ok(Y);
  assert.equal(Y.rows, 2);
  assert.equal(Y.cols, 2);
  // (Aᵀ·B)[i][j] = Σ_k A[k][i]·B[k][j]; result = 0.5·2·(Aᵀ·B) + bias
  const expect: number[] = [];
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 2; j++) {
      let acc = 0;
      for (let k = 0; k < 3; k++) acc += (A[k * 2 + i] as number) * (B[k * 2 + j] as number);
      expect.push(acc + (j === 0 ? 10 : 20));
    }
  }
  assert.deepEqual(Array.from(Y.data), expect);
  await sess.release();
});

test('GraphBuilder: int64 initializers, Split into two outputs, pre-allocated outputs are written in place', async () => {
  const g = new GraphBuilder('split');
  const x = g.input('x', 'float32', ['r', 4]);
  g.node('Split', [x, g.constInt64([1, 3])], ['left', 'right'], { axis: 1 });
  g.output('left', 'float32', ['r', 1]);
  g.output('right', 'float32', ['r', 3]);
  const sess = await createSession(g.build(), { threads: 1 });
  const X = matrix(2, 4, Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8));
  const left = matrix(2, 1);
  const right = matrix(2, 3);
  const r = await runSession(sess, { x: X }, { left, right });
  assert.deepEqual(Array.from(left.data), [1, 5]);
  assert.deepEqual(Array.from(right.data), [2, 3, 4, 6, 7, 8]);
  assert.equal(r.left, left);
  // Named fetch list → fresh arrays.
  const r2 = await runSession(sess, { x: X }, ['right']);
  assert.deepEqual(Object.keys(r2), ['right']);
  assert.deepEqual(Array.from(r2.right?.data ?? []), [2, 3, 4, 6, 7, 8]);
  // Sub-array views work as feeds and as pre-allocated outputs.
  const big = new Float32Array(20);
  big.set(X.data, 3);
  const outBig = new Float32Array(10);
  await sess.run({ x: f32Tensor(big.subarray(3, 11), [2, 4]) }, { left: f32Tensor(outBig.subarray(1, 3), [2, 1]), right: f32Tensor(outBig.subarray(4, 10), [2, 3]) });
  assert.deepEqual(Array.from(outBig), [0, 1, 5, 0, 2, 3, 4, 6, 7, 8]);
  await sess.release();
});

test('GraphBuilder: rejects duplicate names and wrong initializer sizes', () => {
  const g = new GraphBuilder('bad');
  g.input('x', 'float32', [2]);
  assert.throws(() => g.input('x', 'float32', [2]), RangeError);
  assert.throws(() => g.initializer('w', 'float32', [2, 2], [1, 2, 3]), RangeError);
  const f1 = g.fresh('t');
  const f2 = g.fresh('t');
  assert.notEqual(f1, f2);
});

test('tensorToMatrix maps ranks 0–2 and rejects others', () => {
  assert.deepEqual(tensorToMatrix(scalarTensor(3)).rows, 1);
  const v = tensorToMatrix(f32Tensor(Float32Array.of(1, 2, 3), [3]));
  assert.equal(v.rows, 3);
  assert.equal(v.cols, 1);
  const m = tensorToMatrix(f32Tensor(new Float32Array(6), [2, 3]));
  assert.equal(m.cols, 3);
  assert.throws(() => tensorToMatrix(f32Tensor(new Float32Array(8), [2, 2, 2])), RangeError);
  assert.throws(() => f32Tensor(new Float32Array(5), [2, 3]), RangeError);
});

test('createSession rejects a bad thread count', async () => {
  const g = new GraphBuilder('id');
  g.input('x', 'float32', [1]);
  g.output(g.op('Identity', ['x'], {}, 'y'), 'float32', [1]);
  await assert.rejects(createSession(g.build(), { threads: 0 }), RangeError);
});

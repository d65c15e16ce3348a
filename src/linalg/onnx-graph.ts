/**
 * A tiny typed builder for in-memory ONNX graphs (docs/ARCHITECTURE.md, `linalg/`).
 *
 * Modules that need dense numerics on onnxruntime-node (the DHO train step, k-center distance
 * updates, …) describe a graph with {@link GraphBuilder}, call {@link GraphBuilder.build} to get the
 * serialized `ModelProto` bytes, and hand them to `createSession` (src/linalg/ort-session.ts).
 *
 * Conventions: tensor names are plain strings; `node()` returns its output names so graphs read
 * like straight-line code; `op()` is the one-output shorthand that invents a fresh name.
 * Initializers are stored as little-endian `raw_data`. Default opset: 17 (ai.onnx), IR version 8.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Element types supported by the builder (ONNX TensorProto.DataType subset). */
export type DType = 'float32' | 'float64' | 'int32' | 'int64' | 'bool' | 'uint8';

/** A dimension: a fixed size, or a symbolic name (e.g. `'N'`) for a size chosen at run time. */
export type Dim = number | string;

/**
 * An attribute value. A JS number is written as INT when it is an integer and FLOAT otherwise; use
 * {@link attrFloat} to force FLOAT for integral values (e.g. `alpha: attrFloat(1)`), and
 * {@link attrFloats} for a FLOATS list. `number[]` → INTS, `string` → STRING.
 */
export type AttrValue = number | string | readonly number[] | FloatAttr | FloatsAttr | GraphAttr;

/** Marker for a FLOAT attribute (see {@link attrFloat}). */
export interface FloatAttr {
  readonly kind: 'float';
  readonly value: number;
}
/** Marker for a FLOATS attribute (see {@link attrFloats}). */
export interface FloatsAttr {
  readonly kind: 'floats';
  readonly value: readonly number[];
}

/** Marker for a GRAPH attribute (see {@link attrGraph}). */
export interface GraphAttr {
  readonly kind: 'graph';
  readonly value: GraphMsg;
}

/**
 * A GRAPH attribute (the branches of `If`, the body of `Loop`): the graph of `body`, built with
 * {@link GraphBuilder.graph}. A subgraph may read any tensor of the enclosing graph by name; its
 * own tensor names must not repeat the enclosing graph's (ONNX: one assignment per name).
 */
export function attrGraph(body: GraphBuilder): GraphAttr {
  return { kind: 'graph', value: body.graph() };
}

/** Forces a FLOAT attribute even when `v` is integral. */
export function attrFloat(v: number): FloatAttr {
  return { kind: 'float', value: v };
}
/** A FLOATS attribute. */
export function attrFloats(v: readonly number[]): FloatsAttr {
  return { kind: 'floats', value: v };
}

/** Typed-array payload accepted for each element type of an initializer. */
export type InitData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | readonly number[];

const DTYPE_CODE: Record<DType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float64: onnx.TensorProto.DataType.DOUBLE,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
  uint8: onnx.TensorProto.DataType.UINT8,
};

/** Options of {@link GraphBuilder}. */
export interface GraphBuilderOptions {
  /** ai.onnx opset version (default 17). */
  readonly opset?: number;
  /** Extra operator-set imports, e.g. `{ 'com.microsoft': 1 }`. */
  readonly extraOpsets?: Readonly<Record<string, number>>;
  /** ModelProto.producer_name (default `'activekd'`). */
  readonly producer?: string;
}

type NodeMsg = InstanceType<typeof onnx.NodeProto>;
type TensorMsg = InstanceType<typeof onnx.TensorProto>;
type ValueInfoMsg = InstanceType<typeof onnx.ValueInfoProto>;
type GraphMsg = InstanceType<typeof onnx.GraphProto>;

/**
 * Builds one ONNX graph. Not reusable after {@link build} is called only in the sense that later
 * additions produce a new, larger model on the next `build()`.
 *
 * @example
 * const g = new GraphBuilder('axpy');
 * const x = g.input('x', 'float32', ['N']);
 * const y = g.op('Mul', [x, g.constScalar(2)]);
 * g.output(g.op('Identity', [y], {}, 'out'), 'float32', ['N']);
 * const bytes = g.build();
 */
export class GraphBuilder {
  readonly name: string;
  private readonly opset: number;
  private readonly extraOpsets: Readonly<Record<string, number>>;
  private readonly producer: string;
  private readonly nodes: NodeMsg[] = [];
  private readonly inputs: ValueInfoMsg[] = [];
  private readonly outputs: ValueInfoMsg[] = [];
  private readonly inits: TensorMsg[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(name: string, opts: GraphBuilderOptions = {}) {
    this.name = name;
    this.opset = opts.opset ?? 17;
    this.extraOpsets = opts.extraOpsets ?? {};
    this.producer = opts.producer ?? 'activekd';
  }

  /**
   * A fresh tensor name with the given prefix: not used so far and never returned again by `fresh`.
   * The name is not reserved until it is used (as an input, initializer or node output).
   */
  fresh(prefix = 't'): string {
    for (;;) {
      const n = `${prefix}_${this.counter++}`;
      if (!this.names.has(n)) return n;
    }
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new RangeError(`GraphBuilder(${this.name}): tensor name '${name}' is already used`);
    this.names.add(name);
    return name;
  }

  /** Declares a graph input; returns its name. @throws RangeError when the name is taken. */
  input(name: string, dtype: DType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), dtype, dims));
    return name;
  }

  /**
   * Declares `name` (an existing tensor, typically a node output) as a graph output. Graph outputs
   * must be produced by a node (use an `Identity` node to expose an input or initializer).
   */
  output(name: string, dtype: DType, dims: readonly Dim[]): string {
    this.outputs.push(valueInfo(name, dtype, dims));
    return name;
  }

  /**
   * Adds a constant tensor (stored in the model). `data.length` must equal the product of `dims`
   * (1 for a scalar, `dims = []`). @throws RangeError on a length mismatch or a taken name.
   */
  initializer(name: string, dtype: DType, dims: readonly number[], data: InitData): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new RangeError(`GraphBuilder: initializer '${name}' has ${data.length} values, dims [${dims.join(',')}] need ${n}`);
    this.inits.push(
      onnx.TensorProto.create({
        name: this.claim(name),
        dataType: DTYPE_CODE[dtype],
        dims: dims.slice(),
        rawData: rawBytes(dtype, data),
      }),
    );
    return name;
  }

  /** A float32 scalar constant (rank 0) with a fresh name. */
  constScalar(v: number, dtype: DType = 'float32'): string {
    return this.initializer(this.fresh('c'), dtype, [], [v]);
  }

  /** A 1-D int64 constant (axes, shapes, split sizes, slice bounds) with a fresh name. */
  constInt64(values: readonly number[]): string {
    return this.initializer(this.fresh('i64'), 'int64', [values.length], values);
  }

  /**
   * Adds a node. `outputs` is either explicit names or a count of fresh names to create.
   * Returns the output names. Use `''` in `inputs` for an omitted optional input.
   */
  node(opType: string, inputs: readonly string[], outputs: readonly string[] | number = 1, attrs: Readonly<Record<string, AttrValue>> = {}, domain = ''): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.claim(this.fresh(opType.toLowerCase()))) : outputs.map((o) => this.claim(o));
    this.nodes.push(
      onnx.NodeProto.create({
        name: this.fresh(`n_${opType}`),
        opType,
        domain,
        input: inputs.slice(),
        output: outs,
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }),
    );
    return outs;
  }

  /** One-output shorthand for {@link node}; `outName` defaults to a fresh name. */
  op(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, AttrValue>> = {}, outName?: string): string {
    const out = this.node(opType, inputs, outName === undefined ? 1 : [outName], attrs);
    return out[0] as string;
  }

  /** The graph alone (GraphProto): a subgraph for {@link attrGraph}, or a graph to merge into another model. */
  graph(): GraphMsg {
    return onnx.GraphProto.create({ name: this.name, node: this.nodes, input: this.inputs, output: this.outputs, initializer: this.inits });
  }

  /** Serializes the model (ModelProto, IR version 8) to bytes for `InferenceSession.create`. */
  build(): Uint8Array {
    const opsetImport = [{ domain: '', version: this.opset }, ...Object.entries(this.extraOpsets).map(([domain, version]) => ({ domain, version }))];
    const model = onnx.ModelProto.create({ irVersion: 8, opsetImport, producerName: this.producer, graph: this.graph() });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, dtype: DType, dims: readonly Dim[]): ValueInfoMsg {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: DTYPE_CODE[dtype],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

function attribute(name: string, v: AttrValue): InstanceType<typeof onnx.AttributeProto> {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') {
    return Number.isInteger(v) ? onnx.AttributeProto.create({ name, type: T.INT, i: v }) : onnx.AttributeProto.create({ name, type: T.FLOAT, f: v });
  }
  if (typeof v === 'string') return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(v) });
  if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: T.INTS, ints: (v as number[]).slice() });
  const tagged = v as FloatAttr | FloatsAttr | GraphAttr;
  if (tagged.kind === 'graph') return onnx.AttributeProto.create({ name, type: T.GRAPH, g: tagged.value });
  if (tagged.kind === 'float') return onnx.AttributeProto.create({ name, type: T.FLOAT, f: tagged.value });
  return onnx.AttributeProto.create({ name, type: T.FLOATS, floats: tagged.value.slice() });
}

function rawBytes(dtype: DType, data: InitData): Uint8Array {
  let arr: ArrayBufferView;
  switch (dtype) {
    case 'float32':
      arr = data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
      break;
    case 'float64':
      arr = data instanceof Float64Array ? data : Float64Array.from(data as ArrayLike<number>);
      break;
    case 'int32':
      arr = data instanceof Int32Array ? data : Int32Array.from(data as ArrayLike<number>);
      break;
    case 'int64':
      arr = data instanceof BigInt64Array ? data : BigInt64Array.from(Array.from(data as ArrayLike<number>, (x) => BigInt(x)));
      break;
    case 'bool':
    case 'uint8':
      arr = data instanceof Uint8Array ? data : Uint8Array.from(data as ArrayLike<number>);
      break;
  }
  // Copy so the model owns its bytes (the caller may reuse the source buffer). ONNX raw_data is little-endian,
  // which is every platform Node supports.
  return new Uint8Array(arr.buffer.slice(arr.byteOffset, arr.byteOffset + arr.byteLength));
}

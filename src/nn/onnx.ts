/**
 * ONNX import: an `.onnx` file → the layer chain of graph.ts.
 *
 * Decoding is done by `onnx-proto` (protobufjs code generated from the official
 * onnx.proto); this module only checks and converts. Supported, as a chain from
 * the one graph input (NCHW [N,3,32,32] float) to the one graph output:
 *
 * - Conv: 2-D, group 1, dilations 1, auto_pad NOTSET, weights and bias as constants
 * - Gemm: alpha = beta = 1, transA 0, transB 0 or 1 (normalised to weight [out, in])
 * - MatMul with a constant [in, out] weight, optionally followed by Add (the bias)
 * - Relu directly after a Conv / Gemm / MatMul(+Add) / folded BatchNormalization
 * - MaxPool: 2-D, pads 0, ceil_mode 0, dilations 1, auto_pad NOTSET
 * - Flatten (axis 1), and Reshape to [N, −1] (treated as Flatten)
 * - BatchNormalization (inference) directly after a Conv or Gemm: folded into it
 * - Constant nodes (as the source of constant inputs, e.g. a Reshape shape)
 *
 * Anything else is refused with a ModelError naming the file, the node and its op,
 * e.g. `model.onnx: node "conv_7" (Conv): attribute group=2 is not supported (only 1)`.
 *
 * ONNX files do not carry the input normalisation; it comes from the model card
 * (`<model>.json` next to `<model>.onnx`, fields `mean`, `std`, `classes`) or
 * defaults to the usual CIFAR-10 statistics.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import { PROJECT_ROOT } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { CIFAR10_CHANNELS, CIFAR10_MEAN, CIFAR10_SIDE, CIFAR10_STD } from '../data/cifar10.ts';
import { ConfigError, MemxbarError, ModelError } from '../errors.ts';
import { outputShape, type ConvLayer, type FcLayer, type InputSpec, type Layer, type Network, type Shape } from './graph.ts';
import { buildVgg8 } from './vgg8.ts';

const { onnx } = onnxProto;

type NodeProto = OnnxTypes.INodeProto;
type TensorProto = OnnxTypes.ITensorProto;
type AttributeProto = OnnxTypes.IAttributeProto;

/** Where the shipped models live: `<name>.onnx` with its card `<name>.json`. */
export const SHIPPED_MODELS_DIR = join(PROJECT_ROOT, 'assets', 'models');

/** The `network.model` value that builds a random VGG8 in code instead of loading a file. */
export const RANDOM_VGG8 = 'random-vgg8';

/** What a model card (`<model>.json`) contributes to the network. Other card fields are ignored. */
export interface ModelCard {
  /** The card file (for error messages). */
  source: string;
  /** Per-channel mean of pixel/255. */
  mean?: number[];
  /** Per-channel standard deviation of pixel/255. */
  std?: number[];
  /** Class names in output order; their number must equal the model's output size. */
  classes?: string[];
}

// ---------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------

/** Names of the shipped models (files `assets/models/<name>.onnx`), sorted. */
export function shippedModels(): string[] {
  if (!existsSync(SHIPPED_MODELS_DIR)) return [];
  return readdirSync(SHIPPED_MODELS_DIR)
    .filter((f) => f.endsWith('.onnx'))
    .map((f) => f.slice(0, -'.onnx'.length))
    .sort();
}

/**
 * The `.onnx` file a `network.model` value names: a shipped model name
 * (e.g. `vgg8-w0.5-cifar10` → `assets/models/vgg8-w0.5-cifar10.onnx`) or a path
 * ending in `.onnx` (returned as given, relative paths resolve against the working
 * directory). `random-vgg8` has no file: use `loadNetwork`.
 * @throws ConfigError (at `network.model`) for any other value.
 */
export function resolveModel(name: string): string {
  if (name.toLowerCase().endsWith('.onnx')) return name;
  const shipped = shippedModels();
  if (shipped.includes(name)) return join(SHIPPED_MODELS_DIR, `${name}.onnx`);
  if (name === RANDOM_VGG8) {
    throw new ConfigError(`"${RANDOM_VGG8}" is built in code and has no model file (use loadNetwork)`, 'network.model');
  }
  throw new ConfigError(
    `unknown model ${JSON.stringify(name)}; expected a shipped model (${shipped.join(', ') || 'none installed'}), ` +
      `"${RANDOM_VGG8}", or a path ending in .onnx`,
    'network.model',
  );
}

/**
 * The network a config asks for: `random-vgg8` is built by `buildVgg8` from
 * `randomWidth` and `randomSeed`; anything else is resolved by `resolveModel`
 * and loaded by `loadOnnx`.
 */
export function loadNetwork(cfg: Config['network']): Network {
  if (cfg.model === RANDOM_VGG8) return buildVgg8({ width: cfg.randomWidth, seed: cfg.randomSeed });
  return loadOnnx(resolveModel(cfg.model));
}

/**
 * Load an ONNX model file, with its card `<same base name>.json` if there is one.
 * The network is named after the file (without `.onnx`).
 * @throws ModelError if the file is missing, cannot be decoded or uses anything unsupported,
 *   or if the card is malformed or disagrees with the model.
 */
export function loadOnnx(path: string): Network {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ModelError(`cannot read model file: ${(e as Error).message}`, path);
  }
  const cardPath = path.replace(/\.onnx$/i, '') + '.json';
  const card = existsSync(cardPath) ? readModelCard(cardPath) : undefined;
  return parseOnnx(bytes, path, card);
}

/**
 * Read the fields of a model card that matter here (`mean`, `std`, `classes`).
 * @throws ModelError naming the card if it is not JSON or a field has the wrong type.
 */
export function readModelCard(path: string): ModelCard {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ModelError(`cannot read model card: ${(e as Error).message}`, path);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ModelError('model card must be a JSON object', path);
  const obj = raw as Record<string, unknown>;
  const card: ModelCard = { source: path };
  for (const key of ['mean', 'std'] as const) {
    const v = obj[key];
    if (v === undefined) continue;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new ModelError(`${key} must be an array of numbers, got ${JSON.stringify(v)}`, path);
    }
    card[key] = v as number[];
  }
  if (card.std && card.std.some((s) => s <= 0)) throw new ModelError(`std must be positive, got ${JSON.stringify(card.std)}`, path);
  if (obj.classes !== undefined) {
    const v = obj.classes;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
      throw new ModelError(`classes must be an array of class names, got ${JSON.stringify(v)}`, path);
    }
    card.classes = v as string[];
  }
  return card;
}

/**
 * Convert the bytes of an ONNX model into a Network. `source` names the bytes in
 * errors and gives the network its name; `card` supplies the input normalisation
 * (default: the CIFAR-10 mean and std).
 * @throws ModelError for undecodable bytes or anything unsupported (naming node and op).
 */
export function parseOnnx(bytes: Uint8Array, source: string, card?: ModelCard): Network {
  let model: OnnxTypes.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new ModelError(`cannot decode as an ONNX model (protobuf: ${(e as Error).message}); the file is truncated or not ONNX`, source);
  }
  try {
    return convert(model, source, card);
  } catch (e) {
    if (e instanceof MemxbarError) throw e;
    // Defensive: a structurally odd (e.g. garbage that happened to decode) model must
    // still fail as a ModelError naming the file, not as a stack trace.
    throw new ModelError(`malformed ONNX model: ${(e as Error).message}`, source);
  }
}

// ---------------------------------------------------------------------------
// Conversion
// ---------------------------------------------------------------------------

/** Default ONNX domain names. */
const ONNX_DOMAINS = new Set(['', 'ai.onnx']);

function convert(model: OnnxTypes.ModelProto, source: string, card: ModelCard | undefined): Network {
  const g = model.graph;
  const graph = {
    node: g?.node ?? [],
    initializer: g?.initializer ?? [],
    input: g?.input ?? [],
    output: g?.output ?? [],
  };
  if (graph.node.length === 0) {
    throw new ModelError('no graph or no nodes: not an ONNX model, or an empty one', source);
  }
  if ((g?.sparseInitializer?.length ?? 0) > 0) throw new ModelError('sparse initializers are not supported', source);

  // Constants: initializers and the outputs of Constant nodes.
  const constants = new Map<string, TensorProto>();
  for (const t of graph.initializer) constants.set(t.name ?? '', t);
  const nodeNames = graph.node.map((n, i) => n.name || `${n.opType || 'node'}_${i}`);
  graph.node.forEach((n, i) => {
    if (n.opType !== 'Constant') return;
    const where = nodeWhere(source, nodeNames[i]!, n);
    checkDomain(n, where);
    const a = attributes(n, where, { value: 'TENSOR' });
    const value = a.tensor('value');
    if (!value || n.output?.length !== 1) throw new ModelError('only a Constant with one `value` tensor and one output is supported', where);
    constants.set(n.output[0]!, value);
  });

  const input = graphInput(graph.input, constants, source);
  if (graph.output.length !== 1) {
    throw new ModelError(`the graph must have exactly one output, has ${graph.output.length} (${graph.output.map((o) => `"${o.name}"`).join(', ')})`, source);
  }
  const outputName = graph.output[0]!.name ?? '';
  const chain = chainOrder(graph.node, nodeNames, constants, input.name, outputName, source);

  const inputSpec = inputSpecFrom(card, source);
  const b = new ChainBuilder(source, constants, { c: input.channels, h: input.height, w: input.width });
  for (const { node, name } of chain) b.add(node, name);
  const classes = b.finish();

  const outDims = graph.output[0]!.type?.tensorType?.shape?.dim ?? [];
  const declared = outDims.length === 2 ? dimValue(outDims[1]!) : null;
  if (declared !== null && declared !== classes) {
    throw new ModelError(`graph output "${outputName}" is declared [N,${declared}] but the layers produce ${classes} values`, source);
  }
  if (card?.classes && card.classes.length !== classes) {
    throw new ModelError(`card lists ${card.classes.length} classes but the model outputs ${classes}`, card.source);
  }
  return { name: basename(source).replace(/\.onnx$/i, ''), input: inputSpec, layers: b.layers, classes };
}

function inputSpecFrom(card: ModelCard | undefined, source: string): InputSpec {
  const spec: InputSpec = {
    channels: CIFAR10_CHANNELS,
    height: CIFAR10_SIDE,
    width: CIFAR10_SIDE,
    mean: card?.mean ? [...card.mean] : [...CIFAR10_MEAN],
    std: card?.std ? [...card.std] : [...CIFAR10_STD],
  };
  for (const key of ['mean', 'std'] as const) {
    if (spec[key].length !== spec.channels) {
      throw new ModelError(`${key} has ${spec[key].length} values but the model takes ${spec.channels} channels`, card?.source ?? source);
    }
  }
  return spec;
}

/** The one non-constant graph input; it must be a float NCHW [N,3,32,32] tensor. */
function graphInput(graphInputs: OnnxTypes.IValueInfoProto[], constants: Map<string, TensorProto>, source: string) {
  const inputs = graphInputs.filter((i) => !constants.has(i.name ?? ''));
  if (inputs.length !== 1) {
    throw new ModelError(`the graph must have exactly one (non-initializer) input, has ${inputs.length} (${inputs.map((i) => `"${i.name}"`).join(', ')})`, source);
  }
  const inp = inputs[0]!;
  const where = `${source}: graph input "${inp.name}"`;
  const tt = inp.type?.tensorType;
  if (!tt) throw new ModelError('must be a tensor', where);
  if (tt.elemType !== onnx.TensorProto.DataType.FLOAT) throw new ModelError(`must be float32, is ${dataTypeName(tt.elemType ?? 0)}`, where);
  const dimProtos = tt.shape?.dim ?? [];
  const dims = dimProtos.map(dimValue);
  const expected = [CIFAR10_CHANNELS, CIFAR10_SIDE, CIFAR10_SIDE];
  if (dims.length !== 4 || dims.slice(1).some((d, i) => d !== expected[i])) {
    const shown = dims.map((d, i) => (d === null ? dimProtos[i]!.dimParam || '?' : String(d))).join(',');
    throw new ModelError(`must be NCHW [N,${expected.join(',')}], is [${shown}]`, where);
  }
  return { name: inp.name ?? '', channels: expected[0]!, height: expected[1]!, width: expected[2]! };
}

/** A fixed dimension's size, or null for a symbolic or unset one. */
function dimValue(d: OnnxTypes.TensorShapeProto.IDimension): number | null {
  // Decoded messages carry dim_value as an own property only when it was in the file
  // (the prototype holds the default 0), which tells "unset" from 0.
  return Object.prototype.hasOwnProperty.call(d, 'dimValue') && d.dimValue != null ? toInt(d.dimValue) : null;
}

/**
 * The non-Constant nodes in order from the input to the output, checking that they
 * form a chain: each takes exactly one activation (non-constant) input, each
 * activation feeds exactly one node, and every node lies on the path.
 */
function chainOrder(
  nodes: NodeProto[],
  names: string[],
  constants: Map<string, TensorProto>,
  inputName: string,
  outputName: string,
  source: string,
): { node: NodeProto; name: string }[] {
  const consumers = new Map<string, number[]>();
  const dataInputs: string[][] = nodes.map((n) => (n.input ?? []).filter((x) => x !== '' && !constants.has(x)));
  nodes.forEach((n, i) => {
    if (n.opType === 'Constant') return;
    for (const x of dataInputs[i]!) consumers.set(x, [...(consumers.get(x) ?? []), i]);
  });
  const label = (i: number) => `"${names[i]}" (${nodes[i]!.opType})`;

  const order: { node: NodeProto; name: string }[] = [];
  const visited = new Set<number>();
  let tensor = inputName;
  while (tensor !== outputName) {
    const users = consumers.get(tensor) ?? [];
    if (users.length === 0) {
      throw new ModelError(`tensor "${tensor}" is used by no node and is not the graph output "${outputName}"; only a chain of layers is supported`, source);
    }
    if (users.length > 1) {
      throw new ModelError(`tensor "${tensor}" feeds ${users.length} nodes (${users.map(label).join(', ')}); only a chain of layers is supported`, source);
    }
    const i = users[0]!;
    const n = nodes[i]!;
    const where = nodeWhere(source, names[i]!, n);
    if (visited.has(i)) throw new ModelError('the graph has a cycle', where);
    if (dataInputs[i]!.length !== 1) {
      throw new ModelError(
        `takes ${dataInputs[i]!.length} non-constant inputs (${dataInputs[i]!.map((x) => `"${x}"`).join(', ')}); ` +
          'only a chain of layers is supported (one activation input per node, weights as initializers or Constant nodes)',
        where,
      );
    }
    const outs = n.output ?? [];
    if (outs.length === 0 || outs[0] === '') throw new ModelError('has no output', where);
    for (const extra of outs.slice(1)) {
      if (extra !== '' && (consumers.has(extra) || extra === outputName)) {
        throw new ModelError(`its extra output "${extra}" is used; only the first output of a node is supported`, where);
      }
    }
    visited.add(i);
    order.push({ node: n, name: names[i]! });
    tensor = outs[0]!;
  }
  nodes.forEach((n, i) => {
    if (n.opType !== 'Constant' && !visited.has(i)) {
      throw new ModelError(`is not on the chain from input "${inputName}" to output "${outputName}"; only a chain of layers is supported`, nodeWhere(source, names[i]!, n));
    }
  });
  return order;
}

/**
 * Turns chain nodes into layers, tracking the activation shape. Relu, BatchNormalization
 * and MatMul's bias Add modify the layer just emitted, so they must come directly after it.
 */
class ChainBuilder {
  readonly layers: Layer[] = [];
  /** Shape of the current activation; `flat` once it is a vector (after Flatten). */
  private shape: Shape;
  private flat = false;
  /** The last layer came from a MatMul and has not yet received its bias Add. */
  private matMulAwaitingBias = false;

  constructor(
    private readonly source: string,
    private readonly constants: Map<string, TensorProto>,
    inputShape: Shape,
  ) {
    this.shape = inputShape;
  }

  add(node: NodeProto, name: string): void {
    const where = nodeWhere(this.source, name, node);
    checkDomain(node, where);
    const wasMatMul = this.matMulAwaitingBias;
    this.matMulAwaitingBias = false;
    switch (node.opType) {
      case 'Conv':
        return this.conv(node, name, where);
      case 'Gemm':
        return this.gemm(node, name, where);
      case 'MatMul':
        return this.matMul(node, name, where);
      case 'Add':
        if (!wasMatMul) throw new ModelError('Add is only supported as the bias directly after a MatMul', where);
        return this.bias(node, where);
      case 'Relu':
        return this.relu(node, where);
      case 'BatchNormalization':
        return this.batchNorm(node, where);
      case 'MaxPool':
        return this.maxPool(node, name, where);
      case 'Flatten':
        return this.flatten(node, name, where);
      case 'Reshape':
        return this.reshape(node, name, where);
      default:
        throw new ModelError(
          `op ${node.opType} is not supported (supported: Conv, Gemm, MatMul, Add after MatMul, Relu, MaxPool, Flatten, Reshape to [N,-1], BatchNormalization, Constant)`,
          where,
        );
    }
  }

  /** Number of classes: the length of the final vector. */
  finish(): number {
    const last = this.layers[this.layers.length - 1];
    if (!last || !this.flat || last.kind !== 'fc') {
      throw new ModelError('the network must end with a fully connected layer (Gemm or MatMul) producing the class scores', this.source);
    }
    return this.shape.c;
  }

  private push(l: Layer, where: string): void {
    const s = outputShape(l, this.shape);
    if (s.h < 1 || s.w < 1) throw new ModelError(`output would be empty (${s.c}×${s.h}×${s.w}) for input ${this.shape.c}×${this.shape.h}×${this.shape.w}`, where);
    this.layers.push(l);
    this.shape = s;
  }

  private requireSpatial(where: string, op: string): void {
    if (this.flat) throw new ModelError(`${op} needs an NCHW input but comes after the activation was flattened`, where);
  }

  private requireFlat(where: string, op: string): void {
    if (!this.flat) {
      throw new ModelError(`${op} needs a flat [N, features] input; put a Flatten (axis 1) before it (input is NCHW ${this.shape.c}×${this.shape.h}×${this.shape.w})`, where);
    }
  }

  private conv(node: NodeProto, name: string, where: string): void {
    this.requireSpatial(where, 'Conv');
    const a = attributes(node, where, { kernel_shape: 'INTS', strides: 'INTS', pads: 'INTS', dilations: 'INTS', group: 'INT', auto_pad: 'STRING' });
    const group = a.int('group', 1);
    if (group !== 1) throw new ModelError(`attribute group=${group} is not supported (only 1)`, where);
    const autoPad = a.string('auto_pad', 'NOTSET');
    if (autoPad !== 'NOTSET') throw new ModelError(`attribute auto_pad=${autoPad} is not supported (only NOTSET; give explicit pads)`, where);
    const dilations = a.ints('dilations', [1, 1]);
    if (dilations.length !== 2 || dilations.some((d) => d !== 1)) {
      throw new ModelError(`attribute dilations=[${dilations.join(',')}] is not supported (only 1)`, where);
    }
    const [wName, bName] = [node.input![1], node.input![2]];
    const { dims: wDims, data: weight } = this.floats(wName, where, 'weight');
    if (wDims.length !== 4) throw new ModelError(`weight "${wName}" has shape [${wDims.join(',')}]; only 2-D convolution ([outC,inC,kH,kW]) is supported`, where);
    const [outC, inC, kH, kW] = wDims as [number, number, number, number];
    if (inC !== this.shape.c) throw new ModelError(`weight "${wName}" expects ${inC} input channels but the input has ${this.shape.c}`, where);
    const kernel = a.ints('kernel_shape', [kH, kW]);
    if (kernel.length !== 2 || kernel[0] !== kH || kernel[1] !== kW) {
      throw new ModelError(`attribute kernel_shape=[${kernel.join(',')}] does not match the weight shape [${wDims.join(',')}]`, where);
    }
    const strides = a.ints('strides', [1, 1]);
    if (strides.length !== 2 || strides.some((s) => s < 1)) throw new ModelError(`attribute strides=[${strides.join(',')}] must be two values ≥ 1`, where);
    const pads = a.ints('pads', [0, 0, 0, 0]);
    if (pads.length !== 4 || pads.some((p) => p < 0)) throw new ModelError(`attribute pads=[${pads.join(',')}] must be four values ≥ 0`, where);
    const bias = this.optionalBias(bName, outC, where);
    const layer: ConvLayer = {
      kind: 'conv',
      name,
      inC,
      outC,
      kH,
      kW,
      strideH: strides[0]!,
      strideW: strides[1]!,
      // ONNX order [x1_begin, x2_begin, x1_end, x2_end] is top, left, bottom, right.
      pads: [pads[0]!, pads[1]!, pads[2]!, pads[3]!],
      weight,
      bias,
      relu: false,
    };
    this.push(layer, where);
  }

  private gemm(node: NodeProto, name: string, where: string): void {
    this.requireFlat(where, 'Gemm');
    const a = attributes(node, where, { alpha: 'FLOAT', beta: 'FLOAT', transA: 'INT', transB: 'INT' });
    const alpha = a.float('alpha', 1);
    const beta = a.float('beta', 1);
    if (alpha !== 1) throw new ModelError(`attribute alpha=${alpha} is not supported (only 1)`, where);
    if (beta !== 1) throw new ModelError(`attribute beta=${beta} is not supported (only 1)`, where);
    const transA = a.int('transA', 0);
    if (transA !== 0) throw new ModelError(`attribute transA=${transA} is not supported (only 0)`, where);
    const transB = a.int('transB', 0);
    if (transB !== 0 && transB !== 1) throw new ModelError(`attribute transB=${transB} must be 0 or 1`, where);
    const wName = node.input![1];
    const { dims, data } = this.floats(wName, where, 'weight');
    if (dims.length !== 2) throw new ModelError(`weight "${wName}" has shape [${dims.join(',')}], expected a matrix`, where);
    const [outF, inF] = transB === 1 ? [dims[0]!, dims[1]!] : [dims[1]!, dims[0]!];
    if (inF !== this.shape.c) throw new ModelError(`weight "${wName}" expects ${inF} inputs but the input has ${this.shape.c} features`, where);
    const weight = transB === 1 ? data : transpose(data, inF, outF);
    const bias = this.optionalBias(node.input![2], outF, where);
    const layer: FcLayer = { kind: 'fc', name, inF, outF, weight, bias, relu: false };
    this.push(layer, where);
  }

  private matMul(node: NodeProto, name: string, where: string): void {
    this.requireFlat(where, 'MatMul');
    attributes(node, where, {});
    const [x, wName] = [node.input![0], node.input![1]];
    if (this.constants.has(x ?? '')) throw new ModelError('the activation must be the first input of MatMul (x · W)', where);
    const { dims, data } = this.floats(wName, where, 'weight');
    if (dims.length !== 2) throw new ModelError(`weight "${wName}" has shape [${dims.join(',')}], expected a matrix [in, out]`, where);
    const [inF, outF] = [dims[0]!, dims[1]!];
    if (inF !== this.shape.c) throw new ModelError(`weight "${wName}" expects ${inF} inputs but the input has ${this.shape.c} features`, where);
    const layer: FcLayer = { kind: 'fc', name, inF, outF, weight: transpose(data, inF, outF), bias: new Float32Array(outF), relu: false };
    this.push(layer, where);
    this.matMulAwaitingBias = true;
  }

  /** The Add after a MatMul: a constant vector of outF values (or one, broadcast) added to the bias. */
  private bias(node: NodeProto, where: string): void {
    attributes(node, where, {});
    const fc = this.layers[this.layers.length - 1] as FcLayer;
    const cName = (node.input ?? []).find((x) => this.constants.has(x));
    const b = this.broadcastVector(cName, fc.outF, where, 'bias');
    for (let o = 0; o < fc.outF; o++) fc.bias[o] = fc.bias[o]! + b[o]!;
  }

  private relu(node: NodeProto, where: string): void {
    attributes(node, where, {});
    const last = this.layers[this.layers.length - 1];
    if (!last || (last.kind !== 'conv' && last.kind !== 'fc')) {
      throw new ModelError(`Relu must directly follow a Conv, Gemm or MatMul(+Add) (it follows ${last ? `${last.kind} "${last.name}"` : 'the input'})`, where);
    }
    if (last.relu) throw new ModelError(`a second Relu after "${last.name}"`, where);
    last.relu = true;
  }

  /** Fold y = γ·(x − mean)/√(var + ε) + β into the preceding layer, per output channel. */
  private batchNorm(node: NodeProto, where: string): void {
    const a = attributes(node, where, { epsilon: 'FLOAT', momentum: 'FLOAT', training_mode: 'INT', spatial: 'INT' });
    if (a.int('training_mode', 0) !== 0) throw new ModelError('attribute training_mode=1 is not supported (inference only)', where);
    if (a.int('spatial', 1) !== 1) throw new ModelError('attribute spatial=0 is not supported (only 1)', where);
    const eps = a.float('epsilon', 1e-5);
    const last = this.layers[this.layers.length - 1];
    if (!last || (last.kind !== 'conv' && last.kind !== 'fc') || last.relu) {
      throw new ModelError('BatchNormalization must directly follow a Conv or Gemm (it is folded into it)', where);
    }
    const n = last.kind === 'conv' ? last.outC : last.outF;
    const inputs = node.input ?? [];
    const [gamma, beta, mean, variance] = (['scale', 'B', 'input_mean', 'input_var'] as const).map((what, k) => this.vector(inputs[k + 1], n, where, what));
    const perOut = last.weight.length / n;
    for (let o = 0; o < n; o++) {
      const s = gamma![o]! / Math.sqrt(variance![o]! + eps);
      for (let j = o * perOut; j < (o + 1) * perOut; j++) last.weight[j] = last.weight[j]! * s;
      last.bias[o] = (last.bias[o]! - mean![o]!) * s + beta![o]!;
    }
  }

  private maxPool(node: NodeProto, name: string, where: string): void {
    this.requireSpatial(where, 'MaxPool');
    const a = attributes(node, where, { kernel_shape: 'INTS', strides: 'INTS', pads: 'INTS', dilations: 'INTS', ceil_mode: 'INT', auto_pad: 'STRING', storage_order: 'INT' });
    const kernel = a.ints('kernel_shape', []);
    if (kernel.length !== 2 || kernel.some((k) => k < 1)) throw new ModelError(`attribute kernel_shape=[${kernel.join(',')}] must be two values ≥ 1 (2-D pooling)`, where);
    const strides = a.ints('strides', [1, 1]);
    if (strides.length !== 2 || strides.some((s) => s < 1)) throw new ModelError(`attribute strides=[${strides.join(',')}] must be two values ≥ 1`, where);
    const pads = a.ints('pads', [0, 0, 0, 0]);
    if (pads.some((p) => p !== 0)) throw new ModelError(`attribute pads=[${pads.join(',')}] is not supported (only 0)`, where);
    const ceil = a.int('ceil_mode', 0);
    if (ceil !== 0) throw new ModelError(`attribute ceil_mode=${ceil} is not supported (only 0)`, where);
    const dilations = a.ints('dilations', [1, 1]);
    if (dilations.some((d) => d !== 1)) throw new ModelError(`attribute dilations=[${dilations.join(',')}] is not supported (only 1)`, where);
    const autoPad = a.string('auto_pad', 'NOTSET');
    if (autoPad !== 'NOTSET') throw new ModelError(`attribute auto_pad=${autoPad} is not supported (only NOTSET)`, where);
    this.push({ kind: 'maxpool', name, kH: kernel[0]!, kW: kernel[1]!, strideH: strides[0]!, strideW: strides[1]! }, where);
  }

  private flatten(node: NodeProto, name: string, where: string): void {
    const a = attributes(node, where, { axis: 'INT' });
    const rank = this.flat ? 2 : 4;
    const axis = a.int('axis', 1);
    if ((axis < 0 ? axis + rank : axis) !== 1) throw new ModelError(`attribute axis=${axis} is not supported (only 1)`, where);
    this.flattenTo(name, where);
  }

  /** Reshape to [N, −1] (or [N, C·H·W]) is a flatten; any other target shape is refused. */
  private reshape(node: NodeProto, name: string, where: string): void {
    const a = attributes(node, where, { allowzero: 'INT' });
    if (a.int('allowzero', 0) !== 0) throw new ModelError('attribute allowzero=1 is not supported (only 0)', where);
    const shapeName = node.input![1];
    const t = shapeName ? this.constants.get(shapeName) : undefined;
    if (!t) throw new ModelError(`shape input "${shapeName ?? ''}" must be an initializer or a Constant node`, where);
    const target = tensorInts(t, where, 'shape');
    const features = this.shape.c * this.shape.h * this.shape.w;
    const batchOk = (d: number) => d === 0 || d === 1 || d === -1;
    const ok = target.length === 2 && batchOk(target[0]!) && (target[1] === -1 || target[1] === features) && !(target[0] === -1 && target[1] === -1);
    if (!ok) throw new ModelError(`reshape to [${target.join(',')}] is not supported (only [N,-1], i.e. a flatten to ${features} features)`, where);
    this.flattenTo(name, where);
  }

  private flattenTo(name: string, where: string): void {
    if (this.flat) return; // already a vector: nothing to do
    this.push({ kind: 'flatten', name }, where);
    this.flat = true;
  }

  // --- constant inputs ---

  private constant(name: string | undefined, where: string, what: string): TensorProto {
    const t = name ? this.constants.get(name) : undefined;
    if (!t) throw new ModelError(`${what} input "${name ?? ''}" must be an initializer or a Constant node`, where);
    return t;
  }

  private floats(name: string | undefined, where: string, what: string): { dims: number[]; data: Float32Array } {
    const t = this.constant(name, where, what);
    return { dims: tensorDims(t), data: tensorFloats(t, where, `${what} "${name}"`) };
  }

  /** A constant of exactly n values (any shape). */
  private vector(name: string | undefined, n: number, where: string, what: string): Float32Array {
    const { dims, data } = this.floats(name, where, what);
    if (data.length !== n) throw new ModelError(`${what} "${name}" has shape [${dims.join(',')}], expected ${n} values`, where);
    return data;
  }

  /** A constant of n values, or of one value repeated n times. */
  private broadcastVector(name: string | undefined, n: number, where: string, what: string): Float32Array {
    const { dims, data } = this.floats(name, where, what);
    if (data.length === n) return data;
    if (data.length === 1) return new Float32Array(n).fill(data[0]!);
    throw new ModelError(`${what} "${name}" has shape [${dims.join(',')}], expected ${n} values (or 1)`, where);
  }

  /** Optional bias input: zeros when absent. */
  private optionalBias(name: string | undefined, n: number, where: string): Float32Array {
    return name ? this.broadcastVector(name, n, where, 'bias') : new Float32Array(n);
  }
}

// ---------------------------------------------------------------------------
// Attributes and tensors
// ---------------------------------------------------------------------------

type AttrKind = 'INT' | 'INTS' | 'FLOAT' | 'STRING' | 'TENSOR';

/**
 * The attributes of a node, checked against the allowed names and types: an
 * unknown attribute is an error (never silently ignored).
 */
function attributes(node: NodeProto, where: string, allowed: Record<string, AttrKind>) {
  const T = onnx.AttributeProto.AttributeType;
  const byName = new Map<string, AttributeProto>();
  for (const at of node.attribute ?? []) {
    const name = at.name ?? '';
    const kind = allowed[name];
    if (!kind) throw new ModelError(`attribute ${name} is not supported`, where);
    if (at.type !== T[kind]) throw new ModelError(`attribute ${name} has type ${T[at.type ?? 0] ?? at.type}, expected ${kind}`, where);
    byName.set(name, at);
  }
  return {
    int: (name: string, dflt: number): number => (byName.has(name) ? toInt(byName.get(name)!.i) : dflt),
    ints: (name: string, dflt: number[]): number[] => (byName.has(name) ? (byName.get(name)!.ints ?? []).map(toInt) : dflt),
    float: (name: string, dflt: number): number => (byName.has(name) ? (byName.get(name)!.f ?? 0) : dflt),
    string: (name: string, dflt: string): string => (byName.has(name) ? new TextDecoder().decode(byName.get(name)!.s ?? new Uint8Array()) : dflt),
    tensor: (name: string): TensorProto | undefined => byName.get(name)?.t ?? undefined,
  };
}

/** Dims of a tensor as numbers. */
function tensorDims(t: TensorProto): number[] {
  return (t.dims ?? []).map(toInt);
}

function elementCount(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function checkInline(t: TensorProto, where: string, what: string): void {
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t.externalData?.length ?? 0) > 0) {
    throw new ModelError(`${what} uses external data, which is not supported (save the model with its weights inside)`, where);
  }
}

/** The values of a float32 tensor, from raw_data (little endian) or float_data. */
function tensorFloats(t: TensorProto, where: string, what: string): Float32Array {
  checkInline(t, where, what);
  if (t.dataType !== onnx.TensorProto.DataType.FLOAT) throw new ModelError(`${what} is ${dataTypeName(t.dataType ?? 0)}; only float32 is supported`, where);
  const n = elementCount(tensorDims(t));
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    if (raw.length !== 4 * n) throw new ModelError(`${what}: raw_data holds ${raw.length} bytes, expected ${4 * n} (${n} float32)`, where);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
    return out;
  }
  const fd = t.floatData ?? [];
  if (fd.length !== n) throw new ModelError(`${what}: float_data holds ${fd.length} values, expected ${n}`, where);
  return Float32Array.from(fd);
}

/** The values of an int64 or int32 tensor, from raw_data (little endian) or int64_data / int32_data. */
function tensorInts(t: TensorProto, where: string, what: string): number[] {
  checkInline(t, where, what);
  const DT = onnx.TensorProto.DataType;
  const n = elementCount(tensorDims(t));
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  if (t.dataType === DT.INT64) {
    if (raw) {
      if (raw.length !== 8 * n) throw new ModelError(`${what}: raw_data holds ${raw.length} bytes, expected ${8 * n} (${n} int64)`, where);
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      return Array.from({ length: n }, (_, i) => Number(view.getBigInt64(8 * i, true)));
    }
    const v = (t.int64Data ?? []).map(toInt);
    if (v.length !== n) throw new ModelError(`${what}: int64_data holds ${v.length} values, expected ${n}`, where);
    return v;
  }
  if (t.dataType === DT.INT32) {
    if (raw) {
      if (raw.length !== 4 * n) throw new ModelError(`${what}: raw_data holds ${raw.length} bytes, expected ${4 * n} (${n} int32)`, where);
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      return Array.from({ length: n }, (_, i) => view.getInt32(4 * i, true));
    }
    const v = t.int32Data ?? [];
    if (v.length !== n) throw new ModelError(`${what}: int32_data holds ${v.length} values, expected ${n}`, where);
    return [...v];
  }
  throw new ModelError(`${what} is ${dataTypeName(t.dataType ?? 0)}; expected int64`, where);
}

/** a[rows][cols] → [cols][rows]. */
function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}

/**
 * An int64 field as a number. protobufjs gives a number, or a Long object when the
 * `long` package is installed; values beyond 2^53 are refused rather than rounded.
 */
function toInt(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : v && typeof (v as { toNumber?: unknown }).toNumber === 'function' ? (v as { toNumber(): number }).toNumber() : NaN;
  // A RangeError: parseOnnx reports it as a ModelError naming the file.
  if (!Number.isSafeInteger(n)) throw new RangeError(`integer value ${String(v)} is out of range`);
  return n;
}

function dataTypeName(t: number): string {
  return onnx.TensorProto.DataType[t] ?? `data type ${t}`;
}

function nodeWhere(source: string, name: string, node: NodeProto): string {
  return `${source}: node "${name}" (${node.opType})`;
}

function checkDomain(node: NodeProto, where: string): void {
  if (!ONNX_DOMAINS.has(node.domain ?? '')) throw new ModelError(`op domain "${node.domain}" is not supported (only the default ONNX domain)`, where);
}

/**
 * ONNX import: the shipped model (checked against onnxruntime), small models built
 * here with onnx-proto (BatchNorm folding, Gemm/MatMul forms, Reshape, raw vs float
 * data), and every refusal (bad files, unsupported ops and attributes, non-chains).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import ort from 'onnxruntime-node';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CIFAR10_MEAN, CIFAR10_STD, CIFAR10_TEST_SAMPLE, preprocess, readCifar10 } from '../../src/data/cifar10.ts';
import { ConfigError, ModelError } from '../../src/errors.ts';
import { isCompute, shapes, type ConvLayer, type FcLayer, type Network } from '../../src/nn/graph.ts';
import { SHIPPED_MODELS_DIR, loadNetwork, loadOnnx, parseOnnx, resolveModel, shippedModels } from '../../src/nn/onnx.ts';
import { buildVgg8 } from '../../src/nn/vgg8.ts';

const { onnx } = onnxProto;
const AT = onnx.AttributeProto.AttributeType;
const DT = onnx.TensorProto.DataType;
const SHIPPED = join(SHIPPED_MODELS_DIR, 'vgg8-w0.5-cifar10.onnx');

// ---------------------------------------------------------------------------
// Building ONNX bytes
// ---------------------------------------------------------------------------

type AttrValue = { int: number } | { ints: number[] } | { float: number } | { string: string } | { tensor: OnnxTypes.ITensorProto };

function attr(name: string, v: AttrValue): OnnxTypes.IAttributeProto {
  if ('int' in v) return { name, type: AT.INT, i: v.int };
  if ('ints' in v) return { name, type: AT.INTS, ints: v.ints };
  if ('float' in v) return { name, type: AT.FLOAT, f: v.float };
  if ('string' in v) return { name, type: AT.STRING, s: new TextEncoder().encode(v.string) };
  return { name, type: AT.TENSOR, t: v.tensor };
}

interface NodeSpec {
  name: string;
  op: string;
  inputs: string[];
  output: string;
  attrs?: Record<string, AttrValue>;
}

function node(spec: NodeSpec): OnnxTypes.INodeProto {
  return {
    name: spec.name,
    opType: spec.op,
    input: spec.inputs,
    output: [spec.output],
    attribute: Object.entries(spec.attrs ?? {}).map(([k, v]) => attr(k, v)),
  };
}

/** A float32 tensor, stored as little-endian raw_data (default) or as float_data. */
function floatTensor(name: string, dims: number[], data: Float32Array, storage: 'raw' | 'float' = 'raw'): OnnxTypes.ITensorProto {
  if (storage === 'float') return { name, dims, dataType: DT.FLOAT, floatData: Array.from(data) };
  const raw = new Uint8Array(data.length * 4);
  const view = new DataView(raw.buffer);
  data.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return { name, dims, dataType: DT.FLOAT, rawData: raw };
}

function int64Tensor(name: string, values: number[], storage: 'raw' | 'int64' = 'raw'): OnnxTypes.ITensorProto {
  if (storage === 'int64') return { name, dims: [values.length], dataType: DT.INT64, int64Data: values };
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setBigInt64(8 * i, BigInt(v), true));
  return { name, dims: [values.length], dataType: DT.INT64, rawData: raw };
}

function valueInfo(name: string, dims: (number | string)[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: DT.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

/** Bytes of an opset-13 model with input `image` [N,3,32,32] and output `logits` [N,classes]. */
function modelBytes(nodes: NodeSpec[], initializers: OnnxTypes.ITensorProto[], opts: { output?: string; classes?: number; extraNodes?: OnnxTypes.INodeProto[] } = {}): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'memxbar-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'test',
      node: [...(opts.extraNodes ?? []), ...nodes.map(node)],
      initializer: initializers,
      input: [valueInfo('image', ['N', 3, 32, 32])],
      output: [valueInfo(opts.output ?? 'logits', ['N', opts.classes ?? 10])],
    },
  }).finish();
}

// ---------------------------------------------------------------------------
// Random numbers and an independent, naive float64 forward pass of a Network
// ---------------------------------------------------------------------------

function randoms(seed: number) {
  const rng = xoroshiro128plus(seed);
  return (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + (hi - lo) * uniformFloat64(rng));
}

/** Convolution (NCHW, one image) written out directly from the definition. */
function convNaive(x: Float64Array, c: number, h: number, w: number, l: ConvLayer): { y: Float64Array; h: number; w: number } {
  const oh = Math.floor((h + l.pads[0] + l.pads[2] - l.kH) / l.strideH) + 1;
  const ow = Math.floor((w + l.pads[1] + l.pads[3] - l.kW) / l.strideW) + 1;
  const y = new Float64Array(l.outC * oh * ow);
  for (let o = 0; o < l.outC; o++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let s = l.bias[o]!;
        for (let ci = 0; ci < c; ci++) {
          for (let ky = 0; ky < l.kH; ky++) {
            const iy = oy * l.strideH - l.pads[0] + ky;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < l.kW; kx++) {
              const ix = ox * l.strideW - l.pads[1] + kx;
              if (ix < 0 || ix >= w) continue;
              s += l.weight[((o * c + ci) * l.kH + ky) * l.kW + kx]! * x[(ci * h + iy) * w + ix]!;
            }
          }
        }
        y[(o * oh + oy) * ow + ox] = s;
      }
    }
  }
  return { y, h: oh, w: ow };
}

function forwardNaive(net: Network, image: Float32Array): Float64Array {
  let x: Float64Array = Float64Array.from(image);
  let [c, h, w] = [net.input.channels, net.input.height, net.input.width];
  const relu = (v: Float64Array) => v.map((a) => Math.max(0, a));
  for (const l of net.layers) {
    if (l.kind === 'conv') {
      const r = convNaive(x, c, h, w, l);
      [x, c, h, w] = [l.relu ? relu(r.y) : r.y, l.outC, r.h, r.w];
    } else if (l.kind === 'maxpool') {
      const oh = Math.floor((h - l.kH) / l.strideH) + 1;
      const ow = Math.floor((w - l.kW) / l.strideW) + 1;
      const y = new Float64Array(c * oh * ow).fill(-Infinity);
      for (let ci = 0; ci < c; ci++)
        for (let oy = 0; oy < oh; oy++)
          for (let ox = 0; ox < ow; ox++)
            for (let ky = 0; ky < l.kH; ky++)
              for (let kx = 0; kx < l.kW; kx++) {
                const k = (ci * oh + oy) * ow + ox;
                y[k] = Math.max(y[k]!, x[(ci * h + oy * l.strideH + ky) * w + ox * l.strideW + kx]!);
              }
      [x, h, w] = [y, oh, ow];
    } else if (l.kind === 'flatten') {
      [c, h, w] = [c * h * w, 1, 1];
    } else {
      const y = new Float64Array(l.outF);
      for (let o = 0; o < l.outF; o++) {
        let s = l.bias[o]!;
        for (let i = 0; i < l.inF; i++) s += l.weight[o * l.inF + i]! * x[i]!;
        y[o] = s;
      }
      [x, c] = [l.relu ? relu(y) : y, l.outF];
    }
  }
  return x;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function argmax(a: ArrayLike<number>): number {
  let k = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[k]!) k = i;
  return k;
}

async function runOrt(bytes: Uint8Array, image: Float32Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ image: new ort.Tensor('float32', image, [1, 3, 32, 32]) });
  return out[session.outputNames[0]!]!.data as Float32Array;
}

/** Expect `fn` to throw a ModelError whose message contains every fragment. */
function expectModelError(fn: () => unknown, ...fragments: string[]): ModelError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ModelError);
  for (const f of fragments) expect((caught as Error).message).toContain(f);
  return caught as ModelError;
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'memxbar-onnx-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------
// A small model: Conv(3→4, 3×3, stride 2, pad 1) → [BN] → Relu → MaxPool 2 → Flatten → Gemm(256→10)
// ---------------------------------------------------------------------------

const rand = randoms(12345);
const convW = rand(4 * 3 * 3 * 3, -0.5, 0.5);
const convB = rand(4, -0.2, 0.2);
const gemmW = rand(10 * 256, -0.2, 0.2); // [out=10, in=256]
const gemmB = rand(10, -0.1, 0.1);
const bn = { gamma: rand(4, 0.5, 1.5), beta: rand(4, -0.5, 0.5), mean: rand(4, -0.3, 0.3), variance: rand(4, 0.01, 0.1), eps: 0.01 };
const image = rand(3 * 32 * 32, -2, 2);

const convAttrs: Record<string, AttrValue> = { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] } };
const poolAttrs: Record<string, AttrValue> = { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } };

function smallNodes(opts: { bn?: boolean; convAttrs?: Record<string, AttrValue> } = {}): NodeSpec[] {
  const nodes: NodeSpec[] = [{ name: 'conv', op: 'Conv', inputs: ['image', 'W', 'B'], output: 'c', attrs: opts.convAttrs ?? convAttrs }];
  let t = 'c';
  if (opts.bn) {
    nodes.push({ name: 'bn', op: 'BatchNormalization', inputs: ['c', 'gamma', 'beta', 'mean', 'var'], output: 'n', attrs: { epsilon: { float: bn.eps } } });
    t = 'n';
  }
  nodes.push(
    { name: 'relu', op: 'Relu', inputs: [t], output: 'r' },
    { name: 'pool', op: 'MaxPool', inputs: ['r'], output: 'p', attrs: poolAttrs },
    { name: 'flat', op: 'Flatten', inputs: ['p'], output: 'f', attrs: { axis: { int: 1 } } },
    { name: 'fc', op: 'Gemm', inputs: ['f', 'FW', 'FB'], output: 'logits', attrs: { transB: { int: 1 } } },
  );
  return nodes;
}

function smallInits(opts: { bn?: boolean; storage?: 'raw' | 'float' } = {}): OnnxTypes.ITensorProto[] {
  const s = opts.storage ?? 'raw';
  const inits = [floatTensor('W', [4, 3, 3, 3], convW, s), floatTensor('B', [4], convB, s), floatTensor('FW', [10, 256], gemmW, s), floatTensor('FB', [10], gemmB, s)];
  if (opts.bn) {
    inits.push(floatTensor('gamma', [4], bn.gamma, s), floatTensor('beta', [4], bn.beta, s), floatTensor('mean', [4], bn.mean, s), floatTensor('var', [4], bn.variance, s));
  }
  return inits;
}

describe('the shipped model vgg8-w0.5-cifar10', () => {
  const net = loadOnnx(SHIPPED);

  it('is 6 conv + 2 fc in the NeuroSim VGG8 layout at width 0.5', () => {
    expect(net.name).toBe('vgg8-w0.5-cifar10');
    expect(net.layers.map((l) => l.kind)).toEqual(['conv', 'conv', 'maxpool', 'conv', 'conv', 'maxpool', 'conv', 'conv', 'maxpool', 'flatten', 'fc', 'fc']);
    const convs = net.layers.filter((l): l is ConvLayer => l.kind === 'conv');
    // Channels 64-64 | 128-128 | 256-256 (shared/README.md), every conv 3×3, stride 1, pad 1, ReLU.
    expect(convs.map((l) => [l.inC, l.outC])).toEqual([[3, 64], [64, 64], [64, 128], [128, 128], [128, 256], [256, 256]]);
    for (const l of convs) {
      expect([l.kH, l.kW, l.strideH, l.strideW, ...l.pads, l.relu]).toEqual([3, 3, 1, 1, 1, 1, 1, 1, true]);
      expect(l.weight.length).toBe(l.outC * l.inC * 9);
      expect(l.bias.length).toBe(l.outC);
    }
    const fcs = net.layers.filter((l): l is FcLayer => l.kind === 'fc');
    expect(fcs.map((l) => [l.inF, l.outF, l.relu])).toEqual([[4096, 512, true], [512, 10, false]]);
    for (const l of fcs) expect(l.weight.length).toBe(l.inF * l.outF);
    expect(net.classes).toBe(10);
    expect(shapes(net).at(-1)).toEqual({ c: 10, h: 1, w: 1 });
  });

  it('has the same layer shapes as buildVgg8 at width 0.5', () => {
    const built = buildVgg8({ width: 0.5, seed: 1 });
    const strip = (n: Network) => n.layers.map((l) => (isCompute(l) ? { ...l, name: '', weight: l.weight.length, bias: l.bias.length } : { ...l, name: '' }));
    expect(strip(net)).toEqual(strip(built));
  });

  it('takes the input normalisation from its card', () => {
    const card = JSON.parse(readFileSync(join(SHIPPED_MODELS_DIR, 'vgg8-w0.5-cifar10.json'), 'utf8')) as { mean: number[]; std: number[] };
    expect(net.input).toEqual({ channels: 3, height: 32, width: 32, mean: card.mean, std: card.std });
  });

  it('computes the logits onnxruntime computes, on shipped test images', async () => {
    const data = readCifar10(CIFAR10_TEST_SAMPLE, { limit: 2 });
    const bytes = readFileSync(SHIPPED);
    for (let i = 0; i < data.count; i++) {
      const x = preprocess(data.pixels, i, net.input);
      const ours = forwardNaive(net, x);
      const theirs = await runOrt(bytes, x);
      expect(maxAbsDiff(ours, theirs)).toBeLessThan(1e-3);
      expect(argmax(ours)).toBe(argmax(theirs));
    }
  });
});

describe('BatchNormalization folding', () => {
  it('folds into the conv so that the network computes conv → BN → ReLU → … of the unfolded formula', () => {
    const net = parseOnnx(modelBytes(smallNodes({ bn: true }), smallInits({ bn: true })), 'bn.onnx');
    expect(net.layers.map((l) => l.kind)).toEqual(['conv', 'maxpool', 'flatten', 'fc']);
    const conv = net.layers[0] as ConvLayer;
    expect(conv.relu).toBe(true);

    // Unfolded: original conv weights, then y = γ(x − μ)/√(σ² + ε) + β per channel.
    const raw: ConvLayer = { ...conv, weight: convW, bias: convB, relu: false };
    const c = convNaive(Float64Array.from(image), 3, 32, 32, raw);
    const plane = c.h * c.w;
    const bnOut = c.y.map((v, k) => {
      const o = Math.floor(k / plane);
      return Math.max(0, (bn.gamma[o]! * (v - bn.mean[o]!)) / Math.sqrt(bn.variance[o]! + bn.eps) + bn.beta[o]!);
    });
    // The rest of the network (pool, flatten, fc) is unchanged by folding: run it on bnOut.
    const rest: Network = { ...net, input: { ...net.input, channels: 4, height: c.h, width: c.w }, layers: net.layers.slice(1) };
    const expected = forwardNaive(rest, Float32Array.from(bnOut));
    const got = forwardNaive(net, image);
    expect(maxAbsDiff(got, expected)).toBeLessThan(1e-5);
    // The check has teeth: without BN the output is far from it.
    const plain = parseOnnx(modelBytes(smallNodes(), smallInits()), 'plain.onnx');
    expect(maxAbsDiff(forwardNaive(plain, image), expected)).toBeGreaterThan(1e-2);
  });

  it('agrees with onnxruntime running the unfolded model', async () => {
    const bytes = modelBytes(smallNodes({ bn: true }), smallInits({ bn: true }));
    const ours = forwardNaive(parseOnnx(bytes, 'bn.onnx'), image);
    expect(maxAbsDiff(ours, await runOrt(bytes, image))).toBeLessThan(1e-4);
  });

  it('refuses a BatchNormalization that does not directly follow a Conv or Gemm', () => {
    const nodes = smallNodes();
    nodes.splice(2, 0, { name: 'bn', op: 'BatchNormalization', inputs: ['r', 'gamma', 'beta', 'mean', 'var'], output: 'n' });
    nodes[3]!.inputs = ['n'];
    expectModelError(() => parseOnnx(modelBytes(nodes, smallInits({ bn: true })), 'm.onnx'), 'node "bn" (BatchNormalization)', 'directly follow');
  });
});

describe('equivalent ONNX forms give the same layers', () => {
  const reference = parseOnnx(modelBytes(smallNodes(), smallInits()), 'ref.onnx');
  const refFc = reference.layers[3] as FcLayer;

  it('matches onnxruntime on the small model', async () => {
    const bytes = modelBytes(smallNodes(), smallInits());
    expect(maxAbsDiff(forwardNaive(reference, image), await runOrt(bytes, image))).toBeLessThan(1e-4);
  });

  it('matches onnxruntime with asymmetric conv pads (ONNX order top, left, bottom, right)', async () => {
    const nodes = smallNodes({ convAttrs: { ...convAttrs, pads: { ints: [1, 0, 0, 1] } } });
    const bytes = modelBytes(nodes, smallInits());
    const net = parseOnnx(bytes, 'pads.onnx');
    expect((net.layers[0] as ConvLayer).pads).toEqual([1, 0, 0, 1]);
    expect(maxAbsDiff(forwardNaive(net, image), await runOrt(bytes, image))).toBeLessThan(1e-4);
  });

  it('float_data and raw_data initializers', () => {
    const net = parseOnnx(modelBytes(smallNodes(), smallInits({ storage: 'float' })), 'f.onnx');
    expect(net).toEqual({ ...reference, name: 'f' });
  });

  it('Gemm with transB = 0 and the weight stored [in, out]', () => {
    const wT = new Float32Array(256 * 10);
    for (let o = 0; o < 10; o++) for (let i = 0; i < 256; i++) wT[i * 10 + o] = gemmW[o * 256 + i]!;
    const nodes = smallNodes();
    nodes[4]!.attrs = { transB: { int: 0 } };
    const inits = smallInits().map((t) => (t.name === 'FW' ? floatTensor('FW', [256, 10], wT) : t));
    const fc = parseOnnx(modelBytes(nodes, inits), 't.onnx').layers[3] as FcLayer;
    expect(fc.weight).toEqual(refFc.weight);
  });

  it('MatMul followed by Add (the bias, either operand order)', () => {
    const wT = new Float32Array(256 * 10);
    for (let o = 0; o < 10; o++) for (let i = 0; i < 256; i++) wT[i * 10 + o] = gemmW[o * 256 + i]!;
    for (const addInputs of [['mm', 'FB'], ['FB', 'mm']]) {
      const nodes = smallNodes().slice(0, 4);
      nodes.push({ name: 'mm', op: 'MatMul', inputs: ['f', 'FW'], output: 'mm' }, { name: 'add', op: 'Add', inputs: addInputs, output: 'logits' });
      const inits = smallInits().map((t) => (t.name === 'FW' ? floatTensor('FW', [256, 10], wT) : t));
      const fc = parseOnnx(modelBytes(nodes, inits), 'mm.onnx').layers[3] as FcLayer;
      expect({ ...fc, name: 'fc' }).toEqual(refFc);
    }
  });

  it('Reshape to [N, -1] with the shape from a Constant node or an int64 initializer', () => {
    const variants: { shape: number[]; constantNode: boolean; storage: 'raw' | 'int64' }[] = [
      { shape: [0, -1], constantNode: true, storage: 'raw' },
      { shape: [-1, 256], constantNode: false, storage: 'int64' },
      { shape: [1, -1], constantNode: false, storage: 'raw' },
    ];
    for (const v of variants) {
      const nodes = smallNodes();
      nodes[3] = { name: 'reshape', op: 'Reshape', inputs: ['p', 'shape'], output: 'f' };
      const shapeTensor = int64Tensor('shape', v.shape, v.storage);
      const extraNodes = v.constantNode ? [{ name: 'k', opType: 'Constant', input: [], output: ['shape'], attribute: [attr('value', { tensor: shapeTensor })] }] : [];
      const inits = v.constantNode ? smallInits() : [...smallInits(), shapeTensor];
      const net = parseOnnx(modelBytes(nodes, inits, { extraNodes }), 'r.onnx');
      expect(net.layers.map((l) => l.kind)).toEqual(['conv', 'maxpool', 'flatten', 'fc']);
      expect(net.layers[2]!.name).toBe('reshape');
      expect(net.layers[3]).toEqual(refFc);
    }
  });

  it('refuses a Reshape to anything but [N, -1]', () => {
    const nodes = smallNodes();
    nodes[3] = { name: 'reshape', op: 'Reshape', inputs: ['p', 'shape'], output: 'f' };
    expectModelError(() => parseOnnx(modelBytes(nodes, [...smallInits(), int64Tensor('shape', [2, -1])]), 'r.onnx'), 'node "reshape" (Reshape)', '[2,-1]');
    expectModelError(() => parseOnnx(modelBytes(nodes, [...smallInits(), int64Tensor('shape', [1, 4, 64])]), 'r.onnx'), 'node "reshape" (Reshape)', '[1,4,64]');
  });
});

describe('model card and defaults', () => {
  it('defaults to the CIFAR-10 statistics without a card', () => {
    const path = join(tmp, 'nocard.onnx');
    writeFileSync(path, modelBytes(smallNodes(), smallInits()));
    const net = loadOnnx(path);
    expect(net.name).toBe('nocard');
    expect(net.input.mean).toEqual([...CIFAR10_MEAN]);
    expect(net.input.std).toEqual([...CIFAR10_STD]);
    expect(CIFAR10_MEAN).toEqual([0.4914, 0.4822, 0.4465]);
    expect(CIFAR10_STD).toEqual([0.247, 0.2435, 0.2616]);
  });

  it('reads mean and std from <model>.json', () => {
    const path = join(tmp, 'card.onnx');
    writeFileSync(path, modelBytes(smallNodes(), smallInits()));
    writeFileSync(join(tmp, 'card.json'), JSON.stringify({ mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3], classes: 'abcdefghij'.split('') }));
    expect(loadOnnx(path).input).toMatchObject({ mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] });
  });

  it('refuses a card that disagrees with the model or is malformed, naming the card', () => {
    const path = join(tmp, 'badcard.onnx');
    const cardPath = join(tmp, 'badcard.json');
    writeFileSync(path, modelBytes(smallNodes(), smallInits()));
    writeFileSync(cardPath, JSON.stringify({ classes: ['a', 'b'] }));
    expectModelError(() => loadOnnx(path), cardPath, 'card lists 2 classes but the model outputs 10');
    writeFileSync(cardPath, JSON.stringify({ mean: [0.5, 0.5] }));
    expectModelError(() => loadOnnx(path), cardPath, 'mean has 2 values');
    writeFileSync(cardPath, JSON.stringify({ std: [0.2, 0, 0.2] }));
    expectModelError(() => loadOnnx(path), cardPath, 'std must be positive');
    writeFileSync(cardPath, '{ not json');
    expectModelError(() => loadOnnx(path), cardPath);
  });
});

describe('resolveModel and loadNetwork', () => {
  it('resolves the shipped model name to its file', () => {
    expect(shippedModels()).toContain('vgg8-w0.5-cifar10');
    expect(resolveModel('vgg8-w0.5-cifar10')).toBe(SHIPPED);
  });

  it('passes a path ending in .onnx through', () => {
    expect(resolveModel('some/dir/net.onnx')).toBe('some/dir/net.onnx');
  });

  it('refuses other names at network.model', () => {
    expect(() => resolveModel('vgg9')).toThrow(ConfigError);
    expect(() => resolveModel('vgg9')).toThrow(/network\.model.*unknown model "vgg9"/);
    expect(() => resolveModel('random-vgg8')).toThrow(ConfigError);
  });

  it('builds random-vgg8 from randomWidth and randomSeed', () => {
    const net = loadNetwork({ model: 'random-vgg8', randomWidth: 0.0625, randomSeed: 7 });
    const ref = buildVgg8({ width: 0.0625, seed: 7 });
    expect(net).toEqual(ref);
  });

  it('loads a model file given by path', () => {
    const path = join(tmp, 'bypath.onnx');
    writeFileSync(path, modelBytes(smallNodes(), smallInits()));
    expect(loadNetwork({ model: path, randomWidth: 1, randomSeed: 1 }).name).toBe('bypath');
  });
});

describe('bad model files', () => {
  it('missing file: ModelError naming it', () => {
    const path = join(tmp, 'does-not-exist.onnx');
    expectModelError(() => loadOnnx(path), path, 'cannot read model file');
  });

  it('truncated file (the first 1000 bytes of the shipped model): ModelError naming it, with the protobuf error', () => {
    const path = join(tmp, 'truncated.onnx');
    writeFileSync(path, readFileSync(SHIPPED).subarray(0, 1000));
    expectModelError(() => loadOnnx(path), path, 'protobuf');
  });

  it('a model cut anywhere fails cleanly', () => {
    const full = modelBytes(smallNodes(), smallInits());
    for (const cut of [1, 7, 100, Math.floor(full.length / 2), full.length - 1]) {
      expectModelError(() => parseOnnx(full.subarray(0, cut), `cut-${cut}.onnx`), `cut-${cut}.onnx`);
    }
  });

  it('random garbage: ModelError naming the file', () => {
    const next = randoms(99);
    for (const size of [16, 4096]) {
      const path = join(tmp, `garbage-${size}.onnx`);
      writeFileSync(path, Uint8Array.from(next(size, 0, 256), Math.floor));
      expectModelError(() => loadOnnx(path), path);
    }
  });

  it('an empty file: ModelError', () => {
    expectModelError(() => parseOnnx(new Uint8Array(0), 'empty.onnx'), 'empty.onnx', 'no graph');
  });
});

describe('unsupported ops and attributes name the node and op', () => {
  const bytesWith = (nodes: NodeSpec[], inits = smallInits()) => modelBytes(nodes, inits);

  it('an unsupported op (Sigmoid)', () => {
    const nodes = smallNodes();
    nodes[1] = { name: 'sig', op: 'Sigmoid', inputs: ['c'], output: 'r' };
    expectModelError(() => parseOnnx(bytesWith(nodes), 'm.onnx'), 'm.onnx: node "sig" (Sigmoid): op Sigmoid is not supported');
  });

  it('Conv group = 2', () => {
    const nodes = smallNodes({ convAttrs: { ...convAttrs, group: { int: 2 } } });
    expectModelError(() => parseOnnx(bytesWith(nodes), 'm.onnx'), 'node "conv" (Conv): attribute group=2 is not supported (only 1)');
  });

  it('Conv dilations 2', () => {
    const nodes = smallNodes({ convAttrs: { ...convAttrs, dilations: { ints: [2, 2] } } });
    expectModelError(() => parseOnnx(bytesWith(nodes), 'm.onnx'), 'node "conv" (Conv): attribute dilations=[2,2] is not supported (only 1)');
  });

  it('Conv auto_pad SAME_UPPER and an unknown attribute', () => {
    expectModelError(() => parseOnnx(bytesWith(smallNodes({ convAttrs: { ...convAttrs, auto_pad: { string: 'SAME_UPPER' } } })), 'm.onnx'), 'node "conv" (Conv): attribute auto_pad=SAME_UPPER');
    expectModelError(() => parseOnnx(bytesWith(smallNodes({ convAttrs: { ...convAttrs, frobnicate: { int: 1 } } })), 'm.onnx'), 'node "conv" (Conv): attribute frobnicate is not supported');
  });

  it('MaxPool ceil_mode 1 and non-zero pads', () => {
    const nodes = smallNodes();
    nodes[2]!.attrs = { ...poolAttrs, ceil_mode: { int: 1 } };
    expectModelError(() => parseOnnx(bytesWith(nodes), 'm.onnx'), 'node "pool" (MaxPool): attribute ceil_mode=1');
    nodes[2]!.attrs = { ...poolAttrs, pads: { ints: [1, 1, 1, 1] } };
    expectModelError(() => parseOnnx(bytesWith(nodes), 'm.onnx'), 'node "pool" (MaxPool): attribute pads=[1,1,1,1]');
  });

  it('Gemm alpha ≠ 1 and Flatten axis ≠ 1', () => {
    const nodes = smallNodes();
    nodes[4]!.attrs = { transB: { int: 1 }, alpha: { float: 0.5 } };
    expectModelError(() => parseOnnx(bytesWith(nodes), 'm.onnx'), 'node "fc" (Gemm): attribute alpha=0.5');
    const nodes2 = smallNodes();
    nodes2[3]!.attrs = { axis: { int: 2 } };
    expectModelError(() => parseOnnx(bytesWith(nodes2), 'm.onnx'), 'node "flat" (Flatten): attribute axis=2');
  });

  it('a Relu that does not follow a compute layer', () => {
    const nodes = smallNodes();
    // conv → pool → relu (instead of conv → relu → pool)
    nodes[1] = { name: 'pool', op: 'MaxPool', inputs: ['c'], output: 'r', attrs: poolAttrs };
    nodes[2] = { name: 'relu', op: 'Relu', inputs: ['r'], output: 'p' };
    expectModelError(() => parseOnnx(bytesWith(nodes), 'm.onnx'), 'node "relu" (Relu)', 'must directly follow');
  });

  it('a network that does not end in a fully connected layer', () => {
    const nodes = smallNodes().slice(0, 4);
    nodes[3]!.output = 'logits';
    expectModelError(() => parseOnnx(modelBytes(nodes, smallInits(), { classes: 256 }), 'm.onnx'), 'm.onnx', 'must end with a fully connected layer');
  });

  it('an input that is not [N,3,32,32]', () => {
    const bytes = onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 13 }],
      graph: { node: [node({ name: 'relu', op: 'Relu', inputs: ['image'], output: 'y' })], input: [valueInfo('image', ['N', 1, 28, 28])], output: [valueInfo('y', ['N', 1, 28, 28])] },
    }).finish();
    expectModelError(() => parseOnnx(bytes, 'mnist.onnx'), 'graph input "image"', '[N,1,28,28]');
  });
});

describe('non-chain graphs', () => {
  it('a tensor feeding two nodes (a residual Add)', () => {
    const nodes = smallNodes();
    nodes.splice(1, 1, { name: 'relu', op: 'Relu', inputs: ['c'], output: 'r0' }, { name: 'add', op: 'Add', inputs: ['c', 'r0'], output: 'r' });
    expectModelError(() => parseOnnx(modelBytes(nodes, smallInits()), 'res.onnx'), 'res.onnx', 'tensor "c" feeds 2 nodes', '"relu" (Relu)', '"add" (Add)', 'only a chain');
  });

  it('a node with two activation inputs', () => {
    // The Gemm's weight is computed by another node instead of being an initializer.
    const nodes = smallNodes();
    nodes[4]!.inputs = ['f', 'FW2', 'FB'];
    nodes.unshift({ name: 'wgen', op: 'Relu', inputs: ['FW'], output: 'FW2' });
    expectModelError(() => parseOnnx(modelBytes(nodes, smallInits()), 'two.onnx'), 'node "fc" (Gemm)', 'takes 2 non-constant inputs ("f", "FW2")', 'only a chain');
  });

  it('a node off the chain', () => {
    const nodes = [...smallNodes(), { name: 'stray', op: 'Relu', inputs: ['B'], output: 'zz' }];
    expectModelError(() => parseOnnx(modelBytes(nodes, smallInits()), 'stray.onnx'), 'node "stray" (Relu)', 'not on the chain');
  });

  it('a chain that never reaches the output', () => {
    const nodes = smallNodes();
    nodes[4]!.output = 'elsewhere';
    expectModelError(() => parseOnnx(modelBytes(nodes, smallInits()), 'dead.onnx'), 'tensor "elsewhere" is used by no node');
  });
});

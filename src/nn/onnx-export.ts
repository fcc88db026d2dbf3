/**
 * ONNX export of a layer graph (opset 13, input `image` [N,C,H,W], output `logits`), so that
 * a network memxbar built (e.g. the full-width random VGG8) can be run by onnxruntime as a
 * speed baseline, and round-trips through the importer.
 */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import type { Network } from './graph.ts';

const { onnx } = onnxProto;
const AT = onnx.AttributeProto.AttributeType;
const DT = onnx.TensorProto.DataType;

function tensor(name: string, dims: number[], data: Float32Array): OnnxTypes.ITensorProto {
  return { name, dims, dataType: DT.FLOAT, rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) };
}

function ints(name: string, v: number[]): OnnxTypes.IAttributeProto {
  return { name, type: AT.INTS, ints: v };
}

export function exportOnnx(net: Network): Uint8Array {
  const nodes: OnnxTypes.INodeProto[] = [];
  const init: OnnxTypes.ITensorProto[] = [];
  let cur = 'image';
  net.layers.forEach((l, i) => {
    const out = i === net.layers.length - 1 ? 'logits' : `t${i}`;
    const pre = `${out}_pre`;
    if (l.kind === 'conv') {
      init.push(tensor(`${l.name}.w`, [l.outC, l.inC, l.kH, l.kW], l.weight), tensor(`${l.name}.b`, [l.outC], l.bias));
      nodes.push({ name: l.name, opType: 'Conv', input: [cur, `${l.name}.w`, `${l.name}.b`], output: [l.relu ? pre : out], attribute: [ints('kernel_shape', [l.kH, l.kW]), ints('strides', [l.strideH, l.strideW]), ints('pads', [l.pads[0], l.pads[1], l.pads[2], l.pads[3]])] });
    } else if (l.kind === 'fc') {
      init.push(tensor(`${l.name}.w`, [l.outF, l.inF], l.weight), tensor(`${l.name}.b`, [l.outF], l.bias));
      nodes.push({ name: l.name, opType: 'Gemm', input: [cur, `${l.name}.w`, `${l.name}.b`], output: [l.relu ? pre : out], attribute: [{ name: 'transB', type: AT.INT, i: 1 }] });
    } else if (l.kind === 'maxpool') {
      nodes.push({ name: l.name, opType: 'MaxPool', input: [cur], output: [out], attribute: [ints('kernel_shape', [l.kH, l.kW]), ints('strides', [l.strideH, l.strideW])] });
    } else {
      nodes.push({ name: l.name, opType: 'Flatten', input: [cur], output: [out], attribute: [{ name: 'axis', type: AT.INT, i: 1 }] });
    }
    if ((l.kind === 'conv' || l.kind === 'fc') && l.relu) nodes.push({ name: `${l.name}.relu`, opType: 'Relu', input: [pre], output: [out] });
    cur = out;
  });
  const dim = (d: number | string) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d });
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'memxbar',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: net.name,
      node: nodes,
      initializer: init,
      input: [{ name: 'image', type: { tensorType: { elemType: DT.FLOAT, shape: { dim: ['N', net.input.channels, net.input.height, net.input.width].map(dim) } } } }],
      output: [{ name: 'logits', type: { tensorType: { elemType: DT.FLOAT, shape: { dim: ['N', net.classes].map(dim) } } } }],
    },
  }).finish();
}

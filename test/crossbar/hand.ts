/** Hand-made integer layers and networks for tests whose numbers are worked out by hand. */
import type { Network } from '../../src/nn/graph.ts';
import type { QuantLayer, QuantNetwork } from '../../src/nn/quant.ts';

/** An fc layer with integer weights W[output][row] (no bias, no requantization). */
export function handLayer(name: string, W: number[][], index = 0): QuantLayer {
  const C = W.length;
  const R = W[0]!.length;
  const qWeight = Int32Array.from(W.flat());
  return {
    index,
    layer: { kind: 'fc', name, inF: R, outF: C, weight: Float32Array.from(qWeight), bias: new Float32Array(C), relu: false },
    qWeight,
    rows: R,
    cols: C,
    weightScale: 1,
    inputScale: 1,
    qBias: new Float64Array(C),
    padValue: null,
    requant: null,
  };
}

/** A network holding the given layers (enough for buildCrossbar and the engines' matmul). */
export function handNet(layers: QuantLayer[], weightBits: number, activationBits: number): QuantNetwork {
  const net: Network = {
    name: 'hand',
    input: { channels: 1, height: 1, width: layers[0]!.rows, mean: [0], std: [1] },
    classes: layers[layers.length - 1]!.cols,
    layers: layers.map((q) => q.layer),
  };
  return { net, weightBits, activationBits, steps: layers.map((q) => ({ kind: 'compute' as const, q })), layers };
}

/**
 * Float32 forward pass of a layer graph: the accuracy reference that the integer
 * path and the crossbar model are compared with. Weights are float32; sums are
 * accumulated in float64 and rounded to float32 per layer.
 */
import type { Network, Shape } from './graph.ts';
import { gemm, im2col, im2colSize, maxPool } from './ops.ts';
import { native } from '../native/addon.ts';

export interface FloatTrace {
  /** Output of every layer (after its ReLU, if any), float32. */
  outputs: Float32Array[];
}

/**
 * Run one normalised CHW image through the network; returns the logits.
 * `onLayer(i, y)` sees each layer's output (used for activation calibration).
 */
export function forwardFloat(net: Network, image: Float32Array, onLayer?: (index: number, y: Float32Array) => void): Float32Array {
  let x = image;
  let s: Shape = { c: net.input.channels, h: net.input.height, w: net.input.width };
  net.layers.forEach((l, i) => {
    if (l.kind === 'conv') {
      const need = im2colSize(s, l);
      if (colsScratch.length < need) colsScratch = new Float32Array(need);
      const cols = colsScratch.subarray(0, need);
      const { rows, patches, outH, outW } = im2col(x, s, l, cols);
      const acc = accBuffer(l.outC * patches);
      for (let o = 0; o < l.outC; o++) acc.fill(l.bias[o]!, o * patches, (o + 1) * patches);
      gemm(l.weight, cols, rows, patches, l.outC, acc);
      x = toFloat32(acc, l.relu);
      s = { c: l.outC, h: outH, w: outW };
    } else if (l.kind === 'fc') {
      const acc = accBuffer(l.outF);
      acc.set(l.bias);
      gemm(l.weight, x, l.inF, 1, l.outF, acc);
      x = toFloat32(acc, l.relu);
      s = { c: l.outF, h: 1, w: 1 };
    } else if (l.kind === 'maxpool') {
      const r = maxPool(x, s, l.kH, l.kW, l.strideH, l.strideW, (n) => new Float32Array(n));
      x = r.y;
      s = r.shape;
    } else {
      s = { c: s.c * s.h * s.w, h: 1, w: 1 };
    }
    if (onLayer) onLayer(i, x);
  });
  return x;
}

/** The im2col matrix, reused across layers and calls (read only by the layer's GEMM). */
let colsScratch = new Float32Array(0);

/** A reused float64 accumulator (each layer's is converted to float32 before the next one). */
let accScratch = new Float64Array(0);
function accBuffer(n: number): Float64Array {
  if (accScratch.length < n) accScratch = new Float64Array(n);
  return accScratch.subarray(0, n);
}

function toFloat32(acc: Float64Array, relu: boolean): Float32Array {
  const y = new Float32Array(acc.length);
  const k = native();
  if (k) {
    k.accToF32(acc, relu, y);
    return y;
  }
  for (let i = 0; i < acc.length; i++) {
    const v = acc[i]!;
    y[i] = relu && v < 0 ? 0 : v;
  }
  return y;
}


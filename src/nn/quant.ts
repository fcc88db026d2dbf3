/**
 * The integer path the accelerator runs (docs/quantization.md):
 *
 * - weights: per layer symmetric, q_w = clamp(round(w / s_w), −Q, Q), Q = 2^(weightBits−1) − 1,
 *   s_w = max|w| / Q;
 * - first-layer input: raw pixels rescaled to activationBits, q_0 = round(p·(2^a − 1)/255);
 *   the per-channel normalisation (p/255 − mean)/std is folded into the first layer's weights
 *   and bias, and its zero padding becomes padding with the channel's mean pixel
 *   round(mean_c·(2^a − 1)) (the value that normalises to ≈ 0);
 * - hidden activations: unsigned, q = clamp(round(y / s_y), 0, 2^a − 1), with s_y calibrated
 *   on training images: s_y = percentile_p(post-ReLU outputs) / (2^a − 1);
 * - accumulation: acc = Σ q_w·q_x (exact integers) + q_b, q_b = round(b / (s_w·s_x)), added digitally;
 * - requantization: q_y = clamp((acc·M0 + 2^(n−1)) >> n, 0, 2^a − 1) (arithmetic shift, i.e. floor),
 *   with M0·2^−n ≈ s_w·s_x/s_y, M0 a 15-bit integer in [2^14, 2^15): one integer multiply and
 *   one shift in hardware; the ReLU is the clamp at 0;
 * - the last layer's acc are the integer logits (logit = acc·s_w·s_x); top-1 = argmax acc.
 *
 * The product Σ q_w·q_x is delegated to a `MatrixEngine`: the exact one here, the crossbar
 * reference model and the fast engine elsewhere. Everything else is the same for all engines.
 */
import { UnsupportedError } from '../errors.ts';
import type { ComputeLayer, Network, Shape } from './graph.ts';
import { forwardFloat } from './float.ts';
import { native } from '../native/addon.ts';
import { gemm, im2col, im2colSize, maxPool } from './ops.ts';

/** Requantization constants: q_y = clamp((acc·multiplier + 2^(shift−1)) >> shift, 0, maxCode). */
export interface Requant {
  multiplier: number;
  shift: number;
  /** s_y of the produced activations. */
  outputScale: number;
}

/** One crossbar layer of the quantized network. */
export interface QuantLayer {
  /** Position among compute layers (0 = first conv). */
  index: number;
  /** Geometry and float weights (for the first layer: normalisation folded in). */
  layer: ComputeLayer;
  /** Integer weights, same layout as layer.weight: [cols = outputs][rows = im2col inputs]. */
  qWeight: Int32Array;
  rows: number;
  cols: number;
  weightScale: number;
  inputScale: number;
  /** Integer bias, added digitally after the matrix product. */
  qBias: Float64Array;
  /** Per input channel padding value (first layer only; 0 elsewhere). */
  padValue: Int32Array | null;
  /** null for the last layer (integer logits). */
  requant: Requant | null;
}

export type QuantStep =
  | { kind: 'compute'; q: QuantLayer }
  | { kind: 'maxpool'; kH: number; kW: number; strideH: number; strideW: number }
  | { kind: 'flatten' };

export interface QuantNetwork {
  net: Network;
  weightBits: number;
  activationBits: number;
  steps: QuantStep[];
  layers: QuantLayer[];
}

/**
 * acc[o·P + p] += Σ_r qWeight[o·R + r] · x[p·R + r] for compute layer `q`: the part of a
 * layer that runs on crossbars. `x` holds P input vectors (patches) of R unsigned
 * activation codes, patch-major; acc is [outputs][P].
 */
export interface MatrixEngine {
  matmul(q: QuantLayer, x: Int32Array, P: number, acc: Float64Array): void;
}

/** The exact integer product: the ideal a crossbar approximates. */
export const exactEngine: MatrixEngine = {
  matmul(q, x, P, acc) {
    gemm(q.qWeight, x, q.rows, P, q.cols, acc);
  },
};

/** M ≈ multiplier·2^−shift with multiplier in [2^14, 2^15). */
export function fixedPointMultiplier(m: number): { multiplier: number; shift: number } {
  if (!(m > 0) || !Number.isFinite(m)) throw new UnsupportedError(`requantization multiplier must be positive and finite, got ${m}`);
  let shift = 14 - Math.floor(Math.log2(m));
  let multiplier = Math.round(m * 2 ** shift);
  if (multiplier >= 1 << 15) {
    multiplier = Math.round(multiplier / 2);
    shift -= 1;
  }
  if (shift < 1 || shift > 52) throw new UnsupportedError(`requantization multiplier ${m} is out of the supported range`);
  return { multiplier, shift };
}

/** Apply requantization to one accumulator value (exact for |acc·multiplier| < 2^53). */
export function requantize(acc: number, r: Requant, maxCode: number): number {
  const v = Math.floor((acc * r.multiplier + 2 ** (r.shift - 1)) / 2 ** r.shift);
  return v < 0 ? 0 : v > maxCode ? maxCode : v;
}

/** Symmetric per-layer weight quantization. */
export function quantizeWeights(w: Float32Array, bits: number): { q: Int32Array; scale: number } {
  const Q = 2 ** (bits - 1) - 1;
  let maxAbs = 0;
  for (let i = 0; i < w.length; i++) maxAbs = Math.max(maxAbs, Math.abs(w[i]!));
  const scale = maxAbs > 0 ? maxAbs / Q : 1;
  const q = new Int32Array(w.length);
  for (let i = 0; i < w.length; i++) q[i] = Math.max(-Q, Math.min(Q, Math.round(w[i]! / scale)));
  return { q, scale };
}

/** Log-spaced histogram for percentiles of non-negative values (deterministic, bounded memory). */
export class PercentileHistogram {
  private static readonly LO = -20; // log2 of the smallest bin edge
  private static readonly HI = 20;
  private static readonly PER_OCTAVE = 256;
  private readonly bins = new Float64Array((PercentileHistogram.HI - PercentileHistogram.LO) * PercentileHistogram.PER_OCTAVE + 2);
  private total = 0;
  private max = 0;

  add(values: ArrayLike<number>): void {
    const { LO, HI, PER_OCTAVE } = PercentileHistogram;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      this.total++;
      if (v > this.max) this.max = v;
      if (!(v > 0)) {
        this.bins[0]!++;
        continue;
      }
      const b = Math.floor((Math.log2(v) - LO) * PER_OCTAVE) + 1;
      this.bins[Math.max(1, Math.min(this.bins.length - 1, b))]!++;
    }
  }

  /** Smallest bin upper edge at or above the p-th percentile (p in 0..100), capped at the max seen. */
  percentile(p: number): number {
    const { LO, PER_OCTAVE } = PercentileHistogram;
    const target = (p / 100) * this.total;
    let seen = 0;
    for (let b = 0; b < this.bins.length; b++) {
      seen += this.bins[b]!;
      if (seen >= target && seen > 0) {
        if (b === 0) return 0;
        return Math.min(this.max, 2 ** (LO + b / PER_OCTAVE));
      }
    }
    return this.max;
  }
}

export interface QuantizeOptions {
  weightBits: number;
  activationBits: number;
  /** Normalised CHW calibration images (float). */
  calibration: Float32Array[];
  /** Percentile of post-ReLU outputs mapped to the top activation code. */
  percentile: number;
  onProgress?: (done: number, total: number) => void;
}

/** Fold the input normalisation into the first layer: weights per unit intensity (p/255). */
function foldInputNormalisation(net: Network, l: ComputeLayer): { layer: ComputeLayer; meanIntensity: number[] } {
  if (l.kind !== 'conv') throw new UnsupportedError('the first layer must be a convolution on the image', `layer "${l.name}"`);
  const { mean, std } = net.input;
  const weight = new Float32Array(l.weight.length);
  const bias = new Float32Array(l.bias);
  const K = l.kH * l.kW;
  for (let o = 0; o < l.outC; o++) {
    let shift = 0;
    for (let c = 0; c < l.inC; c++) {
      for (let k = 0; k < K; k++) {
        const i = (o * l.inC + c) * K + k;
        weight[i] = l.weight[i]! / std[c]!;
        shift += (l.weight[i]! * mean[c]!) / std[c]!;
      }
    }
    bias[o] = l.bias[o]! - shift;
  }
  return { layer: { ...l, weight, bias }, meanIntensity: mean };
}

/** Quantize a float network, calibrating activation scales on `calibration` images. */
export function quantizeNetwork(net: Network, opts: QuantizeOptions): QuantNetwork {
  const a = opts.activationBits;
  const maxCode = 2 ** a - 1;
  const computeIdx = net.layers.map((l, i) => (l.kind === 'conv' || l.kind === 'fc' ? i : -1)).filter((i) => i >= 0);
  if (computeIdx.length === 0 || computeIdx[0] !== 0) {
    throw new UnsupportedError('the network must start with a convolution on the image', `layer "${net.layers[0]?.name ?? '?'}"`);
  }
  const last = computeIdx[computeIdx.length - 1]!;
  for (const i of computeIdx) {
    const l = net.layers[i] as ComputeLayer;
    if (i !== last && !l.relu) {
      throw new UnsupportedError('a hidden layer without ReLU would need signed activations; only unsigned activations are supported', `layer "${l.name}" (${l.kind})`);
    }
  }
  // Calibration: percentile of each hidden compute layer's post-ReLU output.
  const hist = new Map<number, PercentileHistogram>(computeIdx.filter((i) => i !== last).map((i) => [i, new PercentileHistogram()]));
  opts.calibration.forEach((img, n) => {
    forwardFloat(net, img, (i, y) => hist.get(i)?.add(y));
    opts.onProgress?.(n + 1, opts.calibration.length);
  });

  const layers: QuantLayer[] = [];
  const steps: QuantStep[] = [];
  let inputScale = 1 / maxCode; // first layer: intensity p/255 in steps of 1/(2^a − 1)
  net.layers.forEach((l, i) => {
    if (l.kind === 'maxpool') steps.push({ kind: 'maxpool', kH: l.kH, kW: l.kW, strideH: l.strideH, strideW: l.strideW });
    else if (l.kind === 'flatten') steps.push({ kind: 'flatten' });
    else {
      let layer = l;
      let padValue: Int32Array | null = null;
      if (i === 0) {
        const f = foldInputNormalisation(net, l);
        layer = f.layer;
        padValue = Int32Array.from(f.meanIntensity, (m) => Math.round(m * maxCode));
      }
      const { q, scale } = quantizeWeights(layer.weight, opts.weightBits);
      const rows = layer.kind === 'conv' ? layer.inC * layer.kH * layer.kW : layer.inF;
      const cols = layer.kind === 'conv' ? layer.outC : layer.outF;
      const qBias = Float64Array.from(layer.bias, (b) => Math.round(b / (scale * inputScale)));
      let requant: Requant | null = null;
      if (i !== last) {
        const top = hist.get(i)!.percentile(opts.percentile);
        const outputScale = (top > 0 ? top : 1) / maxCode;
        requant = { ...fixedPointMultiplier((scale * inputScale) / outputScale), outputScale };
      }
      const ql: QuantLayer = { index: layers.length, layer, qWeight: q, rows, cols, weightScale: scale, inputScale, qBias, padValue, requant };
      layers.push(ql);
      steps.push({ kind: 'compute', q: ql });
      if (requant) inputScale = requant.outputScale;
    }
  });
  return { net, weightBits: opts.weightBits, activationBits: a, steps, layers };
}

/** First-layer input codes of one image: q_0 = round(p·(2^a − 1)/255), CHW. */
export function quantizeImage(pixels: Uint8Array, offset: number, count: number, activationBits: number): Int32Array {
  const maxCode = 2 ** activationBits - 1;
  const q = new Int32Array(count);
  for (let i = 0; i < count; i++) q[i] = Math.round((pixels[offset + i]! * maxCode) / 255);
  return q;
}

/** A reused buffer for im2col patches (engines read them during matmul and keep no reference). */
let patchScratch = new Int32Array(0);
function patchBuffer(n: number): Int32Array {
  if (patchScratch.length < n) patchScratch = new Int32Array(n);
  return patchScratch.subarray(0, n);
}

/**
 * Integer forward pass of one image (input codes from quantizeImage); returns the
 * integer logits (acc of the last layer). `onLayer` sees each compute layer's
 * accumulators (with bias) and its output codes.
 */
export function forwardInt(
  qn: QuantNetwork,
  input: Int32Array,
  engine: MatrixEngine = exactEngine,
  onLayer?: (q: QuantLayer, acc: Float64Array, out: Int32Array | null) => void,
): Float64Array {
  const maxCode = 2 ** qn.activationBits - 1;
  let x = input;
  let s: Shape = { c: qn.net.input.channels, h: qn.net.input.height, w: qn.net.input.width };
  let logits = new Float64Array(0);
  for (const st of qn.steps) {
    if (st.kind === 'maxpool') {
      const r = maxPool(x, s, st.kH, st.kW, st.strideH, st.strideW, (n) => new Int32Array(n));
      x = r.y;
      s = r.shape;
      continue;
    }
    if (st.kind === 'flatten') {
      s = { c: s.c * s.h * s.w, h: 1, w: 1 };
      continue;
    }
    const q = st.q;
    let cols: Int32Array;
    let P: number;
    let next: Shape;
    if (q.layer.kind === 'conv') {
      const l = q.layer;
      cols = patchBuffer(im2colSize(s, l));
      const r = im2col(x, s, l, cols, q.padValue ?? undefined);
      P = r.patches;
      next = { c: l.outC, h: r.outH, w: r.outW };
    } else {
      cols = x;
      P = 1;
      next = { c: q.cols, h: 1, w: 1 };
    }
    const acc = new Float64Array(q.cols * P);
    engine.matmul(q, cols, P, acc);
    const k = native();
    if (k) {
      // The same bias add and requantization, in native code (src/native/kernels/tensor.cc BiasRequant).
      const y = q.requant ? new Int32Array(acc.length) : null;
      k.biasRequant(acc, q.qBias, q.cols, P, q.requant?.multiplier ?? 0, q.requant?.shift ?? 1, maxCode, y);
      onLayer?.(q, acc, y);
      if (y) x = y;
      else logits = acc;
      s = next;
      continue;
    }
    for (let o = 0; o < q.cols; o++) {
      const b = q.qBias[o]!;
      for (let p = 0; p < P; p++) acc[o * P + p] += b;
    }
    if (q.requant) {
      const y = new Int32Array(acc.length);
      const mul = q.requant.multiplier;
      const half = 2 ** (q.requant.shift - 1);
      const div = 2 ** q.requant.shift;
      for (let i = 0; i < acc.length; i++) {
        const v = Math.floor((acc[i]! * mul + half) / div); // = requantize(acc[i], q.requant, maxCode)
        y[i] = v < 0 ? 0 : v > maxCode ? maxCode : v;
      }
      onLayer?.(q, acc, y);
      x = y;
    } else {
      onLayer?.(q, acc, null);
      logits = acc;
    }
    s = next;
  }
  return logits;
}

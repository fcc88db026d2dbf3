/**
 * Forward and backward pass of a layer graph (conv, ReLU, max-pool, flatten, fc, softmax
 * cross-entropy) in float32 on memxbar's own native GEMM (`gemmF32`, src/native/kernels), with
 * the crossbar's quantization and stuck cells in the forward pass (docs/train.md):
 *
 * - weights: per layer symmetric quantization q = clamp(round(w/s_w), −Q, Q), s_w = max|w|/Q
 *   (src/nn/quant.ts `quantizeWeights`), then what the cells of the plain mapping compute for q
 *   through their stuck cells (`StuckWeights`); the layer uses s_w·that. Backward: straight
 *   through (dL/dw = dL/dw_eff), s_w held constant;
 * - hidden activations: q = clamp(round(y/s_y), 0, 2^a − 1)·s_y with the calibrated scales s_y
 *   of the quantized network; backward straight through inside the range, 0 outside (the ReLU
 *   is the clamp at 0).
 *
 * - the first layer as deployed: the input normalisation folded into its weights and bias, its
 *   weights quantized (and their stuck cells applied) on the folded grid (`foldedEffectiveWeights`).
 *
 * Not modelled in training: the ADC and the rounding of the bias and of the requantization
 * multiplier (the evaluation after training runs the real crossbar model with all of them).
 */
import type { ComputeLayer, Network, Shape } from '../nn/graph.ts';
import { gemm, im2col } from '../nn/ops.ts';

/**
 * The stuck cells of one layer as the plain mapping holds them: for each weight with a stuck
 * cell, what its cells compute for an integer weight q. Offset: ((q + z) & ~m | v) − ref;
 * differential: (max(q,0) & ~mp | vp) − (max(−q,0) & ~mn | vn) (src/mitigation/stuck.ts `eff`).
 */
export interface StuckWeights {
  scheme: 'offset' | 'differential';
  zero: number;
  /** Indices (o·R + r) of the weights with a stuck cell (or, offset, a reference that reads wrong). */
  index: Int32Array;
  /** Per listed weight: offset [m, v, ref, 0], differential [mp, vp, mn, vn]. */
  masks: Int32Array;
}

/** What the cells compute for integer weight q of listed weight k. */
export function stuckValue(s: StuckWeights, k: number, q: number): number {
  const a = s.masks[4 * k]!, b = s.masks[4 * k + 1]!, c = s.masks[4 * k + 2]!, d = s.masks[4 * k + 3]!;
  if (s.scheme === 'offset') return (((q + s.zero) & ~a) | b) - c;
  return ((Math.max(q, 0) & ~a) | b) - ((Math.max(-q, 0) & ~c) | d);
}

/** The weight the layer computes with: s_w · (what the cells compute for round(w/s_w)). */
export function effectiveWeights(w: Float32Array, bits: number, stuck: StuckWeights | null): Float32Array {
  const Q = 2 ** (bits - 1) - 1;
  let maxAbs = 0;
  for (let i = 0; i < w.length; i++) maxAbs = Math.max(maxAbs, Math.abs(w[i]!));
  const s = maxAbs > 0 ? maxAbs / Q : 1;
  const out = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = s * Math.max(-Q, Math.min(Q, Math.round(w[i]! / s)));
  if (stuck) {
    for (let k = 0; k < stuck.index.length; k++) {
      const i = stuck.index[k]!;
      out[i] = s * stuckValue(stuck, k, Math.max(-Q, Math.min(Q, Math.round(w[i]! / s))));
    }
  }
  return out;
}

/**
 * The first layer as the accelerator holds it (src/nn/quant.ts folds the input normalisation into
 * it): W' = W/σ_c quantized on W''s own grid, its stuck cells applied to those integers, and the
 * bias b' = b − Σ W'μ computed from the float W'. On normalised inputs x = (p/255 − μ)/σ (padding 0,
 * the deployed padding with the mean pixel) the deployed layer computes
 *   Σ W'_eff·p/255 + b' = Σ (σ·W'_eff)·x + b + Σ (W'_eff − W')·μ,
 * so the training forward uses the weights σ·W'_eff and adds the per-output bias shift
 * Σ_{c,k} (W'_eff − W')·μ_c (held constant in the backward pass, as s_w is).
 */
export function foldedEffectiveWeights(l: ComputeLayer & { kind: 'conv' }, mean: ArrayLike<number>, std: ArrayLike<number>, bits: number, stuck: StuckWeights | null): { weff: Float32Array; biasShift: Float64Array } {
  const K = l.kH * l.kW;
  const folded = new Float32Array(l.weight.length);
  for (let i = 0; i < folded.length; i++) folded[i] = l.weight[i]! / std[Math.floor(i / K) % l.inC]!;
  const eff = effectiveWeights(folded, bits, stuck);
  const weff = new Float32Array(l.weight.length);
  const biasShift = new Float64Array(l.outC);
  for (let i = 0; i < weff.length; i++) {
    const c = Math.floor(i / K) % l.inC;
    weff[i] = eff[i]! * std[c]!;
    biasShift[Math.floor(i / (K * l.inC))] += (eff[i]! - folded[i]!) * mean[c]!;
  }
  return { weff, biasShift };
}

/** How the forward pass quantizes: weight bits, per compute layer the stuck cells and the activation scale (null: none). */
export interface TrainNumerics {
  weightBits: number | null;
  stuck: (StuckWeights | null)[];
  /** s_y of each compute layer's output (null: float, e.g. the logits). */
  actScale: (number | null)[];
  actMax: number;
}

/** Parameters: per compute layer, weight and bias (the network's own arrays). */
export function parameters(net: Network): Float32Array[] {
  return net.layers.filter((l): l is ComputeLayer => l.kind === 'conv' || l.kind === 'fc').flatMap((l) => [l.weight, l.bias]);
}

interface Saved {
  kind: 'compute' | 'maxpool' | 'flatten';
  cols?: Float32Array; // compute: input patches, [B·P][R]
  weff?: Float32Array;
  pass?: Uint8Array; // compute: gradient passes (ReLU / activation range)
  inShape: Shape;
  P?: number;
  argmax?: Int32Array; // maxpool: input index of each output
}

/** Loss (mean softmax cross-entropy), correct predictions, and gradients (same order as `parameters`). */
export interface StepResult {
  loss: number;
  correct: number;
  grads: Float32Array[];
}

/**
 * Forward and backward over a batch of normalised CHW images (`images[n]`, labels). Activations
 * are kept as [B] CHW arrays; compute layers gather all images' patches into one GEMM.
 */
export function forwardBackward(net: Network, num: TrainNumerics, images: Float32Array[], labels: ArrayLike<number>, wantGrads = true): StepResult {
  const B = images.length;
  let xs = images;
  let s: Shape = { c: net.input.channels, h: net.input.height, w: net.input.width };
  const saved: Saved[] = [];
  let ci = 0;
  for (const l of net.layers) {
    if (l.kind === 'conv' || l.kind === 'fc') {
      const R = l.kind === 'conv' ? l.inC * l.kH * l.kW : l.inF;
      const O = l.kind === 'conv' ? l.outC : l.outF;
      let P = 1;
      let outShape: Shape = { c: O, h: 1, w: 1 };
      let cols: Float32Array;
      if (l.kind === 'conv') {
        const oh = Math.floor((s.h + l.pads[0] + l.pads[2] - l.kH) / l.strideH) + 1;
        const ow = Math.floor((s.w + l.pads[1] + l.pads[3] - l.kW) / l.strideW) + 1;
        P = oh * ow;
        outShape = { c: O, h: oh, w: ow };
        cols = new Float32Array(B * P * R);
        for (let n = 0; n < B; n++) im2col(xs[n]!, s, l, cols.subarray(n * P * R, (n + 1) * P * R));
      } else {
        cols = new Float32Array(B * R);
        for (let n = 0; n < B; n++) cols.set(xs[n]!, n * R);
      }
      // The first layer with the input normalisation folded in, as deployed (src/nn/quant.ts).
      const folded = num.weightBits && ci === 0 && l.kind === 'conv' ? foldedEffectiveWeights(l, net.input.mean, net.input.std, num.weightBits, num.stuck[0] ?? null) : null;
      const weff = folded ? folded.weff : num.weightBits ? effectiveWeights(l.weight, num.weightBits, num.stuck[ci] ?? null) : l.weight;
      const BP = B * P;
      const acc = new Float64Array(O * BP);
      for (let o = 0; o < O; o++) acc.fill(l.bias[o]! + (folded ? folded.biasShift[o]! : 0), o * BP, (o + 1) * BP);
      gemm(weff, cols, R, BP, O, acc);
      const scale = num.actScale[ci] ?? null;
      const pass = new Uint8Array(O * BP);
      const top = scale === null ? Infinity : scale * num.actMax;
      const ys = Array.from({ length: B }, () => new Float32Array(O * P));
      for (let o = 0; o < O; o++) {
        for (let n = 0; n < B; n++) {
          const y = ys[n]!;
          for (let p = 0; p < P; p++) {
            const k = o * BP + n * P + p;
            let v = acc[k]!;
            if (l.relu || scale !== null) {
              if (v <= 0) v = 0;
              else if (v >= top) v = top;
              else pass[k] = 1;
              if (scale !== null) v = scale * Math.round(v / scale);
            } else pass[k] = 1;
            y[o * P + p] = v;
          }
        }
      }
      saved.push({ kind: 'compute', cols, weff, pass, inShape: s, P });
      xs = ys;
      s = outShape;
      ci++;
    } else if (l.kind === 'maxpool') {
      const oh = Math.floor((s.h - l.kH) / l.strideH) + 1;
      const ow = Math.floor((s.w - l.kW) / l.strideW) + 1;
      const argmax = new Int32Array(B * s.c * oh * ow);
      const ys = xs.map((x, n) => {
        const y = new Float32Array(s.c * oh * ow);
        let o = 0;
        for (let c = 0; c < s.c; c++) {
          for (let oy = 0; oy < oh; oy++) {
            for (let ox = 0; ox < ow; ox++) {
              let m = -Infinity;
              let at = -1;
              for (let ky = 0; ky < l.kH; ky++) {
                const base = (c * s.h + oy * l.strideH + ky) * s.w + ox * l.strideW;
                for (let kx = 0; kx < l.kW; kx++) if (x[base + kx]! > m) { m = x[base + kx]!; at = base + kx; }
              }
              argmax[n * s.c * oh * ow + o] = at;
              y[o++] = m;
            }
          }
        }
        return y;
      });
      saved.push({ kind: 'maxpool', inShape: s, argmax });
      xs = ys;
      s = { c: s.c, h: oh, w: ow };
    } else {
      saved.push({ kind: 'flatten', inShape: s });
      s = { c: s.c * s.h * s.w, h: 1, w: 1 };
    }
  }
  // Softmax cross-entropy on the logits.
  const K = s.c;
  let loss = 0;
  let correct = 0;
  let dx = xs.map((z, n) => {
    let m = -Infinity;
    let arg = 0;
    for (let k = 0; k < K; k++) if (z[k]! > m) { m = z[k]!; arg = k; }
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(z[k]! - m);
    const y = labels[n]!;
    loss += Math.log(sum) + m - z[y]!;
    if (arg === y) correct++;
    const g = new Float32Array(K);
    for (let k = 0; k < K; k++) g[k] = (Math.exp(z[k]! - m) / sum - (k === y ? 1 : 0)) / B;
    return g;
  });
  loss /= B;
  if (!wantGrads) return { loss, correct, grads: [] };
  const computeLayers = net.layers.filter((l): l is ComputeLayer => l.kind === 'conv' || l.kind === 'fc');
  const grads: Float32Array[] = new Array(2 * computeLayers.length);
  for (let i = net.layers.length - 1, c = computeLayers.length - 1; i >= 0; i--) {
    const l = net.layers[i]!;
    const sv = saved[i]!;
    if (sv.kind === 'compute') {
      const cl = l as ComputeLayer;
      const R = cl.kind === 'conv' ? cl.inC * cl.kH * cl.kW : cl.inF;
      const O = cl.kind === 'conv' ? cl.outC : cl.outF;
      const P = sv.P!;
      const BP = B * P;
      // dY in [O][B·P], masked by the ReLU / activation range.
      const dy = new Float32Array(O * BP);
      const dyT = new Float32Array(BP * O);
      const db = new Float32Array(O);
      for (let o = 0; o < O; o++) {
        let sb = 0;
        for (let n = 0; n < B; n++) {
          const g = dx[n]!;
          for (let p = 0; p < P; p++) {
            const k = o * BP + n * P + p;
            const v = sv.pass![k] ? g[o * P + p]! : 0;
            dy[k] = v;
            dyT[(n * P + p) * O + o] = v;
            sb += v;
          }
        }
        db[o] = sb;
      }
      // dW[o][r] = Σ_q dY[o][q]·cols[q][r]: gemm over q with cols transposed to [R][B·P].
      const colsT = transpose(sv.cols!, BP, R);
      const dW64 = new Float64Array(O * R);
      gemm(dy, colsT, BP, R, O, dW64);
      grads[2 * c] = Float32Array.from(dW64);
      grads[2 * c + 1] = db;
      if (i > 0) {
        // dCols[r][q] = Σ_o W[o][r]·dY[o][q]: gemm over o, W transposed to [R][O], dY as [B·P][O]
        // (R outputs of B·P patches: the forward GEMM's shape, which the kernel is tuned for).
        const wT = transpose(sv.weff!, O, R);
        const dCols64 = new Float64Array(R * BP);
        gemm(wT, dyT, O, BP, R, dCols64);
        const inS = sv.inShape;
        dx = Array.from({ length: B }, (_, n) => {
          const g = new Float32Array(inS.c * inS.h * inS.w);
          if (cl.kind === 'conv') col2im(dCols64, BP, n * P, inS, cl, g);
          else for (let r = 0; r < R; r++) g[r] = dCols64[r * BP + n]!;
          return g;
        });
      }
      c--;
    } else if (sv.kind === 'maxpool') {
      const inS = sv.inShape;
      const per = dx[0]!.length;
      dx = dx.map((g, n) => {
        const out = new Float32Array(inS.c * inS.h * inS.w);
        for (let o = 0; o < per; o++) out[sv.argmax![n * per + o]!]! += g[o]!;
        return out;
      });
    }
  }
  return { loss, correct, grads };
}

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(a.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j]!;
  return t;
}

/**
 * Adds patch gradients back onto the CHW input: the adjoint of im2col. `dCols` is row-major
 * [R][stride]; this image's patches are columns first … first + P − 1.
 */
function col2im(dCols: Float64Array, stride: number, first: number, s: Shape, l: ComputeLayer & { kind: 'conv' }, g: Float32Array): void {
  const outH = Math.floor((s.h + l.pads[0] + l.pads[2] - l.kH) / l.strideH) + 1;
  const outW = Math.floor((s.w + l.pads[1] + l.pads[3] - l.kW) / l.strideW) + 1;
  let r = 0;
  for (let c = 0; c < l.inC; c++) {
    for (let ky = 0; ky < l.kH; ky++) {
      for (let kx = 0; kx < l.kW; kx++, r++) {
        const row = r * stride + first;
        for (let oy = 0; oy < outH; oy++) {
          const iy = oy * l.strideH - l.pads[0] + ky;
          if (iy < 0 || iy >= s.h) continue;
          const base = (c * s.h + iy) * s.w;
          for (let ox = 0; ox < outW; ox++) {
            const ix = ox * l.strideW - l.pads[1] + kx;
            if (ix >= 0 && ix < s.w) g[base + ix]! += dCols[row + oy * outW + ox]!;
          }
        }
      }
    }
  }
}

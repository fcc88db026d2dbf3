/**
 * Tensor kernels shared by the float and integer paths. Activations are CHW for one
 * image; `im2col` lays conv patches out as a matrix [rows = inC·kH·kW][cols = outH·outW]
 * so that a convolution is a matrix product W[outC][rows] · cols, which is exactly the
 * crossbar's view of a layer (rows = word lines, one output channel per weight column).
 */
import { kernelThreads, native } from '../native/addon.ts';
import type { ConvLayer, Shape } from './graph.ts';

/** Typed array kinds the kernels accept. */
export type NumArray = Float32Array | Float64Array | Int32Array | Uint8Array | Uint16Array;

/**
 * im2col of one CHW image, patch-major: out[p·R + r], r = (c·kH + ky)·kW + kx,
 * p = oy·outW + ox. Each patch is one contiguous input vector, as the row drivers of a
 * crossbar receive it. `padValue[c]` fills positions outside the image (0 by default).
 */
export function im2col<T extends NumArray>(
  x: NumArray,
  s: Shape,
  l: ConvLayer,
  out: T,
  padValue?: ArrayLike<number>,
): { rows: number; patches: number; outH: number; outW: number } {
  const outH = Math.floor((s.h + l.pads[0] + l.pads[2] - l.kH) / l.strideH) + 1;
  const outW = Math.floor((s.w + l.pads[1] + l.pads[3] - l.kW) / l.strideW) + 1;
  const R = l.inC * l.kH * l.kW;
  const k = native();
  if (k && x instanceof Int32Array && out instanceof Int32Array && (padValue === undefined || padValue instanceof Int32Array)) {
    k.im2colI32(x, l.inC, s.h, s.w, l.kH, l.kW, l.strideH, l.strideW, l.pads[0], l.pads[1], outH, outW, out, padValue ?? null, kernelThreads());
    return { rows: R, patches: outH * outW, outH, outW };
  }
  if (k && x instanceof Float32Array && out instanceof Float32Array && padValue === undefined) {
    // A copy of 32-bit values: the same kernel on the bits (padding 0 is +0.0).
    const xi = new Int32Array(x.buffer, x.byteOffset, x.length);
    const oi = new Int32Array(out.buffer, out.byteOffset, out.length);
    k.im2colI32(xi, l.inC, s.h, s.w, l.kH, l.kW, l.strideH, l.strideW, l.pads[0], l.pads[1], outH, outW, oi, null, kernelThreads());
    return { rows: R, patches: outH * outW, outH, outW };
  }
  let o = 0;
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      for (let c = 0; c < l.inC; c++) {
        const pv = padValue ? padValue[c]! : 0;
        for (let ky = 0; ky < l.kH; ky++) {
          const iy = oy * l.strideH - l.pads[0] + ky;
          const rowOk = iy >= 0 && iy < s.h;
          const base = (c * s.h + iy) * s.w;
          for (let kx = 0; kx < l.kW; kx++) {
            const ix = ox * l.strideW - l.pads[1] + kx;
            out[o++] = rowOk && ix >= 0 && ix < s.w ? x[base + ix]! : pv;
          }
        }
      }
    }
  }
  return { rows: R, patches: outH * outW, outH, outW };
}

/** Elements of the patch-major im2col matrix of layer `l` on input shape `s`. */
export function im2colSize(s: Shape, l: ConvLayer): number {
  const outH = Math.floor((s.h + l.pads[0] + l.pads[2] - l.kH) / l.strideH) + 1;
  const outW = Math.floor((s.w + l.pads[1] + l.pads[3] - l.kW) / l.strideW) + 1;
  return outH * outW * l.inC * l.kH * l.kW;
}

/**
 * out[o·P + p] += Σ_r W[o·R + r] · X[p·R + r]: weights [O][R], patches [P][R] (patch-major),
 * output [O][P] (CHW). Accumulated in float64: exact for integer operands while sums stay
 * below 2^53. Runs the native kernel when built (float32 accumulation for float32
 * operands, exact int64 for int32 operands), else the register-blocked TypeScript twin.
 */
export function gemm(W: NumArray, X: NumArray, R: number, P: number, O: number, out: Float64Array): void {
  const k = native();
  if (k && W instanceof Float32Array && X instanceof Float32Array) return k.gemmF32(W, X, R, P, O, out, kernelThreads());
  if (k && W instanceof Int32Array && X instanceof Int32Array) return k.gemmI32(W, X, R, P, O, out, kernelThreads(), false);
  gemmTs(W, X, R, P, O, out);
}

/** The TypeScript GEMM (the native kernels' twin; used when they are not built). */
export function gemmTs(W: NumArray, X: NumArray, R: number, P: number, O: number, out: Float64Array): void {
  const O4 = O - (O % 4);
  const P2 = P - (P % 2);
  for (let p = 0; p < P2; p += 2) {
    const xa = p * R;
    const xb = xa + R;
    for (let o = 0; o < O4; o += 4) {
      const w0 = o * R;
      const w1 = w0 + R;
      const w2 = w1 + R;
      const w3 = w2 + R;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
      for (let r = 0; r < R; r++) {
        const c = X[xa + r]!;
        const d = X[xb + r]!;
        const v0 = W[w0 + r]!, v1 = W[w1 + r]!, v2 = W[w2 + r]!, v3 = W[w3 + r]!;
        a0 += c * v0; a1 += c * v1; a2 += c * v2; a3 += c * v3;
        b0 += d * v0; b1 += d * v1; b2 += d * v2; b3 += d * v3;
      }
      out[o * P + p] += a0; out[(o + 1) * P + p] += a1; out[(o + 2) * P + p] += a2; out[(o + 3) * P + p] += a3;
      out[o * P + p + 1] += b0; out[(o + 1) * P + p + 1] += b1; out[(o + 2) * P + p + 1] += b2; out[(o + 3) * P + p + 1] += b3;
    }
    for (let o = O4; o < O; o++) {
      let a = 0, b = 0;
      for (let r = 0; r < R; r++) {
        a += X[xa + r]! * W[o * R + r]!;
        b += X[xb + r]! * W[o * R + r]!;
      }
      out[o * P + p] += a;
      out[o * P + p + 1] += b;
    }
  }
  for (let p = P2; p < P; p++) {
    for (let o = 0; o < O; o++) {
      let a = 0;
      for (let r = 0; r < R; r++) a += X[p * R + r]! * W[o * R + r]!;
      out[o * P + p] += a;
    }
  }
}

/** Max pooling of a CHW tensor (no padding). */
export function maxPool<T extends NumArray>(x: T, s: Shape, kH: number, kW: number, sH: number, sW: number, make: (n: number) => T): { y: T; shape: Shape } {
  const oh = Math.floor((s.h - kH) / sH) + 1;
  const ow = Math.floor((s.w - kW) / sW) + 1;
  const y = make(s.c * oh * ow);
  const k = native();
  if (k && x instanceof Int32Array && y instanceof Int32Array && oh > 0 && ow > 0) {
    k.maxPoolI32(x, s.c, s.h, s.w, kH, kW, sH, sW, y);
    return { y, shape: { c: s.c, h: oh, w: ow } };
  }
  if (k && x instanceof Float32Array && y instanceof Float32Array && oh > 0 && ow > 0) {
    k.maxPoolF32(x, s.c, s.h, s.w, kH, kW, sH, sW, y);
    return { y, shape: { c: s.c, h: oh, w: ow } };
  }
  let o = 0;
  for (let c = 0; c < s.c; c++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let m = -Infinity;
        for (let ky = 0; ky < kH; ky++) {
          const base = (c * s.h + oy * sH + ky) * s.w + ox * sW;
          for (let kx = 0; kx < kW; kx++) {
            const v = x[base + kx]!;
            if (v > m) m = v;
          }
        }
        y[o++] = m;
      }
    }
  }
  return { y, shape: { c: s.c, h: oh, w: ow } };
}

/** Index of the largest value (first one on ties). */
export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

/**
 * Tensor kernels shared by the float and integer paths. Activations are CHW for one
 * image; `im2col` lays conv patches out as a matrix [rows = inC·kH·kW][cols = outH·outW]
 * so that a convolution is a matrix product W[outC][rows] · cols, which is exactly the
 * crossbar's view of a layer (rows = word lines, one output channel per weight column).
 */
import type { ConvLayer, Shape } from './graph.ts';

/** Typed array kinds the kernels accept. */
export type NumArray = Float32Array | Float64Array | Int32Array | Uint8Array | Uint16Array;

/**
 * im2col of one CHW image: out[r·P + p], r = (c·kH + ky)·kW + kx, p = oy·outW + ox.
 * `padValue[c]` fills positions outside the image (0 for hidden layers).
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
  const P = outH * outW;
  const rows = l.inC * l.kH * l.kW;
  for (let c = 0; c < l.inC; c++) {
    const pv = padValue ? padValue[c]! : 0;
    for (let ky = 0; ky < l.kH; ky++) {
      for (let kx = 0; kx < l.kW; kx++) {
        const r = (c * l.kH + ky) * l.kW + kx;
        let o = r * P;
        for (let oy = 0; oy < outH; oy++) {
          const iy = oy * l.strideH - l.pads[0] + ky;
          const rowOk = iy >= 0 && iy < s.h;
          const base = (c * s.h + iy) * s.w;
          for (let ox = 0; ox < outW; ox++) {
            const ix = ox * l.strideW - l.pads[1] + kx;
            out[o++] = rowOk && ix >= 0 && ix < s.w ? x[base + ix]! : pv;
          }
        }
      }
    }
  }
  return { rows, patches: P, outH, outW };
}

/**
 * out[o·P + p] = Σ_r W[o·R + r] · cols[r·P + p] (accumulated in float64, exact for
 * integers below 2^53). out must be zeroed or hold the initial values.
 */
export function matmulAcc(W: NumArray, cols: NumArray, R: number, P: number, O: number, out: Float64Array): void {
  for (let o = 0; o < O; o++) {
    const ob = o * P;
    const wb = o * R;
    for (let r = 0; r < R; r++) {
      const w = W[wb + r]!;
      if (w === 0) continue;
      const cb = r * P;
      for (let p = 0; p < P; p++) out[ob + p] += w * cols[cb + p]!;
    }
  }
}

/** Max pooling of a CHW tensor (no padding). */
export function maxPool<T extends NumArray>(x: T, s: Shape, kH: number, kW: number, sH: number, sW: number, make: (n: number) => T): { y: T; shape: Shape } {
  const oh = Math.floor((s.h - kH) / sH) + 1;
  const ow = Math.floor((s.w - kW) / sW) + 1;
  const y = make(s.c * oh * ow);
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

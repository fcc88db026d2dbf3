/**
 * The native glue of the integer path (src/native/kernels/) against its TypeScript
 * twins: im2col and max pooling (src/nn/ops.ts, whose TypeScript code runs for other array
 * types), the float path's conversion to float32 (src/nn/float.ts) and the bias add + requantization of forwardInt (src/nn/quant.ts requantize).
 */
import { describe, expect, it } from 'vitest';
import { native } from '../../src/native/addon.ts';
import type { ConvLayer } from '../../src/nn/graph.ts';
import { im2col, im2colSize, maxPool } from '../../src/nn/ops.ts';
import { requantize } from '../../src/nn/quant.ts';
import { Rng } from '../../src/util/rng.ts';

const k = native();

function conv(inC: number, kH: number, kW: number, sH: number, sW: number, pads: [number, number, number, number]): ConvLayer {
  return { kind: 'conv', name: 'c', inC, outC: 1, kH, kW, strideH: sH, strideW: sW, pads, weight: new Float32Array(0), bias: new Float32Array(0), relu: true };
}

describe.skipIf(!k)('native glue equals the TypeScript code', () => {
  it('im2col (int32 and float32, padding values, strides, kernel sizes)', () => {
    const rng = new Rng(7, 1);
    for (let t = 0; t < 200; t++) {
      const s = { c: 1 + rng.int(4), h: 1 + rng.int(9), w: 1 + rng.int(9) };
      const kH = 1 + rng.int(Math.min(3, s.h + 1)), kW = 1 + rng.int(Math.min(4, s.w + 1));
      const l = conv(s.c, kH, kW, 1 + rng.int(2), 1 + rng.int(2), [rng.int(2), rng.int(2), rng.int(2), rng.int(2)]);
      if (s.h + l.pads[0] + l.pads[2] < kH || s.w + l.pads[1] + l.pads[3] < kW) continue;
      const n = s.c * s.h * s.w;
      const xi = Int32Array.from({ length: n }, () => rng.int(256));
      const pad = rng.int(2) ? Int32Array.from({ length: s.c }, () => rng.int(256)) : undefined;
      const size = im2colSize(s, l);
      const got = new Int32Array(size);
      const want = new Float64Array(size);
      const r1 = im2col(xi, s, l, got, pad);
      const r2 = im2col(Float64Array.from(xi), s, l, want, pad);
      expect(r1).toEqual(r2);
      expect(Array.from(got)).toEqual(Array.from(want));
      const xf = Float32Array.from({ length: n }, () => rng.normal());
      const gotF = new Float32Array(size);
      const wantF = new Float64Array(size);
      im2col(xf, s, l, gotF);
      im2col(Float64Array.from(xf), s, l, wantF);
      expect(Array.from(gotF)).toEqual(Array.from(wantF));
    }
  });

  it('max pooling of int32 tensors', () => {
    const rng = new Rng(8, 1);
    for (let t = 0; t < 100; t++) {
      const s = { c: 1 + rng.int(4), h: 2 + rng.int(8), w: 2 + rng.int(8) };
      const kH = 1 + rng.int(2), kW = 1 + rng.int(2);
      const x = Int32Array.from({ length: s.c * s.h * s.w }, () => rng.int(1000) - 500);
      const got = maxPool(x, s, kH, kW, kH, kW, (m) => new Int32Array(m));
      const want = maxPool(Float64Array.from(x), s, kH, kW, kH, kW, (m) => new Float64Array(m));
      expect(got.shape).toEqual(want.shape);
      expect(Array.from(got.y)).toEqual(Array.from(want.y));
    }
  });

  it('max pooling of float32 tensors (ties of +0 and -0, NaN, -Infinity: the TypeScript comparisons)', () => {
    const rng = new Rng(10, 1);
    const special = [0, -0, NaN, -Infinity, Infinity];
    for (let t = 0; t < 100; t++) {
      const s = { c: 1 + rng.int(4), h: 2 + rng.int(8), w: 2 + rng.int(8) };
      const kH = 1 + rng.int(2), kW = 1 + rng.int(2);
      const x = Float32Array.from({ length: s.c * s.h * s.w }, () => (rng.int(4) === 0 ? special[rng.int(special.length)]! : rng.normal()));
      const got = maxPool(x, s, kH, kW, kH, kW, (m) => new Float32Array(m));
      const want = maxPool(Float64Array.from(x), s, kH, kW, kH, kW, (m) => new Float64Array(m));
      expect(got.shape).toEqual(want.shape);
      // Object.is tells +0 from -0 (which of two equal values was kept).
      got.y.forEach((v, i) => expect(Object.is(v, Math.fround(want.y[i]!))).toBe(true));
    }
  });

  it('float accumulators to float32 with and without ReLU (rounding, -0, tiny negatives)', () => {
    const rng = new Rng(11, 1);
    const acc = Float64Array.from({ length: 4000 }, (_, i) => (i % 50 === 0 ? [-0, 0, -1e-300, 1e-300, 3.4028235677973366e38][i % 5]! : rng.normal() * 10 ** (rng.int(12) - 6)));
    for (const relu of [false, true]) {
      const got = new Float32Array(acc.length);
      k!.accToF32(acc, relu, got);
      acc.forEach((v, i) => expect(Object.is(got[i], Math.fround(relu && v < 0 ? 0 : v))).toBe(true));
    }
  });

  it('bias add and requantization, bit for bit, also where doubles round', () => {
    const rng = new Rng(9, 1);
    for (let t = 0; t < 300; t++) {
      const C = 1 + rng.int(5), P = 1 + rng.int(40);
      const scale = [1, 1e3, 1e6, 1e9, 1e12, 1e15, 3e15, 1e17][rng.int(8)]!;
      const acc = Float64Array.from({ length: C * P }, () => (rng.int(4) === 0 ? (rng.float() - 0.5) * scale : Math.round((rng.float() - 0.5) * scale)) + (rng.int(9) === 0 ? 0.5 : 0));
      const bias = Float64Array.from({ length: C }, () => Math.round((rng.float() - 0.5) * 1000));
      const r = { multiplier: 16384 + rng.int(16384), shift: 1 + rng.int(52), outputScale: 1 };
      const maxCode = [1, 255, 65535][rng.int(3)]!;
      const got = acc.slice();
      const y = new Int32Array(C * P);
      k!.biasRequant(got, bias, C, P, r.multiplier, r.shift, maxCode, y);
      const withBias = Float64Array.from(acc, (v, i) => v + bias[Math.floor(i / P)]!);
      expect(Array.from(got)).toEqual(Array.from(withBias));
      expect(Array.from(y)).toEqual(Array.from(withBias, (v) => requantize(v, r, maxCode)));
      const noY = acc.slice();
      k!.biasRequant(noY, bias, C, P, 0, 1, maxCode, null);
      expect(Array.from(noY)).toEqual(Array.from(withBias));
    }
  });
});

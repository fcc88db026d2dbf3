/**
 * The register-blocked GEMMs (src/native/kernels/blocked_gemm.cc) behind native gemmF32 /
 * gemmI32: float32 gives the very floats of the per-dot loop (which runs for P < 4, one patch
 * at a time), and the byte (VNNI) integer path is exact at the ends of the int8 / uint8 ranges
 * and falls back, still exact, where operands do not fit a byte.
 */
import { describe, expect, it } from 'vitest';
import { native } from '../../src/native/addon.ts';
import { gemmTs } from '../../src/nn/ops.ts';
import { Rng } from '../../src/util/rng.ts';

const k = native()!;
const SHAPES = [[16, 4, 4], [64, 8, 5], [576, 37, 13], [1152, 70, 66]] as const;

describe('blocked float32 GEMM', () => {
  for (const [R, P, O] of SHAPES) {
    it(`equals the per-dot loop bit for bit, 1 and 2 threads (R=${R}, P=${P}, O=${O})`, () => {
      const rng = new Rng(R + P, O);
      const W = Float32Array.from({ length: O * R }, () => rng.normal());
      const X = Float32Array.from({ length: P * R }, () => rng.normal());
      const start = Float64Array.from({ length: O * P }, () => rng.normal());
      const perDot = start.slice();
      for (let p = 0; p < P; p++) {
        // P = 1: the per-dot loop, one patch at a time.
        const col = new Float64Array(O);
        k.gemmF32(W, X.subarray(p * R, (p + 1) * R), R, 1, O, col, 1);
        for (let o = 0; o < O; o++) perDot[o * P + p] += col[o]!;
      }
      for (const threads of [1, 2]) {
        const blocked = start.slice();
        k.gemmF32(W, X, R, P, O, blocked, threads);
        expect(Array.from(blocked)).toEqual(Array.from(perDot));
      }
    });
  }
});

describe('blocked 8-bit integer GEMM', () => {
  for (const [R, P, O] of SHAPES) {
    it(`is exact at the ends of the byte ranges and beyond them (R=${R}, P=${P}, O=${O})`, () => {
      const rng = new Rng(R * 7 + P, O);
      const ends = (lo: number, hi: number) => () => (rng.int(4) === 0 ? (rng.int(2) ? lo : hi) : lo + rng.int(hi - lo + 1));
      for (const [wLo, wHi, xHi] of [[-128, 127, 255], [-300, 300, 255], [-128, 127, 1000]] as const) {
        const W = Int32Array.from({ length: O * R }, ends(wLo, wHi));
        const X = Int32Array.from({ length: P * R }, ends(0, xHi));
        const a = Float64Array.from({ length: O * P }, () => rng.int(1000) - 500);
        const b = a.slice();
        k.gemmI32(W, X, R, P, O, a, 2, false);
        gemmTs(W, X, R, P, O, b);
        expect(Array.from(a)).toEqual(Array.from(b));
      }
    });
  }
});

import { describe, expect, it } from 'vitest';
import { native } from '../../src/native/addon.ts';
import { gemm, gemmTs } from '../../src/nn/ops.ts';
import { Rng } from '../../src/util/rng.ts';

describe('GEMM kernels', () => {
  it('the native kernels are built (npm ci builds them with node-gyp)', () => {
    expect(native()).not.toBeNull();
  });
  for (const [R, P, O] of [[1, 1, 1], [7, 3, 5], [576, 33, 13], [300, 1, 10]] as const) {
    it(`native integer GEMM equals the TypeScript GEMM exactly (R=${R}, P=${P}, O=${O})`, () => {
      const rng = new Rng(R * 31 + P, O);
      const W = Int32Array.from({ length: O * R }, () => rng.int(255) - 127);
      const X = Int32Array.from({ length: P * R }, () => rng.int(256));
      const a = Float64Array.from({ length: O * P }, () => rng.int(100));
      const b = a.slice();
      gemm(W, X, R, P, O, a);
      gemmTs(W, X, R, P, O, b);
      expect(Array.from(a)).toEqual(Array.from(b));
    });
    it(`native float GEMM agrees with the TypeScript GEMM (R=${R}, P=${P}, O=${O})`, () => {
      const rng = new Rng(R * 17 + P, O);
      const W = Float32Array.from({ length: O * R }, () => rng.normal());
      const X = Float32Array.from({ length: P * R }, () => rng.normal());
      const a = new Float64Array(O * P);
      const b = new Float64Array(O * P);
      gemm(W, X, R, P, O, a);
      gemmTs(W, X, R, P, O, b);
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-3 * Math.sqrt(R));
    });
  }
});

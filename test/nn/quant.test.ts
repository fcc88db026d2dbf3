import { describe, expect, it } from 'vitest';
import { fixedPointMultiplier, forwardInt, PercentileHistogram, quantizeImage, quantizeNetwork, quantizeWeights, requantize } from '../../src/nn/quant.ts';
import { forwardFloat } from '../../src/nn/float.ts';
import { argmax } from '../../src/nn/ops.ts';
import { randomImages, tinyNet } from '../helpers.ts';

describe('quantization arithmetic', () => {
  it('symmetric weight quantization: scale = max|w| / (2^(b−1) − 1), rounding and clamping', () => {
    const { q, scale } = quantizeWeights(Float32Array.from([0.5, -1, 0.26, 0]), 3); // Q = 3
    expect(scale).toBeCloseTo(1 / 3, 12);
    expect(Array.from(q)).toEqual([2, -3, 1, 0]); // 1.5 → 2, −3, 0.78 → 1, 0
  });
  it('fixed-point multiplier: 15-bit mantissa, m ≈ M0·2^−n', () => {
    for (const m of [0.000123, 0.5, 0.75, 1, 3.3]) {
      const { multiplier, shift } = fixedPointMultiplier(m);
      expect(multiplier).toBeGreaterThanOrEqual(2 ** 14);
      expect(multiplier).toBeLessThan(2 ** 15);
      expect(Math.abs(multiplier / 2 ** shift - m) / m).toBeLessThan(2 ** -14);
    }
  });
  it('requantize rounds half up with an arithmetic shift and clamps to 0..maxCode', () => {
    const r = { multiplier: 1 << 14, shift: 15, outputScale: 1 }; // × 0.5
    expect(requantize(5, r, 255)).toBe(3); // 2.5 → 3
    expect(requantize(-5, r, 255)).toBe(0); // ReLU
    expect(requantize(1000, r, 255)).toBe(255);
    expect(requantize(7, r, 255)).toBe(4); // 3.5 → 4
    expect(requantize(6, r, 255)).toBe(3);
  });
  it('percentile histogram: 100th percentile is the max, 50th of uniform values is near the median', () => {
    const h = new PercentileHistogram();
    h.add(Float32Array.from({ length: 1000 }, (_, i) => (i + 1) / 1000));
    expect(h.percentile(100)).toBeCloseTo(1, 6);
    expect(Math.abs(h.percentile(50) - 0.5)).toBeLessThan(0.01);
    const z = new PercentileHistogram();
    z.add(new Float32Array(10));
    expect(z.percentile(99)).toBe(0);
  });
  it('first-layer input codes: round(p·(2^a − 1)/255)', () => {
    expect(Array.from(quantizeImage(Uint8Array.from([0, 128, 255]), 0, 3, 8))).toEqual([0, 128, 255]);
    expect(Array.from(quantizeImage(Uint8Array.from([0, 128, 255]), 0, 3, 4))).toEqual([0, 8, 15]);
  });
});

describe('integer path', () => {
  it('8-bit integer logits track the float logits (same top-1 on most images)', () => {
    const net = tinyNet(11, { c1: 8, hidden: 16 });
    const { float, pixels } = randomImages(net, 40, 3);
    const qn = quantizeNetwork(net, { weightBits: 8, activationBits: 8, calibration: float.slice(0, 20), percentile: 100 });
    const size = 2 * 6 * 6;
    let agree = 0;
    for (let i = 0; i < 40; i++) {
      const fl = forwardFloat(net, float[i]!);
      const last = qn.layers[qn.layers.length - 1]!;
      const iq = forwardInt(qn, quantizeImage(pixels, i * size, size, 8));
      const deq = Array.from(iq, (v) => v * last.weightScale * last.inputScale);
      const range = Math.max(...Array.from(fl).map(Math.abs));
      for (let c = 0; c < fl.length; c++) expect(Math.abs(deq[c]! - fl[c]!)).toBeLessThan(0.1 * range + 0.05);
      if (argmax(fl) === argmax(iq)) agree++;
    }
    expect(agree).toBeGreaterThanOrEqual(36);
  });
  it('refuses a hidden layer without ReLU, naming it', () => {
    const net = tinyNet(2);
    const fc1 = net.layers[3]!;
    if (fc1.kind === 'fc') fc1.relu = false;
    const { float } = randomImages(net, 2, 1);
    expect(() => quantizeNetwork(net, { weightBits: 8, activationBits: 8, calibration: float, percentile: 99 })).toThrow(/fc1/);
  });
});

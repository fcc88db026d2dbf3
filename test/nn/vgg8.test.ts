/** The VGG8 builder: layout at widths 1 and 0.5, He statistics, determinism per seed. */
import { describe, expect, it } from 'vitest';
import { isCompute, shapes, type ComputeLayer, type ConvLayer, type FcLayer, type Network } from '../../src/nn/graph.ts';
import { VGG8_BIAS_RANGE, buildVgg8, vgg8Widths } from '../../src/nn/vgg8.ts';

const convs = (n: Network) => n.layers.filter((l): l is ConvLayer => l.kind === 'conv');
const fcs = (n: Network) => n.layers.filter((l): l is FcLayer => l.kind === 'fc');
const computes = (n: Network) => n.layers.filter(isCompute);

/** Layer-by-layer check of the NeuroSim VGG8 layout for channel counts c1, c2, c3 and hidden features f. */
function expectLayout(net: Network, c1: number, c2: number, c3: number, f: number): void {
  expect(net.layers.map((l) => l.name)).toEqual(['conv1', 'conv2', 'pool1', 'conv3', 'conv4', 'pool2', 'conv5', 'conv6', 'pool3', 'flatten', 'fc1', 'fc2']);
  expect(convs(net).map((l) => [l.inC, l.outC])).toEqual([[3, c1], [c1, c1], [c1, c2], [c2, c2], [c2, c3], [c3, c3]]);
  for (const l of convs(net)) {
    expect([l.kH, l.kW, l.strideH, l.strideW, ...l.pads, l.relu]).toEqual([3, 3, 1, 1, 1, 1, 1, 1, true]);
    expect(l.weight.length).toBe(l.outC * l.inC * 9);
    expect(l.bias.length).toBe(l.outC);
  }
  // Three 2×2 pools: 32 → 4, so fc1 sees c3·4·4 features.
  expect(fcs(net).map((l) => [l.inF, l.outF, l.relu])).toEqual([[c3 * 16, f, true], [f, 10, false]]);
  for (const l of fcs(net)) expect(l.weight.length).toBe(l.inF * l.outF);
  const s = shapes(net);
  expect(s[9]).toEqual({ c: c3, h: 4, w: 4 }); // input of flatten
  expect(s.at(-1)).toEqual({ c: 10, h: 1, w: 1 });
  expect(net.classes).toBe(10);
}

function sameWeights(a: Network, b: Network): boolean {
  const wa = computes(a);
  const wb = computes(b);
  return wa.length === wb.length && wa.every((l, i) => Buffer.from(l.weight.buffer).equals(Buffer.from(wb[i]!.weight.buffer)) && Buffer.from(l.bias.buffer).equals(Buffer.from(wb[i]!.bias.buffer)));
}

describe('buildVgg8', () => {
  it('width 1 is the full VGG8: 128-128 | 256-256 | 512-512, FC 8192 → 1024 → 10', () => {
    const net = buildVgg8({ width: 1, seed: 1 });
    expectLayout(net, 128, 256, 512, 1024);
    expect(fcs(net)[0]!.inF).toBe(8192);
    expect(net.input).toMatchObject({ channels: 3, height: 32, width: 32 });
  });

  it('width 0.5: 64-64 | 128-128 | 256-256, FC 4096 → 512 → 10', () => {
    expectLayout(buildVgg8({ width: 0.5, seed: 1 }), 64, 128, 256, 512);
  });

  it('rounds the scaled widths and keeps at least one channel', () => {
    expect(vgg8Widths(0.3)).toEqual({ c1: Math.round(38.4), c2: Math.round(76.8), c3: Math.round(153.6), f: Math.round(307.2) });
    expect(vgg8Widths(0.001)).toEqual({ c1: 1, c2: 1, c3: 1, f: 1 });
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = buildVgg8({ width: 0.125, seed: 42 });
    const b = buildVgg8({ width: 0.125, seed: 42 });
    const c = buildVgg8({ width: 0.125, seed: 43 });
    expect(sameWeights(a, b)).toBe(true);
    expect(sameWeights(a, c)).toBe(false);
    // Not just one element: nearly every weight of every layer differs.
    computes(a).forEach((l, i) => {
      const other = computes(c)[i]!;
      let differ = 0;
      for (let k = 0; k < l.weight.length; k++) if (l.weight[k] !== other.weight[k]) differ++;
      expect(differ / l.weight.length).toBeGreaterThan(0.99);
    });
  });

  it('draws He-normal weights (std √(2/fan-in)) and small biases', () => {
    const net = buildVgg8({ width: 0.5, seed: 5 });
    for (const l of computes(net) as ComputeLayer[]) {
      const fanIn = l.kind === 'conv' ? l.inC * l.kH * l.kW : l.inF;
      const n = l.weight.length;
      let sum = 0;
      let sq = 0;
      for (const w of l.weight) {
        sum += w;
        sq += w * w;
      }
      const mean = sum / n;
      const std = Math.sqrt(sq / n - mean * mean);
      const target = Math.sqrt(2 / fanIn);
      // Sampling error of the mean is target/√n and of the std about target/√(2n): allow 5 of each.
      expect(Math.abs(mean)).toBeLessThan((5 * target) / Math.sqrt(n));
      expect(Math.abs(std - target)).toBeLessThan((5 * target) / Math.sqrt(2 * n));
      expect(l.bias.every((b) => Math.abs(b) <= VGG8_BIAS_RANGE)).toBe(true);
      if (l.bias.length > 1) expect(new Set(l.bias).size).toBeGreaterThan(1);
    }
  });

  it('takes the number of classes', () => {
    const net = buildVgg8({ width: 0.0625, seed: 1, classes: 100 });
    expect(fcs(net)[1]!.outF).toBe(100);
    expect(net.classes).toBe(100);
  });

  it('refuses a non-positive width, a non-integer seed, zero classes', () => {
    expect(() => buildVgg8({ width: 0, seed: 1 })).toThrow(RangeError);
    expect(() => buildVgg8({ width: Number.NaN, seed: 1 })).toThrow(RangeError);
    expect(() => buildVgg8({ width: 1, seed: 1.5 })).toThrow(RangeError);
    expect(() => buildVgg8({ width: 1, seed: 1, classes: 0 })).toThrow(RangeError);
  });
});

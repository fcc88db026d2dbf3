/** Small random networks and configs for tests. */
import { validateConfig } from '../src/config/load.ts';
import type { Config, ConfigInput } from '../src/config/schema.ts';
import type { Network } from '../src/nn/graph.ts';
import { expect } from 'vitest';
import { referenceEngine, type Crossbar } from '../src/crossbar/reference.ts';
import { fastEngine } from '../src/engine/fast.ts';
import { forwardInt, quantizeImage, quantizeNetwork, type QuantNetwork } from '../src/nn/quant.ts';
import { Rng } from '../src/util/rng.ts';

export function config(over: ConfigInput = {}): Config {
  return validateConfig(over);
}

function randArray(rng: Rng, n: number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal() * scale);
}

/** conv(inC→c1, 3x3, pad 1) → ReLU → maxpool 2 → flatten → fc → ReLU → fc(classes). */
export function tinyNet(seed: number, opts: { inC?: number; hw?: number; c1?: number; hidden?: number; classes?: number } = {}): Network {
  const rng = new Rng(seed, 99);
  const inC = opts.inC ?? 2;
  const hw = opts.hw ?? 6;
  const c1 = opts.c1 ?? 5;
  const hidden = opts.hidden ?? 7;
  const classes = opts.classes ?? 4;
  const flat = c1 * (hw / 2) * (hw / 2);
  return {
    name: `tiny-${seed}`,
    input: { channels: inC, height: hw, width: hw, mean: Array(inC).fill(0.5), std: Array(inC).fill(0.25) },
    classes,
    layers: [
      { kind: 'conv', name: 'conv1', inC, outC: c1, kH: 3, kW: 3, strideH: 1, strideW: 1, pads: [1, 1, 1, 1], weight: randArray(rng, c1 * inC * 9, 0.3), bias: randArray(rng, c1, 0.1), relu: true },
      { kind: 'maxpool', name: 'pool1', kH: 2, kW: 2, strideH: 2, strideW: 2 },
      { kind: 'flatten', name: 'flatten' },
      { kind: 'fc', name: 'fc1', inF: flat, outF: hidden, weight: randArray(rng, hidden * flat, 0.2), bias: randArray(rng, hidden, 0.1), relu: true },
      { kind: 'fc', name: 'fc2', inF: hidden, outF: classes, weight: randArray(rng, classes * hidden, 0.3), bias: randArray(rng, classes, 0.1), relu: false },
    ],
  };
}

/** Random normalised images for a network. */
export function randomImages(net: Network, n: number, seed: number): { float: Float32Array[]; pixels: Uint8Array } {
  const rng = new Rng(seed, 7);
  const size = net.input.channels * net.input.height * net.input.width;
  const pixels = Uint8Array.from({ length: n * size }, () => rng.int(256));
  const hw = net.input.height * net.input.width;
  const float = Array.from({ length: n }, (_, i) =>
    Float32Array.from({ length: size }, (_, j) => {
      const c = Math.floor(j / hw);
      return (pixels[i * size + j]! / 255 - net.input.mean[c]!) / net.input.std[c]!;
    }),
  );
  return { float, pixels };
}

export function tinyQuant(seed: number, weightBits = 8, activationBits = 8): { qn: QuantNetwork; pixels: Uint8Array; size: number } {
  const net = tinyNet(seed);
  const { float, pixels } = randomImages(net, 6, seed);
  const qn = quantizeNetwork(net, { weightBits, activationBits, calibration: float, percentile: 99.9 });
  return { qn, pixels, size: net.input.channels * net.input.height * net.input.width };
}

/**
 * The fast engine on `fast` gives the reference model's integers on `ref` (two crossbars built
 * alike): every layer's accumulators on the first `images` images, and the read statistics.
 */
export function expectFastEqualsReference(qn: QuantNetwork, ref: Crossbar, fast: Crossbar, pixels: Uint8Array, size: number, activationBits: number, threads = 2, images = 2): void {
  const refE = referenceEngine(ref);
  const fastE = fastEngine(fast, threads);
  for (let n = 0; n < images; n++) {
    const x = quantizeImage(pixels, n * size, size, activationBits);
    const accsRef: number[][] = [];
    const accsFast: number[][] = [];
    forwardInt(qn, x, refE, (_q, acc) => accsRef.push(Array.from(acc)));
    forwardInt(qn, x, fastE, (_q, acc) => accsFast.push(Array.from(acc)));
    expect(accsFast).toEqual(accsRef);
  }
  expect(fast.stats).toEqual(ref.stats);
}

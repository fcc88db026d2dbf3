/**
 * VGG8 in the NeuroSim layout, built in code with random weights (for speed and
 * cost measurements at any width; accuracy needs the trained ONNX model):
 *
 *   conv3×3 C1, conv3×3 C1, maxpool 2 | C2, C2, maxpool 2 | C3, C3, maxpool 2 |
 *   flatten, FC C3·4·4 → F, ReLU, FC F → classes
 *
 * with (C1, C2, C3, F) = round(width · (128, 256, 512, 1024)); every conv has
 * padding 1, stride 1 and a ReLU. Width 0.5 gives the shapes of the shipped
 * `vgg8-w0.5-cifar10` model; width 1 is the full-size VGG8 of the NeuroSim papers.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { cifar10InputSpec } from '../data/cifar10.ts';
import type { ConvLayer, FcLayer, Layer, MaxPoolLayer, Network } from './graph.ts';

/** Channel and feature counts of VGG8 at width 1: C1, C2, C3, F. */
export const VGG8_FULL_WIDTH = { c1: 128, c2: 256, c3: 512, f: 1024 } as const;

/** Biases are drawn uniformly from ±this value. */
export const VGG8_BIAS_RANGE = 0.01;

export interface Vgg8Options {
  /** Width multiplier (> 0): 1 = 128-128|256-256|512-512, FC 8192→1024; 0.5 = the shipped model's shapes. */
  width: number;
  /** Seed of the weights (an integer); the same seed always gives the same network. */
  seed: number;
  /** Output classes (default 10). */
  classes?: number;
}

/** Channel and feature counts of VGG8 at `width`: round(width · full), at least 1. */
export function vgg8Widths(width: number): { c1: number; c2: number; c3: number; f: number } {
  const scale = (n: number) => Math.max(1, Math.round(width * n));
  return { c1: scale(VGG8_FULL_WIDTH.c1), c2: scale(VGG8_FULL_WIDTH.c2), c3: scale(VGG8_FULL_WIDTH.c3), f: scale(VGG8_FULL_WIDTH.f) };
}

/**
 * Build VGG8 for CIFAR-10 input (3×32×32, the usual CIFAR-10 normalisation) with
 * He-initialised weights (normal, std √(2/fan-in)) and small uniform biases
 * (±VGG8_BIAS_RANGE), all drawn from one xoroshiro128+ stream seeded by `seed`,
 * layer by layer in order (weights, then biases). Deterministic for a given seed.
 *
 * Layers: conv1..conv6, pool1..pool3, flatten, fc1, fc2; every conv and fc1 have a ReLU.
 * @throws RangeError for a non-positive width, a non-integer seed or classes < 1.
 */
export function buildVgg8({ width, seed, classes = 10 }: Vgg8Options): Network {
  if (!(Number.isFinite(width) && width > 0)) throw new RangeError(`VGG8 width must be a positive number, got ${width}`);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`VGG8 seed must be an integer, got ${seed}`);
  if (!(Number.isInteger(classes) && classes >= 1)) throw new RangeError(`VGG8 classes must be a positive integer, got ${classes}`);

  const rng = xoroshiro128plus(seed);
  const { c1, c2, c3, f } = vgg8Widths(width);
  const input = cifar10InputSpec();
  // Three 2×2 pools take 32×32 down to 4×4.
  const finalSide = input.height / 8;

  const layers: Layer[] = [
    conv(rng, 'conv1', input.channels, c1),
    conv(rng, 'conv2', c1, c1),
    pool('pool1'),
    conv(rng, 'conv3', c1, c2),
    conv(rng, 'conv4', c2, c2),
    pool('pool2'),
    conv(rng, 'conv5', c2, c3),
    conv(rng, 'conv6', c3, c3),
    pool('pool3'),
    { kind: 'flatten', name: 'flatten' },
    fc(rng, 'fc1', c3 * finalSide * finalSide, f, true),
    fc(rng, 'fc2', f, classes, false),
  ];
  return { name: `random-vgg8-w${width}-seed${seed}`, input, layers, classes };
}

function conv(rng: RandomGenerator, name: string, inC: number, outC: number): ConvLayer {
  const k = 3;
  return {
    kind: 'conv',
    name,
    inC,
    outC,
    kH: k,
    kW: k,
    strideH: 1,
    strideW: 1,
    pads: [1, 1, 1, 1],
    weight: heNormal(rng, outC * inC * k * k, inC * k * k),
    bias: uniform(rng, outC, VGG8_BIAS_RANGE),
    relu: true,
  };
}

function fc(rng: RandomGenerator, name: string, inF: number, outF: number, relu: boolean): FcLayer {
  return { kind: 'fc', name, inF, outF, weight: heNormal(rng, outF * inF, inF), bias: uniform(rng, outF, VGG8_BIAS_RANGE), relu };
}

function pool(name: string): MaxPoolLayer {
  return { kind: 'maxpool', name, kH: 2, kW: 2, strideH: 2, strideW: 2 };
}

/** n draws of N(0, 2/fanIn) by the Box–Muller transform. */
function heNormal(rng: RandomGenerator, n: number, fanIn: number): Float32Array {
  const std = Math.sqrt(2 / fanIn);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    // 1 − u lies in (0, 1], so the logarithm is finite.
    const r = Math.sqrt(-2 * Math.log(1 - uniformFloat64(rng)));
    const theta = 2 * Math.PI * uniformFloat64(rng);
    out[i] = std * r * Math.cos(theta);
    if (i + 1 < n) out[i + 1] = std * r * Math.sin(theta);
  }
  return out;
}

/** n draws uniform in [−range, range). */
function uniform(rng: RandomGenerator, n: number, range: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * uniformFloat64(rng) - 1) * range;
  return out;
}

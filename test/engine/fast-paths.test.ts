/**
 * The fast engine's native paths (src/native/kernels/) against the reference model,
 * exactly: every accumulator of every layer and the energy statistics, over random networks,
 * configurations and mappings, with and without AMX tiles, on 1 to 3 threads.
 *
 * Paths: the exact GEMM of a linear lossless layer (AMX / AVX-512 VNNI u8×s8 with a sparse
 * residual / VNNI s16 / int64), the GEMM minus a bit-sliced correction for 1-bit cells with a
 * fixed ADC (single-ended units or differential pairs; light reads, clamping "heavy" reads,
 * shifts m = 0, 1, ≥ 2), and the general read-by-read path (multi-bit cells with a fixed ADC,
 * nonlinear devices, current histograms).
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { saRatio, type Config } from '../../src/config/schema.ts';
import { drawFaults } from '../../src/crossbar/faults.ts';
import { plainMapping, type LayerMapping } from '../../src/crossbar/layout.ts';
import { buildCrossbar, referenceEngine, type Crossbar } from '../../src/crossbar/reference.ts';
import { fastEngine, fastEnginePaths } from '../../src/engine/fast.ts';
import { native } from '../../src/native/addon.ts';
import { quantizeNetwork, forwardInt, quantizeImage, type QuantNetwork } from '../../src/nn/quant.ts';
import { Rng } from '../../src/util/rng.ts';
import { config, randomImages, tinyNet, expectFastEqualsReference } from '../helpers.ts';

const kernels = native();
const features = kernels?.setFeatures() ?? { amx: false, avx512: false, avx512vnni: false };

/**
 * A mapping that is valid but not the plain one: rows permuted within their tile, some cells
 * at random levels, and the terms of random (row tile, output) pairs negated (so that the
 * terms differ between row tiles). The engines must agree on any mapping, not only on one
 * that encodes the weights.
 */
function scrambledMapping(m: LayerMapping, rng: Rng, levels: number): LayerMapping {
  const L = m.layout;
  const rowMap = new Int32Array(m.rowMap);
  for (let rt = 0; rt < L.rowTiles; rt++) {
    const first = rt * L.rows;
    const last = Math.min(L.R, first + L.rows); // logical rows of the tile
    const phys = Array.from({ length: L.rows }, (_, i) => first + i);
    for (let i = phys.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [phys[i], phys[j]] = [phys[j]!, phys[i]!];
    }
    for (let r = first; r < last; r++) rowMap[r] = phys[r - first]!;
  }
  const lv = new Uint8Array(m.levels);
  for (let i = 0; i < lv.length; i++) if (rng.int(20) === 0) lv[i] = rng.int(levels);
  const coef = new Int32Array(m.terms.coef);
  for (let t = 0; t < L.rowTiles * L.C; t++) {
    if (rng.int(4) !== 0) continue;
    for (let e = m.terms.start[t]!; e < m.terms.start[t + 1]!; e++) coef[e] = -coef[e]!;
  }
  return { ...m, rowMap, levels: lv, terms: { ...m.terms, coef } };
}

interface Case {
  seed: number;
  cellBits: number;
  weightBits: number;
  activationBits: number;
  adcBits: number;
  adcMode: 'lossless' | 'fixed-full-scale' | 'fixed-calibrated';
  scale: number;
  signedScheme: 'offset' | 'differential';
  rows: number;
  prDiv: number;
  cols: number;
  rate: number;
  ratio: string;
  nl: number;
  hidden: number;
  scramble: boolean;
  threads: number;
  amx: boolean;
}

function runCase(c: Case, seen: Set<string>): void {
  kernels!.setFeatures({ amx: c.amx });
  const cb = Math.min(c.cellBits, c.weightBits - 1);
  const cfg: Config = config({
    quant: { weightBits: c.weightBits, activationBits: c.activationBits },
    tile: { cellBits: cb, signedScheme: c.signedScheme, rows: c.rows, cols: c.cols, parallelRead: Math.ceil(c.rows / c.prDiv), adcBits: c.adcBits, adcMode: c.adcMode, colsPerAdc: 1 },
    device: { nonlinearityLtp: c.nl },
  });
  const net = tinyNet(c.seed, { c1: 6, hidden: c.hidden });
  const { float, pixels } = randomImages(net, 6, c.seed);
  const qn: QuantNetwork = quantizeNetwork(net, { weightBits: c.weightBits, activationBits: c.activationBits, calibration: float, percentile: 99.9 });
  const size = net.input.channels * net.input.height * net.input.width;
  const rng = new Rng(c.seed, 5);
  let mappings = qn.layers.map((q) => plainMapping(q, cfg));
  if (c.scramble) mappings = mappings.map((m) => scrambledMapping(m, rng, 2 ** cb));
  const faults = drawFaults(mappings, c.rate, saRatio(c.ratio), c.seed);
  // fixed-calibrated: a full scale from a small fraction of PR·Gmax (the ADC clamps often,
  // shift m = 0) to all of it (m ≥ 2).
  const gMax = cfg.device.conductanceLsbPerGmax;
  const calibratedFullScale = mappings.map((_, i) => Math.max(1, Math.round(cfg.tile.parallelRead * gMax * c.scale * (1 + i / 3))));
  const opts = { mappings, faults, calibratedFullScale };
  const ref: Crossbar = buildCrossbar(qn, cfg, opts);
  const fast: Crossbar = buildCrossbar(qn, cfg, opts);
  for (const p of fastEnginePaths(fast)) seen.add(p);
  expectFastEqualsReference(qn, ref, fast, pixels, size, c.activationBits, c.threads);
}

describe.skipIf(!kernels)('fast engine paths equal the reference model exactly', () => {
  const seen = new Set<string>();
  afterAll(() => kernels?.setFeatures({ amx: true }));

  const cases = fc.record({
    seed: fc.integer({ min: 1, max: 10000 }),
    cellBits: fc.constantFrom(1, 1, 1, 2, 3, 4),
    weightBits: fc.integer({ min: 4, max: 8 }),
    activationBits: fc.constantFrom(2, 5, 8, 8, 8, 11, 16),
    adcBits: fc.integer({ min: 2, max: 8 }),
    adcMode: fc.constantFrom('lossless', 'fixed-full-scale', 'fixed-calibrated', 'fixed-calibrated') as fc.Arbitrary<Case['adcMode']>,
    scale: fc.constantFrom(0.002, 0.01, 0.03, 0.1, 0.3, 1),
    signedScheme: fc.constantFrom('offset', 'offset', 'differential') as fc.Arbitrary<Case['signedScheme']>,
    rows: fc.constantFrom(8, 16, 64, 100, 128),
    prDiv: fc.constantFrom(1, 1, 2, 3),
    cols: fc.constantFrom(16, 32, 48),
    rate: fc.constantFrom(0, 0.02, 0.1, 0.5),
    ratio: fc.constantFrom('5:1', '1:5', '1:0'),
    nl: fc.constantFrom(0, 0, 0, 1.75),
    hidden: fc.constantFrom(7, 80),
    scramble: fc.boolean(),
    threads: fc.integer({ min: 1, max: 3 }),
    amx: fc.boolean(),
  });

  it('over random networks, configs and mappings', () => {
    fc.assert(
      fc.property(cases, (c) => runCase(c, seen)),
      { numRuns: 150, seed: 20261127 },
    );
  });

  it('on 1-bit cells with a fixed ADC: light and clamping reads, shifts 0, 1 and more', () => {
    const one = cases.map((c) => ({ ...c, cellBits: 1, nl: 0, signedScheme: 'offset' as const, adcMode: 'fixed-calibrated' as const }));
    fc.assert(
      fc.property(one, (c) => runCase(c, seen)),
      { numRuns: 80, seed: 20261128 },
    );
  });

  it('on 1-bit differential pairs with a fixed ADC: light reads and reads clamping at either end, shifts 0, 1 and more', () => {
    const pairs = cases.map((c) => ({ ...c, cellBits: 1, nl: 0, signedScheme: 'differential' as const, adcMode: 'fixed-calibrated' as const }));
    fc.assert(
      fc.property(pairs, (c) => runCase(c, seen)),
      { numRuns: 80, seed: 20261130 },
    );
  });

  it('records the same current histograms (ADC calibration) as the reference model', () => {
    const hist = cases.map((c) => ({ ...c, adcMode: 'lossless' as const, cellBits: c.seed % 3 === 0 ? 2 : 1 }));
    fc.assert(
      fc.property(hist, (c) => {
        kernels!.setFeatures({ amx: c.amx });
        const cfg: Config = config({
          quant: { weightBits: c.weightBits, activationBits: c.activationBits },
          tile: { cellBits: c.cellBits, signedScheme: c.signedScheme, rows: c.rows, cols: c.cols, parallelRead: Math.ceil(c.rows / c.prDiv), adcMode: 'lossless', colsPerAdc: 1 },
          device: { nonlinearityLtp: c.nl },
        });
        const net = tinyNet(c.seed, { c1: 6, hidden: c.hidden });
        const { float, pixels } = randomImages(net, 6, c.seed);
        const qn = quantizeNetwork(net, { weightBits: c.weightBits, activationBits: c.activationBits, calibration: float, percentile: 99.9 });
        const size = net.input.channels * net.input.height * net.input.width;
        const mappings = qn.layers.map((q) => plainMapping(q, cfg));
        const faults = drawFaults(mappings, c.rate, saRatio(c.ratio), c.seed);
        const ref = buildCrossbar(qn, cfg, { mappings, faults });
        const fast = buildCrossbar(qn, cfg, { mappings, faults });
        const bins = 2 * cfg.tile.parallelRead + 3;
        ref.currentHistogram = mappings.map(() => new Float64Array(bins));
        fast.currentHistogram = mappings.map(() => new Float64Array(bins));
        const refE = referenceEngine(ref);
        const fastE = fastEngine(fast, c.threads);
        for (let n = 0; n < 2; n++) {
          const x = quantizeImage(pixels, n * size, size, c.activationBits);
          expect(Array.from(forwardInt(qn, x, fastE))).toEqual(Array.from(forwardInt(qn, x, refE)));
        }
        expect(fast.currentHistogram.map((h) => Array.from(h))).toEqual(ref.currentHistogram.map((h) => Array.from(h)));
        expect(fast.stats).toEqual(ref.stats);
      }),
      { numRuns: 60, seed: 20261129 },
    );
  });

  it('took every path', () => {
    const want = ['gemm-s8', 'gemm-s16', 'gemm-int64', 'gemm-s8+bitsliced', 'gemm-s8+bitsliced-differential', 'general'];
    if (features.amx) want.push('gemm-amx', 'gemm-amx+bitsliced', 'gemm-amx+bitsliced-differential');
    if (!features.avx512vnni) want.splice(0, want.length, 'gemm-int64', 'gemm-int64+bitsliced', 'gemm-int64+bitsliced-differential', 'general');
    for (const p of want) expect([...seen], p).toContain(p);
  });
});

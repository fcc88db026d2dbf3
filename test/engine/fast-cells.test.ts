/**
 * The per-cell path of the fast engine (src/native/kernels/cells.cc: whole integer conductances,
 * read noise drawn in vector lanes, 64-column chunks) gives the reference model's integers, every
 * one, its statistics and its current histograms, in each of its variants: chunked and not (a
 * differential pair across a chunk boundary), read-noise sums in 32 or 64 bits.
 */
import { describe, expect, it } from 'vitest';
import { saRatio, type ConfigInput } from '../../src/config/schema.ts';
import { drawFaults } from '../../src/crossbar/faults.ts';
import { plainMapping } from '../../src/crossbar/layout.ts';
import { buildCrossbar } from '../../src/crossbar/reference.ts';
import { fastEnginePaths } from '../../src/engine/fast.ts';
import { quantizeNetwork } from '../../src/nn/quant.ts';
import { config, expectFastEqualsReference, randomImages, tinyNet } from '../helpers.ts';

/** A small network whose layers span several 64-column chunks (fc1: 40 outputs × 4 slices). */
function net(seed: number, weightBits: number, activationBits: number) {
  const n = tinyNet(seed, { c1: 12, hidden: 40, classes: 10 });
  const { float, pixels } = randomImages(n, 4, seed);
  const qn = quantizeNetwork(n, { weightBits, activationBits, calibration: float, percentile: 99.9 });
  return { qn, pixels, size: n.input.channels * n.input.height * n.input.width };
}

const cases: { name: string; want: string; cfg: ConfigInput }[] = [
  {
    name: 'offset, fixed ADC, variation + drift, no read noise',
    want: 'cells',
    cfg: { tile: { cellBits: 2, rows: 64, cols: 128, parallelRead: 32, adcMode: 'fixed-full-scale', adcBits: 5 }, device: { readTimeSeconds: 3e7, variation: { deviceToDevice: 0.1, cycleToCycle: 0.1 }, drift: { model: 'pcm-aihwkit' } } },
  },
  {
    name: 'offset, small read noise (32-bit sums) with RTN',
    want: 'cells+noise32',
    cfg: { tile: { cellBits: 1, rows: 64, cols: 128, parallelRead: 64, adcMode: 'fixed-full-scale', adcBits: 6 }, device: { variation: { cycleToCycle: 0.05 }, readNoise: { proportional: 0.01, rtn: true, seed: 77 } } },
  },
  {
    name: 'differential, large read noise (64-bit sums), lossless ADC',
    want: 'cells+noise64',
    cfg: { quant: { weightBits: 8 }, tile: { cellBits: 2, signedScheme: 'differential', rows: 100, cols: 128, parallelRead: 100, adcMode: 'lossless' }, device: { variation: { deviceToDevice: 0.2 }, readNoise: { proportional: 0.5, thermalShot: true, seed: 5 } } },
  },
  {
    name: 'differential pairs across a chunk boundary (3 slices: pairs of 6 columns)',
    want: 'cells-unchunked+noise32',
    cfg: { quant: { weightBits: 6 }, tile: { cellBits: 2, signedScheme: 'differential', rows: 64, cols: 96, parallelRead: 32, adcMode: 'fixed-full-scale', adcBits: 5 }, device: { variation: { cycleToCycle: 0.1 }, readNoise: { proportional: 0.02, seed: 9 } } },
  },
];

describe('the per-cell path equals the reference model exactly', () => {
  for (const c of cases) {
    for (const histogram of [false, true]) {
      it(`${c.name}${histogram ? ', with current histograms' : ''}`, () => {
        const cfg = config({ ...c.cfg, tile: { colsPerAdc: 1, ...c.cfg.tile } });
        const { qn, pixels, size } = net(3, cfg.quant.weightBits, cfg.quant.activationBits);
        const mappings = qn.layers.map((q) => plainMapping(q, cfg));
        const faults = drawFaults(mappings, 0.05, saRatio('5:1'), 4);
        const ref = buildCrossbar(qn, cfg, { mappings, faults });
        const fast = buildCrossbar(qn, cfg, { mappings, faults });
        const paths = fastEnginePaths(fast);
        // the first layers span several chunks; the last (10 outputs) may fit one
        expect(paths[0]).toBe(c.want);
        expect(paths[1]).toBe(c.want);
        expect(fast.mappings[1]!.layout.physCols).toBeGreaterThan(64);
        if (histogram) {
          ref.currentHistogram = mappings.map(() => new Float64Array(48));
          fast.currentHistogram = mappings.map(() => new Float64Array(48));
        }
        expectFastEqualsReference(qn, ref, fast, pixels, size, cfg.quant.activationBits, 2, 2);
        expect(fast.currentHistogram).toEqual(ref.currentHistogram);
      });
    }
  }
});

/** Design-time calibration of the fixed ADC range (docs/model.md §5.3). */
import { describe, expect, it } from 'vitest';
import { calibrateAdcFullScale } from '../../src/crossbar/calibrate.ts';
import { buildCrossbar, referenceEngine } from '../../src/crossbar/reference.ts';
import { fastEngine } from '../../src/engine/fast.ts';
import { config, tinyQuant } from '../helpers.ts';
import { handLayer, handNet } from './hand.ts';

describe('calibrateAdcFullScale', () => {
  const { qn, pixels, size } = tinyQuant(5, 6, 4);
  const cfgFor = (percentile: number, signedScheme: 'offset' | 'differential' = 'offset') =>
    config({
      quant: { weightBits: 6, activationBits: 4 },
      tile: { rows: 16, cols: 16, cellBits: 2, parallelRead: 8, adcBits: 4, adcMode: 'fixed-calibrated', adcCalibrationImages: 3, adcCalibrationPercentile: percentile, signedScheme, colsPerAdc: 1 },
      faults: { rate: 0.5 }, // ignored: calibration runs on the fault-free array
    });

  for (const scheme of ['offset', 'differential'] as const) {
    it(`the reference and the fast engine give the same full scales (${scheme})`, () => {
      for (const p of [50, 99, 100]) {
        const cfg = cfgFor(p, scheme);
        const ref = calibrateAdcFullScale(qn, cfg, pixels, size, referenceEngine);
        const fast = calibrateAdcFullScale(qn, cfg, pixels, size, (xb) => fastEngine(xb, 2));
        expect(fast, `percentile ${p}`).toEqual(ref);
        expect(ref).toHaveLength(qn.layers.length);
      }
    });
  }

  it('a higher percentile never gives a smaller full scale; results are whole ΔG steps', () => {
    const dG = buildCrossbar(qn, { ...cfgFor(50), tile: { ...cfgFor(50).tile, adcMode: 'lossless' } }).table.dG;
    let prev: number[] | null = null;
    for (const p of [50, 75, 90, 99, 99.9, 100]) {
      const fs = calibrateAdcFullScale(qn, cfgFor(p), pixels, size, referenceEngine);
      for (const v of fs) expect(v % dG).toBe(0);
      if (prev) fs.forEach((v, i) => expect(v, `layer ${i}, percentile ${p}`).toBeGreaterThanOrEqual(prev![i]!));
      prev = fs;
    }
    // Not all equal: the percentile matters for at least one layer.
    const lo = calibrateAdcFullScale(qn, cfgFor(50), pixels, size, referenceEngine);
    expect(prev).not.toEqual(lo);
  });

  it('by hand: one 4-row layer, 1 image; full scale = upper edge of the percentile bin of |I|/ΔG', () => {
    // The 4×2 layer of the reference-model example (Gmin = ΔG = 4, offset, 2-bit cells, 2-bit inputs).
    // Its 12 unit currents over the two reads are (in ΔG): k = 0: 7, 9, 6, 8, 3, 9; k = 1: 8, 10, 8, 9, 3, 9.
    // Sorted: 3 3 6 7 8 8 8 9 9 9 9 10. The full scale is (b + 1)·ΔG for the first bin b whose
    // cumulative count reaches percentile/100 · 12:
    //   50 → 6: bins ≤ 8 hold 7 → b = 8 → 36;  60 → 7.2: bins ≤ 8 hold 7 < 7.2 → b = 9 → 40;  100 → 12: b = 10 → 44.
    const q = handLayer('fc', [
      [-3, 0, 5, 7],
      [2, -7, -1, 4],
    ]);
    const net = handNet([q], 4, 2);
    // The input layer of the integer path is driven with raw pixels: a 2-bit "image" x = (3, 1, 2, 3) is
    // pixel values whose round(p·3/255) = x.
    const image = Uint8Array.from([255, 85, 170, 255]);
    const cfg = (percentile: number) =>
      config({
        quant: { weightBits: 4, activationBits: 2 },
        tile: { rows: 4, cols: 6, cellBits: 2, parallelRead: 4, adcBits: 3, adcMode: 'fixed-calibrated', adcCalibrationImages: 1, adcCalibrationPercentile: percentile, colsPerAdc: 1 },
        device: { conductanceLsbPerGmax: 16, onOffRatio: 4 },
      });
    expect(calibrateAdcFullScale(net, cfg(50), image, 4, referenceEngine)).toEqual([36]);
    expect(calibrateAdcFullScale(net, cfg(100), image, 4, referenceEngine)).toEqual([44]);
    expect(calibrateAdcFullScale(net, cfg(60), image, 4, referenceEngine)).toEqual([40]);
    expect(calibrateAdcFullScale(net, cfg(50), image, 4, (xb) => fastEngine(xb, 1))).toEqual([36]);
  });
});

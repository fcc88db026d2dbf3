import { describe, expect, it } from 'vitest';
import type { AdcMode } from '../../src/config/schema.ts';
import { SA0, SA1, type FaultMap } from '../../src/crossbar/faults.ts';
import { buildCrossbar, convertRead, readCurrents, referenceEngine, unitCurrents, type Crossbar } from '../../src/crossbar/reference.ts';
import { UnsupportedError } from '../../src/errors.ts';
import { forwardInt, quantizeImage } from '../../src/nn/quant.ts';
import { config, tinyQuant } from '../helpers.ts';
import { handLayer, handNet } from './hand.ts';

describe('crossbar reference model, ideal settings', () => {
  const cases = [
    { cellBits: 1, signedScheme: 'offset', rows: 16, cols: 32, parallelRead: 16, wb: 8 },
    { cellBits: 2, signedScheme: 'offset', rows: 8, cols: 16, parallelRead: 4, wb: 8 },
    { cellBits: 1, signedScheme: 'differential', rows: 16, cols: 32, parallelRead: 8, wb: 8 },
    { cellBits: 3, signedScheme: 'differential', rows: 32, cols: 12, parallelRead: 32, wb: 6 },
    { cellBits: 5, signedScheme: 'offset', rows: 128, cols: 128, parallelRead: 128, wb: 5 },
  ] as const;
  for (const c of cases) {
    it(`reproduces the integer path exactly: ${JSON.stringify(c)}`, () => {
      const { qn, pixels, size } = tinyQuant(3, c.wb, 8);
      const cfg = config({ quant: { weightBits: c.wb }, tile: { cellBits: c.cellBits, signedScheme: c.signedScheme, rows: c.rows, cols: c.cols, parallelRead: c.parallelRead, adcMode: 'lossless', colsPerAdc: 1 } });
      const xb = buildCrossbar(qn, cfg);
      for (let n = 0; n < 3; n++) {
        const x = quantizeImage(pixels, n * size, size, 8);
        const want = forwardInt(qn, x);
        const got = forwardInt(qn, x, referenceEngine(xb));
        expect(Array.from(got)).toEqual(Array.from(want));
      }
    });
  }
});

/**
 * The docs/model.md §8 worked example, by hand. 4-bit weights, 2-bit activations, 2-bit
 * cells, Gu = 16 LSB per Gmax, on/off 4 → G(level) = 4, 8, 12, 16 (Gmin = ΔG = 4).
 * Four rows, two outputs: w[o0] = (−3, 0, 5, 7), w[o1] = (2, −7, −1, 4); x = (3, 1, 2, 3).
 * Exact products: o0 = −9 + 0 + 10 + 21 = 22, o1 = 6 − 7 − 2 + 12 = 9.
 * Input bit planes (LSB first): k = 0 drives rows 0, 1, 3; k = 1 drives rows 0, 2, 3.
 */
describe('crossbar reference model, 4-row example worked out by hand', () => {
  const W = [
    [-3, 0, 5, 7],
    [2, -7, -1, 4],
  ];
  const q = handLayer('fc', W);
  const qn = handNet([q], 4, 2);
  const x = Int32Array.from([3, 1, 2, 3]);
  type Tile = { signedScheme?: 'offset' | 'differential'; cols?: number; parallelRead?: number; adcMode?: AdcMode; adcBits?: number };
  const cfgFor = (t: Tile) =>
    config({
      quant: { weightBits: 4, activationBits: 2 },
      tile: { rows: 4, cols: 6, cellBits: 2, parallelRead: 4, adcBits: 3, adcMode: 'lossless', colsPerAdc: 1, ...t },
      device: { conductanceLsbPerGmax: 16, onOffRatio: 4 },
    });
  const mvm = (xb: Crossbar) => {
    const acc = new Float64Array(2);
    referenceEngine(xb).matmul(q, x, 1, acc);
    return Array.from(acc);
  };

  describe('offset scheme: columns o0s0, o0s1, o1s0, o1s1, ref s0, ref s1', () => {
    // X = w + 8: o0 → 5, 8, 13, 15 = (1,1), (0,2), (1,3), (3,3); o1 → 10, 1, 7, 12 = (2,2), (1,0), (3,1), (0,3); ref 8 = (0,2).
    const levels = [
      [1, 1, 2, 2, 0, 2],
      [0, 2, 1, 0, 0, 2],
      [1, 3, 3, 1, 0, 2],
      [3, 3, 0, 3, 0, 2],
    ];
    // G = 4 + 4·level.
    const G = [
      [8, 8, 12, 12, 4, 12],
      [4, 12, 8, 4, 4, 12],
      [8, 16, 16, 8, 4, 12],
      [16, 16, 4, 16, 4, 12],
    ];
    // Column currents: k = 0 sums rows 0, 1, 3; k = 1 sums rows 0, 2, 3.
    const I0 = [28, 36, 24, 32, 12, 36];
    const I1 = [32, 40, 32, 36, 12, 36];

    it('levels, conductances and column currents', () => {
      const xb = buildCrossbar(qn, cfgFor({}));
      expect(Array.from(xb.mappings[0]!.levels)).toEqual(levels.flat());
      expect(Array.from(xb.conductance[0]!)).toEqual(G.flat());
      expect(Array.from(readCurrents(xb, 0, x, 1, 0, 0, 0))).toEqual(I0);
      expect(Array.from(readCurrents(xb, 0, x, 1, 0, 0, 1))).toEqual(I1);
      // Single-ended units read one column each: unit currents = column currents.
      expect(Array.from(unitCurrents(xb.mappings[0]!, Float64Array.from(I0), 1))).toEqual(I0);
    });

    it('lossless: codes I/4, the Gmin part cancels against the reference → exact 22, 9', () => {
      const xb = buildCrossbar(qn, cfgFor({}));
      // k = 0 codes 7, 9, 6, 8, 3, 9: o0 = (7 − 3) + 4·(9 − 9) = 4, o1 = (6 − 3) + 4·(8 − 9) = −1.
      // k = 1 codes 8, 10, 8, 9, 3, 9: o0 = 5 + 4·1 = 9, o1 = 5 + 0 = 5.  T = T0 + 2·T1.
      expect(Array.from(convertRead(xb, 0, Float64Array.from(I0), 1))).toEqual([7, 9, 6, 8, 3, 9]);
      expect(Array.from(convertRead(xb, 0, Float64Array.from(I1), 1))).toEqual([8, 10, 8, 9, 3, 9]);
      expect(mvm(xb)).toEqual([4 + 2 * 9, -1 + 2 * 5]);
      expect(mvm(buildCrossbar(qn, cfgFor({})))).toEqual([22, 9]);
    });

    it('stats: one read per (row tile, group, bit), one conversion per unit, Σ I over all columns', () => {
      const xb = buildCrossbar(qn, cfgFor({}));
      mvm(xb);
      // Σ I0 = 168, Σ I1 = 188.
      expect(xb.stats[0]).toEqual({ reads: 2, conversions: 12, currentSum: 356 });
    });

    it('two read groups (parallelRead 2) give the same exact product in twice the reads', () => {
      const xb = buildCrossbar(qn, cfgFor({ parallelRead: 2 }));
      expect(mvm(xb)).toEqual([22, 9]);
      expect(xb.stats[0]).toEqual({ reads: 4, conversions: 24, currentSum: 356 });
    });

    it('fixed-full-scale, 3 bits: FS = 4·16 = 64 → m = 2, codes clamp(rdiv(I, 16), 0, 7), numerator code·4', () => {
      const xb = buildCrossbar(qn, cfgFor({ adcMode: 'fixed-full-scale', adcBits: 3 }));
      expect(xb.adc[0]).toMatchObject({ mode: 'fixed', step: 16, m: 2, maxCode: 7 });
      // k = 0: 28/16 = 1.75 → 2, 36/16 → 2, 24/16 = 1.5 → 2, 32/16 = 2, 12/16 → 1, 36/16 → 2.
      expect(Array.from(convertRead(xb, 0, Float64Array.from(I0), 1))).toEqual([8, 8, 8, 8, 4, 8]);
      // k = 1: 40/16 = 2.5 → 3, 36/16 = 2.25 → 2.
      expect(Array.from(convertRead(xb, 0, Float64Array.from(I1), 1))).toEqual([8, 12, 8, 8, 4, 8]);
      // o0: (8 − 4) + 4·0 = 4 and (8 − 4) + 4·(12 − 8) = 20 → 44; o1: 4 and 4 → 12.
      expect(mvm(xb)).toEqual([44, 12]);
    });

    it('fixed-calibrated to FS = 20, 3 bits: m = 0, codes clamp(I/4, 0, 7) clip', () => {
      const xb = buildCrossbar(qn, cfgFor({ adcMode: 'fixed-calibrated', adcBits: 3 }), { calibratedFullScale: [20] });
      expect(xb.adc[0]).toMatchObject({ mode: 'fixed', step: 4, m: 0, maxCode: 7, fullScale: 20 });
      // k = 0: 7, 9 → 7, 6, 8 → 7, 3, 9 → 7;  k = 1: 8 → 7, 10 → 7, 8 → 7, 9 → 7, 3, 9 → 7.
      expect(Array.from(convertRead(xb, 0, Float64Array.from(I0), 1))).toEqual([7, 7, 6, 7, 3, 7]);
      expect(Array.from(convertRead(xb, 0, Float64Array.from(I1), 1))).toEqual([7, 7, 7, 7, 3, 7]);
      // o0: 4 + 0 and 4 + 0 → 4 + 2·4 = 12; o1: 3 + 0 and 4 + 0 → 3 + 2·4 = 11.
      expect(mvm(xb)).toEqual([12, 11]);
    });

    it('fixed-calibrated without calibrated full scales is refused before any work', () => {
      expect(() => buildCrossbar(qn, cfgFor({ adcMode: 'fixed-calibrated' }))).toThrow(UnsupportedError);
    });

    it('self-ranging, 2 bits: one [lo, hi] per slice per read, D = 3·4 = 12', () => {
      const xb = buildCrossbar(qn, cfgFor({ adcMode: 'self-ranging', adcBits: 2 }));
      // k = 0, slice 0 (units on columns 0, 2, 4): I = 28, 24, 12 → lo 12, hi 28; codes 3, 2 (2.25), 0;
      //   numerators 36 + c·16 = 84, 68, 36.  Slice 1 (columns 1, 3, 5): 36, 32, 36 → lo 32, hi 36;
      //   codes 3, 0, 3; numerators 96 + c·4 = 108, 96, 108.
      expect(Array.from(convertRead(xb, 0, Float64Array.from(I0), 1))).toEqual([84, 108, 68, 96, 36, 108]);
      // k = 1, slice 0: 32, 32, 12 → lo 12, hi 32: codes 3, 3, 0 → 96, 96, 36.
      //   Slice 1: 40, 36, 36 → lo 36, hi 40: codes 3, 0, 0 → 120, 108, 108.
      expect(Array.from(convertRead(xb, 0, Float64Array.from(I1), 1))).toEqual([96, 120, 96, 108, 36, 108]);
      // o0: (84 − 36) + 4·0 = 48 and (96 − 36) + 4·12 = 108 → T = 264, rdiv(264, 12) = 22.
      // o1: (68 − 36) + 4·(96 − 108) = −16 and (96 − 36) + 0 = 60 → T = 104, rdiv(104, 12) = 9 (8.67).
      expect(mvm(xb)).toEqual([22, 9]);
    });

    it('one SA1 at (row 1, col 0) and one SA0 at (row 3, col 5), lossless', () => {
      const cells = new Uint8Array(24);
      cells[1 * 6 + 0] = SA1; // o0 slice 0, row 1: level 0 (G 4) → Gmax 16: w[o0][1] 0 → 3
      cells[3 * 6 + 5] = SA0; // reference slice 1, row 3: level 2 (G 12) → Gmin 4: reference 8 → 0 in row 3
      const faults: FaultMap = [{ name: 'fc', physRows: 4, physCols: 6, cells }];
      const xb = buildCrossbar(qn, cfgFor({}), { faults });
      expect(xb.conductance[0]![6]).toBe(16);
      expect(xb.conductance[0]![23]).toBe(4);
      // k = 0 (rows 0, 1, 3): col 0 = 8 + 16 + 16 = 40, col 5 = 12 + 12 + 4 = 28.
      expect(Array.from(readCurrents(xb, 0, x, 1, 0, 0, 0))).toEqual([40, 36, 24, 32, 12, 28]);
      // k = 1 (rows 0, 2, 3): row 1 idle, col 5 = 28.
      expect(Array.from(readCurrents(xb, 0, x, 1, 0, 0, 1))).toEqual([32, 40, 32, 36, 12, 28]);
      // Codes k = 0: 10, 9, 6, 8, 3, 7 → o0 = 7 + 4·2 = 15, o1 = 3 + 4·1 = 7.
      // Codes k = 1:  8, 10, 8, 9, 3, 7 → o0 = 5 + 4·3 = 17, o1 = 5 + 4·2 = 13.
      // o0 = 15 + 34 = 49 = 22 + 3·x1 + 8·x3;  o1 = 7 + 26 = 33 = 9 + 8·x3.
      expect(mvm(xb)).toEqual([49, 33]);
      // The energy figure uses the faulty conductances: 168 + 12 − 8 and 188 − 8.
      expect(xb.stats[0]!.currentSum).toBe(352);
    });
  });

  describe('differential scheme: pairs (G+, G−) subtracted before the ADC', () => {
    // S = ceil(3/2) = 2; columns per output: G+ s0, G+ s1, G− s0, G− s1.
    // o0: X+ = 0, 0, 5, 7 → (0,0), (0,0), (1,1), (3,1); X− = 3, 0, 0, 0 → (3,0), …
    // o1: X+ = 2, 0, 0, 4 → (2,0), (0,0), (0,0), (0,1); X− = 0, 7, 1, 0 → (0,0), (3,1), (1,0), (0,0).
    const levels = [
      [0, 0, 3, 0, 2, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 3, 1],
      [1, 1, 0, 0, 0, 0, 1, 0],
      [3, 1, 0, 0, 0, 1, 0, 0],
    ];
    // Column currents: k = 0 rows 0, 1, 3; k = 1 rows 0, 2, 3 (G = 4 + 4·level).
    const I0 = [24, 16, 24, 12, 20, 16, 24, 16];
    const I1 = [28, 20, 24, 12, 20, 16, 16, 12];
    const dcfg = (t: Tile = {}) => cfgFor({ signedScheme: 'differential', cols: 8, ...t });

    it('levels, column currents and unit (pair) currents', () => {
      const xb = buildCrossbar(qn, dcfg());
      const m = xb.mappings[0]!;
      expect(Array.from(m.levels)).toEqual(levels.flat());
      expect(Array.from(readCurrents(xb, 0, x, 1, 0, 0, 0))).toEqual(I0);
      expect(Array.from(readCurrents(xb, 0, x, 1, 0, 0, 1))).toEqual(I1);
      // Units: 0 − 2, 1 − 3, 4 − 6, 5 − 7.
      expect(Array.from(unitCurrents(m, Float64Array.from(I0), 1))).toEqual([0, 4, -4, 0]);
      expect(Array.from(unitCurrents(m, Float64Array.from(I1), 1))).toEqual([4, 8, 4, 4]);
    });

    it('lossless: codes 0, 1, −1, 0 and 1, 2, 1, 1 → exact 22, 9', () => {
      // o0: 0 + 4·1 = 4 and 1 + 4·2 = 9 → 22; o1: −1 + 0 and 1 + 4·1 = 5 → 9.
      expect(mvm(buildCrossbar(qn, dcfg()))).toEqual([22, 9]);
    });

    it('fixed-full-scale, 4 bits: FS = 4·(16 − 4) = 48 → m = 1, codes clamp(rdiv(I, 8), −7, 7)', () => {
      const xb = buildCrossbar(qn, dcfg({ adcMode: 'fixed-full-scale', adcBits: 4 }));
      expect(xb.adc[0]).toMatchObject({ mode: 'fixed', step: 8, m: 1, minCode: -7, maxCode: 7 });
      // k = 0: 0, 4/8 = 0.5 → 1, −4/8 = −0.5 → 0 (half up), 0 → numerators 0, 2, 0, 0.
      expect(Array.from(convertRead(xb, 0, Float64Array.from([0, 4, -4, 0]), 1))).toEqual([0, 2, 0, 0]);
      // k = 1: 0.5 → 1, 1, 0.5 → 1, 0.5 → 1 → 2, 2, 2, 2.
      // o0: 0 + 4·2 = 8 and 2 + 4·2 = 10 → 28;  o1: 0 + 0 and 2 + 4·2 = 10 → 20.
      expect(mvm(xb)).toEqual([28, 20]);
    });

    it('fixed-calibrated to FS = 4, 2 bits: codes −1..1 clip', () => {
      const xb = buildCrossbar(qn, dcfg({ adcMode: 'fixed-calibrated', adcBits: 2 }), { calibratedFullScale: [4] });
      expect(xb.adc[0]).toMatchObject({ mode: 'fixed', step: 4, m: 0, minCode: -1, maxCode: 1 });
      // k = 0: 0, 1, −1, 0; k = 1: 1, 2 → 1, 1, 1.
      // o0: 0 + 4·1 = 4 and 1 + 4·1 = 5 → 14;  o1: −1 + 0 and 1 + 4·1 = 5 → 9.
      expect(mvm(xb)).toEqual([14, 9]);
    });

    it('faults on both cells of a pair: SA1 on G− of o1 s0 (row 0), SA0 on G+ of o0 s0 (row 3)', () => {
      const cells = new Uint8Array(32);
      cells[0 * 8 + 6] = SA1; // o1 G− s0, row 0: level 0 → 3: w[o1][0] 2 → 2 − 3 = −1
      cells[3 * 8 + 0] = SA0; // o0 G+ s0, row 3: level 3 → 0: w[o0][3] 7 → 4
      const xb = buildCrossbar(qn, dcfg(), { faults: [{ name: 'fc', physRows: 4, physCols: 8, cells }] });
      // o0 = 22 − 3·x3 = 13;  o1 = 9 − 3·x0 = 0.
      expect(mvm(xb)).toEqual([13, 0]);
    });
  });

  it('a fault map of the wrong size is refused, naming the layer', () => {
    const faults: FaultMap = [{ name: 'fc', physRows: 4, physCols: 5, cells: new Uint8Array(20) }];
    expect(() => buildCrossbar(qn, cfgFor({}), { faults })).toThrow(/layer "fc".*4x5.*4x6/);
  });
});

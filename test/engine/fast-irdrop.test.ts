/**
 * With IR drop on (docs/model.md §10) the fast engine still gives the reference model's
 * integers, every one, its statistics and its ADC-calibration histograms.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { saRatio } from '../../src/config/schema.ts';
import { drawFaults } from '../../src/crossbar/faults.ts';
import { plainMapping } from '../../src/crossbar/layout.ts';
import { buildCrossbar } from '../../src/crossbar/reference.ts';
import { fastEngine } from '../../src/engine/fast.ts';
import { forwardInt, quantizeImage } from '../../src/nn/quant.ts';
import { config, tinyQuant, expectFastEqualsReference } from '../helpers.ts';

describe('fast engine equals the reference model exactly with IR drop on', () => {
  it('over random small networks, configs and wire resistances', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 1, max: 1000 }),
          cellBits: fc.integer({ min: 1, max: 3 }),
          weightBits: fc.integer({ min: 4, max: 8 }),
          activationBits: fc.integer({ min: 2, max: 8 }),
          adcBits: fc.integer({ min: 2, max: 8 }),
          adcMode: fc.constantFrom('lossless', 'fixed-full-scale'),
          signedScheme: fc.constantFrom('offset', 'differential'),
          rows: fc.constantFrom(8, 16, 64, 100),
          prDiv: fc.constantFrom(1, 2, 3),
          cols: fc.constantFrom(16, 32, 48),
          rate: fc.constantFrom(0, 0.1),
          nl: fc.constantFrom(0, 1.75),
          model: fc.constantFrom('first-order', 'first-order', 'exact'),
          wireRowOhm: fc.double({ min: 0.1, max: 200, noNaN: true }),
          wireColOhm: fc.double({ min: 0.1, max: 200, noNaN: true }),
          loadOhm: fc.double({ min: 0.01, max: 1000, noNaN: true }),
          histogram: fc.boolean(),
        }),
        (c) => {
          const cb = Math.min(c.cellBits, c.weightBits - 1);
          const cfg = config({
            quant: { weightBits: c.weightBits, activationBits: c.activationBits },
            tile: {
              cellBits: cb, signedScheme: c.signedScheme as 'offset', rows: c.rows, cols: c.cols, parallelRead: Math.ceil(c.rows / c.prDiv), adcBits: c.adcBits, adcMode: c.adcMode as 'lossless', colsPerAdc: 1,
              irDrop: { enabled: true, model: c.model === 'exact' && c.rows <= 16 ? 'exact' : 'first-order', // the exact solve is slow on large subarrays
               wireRowOhm: c.wireRowOhm, wireColOhm: c.wireColOhm, driverOhm: c.loadOhm, senseOhm: c.loadOhm },
            },
            device: { nonlinearityLtp: c.nl },
          });
          const { qn, pixels, size } = tinyQuant(c.seed, c.weightBits, c.activationBits);
          const mappings = qn.layers.map((q) => plainMapping(q, cfg));
          const faults = drawFaults(mappings, c.rate, saRatio('5:1'), c.seed);
          const ref = buildCrossbar(qn, cfg, { mappings, faults });
          const fast = buildCrossbar(qn, cfg, { mappings, faults });
          expect(fast.conductance).toEqual(ref.conductance);
          if (c.histogram) {
            ref.currentHistogram = mappings.map(() => new Float64Array(64));
            fast.currentHistogram = mappings.map(() => new Float64Array(64));
          }
          expectFastEqualsReference(qn, ref, fast, pixels, size, c.activationBits, 2);
          expect(fast.currentHistogram).toEqual(ref.currentHistogram);
        },
      ),
      { numRuns: 30, seed: 20261202 },
    );
  });

  it('IR drop changes the result (the effect is live in both engines)', () => {
    const base = { quant: { weightBits: 6, activationBits: 6 }, tile: { cellBits: 1, rows: 64, cols: 32, parallelRead: 64, adcMode: 'lossless' as const, colsPerAdc: 1 } };
    const { qn, pixels, size } = tinyQuant(3, 6, 6);
    const x = quantizeImage(pixels, 0, size, 6);
    const run = (irDrop: boolean) => {
      const cfg = config({ ...base, tile: { ...base.tile, irDrop: { enabled: irDrop, wireRowOhm: 20, wireColOhm: 20 } } });
      const out: number[][] = [];
      forwardInt(qn, x, fastEngine(buildCrossbar(qn, cfg), 2), (_q, acc) => out.push(Array.from(acc)));
      return out;
    };
    expect(run(true)).not.toEqual(run(false));
  });
});

import { describe, expect, it } from 'vitest';
import { saRatio } from '../../src/config/schema.ts';
import fc from 'fast-check';
import { drawFaults } from '../../src/crossbar/faults.ts';
import { plainMapping } from '../../src/crossbar/layout.ts';
import { buildCrossbar } from '../../src/crossbar/reference.ts';
import { config, tinyQuant, expectFastEqualsReference } from '../helpers.ts';

describe('fast engine equals the reference model exactly', () => {
  it('over random small networks and configs', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 1, max: 1000 }),
          cellBits: fc.integer({ min: 1, max: 4 }),
          weightBits: fc.integer({ min: 4, max: 8 }),
          activationBits: fc.integer({ min: 2, max: 8 }),
          adcBits: fc.integer({ min: 2, max: 8 }),
          adcMode: fc.constantFrom('lossless', 'fixed-full-scale'),
          signedScheme: fc.constantFrom('offset', 'differential'),
          rows: fc.constantFrom(8, 16, 64, 100),
          prDiv: fc.constantFrom(1, 2, 3),
          cols: fc.constantFrom(16, 32, 48),
          rate: fc.constantFrom(0, 0.02, 0.1, 0.5),
          ratio: fc.constantFrom('5:1', '1:5', '1:0'),
          nl: fc.constantFrom(0, 0, 1.75),
        }),
        (c) => {
          const cb = Math.min(c.cellBits, c.weightBits - 1);
          const cfg = config({
            quant: { weightBits: c.weightBits, activationBits: c.activationBits },
            tile: { cellBits: cb, signedScheme: c.signedScheme as 'offset', rows: c.rows, cols: c.cols, parallelRead: Math.ceil(c.rows / c.prDiv), adcBits: c.adcBits, adcMode: c.adcMode as 'lossless', colsPerAdc: 1 },
            device: { nonlinearityLtp: c.nl },
          });
          const { qn, pixels, size } = tinyQuant(c.seed, c.weightBits, c.activationBits);
          const mappings = qn.layers.map((q) => plainMapping(q, cfg));
          const faults = drawFaults(mappings, c.rate, saRatio(c.ratio), c.seed);
          const ref = buildCrossbar(qn, cfg, { mappings, faults });
          const fast = buildCrossbar(qn, cfg, { mappings, faults });
          expectFastEqualsReference(qn, ref, fast, pixels, size, c.activationBits, 2);
        },
      ),
      { numRuns: 60, seed: 20261126 },
    );
  });
});

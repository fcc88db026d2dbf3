import { describe, expect, it } from 'vitest';
import { buildCrossbar, referenceEngine } from '../../src/crossbar/reference.ts';
import { forwardInt, quantizeImage } from '../../src/nn/quant.ts';
import { config, tinyQuant } from '../helpers.ts';

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

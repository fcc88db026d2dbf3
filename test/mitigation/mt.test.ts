import { describe, expect, it } from 'vitest';
import type { Config, Mitigation } from '../../src/config/schema.ts';
import { drawFaults, networkLayerShapes, noFaults } from '../../src/crossbar/faults.ts';
import { layerLayout } from '../../src/crossbar/layout.ts';
import { buildCrossbar, referenceEngine } from '../../src/crossbar/reference.ts';
import { fastEngine } from '../../src/engine/fast.ts';
import { rowActivity } from '../../src/mitigation/activity.ts';
import { mitigatedMappings } from '../../src/mitigation/index.ts';
import { bestPair, offsetEffective, permuteRows } from '../../src/mitigation/plans.ts';
import { forwardInt, quantizeImage } from '../../src/nn/quant.ts';
import { config, tinyQuant } from '../helpers.ts';

const METHODS: Mitigation[] = ['none', 'mt-stats', 'mt-map', 'pytorx', 'zhang'];

function setup(scheme: 'offset' | 'differential', method: Mitigation, cellBits = 1) {
  const cfg: Config = config({
    quant: { weightBits: 6 },
    tile: { rows: 16, cols: 32, parallelRead: 16, cellBits, signedScheme: scheme, adcMode: 'lossless', colsPerAdc: 1 },
    faults: { rate: 0.2, sa1Sa0Ratio: '5:1' },
    mitigation: { method },
  });
  const { qn, pixels, size } = tinyQuant(4, 6, 8);
  const shapes = networkLayerShapes(qn.net, cfg);
  const activity = rowActivity(qn, pixels, size, 3);
  return { cfg, qn, pixels, size, shapes, activity };
}

describe('every transformation is exact when there are no faults', () => {
  for (const scheme of ['offset', 'differential'] as const) {
    for (const method of METHODS) {
      it(`${method}, ${scheme}: the mapping changes, the computed result does not`, () => {
        const { cfg, qn, pixels, size, shapes, activity } = setup(scheme, method, scheme === 'offset' ? 1 : 2);
        // Plans are chosen for a fault map with 20 % stuck cells (PytorX's correction is for the
        // faults it compensates, so it is planned on the fault-free map)…
        const planFaults = method === 'pytorx' ? noFaults(shapes) : drawFaults(shapes, 0.2, '5:1', 9);
        const mappings = mitigatedMappings(qn, cfg, planFaults, () => activity);
        // …and run on a fault-free array: the result is the exact integer product.
        const xb = buildCrossbar(qn, cfg, { mappings, faults: noFaults(shapes) });
        for (let n = 0; n < 3; n++) {
          const x = quantizeImage(pixels, n * size, size, 8);
          expect(Array.from(forwardInt(qn, x, referenceEngine(xb)))).toEqual(Array.from(forwardInt(qn, x)));
        }
        if (method === 'mt-map' || method === 'zhang' || (method === 'mt-stats' && scheme === 'differential')) {
          const plain = mitigatedMappings(qn, { ...cfg, mitigation: { ...cfg.mitigation, method: 'none' } }, noFaults(shapes), () => activity);
          expect(mappings.some((m, i) => m.levels.some((v, k) => v !== plain[i]!.levels[k]) || m.rowMap.some((v, k) => v !== plain[i]!.rowMap[k]))).toBe(true);
        }
      });
    }
  }
});

describe('with faults', () => {
  it('PytorX correction with the oracle map restores the exact result when the ADC is lossless', () => {
    const { cfg, qn, pixels, size, shapes, activity } = setup('offset', 'pytorx');
    const faults = drawFaults(shapes, 0.1, '5:1', 3);
    const xb = buildCrossbar(qn, cfg, { mappings: mitigatedMappings(qn, cfg, faults, () => activity), faults });
    const x = quantizeImage(pixels, 0, size, 8);
    expect(Array.from(forwardInt(qn, x, referenceEngine(xb)))).toEqual(Array.from(forwardInt(qn, x)));
  });
  it('mitigated mappings run identically on the reference model and the fast engine', () => {
    for (const scheme of ['offset', 'differential'] as const) {
      for (const method of METHODS) {
        const { cfg, qn, pixels, size, shapes, activity } = setup(scheme, method);
        const fixed = { ...cfg, tile: { ...cfg.tile, adcMode: 'fixed-full-scale' as const, adcBits: 4 } };
        const faults = drawFaults(shapes, 0.15, '1:5', 5);
        const mappings = mitigatedMappings(qn, fixed, faults, () => activity);
        const a = buildCrossbar(qn, fixed, { mappings, faults });
        const b = buildCrossbar(qn, fixed, { mappings, faults });
        const x = quantizeImage(pixels, 1 * size, size, 8);
        expect(Array.from(forwardInt(qn, x, fastEngine(b, 1)))).toEqual(Array.from(forwardInt(qn, x, referenceEngine(a))));
      }
    }
  });
  it('MT (map) leaves a smaller output error than no mitigation (over three fault maps)', () => {
    for (const scheme of ['offset', 'differential'] as const) {
      const { cfg, qn, pixels, size, shapes } = setup(scheme, 'mt-map');
      const activity = rowActivity(qn, pixels, size, 6);
      const err = (method: Mitigation) => {
        const c = { ...cfg, mitigation: { ...cfg.mitigation, method } };
        let e = 0;
        for (const seed of [11, 12, 13]) {
          const faults = drawFaults(shapes, 0.2, '5:1', seed);
          const xb = buildCrossbar(qn, c, { mappings: mitigatedMappings(qn, c, faults, () => activity), faults });
          for (let n = 0; n < 6; n++) {
            const x = quantizeImage(pixels, n * size, size, 8);
            const got = forwardInt(qn, x, referenceEngine(xb));
            const want = forwardInt(qn, x);
            for (let i = 0; i < got.length; i++) e += (got[i]! - want[i]!) ** 2;
          }
        }
        return e;
      };
      expect(err('mt-map')).toBeLessThan(err('none'));
    }
  });
});

describe('MT cost pieces, worked by hand', () => {
  const L7 = layerLayout(4, 2, config({ quant: { weightBits: 8 }, tile: { rows: 4, cols: 32, parallelRead: 4, cellBits: 1, signedScheme: 'differential' } }));
  it('a stuck SA1 cell in G+ is cancelled by its partner: w = 0, G+ bit 3 stuck at 1 → (8, 8)', () => {
    expect(L7.S).toBe(7);
    expect(bestPair(0, L7, 8, 8, 0, 0)).toEqual({ xp: 8, xn: 8, error: 0 });
  });
  it('a stuck SA0 cell: w = 5 with G+ bit 0 stuck at 0 → (6, 1), the least energy, smallest X+', () => {
    expect(bestPair(5, L7, 1, 0, 0, 0)).toEqual({ xp: 6, xn: 1, error: 0 });
  });
  it('no room to cancel: w = 127 needs X+ = 127; G+ bit 6 stuck at 0 leaves an error of 64', () => {
    expect(bestPair(127, L7, 64, 0, 0, 0).error).toBe(-64);
  });
  const L4 = layerLayout(4, 2, config({ quant: { weightBits: 4 }, tile: { rows: 4, cols: 16, parallelRead: 4, cellBits: 1 } }));
  it('polarity inversion avoids a stuck MSB: w = 1, z = 8, MSB stuck at 0', () => {
    expect(offsetEffective(1, 8, false, L4, 0, 0, 0, 0)).toBe(1);
    expect(offsetEffective(1, 8, false, L4, 8, 0, 0, 0)).toBe(-7); // 1001 reads 0001
    expect(offsetEffective(1, 8, true, L4, 8, 0, 0, 0)).toBe(1); // stores 0110: the stuck 0 matches
  });
  it('row permutation: important rows go to clean physical rows', () => {
    const L = layerLayout(4, 1, config({ quant: { weightBits: 4 }, tile: { rows: 4, cols: 8, parallelRead: 4, cellBits: 1 } }));
    const cells = new Uint8Array(L.physRows * L.physCols);
    const stuck = [3, 0, 1, 2];
    stuck.forEach((n, pr) => { for (let j = 0; j < n; j++) cells[pr * L.physCols + j] = 2; });
    expect(Array.from(permuteRows(L, cells, Float64Array.from([1, 5, 0, 2])))).toEqual([3, 1, 0, 2]);
  });
});

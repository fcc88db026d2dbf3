import { describe, expect, it } from 'vitest';
import { saRatio } from '../../src/config/schema.ts';
import type { Config, Mitigation } from '../../src/config/schema.ts';
import { drawFaults, networkLayerShapes, noFaults, SA0, SA1 } from '../../src/crossbar/faults.ts';
import { referenceColumn, weightColumn, type LayerMapping } from '../../src/crossbar/layout.ts';
import { buildCrossbar, referenceEngine } from '../../src/crossbar/reference.ts';
import { fastEngine } from '../../src/engine/fast.ts';
import { mitigatedMappings } from '../../src/mitigation/index.ts';
import { priceOf } from '../../src/mitigation/price.ts';
import { rowActivity } from '../../src/mitigation/row-activity.ts';
import { forwardInt, quantizeImage } from '../../src/nn/quant.ts';
import { config, tinyQuant } from '../helpers.ts';

function setup(scheme: 'offset' | 'differential', method: Mitigation, cellBits = 1) {
  const cfg: Config = config({
    quant: { weightBits: 6 },
    tile: { rows: 16, cols: 32, parallelRead: 16, cellBits, signedScheme: scheme, adcMode: 'lossless', colsPerAdc: 1 },
    faults: { rate: 0.2, sa1Sa0Ratio: '5:1' },
    mitigation: { method },
  });
  const { qn, pixels, size } = tinyQuant(4, 6, 8);
  const shapes = networkLayerShapes(qn.net, cfg);
  const activity = rowActivity(qn, pixels, size, 3, cfg.tile.rows);
  return { cfg, qn, pixels, size, shapes, activity };
}

/** What S cells starting at physical column col0 of row pr read, their stuck levels in place. */
function cellsRead(m: LayerMapping, cells: Uint8Array, pr: number, col0: number): number {
  const L = m.layout;
  const top = 2 ** L.cellBits - 1;
  let v = 0;
  for (let s = 0; s < L.S; s++) {
    const k = pr * L.physCols + col0 + s;
    const level = cells[k] === SA1 ? top : cells[k] === SA0 ? 0 : m.levels[k]!;
    v += level * 2 ** (s * L.cellBits);
  }
  return v;
}

/** The weight a plain-layout mapping computes at (row r, output o) through the stuck cells. */
function computed(m: LayerMapping, cells: Uint8Array, r: number, o: number): number {
  const L = m.layout;
  const pr = m.rowMap[r]!;
  if (L.scheme === 'offset') return cellsRead(m, cells, pr, weightColumn(L, o, 0, 0)) - cellsRead(m, cells, pr, referenceColumn(L, Math.floor(o / L.outputsPerTile), 0));
  return cellsRead(m, cells, pr, weightColumn(L, o, 0, 0)) - cellsRead(m, cells, pr, weightColumn(L, o, 0, 1));
}

/** The least |error| any content of the weight's own free cells reaches (brute force over every stored value or pair). */
function bruteForceError(m: LayerMapping, cells: Uint8Array, r: number, o: number): number {
  const L = m.layout;
  const w = m.q.qWeight[o * L.R + r]!;
  const stuckRead = (col0: number, X: number) => {
    let v = 0;
    for (let s = 0; s < L.S; s++) {
      const f = cells[r * L.physCols + col0 + s];
      const level = f === SA1 ? 2 ** L.cellBits - 1 : f === SA0 ? 0 : Math.floor(X / 2 ** (s * L.cellBits)) % 2 ** L.cellBits;
      v += level * 2 ** (s * L.cellBits);
    }
    return v;
  };
  let best = Infinity;
  if (L.scheme === 'offset') {
    const ref = stuckRead(referenceColumn(L, Math.floor(o / L.outputsPerTile), 0), 2 ** (L.weightBits - 1));
    for (let X = 0; X < 2 ** L.weightBits; X++) best = Math.min(best, Math.abs(stuckRead(weightColumn(L, o, 0, 0), X) - ref - w));
  } else {
    const top = 2 ** (L.S * L.cellBits);
    for (let a = 0; a < top; a++) for (let b = 0; b < top; b++) best = Math.min(best, Math.abs(stuckRead(weightColumn(L, o, 0, 0), a) - stuckRead(weightColumn(L, o, 0, 1), b) - w));
  }
  return best;
}

describe('Hosseini et al.: the fault-free bits approximate each weight', () => {
  for (const scheme of ['offset', 'differential'] as const) {
    for (const cellBits of [1, 2]) {
      it(`${scheme}, ${cellBits}-bit cells: every weight reads the nearest value its free cells can give (brute force), and no worse than the plain mapping`, () => {
        const { cfg, qn, shapes, activity } = setup(scheme, 'hosseini', cellBits);
        const faults = drawFaults(shapes, 0.25, saRatio('1:5'), 7);
        const mappings = mitigatedMappings(qn, cfg, faults, () => activity);
        const plain = mitigatedMappings(qn, { ...cfg, mitigation: { ...cfg.mitigation, method: 'none' } }, faults, () => activity);
        let improved = 0;
        mappings.forEach((m, i) => {
          const cells = faults[i]!.cells;
          expect(Array.from(m.rowMap)).toEqual(Array.from(plain[i]!.rowMap)); // no row permutation
          for (let r = 0; r < m.layout.R; r++) {
            for (let o = 0; o < m.layout.C; o++) {
              const w = qn.layers[i]!.qWeight[o * m.layout.R + r]!;
              const e = Math.abs(computed(m, cells, r, o) - w);
              const e0 = Math.abs(computed(plain[i]!, cells, r, o) - w);
              expect(e).toBe(bruteForceError(m, cells, r, o));
              expect(e).toBeLessThanOrEqual(e0);
              if (e < e0) improved++;
            }
          }
        });
        expect(improved).toBeGreaterThan(0);
      });
    }
  }

  it('a fault-free map gives the plain mapping, cell for cell', () => {
    for (const scheme of ['offset', 'differential'] as const) {
      const { cfg, qn, shapes, activity } = setup(scheme, 'hosseini');
      const mappings = mitigatedMappings(qn, cfg, noFaults(shapes), () => activity);
      const plain = mitigatedMappings(qn, { ...cfg, mitigation: { ...cfg.mitigation, method: 'none' } }, noFaults(shapes), () => activity);
      mappings.forEach((m, i) => expect(Buffer.from(m.levels).equals(Buffer.from(plain[i]!.levels))).toBe(true));
    }
  });

  it('costs no table bits, cells or operations', () => {
    const { cfg, qn, shapes, activity } = setup('offset', 'hosseini');
    const p = priceOf(mitigatedMappings(qn, cfg, drawFaults(shapes, 0.2, saRatio('5:1'), 2), () => activity));
    expect(p.storageBitsPerSubarray).toBe(0);
    expect(p.extraCellsPerSubarray).toBe(0);
    expect(p.extraOpsPerRead).toBe(0);
  });

  it('runs identically on the reference model and the fast engine, with a quantizing ADC', () => {
    for (const scheme of ['offset', 'differential'] as const) {
      const { cfg, qn, pixels, size, shapes, activity } = setup(scheme, 'hosseini');
      const fixed = { ...cfg, tile: { ...cfg.tile, adcMode: 'fixed-full-scale' as const, adcBits: 4 } };
      const faults = drawFaults(shapes, 0.15, saRatio('1:5'), 5);
      const mappings = mitigatedMappings(qn, fixed, faults, () => activity);
      const a = buildCrossbar(qn, fixed, { mappings, faults });
      const b = buildCrossbar(qn, fixed, { mappings, faults });
      for (let n = 0; n < 3; n++) {
        const x = quantizeImage(pixels, n * size, size, 8);
        expect(Array.from(forwardInt(qn, x, fastEngine(b, 1)))).toEqual(Array.from(forwardInt(qn, x, referenceEngine(a))));
      }
    }
  });

  // At 20 % stuck cells, offset, this tiny network's logits are noise with either mapping (the
  // approximation's squared error was 1.3× the plain one's there); the claim is for rates it survives.
  it('leaves a smaller output error than no mitigation at 2 % and 5 % stuck cells (three fault maps each, lossless ADC)', () => {
    for (const rate of [0.02, 0.05]) for (const scheme of ['offset', 'differential'] as const) {
      const { cfg, qn, pixels, size, shapes, activity } = setup(scheme, 'hosseini');
      const err = (method: Mitigation) => {
        const c = { ...cfg, mitigation: { ...cfg.mitigation, method } };
        let e = 0;
        for (const seed of [11, 12, 13]) {
          const faults = drawFaults(shapes, rate, saRatio('5:1'), seed);
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
      expect(err('hosseini')).toBeLessThan(err('none'));
    }
  });
});

/**
 * IR-drop compensation (`tile.irDrop.compensation`, docs/mt.md "IR-drop compensation"):
 * the IR error of each effective weight is the mapping's terms applied to Geff − G; `bias` adds
 * the negated expected error of each output to its column offset; the fast engine still gives
 * the reference model's integers; on a small offset-mapped network it brings the IR-dropped
 * outputs closer to the ideal array's; nothing changes with it off or with IR drop off.
 */
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import { conductanceTable } from '../../src/crossbar/device.ts';
import { drawFaults, networkLayerShapes, noFaults } from '../../src/crossbar/faults.ts';
import { irDropConductances } from '../../src/crossbar/irdrop.ts';
import { plainMapping } from '../../src/crossbar/layout.ts';
import { buildCrossbar, cellConductances, referenceEngine } from '../../src/crossbar/reference.ts';
import { mitigatedMappings } from '../../src/mitigation/index.ts';
import { irWeightErrors } from '../../src/mitigation/irdrop-comp.ts';
import { rowActivity } from '../../src/mitigation/row-activity.ts';
import { forwardInt, quantizeImage } from '../../src/nn/quant.ts';
import { config, expectFastEqualsReference, tinyQuant } from '../helpers.ts';

function setup(comp: 'none' | 'bias', opts: { rate?: number; scheme?: 'offset' | 'differential'; method?: 'none' | 'mt-map'; ir?: boolean } = {}): Config {
  return config({
    quant: { weightBits: 6, activationBits: 6 },
    tile: { rows: 32, cols: 32, parallelRead: 32, cellBits: 1, signedScheme: opts.scheme ?? 'offset', adcMode: 'lossless', colsPerAdc: 1, irDrop: { enabled: opts.ir ?? true, wireRowOhm: 5, wireColOhm: 5, compensation: comp } },
    faults: { rate: opts.rate ?? 0, sa1Sa0Ratio: '5:1', seed: 3 },
    mitigation: { method: opts.method ?? 'none' },
  });
}

describe('IR-drop compensation', () => {
  it('the IR error of an effective weight is its terms applied to Geff − G (checked cell by cell on one weight)', () => {
    const { qn } = tinyQuant(5, 6, 6);
    const cfg = setup('bias');
    const m = plainMapping(qn.layers[0]!, cfg);
    const table = conductanceTable(cfg);
    const cells = new Uint8Array(m.levels.length);
    const e = irWeightErrors(m, table, cells, cfg.tile.irDrop);
    const G = cellConductances(m, table, cells);
    const Geff = irDropConductances(G, m.layout, table, cfg.tile.irDrop);
    const L = m.layout;
    // offset, plain mapping: weight (r, o) = Σ_s 2^s (cell of weight column slice s − cell of the reference slice s)
    const r = 3, o = 2;
    let want = 0;
    for (let s = 0; s < L.S; s++) {
      const w = r * L.physCols + o * L.S + s;
      const ref = r * L.physCols + L.Wc * L.S + s;
      want += 2 ** s * ((Geff[w]! - G[w]!) - (Geff[ref]! - G[ref]!));
    }
    expect(e[r * L.C + o]).toBeCloseTo(want / table.dG, 9);
    // IR drop lowers the reference column (Gmax in its top slice, far end of the rows) more than
    // a weight column: the error of the layer's weights is positive on average.
    expect(e.reduce((a, b) => a + b, 0) / e.length).toBeGreaterThan(0);
  });

  it('off, or with IR drop off, the mappings are unchanged; bias sets a column offset', () => {
    const { qn, pixels, size } = tinyQuant(5, 6, 6);
    const shapes = networkLayerShapes(qn.net, setup('none'));
    const faults = noFaults(shapes);
    const activity = rowActivity(qn, pixels, size, 4, 32);
    const none = mitigatedMappings(qn, setup('none'), faults, () => activity);
    const irOff = mitigatedMappings(qn, setup('bias', { ir: false }), faults, () => activity);
    const bias = mitigatedMappings(qn, setup('bias'), faults, () => activity);
    for (let i = 0; i < none.length; i++) {
      expect(none[i]!.columnOffset ?? null).toBeNull();
      expect(irOff[i]!.columnOffset ?? null).toBeNull();
      expect(none[i]!.inputSum).toBeNull();
      expect(bias[i]!.inputSum).toBeNull();
      expect(bias[i]!.columnOffset!.some((v) => v !== 0)).toBe(true);
    }
  });

  for (const scheme of ['offset', 'differential'] as const) {
    for (const comp of ['bias'] as const) {
      it(`${scheme}, ${comp}, MT-map at 10 % stuck cells: the fast engine gives the reference model's integers`, () => {
        const { qn, pixels, size } = tinyQuant(5, 6, 6);
        const cfg = setup(comp, { rate: 0.1, scheme, method: 'mt-map' });
        const faults = drawFaults(networkLayerShapes(qn.net, cfg), 0.1, cfg.faults.sa1Sa0Ratio, 3);
        const activity = rowActivity(qn, pixels, size, 3, cfg.tile.rows);
        const mappings = mitigatedMappings(qn, cfg, faults, () => activity);
        const ref = buildCrossbar(qn, cfg, { mappings, faults });
        const fast = buildCrossbar(qn, cfg, { mappings, faults });
        expectFastEqualsReference(qn, ref, fast, pixels, size, 6, 2, 2);
      });
    }
  }

  it('offset, fault-free: the compensation brings the first layer closer to the ideal array than none', () => {
    const { qn, pixels, size } = tinyQuant(6, 6, 6);
    const faults = noFaults(networkLayerShapes(qn.net, setup('none')));
    const activity = rowActivity(qn, pixels, size, 6, 32);
    const firstLayer = (c: Config) => {
      const xb = buildCrossbar(qn, c, { mappings: mitigatedMappings(qn, c, faults, () => activity), faults });
      const out: number[] = [];
      for (let n = 0; n < 6; n++) forwardInt(qn, quantizeImage(pixels, n * size, size, 6), referenceEngine(xb), (q, acc) => q.index === 0 && out.push(...acc));
      return out;
    };
    const want = firstLayer(setup('none', { ir: false }));
    const err = (got: number[]) => got.reduce((s, v, i) => s + (v - want[i]!) ** 2, 0);
    const without = err(firstLayer(setup('none')));
    expect(err(firstLayer(setup('bias')))).toBeLessThan(without);
  });
});

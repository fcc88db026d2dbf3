/**
 * MT under IR drop (docs/mt.md "MT under IR drop", `mitigation.mt.irDropRows`): the row
 * permutation weighs each physical row's IR loss beside its stuck cells. The penalty falls
 * towards the sense amplifiers; with no stuck cell the most active row goes to the row
 * nearest them; the fast engine still gives the reference model's integers; and on a small
 * network the placement brings the IR-dropped outputs closer to the ideal array's.
 */
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import { conductanceTable } from '../../src/crossbar/device.ts';
import { drawFaults, networkLayerShapes, noFaults } from '../../src/crossbar/faults.ts';
import { layerLayout } from '../../src/crossbar/layout.ts';
import { buildCrossbar, referenceEngine } from '../../src/crossbar/reference.ts';
import { mitigatedMappings } from '../../src/mitigation/index.ts';
import { rowActivity } from '../../src/mitigation/row-activity.ts';
import { irDropRowPenalty, permuteRows } from '../../src/mitigation/stuck.ts';
import { forwardInt, quantizeImage } from '../../src/nn/quant.ts';
import { config, expectFastEqualsReference, tinyQuant } from '../helpers.ts';

function setup(rate: number, irDropRows: boolean, signedScheme: 'offset' | 'differential' = 'offset'): Config {
  return config({
    quant: { weightBits: 6, activationBits: 6 },
    tile: { rows: 32, cols: 32, parallelRead: 32, cellBits: 1, signedScheme, adcMode: 'lossless', colsPerAdc: 1, irDrop: { enabled: true, wireRowOhm: 10, wireColOhm: 10 } },
    faults: { rate, sa1Sa0Ratio: '5:1', seed: 3 },
    mitigation: { method: 'mt-map', mt: { irDropRows } },
  });
}

describe('MT under IR drop: IR-aware row placement', () => {
  it('the penalty is positive and falls towards the sense amplifiers (larger row index)', () => {
    const cfg = setup(0, true);
    const L = layerLayout(64, 16, cfg, 'test');
    const pen = irDropRowPenalty(L, conductanceTable(cfg), cfg.tile.irDrop);
    expect(pen.length).toBe(cfg.tile.rows);
    for (let i = 1; i < pen.length; i++) expect(pen[i]!).toBeLessThan(pen[i - 1]!);
    expect(pen[pen.length - 1]!).toBeGreaterThan(0);
  });

  it('with no stuck cell, logical rows in decreasing importance go to the rows nearest the sense amplifiers', () => {
    const cfg = setup(0, true);
    const L = layerLayout(64, 16, cfg, 'test');
    const pen = irDropRowPenalty(L, conductanceTable(cfg), cfg.tile.irDrop);
    const importance = Float64Array.from({ length: 64 }, (_, r) => (r * 37) % 64);
    const rowMap = permuteRows(L, new Uint8Array(L.physRows * L.physCols), importance, pen);
    for (let rt = 0; rt < 2; rt++) {
      const rows = Array.from({ length: 32 }, (_, i) => rt * 32 + i).sort((a, b) => importance[b]! - importance[a]!);
      expect(rows.map((r) => rowMap[r])).toEqual(Array.from({ length: 32 }, (_, i) => rt * 32 + 31 - i));
    }
    // Without the penalty (MT as before) the most important row goes to the first physical row.
    const plain = permuteRows(L, new Uint8Array(L.physRows * L.physCols), importance);
    expect(plain[Array.from({ length: 32 }, (_, i) => i).sort((a, b) => importance[b]! - importance[a]!)[0]!]).toBe(0);
  });

  for (const scheme of ['offset', 'differential'] as const) {
    it(`${scheme}: the fast engine gives the reference model's integers with it on; the mapping differs from MT without it`, () => {
      const { qn, pixels, size } = tinyQuant(5, 6, 6);
      const on = setup(0.1, true, scheme);
      const off = setup(0.1, false, scheme);
      const shapes = networkLayerShapes(qn.net, on);
      const faults = drawFaults(shapes, 0.1, on.faults.sa1Sa0Ratio, 3);
      const activity = rowActivity(qn, pixels, size, 3, on.tile.rows);
      const mOn = mitigatedMappings(qn, on, faults, () => activity);
      const mOff = mitigatedMappings(qn, off, faults, () => activity);
      expect(mOn.some((m, i) => m.rowMap.some((p, r) => p !== mOff[i]!.rowMap[r]))).toBe(true);
      const ref = buildCrossbar(qn, on, { mappings: mOn, faults });
      const fast = buildCrossbar(qn, on, { mappings: mOn, faults });
      expectFastEqualsReference(qn, ref, fast, pixels, size, 6, 2, 2);
    });
  }

  it('fault-free: the IR-aware placement brings the outputs closer to the ideal array than MT without it', () => {
    const { qn, pixels, size } = tinyQuant(6, 6, 6);
    const cfg = setup(0, true);
    const shapes = networkLayerShapes(qn.net, cfg);
    const faults = noFaults(shapes);
    const activity = rowActivity(qn, pixels, size, 6, cfg.tile.rows);
    const ideal = { ...cfg, tile: { ...cfg.tile, irDrop: { ...cfg.tile.irDrop, enabled: false } } };
    // The first layer's accumulators over the images: error against the ideal array, squared.
    const firstLayer = (c: Config, mappingsCfg: Config) => {
      const xb = buildCrossbar(qn, c, { mappings: mitigatedMappings(qn, mappingsCfg, faults, () => activity), faults });
      const out: number[] = [];
      for (let n = 0; n < 6; n++) forwardInt(qn, quantizeImage(pixels, n * size, size, 6), referenceEngine(xb), (q, acc) => q.index === 0 && out.push(...acc));
      return out;
    };
    const want = firstLayer(ideal, ideal);
    const err = (got: number[]) => got.reduce((s, v, i) => s + (v - want[i]!) ** 2, 0);
    const withRows = err(firstLayer(cfg, cfg));
    const without = err(firstLayer(setup(0, false), setup(0, false)));
    expect(withRows).toBeLessThan(without);
  });
});

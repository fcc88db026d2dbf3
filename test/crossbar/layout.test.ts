/**
 * Tiling, bit slicing, signed schemes, conversion units and recombination terms
 * (docs/model.md §1–2), worked out by hand for the weights −3, 0, 5 at 4-bit weights.
 */
import { describe, expect, it } from 'vitest';
import { layerLayout, plainMapping, referenceColumn, sliceLevel, weightColumn, type LayerMapping } from '../../src/crossbar/layout.ts';
import { ConfigError } from '../../src/errors.ts';
import { config } from '../helpers.ts';
import { handLayer } from './hand.ts';

type Scheme = 'offset' | 'differential';
const cfgFor = (scheme: Scheme, cellBits: number, cols: number, rows = 4, parallelRead = rows) =>
  config({ quant: { weightBits: 4 }, tile: { signedScheme: scheme, cellBits, cols, rows, parallelRead, colsPerAdc: 1 } });

/** One input row, three outputs: w = −3, 0, 5. */
const layer = handLayer('fc', [[-3], [0], [5]]);

/** Row 0 of the level array. */
const row0 = (m: LayerMapping) => Array.from(m.levels.subarray(0, m.layout.physCols));

/** Terms of output o in row tile rt as [unit, coef] pairs. */
function termsOf(m: LayerMapping, rt: number, o: number): [number, number][] {
  const t = rt * m.layout.C + o;
  const out: [number, number][] = [];
  for (let e = m.terms.start[t]!; e < m.terms.start[t + 1]!; e++) out.push([m.terms.unit[e]!, m.terms.coef[e]!]);
  return out;
}

describe('offset scheme (X = w + 8, reference column holds 8)', () => {
  it('1-bit cells: S = 4, Wc = floor(12/4) − 1 = 2, two column tiles', () => {
    const m = plainMapping(layer, cfgFor('offset', 1, 12));
    const L = m.layout;
    expect([L.S, L.Wc, L.colTiles, L.rowTiles, L.physRows, L.physCols, L.groupsPerTile]).toEqual([4, 2, 2, 1, 4, 24, 1]);
    // X: −3 → 5 = 0b0101, 0 → 8 = 0b1000, 5 → 13 = 0b1101; slices LSB first.
    // tile 0: o0 cols 0–3, o1 cols 4–7, reference 8–11; tile 1: o2 cols 12–15, 16–19 unused, reference 20–23.
    expect(row0(m)).toEqual([1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
    // Rows 1–3 hold no weight: every cell (reference columns too) at level 0.
    expect(m.levels.subarray(24).every((v) => v === 0)).toBe(true);
    expect(weightColumn(L, 2, 3, 0)).toBe(15);
    expect(referenceColumn(L, 1, 0)).toBe(20);
    // Units: o·S + s read weight columns, then C·S + ct·S + s read the reference columns.
    expect(Array.from(m.units.pos)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15, 8, 9, 10, 11, 20, 21, 22, 23]);
    expect(Array.from(m.units.neg)).toEqual(Array(20).fill(-1));
    expect(Array.from(m.units.slice)).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
    expect(Array.from(m.terms.start)).toEqual([0, 8, 16, 24]);
    expect(termsOf(m, 0, 0)).toEqual([[0, 1], [12, -1], [1, 2], [13, -2], [2, 4], [14, -4], [3, 8], [15, -8]]);
    expect(termsOf(m, 0, 2)).toEqual([[8, 1], [16, -1], [9, 2], [17, -2], [10, 4], [18, -4], [11, 8], [19, -8]]);
  });

  it('2-bit cells: S = 2, Wc = floor(6/2) − 1 = 2', () => {
    const m = plainMapping(layer, cfgFor('offset', 2, 6));
    const L = m.layout;
    expect([L.S, L.Wc, L.colTiles, L.physCols]).toEqual([2, 2, 2, 12]);
    // 5 → (1, 1), 8 → (0, 2), 13 → (1, 3); reference 8 → (0, 2).
    expect(row0(m)).toEqual([1, 1, 0, 2, 0, 2, 1, 3, 0, 0, 0, 2]);
    expect(Array.from(m.units.pos)).toEqual([0, 1, 2, 3, 6, 7, 4, 5, 10, 11]);
    expect(Array.from(m.units.slice)).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
    expect(termsOf(m, 0, 0)).toEqual([[0, 1], [6, -1], [1, 4], [7, -4]]);
    expect(termsOf(m, 0, 1)).toEqual([[2, 1], [6, -1], [3, 4], [7, -4]]);
    expect(termsOf(m, 0, 2)).toEqual([[4, 1], [8, -1], [5, 4], [9, -4]]);
  });
});

describe('differential scheme (X+ = max(w, 0), X− = max(−w, 0))', () => {
  it('1-bit cells: S = ceil(3/1) = 3, Wc = floor(12/6) = 2; units are column pairs', () => {
    const m = plainMapping(layer, cfgFor('differential', 1, 12));
    const L = m.layout;
    expect([L.S, L.Wc, L.colTiles, L.physCols]).toEqual([3, 2, 2, 24]);
    // o0 = −3: G+ 000, G− 3 = (1, 1, 0); o1 = 0: all 0; o2 = 5 (tile 1): G+ (1, 0, 1), G− 000.
    expect(row0(m)).toEqual([0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(m.units.pos)).toEqual([0, 1, 2, 6, 7, 8, 12, 13, 14]);
    expect(Array.from(m.units.neg)).toEqual([3, 4, 5, 9, 10, 11, 15, 16, 17]);
    expect(Array.from(m.units.slice)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
    expect(Array.from(m.terms.start)).toEqual([0, 3, 6, 9]);
    expect(termsOf(m, 0, 2)).toEqual([[6, 1], [7, 2], [8, 4]]);
  });

  it('2-bit cells: S = ceil(3/2) = 2, Wc = floor(8/4) = 2', () => {
    const m = plainMapping(layer, cfgFor('differential', 2, 8));
    const L = m.layout;
    expect([L.S, L.Wc, L.colTiles, L.physCols]).toEqual([2, 2, 2, 16]);
    // o0 = −3: G+ (0, 0), G− (3, 0); o2 = 5: G+ (1, 1).
    expect(row0(m)).toEqual([0, 0, 3, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(m.units.pos)).toEqual([0, 1, 4, 5, 8, 9]);
    expect(Array.from(m.units.neg)).toEqual([2, 3, 6, 7, 10, 11]);
    expect(termsOf(m, 0, 0)).toEqual([[0, 1], [1, 4]]);
    expect(termsOf(m, 0, 2)).toEqual([[4, 1], [5, 4]]);
  });
});

describe('row tiles and read groups', () => {
  it('R = 5 on 4-row tiles: two row tiles, the same terms in each, unused rows at level 0', () => {
    const m = plainMapping(handLayer('fc', [[1, 2, 3, 4, 5]]), cfgFor('offset', 2, 4, 4, 3));
    const L = m.layout;
    expect([L.rowTiles, L.physRows, L.colTiles, L.Wc, L.groupsPerTile]).toEqual([2, 8, 1, 1, 2]);
    expect(Array.from(m.rowMap)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(m.terms.start)).toEqual([0, 4, 8]);
    expect(termsOf(m, 1, 0)).toEqual(termsOf(m, 0, 0));
    // Row 4 (w = 5 → X = 13 = (1, 3)) holds a weight and the reference (0, 2); rows 5–7 hold nothing.
    expect(Array.from(m.levels.subarray(16, 20))).toEqual([1, 3, 0, 2]);
    expect(m.levels.subarray(20).every((v) => v === 0)).toBe(true);
  });
});

describe('recombination identity', () => {
  it('Σ coef · level of the terms is w for every 4-bit weight, scheme and cell size', () => {
    const ws = Array.from({ length: 15 }, (_, i) => i - 7);
    for (const scheme of ['offset', 'differential'] as const) {
      for (const cellBits of [1, 2, 3, 4]) {
        const m = plainMapping(handLayer('fc', ws.map((w) => [w])), cfgFor(scheme, cellBits, 16));
        const value = (u: number) => m.levels[m.units.pos[u]!]! - (m.units.neg[u]! >= 0 ? m.levels[m.units.neg[u]!]! : 0);
        const got = ws.map((_, o) => termsOf(m, 0, o).reduce((a, [u, c]) => a + c * value(u), 0));
        expect(got, `${scheme}, ${cellBits}-bit cells`).toEqual(ws);
      }
    }
  });

  it('sliceLevel splits an unsigned value LSB first', () => {
    expect([0, 1, 2].map((s) => sliceLevel(45, s, 2))).toEqual([1, 3, 2]); // 45 = 0b10_11_01
  });
});

describe('a tile that cannot hold one weight', () => {
  it('offset: 4 columns < 2S = 8 → ConfigError naming tile.cols', () => {
    expect(() => layerLayout(3, 2, cfgFor('offset', 1, 4), 'layer "fc"')).toThrow(ConfigError);
    expect(() => layerLayout(3, 2, cfgFor('offset', 1, 4), 'layer "fc"')).toThrow(/tile\.cols \(layer "fc"\).*needs 8/);
  });

  it('differential: 5 columns < 2S = 6 → ConfigError naming tile.cols', () => {
    expect(() => plainMapping(layer, cfgFor('differential', 1, 5))).toThrow(/^tile\.cols \(layer "fc"\): .*needs 6/);
  });

  it('the smallest tile that fits is accepted (offset 8 columns, differential 6)', () => {
    expect(layerLayout(3, 2, cfgFor('offset', 1, 8)).Wc).toBe(1);
    expect(layerLayout(3, 2, cfgFor('differential', 1, 6)).Wc).toBe(1);
  });
});

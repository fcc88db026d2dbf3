/**
 * buildMapping's blocked cells for MT-map's plans (offset scheme, stored values, one part): the
 * cells equal the definition (weightColumn / referenceColumn / sliceLevel, row by row), and a
 * plan it cannot place gives the loop's first error.
 */
import { describe, expect, it } from 'vitest';
import { buildMapping, layerLayout, plainPlan, referenceColumn, sliceLevel, weightColumn, type MappingPlan } from '../../src/crossbar/layout.ts';
import { Rng } from '../../src/util/rng.ts';
import { config } from '../helpers.ts';
import { handLayer } from './hand.ts';

function setup(R: number, C: number, cellBits: number, rows: number, cols: number, seed: number) {
  const rng = new Rng(seed, R * 131 + C);
  const cfg = config({ quant: { weightBits: 8 }, tile: { signedScheme: 'offset', cellBits, cols, rows, parallelRead: rows, colsPerAdc: 1 } });
  const W = Array.from({ length: C }, () => Array.from({ length: R }, () => rng.int(255) - 127));
  const q = handLayer('fc', W);
  const L = layerLayout(R, C, cfg, 'test', 1);
  const plan: MappingPlan = plainPlan(L);
  // Rows shuffled within their tiles (as MT-map's permutation does), random stored values.
  for (let t = 0; t < L.rowTiles; t++) {
    const first = t * L.rows, n = Math.min(L.rows, R - first);
    const perm = Array.from({ length: L.rows }, (_, i) => first + i);
    for (let i = perm.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    for (let i = 0; i < n; i++) plan.rowMap[first + i] = perm[i]!;
  }
  plan.stored = Int32Array.from({ length: R * C }, () => rng.int(256));
  plan.refStored = Int32Array.from({ length: R * L.colTiles }, () => rng.int(256));
  return { q, L, plan };
}

describe('buildMapping, stored values in blocks of rows', () => {
  for (const [R, C, cellBits, rows, cols] of [[5, 3, 1, 4, 32], [64, 10, 2, 64, 64], [130, 37, 1, 64, 128], [200, 70, 4, 128, 64]] as const) {
    it(`puts every stored value and reference where the definition does (R ${R}, C ${C}, ${cellBits}-bit cells, ${rows}×${cols} tiles)`, () => {
      const { q, L, plan } = setup(R, C, cellBits, rows, cols, 5);
      const want = new Uint8Array(L.physRows * L.physCols);
      for (let r = 0; r < R; r++) {
        const base = plan.rowMap[r]! * L.physCols;
        for (let o = 0; o < C; o++) for (let s = 0; s < L.S; s++) want[base + weightColumn(L, o, s, 0)] = sliceLevel(plan.stored![o * R + r]!, s, cellBits);
        for (let ct = 0; ct < L.colTiles; ct++) for (let s = 0; s < L.S; s++) want[base + referenceColumn(L, ct, s)] = sliceLevel(plan.refStored![r * L.colTiles + ct]!, s, cellBits);
      }
      expect(Buffer.from(buildMapping(q, L, plan).levels).equals(Buffer.from(want))).toBe(true);
    });
  }
  it("gives the loop's first error for a value out of range or a row out of its tile", () => {
    const { q, L, plan } = setup(130, 37, 1, 64, 128, 9);
    const bad = { ...plan, stored: plan.stored!.slice() };
    bad.stored[3 * 130 + 70] = 256; // output 3, row 70 (second block)
    bad.stored[5 * 130 + 2] = -1; // output 5, row 2: the loop, row-major, meets this one first
    expect(() => buildMapping(q, L, bad)).toThrow(`stored value -1 of weight ${q.qWeight[5 * 130 + 2]} (output 5, row 2) is not an integer in [0, 2^8)`);
    const badRef = { ...plan, refStored: plan.refStored!.slice() };
    badRef.refStored[100 * L.colTiles] = 256;
    expect(() => buildMapping(q, L, badRef)).toThrow('reference value 256 of row 100, column tile 0 is not an integer in [0, 2^8)');
    const badRow = { ...plan, rowMap: plan.rowMap.slice() };
    badRow.rowMap[65] = 3;
    expect(() => buildMapping(q, L, badRow)).toThrow('row map sends row 65 (tile 1) to physical row 3 of another tile');
  });
});

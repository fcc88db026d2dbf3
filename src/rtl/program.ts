/**
 * From the reference model's description of a programmed layer (a `LayerMapping` and
 * its cell conductances, src/crossbar/) to what one generated tile needs: the local
 * conductances of subarray (rt, ct), its row map and its terms over the tile's own
 * conversion units. This is the bridge co-simulation uses to drive the RTL.
 */
import type { LayerMapping } from '../crossbar/layout.ts';
import { DataError } from '../errors.ts';
import type { Design, Term } from './design.ts';
import type { TileProgram } from './tables.ts';

export interface TileContent extends Required<Pick<TileProgram, 'rowMap' | 'terms' | 'inputSum'>> {
  /** Conductance of each local cell, [rows][cols], conductance LSBs. */
  g: number[][];
  /** Layer outputs of the weight columns o = 0..Wc−1 of this tile (−1: no output). */
  outputs: number[];
}

/**
 * Subarray (rt, ct) of a layer. Throws DataError when the mapping needs something the
 * tile cannot hold: a row mapped into another row tile, a conversion unit the tile does
 * not have, a coefficient that is not a signed power of two within the table, more terms
 * per weight column than the table holds, or a digital correction matrix (PytorX), which
 * the tile does not implement. MT's column offsets (`m.columnOffset`) are not a tile's: they
 * are added with the layer's bias after the tiles' sums.
 *
 * `d` must be an MT build when the mapping is not the plain one (row map, terms and the
 * input-sum term are MT tables).
 */
export function tileFromMapping(d: Design, m: LayerMapping, conductance: Int32Array, rt: number, ct: number): TileContent {
  const L = m.layout;
  if (L.rows !== d.rows || L.cols !== d.cols) throw new DataError(`the layer is laid out on ${L.rows}x${L.cols} subarrays, the tile is ${d.rows}x${d.cols}`, m.name);
  if (rt < 0 || rt >= L.rowTiles || ct < 0 || ct >= L.colTiles) throw new DataError(`tile (${rt}, ${ct}) outside ${L.rowTiles}x${L.colTiles}`, m.name);
  const where = `${m.name} tile (${rt}, ${ct})`;
  if (m.correction) throw new DataError('the mapping has a digital correction matrix (PytorX); the RTL tile does not implement it', where);
  if (L.parts > 1) throw new DataError(`the mapping splits every weight over ${L.parts} weight columns (Zhang's value-range reduction); the RTL tile holds one weight column per output`, where);

  const g = Array.from({ length: d.rows }, (_, p) =>
    Array.from({ length: d.cols }, (_, j) => conductance[(rt * d.rows + p) * L.physCols + ct * d.cols + j]!),
  );

  const rowMap: number[] = [];
  for (let i = 0; i < d.rows && rt * d.rows + i < L.R; i++) {
    const local = m.rowMap[rt * d.rows + i]! - rt * d.rows;
    if (local < 0 || local >= d.rows) throw new DataError(`logical row ${rt * d.rows + i} is mapped outside its row tile`, where);
    rowMap.push(local);
  }

  // Local unit of a layer unit: the tile unit reading the same column(s).
  const key = (pos: number, neg: number) => `${pos}:${neg}`;
  const localUnit = new Map(d.units.map((u, i) => [key(u.pos, u.neg), i]));
  const base = ct * d.cols;
  const terms: Term[][] = [];
  const inputSum: number[] = [];
  const outputs: number[] = [];
  for (let j = 0; j < d.weightCols; j++) {
    const o = ct * d.weightCols + j;
    const list: Term[] = [];
    if (o < L.C) {
      const t = rt * L.C + o;
      for (let e = m.terms.start[t]!; e < m.terms.start[t + 1]!; e++) {
        const u = m.terms.unit[e]!;
        const pos = m.units.pos[u]! - base;
        const neg = m.units.neg[u]! >= 0 ? m.units.neg[u]! - base : -1;
        const unit = localUnit.get(key(pos, neg));
        if (unit === undefined) throw new DataError(`output ${o} uses conversion unit ${u} (columns ${m.units.pos[u]}, ${m.units.neg[u]}), which this tile does not have`, where);
        const coef = m.terms.coef[e]!;
        const shift = Math.log2(Math.abs(coef));
        if (!Number.isInteger(shift)) throw new DataError(`output ${o}: coefficient ${coef} is not a signed power of two`, where);
        list.push({ unit, shift, neg: coef < 0 });
      }
      if (list.length > d.termsPerWeight) throw new DataError(`output ${o} has ${list.length} terms; the table holds ${d.termsPerWeight}`, where);
    }
    terms.push(list);
    const c = o < L.C && m.inputSum ? m.inputSum[rt * L.C + o]! : 0;
    if (c !== 0 && !d.inputSumSlot) throw new DataError(`output ${o} has an input-sum term; this tile was built without MT`, where);
    inputSum.push(c);
    outputs.push(o < L.C ? o : -1);
  }
  return { g, rowMap, terms, inputSum, outputs };
}

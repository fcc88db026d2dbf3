/**
 * Where a layer's weights sit on crossbar subarrays (docs/model.md §1–2): tiling,
 * bit slicing, the signed-weight scheme, and the digital recombination terms.
 *
 * A `LayerMapping` is the complete, engine-neutral description of a programmed layer:
 * a level per physical cell, a row map and per-output recombination terms. Mitigations
 * (MT, docs/mt.md) produce other mappings of the same shape; engines and the RTL only
 * ever read these tables.
 */
import type { Config } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';
import type { QuantLayer } from '../nn/quant.ts';

export interface Layout {
  /** Logical matrix: R rows (inputs) × C columns (outputs). */
  R: number;
  C: number;
  rows: number;
  cols: number;
  /** Slices per weight (per side for differential). */
  S: number;
  /** Weight columns per subarray. */
  Wc: number;
  rowTiles: number;
  colTiles: number;
  physRows: number;
  physCols: number;
  parallelRead: number;
  groupsPerTile: number;
  cellBits: number;
  weightBits: number;
  scheme: Config['tile']['signedScheme'];
}

export function layerLayout(R: number, C: number, cfg: Pick<Config, 'tile' | 'quant'>, where = 'layer'): Layout {
  const { rows, cols, cellBits, parallelRead, signedScheme } = cfg.tile;
  const b = cfg.quant.weightBits;
  const S = signedScheme === 'offset' ? Math.ceil(b / cellBits) : Math.ceil((b - 1) / cellBits);
  const Wc = signedScheme === 'offset' ? Math.floor(cols / S) - 1 : Math.floor(cols / (2 * S));
  if (Wc < 1) {
    throw new ConfigError(
      `a subarray of ${cols} columns cannot hold one ${signedScheme} weight of ${S} slices (${signedScheme === 'offset' ? `needs ${2 * S}: S weight + S reference` : `needs ${2 * S}: S per side`})`,
      `tile.cols (${where})`,
    );
  }
  const rowTiles = Math.ceil(R / rows);
  const colTiles = Math.ceil(C / Wc);
  return {
    R, C, rows, cols, S, Wc, rowTiles, colTiles,
    physRows: rowTiles * rows,
    physCols: colTiles * cols,
    parallelRead,
    groupsPerTile: Math.ceil(rows / parallelRead),
    cellBits,
    weightBits: b,
    scheme: signedScheme,
  };
}

/**
 * ADC conversion units: what one ADC conversion reads. A single-ended unit reads one
 * physical column; a differential unit reads the current difference of a column pair
 * (G+ − G−, subtracted in the analog domain before the ADC).
 */
export interface Units {
  pos: Int32Array; // physical column (global in the layer's physical array)
  neg: Int32Array; // paired column of a differential unit, −1 for single-ended
  /** Slice index of the unit: the self-ranging ADC shares one range per slice. */
  slice: Int8Array;
}

/** Recombination terms in CSR form, indexed by t = rowTile·C + output. */
export interface Terms {
  start: Int32Array; // length rowTiles·C + 1
  unit: Int32Array; // conversion unit
  coef: Int32Array; // signed power of two
}

export interface LayerMapping {
  name: string;
  q: QuantLayer;
  layout: Layout;
  /** Level of each physical cell, row-major [physRows][physCols]. */
  levels: Uint8Array;
  /** Logical row r → physical row (global). */
  rowMap: Int32Array;
  units: Units;
  terms: Terms;
}

/** Physical column of weight column `o`, slice `s`, side 0 (offset / G+) or 1 (G−). */
export function weightColumn(L: Layout, o: number, s: number, side: 0 | 1): number {
  const ct = Math.floor(o / L.Wc);
  const j = o % L.Wc;
  const local = L.scheme === 'offset' ? j * L.S + s : j * 2 * L.S + side * L.S + s;
  return ct * L.cols + local;
}

/** Physical column of the reference column's slice `s` in column tile `ct` (offset scheme). */
export function referenceColumn(L: Layout, ct: number, s: number): number {
  return ct * L.cols + L.Wc * L.S + s;
}

/** Level of slice s of an unsigned value. */
export function sliceLevel(X: number, s: number, cellBits: number): number {
  return Math.floor(X / 2 ** (s * cellBits)) % 2 ** cellBits;
}

/** The plain mapping of docs/model.md §2 (no mitigation). */
export function plainMapping(q: QuantLayer, cfg: Pick<Config, 'tile' | 'quant'>): LayerMapping {
  const L = layerLayout(q.rows, q.cols, cfg, `layer "${q.layer.name}"`);
  const { R, C, S, physCols, cellBits } = L;
  const b = L.weightBits;
  const levels = new Uint8Array(L.physRows * physCols);
  const offset = 2 ** (b - 1);
  for (let r = 0; r < R; r++) {
    const rowBase = r * physCols;
    for (let o = 0; o < C; o++) {
      const w = q.qWeight[o * R + r]!;
      for (let s = 0; s < S; s++) {
        if (L.scheme === 'offset') {
          levels[rowBase + weightColumn(L, o, s, 0)] = sliceLevel(w + offset, s, cellBits);
        } else {
          levels[rowBase + weightColumn(L, o, s, 0)] = sliceLevel(Math.max(w, 0), s, cellBits);
          levels[rowBase + weightColumn(L, o, s, 1)] = sliceLevel(Math.max(-w, 0), s, cellBits);
        }
      }
    }
    if (L.scheme === 'offset') {
      for (let ct = 0; ct < L.colTiles; ct++) {
        for (let s = 0; s < S; s++) levels[rowBase + referenceColumn(L, ct, s)] = sliceLevel(offset, s, cellBits);
      }
    }
  }
  const rowMap = Int32Array.from({ length: R }, (_, r) => r);
  const units = plainUnits(L);
  // Terms: the same recombination in every row tile. Unit indices: see plainUnits.
  const perOut = L.scheme === 'offset' ? 2 * S : S;
  const start = new Int32Array(L.rowTiles * C + 1);
  const unit = new Int32Array(L.rowTiles * C * perOut);
  const coef = new Int32Array(L.rowTiles * C * perOut);
  let n = 0;
  for (let rt = 0; rt < L.rowTiles; rt++) {
    for (let o = 0; o < C; o++) {
      start[rt * C + o] = n;
      for (let s = 0; s < S; s++) {
        const sig = 2 ** (s * cellBits);
        unit[n] = o * S + s;
        coef[n++] = sig;
        if (L.scheme === 'offset') {
          unit[n] = C * S + Math.floor(o / L.Wc) * S + s;
          coef[n++] = -sig;
        }
      }
    }
  }
  start[L.rowTiles * C] = n;
  return { name: q.layer.name, q, layout: L, levels, rowMap, units, terms: { start, unit, coef } };
}

/**
 * Conversion units of the plain layout: unit o·S + s reads weight column o, slice s
 * (offset: its column; differential: its G+/G− pair); for offset, unit C·S + ct·S + s
 * reads the reference column of column tile ct, slice s.
 */
export function plainUnits(L: Layout): Units {
  const n = L.C * L.S + (L.scheme === 'offset' ? L.colTiles * L.S : 0);
  const pos = new Int32Array(n);
  const neg = new Int32Array(n).fill(-1);
  const slice = new Int8Array(n);
  for (let o = 0; o < L.C; o++) {
    for (let s = 0; s < L.S; s++) {
      pos[o * L.S + s] = weightColumn(L, o, s, 0);
      if (L.scheme === 'differential') neg[o * L.S + s] = weightColumn(L, o, s, 1);
      slice[o * L.S + s] = s;
    }
  }
  if (L.scheme === 'offset') {
    for (let ct = 0; ct < L.colTiles; ct++) {
      for (let s = 0; s < L.S; s++) {
        pos[L.C * L.S + ct * L.S + s] = referenceColumn(L, ct, s);
        slice[L.C * L.S + ct * L.S + s] = s;
      }
    }
  }
  return { pos, neg, slice };
}

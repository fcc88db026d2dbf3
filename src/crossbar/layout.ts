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
  /**
   * Digital input-sum term, or null: mvm[o] += inputSum[rt·C + o] · Σ_{r in row tile rt} x[r]
   * (exact, computed from the input register; used by polarity inversion, docs/mt.md).
   */
  inputSum: Int32Array | null;
  /**
   * Digital correction weights [o·R + r], or null: acc += Σ_r correction·x_r, computed exactly
   * beside the array (PytorX-style oracle compensation of stuck cells, docs/mt.md).
   */
  correction?: Int32Array | null;
  /**
   * Digital output offset per weight column o, or null: acc[o] += columnOffset[o] for every
   * output (an integer, folded into the layer's bias register, which the digital periphery
   * adds after the matrix product anyway; MT's mean-error correction, docs/mt.md).
   */
  columnOffset?: Int32Array | null;
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
  return (X >>> (s * cellBits)) & ((1 << cellBits) - 1); // X < 2^weightBits ≤ 2^16
}

/**
 * What a mitigation may choose about a layer's mapping (docs/mt.md); `plainPlan` is the
 * mapping of docs/model.md §2. Every choice is a table the RTL holds: the row remap table,
 * per-subarray zero points (reference column contents), per-column polarity flags, and the
 * cell contents themselves.
 */
export interface MappingPlan {
  /** Logical row r → physical row, a permutation within r's row tile. */
  rowMap: Int32Array;
  /** offset: zero point z per subarray [rt·colTiles + ct]: X = w + z, the reference column stores z. */
  zero: Int32Array;
  /**
   * 1 = the column of output o in row tile rt is flipped [rt·C + o]. offset: it stores the
   * complement 2^b − 1 − X; differential: its G+ and G− columns are swapped. Terms are negated.
   */
  inverted: Uint8Array;
  /**
   * differential: the stored pair (X+, X−) of weight [o·R + r]; null = plain (max(w,0), max(−w,0)).
   * Where cells are stuck the pair need not satisfy X+ − X− = w: a mitigation may store the pair
   * whose stuck cells read nearest w (mt-map, docs/mt.md); without stuck cells mt-map still
   * stores a pair with X+ − X− = w.
   */
  pairPos: Int32Array | null;
  pairNeg: Int32Array | null;
  /**
   * offset: the stored value X of weight [o·R + r], overriding `offsetStored(w, z, inverted)`;
   * null = that. The computed weight stays eff(X) − eff(Ref) (plain column) or
   * −(eff(X) − eff(Ref)) + 2^b − 1 − 2z (flipped column), z = `zero` of the subarray.
   */
  stored: Int32Array | null;
  /** offset: the reference column's stored value for logical row r, column tile ct [r·colTiles + ct], overriding z; null = z. */
  refStored: Int32Array | null;
  /** Per weight column o, an integer added to every output digitally (LayerMapping.columnOffset); null = none. */
  columnOffset?: Int32Array | null;
}

export function plainPlan(L: Layout): MappingPlan {
  return {
    rowMap: Int32Array.from({ length: L.R }, (_, r) => r),
    zero: new Int32Array(L.rowTiles * L.colTiles).fill(2 ** (L.weightBits - 1)),
    inverted: new Uint8Array(L.rowTiles * L.C),
    pairPos: null,
    pairNeg: null,
    stored: null,
    refStored: null,
  };
}

/** The plain mapping of docs/model.md §2 (no mitigation). */
export function plainMapping(q: QuantLayer, cfg: Pick<Config, 'tile' | 'quant'>): LayerMapping {
  const L = layerLayout(q.rows, q.cols, cfg, `layer "${q.layer.name}"`);
  return buildMapping(q, L, plainPlan(L));
}

/** Stored unsigned value of weight w in the offset scheme under a plan. */
export function offsetStored(w: number, z: number, inverted: boolean, weightBits: number): number {
  const X = w + z;
  return inverted ? 2 ** weightBits - 1 - X : X;
}

/**
 * The mapping a plan describes. Offset scheme, output o of row tile rt with zero point z:
 * plain: w = X − z → terms +2^s·unit(o,s) − 2^s·ref(s);
 * inverted (X' = 2^b − 1 − X): w = −(X' − z) + (2^b − 1 − 2z) → terms −2^s·unit(o,s) + 2^s·ref(s)
 * and the digital input-sum term (2^b − 1 − 2z)·Σ_r x_r over the tile's rows. With
 * `plan.stored` / `plan.refStored` the weight and reference cells hold those values instead
 * (the terms are the same). Every stored value must be an integer in range.
 */
export function buildMapping(q: QuantLayer, L: Layout, plan: MappingPlan): LayerMapping {
  const { R, C, S, physCols, cellBits } = L;
  const b = L.weightBits;
  const pairTop = 2 ** (S * cellBits);
  const sized = (name: string, a: Int32Array | null, n: number) => {
    if (a && a.length !== n) throw new RangeError(`plan.${name} has ${a.length} entries, the layer needs ${n}`);
  };
  sized('pairPos', plan.pairPos, R * C);
  sized('pairNeg', plan.pairNeg, R * C);
  sized('stored', plan.stored, R * C);
  sized('refStored', plan.refStored, R * L.colTiles);
  sized('columnOffset', plan.columnOffset ?? null, C);
  const inRange = (X: number, top: number) => Number.isInteger(X) && X >= 0 && X < top;
  const levels = new Uint8Array(L.physRows * physCols);
  for (let r = 0; r < R; r++) {
    const rt = Math.floor(r / L.rows);
    const pr = plan.rowMap[r]!;
    if (Math.floor(pr / L.rows) !== rt) throw new RangeError(`row map sends row ${r} (tile ${rt}) to physical row ${pr} of another tile`);
    const rowBase = pr * physCols;
    for (let o = 0; o < C; o++) {
      const w = q.qWeight[o * R + r]!;
      // Slices of one weight sit in consecutive physical columns (weightColumn(L, o, s, side) = base + s).
      if (L.scheme === 'offset') {
        let X: number;
        if (plan.stored) {
          X = plan.stored[o * R + r]!;
          if (!inRange(X, 2 ** b)) throw new RangeError(`stored value ${X} of weight ${w} (output ${o}, row ${r}) is not an integer in [0, 2^${b})`);
        } else {
          X = offsetStored(w, plan.zero[rt * L.colTiles + Math.floor(o / L.Wc)]!, plan.inverted[rt * C + o] === 1, b);
          if (!inRange(X, 2 ** b)) throw new RangeError(`weight ${w} of output ${o}, row ${r} does not fit its zero point`);
        }
        const base = rowBase + weightColumn(L, o, 0, 0);
        for (let s = 0; s < S; s++) levels[base + s] = sliceLevel(X, s, cellBits);
      } else {
        const xp = plan.pairPos ? plan.pairPos[o * R + r]! : Math.max(w, 0);
        const xn = plan.pairNeg ? plan.pairNeg[o * R + r]! : Math.max(-w, 0);
        if (!inRange(xp, pairTop) || !inRange(xn, pairTop)) throw new RangeError(`pair (${xp}, ${xn}) of weight ${w} (output ${o}, row ${r}) is not two integers in [0, 2^${S * cellBits})`);
        // A flipped column holds the pair the other way round; its terms are negated.
        const flip = plan.inverted[rt * C + o] === 1 ? 1 : 0;
        const basePos = rowBase + weightColumn(L, o, 0, flip);
        const baseNeg = rowBase + weightColumn(L, o, 0, (1 - flip) as 0 | 1);
        for (let s = 0; s < S; s++) {
          levels[basePos + s] = sliceLevel(xp, s, cellBits);
          levels[baseNeg + s] = sliceLevel(xn, s, cellBits);
        }
      }
    }
    if (L.scheme === 'offset') {
      for (let ct = 0; ct < L.colTiles; ct++) {
        const z = plan.refStored ? plan.refStored[r * L.colTiles + ct]! : plan.zero[rt * L.colTiles + ct]!;
        if (!inRange(z, 2 ** b)) throw new RangeError(`reference value ${z} of row ${r}, column tile ${ct} is not an integer in [0, 2^${b})`);
        for (let s = 0; s < S; s++) levels[rowBase + referenceColumn(L, ct, s)] = sliceLevel(z, s, cellBits);
      }
    }
  }
  const units = plainUnits(L);
  const perOut = L.scheme === 'offset' ? 2 * S : S;
  const start = new Int32Array(L.rowTiles * C + 1);
  const unit = new Int32Array(L.rowTiles * C * perOut);
  const coef = new Int32Array(L.rowTiles * C * perOut);
  let inputSum: Int32Array | null = null;
  let n = 0;
  for (let rt = 0; rt < L.rowTiles; rt++) {
    for (let o = 0; o < C; o++) {
      const t = rt * C + o;
      start[t] = n;
      const inv = plan.inverted[t] === 1;
      const sign = inv ? -1 : 1;
      for (let s = 0; s < S; s++) {
        const sig = 2 ** (s * cellBits);
        unit[n] = o * S + s;
        coef[n++] = sign * sig;
        if (L.scheme === 'offset') {
          unit[n] = C * S + Math.floor(o / L.Wc) * S + s;
          coef[n++] = -sign * sig;
        }
      }
      if (inv && L.scheme === 'offset') {
        inputSum ??= new Int32Array(L.rowTiles * C);
        inputSum[t] = 2 ** b - 1 - 2 * plan.zero[rt * L.colTiles + Math.floor(o / L.Wc)]!;
      }
    }
  }
  start[L.rowTiles * C] = n;
  return { name: q.layer.name, q, layout: L, levels, rowMap: plan.rowMap, units, terms: { start, unit, coef }, inputSum, correction: null, columnOffset: plan.columnOffset ?? null };
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

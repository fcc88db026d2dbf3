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
  /** Slices per weight column (per side for differential): per part when `parts` > 1. */
  S: number;
  /** Weight columns per subarray. */
  Wc: number;
  /**
   * Weight columns per output: 1, or k for Zhang et al.'s value-range reduction (docs/mt.md),
   * which splits every stored value evenly into k parts of fewer slices, added by the shift-add.
   */
  parts: number;
  /** Outputs per column tile: ⌊Wc / parts⌋ (each output's parts sit in one subarray). */
  outputsPerTile: number;
  /**
   * Largest value one part holds: ⌈(2^bits − 1) / parts⌉, bits = weightBits (offset) or
   * weightBits − 1 (differential magnitude). With one part, the plain value range.
   */
  partTop: number;
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

/**
 * Weight columns per output for a config: `mitigation.valueRangeParts` when the mitigation is
 * Zhang et al.'s (their value-range reduction, docs/mt.md), else 1. The fault map covers the
 * array this layout describes, so it depends on the mitigation too.
 */
export function weightParts(cfg: { mitigation?: Pick<Config['mitigation'], 'method' | 'valueRangeParts'> }): number {
  return cfg.mitigation?.method === 'zhang' ? cfg.mitigation.valueRangeParts : 1;
}

/** What a layout depends on in a config. */
export interface LayoutConfig {
  tile: Pick<Config['tile'], 'rows' | 'cols' | 'cellBits' | 'parallelRead' | 'signedScheme'>;
  quant: Pick<Config['quant'], 'weightBits'>;
}

export function layerLayout(R: number, C: number, cfg: LayoutConfig, where = 'layer', parts = 1): Layout {
  const { rows, cols, cellBits, parallelRead, signedScheme } = cfg.tile;
  const b = cfg.quant.weightBits;
  if (!Number.isInteger(parts) || parts < 1) throw new RangeError(`parts must be a positive integer, not ${parts}`);
  // The fewest slices whose `parts` columns together hold the largest value: 2^bits − 1.
  const bits = signedScheme === 'offset' ? b : b - 1;
  const partTop = Math.ceil((2 ** bits - 1) / parts);
  let S = 1;
  while (2 ** (S * cellBits) - 1 < partTop) S++;
  const Wc = signedScheme === 'offset' ? Math.floor(cols / S) - parts : Math.floor(cols / (2 * S));
  const outputsPerTile = Math.floor(Wc / parts);
  if (outputsPerTile < 1) {
    const split = parts > 1 ? `, split into ${parts} parts (mitigation.valueRangeParts)` : '';
    throw new ConfigError(
      `a subarray of ${cols} columns cannot hold one ${signedScheme} weight of ${S} slices${split} (${signedScheme === 'offset' ? `needs ${2 * parts * S}: S weight + S reference per part` : `needs ${2 * parts * S}: S per side and part`})`,
      `tile.cols (${where})`,
    );
  }
  const rowTiles = Math.ceil(R / rows);
  const colTiles = Math.ceil(C / outputsPerTile);
  return {
    R, C, rows, cols, S, Wc, parts, outputsPerTile, partTop, rowTiles, colTiles,
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
   * Digital offset per output o, or null: acc[o] += columnOffset[o] for every patch (an
   * integer, folded into the layer's bias register, which the digital periphery
   * adds after the matrix product anyway; MT's mean-error correction, docs/mt.md).
   */
  columnOffset?: Int32Array | null;
  /**
   * offset scheme: the zero point z of each subarray [rt·colTiles + ct] (`MappingPlan.zero`: X = w + z,
   * the reference column stores z; a flipped column's input-sum coefficient is 2^b − 1 − 2z); null
   * for differential or when unknown. Informative: engines read the levels and terms, not this.
   */
  zero?: Int32Array | null;
}

/**
 * Physical column of output `o`, part `part`, slice `s`, side 0 (offset / G+) or 1 (G−). The
 * parts of an output are consecutive weight columns of one subarray.
 */
export function weightColumn(L: Layout, o: number, s: number, side: 0 | 1, part = 0): number {
  const ct = Math.floor(o / L.outputsPerTile);
  const j = (o % L.outputsPerTile) * L.parts + part;
  const local = L.scheme === 'offset' ? j * L.S + s : j * 2 * L.S + side * L.S + s;
  return ct * L.cols + local;
}

/** Physical column of slice `s` of the reference column (part `part`) in column tile `ct` (offset scheme). */
export function referenceColumn(L: Layout, ct: number, s: number, part = 0): number {
  return ct * L.cols + (L.Wc + part) * L.S + s;
}

/**
 * What part `part` of the cells holding value X stores: X split evenly into `L.parts` parts (the
 * first X mod k parts one larger), reflected in the part range (P − X_j, P = `L.partTop`) for an
 * inverted offset column. One part: X itself, or its complement 2^b − 1 − X.
 */
export function storedPart(L: Layout, X: number, part: number, reflect: boolean): number {
  const Xj = Math.floor(X / L.parts) + (part < X % L.parts ? 1 : 0);
  return reflect ? L.partTop - Xj : Xj;
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
   * 1 = the column(s) of output o in row tile rt are flipped [rt·C + o]. offset: they store the
   * complement 2^b − 1 − X (each part reflected, with several parts: buildMapping);
   * differential: G+ and G− columns are swapped. Terms are negated.
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
  /** Per output o, an integer added to every output digitally (LayerMapping.columnOffset); null = none. */
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
 * buildMapping's cells for the offset scheme with stored values and one part (levels zero on
 * entry), 64 rows at a time; false, with the cells unfinished, at the first row that leaves its
 * tile or value out of range (buildMapping's loop then writes them and throws its error).
 */
function storedBlocks(L: Layout, plan: MappingPlan, levels: Uint8Array): boolean {
  const { R, C, S, physCols, cellBits, rows, outputsPerTile, cols, Wc } = L;
  const stored = plan.stored!, refStored = plan.refStored!, rowMap = plan.rowMap;
  const top = 2 ** L.weightBits, mask = (1 << cellBits) - 1, colTiles = L.colTiles;
  const rowBase = new Int32Array(64);
  for (let r0 = 0; r0 < R; r0 += 64) {
    const n = Math.min(64, R - r0);
    for (let i = 0; i < n; i++) {
      const r = r0 + i, pr = rowMap[r]!;
      if (Math.floor(pr / rows) !== Math.floor(r / rows)) return false;
      rowBase[i] = pr * physCols;
      for (let ct = 0; ct < colTiles; ct++) {
        const z = refStored[r * colTiles + ct]!;
        if (!(Number.isInteger(z) && z >= 0 && z < top)) return false;
        const base = rowBase[i]! + ct * cols + Wc * S; // referenceColumn(L, ct, 0, 0)
        for (let s = 0; s < S; s++) levels[base + s] = (z >>> (s * cellBits)) & mask;
      }
    }
    for (let o = 0; o < C; o++) {
      const col = Math.floor(o / outputsPerTile) * cols + (o % outputsPerTile) * S; // weightColumn(L, o, 0, 0, 0)
      const at = o * R + r0;
      for (let i = 0; i < n; i++) {
        const X = stored[at + i]!;
        if (!(Number.isInteger(X) && X >= 0 && X < top)) return false;
        const base = rowBase[i]! + col;
        for (let s = 0; s < S; s++) levels[base + s] = (X >>> (s * cellBits)) & mask;
      }
    }
  }
  return true;
}

/**
 * The mapping a plan describes. Offset scheme, output o of row tile rt with zero point z:
 * plain: w = X − z → terms +2^s·unit(o,s) − 2^s·ref(s);
 * inverted (X' = 2^b − 1 − X): w = −(X' − z) + (2^b − 1 − 2z) → terms −2^s·unit(o,s) + 2^s·ref(s)
 * and the digital input-sum term (2^b − 1 − 2z)·Σ_r x_r over the tile's rows. With
 * `plan.stored` / `plan.refStored` the weight and reference cells hold those values instead
 * (the terms are the same). Every stored value must be an integer in range.
 *
 * With `L.parts` = k > 1 (value-range reduction) every stored value — X, the reference z, or a
 * differential pair's X+ and X− — is split evenly into k parts (`storedPart`), each in its own
 * weight column, and the terms sum all parts. An inverted offset column stores each part
 * reflected in the part range, P − X_j (P = `L.partTop`), so Σ_j X'_j = kP − X and the input-sum
 * term is kP − 2z; with k = 1, P = 2^b − 1 and this is the rule above.
 */
export function buildMapping(q: QuantLayer, L: Layout, plan: MappingPlan): LayerMapping {
  const { R, C, S, physCols, cellBits, parts } = L;
  const b = L.weightBits;
  const pairTop = parts * (2 ** (S * cellBits) - 1) + 1;
  const sized = (name: string, a: Int32Array | null, n: number) => {
    if (a && a.length !== n) throw new RangeError(`plan.${name} has ${a.length} entries, the layer needs ${n}`);
  };
  sized('pairPos', plan.pairPos, R * C);
  sized('pairNeg', plan.pairNeg, R * C);
  sized('stored', plan.stored, R * C);
  sized('refStored', plan.refStored, R * L.colTiles);
  sized('columnOffset', plan.columnOffset ?? null, C);
  if (parts > 1 && (plan.stored || plan.refStored)) throw new RangeError('plan.stored and plan.refStored need a layout with one part per weight');
  const inRange = (X: number, top: number) => Number.isInteger(X) && X >= 0 && X < top;
  const levels = new Uint8Array(L.physRows * physCols);
  // Slices of one weight part sit in consecutive physical columns (weightColumn(L, o, s, side, j) = base + s).
  const put = (rowBase: number, col0: (j: number) => number, X: number, reflect: boolean) => {
    for (let j = 0; j < parts; j++) {
      const Xj = storedPart(L, X, j, reflect);
      const base = rowBase + col0(j);
      for (let s = 0; s < S; s++) levels[base + s] = sliceLevel(Xj, s, cellBits);
    }
  };
  // MT-map's case (offset scheme, stored values, one part) in blocks of 64 rows, outputs inside:
  // plan.stored is read along its rows ([o·R + r]) instead of across them (a stride of R values
  // per weight), the block's cells stay in the cache. Any value it cannot place leaves it to the
  // loop below, which writes the same cells and throws the same first error.
  const fast = L.scheme === 'offset' && parts === 1 && !!plan.stored && !!plan.refStored && storedBlocks(L, plan, levels);
  for (let r = fast ? R : 0; r < R; r++) {
    const rt = Math.floor(r / L.rows);
    const pr = plan.rowMap[r]!;
    if (Math.floor(pr / L.rows) !== rt) throw new RangeError(`row map sends row ${r} (tile ${rt}) to physical row ${pr} of another tile`);
    const rowBase = pr * physCols;
    for (let o = 0; o < C; o++) {
      const w = q.qWeight[o * R + r]!;
      const inv = plan.inverted[rt * C + o] === 1;
      if (L.scheme === 'offset') {
        let X: number;
        if (plan.stored) {
          X = plan.stored[o * R + r]!;
          if (!inRange(X, 2 ** b)) throw new RangeError(`stored value ${X} of weight ${w} (output ${o}, row ${r}) is not an integer in [0, 2^${b})`);
        } else {
          X = offsetStored(w, plan.zero[rt * L.colTiles + Math.floor(o / L.outputsPerTile)]!, false, b);
          if (!inRange(X, 2 ** b)) throw new RangeError(`weight ${w} of output ${o}, row ${r} does not fit its zero point`);
        }
        // plan.stored is what the cells hold; otherwise an inverted column stores X reflected.
        put(rowBase, (j) => weightColumn(L, o, 0, 0, j), X, inv && !plan.stored);
      } else {
        const xp = plan.pairPos ? plan.pairPos[o * R + r]! : Math.max(w, 0);
        const xn = plan.pairNeg ? plan.pairNeg[o * R + r]! : Math.max(-w, 0);
        if (!inRange(xp, pairTop) || !inRange(xn, pairTop)) throw new RangeError(`pair (${xp}, ${xn}) of weight ${w} (output ${o}, row ${r}) is not two integers in [0, ${parts === 1 ? `2^${S * cellBits}` : pairTop})`);
        // A flipped column holds the pair the other way round; its terms are negated.
        const flip = inv ? 1 : 0;
        put(rowBase, (j) => weightColumn(L, o, 0, flip, j), xp, false);
        put(rowBase, (j) => weightColumn(L, o, 0, (1 - flip) as 0 | 1, j), xn, false);
      }
    }
    if (L.scheme === 'offset') {
      for (let ct = 0; ct < L.colTiles; ct++) {
        const z = plan.refStored ? plan.refStored[r * L.colTiles + ct]! : plan.zero[rt * L.colTiles + ct]!;
        if (!inRange(z, 2 ** b)) throw new RangeError(`reference value ${z} of row ${r}, column tile ${ct} is not an integer in [0, 2^${b})`);
        put(rowBase, (j) => referenceColumn(L, ct, 0, j), z, false);
      }
    }
  }
  const units = plainUnits(L);
  const perOut = (L.scheme === 'offset' ? 2 : 1) * parts * S;
  const start = new Int32Array(L.rowTiles * C + 1);
  const unit = new Int32Array(L.rowTiles * C * perOut);
  const coef = new Int32Array(L.rowTiles * C * perOut);
  let inputSum: Int32Array | null = null;
  let n = 0;
  for (let rt = 0; rt < L.rowTiles; rt++) {
    for (let o = 0; o < C; o++) {
      const t = rt * C + o;
      const ct = Math.floor(o / L.outputsPerTile);
      start[t] = n;
      const inv = plan.inverted[t] === 1;
      const sign = inv ? -1 : 1;
      for (let j = 0; j < parts; j++) {
        for (let s = 0; s < S; s++) {
          const sig = 2 ** (s * cellBits);
          unit[n] = (o * parts + j) * S + s;
          coef[n++] = sign * sig;
          if (L.scheme === 'offset') {
            unit[n] = (C + ct) * parts * S + j * S + s;
            coef[n++] = -sign * sig;
          }
        }
      }
      if (inv && L.scheme === 'offset') {
        inputSum ??= new Int32Array(L.rowTiles * C);
        inputSum[t] = parts * L.partTop - 2 * plan.zero[rt * L.colTiles + ct]!;
      }
    }
  }
  start[L.rowTiles * C] = n;
  return { name: q.layer.name, q, layout: L, levels, rowMap: plan.rowMap, units, terms: { start, unit, coef }, inputSum, correction: null, columnOffset: plan.columnOffset ?? null, zero: L.scheme === 'offset' ? plan.zero : null };
}

/**
 * Conversion units of the plain layout: unit (o·k + j)·S + s reads output o's part j, slice s
 * (offset: its column; differential: its G+/G− pair; k = L.parts); for offset, unit
 * (C + ct)·k·S + j·S + s reads part j, slice s of the reference column of column tile ct.
 */
export function plainUnits(L: Layout): Units {
  const k = L.parts;
  const n = (L.C + (L.scheme === 'offset' ? L.colTiles : 0)) * k * L.S;
  const pos = new Int32Array(n);
  const neg = new Int32Array(n).fill(-1);
  const slice = new Int8Array(n);
  for (let o = 0; o < L.C; o++) {
    for (let j = 0; j < k; j++) {
      for (let s = 0; s < L.S; s++) {
        const u = (o * k + j) * L.S + s;
        pos[u] = weightColumn(L, o, s, 0, j);
        if (L.scheme === 'differential') neg[u] = weightColumn(L, o, s, 1, j);
        slice[u] = s;
      }
    }
  }
  if (L.scheme === 'offset') {
    for (let ct = 0; ct < L.colTiles; ct++) {
      for (let j = 0; j < k; j++) {
        for (let s = 0; s < L.S; s++) {
          const u = (L.C + ct) * k * L.S + j * L.S + s;
          pos[u] = referenceColumn(L, ct, s, j);
          slice[u] = s;
        }
      }
    }
  }
  return { pos, neg, slice };
}

/**
 * Structured pruning on the array (ADMM-NN, docs/train.md "ADMM pruning"): the unit pruned is a
 * row group, logical row r of the outputs of column tile ct (one physical row of every subarray
 * of that column tile). A row group whose weights are all exactly 0 is not mapped: the kept rows
 * of each column tile are packed into as few subarrays as hold them (the input of a kept row is
 * routed to its packed row, a table the row driver already holds for MT's row remap). Returns the
 * subarrays (row tiles) each column tile then needs, ⌈kept rows / rows⌉ (0 when no row is kept),
 * and the kept rows; null when no row group is all zero (the plain layout, `L.rowTiles` per column
 * tile). `weight` is the layer's matrix [o·R + r] (float or integer).
 */
export function prunedRowTiles(L: Pick<Layout, 'R' | 'C' | 'rows' | 'outputsPerTile' | 'colTiles'>, weight: ArrayLike<number>): { rowTiles: Int32Array; keptRows: Int32Array } | null {
  if (weight.length !== L.R * L.C) throw new RangeError(`weight has ${weight.length} entries, the layer ${L.R}×${L.C}`);
  const rowTiles = new Int32Array(L.colTiles);
  const keptRows = new Int32Array(L.colTiles);
  let pruned = false;
  for (let ct = 0; ct < L.colTiles; ct++) {
    const o1 = Math.min(L.C, (ct + 1) * L.outputsPerTile);
    let kept = 0;
    for (let r = 0; r < L.R; r++) {
      let any = false;
      for (let o = ct * L.outputsPerTile; o < o1 && !any; o++) any = weight[o * L.R + r] !== 0;
      if (any) kept++;
    }
    if (kept < L.R) pruned = true;
    keptRows[ct] = kept;
    rowTiles[ct] = Math.ceil(kept / L.rows);
  }
  return pruned ? { rowTiles, keptRows } : null;
}

/**
 * The break-even pruning ratio of a layer on the array (after ADMM-NN's definition, Ren et al.,
 * ASPLOS 2019, §5: the smallest pruning ratio of a layer that does not lose hardware performance;
 * on a crossbar what row pruning saves is whole subarrays): the smallest fraction p of each column
 * tile's row groups that, pruned, frees one subarray per column tile, i.e. leaves
 * R − ⌈pR⌉ ≤ (rowTiles − 1)·rows rows: p* = (R − (rowTiles − 1)·rows) / R. Below p* the layer
 * keeps every subarray (it saves no tile, no area, and no conversion); a layer of one row tile
 * has p* = 1 (only pruning all its rows frees its subarrays).
 */
export function breakEvenPruning(L: Pick<Layout, 'R' | 'rows' | 'rowTiles'>): number {
  return (L.R - (L.rowTiles - 1) * L.rows) / L.R;
}

/**
 * What the mitigation methods share: a weight's cells under stuck-at faults. A weight's cells
 * are described by stuck masks over its stored value's bits: `m` has all cellBits bits of
 * every stuck slice set, `v` those of SA1 slices; the value the cells actually hold is
 * `eff(X) = (X & ~m) | v` (an SA1 slice reads level L−1, SA0 level 0). Also: level sums (the
 * energy proxy), the expected error under i.i.d. faults, and the row permutation.
 */
import type { IrDropConfig } from '../config/schema.ts';
import type { ConductanceTable } from '../crossbar/device.ts';
import { loadFactors } from '../crossbar/irdrop.ts';
import { referenceColumn, weightColumn, type Layout } from '../crossbar/layout.ts';
import { SA0, SA1 } from '../crossbar/faults.ts';
import type { QuantLayer } from '../nn/quant.ts';
import type { RowActivity } from './row-activity.ts';

const STUCK0: number = SA0; // local copies: the hot loops read them per cell
const STUCK1: number = SA1;

/**
 * Stuck masks of the S slices at physical row `pr`, physical columns col0 + s (the slices of a
 * weight side or of a reference sit in consecutive columns: weightColumn / referenceColumn).
 */
export function stuckMasks(cells: Uint8Array, L: Layout, pr: number, col0: number): { m: number; v: number } {
  let m = 0;
  let v = 0;
  const ones = 2 ** L.cellBits - 1;
  const base = pr * L.physCols + col0;
  for (let s = 0; s < L.S; s++) {
    const f = cells[base + s];
    if (f === STUCK0 || f === STUCK1) {
      m |= ones << (s * L.cellBits);
      if (f === STUCK1) v |= ones << (s * L.cellBits);
    }
  }
  return { m, v };
}

export const eff = (X: number, m: number, v: number) => (X & ~m) | v;

/**
 * Every weight (input r, output o) of the plain mapping whose computed value a stuck cell can
 * change, in row-major order (r, then o). Offset: `a` holds the weight column's masks and `ref`
 * what its row's reference column reads (2^(b−1) when fault-free); a weight is visited when
 * either is hit. Differential: `a` and `b` hold the masks of the pair's G+ and G− cells.
 */
export function forEachStuckWeight(
  L: Layout,
  cells: Uint8Array,
  visit: (r: number, o: number, a: { m: number; v: number }, b: { m: number; v: number }, ref: number) => void,
): void {
  const z = 2 ** (L.weightBits - 1);
  const none = { m: 0, v: 0 };
  for (let r = 0; r < L.R; r++) {
    if (L.scheme === 'differential') {
      for (let o = 0; o < L.C; o++) {
        const p = stuckMasks(cells, L, r, weightColumn(L, o, 0, 0));
        const n = stuckMasks(cells, L, r, weightColumn(L, o, 0, 1));
        if (p.m !== 0 || n.m !== 0) visit(r, o, p, n, z);
      }
      continue;
    }
    const refRead = Array.from({ length: L.colTiles }, (_, ct) => {
      const c = stuckMasks(cells, L, r, referenceColumn(L, ct, 0));
      return eff(z, c.m, c.v);
    });
    for (let o = 0; o < L.C; o++) {
      const ref = refRead[Math.floor(o / L.outputsPerTile)]!;
      const c = stuckMasks(cells, L, r, weightColumn(L, o, 0, 0));
      if (c.m !== 0 || ref !== z) visit(r, o, c, none, ref);
    }
  }
}

/** Sum of the cell levels of a stored value (∝ its conductance above Gmin: the energy proxy). */
export function levelSum(X: number, L: Layout): number {
  return levelSums(L)[X]!;
}

const levelSumTables = new Map<number, Uint8Array>();

/** levelSums(L)[X]: level sum of every stored value X < 2^(S·cellBits) (a table, built once per width). */
export function levelSums(L: Layout): Uint8Array {
  const key = L.S * 16 + L.cellBits;
  let t = levelSumTables.get(key);
  if (!t) {
    const base = 2 ** L.cellBits;
    t = new Uint8Array(2 ** (L.S * L.cellBits));
    for (let X = 1; X < t.length; X++) t[X] = (X % base) + t[Math.floor(X / base)]!;
    levelSumTables.set(key, t);
  }
  return t;
}

/** Stuck cells per physical row of each row tile, over all used columns (weights and references). */
export function rowBadness(cells: Uint8Array, L: Layout): Int32Array {
  const bad = new Int32Array(L.physRows);
  const cols = L.physCols;
  // Four cells per step where rows start on a 4-byte boundary: each byte folded onto its lowest
  // bit (1 when the byte is non-zero), the four bits summed by a multiply.
  const words = cols % 4 === 0 && cells.byteOffset % 4 === 0 ? new Uint32Array(cells.buffer, cells.byteOffset, (L.physRows * cols) >> 2) : null;
  for (let pr = 0; pr < L.physRows; pr++) {
    let n = 0;
    if (words) {
      for (let w = (pr * cols) >> 2, end = w + (cols >> 2); w < end; w++) {
        let t = words[w]!;
        t |= t >>> 4;
        t |= t >>> 2;
        t = (t | (t >>> 1)) & 0x01010101;
        n += Math.imul(t, 0x01010101) >>> 24;
      }
    } else {
      for (let j = pr * cols, end = j + cols; j < end; j++) if (cells[j] !== 0) n++;
    }
    bad[pr] = n;
  }
  return bad;
}

/**
 * Row permutation within each row tile: logical rows in decreasing `importance` go to
 * physical rows in increasing stuck-cell count plus `penalty` of their local row (ties by
 * index). The row remap table.
 */
export function permuteRows(L: Layout, cells: Uint8Array, importance: Float64Array, penalty?: Float64Array): Int32Array {
  const bad: ArrayLike<number> = penalty ? Float64Array.from(rowBadness(cells, L), (n, pr) => n + penalty[pr % L.rows]!) : rowBadness(cells, L);
  const rowMap = new Int32Array(L.R);
  for (let rt = 0; rt < L.rowTiles; rt++) {
    const first = rt * L.rows;
    const logical = Array.from({ length: Math.min(L.rows, L.R - first) }, (_, i) => first + i);
    logical.sort((a, b) => importance[b]! - importance[a]! || a - b);
    const physical = Array.from({ length: L.rows }, (_, i) => first + i);
    physical.sort((a, b) => bad[a]! - bad[b]! || a - b);
    logical.forEach((r, i) => (rowMap[r] = physical[i]!));
  }
  return rowMap;
}

export interface FaultStats {
  /** Expected fraction of stuck cells. */
  rate: number;
  /** Expected SA1 share of stuck cells. */
  sa1Share: number;
}

/** E[e] and E[e²] of the error of a stored value X (sign ±1) under i.i.d. stuck cells. */
export function expectedError(X: number, L: Layout, f: FaultStats, sign: number): { mean: number; variance: number } {
  const Lmax = 2 ** L.cellBits - 1;
  let mean = 0;
  let variance = 0;
  for (let s = 0; s < L.S; s++) {
    const d = Math.floor(X / 2 ** (s * L.cellBits)) % 2 ** L.cellBits;
    const w = 2 ** (s * L.cellBits) * sign;
    const p1 = f.rate * f.sa1Share;
    const p0 = f.rate * (1 - f.sa1Share);
    const up = (Lmax - d) * w;
    const down = -d * w;
    const m = p1 * up + p0 * down;
    mean += m;
    variance += p1 * up * up + p0 * down * down - m * m;
  }
  return { mean, variance };
}

/** (bias + mean·e)² + variance·e²: the cost of a weight's error e in its column (docs/mt.md). */
export function errorCost(e: number, mean: number, variance: number, bias: number): number {
  const c = bias + mean * e;
  return c * c + variance * e * e;
}

/** What every method's plan is computed from. */
export interface PlanInput {
  q: QuantLayer;
  L: Layout;
  activity: RowActivity;
  /** The layer's fault map (map-aware methods only). */
  cells?: Uint8Array;
  stats: FaultStats;
  /** IR-drop penalty of each local physical row, in stuck-cell equivalents (irDropRowPenalty); mt-map's row permutation adds it. */
  rowPenalty?: Float64Array;
}

/**
 * The conductance each local row of a subarray loses to IR drop, in units of one stuck cell's
 * full-range error (Gmax − Gmin), estimated before the levels are known on a uniform array of
 * mean conductance ḡ = (Gmax + Gmin)/2 with the first-order model (docs/model.md §10):
 * penalty[i] = Σ_j ḡ·ρ[i][j]/(1 + ρ[i][j]) / (Gmax − Gmin). Rows nearer the sense amplifiers
 * (larger i) cross fewer column-wire segments and lose less.
 */
export function irDropRowPenalty(L: Layout, table: ConductanceTable, ir: IrDropConfig): Float64Array {
  const gMean = ((table.gMax + table.gMin) / 2) * table.lsbSiemens;
  const net = { rows: L.rows, cols: L.cols, g: new Float64Array(L.rows * L.cols).fill(gMean), wireRowOhm: ir.wireRowOhm, wireColOhm: ir.wireColOhm, driverOhm: ir.driverOhm, senseOhm: ir.senseOhm };
  const rho = loadFactors(net);
  const range = (table.gMax - table.gMin) * table.lsbSiemens;
  const out = new Float64Array(L.rows);
  for (let i = 0; i < L.rows; i++) {
    let lost = 0;
    for (let j = 0; j < L.cols; j++) lost += (gMean * rho[i * L.cols + j]!) / (1 + rho[i * L.cols + j]!);
    out[i] = lost / range;
  }
  return out;
}

/**
 * One subarray of a programmed layer as co-simulation vectors: what the behavioural
 * array holds (the cells' conductances, faults and non-linearity included), the register
 * writes that program the tile's tables (row map, terms, input-sum terms, ADC range),
 * the activation vectors (the layer's real patches, restricted to the tile's rows) and
 * the expected output words, from the reference model itself.
 *
 * Expected words: the tile emits, per vector, the partial sum T[o] of each of its Wc
 * weight columns (docs/rtl.md), i.e. docs/model.md §5.4's T restricted to the tile's row
 * tile rt. `crossbarMatmul` on the *whole* layer mapping with every input row outside row
 * tile rt set to 0 computes exactly that: the other row tiles' reads see no current, so
 * every numerator is 0 (rdiv(0, step) = 0 in every supported ADC mode), and their
 * input sums are 0. This does not go through `tileFromMapping`, so a wrong translation
 * of the mapping into tile tables shows up as a mismatch.
 */
import { UnsupportedError } from '../errors.ts';
import type { Layout } from '../crossbar/layout.ts';
import { addColumnOffsets, crossbarMatmul, readNoise, type Crossbar } from '../crossbar/reference.ts';
import type { Design } from '../rtl/design.ts';
import { tileFromMapping, type TileContent } from '../rtl/program.ts';
import { programWrites, type RegWrite } from '../rtl/tables.ts';

export interface TileRef {
  layerIndex: number;
  rt: number;
  ct: number;
}

export interface TileVectors extends TileRef {
  content: TileContent;
  /** Cell conductances [rows][cols], conductance LSBs. */
  g: number[][];
  regs: RegWrite[];
  /** Local activation codes per vector (length rows; rows past the layer's R are 0). */
  acts: Int32Array[];
  /** Expected words per vector, weight columns 0..Wc−1 (0 for a column without an output). */
  expected: bigint[][];
  /** Patch (global vector index of LayerInputs) of each vector. */
  patches: number[];
  /** Read noise per vector (tileReadNoise), or null when device.readNoise is off. */
  noise: Int32Array[] | null;
}

/** The tile (rt, ct) is one of the layer's subarrays (needs only the layout: checked before any work). */
export function checkTileInLayout(l: { name: string; layout: Layout }, ref: Pick<TileRef, 'rt' | 'ct'>): void {
  const L = l.layout;
  if (ref.rt < 0 || ref.rt >= L.rowTiles || ref.ct < 0 || ref.ct >= L.colTiles) {
    throw new UnsupportedError(`tile (${ref.rt}, ${ref.ct}) is outside layer "${l.name}" (${L.rowTiles} row tiles × ${L.colTiles} column tiles)`, '--tile');
  }
}

/** Refuse what the tile cannot run, before any work. */
export function checkTileRunnable(xb: Crossbar, ref: TileRef): void {
  const m = xb.mappings[ref.layerIndex];
  if (!m) throw new UnsupportedError(`no compute layer ${ref.layerIndex}`, '--layer');
  checkTileInLayout(m, ref);
  const adc = xb.adc[ref.layerIndex]!;
  if (adc.mode === 'self-ranging') throw new UnsupportedError('the RTL does not implement the self-ranging ADC', 'tile.adcMode');
}

/** Register writes for a tile: its tables and, for a calibrated ADC, the layer's range m. */
export function tileRegisters(d: Design, xb: Crossbar, layerIndex: number, content: TileContent): RegWrite[] {
  const adc = xb.adc[layerIndex]!;
  const adcShift = d.shiftProgrammable && adc.mode === 'fixed' ? adc.m : undefined;
  if (!d.options.mt) throw new UnsupportedError('co-simulation programs the tile\'s tables (row map, terms, input-sum terms): it needs the MT build', 'rtl options');
  return programWrites(d, { rowMap: content.rowMap, terms: content.terms, inputSum: content.inputSum, ...(adcShift === undefined ? {} : { adcShift }) });
}

/**
 * Layer accumulators restricted to row tile `rt` (see the header): acc[o·P + v] for the
 * given vectors x (P vectors of R codes, patch-major).
 */
export function rowTileProduct(xb: Crossbar, layerIndex: number, x: Int32Array, P: number, rt: number): Float64Array {
  const m = xb.mappings[layerIndex]!;
  const L = m.layout;
  const masked = new Int32Array(P * L.R);
  const lo = rt * L.rows;
  const hi = Math.min(L.R, lo + L.rows);
  for (let v = 0; v < P; v++) masked.set(x.subarray(v * L.R + lo, v * L.R + hi), v * L.R + lo);
  const acc = new Float64Array(L.C * P);
  crossbarMatmul(xb, m.q, masked, P, acc);
  // MT's column offsets belong to the layer's bias, added after the tiles' sums: not a tile's.
  if (m.columnOffset) addColumnOffsets(m.columnOffset, P, acc, -1);
  return acc;
}

/** Expected words of column tile `ct` from row-tile accumulators (C·P, output-major). */
export function expectedWords(d: Design, acc: Float64Array, C: number, P: number, ct: number): bigint[][] {
  return Array.from({ length: P }, (_, v) =>
    Array.from({ length: d.weightCols }, (_, j) => {
      const o = ct * d.weightCols + j;
      if (o >= C) return 0n;
      const t = acc[o * P + v]!;
      if (!Number.isSafeInteger(t)) throw new Error(`internal: reference partial sum ${t} is not an exact integer`);
      return BigInt(t);
    }),
  );
}

/** Local activation vectors of row tile `rt` for the chosen vectors. */
export function localActs(d: Design, x: Int32Array, R: number, rt: number, vectors: readonly number[]): Int32Array[] {
  const lo = rt * d.rows;
  return vectors.map((v) => {
    const a = new Int32Array(d.rows);
    for (let i = 0; i < d.rows && lo + i < R; i++) a[i] = x[v * R + lo + i]!;
    return a;
  });
}

/**
 * The read noise the behavioural array adds to the tile's column currents (docs/model.md
 * §9.3), as the reference model draws it for the same product (`rowTileProduct` on these
 * vectors: vector v is patch v of the read key): for every vector v, input bit k and read
 * group g, the noise of each of the tile's physical columns j, at
 * [v][(k·groups + g)·cols + j], conductance LSB·Vread. Null when read noise is off.
 * `x` holds the P vectors of R layer codes (patch-major).
 */
export function tileReadNoise(d: Design, xb: Crossbar, ref: TileRef, x: Int32Array, P: number): Int32Array[] | null {
  if (!xb.noise) return null;
  const L = xb.mappings[ref.layerIndex]!.layout;
  const out = Array.from({ length: P }, () => new Int32Array(d.actBits * d.groups * d.cols));
  const masked = new Int32Array(P * L.R);
  const lo = ref.rt * L.rows;
  const hi = Math.min(L.R, lo + L.rows);
  for (let v = 0; v < P; v++) masked.set(x.subarray(v * L.R + lo, v * L.R + hi), v * L.R + lo);
  for (let k = 0; k < d.actBits; k++) {
    for (let g = 0; g < d.groups; g++) {
      const N = readNoise(xb, ref.layerIndex, masked, P, ref.rt, g, k);
      for (let v = 0; v < P; v++) {
        const base = (k * d.groups + g) * d.cols;
        for (let j = 0; j < d.cols; j++) {
          const n = N[v * L.physCols + ref.ct * d.cols + j]!;
          if (!Number.isSafeInteger(n) || Math.abs(n) >= 2 ** 31) throw new Error(`internal: read noise ${n} does not fit a 32-bit word`);
          out[v]![base + j] = n;
        }
      }
    }
  }
  return out;
}

/** Everything to co-simulate tile (rt, ct) of a layer on the chosen input vectors. */
export function tileVectors(d: Design, xb: Crossbar, ref: TileRef, x: Int32Array, vectors: readonly number[], rowTileAcc?: Float64Array): TileVectors {
  checkTileRunnable(xb, ref);
  const { layerIndex, rt, ct } = ref;
  const m = xb.mappings[layerIndex]!;
  const L = m.layout;
  const content = tileFromMapping(d, m, xb.conductance[layerIndex]!, rt, ct);
  const regs = tileRegisters(d, xb, layerIndex, content);
  const P = vectors.length;
  const sel = new Int32Array(P * L.R);
  vectors.forEach((v, i) => sel.set(x.subarray(v * L.R, (v + 1) * L.R), i * L.R));
  const acc = rowTileAcc ?? rowTileProduct(xb, layerIndex, sel, P, rt);
  return {
    ...ref,
    content,
    g: content.g,
    regs,
    acts: localActs(d, x, L.R, rt, vectors),
    expected: expectedWords(d, acc, L.C, P, ct),
    patches: [...vectors],
    noise: tileReadNoise(d, xb, ref, sel, P),
  };
}

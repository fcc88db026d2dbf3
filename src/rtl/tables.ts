/**
 * The programmable tables of the generated tile as data: term-table entry layout,
 * the row-source table, and the register writes that program a mapping. Used by the
 * view builders (reset values, ROM) and by whoever drives the tile (co-simulation).
 */
import type { Design, Term } from './design.ts';
import { CSR, REG_REGIONS } from './design.ts';
import { DataError } from '../errors.ts';

export interface BitField {
  lsb: number;
  msb: number;
}

/** Layout of one term-table entry: {valid, neg, shift, unit}, LSB first. */
export function termFields(d: Design): { unit: BitField; shift: BitField; neg: BitField; valid: BitField } {
  const cb = d.unitBits;
  const sb = d.termShiftBits;
  return {
    unit: { lsb: 0, msb: cb - 1 },
    shift: { lsb: cb, msb: cb + sb - 1 },
    neg: { lsb: cb + sb, msb: cb + sb },
    valid: { lsb: cb + sb + 1, msb: cb + sb + 1 },
  };
}

/** Encode a term as a table entry (valid bit set). */
export function encodeTerm(d: Design, term: Term): number {
  if (!Number.isInteger(term.unit) || term.unit < 0 || term.unit >= d.units.length) {
    throw new DataError(`term unit ${term.unit} outside 0..${d.units.length - 1} (conversion units of the subarray)`);
  }
  const maxShift = (1 << d.termShiftBits) - 1;
  if (!Number.isInteger(term.shift) || term.shift < 0 || term.shift > maxShift) {
    throw new DataError(`term shift ${term.shift} outside 0..${maxShift} (the table holds ${d.termShiftBits}-bit shifts)`);
  }
  const f = termFields(d);
  return (1 << f.valid.lsb) | ((term.neg ? 1 : 0) << f.neg.lsb) | (term.shift << f.shift.lsb) | term.unit;
}

/**
 * Encode an input-sum coefficient c (T += c · Σ_r x[r]) as the entry of slot termsPerWeight:
 * 0, or ±2^s with s within the shift field (the mitigations use ±1).
 */
export function encodeInputSum(d: Design, c: number): number {
  if (!d.inputSumSlot) throw new DataError('this tile was built without MT: it has no input-sum term');
  if (c === 0) return 0;
  const shift = Math.log2(Math.abs(c));
  if (!Number.isInteger(shift)) throw new DataError(`input-sum coefficient ${c}: the tile implements 0 and ±2^s only`);
  const f = termFields(d);
  return encodeTerm(d, { unit: 0, shift, neg: c < 0 }) & ~(((1 << d.unitBits) - 1) << f.unit.lsb);
}

/** Decode a table entry; null for an invalid (empty) entry. */
export function decodeTerm(d: Design, entry: number): Term | null {
  const f = termFields(d);
  if (((entry >> f.valid.lsb) & 1) === 0) return null;
  return {
    unit: entry & ((1 << d.unitBits) - 1),
    shift: (entry >> f.shift.lsb) & ((1 << d.termShiftBits) - 1),
    neg: ((entry >> f.neg.lsb) & 1) === 1,
  };
}

/**
 * The RTL row table from docs/model.md's row map (logical local row → physical row):
 * entry p is the logical row that drives physical row p. Physical rows no logical row
 * maps to get `rows` (out of range: not driven).
 */
export function rowSourceTable(d: Design, rowMap: readonly number[]): number[] {
  if (rowMap.length > d.rows) throw new DataError(`row map has ${rowMap.length} entries, the subarray ${d.rows} rows`);
  const src = new Array<number>(d.rows).fill(d.rows);
  rowMap.forEach((p, r) => {
    if (!Number.isInteger(p) || p < 0 || p >= d.rows) throw new DataError(`row map entry ${r} → ${p} outside 0..${d.rows - 1}`);
    if (src[p] !== d.rows) throw new DataError(`row map sends logical rows ${src[p]} and ${r} to physical row ${p}`);
    src[p] = r;
  });
  return src;
}

/** Word address of a register: {region[1:0], offset}. */
export function regAddress(d: Design, region: keyof typeof REG_REGIONS, offset: number): number {
  if (offset < 0 || offset >= 2 ** d.regOffsetBits) throw new RangeError(`register offset ${offset} outside the ${d.regOffsetBits}-bit offset field`);
  return REG_REGIONS[region] * 2 ** d.regOffsetBits + offset;
}

export const csrAddress = (d: Design, name: keyof typeof CSR): number => regAddress(d, 'csr', CSR[name]);
export const rowMapAddress = (d: Design, physRow: number): number => regAddress(d, 'rowmap', physRow);
export const termAddress = (d: Design, weightCol: number, term: number): number =>
  regAddress(d, 'terms', (weightCol << d.termIndexBits) | term);
export const faultAddress = (d: Design, row: number, col: number): number => regAddress(d, 'faults', (row << d.colBits) | col);

export interface RegWrite {
  addr: number;
  data: number;
}

export interface TileProgram {
  /** docs/model.md row map, logical local row → physical row (identity if omitted). */
  rowMap?: readonly number[];
  /** Terms per weight column (the default mapping if omitted); at most termsPerWeight each. */
  terms?: readonly (readonly Term[])[];
  /** Input-sum coefficient per weight column (MT build): T[o] += c · Σ_r x[r]. */
  inputSum?: readonly number[];
  /** m of fixed-calibrated mode. */
  adcShift?: number;
  /** Chain: add psum_in to every output word. */
  chain?: boolean;
}

/** Register writes that program a tile with a mapping; an MT build gets every term-table entry (the table has no reset). */
export function programWrites(d: Design, p: TileProgram): RegWrite[] {
  const w: RegWrite[] = [];
  if (p.chain !== undefined) w.push({ addr: csrAddress(d, 'CTRL'), data: p.chain ? 1 : 0 });
  if (p.adcShift !== undefined) {
    if (!d.shiftProgrammable) throw new DataError(`ADC_SHIFT is a register only in fixed-calibrated mode (this tile: ${d.adcMode})`);
    if (!Number.isInteger(p.adcShift) || p.adcShift < 0 || p.adcShift > d.shiftMax) throw new DataError(`adc shift ${p.adcShift} outside 0..${d.shiftMax}`);
    w.push({ addr: csrAddress(d, 'ADC_SHIFT'), data: p.adcShift });
  }
  if ((p.rowMap || p.terms || p.inputSum) && !d.options.mt) throw new DataError('this tile was built without MT: its row map and terms are fixed');
  if (p.rowMap) {
    rowSourceTable(d, p.rowMap).forEach((src, phys) => w.push({ addr: rowMapAddress(d, phys), data: src }));
  }
  if (!d.options.mt) return w;
  // The term table is a memory without reset (docs/rtl.md "Term table"): every entry is written,
  // the default mapping and no input-sum term where the program leaves them out.
  const terms = p.terms ?? d.defaultTerms;
  if (terms.length !== d.weightCols) throw new DataError(`terms for ${terms.length} weight columns, the tile has ${d.weightCols}`);
  if (p.inputSum && p.inputSum.length !== d.weightCols) throw new DataError(`input sums for ${p.inputSum.length} weight columns, the tile has ${d.weightCols}`);
  terms.forEach((col, o) => {
    if (col.length > d.termsPerWeight) throw new DataError(`weight column ${o} has ${col.length} terms; the table holds ${d.termsPerWeight}`);
    for (let t = 0; t < d.termsPerWeight; t++) {
      const term = col[t];
      w.push({ addr: termAddress(d, o, t), data: term ? encodeTerm(d, term) : 0 });
    }
    if (d.inputSumSlot) w.push({ addr: termAddress(d, o, d.termsPerWeight), data: p.inputSum ? encodeInputSum(d, p.inputSum[o]!) : 0 });
  });
  return w;
}

/** Views of templates/memxbar_mt_tables.v.hbs and templates/memxbar_fault_bitmap.v.hbs. */
import type { Design } from '../design.ts';
import { encodeTerm } from '../tables.ts';
import { lit, zeroExt } from '../verilog.ts';

/** Width of the table write/read data port: the wider of a row index and a term entry. */
export function tableDataBits(d: Design): number {
  return Math.max(d.rowSrcBits, d.termEntryBits);
}

export interface MtTablesView {
  rows: number;
  weightCols: number;
  termsPerWeight: number;
  rowSrcBits: number;
  unitBits: number;
  termShiftBits: number;
  termEntryBits: number;
  scheme: string;
  offMsb: number;
  dataMsb: number;
  srcMsb: number;
  rowMsb: number;
  termIdxMsb: number;
  termMsb: number;
  termZero: string;
  dataZero: string;
  rowEntries: { index: number; reset: string; off: string; hi: number; lo: number; readExpr: string }[];
  termEntries: { name: string; index: string; reset: string; off: string; readExpr: string }[];
}

export function buildMtTablesView(d: Design): MtTablesView {
  const dw = tableDataBits(d);
  const ow = d.regOffsetBits;
  const rowEntries = Array.from({ length: d.rows }, (_, p) => ({
    index: p,
    reset: lit(d.rowSrcBits, p),
    off: lit(ow, p),
    hi: p * d.rowSrcBits + d.rowSrcBits - 1,
    lo: p * d.rowSrcBits,
    readExpr: zeroExt(`src_${p}`, d.rowSrcBits, dw),
  }));
  const termEntries: MtTablesView['termEntries'] = [];
  d.defaultTerms.forEach((terms, o) => {
    for (let t = 0; t < d.termSlots; t++) {
      const name = `${o}_${t}`;
      const idx = (o << d.termIndexBits) | t;
      const term = terms[t];
      termEntries.push({
        name,
        index: lit(d.weightColBits + d.termIndexBits, idx),
        reset: lit(d.termEntryBits, term ? encodeTerm(d, term) : 0),
        off: lit(ow, idx),
        readExpr: zeroExt(`term_${name}`, d.termEntryBits, dw),
      });
    }
  });
  return {
    rows: d.rows,
    weightCols: d.weightCols,
    termsPerWeight: d.termsPerWeight,
    rowSrcBits: d.rowSrcBits,
    unitBits: d.unitBits,
    termShiftBits: d.termShiftBits,
    termEntryBits: d.termEntryBits,
    scheme: d.scheme,
    offMsb: ow - 1,
    dataMsb: dw - 1,
    srcMsb: d.rows * d.rowSrcBits - 1,
    rowMsb: d.rowSrcBits - 1,
    termIdxMsb: d.weightColBits + d.termIndexBits - 1,
    termMsb: d.termEntryBits - 1,
    termZero: lit(d.termEntryBits, 0),
    dataZero: lit(dw, 0),
    rowEntries,
    termEntries,
  };
}

export interface FaultBitmapView {
  rows: number;
  cols: number;
  rowBits: number;
  colBits: number;
  addrMsb: number;
  depth: number;
  depthMinusOne: number;
}

export function buildFaultBitmapView(d: Design): FaultBitmapView {
  return faultBitmapView(d.rows, d.cols, d.rowBits, d.colBits);
}

/** The fault bitmap of a rows x cols array (also used to render synthesis reference memories). */
export function faultBitmapView(rows: number, cols: number, rowBits: number, colBits: number): FaultBitmapView {
  const aw = rowBits + colBits;
  return { rows, cols, rowBits, colBits, addrMsb: aw - 1, depth: 2 ** aw, depthMinusOne: 2 ** aw - 1 };
}

/** Views of templates/memxbar_mt_tables.v.hbs and templates/memxbar_fault_bitmap.v.hbs. */
import type { Design } from '../design.ts';
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
  termDepth: number;
  termDepthMinusOne: number;
  termEntryCount: number;
  termSlotsMinusOne: number;
  wrHitExpr: string;
  rdHitExpr: string;
  termRdataExpr: string;
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
  const idxBits = d.weightColBits + d.termIndexBits;
  // An offset names an entry when its bits above the table are 0 and its slot is < termSlots.
  const hit = (off: string): string => {
    const parts: string[] = [];
    if (ow > idxBits) parts.push(`(${off}[${ow - 1}:${idxBits}] == ${lit(ow - idxBits, 0)})`);
    if (d.termSlots < 2 ** d.termIndexBits) parts.push(`(${off}[${d.termIndexBits - 1}:0] < ${lit(d.termIndexBits, d.termSlots)})`);
    return parts.length ? parts.join(' && ') : "1'b1";
  };
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
    termDepth: 2 ** idxBits,
    termDepthMinusOne: 2 ** idxBits - 1,
    termEntryCount: d.weightCols * d.termSlots,
    termSlotsMinusOne: d.termSlots - 1,
    wrHitExpr: hit('wr_off'),
    rdHitExpr: hit('rd_off'),
    termRdataExpr: zeroExt('term_q', d.termEntryBits, dw),
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

/** View of templates/memxbar_bist.v.hbs (the march-test controller, docs/rtl.md "Write path and BIST"). */
import type { Design } from '../design.ts';
import { FAULT_CODE } from '../design.ts';
import { indexBits, lit, zeroExt } from '../verilog.ts';

export function buildBistView(d: Design): Record<string, string | number> {
  const rb = d.rowBits;
  const cb = d.colBits;
  const sw = cb + 1; // holds tsel·adcs + a < cols + adcs ≤ 2·cols
  const ab = indexBits(d.adcs);
  const tb = d.testSelBits;
  const levelTop = 2 ** d.cellBits - 1;
  return {
    rows: d.rows,
    cols: d.cols,
    adcs: d.adcs,
    codeBits: d.codeBits,
    testSlotsMinusOne: d.testSlots - 1,
    testShift: d.testShift,
    codeLow: d.testCodeLow,
    codeHigh: d.testCodeHigh,
    levelTop,
    rowBitsMsb: rb - 1,
    colBitsMsb: cb - 1,
    levelMsb: d.cellBits - 1,
    rowsMsb: d.rows - 1,
    tselMsb: tb - 1,
    codesMsb: d.adcs * d.codeBits - 1,
    faMsb: rb + cb - 1,
    scolMsb: sw - 1,
    adcIdxMsb: ab - 1,
    adcMsb: d.adcs - 1,
    adcExt: zeroExt('adc', ab, sw),
    rowZero: lit(rb, 0),
    rowLast: lit(rb, d.rows - 1),
    rowOneIdx: lit(rb, 1),
    tselLast: lit(tb, d.testSlots - 1),
    tselZero: lit(tb, 0),
    tselOne: lit(tb, 1),
    adcLast: lit(ab, d.adcs - 1),
    adcZero: lit(ab, 0),
    adcOne: lit(ab, 1),
    colsLit: lit(sw, d.cols),
    codeLowLit: lit(d.codeBits, d.testCodeLow),
    levelTopLit: lit(d.cellBits, levelTop),
    levelZero: lit(d.cellBits, 0),
    rowOne: lit(d.rows, 1),
    rowsZero: lit(d.rows, 0),
    sa0: FAULT_CODE.sa0,
    sa1: FAULT_CODE.sa1,
    colZero: lit(cb, 0),
    scolZero: lit(sw, 0),
    adcsScol: lit(sw, d.adcs),
    hiZero: lit(d.adcs, 0),
  };
}

/** View of templates/memxbar_row_driver.v.hbs. */
import type { Design } from '../design.ts';
import { bitsFor, hexLit, lit, zeroExt } from '../verilog.ts';

export interface RowDriverView {
  rows: number;
  actBits: number;
  parallelRead: number;
  mt: boolean;
  hasGroups: boolean;
  groupMsb: number;
  actMsb: number;
  srcMsb: number;
  rowMsb: number;
  rowSrcBits: number;
  /** Mask that clears the top bit of every code after a right shift. */
  shiftMask: string;
  rowsZero: string;
  groupMasks: { sel: string; mask: string }[];
  bitIdxMsb: number;
  xsumMsb: number;
  onesMsb: number;
  onesZero: string;
  xsumZero: string;
  /** One row's bit zero-extended to the popcount width (loop variable `i`). */
  lsbExt: string;
  onesExt: string;
}

export function buildRowDriverView(d: Design): RowDriverView {
  const a = d.actBits;
  let mask = 0n;
  for (let r = 0; r < d.rows; r++) mask |= ((1n << BigInt(a - 1)) - 1n) << BigInt(r * a);
  const onesBits = bitsFor(d.rows);
  const groupMasks = d.groupRows.map((n, g) => {
    const m = ((1n << BigInt(n)) - 1n) << BigInt(g * d.parallelRead);
    return { sel: lit(d.groupBits, g), mask: hexLit(d.rows, m) };
  });
  return {
    rows: d.rows,
    actBits: a,
    parallelRead: d.parallelRead,
    mt: d.options.mt,
    hasGroups: d.groups > 1,
    groupMsb: d.groupBits - 1,
    actMsb: d.rows * a - 1,
    srcMsb: d.rows * d.rowSrcBits - 1,
    rowMsb: d.rows - 1,
    rowSrcBits: d.rowSrcBits,
    shiftMask: hexLit(d.rows * a, mask),
    rowsZero: lit(d.rows, 0),
    groupMasks,
    bitIdxMsb: d.bitIdxBits - 1,
    xsumMsb: d.xsumBits - 1,
    onesMsb: onesBits - 1,
    onesZero: lit(onesBits, 0),
    xsumZero: lit(d.xsumBits, 0),
    lsbExt: zeroExt('lsb[i]', 1, onesBits),
    onesExt: zeroExt('ones', onesBits, d.xsumBits),
  };
}

/** View of templates/memxbar_row_remap.v.hbs (one physical row's remap multiplexer, MT only). */
export interface RowRemapView {
  rows: number;
  rowMsb: number;
  selMsb: number;
  padMsb: number;
  /** lsb zero-extended to 2^rowSrcBits entries, so any table value indexes a defined bit. */
  lsbPad: string;
}

export function buildRowRemapView(d: Design): RowRemapView {
  const padRows = 1 << d.rowSrcBits;
  return { rows: d.rows, rowMsb: d.rows - 1, selMsb: d.rowSrcBits - 1, padMsb: padRows - 1, lsbPad: zeroExt('lsb', d.rows, padRows) };
}

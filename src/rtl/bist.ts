/**
 * The march test's timing, from the hardware's structure (templates/memxbar_bist.v.hbs,
 * docs/rtl.md "Write path and BIST"): what the report, the cost of the test and the tests
 * use, checked against the cycle counter of the RTL itself (CSR BIST_CYCLES).
 */
import type { Design } from './design.ts';

/** Clock cycles of one conversion in the RTL: SAR code bits + 1 (`done`), flash 1 (memxbar_sar_ctrl, memxbar_flash_enc). */
export function rtlConversionCycles(kind: 'sar' | 'flash', codeBits: number): number {
  return kind === 'sar' ? codeBits + 1 : 1;
}

export interface BistCounts {
  /** Clock cycles of one run (what BIST_CYCLES reads). */
  cycles: number;
  /** Cell writes through the write drivers: M0, M1 and M2 write every cell once. */
  cellWrites: number;
  /** Write pulses: one per row and element (a row is written at once, wr_all). */
  rowWrites: number;
  /** ADC conversions: 2 reads of every row (M1, M2), testSlots conversions each, on every ADC. */
  conversions: number;
  /** Fault-bitmap writes: every cell in M1, the SA0 cells in M2 (at most every cell). */
  storeWritesMax: number;
  storeWritesMin: number;
}

/**
 * MATS+ row by row: M0 writes the R rows (one cycle each, every column driver at once); M1
 * and M2 read each row in T = ceil(C / adcs) test slots (1 start cycle + the conversion's
 * cycles + one fault-bitmap cycle per ADC) and write it (one cycle).
 */
export function bistCounts(d: Design): BistCounts {
  const R = d.rows;
  const C = d.cols;
  const T = d.testSlots;
  const slot = 1 + rtlConversionCycles(d.adcKind, d.codeBits) + d.adcs;
  return {
    cycles: R + 2 * R * (T * slot + 1),
    cellWrites: 3 * R * C,
    rowWrites: 3 * R,
    conversions: 2 * R * T * d.adcs,
    storeWritesMax: 2 * R * C,
    storeWritesMin: R * C,
  };
}

/** Views of templates/memxbar_sar_ctrl.v.hbs and templates/memxbar_flash_enc.v.hbs. */
import type { Design } from '../design.ts';
import { hexLit, lit } from '../verilog.ts';

export interface SarCtrlView {
  adcs: number;
  codeBits: number;
  adcMsb: number;
  codesMsb: number;
  codeMsb: number;
  codeZero: string;
  codeOne: string;
  codeTop: string;
}

export function buildSarCtrlView(d: Design): SarCtrlView {
  const cw = d.codeBits;
  return {
    adcs: d.adcs,
    codeBits: cw,
    adcMsb: d.adcs - 1,
    codesMsb: d.adcs * cw - 1,
    codeMsb: cw - 1,
    codeZero: lit(cw, 0),
    codeOne: lit(cw, 1),
    codeTop: lit(cw, 1n << BigInt(cw - 1)),
  };
}

export interface FlashEncView {
  adcs: number;
  codeBits: number;
  thermBits: number;
  thermsMsb: number;
  thermMsb: number;
  codesMsb: number;
  codeMsb: number;
  codeZero: string;
  /** Code bit b = OR of the one-hot positions i-1 whose level i has bit b set. */
  encBits: { bit: number; mask: string }[];
}

/** OR-plane masks of the thermometer → binary encoder: one-hot position i−1 stands for code i. */
export function flashEncoderMasks(codeBits: number): bigint[] {
  const th = 2 ** codeBits - 1;
  const masks: bigint[] = [];
  for (let b = 0; b < codeBits; b++) {
    let m = 0n;
    for (let i = 1; i <= th; i++) if ((i >> b) & 1) m |= 1n << BigInt(i - 1);
    masks.push(m);
  }
  return masks;
}

export function buildFlashEncView(d: Design): FlashEncView {
  const cw = d.codeBits;
  const th = d.thermBits;
  return {
    adcs: d.adcs,
    codeBits: cw,
    thermBits: th,
    thermsMsb: d.adcs * th - 1,
    thermMsb: th - 1,
    codesMsb: d.adcs * cw - 1,
    codeMsb: cw - 1,
    codeZero: lit(cw, 0),
    encBits: flashEncoderMasks(cw).map((m, bit) => ({ bit, mask: hexLit(th, m) })),
  };
}

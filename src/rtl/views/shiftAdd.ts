/** View of templates/memxbar_shift_add.v.hbs. */
import type { Design } from '../design.ts';
import { encodeTerm, termFields } from '../tables.ts';
import { lit, signExt, zeroExt } from '../verilog.ts';

export interface ShiftAddView {
  unitCount: number;
  inputSumSlot: boolean;
  xsumMsb: number;
  insumSlot: string;
  xsumExt: string;
  signedCodes: boolean;
  clampLow: boolean;
  maxCode: number;
  /** Magnitude of the most negative offset-binary level, 2^(codeBits−1). */
  lowestLevel: number;
  codeMsb: number;
  codeMsbMinus1: number;
  codeZero: string;
  codeOne: string;
  unitMsb: number;
  unitField: string;
  weightCols: number;
  termsPerWeight: number;
  accBits: number;
  accMax: string;
  psumBits: number;
  numeratorText: string;
  mt: boolean;
  shiftProgrammable: boolean;
  colSelMsb: number;
  bitIdxMsb: number;
  shiftMsb: number;
  codesMsb: number;
  termIdxMsb: number;
  termMsb: number;
  psumMsb: number;
  weightColMsb: number;
  termBitsMsb: number;
  tMsb: number;
  accMsb: number;
  termShiftMsb: number;
  accZero: string;
  termZero: string;
  tsumZero: string;
  oZero: string;
  tZero: string;
  oOne: string;
  tOne: string;
  oLast: string;
  tLast: string;
  shiftField: string;
  negField: string;
  validField: string;
  accSelExt: string;
  tsumExt: string;
  adcCount: number;
  /** Per ADC: its code slice, numerator, and the units it converts (slot → unit), for its one adder. */
  adcs: { index: number; hi: number; lo: number; numerator: string; slots: { slot: string; unit: number }[] }[];
  units: { index: number; slot: string; adc: number; sel: string; doc: string }[];
  romEntries: { index: string; entry: string }[];
}

export function buildShiftAddView(d: Design): ShiftAddView {
  const cw = d.codeBits;
  const aw = d.accBits;
  const f = termFields(d);
  const shiftText = d.adcMode === 'lossless' ? '' : d.shiftProgrammable ? ' << adc_shift' : d.shiftMax > 0 ? ` << ${d.shiftMax}` : '';
  const adcs = Array.from({ length: d.adcs }, (_, a) => ({
    index: a,
    hi: a * cw + cw - 1,
    lo: a * cw,
    numerator: (d.signedCodes ? signExt(`value_${a}`, cw, aw) : zeroExt(`code_${a}`, cw, aw)) + shiftText,
    slots: d.units
      .map((_, i) => i)
      .filter((i) => Math.floor(i / d.colsPerAdc) === a)
      .map((i) => ({ slot: lit(d.colSelBits, i % d.colsPerAdc), unit: i })),
  }));
  const units = d.units.map((u, i) => ({
    index: i,
    slot: lit(d.colSelBits, i % d.colsPerAdc),
    adc: Math.floor(i / d.colsPerAdc),
    sel: lit(d.unitBits, i),
    doc: u.neg >= 0 ? `columns ${u.pos} - ${u.neg}` : `column ${u.pos}`,
  }));
  const romEntries: { index: string; entry: string }[] = [];
  d.defaultTerms.forEach((terms, o) =>
    terms.forEach((term, t) => {
      romEntries.push({
        index: lit(d.weightColBits + d.termIndexBits, (o << d.termIndexBits) | t),
        entry: lit(d.termEntryBits, encodeTerm(d, term)),
      });
    }),
  );
  const c = d.signedCodes ? 'c (signed)' : 'c';
  const numeratorText =
    d.adcMode === 'lossless' ? `${c} (lossless)` : d.shiftProgrammable ? `${c} << m, m = adc_shift <= ${d.shiftMax} (fixed-calibrated)` : `${c} << ${d.shiftMax} (fixed-full-scale)`;
  return {
    unitCount: d.units.length,
    adcCount: d.accAdders,
    inputSumSlot: d.inputSumSlot,
    xsumMsb: d.xsumBits - 1,
    insumSlot: d.inputSumSlot ? lit(d.termIndexBits, d.termsPerWeight) : '',
    xsumExt: zeroExt('xsum', d.xsumBits, d.tBits),
    signedCodes: d.signedCodes,
    clampLow: d.clampLow,
    maxCode: d.maxCode,
    lowestLevel: 2 ** (cw - 1),
    codeMsb: cw - 1,
    codeMsbMinus1: Math.max(0, cw - 2),
    codeZero: lit(cw, 0),
    codeOne: lit(cw, 1),
    unitMsb: d.unitBits - 1,
    unitField: `${f.unit.msb}:${f.unit.lsb}`,
    weightCols: d.weightCols,
    termsPerWeight: d.termsPerWeight,
    accBits: aw,
    accMax: d.accMax.toString(),
    psumBits: d.psumBits,
    numeratorText,
    mt: d.options.mt,
    shiftProgrammable: d.shiftProgrammable,
    colSelMsb: d.colSelBits - 1,
    bitIdxMsb: d.bitIdxBits - 1,
    shiftMsb: d.shiftBits - 1,
    codesMsb: d.adcs * cw - 1,
    termIdxMsb: d.weightColBits + d.termIndexBits - 1,
    termMsb: d.termEntryBits - 1,
    psumMsb: d.psumBits - 1,
    weightColMsb: d.weightColBits - 1,
    termBitsMsb: d.termIndexBits - 1,
    tMsb: d.tBits - 1,
    accMsb: aw - 1,
    termShiftMsb: d.termShiftBits - 1,
    accZero: lit(aw, 0),
    termZero: lit(d.termEntryBits, 0),
    tsumZero: lit(d.tBits, 0),
    oZero: lit(d.weightColBits, 0),
    tZero: lit(d.termIndexBits, 0),
    oOne: lit(d.weightColBits, 1),
    tOne: lit(d.termIndexBits, 1),
    oLast: lit(d.weightColBits, d.weightCols - 1),
    tLast: lit(d.termIndexBits, d.termSlots - 1),
    shiftField: `${f.shift.msb}:${f.shift.lsb}`,
    negField: `${f.neg.lsb}`,
    validField: `${f.valid.lsb}`,
    accSelExt: d.signedCodes ? signExt('acc_sel', aw, d.tBits) : zeroExt('acc_sel', aw, d.tBits),
    tsumExt: signExt('tsum', d.tBits, d.psumBits),
    adcs,
    units,
    romEntries,
  };
}

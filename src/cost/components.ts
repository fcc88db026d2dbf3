/**
 * The cost model's component formulas (docs/cost.md §2–§6), one small pure function each,
 * in SI units (m², J, s, F). Each is pinned by a hand-computed case in test/cost/components.test.ts.
 */
import { rtlConversionCycles } from '../rtl/bist.ts';
import { libertyCells } from '../synth/liberty.ts';
import { k } from './constants.ts';
import { cellFeatureM, minGateAreaM2, minGateCapF, techNode, type TechNode } from './tech.ts';

// ------------------------------------------------------------------------------ array

/**
 * Resistive read energy of the arrays: E = Vread² · t_read · G_LSB · currentSum, with
 * currentSum = Σ over reads of Σ_j I[j] in conductance LSB · Vread (docs/model.md §7): the
 * actual programmed and stuck conductances of every driven cell, so SA1 raises it and SA0 lowers it.
 */
export function arrayReadEnergyJ(currentSum: number, readVoltageV: number, readPulseS: number, gLsbS: number): number {
  return readVoltageV * readVoltageV * readPulseS * gLsbS * currentSum;
}

/** One 1T1R cell: 4F × 12F (NeuroSim), F = the node's cell feature size. */
export function cellAreaM2(t: TechNode): number {
  const F = cellFeatureM(t);
  return k('cellHeightF') * F * k('cellWidthF') * F;
}

export function arrayAreaM2(rows: number, cols: number, t: TechNode): number {
  return rows * cols * cellAreaM2(t);
}

/** Bit-line capacitance: the column wire, rows × cell height, at 0.2 fF/µm (NeuroSim capBL). */
export function bitlineCapF(rows: number, t: TechNode): number {
  return rows * k('cellHeightF') * cellFeatureM(t) * k('wireCapFPerM');
}

/** Word-line capacitance: the row wire (cols × cell width) plus one access-transistor gate per cell. */
export function wordlineCapF(cols: number, t: TechNode): number {
  return cols * (k('cellWidthF') * cellFeatureM(t) * k('wireCapFPerM') + minGateCapF(t));
}

/** Bit lines charged to Vread, one per conversion (NeuroSim: capBL · Vread² per selected BL). */
export function bitlineEnergyJ(conversions: number, rows: number, readVoltageV: number, t: TechNode): number {
  return conversions * bitlineCapF(rows, t) * readVoltageV * readVoltageV;
}

/** Word lines switched to Vdd, one per active (row, input bit, subarray) (NeuroSim: capRow2 · Vdd² per selected WL). */
export function wordlineEnergyJ(activeRowReads: number, cols: number, t: TechNode): number {
  return activeRowReads * wordlineCapF(cols, t) * t.vddV * t.vddV;
}

// ------------------------------------------------------------------------------- ADCs

/** SAR ADC area (NeuroSim V1.4 SarADC.cpp): A_min · ((269 + (B−1)·109) + (209 + (B−1)·73)). */
export function sarAreaM2(bits: number, t: TechNode): number {
  const nmos = k('sarNmosBase') + (bits - 1) * k('sarNmosPerBit');
  const pmos = k('sarPmosBase') + (bits - 1) * k('sarPmosPerBit');
  return minGateAreaM2(t) * (nmos + pmos);
}

/**
 * SAR energy per conversion without the column-current term: (a·B + b) µW for (B + 1) × 1 ns
 * (NeuroSim V1.4 SarADC.cpp). NeuroSim's c/R_col term is the column current, which memxbar
 * books once, in the array read energy.
 */
export function sarEnergyJ(bits: number, t: TechNode): number {
  return (t.sar.aUw * bits + t.sar.bUw) * 1e-6 * (bits + 1) * k('sarCycleS');
}

/**
 * Flash ADC (NeuroSim's multilevel sense amplifier) area: 2^B − 1 sense amplifiers of 9 minimum
 * NMOS each, plus the reference (dummy) columns, shared by 2^B amplifiers: (2^B − 1)/2^B columns of cells.
 */
export function flashAreaM2(bits: number, rows: number, t: TechNode): number {
  const levels = 2 ** bits;
  return (levels - 1) * k('mlsaNmosPerLevel') * minGateAreaM2(t) + ((levels - 1) / levels) * rows * cellAreaM2(t);
}

/** Flash energy per conversion: 2^B − 1 sense amplifiers, each 2 gate caps at Vread and 18 at Vdd (voltage mode). */
export function flashEnergyJ(bits: number, readVoltageV: number, t: TechNode): number {
  const cg = minGateCapF(t);
  return (2 ** bits - 1) * (k('mlsaReadCaps') * cg * readVoltageV * readVoltageV + k('mlsaVddCaps') * cg * t.vddV * t.vddV);
}

export type AdcKind = 'sar' | 'flash';

export function adcAreaM2(kind: AdcKind, bits: number, rows: number, t: TechNode): number {
  return kind === 'sar' ? sarAreaM2(bits, t) : flashAreaM2(bits, rows, t);
}

export function adcEnergyJ(kind: AdcKind, bits: number, readVoltageV: number, t: TechNode): number {
  return kind === 'sar' ? sarEnergyJ(bits, t) : flashEnergyJ(bits, readVoltageV, t);
}

/** Clock cycles of one conversion in the RTL (docs/rtl.md): SAR code bits + 1 (`done`), flash 1. */
export function conversionCycles(kind: AdcKind, codeBits: number): number {
  return rtlConversionCycles(kind, codeBits);
}

// --------------------------------------------------------------------- analog switches

/**
 * A transmission-gate switch (row driver, column multiplexer): NeuroSim's layout puts a gate
 * whose devices fit the 28F cell height in one minimum-gate footprint.
 */
export function switchAreaM2(t: TechNode): number {
  return minGateAreaM2(t);
}

/** Gate energy of turning one switch on and off: two devices of 4× minimum width at Vdd. */
export function switchEnergyJ(t: TechNode): number {
  return 2 * k('switchWidthMin') * minGateCapF(t) * t.vddV * t.vddV;
}

// -------------------------------------------------------------------- digital periphery

/** Areas (µm²) of the memxbar45 cells the estimate uses, read from the shipped Liberty file. */
export function libertyAreas(): Record<'INV' | 'NAND2' | 'AND2' | 'OR2' | 'XOR2' | 'MUX2' | 'DFF' | 'DFFR', number> {
  const byName = new Map(libertyCells().map((c) => [c.name, c.areaUm2]));
  const get = (n: string) => {
    const a = byName.get(n);
    if (a === undefined) throw new Error(`internal: cell ${n} missing from the memxbar45 Liberty file`);
    return a;
  };
  return { INV: get('INV_X1'), NAND2: get('NAND2_X1'), AND2: get('AND2_X1'), OR2: get('OR2_X1'), XOR2: get('XOR2_X1'), MUX2: get('MUX2_X1'), DFF: get('DFF_X1'), DFFR: get('DFFR_X1') };
}

/** A full adder: 2 XOR2 + 3 NAND2 (sum = a⊕b⊕c, carry = NAND(NAND(a, b), NAND(c, a⊕b))), µm² at 45 nm. */
export function fullAdderAreaUm2(): number {
  const a = libertyAreas();
  return 2 * a.XOR2 + 3 * a.NAND2;
}

/** Digital area scale from the 45 nm synthesis library to node `t` (the ratio of NeuroSim's minimum gate areas). */
export function digitalAreaScale(t: TechNode): number {
  return minGateAreaM2(t) / minGateAreaM2(techNode(k('synthNodeNm')));
}

/** Switched energy scale from Horowitz's 45 nm, 0.9 V to node `t`: C ∝ minimum gate cap, E ∝ C·Vdd². */
export function digitalEnergyScale(t: TechNode): number {
  const ref = techNode(k('horowitzNodeNm'));
  return (minGateCapF(t) / minGateCapF(ref)) * (t.vddV / k('horowitzVddV')) ** 2;
}

/**
 * Energy of one switching NAND2-equivalent (area of a NAND2_X1) at node `t`: Horowitz's 32-bit
 * add (0.1 pJ) is 32 full adders; a full adder is fullAdderArea/NAND2 gate equivalents.
 * Energy per operation of a block = its gate equivalents × this × activity.
 */
export function geEnergyJ(t: TechNode): number {
  const a = libertyAreas();
  const faGe = fullAdderAreaUm2() / a.NAND2;
  return (k('addEnergy32J') / 32 / faGe) * digitalEnergyScale(t);
}

/** Energy of an n-bit addition at node t: n full adders (Horowitz's figure per bit, scaled). */
export function addEnergyJ(bits: number, t: TechNode): number {
  return (bits * k('addEnergy32J') / 32) * digitalEnergyScale(t);
}

/** Energy of writing n register bits (DFF gate equivalents × register activity 0.5). */
export function registerEnergyJ(bits: number, t: TechNode): number {
  const a = libertyAreas();
  return bits * (a.DFF / a.NAND2) * k('registerActivity') * geEnergyJ(t);
}

/** Energy of n 2:1 multiplexer traversals (MUX2 gate equivalents × register activity). */
export function muxEnergyJ(count: number, t: TechNode): number {
  const a = libertyAreas();
  return count * (a.MUX2 / a.NAND2) * k('registerActivity') * geEnergyJ(t);
}

/** Energy of logic of `areaUm2` (memxbar45) switching once: its NAND2 equivalents × register activity. */
export function gatesEnergyJ(areaUm2: number, t: TechNode): number {
  return (areaUm2 / libertyAreas().NAND2) * k('registerActivity') * geEnergyJ(t);
}

/** One 32-bit multiply (requantization) at node t (Horowitz, scaled). */
export function multiplyEnergyJ(t: TechNode): number {
  return k('multEnergy32J') * digitalEnergyScale(t);
}

// ----------------------------------------------------------------- buffers and wires

/** Area of an SRAM buffer of `bits`: 10F × 28F cells (NeuroSim) over a 70 % array efficiency. */
export function sramAreaM2(bits: number, t: TechNode): number {
  const F = cellFeatureM(t);
  return (bits * k('sramCellHeightF') * F * k('sramCellWidthF') * F) / k('sramArrayEfficiency');
}

/**
 * Access energy per bit of an SRAM of `bytes`: Horowitz's 64-bit reads of 8 KB, 32 KB and 1 MB
 * SRAMs (10, 20, 100 pJ), interpolated linearly in log(energy) against log(size) (held at 8 KB
 * below, extended along the 32 KB–1 MB segment above), scaled to the node.
 */
export function sramEnergyPerBitJ(bytes: number, t: TechNode): number {
  const pts: [number, number][] = [
    [8 * 1024, k('sram8kReadJ')],
    [32 * 1024, k('sram32kReadJ')],
    [1024 * 1024, k('sram1mReadJ')],
  ];
  let e: number;
  if (bytes <= pts[0]![0]) e = pts[0]![1];
  else {
    const i = bytes <= pts[1]![0] ? 0 : 1;
    const [x0, y0] = pts[i]!;
    const [x1, y1] = pts[i + 1]!;
    const s = Math.log(bytes / x0) / Math.log(x1 / x0);
    e = Math.exp(Math.log(y0) + s * Math.log(y1 / y0));
  }
  return (e / 64) * digitalEnergyScale(t);
}

/** Energy of moving one bit over `lengthM` of wire: activity · 0.2 fF/µm · L · Vdd². */
export function wireEnergyPerBitJ(lengthM: number, t: TechNode): number {
  return k('busActivity') * k('wireCapFPerM') * lengthM * t.vddV * t.vddV;
}

/**
 * ADC models (docs/model.md §5). All arithmetic is on integers; `rdiv` is the one
 * rounding rule (round half up) used everywhere, in the RTL too.
 */
import type { AdcMode } from '../config/schema.ts';
import type { ConductanceTable } from './device.ts';

/** round(x / d), halves up, for d > 0: floor((2x + d) / (2d)). */
export function rdiv(x: number, d: number): number {
  return Math.floor((2 * x + d) / (2 * d));
}

export type AdcSpec =
  /** code = rdiv(I, step), unbounded; numerator = code. */
  | { mode: 'lossless'; step: number }
  /** code = min(rdiv(I, step), maxCode), step = ΔG·2^m; numerator = code·2^m. */
  | { mode: 'fixed'; step: number; m: number; maxCode: number; fullScale: number }
  /** NeuroSim min/max per read batch; numerator = lo·maxCode + code·(hi − lo). */
  | { mode: 'self-ranging'; maxCode: number };

/** Smallest m ≥ 0 with maxCode·ΔG·2^m ≥ fullScale. */
export function fixedShift(fullScale: number, dG: number, maxCode: number): number {
  let m = 0;
  while (maxCode * dG * 2 ** m < fullScale) m++;
  return m;
}

/**
 * The ADC of a layer. `fullScale` (in conductance LSB·Vread) is PR·Gmax for
 * fixed-full-scale and the calibrated largest current for fixed-calibrated.
 */
export function adcSpec(mode: AdcMode, adcBits: number, table: ConductanceTable, fullScale: number): AdcSpec {
  const maxCode = 2 ** adcBits - 1;
  switch (mode) {
    case 'lossless':
      return { mode: 'lossless', step: table.dG };
    case 'self-ranging':
      return { mode: 'self-ranging', maxCode };
    case 'fixed-full-scale':
    case 'fixed-calibrated': {
      const m = fixedShift(fullScale, table.dG, maxCode);
      return { mode: 'fixed', step: table.dG * 2 ** m, m, maxCode, fullScale };
    }
  }
}

/** The per-layer denominator D of docs/model.md §5. */
export function adcDenominator(spec: AdcSpec, table: ConductanceTable): number {
  return spec.mode === 'self-ranging' ? spec.maxCode * table.dG : 1;
}

/** Numerator of one conversion for the lossless and fixed modes. */
export function convertFixed(spec: Exclude<AdcSpec, { mode: 'self-ranging' }>, I: number): number {
  const c = rdiv(I, spec.step);
  if (spec.mode === 'lossless') return c;
  return (c > spec.maxCode ? spec.maxCode : c) * 2 ** spec.m;
}

/** Numerator of one self-ranging conversion with batch range [lo, hi]. */
export function convertSelfRanging(maxCode: number, I: number, lo: number, hi: number): number {
  const c = hi > lo ? rdiv((I - lo) * maxCode, hi - lo) : 0;
  return lo * maxCode + c * (hi - lo);
}

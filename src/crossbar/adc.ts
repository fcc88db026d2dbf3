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
  /** code = clamp(rdiv(I, step), minCode, maxCode), step = ΔG·2^m; numerator = code·2^m. */
  | { mode: 'fixed'; step: number; m: number; minCode: number; maxCode: number; fullScale: number }
  /** NeuroSim min/max per read batch; numerator = lo·maxCode + code·(hi − lo). */
  | { mode: 'self-ranging'; maxCode: number };

/** Smallest m ≥ 0 with maxCode·ΔG·2^m ≥ fullScale. */
export function fixedShift(fullScale: number, dG: number, maxCode: number): number {
  let m = 0;
  while (maxCode * dG * 2 ** m < fullScale) m++;
  return m;
}

/**
 * The ADC of a layer. `fullScale` (in conductance LSB·Vread) is the largest current magnitude
 * to convert: PR·Gmax (single-ended) or PR·(Gmax − Gmin) (differential) for fixed-full-scale,
 * the calibrated percentile for fixed-calibrated. A single-ended ADC has codes 0..2^B−1; a
 * differential one (signed pair current) −(2^(B−1)−1)..2^(B−1)−1.
 */
export function adcSpec(mode: AdcMode, adcBits: number, table: ConductanceTable, fullScale: number, differential: boolean): AdcSpec {
  switch (mode) {
    case 'lossless':
      return { mode: 'lossless', step: table.dG };
    case 'self-ranging':
      return { mode: 'self-ranging', maxCode: 2 ** adcBits - 1 };
    case 'fixed-full-scale':
    case 'fixed-calibrated': {
      const maxCode = differential ? 2 ** (adcBits - 1) - 1 : 2 ** adcBits - 1;
      if (maxCode < 1) return { mode: 'fixed', step: table.dG, m: 0, minCode: 0, maxCode: 0, fullScale };
      const m = fixedShift(fullScale, table.dG, maxCode);
      return { mode: 'fixed', step: table.dG * 2 ** m, m, minCode: differential ? -maxCode : 0, maxCode, fullScale };
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
  return (c > spec.maxCode ? spec.maxCode : c < spec.minCode ? spec.minCode : c) * 2 ** spec.m;
}

/** Numerator of one self-ranging conversion with batch range [lo, hi]. */
export function convertSelfRanging(maxCode: number, I: number, lo: number, hi: number): number {
  const c = hi > lo ? rdiv((I - lo) * maxCode, hi - lo) : 0;
  return lo * maxCode + c * (hi - lo);
}

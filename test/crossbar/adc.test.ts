/** ADC models and the one rounding rule (docs/model.md §5), worked out by hand. */
import { describe, expect, it } from 'vitest';
import { adcDenominator, adcSpec, convertFixed, convertSelfRanging, fixedShift, rdiv } from '../../src/crossbar/adc.ts';
import { conductanceTable } from '../../src/crossbar/device.ts';
import { config } from '../helpers.ts';

/** Gu = 16, on/off 4, 2-bit cells: Gmin = 4, ΔG = 4, Gmax = 16. */
const table = conductanceTable(config({ quant: { weightBits: 4 }, tile: { cellBits: 2 }, device: { conductanceLsbPerGmax: 16, onOffRatio: 4 } }));

describe('rdiv: round half up, floor((2x + d) / (2d))', () => {
  it('exact quotients and non-halves', () => {
    expect(rdiv(0, 4)).toBe(0);
    expect(rdiv(12, 4)).toBe(3);
    expect(rdiv(13, 4)).toBe(3); // 3.25
    expect(rdiv(15, 4)).toBe(4); // 3.75
    expect(rdiv(-3, 4)).toBe(-1); // −0.75
    expect(rdiv(-1, 4)).toBe(0); // −0.25
    expect(rdiv(-12, 4)).toBe(-3);
  });

  it('halves go up, towards +∞, also for negatives', () => {
    expect(rdiv(5, 2)).toBe(3); // 2.5
    expect(rdiv(7, 2)).toBe(4); // 3.5
    expect(rdiv(-5, 2)).toBe(-2); // −2.5
    expect(rdiv(-7, 2)).toBe(-3); // −3.5
    expect(rdiv(-2, 4)).toBe(0); // −0.5
    expect(rdiv(6, 4)).toBe(2); // 1.5
    expect(rdiv(-6, 4)).toBe(-1); // −1.5
  });
});

describe('fixed range: the shift m', () => {
  it('is the smallest m ≥ 0 with maxCode·ΔG·2^m ≥ full scale', () => {
    expect(fixedShift(64, 4, 7)).toBe(2); // 28, 56 < 64 ≤ 112
    expect(fixedShift(56, 4, 7)).toBe(1); // equality is enough
    expect(fixedShift(57, 4, 7)).toBe(2);
    expect(fixedShift(28, 4, 7)).toBe(0);
    expect(fixedShift(1, 4, 7)).toBe(0);
  });

  it('single-ended fixed-full-scale: FS = PR·Gmax = 4·16 = 64, 3 bits → codes 0..7, m = 2, step 16', () => {
    expect(adcSpec('fixed-full-scale', 3, table, 4 * 16, false)).toEqual({ mode: 'fixed', step: 16, m: 2, minCode: 0, maxCode: 7, fullScale: 64 });
  });

  it('differential: FS = PR·(Gmax − Gmin) = 4·12 = 48, 4 bits → codes −7..7, m = 1, step 8', () => {
    expect(adcSpec('fixed-full-scale', 4, table, 48, true)).toEqual({ mode: 'fixed', step: 8, m: 1, minCode: -7, maxCode: 7, fullScale: 48 });
  });

  it('a 1-bit differential ADC has no nonzero code', () => {
    const spec = adcSpec('fixed-full-scale', 1, table, 48, true);
    expect(spec).toMatchObject({ mode: 'fixed', minCode: 0, maxCode: 0 });
    if (spec.mode !== 'fixed') throw new Error('unreachable');
    expect([convertFixed(spec, 40), convertFixed(spec, -40)]).toEqual([0, 0]);
  });

  it('lossless: step ΔG, no clamp; self-ranging: maxCode 2^B − 1', () => {
    expect(adcSpec('lossless', 3, table, 64, false)).toEqual({ mode: 'lossless', step: 4 });
    expect(adcSpec('self-ranging', 3, table, 64, true)).toEqual({ mode: 'self-ranging', maxCode: 7 });
  });
});

describe('conversion numerators', () => {
  it('lossless: rdiv(I, ΔG), unbounded, sign kept', () => {
    const spec = { mode: 'lossless', step: 4 } as const;
    expect(convertFixed(spec, 30)).toBe(8); // 7.5 → 8
    expect(convertFixed(spec, 4000)).toBe(1000);
    expect(convertFixed(spec, -10)).toBe(-2); // −2.5 → −2
    expect(adcDenominator(spec, table)).toBe(1);
  });

  it('single-ended fixed: clamp(rdiv(I, 16), 0, 7)·4', () => {
    const spec = adcSpec('fixed-full-scale', 3, table, 64, false);
    if (spec.mode !== 'fixed') throw new Error('unreachable');
    expect(convertFixed(spec, 24)).toBe(8); // 1.5 → 2 → 8
    expect(convertFixed(spec, 23)).toBe(4); // 1.44 → 1
    expect(convertFixed(spec, 112)).toBe(28); // 7 exactly
    expect(convertFixed(spec, 200)).toBe(28); // 12.5 → 13, clipped to 7
    expect(convertFixed(spec, -20)).toBe(0); // −1.25 → −1, clipped to 0
    expect(adcDenominator(spec, table)).toBe(1);
  });

  it('differential fixed: clamp(rdiv(I, 8), −7, 7)·2', () => {
    const spec = adcSpec('fixed-full-scale', 4, table, 48, true);
    if (spec.mode !== 'fixed') throw new Error('unreachable');
    expect(convertFixed(spec, 4)).toBe(2); // 0.5 → 1
    expect(convertFixed(spec, -4)).toBe(0); // −0.5 → 0
    expect(convertFixed(spec, -12)).toBe(-2); // −1.5 → −1
    expect(convertFixed(spec, 100)).toBe(14); // 12.5 → 13, clipped to 7
    expect(convertFixed(spec, -100)).toBe(-14); // −12.5 → −12, clipped to −7
  });

  it('self-ranging: c = rdiv((I − lo)·maxCode, hi − lo), numerator lo·maxCode + c·(hi − lo), D = maxCode·ΔG', () => {
    // lo 12, hi 28, 2 bits (maxCode 3): I = 24 → (12·3)/16 = 2.25 → 2; numerator 36 + 2·16 = 68.
    expect(convertSelfRanging(3, 24, 12, 28)).toBe(68);
    expect(convertSelfRanging(3, 28, 12, 28)).toBe(84); // hi → maxCode
    expect(convertSelfRanging(3, 12, 12, 28)).toBe(36); // lo → 0
    expect(convertSelfRanging(3, 20, 12, 28)).toBe(68); // (8·3)/16 = 1.5 → 2: 36 + 32
    // Signed (differential) currents: lo −8, hi 8, I = −2 → (6·3)/16 = 1.125 → 1; −24 + 16 = −8.
    expect(convertSelfRanging(3, -2, -8, 8)).toBe(-8);
    // hi = lo: code 0, numerator lo·maxCode (the exact value).
    expect(convertSelfRanging(3, 20, 20, 20)).toBe(60);
    expect(adcDenominator({ mode: 'self-ranging', maxCode: 3 }, table)).toBe(12);
  });
});

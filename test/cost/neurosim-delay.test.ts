/** NeuroSim's sensing-cycle delays ported from V1.3 (src/cost/neurosim-delay.ts), on cases worked by hand. */
import { describe, expect, it } from 'vitest';
import { horowitz, NS_DEVICES, NsTech, sensingCycleParts, type SensingSubarray } from '../../src/cost/neurosim-delay.ts';

const T = new NsTech(NS_DEVICES[22]!);
const F = 22e-9;
/** NeuroSim V1.3's example subarray: 128 × 128, 8 columns per ADC, 32 levels, 100 kΩ / 10 MΩ. */
const v13: SensingSubarray = { rows: 128, cols: 128, colsPerAdc: 8, levels: 32, rOnOhm: 100e3, rOffOhm: 10e6, sar: false };

describe('formula.cpp', () => {
  it('horowitz with a step input (ramp 1e20/s) is ln 2 · tr (to 1e-8); its output ramp is 0.5 / delay', () => {
    const h = horowitz(1e-12, 1e20);
    expect(Math.abs(h.delayS / (Math.LN2 * 1e-12) - 1)).toBeLessThan(1e-8);
    expect(h.rampOutput * h.delayS).toBeCloseTo(0.5, 12);
  });
  it('horowitz with a slow input ramp: tr · sqrt(ln²0.5 + 0.5/(ramp · tr)), longer than the step delay', () => {
    const tr = 2e-12;
    const ramp = 1e11;
    expect(horowitz(tr, ramp).delayS).toBeCloseTo(tr * Math.sqrt(Math.LN2 ** 2 + 0.5 / (ramp * tr)), 24);
    expect(horowitz(tr, ramp).delayS).toBeGreaterThan(horowitz(tr, 1e20).delayS);
  });
  it('22 nm LP on resistance of a 1F NMOS: 1.77 · 0.85 V / (791.9 A/m · 22 nm) = 86.4 kΩ', () => {
    expect(T.onRes(F, 'n')).toBeCloseTo((1.77 * 0.85) / (791.9 * F), 6);
    expect(T.onRes(F, 'n')).toBeCloseTo(86_360, -2);
  });
  it('EnlargeSize: a 2F / 2.64F inverter fills the 28F cell: P = ratio · (28 − 3.5 − 3.6)F, N = P·(1 − ratio)/ratio', () => {
    const [n, p] = T.enlarge(2 * F, T.pn * 2 * F, 28 * F);
    const ratio = T.pn / (1 + T.pn);
    expect(p).toBeCloseTo(ratio * 20.9 * F, 20);
    expect(n).toBeCloseTo(ratio * 20.9 * F * (1 - ratio) / ratio, 20);
  });
  it('drain capacitance of a 1F NMOS (unfolded): bottom 2.8F·W·C_j + sidewall (5.6F + W)·C_sw + W·C_dc', () => {
    const v = 1 + 0.85 / 0.9;
    const cj = 1e-3 / v ** 0.5;
    const csw = 2.5e-10 / v ** 0.33;
    const cdc = 0.5e-10 / v ** 0.33;
    expect(T.outputCap('inv', 1, F, 0, 12 * F)).toBeCloseTo(2.8 * F * F * cj + (5.6 * F + F) * csw + F * cdc, 24);
  });
});

describe('SubArray.cpp sensing cycle, RRAM 1T1R parallel read (V1.3 example subarray, 22 nm)', () => {
  const p = sensingCycleParts(22, v13)!;
  it('column RC = 0.2 · C_col · R_avg / 64, R_avg = 25 kΩ access + (100 kΩ + 10 MΩ)/2', () => {
    const rAvg = 25e3 + (100e3 + 10e6) / 2;
    const rAccess = 25e3;
    const wAccess = ((1.77 * 0.85) / (791.9 * F) * 0.2 / rAccess) * F;
    const capCol = 128 * 4 * F * 0.2e-9 + T.outputCap('inv', 1, wAccess, 0, 12 * F) * 128;
    expect(p.columnRcS).toBeCloseTo(0.2 * capCol * rAvg / 64, 20);
  });
  it('every part positive, decoder dominating the multiplexer path; the cycle adds 0.3–0.8 ns to the 1 ns sense amplifier', () => {
    for (const v of Object.values(p)) expect(v).toBeGreaterThan(0);
    expect(p.muxDecoderS).toBeGreaterThan(p.muxS);
    expect(p.totalS).toBeCloseTo(Math.max(p.switchMatrixS, p.muxS + p.muxDecoderS) + p.columnRcS + p.encoderS, 24);
    expect(p.totalS).toBeGreaterThan(0.3e-9);
    expect(p.totalS).toBeLessThan(0.8e-9);
  });
  it('monotonic: a higher R_off slows the column; more rows lengthen the word line and the column; more levels slow the encoder', () => {
    expect(sensingCycleParts(22, { ...v13, rOffOhm: 20e6 })!.columnRcS).toBeGreaterThan(p.columnRcS);
    const tall = sensingCycleParts(22, { ...v13, rows: 256, cols: 256 })!;
    expect(tall.switchMatrixS).toBeGreaterThan(p.switchMatrixS);
    expect(sensingCycleParts(22, { ...v13, levels: 64 })!.encoderS).toBeGreaterThan(p.encoderS);
    expect(sensingCycleParts(22, { ...v13, levels: 16 })!.encoderS).toBeLessThan(p.encoderS);
  });
  it('no column multiplexing: no mux or decoder; SAR: no encoder; a node whose data were not read: null', () => {
    const one = sensingCycleParts(22, { ...v13, colsPerAdc: 1 })!;
    expect(one.muxS + one.muxDecoderS).toBe(0);
    expect(sensingCycleParts(22, { ...v13, sar: true })!.encoderS).toBe(0);
    expect(sensingCycleParts(45, v13)).toBeNull();
    expect(sensingCycleParts(7, v13)).toBeNull();
  });
});

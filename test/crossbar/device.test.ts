/**
 * Conductance table (docs/model.md §3), worked out by hand:
 * Gu = 4096 LSB per Gmax, on/off ratio 10.
 */
import { describe, expect, it } from 'vitest';
import { conductanceTable, ltpFraction } from '../../src/crossbar/device.ts';
import { config } from '../helpers.ts';

const dev = (cellBits: number, nonlinearityLtp = 0) =>
  config({ quant: { weightBits: 8 }, tile: { cellBits }, device: { conductanceLsbPerGmax: 4096, onOffRatio: 10, nonlinearityLtp, maxPulses: 128, rOnOhm: 100e3 } });

describe('conductance table, linear device', () => {
  it('1-bit cell: ΔG = round(4096 − 409.6) = 3686, Gmin = 4096 − 3686 = 410', () => {
    const t = conductanceTable(dev(1));
    expect(t.levels).toBe(2);
    expect(t.gMax).toBe(4096);
    expect(t.dG).toBe(3686);
    expect(t.gMin).toBe(410);
    expect(Array.from(t.levelG)).toEqual([410, 4096]);
  });

  it('2-bit cell: ΔG = round(3686.4 / 3) = round(1228.8) = 1229, Gmin = 4096 − 3·1229 = 409', () => {
    const t = conductanceTable(dev(2));
    expect(t.levels).toBe(4);
    expect(t.dG).toBe(1229);
    expect(t.gMin).toBe(409);
    expect(Array.from(t.levelG)).toEqual([409, 1638, 2867, 4096]);
  });

  it('the LSB is Gmax / Gu siemens, Gmax = 1 / rOn', () => {
    expect(conductanceTable(dev(1)).lsbSiemens).toBeCloseTo(1 / 100e3 / 4096, 20);
  });

  it('small fixed point: Gu = 16, on/off 4, 2-bit cells → 4, 8, 12, 16 (the docs example)', () => {
    const t = conductanceTable(config({ quant: { weightBits: 4 }, tile: { cellBits: 2 }, device: { conductanceLsbPerGmax: 16, onOffRatio: 4 } }));
    expect([t.gMin, t.dG, t.gMax]).toEqual([4, 4, 16]);
    expect(Array.from(t.levelG)).toEqual([4, 8, 12, 16]);
  });
});

describe('device nonlinearity (open-loop programming on the LTP curve)', () => {
  it('ltpFraction: endpoints exact, linear for NL = 0', () => {
    expect(ltpFraction(0, 128, 1.75)).toBe(0);
    expect(ltpFraction(128, 128, 1.75)).toBe(1);
    expect(ltpFraction(32, 128, 0)).toBe(0.25);
  });

  it('ltpFraction(P) = (1 − e^(−P/A)) / (1 − e^(−Pmax/A)) with A = Pmax / NL', () => {
    // NL 1.75, Pmax 128: A = 73.142857…, P = 43 → P/A = 43·1.75/128 = 0.587890625.
    // e^−0.587890625 = 0.5554978…, e^−1.75 = 0.1737739…; (1 − 0.5554978) / (1 − 0.1737739) = 0.537991…
    expect(ltpFraction(43, 128, 1.75)).toBeCloseTo(0.537991, 6);
    // Saturating curve: above the straight line in the middle.
    expect(ltpFraction(64, 128, 1.75)).toBeGreaterThan(0.5);
  });

  it('2-bit cells, NL 1.75: levels 1 and 2 take P = round(128/3) = 43 and round(256/3) = 85 pulses', () => {
    const t = conductanceTable(dev(2, 1.75));
    // Endpoints exactly Gmin and Gmax.
    expect(t.levelG[0]).toBe(409);
    expect(t.levelG[3]).toBe(4096);
    // Level 1: 409 + round(3687 · 0.537991…) = 409 + round(1983.57) = 2393.
    // Level 2: P/A = 85·1.75/128 = 1.162109375, e^− = 0.3128256, fraction 0.8317026;
    //          409 + round(3687 · 0.8317026) = 409 + round(3066.49) = 3475.
    expect(Array.from(t.levelG)).toEqual([409, 2393, 3475, 4096]);
    // The lossless step stays the linear ΔG (the table is only the programmed conductances).
    expect(t.dG).toBe(1229);
  });

  it('1-bit cells are unaffected by nonlinearity (only P = 0 and P = Pmax are used)', () => {
    expect(Array.from(conductanceTable(dev(1, 5)).levelG)).toEqual([410, 4096]);
  });
});

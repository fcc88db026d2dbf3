/**
 * The march test's price with the device write model (src/cost/bist.ts, src/cost/write.ts):
 * the cell writes follow pulse count, V_w², t_w and the cells' conductance; a config change
 * changes the figure; a bad write parameter is one line naming its config path.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig, validateConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { bistTestCost, bistTestFor, programCost } from '../../src/cost/bist.ts';
import { bitlineCapF } from '../../src/cost/components.ts';
import { techNode } from '../../src/cost/tech.ts';
import { writeModel } from '../../src/cost/write.ts';
import { ConfigError } from '../../src/errors.ts';
import { bistCounts } from '../../src/rtl/bist.ts';
import { generateRtl } from '../../src/rtl/generate.ts';
import { goldenConfig } from '../rtl/configs.ts';

const base = goldenConfig('t16-offset-1b');
const withDevice = (over: Partial<Config['device']>, write: Partial<Config['device']['write']> = {}): Config => ({
  ...base,
  device: { ...base.device, ...over, write: { ...base.device.write, ...write } },
});
const design = (cfg: Config) => generateRtl({ config: cfg, options: { writePath: true, bist: true } }).design;

describe('device write energy of the march test', () => {
  it('schema defaults are NeuroSim V2.1 Param.cpp (4 V, 50 ns), the V1.4 preset V1.4\'s 2 V; 3·R·C writes of maxPulses pulses each', () => {
    expect(validateConfig({}).device.write).toEqual({ voltageV: 4, pulseS: 50e-9 });
    expect(base.device.write).toEqual({ voltageV: 2, pulseS: 50e-9 });
    const d = design(base);
    const c = bistTestCost(base, d);
    expect(c.cellWrites).toBe(3 * 16 * 16);
    expect(c.writePulses).toBe(3 * 16 * 16 * base.device.maxPulses);
    expect(c.deviceWriteSeconds).toBeCloseTo(3 * 16 * base.device.maxPulses * 50e-9, 15);
    expect(c.cycles).toBe(bistCounts(d).cycles);
  });

  it('one pulse by hand: V²·((Gmax + Gmin)/2·t + C_col), Gmax = 1/rOn, Gmin from the level table', () => {
    const w = writeModel(base, 16);
    const gMax = 1 / base.device.rOnOhm; // 10 µS
    const gMin = (410 / 4096) * gMax; // docs/model.md §3: Gu 4096, on/off 10 → Gmin = 410 LSB
    expect(w.levelS(1)).toBeCloseTo(gMax, 18);
    expect(w.levelS(0)).toBeCloseTo(gMin, 18);
    const cCol = bitlineCapF(16, techNode(base.tech.nodeNm));
    expect(w.capColF).toBe(cCol);
    // (2 V)² · (5.5005e-6 S · 50 ns) = 1.1001 pJ, plus (2 V)² · C_col.
    expect(w.energyJ(1, gMax, gMin)).toBeCloseTo(4 * ((gMax + gMin) / 2) * 50e-9 + 4 * cCol, 24);
    expect(4 * ((gMax + gMin) / 2) * 50e-9).toBeCloseTo(1.1001e-12, 16);
    const c = bistTestCost(base, design(base));
    expect(c.energyJ.cellWrites).toBeCloseTo(3 * 256 * base.device.maxPulses * w.energyJ(1, gMax, gMin), 20);
    expect(c.energyJ.total).toBeCloseTo(c.energyJ.adc + c.energyJ.array + c.energyJ.store + c.energyJ.cellWrites, 20);
  });

  it('scales with the pulse count, V² and the pulse width (a config change changes the figure)', () => {
    const e0 = bistTestCost(base, design(base)).energyJ.cellWrites;
    // 1-bit cells: maxPulses does not move the levels, only the pulses of a full swing.
    const half = withDevice({ maxPulses: base.device.maxPulses / 2 });
    const c = bistTestCost(half, design(half));
    expect(c.writePulses).toBe(3 * 256 * (base.device.maxPulses / 2));
    expect(e0 / c.energyJ.cellWrites).toBeCloseTo(2, 12);
    const v4 = withDevice({}, { voltageV: 4 });
    expect(bistTestCost(v4, design(v4)).energyJ.cellWrites / e0).toBeCloseTo(4, 12);
    // Pulse width: only the resistive term scales.
    const t2 = withDevice({}, { pulseS: 100e-9 });
    const w = writeModel(base, 16);
    const resistive = 3 * 256 * base.device.maxPulses * 4 * ((w.levelS(0) + w.levelS(1)) / 2) * 50e-9;
    expect(bistTestCost(t2, design(t2)).energyJ.cellWrites - e0).toBeCloseTo(resistive, 18);
    // The RTL's cycles do not depend on the device's pulses.
    expect(bistTestCost(t2, design(t2)).cycles).toBe(bistTestCost(base, design(base)).cycles);
  });

  it('stuck cells conduct their stuck value through every pulse: SA1 raises the energy, SA0 lowers it', () => {
    const d = design(base);
    const none = bistTestCost(base, d).energyJ.cellWrites;
    const sa1 = bistTestCost(base, d, { stuck: { sa0: 0, sa1: 40 } }).energyJ.cellWrites;
    const sa0 = bistTestCost(base, d, { stuck: { sa0: 40, sa1: 0 } }).energyJ.cellWrites;
    expect(sa1).toBeGreaterThan(none);
    expect(sa0).toBeLessThan(none);
    const w = writeModel(base, 16);
    const n = base.device.maxPulses;
    expect(sa1 - none).toBeCloseTo(3 * 40 * (w.energyJ(n, w.levelS(1), w.levelS(1)) - w.energyJ(n, w.levelS(1), w.levelS(0))), 20);
  });

  it('programming a mapping: P(ℓ) pulses per cell from Gmin, term-table writes in their macro', () => {
    const cfg = resolveConfig({ preset: 'neurosim-v1.4', overrides: [{ tile: { cellBits: 2 } }] });
    const d = generateRtl({ config: cfg, options: { writePath: true, bist: true } }).design;
    const levels = new Uint8Array(d.rows * d.cols).map((_, i) => i % 4);
    const p = programCost(cfg, d, levels);
    // Levels 0..3 of 2-bit cells: P = 0, 43, 85, 128 pulses (docs/model.md §3).
    expect(p.cells.pulses).toBe((d.rows * d.cols / 4) * (0 + 43 + 85 + 128));
    expect(p.cells.serialSeconds).toBeCloseTo(p.cells.pulses * 50e-9, 12);
    expect(p.tableWrites).toBe(d.weightCols * (d.termsPerWeight + (d.inputSumSlot ? 1 : 0)));
    expect(p.tableEnergyJ).toBeGreaterThan(0);
    expect(p.energyJ).toBeCloseTo(p.cells.energyJ + p.tableEnergyJ, 20);
    // All cells at level 0: no pulses, no energy.
    expect(programCost(cfg, d, new Uint8Array(d.rows * d.cols)).cells.energyJ).toBe(0);
  });

  it('the synthesis report figures exist for MT tiles only', () => {
    const gen = generateRtl({ config: base });
    const t = bistTestFor(base, gen.manifest.rtlConfig, gen.manifest.options, 'test');
    expect(t!.cycles).toBe(bistCounts(design(base)).cycles);
    expect(t!.energyJ).toBeCloseTo(bistTestCost(base, design(base)).energyJ.total, 20);
    expect(t!.basis).toMatch(/^this tile built with --write-path --bist, test;/);
    const noMt = generateRtl({ config: base, options: { mt: false } });
    expect(bistTestFor(base, noMt.manifest.rtlConfig, noMt.manifest.options, 'test')).toBeNull();
  });

  it('a bad write parameter is one line naming its config path', () => {
    for (const [path, value] of [['voltageV', 0], ['voltageV', -2], ['pulseS', 0], ['pulseS', 'NaN']] as const) {
      let err: unknown = null;
      try {
        resolveConfig({ overrides: [{ device: { write: { [path]: value } } }] });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(new RegExp(`^device\\.write\\.${path}: must be a number`));
      expect((err as Error).message).not.toContain('\n');
    }
  });
});

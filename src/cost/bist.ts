/**
 * The price of the on-chip march test (docs/rtl.md "Test time and energy"): its cycles from
 * the hardware's structure (src/rtl/bist.ts, equal to the RTL's BIST_CYCLES counter), its time
 * at the cost model's clock, and its energy from the same components the cost model uses:
 *   ADC  : conversions × the cost model's energy of one conversion (components.ts adcEnergyJ);
 *   array: every cell is read twice with one row driven, once written Gmin (M1) and once
 *          Gmax (M2): R·C · V_read² · (Gmin + Gmax) · t_pulse (Ohm's law over one read pulse);
 *   store: fault-bitmap writes × the SRAM macro's write energy (src/synth/memlib.ts), at most
 *          2·R·C (every cell in M1, the SA0 cells again in M2).
 * Cell writes (3·R·C programming pulses) carry no energy here: the cost model has no
 * device write energy (docs/cost.md); their count is reported.
 */
import type { Config } from '../config/schema.ts';
import { conductanceTable } from '../crossbar/device.ts';
import { bistCounts } from '../rtl/bist.ts';
import type { Design } from '../rtl/design.ts';
import { DEFAULT_MEMORY_LIBRARY, memoryLibrary, sramMacro } from '../synth/memlib.ts';
import { adcEnergyJ } from './components.ts';
import { k } from './constants.ts';
import { techNode } from './tech.ts';

export interface BistTestCost {
  cycles: number;
  clockHz: number;
  seconds: number;
  cellWrites: number;
  conversions: number;
  energyJ: { adc: number; array: number; store: number; total: number };
  /** One line naming the sources. */
  basis: string;
}

export function bistTestCost(cfg: Config, d: Design, library = DEFAULT_MEMORY_LIBRARY): BistTestCost {
  const n = bistCounts(d);
  const clockHz = k('clockHz');
  const t = techNode(cfg.tech.nodeNm);
  const adc = n.conversions * adcEnergyJ(d.adcKind, d.codeBits, cfg.device.readVoltageV, t);
  const table = conductanceTable(cfg);
  const v = cfg.device.readVoltageV;
  const array = d.rows * d.cols * v * v * (table.gMin + table.gMax) * table.lsbSiemens * cfg.device.readPulseS;
  const macro = sramMacro(memoryLibrary(library), 2 ** (d.rowBits + d.colBits), 2);
  const store = n.storeWritesMax * macro.writeEnergyJ;
  return {
    cycles: n.cycles,
    clockHz,
    seconds: n.cycles / clockHz,
    cellWrites: n.cellWrites,
    conversions: n.conversions,
    energyJ: { adc, array, store, total: adc + array + store },
    basis: `ADC: ${d.adcKind} ${d.codeBits}-bit conversions (cost model); array: V²·G·t per cell read; fault store: ${library} write energy, at most 2 writes per cell; cell programming pulses not priced`,
  };
}

export function bistTestCostText(c: BistTestCost): string {
  const e = c.energyJ;
  return `test time ${c.cycles} cycles = ${(c.seconds * 1e6).toFixed(2)} µs at ${(c.clockHz / 1e9).toFixed(2)} GHz; test energy ≤ ${(e.total * 1e9).toFixed(2)} nJ (ADC ${(e.adc * 1e9).toFixed(2)}, array reads ${(e.array * 1e9).toFixed(2)}, fault store ${(e.store * 1e9).toFixed(2)}); ${c.cellWrites} cell writes (${c.basis})`;
}

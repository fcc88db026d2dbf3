/**
 * The price of the on-chip march test (docs/rtl.md "Test time and energy"): its cycles from
 * the hardware's structure (src/rtl/bist.ts, equal to the RTL's BIST_CYCLES counter), its time
 * at the cost model's clock, and its energy from the same components the cost model uses:
 *   ADC  : conversions × the cost model's energy of one conversion (components.ts adcEnergyJ);
 *   array: every cell is read twice with one row driven, once written Gmin (M1) and once
 *          Gmax (M2): R·C · V_read² · (Gmin + Gmax) · t_pulse (Ohm's law over one read pulse);
 *   store: fault-bitmap writes × the SRAM macro's write energy (src/synth/memlib.ts), at most
 *          2·R·C (every cell in M1, the SA0 cells again in M2);
 *   cell writes: 3·R·C writes (M0 Gmin, M1 Gmax, M2 Gmin), each a full swing of
 *          device.maxPulses programming pulses, priced by the device write model (write.ts,
 *          NeuroSim's V_w²·(G_prev + G_new)/2·t_w + V_w²·C_col per pulse). The array before
 *          the test is taken at Gmax (M0 then swings every cell, the most it can cost).
 * The RTL models a write as one clock cycle; the device needs its pulses: `deviceWriteSeconds`
 * is the time of the 3·R row writes at maxPulses · t_w each (a row is written at once).
 * Programming a mapping through the write path afterwards: `programCost`.
 */
import { resolveConfig } from '../config/load.ts';
import { isUserError } from '../errors.ts';
import { bistCounts } from '../rtl/bist.ts';
import { deriveDesign, type Design, type RtlConfig } from '../rtl/design.ts';
import type { Manifest } from '../rtl/generate.ts';
import { DEFAULT_MEMORY_LIBRARY, memoryLibrary, sramMacro } from '../synth/memlib.ts';
import type { SynthBistTest } from '../synth/synthesize.ts';
import { adcEnergyJ } from './components.ts';
import { k } from './constants.ts';
import { techNode } from './tech.ts';
import { programCellsCost, writeModel, type WriteCfg, type WriteCost } from './write.ts';

export type BistCfg = WriteCfg;

export interface BistTestCost {
  cycles: number;
  clockHz: number;
  seconds: number;
  cellWrites: number;
  /** Programming pulses of the cell writes (each write a full swing of device.maxPulses). */
  writePulses: number;
  /** Time the device needs for the 3·R row writes (maxPulses · t_w each), s; the RTL counts one cycle per row write. */
  deviceWriteSeconds: number;
  conversions: number;
  energyJ: { adc: number; array: number; store: number; cellWrites: number; total: number };
  /** Stuck cells the cell-write energy accounts for (a stuck cell conducts its stuck value through every pulse). */
  stuck: { sa0: number; sa1: number };
  /** One line naming the sources. */
  basis: string;
}

/**
 * The test's price for tile design `d` (built with the write path and the BIST, or its options
 * are ignored: the counts follow the geometry). `stuck` = the tile's stuck cells when known
 * (the cell-write energy then uses their conductance); none by default.
 */
export function bistTestCost(cfg: BistCfg, d: Design, opts: { library?: string; stuck?: { sa0: number; sa1: number } } = {}): BistTestCost {
  const library = opts.library ?? DEFAULT_MEMORY_LIBRARY;
  const stuck = opts.stuck ?? { sa0: 0, sa1: 0 };
  const n = bistCounts(d);
  const clockHz = k('clockHz');
  const t = techNode(cfg.tech.nodeNm);
  const adc = n.conversions * adcEnergyJ(d.adcKind, d.codeBits, cfg.device.readVoltageV, t);
  const w = writeModel(cfg, d.rows);
  const table = w.table;
  const v = cfg.device.readVoltageV;
  const array = d.rows * d.cols * v * v * (table.gMin + table.gMax) * table.lsbSiemens * cfg.device.readPulseS;
  const macro = sramMacro(memoryLibrary(library), 2 ** (d.rowBits + d.colBits), 2);
  const store = n.storeWritesMax * macro.writeEnergyJ;
  // Every write of MATS+ swings a healthy cell between Gmin and Gmax (M0 from the Gmax bound).
  const top = table.levels - 1;
  const swing = w.pulses(0, top);
  const gMin = w.levelS(0);
  const gMax = w.levelS(top);
  const cells = d.rows * d.cols;
  const healthy = Math.max(0, cells - stuck.sa0 - stuck.sa1);
  const perWrite = (g0: number, g1: number) => w.energyJ(swing, g0, g1);
  const cellWrites = 3 * (healthy * perWrite(gMax, gMin) + stuck.sa0 * perWrite(gMin, gMin) + stuck.sa1 * perWrite(gMax, gMax));
  return {
    cycles: n.cycles,
    clockHz,
    seconds: n.cycles / clockHz,
    cellWrites: n.cellWrites,
    writePulses: n.cellWrites * swing,
    deviceWriteSeconds: n.rowWrites * swing * w.pulseS,
    conversions: n.conversions,
    energyJ: { adc, array, store, cellWrites, total: adc + array + store + cellWrites },
    stuck,
    basis:
      `ADC: ${d.adcKind} ${d.codeBits}-bit conversions (cost model); array: V²·G·t per cell read; fault store: ${library} write energy, at most 2 writes per cell; ` +
      `cell writes: ${swing} pulses each of ${w.voltageV} V × ${fmtNs(w.pulseS)} ns, V_w²·((G_prev + G_new)/2·t_w + C_col) per pulse (NeuroSim), write drivers not priced`,
  };
}

const fmtNs = (s: number) => Number((s * 1e9).toPrecision(4)).toString();

export function bistTestCostText(c: BistTestCost): string {
  const e = c.energyJ;
  return (
    `test time ${c.cycles} cycles = ${(c.seconds * 1e6).toFixed(2)} µs at ${(c.clockHz / 1e9).toFixed(2)} GHz (+ ${(c.deviceWriteSeconds * 1e3).toFixed(3)} ms of device programming pulses); ` +
    `test energy ≤ ${(e.total * 1e9).toFixed(2)} nJ (cell writes ${(e.cellWrites * 1e9).toFixed(2)}, ADC ${(e.adc * 1e9).toFixed(2)}, array reads ${(e.array * 1e9).toFixed(2)}, fault store ${(e.store * 1e9).toFixed(2)}); ` +
    `${c.cellWrites} cell writes, ${c.writePulses} pulses (${c.basis})`
  );
}

/** The figures the synthesis report prints beside the MT price (plain data: synth does not import the cost model). */
export function synthBistTest(c: BistTestCost, where: string): SynthBistTest {
  return {
    cycles: c.cycles,
    clockHz: c.clockHz,
    seconds: c.seconds,
    deviceWriteSeconds: c.deviceWriteSeconds,
    energyJ: c.energyJ.total,
    cellWriteEnergyJ: c.energyJ.cellWrites,
    writePulses: c.writePulses,
    basis: `${where}; ${c.basis}`,
  };
}

/**
 * The test's figures for a tile of `rc` with `options`, as built with the write path and the BIST
 * (null when it cannot have them: no MT, or a design the BIST refuses).
 */
export function bistTestFor(cfg: BistCfg, rc: RtlConfig, options: Design['options'], where: string, library?: string): SynthBistTest | null {
  if (!options.mt) return null;
  let d: Design;
  try {
    d = deriveDesign(rc, { ...options, writePath: true, bist: true });
  } catch (e) {
    if (isUserError(e)) return null;
    throw e;
  }
  const built = options.bist === true ? 'this tile' : 'this tile built with --write-path --bist';
  return synthBistTest(bistTestCost(cfg, d, library === undefined ? {} : { library }), `${built}, ${where}`);
}

/**
 * The same for the tile of a `memxbar gen` folder: its manifest records the RTL's config only,
 * so the programming pulses (`device.write`) and the technology are its preset's.
 */
export function bistTestForManifest(m: Manifest, library?: string): SynthBistTest | null {
  let preset;
  try {
    preset = resolveConfig({ preset: m.preset });
  } catch (e) {
    if (isUserError(e)) return null;
    throw e;
  }
  const cfg: BistCfg = { tile: m.rtlConfig.tile, device: { ...preset.device, ...m.rtlConfig.device }, tech: preset.tech };
  const w = cfg.device.write;
  return bistTestFor(cfg, m.rtlConfig, m.options, `device.write (${w.voltageV} V, ${fmtNs(w.pulseS)} ns) and tech (${cfg.tech.nodeNm} nm) of preset ${m.preset}, which the manifest does not record`, library);
}

export interface ProgramCost {
  cells: WriteCost;
  /** MT term-table entries written (every entry: the table has no reset) and their energy in its SRAM macro. */
  tableWrites: number;
  tableEnergyJ: number;
  energyJ: number;
}

/**
 * Programming a mapping through the write path after the test (the array erased, docs/rtl.md
 * "Write path and BIST"): the cells one CELL_WRITE at a time (`levels`, row-major, with the
 * tile's `stuck` map), then every MT term-table entry (SRAM macro write energy).
 */
export function programCost(cfg: BistCfg, d: Design, levels: ArrayLike<number>, stuck?: ArrayLike<number>, library = DEFAULT_MEMORY_LIBRARY): ProgramCost {
  const cells = programCellsCost(writeModel(cfg, d.rows), levels, stuck);
  const tableWrites = d.options.mt ? d.weightCols * (d.termsPerWeight + (d.inputSumSlot ? 1 : 0)) : 0;
  const tableEnergyJ = tableWrites ? tableWrites * sramMacro(memoryLibrary(library), 2 ** (d.weightColBits + d.termIndexBits), d.termEntryBits, 'term table').writeEnergyJ : 0;
  return { cells, tableWrites, tableEnergyJ, energyJ: cells.energyJ + tableEnergyJ };
}

export function programCostText(c: ProgramCost): string {
  return (
    `programming the mapping: ${c.cells.writes} cell writes, ${c.cells.pulses} pulses, ${(c.cells.energyJ * 1e9).toFixed(2)} nJ, ` +
    `${(c.cells.serialSeconds * 1e3).toFixed(3)} ms of pulses (one cell at a time); ${c.tableWrites} term-table writes ${(c.tableEnergyJ * 1e9).toFixed(3)} nJ; total ${(c.energyJ * 1e9).toFixed(2)} nJ`
  );
}

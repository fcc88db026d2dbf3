/**
 * Device write (programming) energy and time (docs/cost.md "Device writes").
 *
 * NeuroSim's write energy of a 1T1R cell with a linear I–V (MLP_NeuroSim V3.0 Cell.cpp,
 * AnalogNVM::WriteEnergyCalculation, `cmosAccess` branch, LTP and LTD alike):
 *
 *   E = n · V_w² · ((G_prev + G_new)/2 · t_w + C_col)        joules
 *
 * n = pulses of the write, V_w = device.write.voltageV, t_w = device.write.pulseS, G_prev and
 * G_new the cell's conductance before and after (siemens: the cell conducts their mean over the
 * write), C_col the column wire the pulse charges (`bitlineCapF`, NeuroSim's capBL). A 1T1R
 * array has no half-selected cells, so the other cells of the column cost nothing more.
 * The pulse count is the device model's own (docs/model.md §3): a cell goes from level a to
 * level b in |P(b) − P(a)| pulses, P(ℓ) = round(ℓ · device.maxPulses / (L − 1)), so a full swing
 * Gmin ↔ Gmax is device.maxPulses pulses.
 * Not priced: the write drivers, level shifters and switch matrices NeuroSim adds around the
 * array (their energy needs circuits memxbar does not model).
 */
import type { Config } from '../config/schema.ts';
import { conductanceTable, levelPulses, type ConductanceTable } from '../crossbar/device.ts';
import { bitlineCapF } from './components.ts';
import { techNode } from './tech.ts';

export type WriteCfg = { tile: Pick<Config['tile'], 'cellBits'>; device: Config['device']; tech: Config['tech'] };

export interface WriteModel {
  voltageV: number;
  pulseS: number;
  /** Column capacitance one pulse charges, F. */
  capColF: number;
  table: ConductanceTable;
  /** Pulses from level a to level b. */
  pulses(a: number, b: number): number;
  /** Conductance of a level, siemens. */
  levelS(level: number): number;
  /** Energy of `n` pulses on a cell conducting gPrevS before and gNewS after, J. */
  energyJ(n: number, gPrevS: number, gNewS: number): number;
}

export function writeModel(cfg: WriteCfg, rows: number): WriteModel {
  const table = conductanceTable(cfg);
  const { voltageV, pulseS } = cfg.device.write;
  const capColF = bitlineCapF(rows, techNode(cfg.tech.nodeNm));
  const L = table.levels;
  const P = (l: number) => levelPulses(l, L, cfg.device.maxPulses);
  return {
    voltageV,
    pulseS,
    capColF,
    table,
    pulses: (a, b) => Math.abs(P(b) - P(a)),
    levelS: (l) => table.levelG[l]! * table.lsbSiemens,
    energyJ: (n, gPrevS, gNewS) => n * voltageV * voltageV * (((gPrevS + gNewS) / 2) * pulseS + capColF),
  };
}

export interface WriteCost {
  /** Cell writes (one CELL_WRITE or one cell of a row write). */
  writes: number;
  pulses: number;
  energyJ: number;
  /** Device time when the writes happen one after another, each its pulses long, s. */
  serialSeconds: number;
}

/**
 * Programming a tile's cells one at a time through the write path from the erased array (every
 * cell at Gmin, where the march test leaves it): `levels[i]` is cell i's target level, `stuck[i]`
 * 0 healthy, 1 SA0, 2 SA1 (a stuck cell gets the pulses but keeps its conductance).
 */
export function programCellsCost(m: WriteModel, levels: ArrayLike<number>, stuck?: ArrayLike<number>): WriteCost {
  const gMin = m.levelS(0);
  const gMax = m.levelS(m.table.levels - 1);
  let pulses = 0;
  let energyJ = 0;
  for (let i = 0; i < levels.length; i++) {
    const n = m.pulses(0, levels[i]!);
    const s = stuck?.[i] ?? 0;
    const g0 = s === 2 ? gMax : gMin;
    const g1 = s === 1 ? gMin : s === 2 ? gMax : m.levelS(levels[i]!);
    pulses += n;
    energyJ += m.energyJ(n, g0, g1);
  }
  return { writes: levels.length, pulses, energyJ, serialSeconds: pulses * m.pulseS };
}

/**
 * Cell conductances in fixed point (docs/model.md §3): integers in units of one
 * conductance LSB, Gmax = conductanceLsbPerGmax.
 */
import type { Config } from '../config/schema.ts';

export interface ConductanceTable {
  /** Levels per cell, 2^cellBits. */
  levels: number;
  gMax: number;
  gMin: number;
  /** Level step of a linear device (the lossless ADC step). */
  dG: number;
  /** Programmed conductance of each level (nonlinearity included). */
  levelG: Int32Array;
  /** Conductance LSB in siemens. */
  lsbSiemens: number;
}

/** Normalised LTP curve: conductance reached after P of Pmax pulses, as a fraction of (Gmax − Gmin). */
export function ltpFraction(pulses: number, maxPulses: number, nonlinearity: number): number {
  if (nonlinearity <= 0) return pulses / maxPulses;
  const A = maxPulses / nonlinearity;
  return (1 - Math.exp(-pulses / A)) / (1 - Math.exp(-maxPulses / A));
}

/** Open-loop pulses from Gmin to level `level` of `levels` (docs/model.md §3): P(ℓ) = round(ℓ · Pmax / (L − 1)). */
export function levelPulses(level: number, levels: number, maxPulses: number): number {
  return Math.round((level * maxPulses) / (levels - 1));
}

export function conductanceTable(cfg: { tile: Pick<Config['tile'], 'cellBits'>; device: Config['device'] }): ConductanceTable {
  const levels = 2 ** cfg.tile.cellBits;
  const gMax = cfg.device.conductanceLsbPerGmax;
  const dG = Math.round((gMax - gMax / cfg.device.onOffRatio) / (levels - 1));
  const gMin = gMax - (levels - 1) * dG;
  const levelG = new Int32Array(levels);
  for (let l = 0; l < levels; l++) {
    if (cfg.device.nonlinearityLtp > 0) {
      const P = levelPulses(l, levels, cfg.device.maxPulses);
      levelG[l] = gMin + Math.round((gMax - gMin) * ltpFraction(P, cfg.device.maxPulses, cfg.device.nonlinearityLtp));
    } else {
      levelG[l] = gMin + l * dG;
    }
  }
  return { levels, gMax, gMin, dG, levelG, lsbSiemens: 1 / cfg.device.rOnOhm / gMax };
}

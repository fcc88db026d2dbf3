/**
 * The array as it really is (docs/model.md §9): programming schemes in both directions,
 * programming variation, retention drift (per cell, at programming time) and read noise (per
 * column and read). Every draw is counter-based (src/util/counter-rng.ts), keyed by what it
 * belongs to, and every value lands on the integer conductance grid before any sum, so the
 * reference model and the fast engine give the same integers by construction.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config/schema.ts';
import { ConfigError, DataError } from '../errors.ts';
import { STREAM, continueKey, hashKey, hashKey3, mixKey, normalOf, uniformIntOf } from '../util/counter-rng.ts';
import { ltpFraction, type ConductanceTable } from './device.ts';
import { SA0, SA1 } from './faults.ts';

type DeviceEffects = Pick<Config, 'tile' | 'device'>;

/** Boltzmann constant (J/K) and elementary charge (C), SI 2019 exact values. */
const KB = 1.380649e-23;
const Q = 1.602176634e-19;

/** Wan et al. (Nature 2022) programming error σ(G) in µS, G in µS: CrossSim RRAM_Wan.programming_error cubic fit. */
const WAN = { A: 1.536e-4, B: -1.167e-2, C: 2.374e-1, D: 1.053, gMaxMicroSiemens: 39.26 } as const;

/** Is any per-cell effect (programming scheme, variation, drift) on? Then cells hold arbitrary conductances. */
export function perCellEffects(cfg: DeviceEffects): boolean {
  const d = cfg.device;
  return d.programming.scheme !== 'reset' || variationOn(cfg) || driftOn(cfg);
}

export function variationOn(cfg: DeviceEffects): boolean {
  const v = cfg.device.variation;
  return v.deviceToDevice > 0 || v.cycleToCycle > 0 || v.levelModel !== 'none';
}

export function driftOn(cfg: DeviceEffects): boolean {
  return cfg.device.drift.model !== 'none' && cfg.device.readTimeSeconds > 0;
}

export function readNoiseOn(cfg: DeviceEffects): boolean {
  const n = cfg.device.readNoise;
  return n.thermalShot || n.rtn || n.proportional > 0;
}

/** The device effects with every one off (what design-time calibration sees: the ideal array). */
export function withoutEffects<T extends DeviceEffects>(cfg: T): T {
  const d = cfg.device;
  return {
    ...cfg,
    device: {
      ...d,
      programming: { ...d.programming, scheme: 'reset' },
      variation: { ...d.variation, deviceToDevice: 0, cycleToCycle: 0, levelModel: 'none' },
      readNoise: { ...d.readNoise, thermalShot: false, rtn: false, proportional: 0 },
      drift: { ...d.drift, model: 'none' },
    },
  };
}

/** One line naming every random effect that is on and its seed (printed by commands that program a crossbar). */
export function effectSeeds(cfg: DeviceEffects): string | null {
  const d = cfg.device;
  const parts: string[] = [];
  if (d.programming.scheme !== 'reset') parts.push(`previous levels seed ${d.programming.seed}`);
  if (variationOn(cfg)) parts.push(`programming variation seed ${d.variation.seed} (cycle ${d.variation.cycle})`);
  if (driftOn(cfg)) parts.push(`drift seed ${d.drift.seed}`);
  if (readNoiseOn(cfg)) parts.push(`read noise seed ${d.readNoise.seed}`);
  return parts.length ? parts.join(', ') : null;
}

/** A per-level table (levelModel `table`): mean and σ of each level's conductance, siemens. */
export interface LevelTable {
  mean: Float64Array;
  sigma: Float64Array;
}

/**
 * Read `device.variation.tableFile`: a CSV `level,meanSiemens,sigmaSiemens` (header first, `#`
 * comments and blank lines skipped), one line per level 0 … 2^cellBits − 1. Throws a DataError
 * naming the file and line.
 */
export function loadLevelTable(cfg: DeviceEffects): LevelTable {
  const file = cfg.device.variation.tableFile;
  const where = 'device.variation.tableFile';
  if (!file) throw new ConfigError('levelModel "table" needs a table file', where);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DataError(`${file}: cannot read level table: ${(e as NodeJS.ErrnoException).code ?? String(e)} (${where})`);
  }
  return parseLevelTable(text, file, 2 ** cfg.tile.cellBits);
}

export function parseLevelTable(text: string, file: string, levels: number): LevelTable {
  const mean = new Float64Array(levels).fill(NaN);
  const sigma = new Float64Array(levels).fill(NaN);
  const rows: { line: string; n: number }[] = [];
  text.split(/\r?\n/).forEach((raw, n) => {
    const line = raw.trim();
    if (line && !line.startsWith('#')) rows.push({ line, n: n + 1 });
  });
  if (!rows.length || rows[0]!.line.replace(/\s/g, '') !== 'level,meanSiemens,sigmaSiemens') {
    throw new DataError(`${file}:${rows[0]?.n ?? 1}: expected the header "level,meanSiemens,sigmaSiemens" (device.variation.tableFile)`);
  }
  const count = rows.length - 1;
  if (count !== levels) throw new DataError(`${file}: the table has ${count} levels, tile.cellBits = ${Math.log2(levels)} needs ${levels} (device.variation.tableFile)`);
  for (const { line, n } of rows.slice(1)) {
    const at = `${file}:${n}`;
    const f = line.split(',').map((s) => s.trim());
    if (f.length !== 3) throw new DataError(`${at}: expected 3 fields level,meanSiemens,sigmaSiemens, got ${f.length} (device.variation.tableFile)`);
    const [l, m, s] = f.map(Number) as [number, number, number];
    if (!Number.isInteger(l) || l < 0 || l >= levels) throw new DataError(`${at}: level ${JSON.stringify(f[0])} is not an integer 0..${levels - 1} (device.variation.tableFile, ${levels} levels for tile.cellBits)`);
    if (!Number.isFinite(m) || m < 0) throw new DataError(`${at}: meanSiemens ${JSON.stringify(f[1])} is not a number ≥ 0 (device.variation.tableFile)`);
    if (!Number.isFinite(s) || s < 0) throw new DataError(`${at}: sigmaSiemens ${JSON.stringify(f[2])} is not a number ≥ 0 (device.variation.tableFile)`);
    if (!Number.isNaN(mean[l]!)) throw new DataError(`${at}: level ${l} is listed twice (device.variation.tableFile)`);
    mean[l] = m;
    sigma[l] = s;
  }
  return { mean, sigma };
}

/** Checks of the device effects a config asks for, before any work (throws ConfigError / DataError). */
export function checkDeviceEffects(cfg: DeviceEffects): void {
  const v = cfg.device.variation;
  if (v.levelModel === 'table') loadLevelTable(cfg);
  if (v.levelModel === 'reram-wan' && 1e6 / cfg.device.rOnOhm > WAN.gMaxMicroSiemens) {
    throw new ConfigError(`levelModel "reram-wan" is fitted up to Gmax = ${WAN.gMaxMicroSiemens} µS; 1/rOnOhm is ${(1e6 / cfg.device.rOnOhm).toFixed(2)} µS`, 'device.rOnOhm');
  }
}

/**
 * The depression (LTD) curve of NeuroSim's RealDevice: the same family as LTP,
 * G(x) = Gmin + B(1 − e^(−x/A)), with A = −Pmax/|NL_LTD| < 0 (the curve bends the other way:
 * a depressing cell falls fast near Gmax); x = pulse position, 0 at Gmin, Pmax at Gmax.
 * Returns the fraction of (Gmax − Gmin) at pulse position x.
 */
export function ltdFraction(x: number, maxPulses: number, nonlinearity: number): number {
  const nl = Math.abs(nonlinearity);
  if (nl === 0) return x / maxPulses;
  const A = -maxPulses / nl;
  return (1 - Math.exp(-x / A)) / (1 - Math.exp(-maxPulses / A));
}

/** Inverse of a fraction curve f(x) = (1 − e^(−x/A)) / (1 − e^(−Pmax/A)) (A of either sign), or linear. */
function inverseFraction(f: number, maxPulses: number, A: number | null): number {
  if (A === null) return f * maxPulses;
  return -A * Math.log(1 - f * (1 - Math.exp(-maxPulses / A)));
}

/**
 * Target conductance (in LSB, not rounded) of a cell programmed to `level` from `prev` by the
 * `incremental` scheme (NeuroSim RealDevice::Write: the pulse position of the present
 * conductance on the curve of the direction, plus the pulses a linear device needs):
 *   up (level > prev):   the cell is on the LTP curve, so it ends where `reset` puts it;
 *   down (level < prev): x = LTD⁻¹(G(prev)), G = LTD(max(0, x − (P(prev) − P(level)))).
 * [prev][level], L × L.
 */
export function incrementalTargets(cfg: DeviceEffects, table: ConductanceTable): Float64Array[] {
  const L = table.levels;
  const { maxPulses, nonlinearityLtp, nonlinearityLtd } = cfg.device;
  const span = table.gMax - table.gMin;
  const P = (l: number) => Math.round((l * maxPulses) / (L - 1));
  const prevFraction = (l: number) => (nonlinearityLtp > 0 ? ltpFraction(P(l), maxPulses, nonlinearityLtp) : (l * table.dG) / span);
  const ALtd = nonlinearityLtd === 0 ? null : -maxPulses / Math.abs(nonlinearityLtd);
  const out: Float64Array[] = [];
  for (let prev = 0; prev < L; prev++) {
    const row = new Float64Array(L);
    for (let l = 0; l < L; l++) {
      if (l >= prev) {
        row[l] = table.levelG[l]!;
        continue;
      }
      const x = inverseFraction(prevFraction(prev), maxPulses, ALtd);
      // Open-loop pulses are whole pulses on a nonlinear curve; a linear device steps exactly ΔG per level (§3).
      const pulses = ALtd === null ? ((prev - l) * maxPulses) / (L - 1) : P(prev) - P(l);
      const xNew = Math.max(0, x - pulses);
      row[l] = table.gMin + span * ltdFraction(xNew, maxPulses, nonlinearityLtd);
    }
    out.push(row);
  }
  return out;
}

/** aihwkit PCMLikeNoiseModel.generate_drift_coefficients: mean and σ of ν from g = G_target/Gmax. */
export function pcmDriftFit(gRelative: number): { mu: number; sigma: number } {
  const g = Math.max(gRelative, 1e-6);
  const clip = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  return { mu: clip(-0.0155 * Math.log(g) + 0.0244, 0.049, 0.1), sigma: clip(-0.0125 * Math.log(g) - 0.0059, 0.008, 0.045) };
}

/**
 * Conductance of every cell of one layer with the per-cell effects (docs/model.md §9.2, §9.4):
 * target (programming scheme) → programming variation → drift to readTimeSeconds → rounded to
 * the LSB grid, at least 0. Stuck cells are Gmax / Gmin exactly (no variation, no drift).
 */
export function effectConductances(cfg: DeviceEffects, table: ConductanceTable, levels: Uint8Array, faults: Uint8Array, layerIndex: number, levelTable: LevelTable | null): Int32Array {
  const d = cfg.device;
  const v = d.variation;
  const incremental = d.programming.scheme === 'incremental' ? incrementalTargets(cfg, table) : null;
  const lsbSiemens = table.lsbSiemens;
  const t = d.readTimeSeconds;
  const drift = driftOn(cfg);
  const G = new Int32Array(levels.length);
  // Key prefixes (seed, stream, layer) of the per-cell draws: hashKey(seed, stream, layer, i, …).
  const prevKey = hashKey3(d.programming.seed, STREAM.previousLevel, layerIndex);
  const d2dKey = hashKey3(v.seed, STREAM.deviceToDevice, layerIndex);
  const c2cKey = hashKey3(v.seed, STREAM.cycleToCycle, layerIndex);
  const driftKey = hashKey3(d.drift.seed, STREAM.drift, layerIndex);
  for (let i = 0; i < G.length; i++) {
    const f = faults[i];
    if (f === SA1 || f === SA0) {
      G[i] = f === SA1 ? table.gMax : table.gMin;
      continue;
    }
    const level = levels[i]!;
    let g: number = table.levelG[level]!;
    if (incremental) {
      const prev = uniformIntOf(continueKey(prevKey, i), table.levels);
      g = incremental[prev]![level]!;
    }
    const target = g;
    if (v.levelModel === 'table') {
      g = levelTable!.mean[level]! / lsbSiemens + ((v.levelSigmaScale * levelTable!.sigma[level]!) / lsbSiemens) * normalOf(continueKey(c2cKey, i, v.cycle, 1));
    } else if (v.levelModel === 'reram-wan') {
      const gu = g * lsbSiemens * 1e6;
      const sigmaMicro = Math.max(((WAN.A * gu + WAN.B) * gu + WAN.C) * gu + WAN.D, 0);
      g += ((v.levelSigmaScale * sigmaMicro * 1e-6) / lsbSiemens) * normalOf(continueKey(c2cKey, i, v.cycle, 1));
    }
    if (v.deviceToDevice > 0) g *= 1 + v.deviceToDevice * normalOf(continueKey(d2dKey, i));
    if (v.cycleToCycle > 0) g *= 1 + v.cycleToCycle * normalOf(continueKey(c2cKey, i, v.cycle, 0));
    if (g < 0) g = 0;
    if (drift) {
      const z = normalOf(continueKey(driftKey, i));
      let nu: number;
      if (d.drift.model === 'pcm-aihwkit') {
        const fit = pcmDriftFit(target / table.gMax);
        nu = Math.abs(fit.mu + fit.sigma * z);
      } else {
        nu = Math.max(0, d.drift.nu + d.drift.nuSigma * z);
      }
      g *= ((t + d.drift.t0Seconds) / d.drift.t0Seconds) ** -nu;
    }
    G[i] = Math.round(g);
  }
  return G;
}

/**
 * Per-cell read-noise tables (docs/model.md §9.3), integers: `variance` in 1/256 LSB² and
 * `mean` in 1/256 LSB of one read of the cell:
 *   thermal + shot (PytorX): σ² = G·f·(4kT + 2qV)/V²  (siemens²) → g·f(4kT + 2qV)/(V²·G_LSB) LSB²
 *   proportional:            σ = k·g
 *   RTN (PytorX):            +Δ with probability τ, Δ = G(bG + a)/(G − (bG + a)): mean τΔ, variance τ(1 − τ)Δ²
 */
export function noiseTables(cfg: DeviceEffects, table: ConductanceTable, G: Int32Array): { variance: Float64Array; mean: Float64Array } {
  const n = cfg.device.readNoise;
  const V = cfg.device.readVoltageV;
  const lsb = table.lsbSiemens;
  const thermal = n.thermalShot ? (n.frequencyHz * (4 * KB * n.temperatureK + 2 * Q * V)) / (V * V) / lsb : 0;
  const variance = new Float64Array(G.length);
  const mean = new Float64Array(G.length);
  for (let i = 0; i < G.length; i++) {
    const g = G[i]!;
    let vr = thermal * g + (n.proportional * g) ** 2;
    let mu = 0;
    if (n.rtn) {
      const gs = g * lsb;
      const k = n.rtnB * gs + n.rtnASiemens;
      const delta = gs > k ? (gs * k) / (gs - k) / lsb : 0;
      mu += n.rtnProbability * delta;
      vr += n.rtnProbability * (1 - n.rtnProbability) * delta * delta;
    }
    variance[i] = Math.round(vr * 256);
    mean[i] = Math.round(mu * 256);
  }
  return { variance, mean };
}

/** Key prefix of one read (seed, layer, row tile, group, bit, patch); the column is the last word. */
export function readKey(seed: number, layerIndex: number, rt: number, g: number, k: number, p: number): number {
  return hashKey(seed, STREAM.readNoise, layerIndex, rt, g, k, p);
}

/** Noise of one column current: floor(M/256 + sqrt(V/256)·z + 1/2), z the normal deviate of (read key, column). */
export function columnNoise(V: number, M: number, key: number, column: number): number {
  if (V === 0 && M === 0) return 0;
  const z = normalOf(mixKey(key, column));
  const a = M / 256;
  const s = Math.sqrt(V / 256);
  const c = s * z;
  const dd = a + c;
  return Math.floor(dd + 0.5);
}

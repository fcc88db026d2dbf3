/**
 * The crossbar reference model (docs/model.md): a readable, bit-exact implementation of
 * one layer's matrix product on crossbar subarrays. It is the spec the fast engine and
 * the RTL are tested against, so it is written for obviousness, not speed.
 */
import type { Config } from '../config/schema.ts';
import { UnsupportedError } from '../errors.ts';
import type { MatrixEngine, QuantLayer, QuantNetwork } from '../nn/quant.ts';
import { adcDenominator, adcSpec, convertFixed, convertSelfRanging, rdiv, type AdcSpec } from './adc.ts';
import { conductanceTable, type ConductanceTable } from './device.ts';
import { columnNoise, effectConductances, loadLevelTable, noiseTables, perCellEffects, readKey, readNoiseOn } from './effects.ts';
import { SA0, SA1, noFaults, type FaultMap } from './faults.ts';
import { irDropConductances } from './irdrop.ts';
import { plainMapping, type LayerMapping } from './layout.ts';
import { gemm } from '../nn/ops.ts';
import { kernelThreads, native } from '../native/addon.ts';

/** Per-layer activity recorded while running (for the energy model). */
export interface LayerStats {
  /** Row-group reads, one per (patch, row tile, column tile, group, input bit). */
  reads: number;
  /** ADC conversions (used columns × reads of their subarray). */
  conversions: number;
  /** Σ over reads of Σ_j I[j], in conductance LSB · Vread (energy ∝ this · Vread · t). */
  currentSum: number;
}

export interface CrossbarOptions {
  /** Mappings per compute layer (default: the plain mapping). */
  mappings?: LayerMapping[];
  /** Fault map (default: none). */
  faults?: FaultMap;
  /** Full-scale currents per layer for `fixed-calibrated` (from calibrateAdcFullScale). */
  calibratedFullScale?: number[];
}

/** A programmed crossbar accelerator: mappings, faulty conductances and ADCs of every layer. */
export interface Crossbar {
  cfg: Config;
  table: ConductanceTable;
  mappings: LayerMapping[];
  faults: FaultMap;
  /** Actual conductance of every physical cell of each layer (faults, nonlinearity and IR drop included). */
  conductance: Int32Array[];
  adc: AdcSpec[];
  stats: LayerStats[];
  /** When set, engines add every column current (in units of ΔG, floored) to these histograms (ADC calibration). */
  currentHistogram?: Float64Array[];
  /** Read noise per layer (docs/model.md §9.3): per-cell variance (1/256 LSB²) and mean (1/256 LSB) of one read; null = off. */
  noise: { variance: Float64Array; mean: Float64Array }[] | null;
  /** Cells hold arbitrary conductances (programming scheme, variation, drift, IR drop: docs/model.md §9), not only the level table's. */
  perCell: boolean;
}

/** Conductance of every cell: programmed level through the device curve, then faults. */
export function cellConductances(m: LayerMapping, table: ConductanceTable, faults: Uint8Array, opts: { native?: boolean } = {}): Int32Array {
  const G = new Int32Array(m.levels.length);
  const k = opts.native === false ? null : native();
  if (k && typeof k.cellConductances === 'function' && faults.length >= G.length) {
    // The same values (kernels/program.cc; gMin, gMax as an Int32Array store converts them), threads by cells.
    k.cellConductances(m.levels, faults, table.levelG, table.gMin | 0, table.gMax | 0, G, kernelThreads());
    return G;
  }
  for (let i = 0; i < G.length; i++) {
    const f = faults[i];
    G[i] = f === SA1 ? table.gMax : f === SA0 ? table.gMin : table.levelG[m.levels[i]!]!;
  }
  return G;
}

export function buildCrossbar(qn: QuantNetwork, cfg: Config, opts: CrossbarOptions = {}): Crossbar {
  if (qn.activationBits > 16 || qn.weightBits > 16) throw new UnsupportedError('the crossbar model supports at most 16-bit weights and activations', 'quant');
  const table = conductanceTable(cfg);
  const mappings = opts.mappings ?? qn.layers.map((q) => plainMapping(q, cfg));
  const faults = opts.faults ?? noFaults(mappings);
  const perCell = perCellEffects(cfg);
  const levelTable = cfg.device.variation.levelModel === 'table' ? loadLevelTable(cfg) : null;
  const conductance = mappings.map((m, i) => {
    const f = faults[i]!;
    if (f.physRows !== m.layout.physRows || f.physCols !== m.layout.physCols) {
      throw new UnsupportedError(`fault map is ${f.physRows}x${f.physCols} but the layer's physical array is ${m.layout.physRows}x${m.layout.physCols}`, `layer "${m.name}"`);
    }
    // §9: per-cell effects first, then IR drop (unchanged when it is off)
    return irDropConductances(perCell ? effectConductances(cfg, table, m.levels, f.cells, i, levelTable) : cellConductances(m, table, f.cells), m.layout, table, cfg.tile.irDrop);
  });
  const noise = readNoiseOn(cfg) ? conductance.map((G) => noiseTables(cfg, table, G)) : null;
  const differential = cfg.tile.signedScheme === 'differential';
  const adc = mappings.map((m, i) => {
    let fullScale = cfg.tile.parallelRead * (differential ? table.gMax - table.gMin : table.gMax);
    if (cfg.tile.adcMode === 'fixed-calibrated') {
      const cal = opts.calibratedFullScale?.[i];
      if (cal === undefined) throw new UnsupportedError('fixed-calibrated ADC needs calibrated full-scale currents (calibrateAdcFullScale)', `layer "${m.name}"`);
      fullScale = Math.max(1, cal);
    }
    return adcSpec(cfg.tile.adcMode, cfg.tile.adcBits, table, fullScale, differential);
  });
  const stats = mappings.map(() => ({ reads: 0, conversions: 0, currentSum: 0 }));
  return { cfg, table, mappings, faults, conductance, adc, stats, noise, perCell: perCell || cfg.tile.irDrop.enabled };
}

/**
 * Column currents of one read: I[p·physCols + j] for every patch p (inputs x[p·R + r]),
 * for the rows of row tile `rt`, group `g`, input bit `k`. Rows whose input bit is 0 contribute nothing.
 */
export function readCurrents(xb: Crossbar, layerIndex: number, x: Int32Array, P: number, rt: number, g: number, k: number): Float64Array {
  const m = xb.mappings[layerIndex]!;
  const L = m.layout;
  const G = xb.conductance[layerIndex]!;
  const I = new Float64Array(P * L.physCols);
  const firstRow = rt * L.rows;
  for (let r = firstRow; r < Math.min(L.R, firstRow + L.rows); r++) {
    const pr = m.rowMap[r]!;
    if (Math.floor((pr - firstRow) / L.parallelRead) !== g) continue;
    const gRow = pr * L.physCols;
    for (let p = 0; p < P; p++) {
      if (((x[p * L.R + r]! >> k) & 1) === 0) continue;
      const iBase = p * L.physCols;
      for (let j = 0; j < L.physCols; j++) I[iBase + j] += G[gRow + j]!;
    }
  }
  return I;
}

/**
 * Read noise of one read (docs/model.md §9.3): column current I[p][j] gets
 * floor(M/256 + sqrt(V/256)·z + 1/2), V and M the sums of the per-cell variance and mean over the
 * read's active rows, z drawn from (seed, layer, row tile, group, bit, patch, column). Returns
 * the noise of every column of every patch, P·physCols, in conductance LSB·Vread.
 */
export function readNoise(xb: Crossbar, layerIndex: number, x: Int32Array, P: number, rt: number, g: number, k: number): Float64Array {
  const m = xb.mappings[layerIndex]!;
  const L = m.layout;
  const { variance, mean } = xb.noise![layerIndex]!;
  const seed = xb.cfg.device.readNoise.seed;
  const firstRow = rt * L.rows;
  const N = new Float64Array(P * L.physCols);
  const V = new Float64Array(L.physCols);
  const M = new Float64Array(L.physCols);
  for (let p = 0; p < P; p++) {
    V.fill(0);
    M.fill(0);
    for (let r = firstRow; r < Math.min(L.R, firstRow + L.rows); r++) {
      const pr = m.rowMap[r]!;
      if (Math.floor((pr - firstRow) / L.parallelRead) !== g) continue;
      if (((x[p * L.R + r]! >> k) & 1) === 0) continue;
      for (let j = 0; j < L.physCols; j++) {
        V[j] += variance[pr * L.physCols + j]!;
        M[j] += mean[pr * L.physCols + j]!;
      }
    }
    const key = readKey(seed, layerIndex, rt, g, k, p);
    for (let j = 0; j < L.physCols; j++) N[p * L.physCols + j] = columnNoise(V[j]!, M[j]!, key, j);
  }
  return N;
}

/** Add the read noise of one read (readNoise) to its column currents I. */
export function addReadNoise(xb: Crossbar, layerIndex: number, x: Int32Array, P: number, rt: number, g: number, k: number, I: Float64Array): void {
  const N = readNoise(xb, layerIndex, x, P, rt, g, k);
  for (let v = 0; v < I.length; v++) I[v] += N[v]!;
}

/** Currents of the conversion units: I[pos] − I[neg] (differential pairs) or I[pos]. */
export function unitCurrents(m: LayerMapping, I: Float64Array, P: number): Float64Array {
  const J = m.layout.physCols;
  const { pos, neg } = m.units;
  const U = pos.length;
  const Iu = new Float64Array(P * U);
  for (let p = 0; p < P; p++) {
    for (let u = 0; u < U; u++) Iu[p * U + u] = I[p * J + pos[u]!]! - (neg[u]! >= 0 ? I[p * J + neg[u]!]! : 0);
  }
  return Iu;
}

/** ADC numerators of one read (all patches, all conversion units). */
export function convertRead(xb: Crossbar, layerIndex: number, Iu: Float64Array, P: number): Float64Array {
  const m = xb.mappings[layerIndex]!;
  const spec = xb.adc[layerIndex]!;
  const U = m.units.pos.length;
  const n = new Float64Array(Iu.length);
  if (spec.mode !== 'self-ranging') {
    for (let i = 0; i < Iu.length; i++) n[i] = convertFixed(spec, Iu[i]!);
    return n;
  }
  // NeuroSim's self-ranging ADC: one range per slice over all units and patches of the read.
  const slices = Math.max(...m.units.slice) + 1;
  const lo = new Float64Array(slices).fill(Infinity);
  const hi = new Float64Array(slices).fill(-Infinity);
  for (let p = 0; p < P; p++) {
    for (let u = 0; u < U; u++) {
      const s = m.units.slice[u]!;
      const v = Iu[p * U + u]!;
      if (v < lo[s]!) lo[s] = v;
      if (v > hi[s]!) hi[s] = v;
    }
  }
  for (let p = 0; p < P; p++) {
    for (let u = 0; u < U; u++) {
      const s = m.units.slice[u]!;
      n[p * U + u] = convertSelfRanging(spec.maxCode, Iu[p * U + u]!, lo[s]!, hi[s]!);
    }
  }
  return n;
}

/** Run one layer's product on the crossbar: acc[o·P + p] += mvm[o][p] (docs/model.md §5). */
export function crossbarMatmul(xb: Crossbar, q: QuantLayer, x: Int32Array, P: number, acc: Float64Array): void {
  const i = q.index;
  const m = xb.mappings[i]!;
  const L = m.layout;
  const { start, unit, coef } = m.terms;
  const st = xb.stats[i]!;
  const U = m.units.pos.length;
  const T = new Float64Array(L.C * P);
  for (let rt = 0; rt < L.rowTiles; rt++) {
    for (let g = 0; g < L.groupsPerTile; g++) {
      for (let k = 0; k < xb.cfg.quant.activationBits; k++) {
        const I = readCurrents(xb, i, x, P, rt, g, k);
        if (xb.noise) addReadNoise(xb, i, x, P, rt, g, k, I);
        const Iu = unitCurrents(m, I, P);
        const n = convertRead(xb, i, Iu, P);
        st.reads += P * L.colTiles;
        st.conversions += P * U;
        for (let v = 0; v < I.length; v++) st.currentSum += I[v]!;
        const hist = xb.currentHistogram?.[i];
        if (hist) for (let v = 0; v < Iu.length; v++) hist[Math.min(hist.length - 1, Math.floor(Math.abs(Iu[v]!) / xb.table.dG))]! += 1;
        const bitWeight = 2 ** k;
        for (let o = 0; o < L.C; o++) {
          const t = rt * L.C + o;
          for (let p = 0; p < P; p++) {
            let sum = 0;
            for (let e = start[t]!; e < start[t + 1]!; e++) sum += coef[e]! * n[p * U + unit[e]!]!;
            T[o * P + p] += bitWeight * sum;
          }
        }
      }
    }
  }
  const D = adcDenominator(xb.adc[i]!, xb.table);
  if (m.inputSum) addInputSums(m, x, P, T, D);
  for (let v = 0; v < T.length; v++) acc[v] += D === 1 ? T[v]! : rdiv(T[v]!, D);
  if (m.correction) gemm(m.correction, x, L.R, P, L.C, acc);
  if (m.columnOffset) addColumnOffsets(m.columnOffset, P, acc);
}

/** acc[o·P + p] += sign·offset[o]: MT's per-column output offset, folded into the layer's bias (digital, exact). */
export function addColumnOffsets(offset: Int32Array, P: number, acc: Float64Array, sign: 1 | -1 = 1): void {
  for (let o = 0; o < offset.length; o++) {
    const v = sign * offset[o]!;
    if (v !== 0) for (let p = 0; p < P; p++) acc[o * P + p] += v;
  }
}

/** T[o·P + p] += scale · Σ_rt inputSum[rt·C + o] · Σ_{r in row tile rt} x[p·R + r] (digital, exact). */
export function addInputSums(m: LayerMapping, x: Int32Array, P: number, T: Float64Array, scale = 1): void {
  const L = m.layout;
  const coef = m.inputSum!;
  for (let p = 0; p < P; p++) {
    for (let rt = 0; rt < L.rowTiles; rt++) {
      let sum = 0;
      for (let r = rt * L.rows; r < Math.min(L.R, (rt + 1) * L.rows); r++) sum += x[p * L.R + r]!;
      if (sum === 0) continue;
      for (let o = 0; o < L.C; o++) {
        const c = coef[rt * L.C + o]!;
        if (c !== 0) T[o * P + p] += scale * c * sum;
      }
    }
  }
}

/** The reference model as a MatrixEngine for the integer path. */
export function referenceEngine(xb: Crossbar): MatrixEngine {
  return { matmul: (q, x, P, acc) => crossbarMatmul(xb, q, x, P, acc) };
}

/**
 * The cost model's circuit choices (docs/cost.md §12): each has memxbar's own value and
 * NeuroSim's, with the NeuroSim file and function it comes from. `cost.circuits` picks a
 * profile; each `cost.<option>` may override it. NeuroSim's data used by the options (sense
 * amplifier fits, off currents, the post-layout factor, its floorplan) are here too, each
 * with its source.
 */
import type { Config } from '../config/schema.ts';
import type { TechNode } from './tech.ts';

export interface Circuits {
  profile: Config['cost']['circuits'];
  /** Column power over the whole read pulse (`voltage`) or over the sensing delay (`current`). */
  senseAmp: 'voltage' | 'current';
  /** `rtl`: 1 GHz and the configured pulse; `sensing`: pulse and column slot = the sensing delay. */
  clock: 'rtl' | 'sensing';
  interconnect: 'full-swing' | 'low-swing';
  leakage: boolean;
  floorplan: 'memxbar' | 'neurosim';
  positions: 'padded' | 'valid';
  validationFactor: boolean;
}

export type CircuitOption = Exclude<keyof Circuits, 'profile'>;

const NS13 = 'DNN+NeuroSim V1.3';
const NS14 = 'DNN+NeuroSim V1.4';

export const PROFILES: Record<Config['cost']['circuits'], Omit<Circuits, 'profile'>> = {
  memxbar: { senseAmp: 'voltage', clock: 'rtl', interconnect: 'full-swing', leakage: false, floorplan: 'memxbar', positions: 'padded', validationFactor: false },
  neurosim: { senseAmp: 'current', clock: 'sensing', interconnect: 'low-swing', leakage: true, floorplan: 'neurosim', positions: 'valid', validationFactor: true },
};

/** Each option: what memxbar and NeuroSim do, the NeuroSim source, and why memxbar's default is what it is. */
export const CIRCUIT_OPTIONS: Record<CircuitOption, { memxbar: string; neurosim: string; source: string; why: string }> = {
  senseAmp: {
    memxbar: 'cells conduct for the whole read pulse: E = Vread²·t_read·ΣG from the engine\'s currents; flash ADC in voltage mode',
    neurosim: 'current-mode multilevel sense amplifier: per column (a·(levels−1) µW + c·(Vread/0.5 V)/R_col) over the sensing delay (1 ns at ≤ 22 nm); SAR: its c/R_col term over its (B+1) ns',
    source: `${NS13} MultilevelSenseAmp.cpp GetColumnPower / GetColumnLatency / CalculatePower (currentMode, LP); ${NS14} SarADC.cpp`,
    why: 'a resistive cell driven by Vread dissipates Vread²·G for as long as its row is driven; NeuroSim\'s fit assumes the pulse is gated by the sense amplifier, which memxbar\'s RTL does not do',
  },
  clock: {
    memxbar: '1 GHz clock, the configured read pulse (10 ns) and the RTL\'s conversion cycles per column slot; the bus and buffers overlap with computing',
    neurosim: 'synchronous mode: read pulse = the sensing delay; clock = column slot = max(1/clkFreq, sensing delay × β when validated); global and tile buffers and H-trees counted per layer in clock cycles after computing',
    source: `${NS13} Param.cpp synchronous = true ("clkFreq will be decided by sensing delay"), main.cpp clkPeriod; SubArray.cpp CalculateLatency (readLatencyADC = numColMuxed cycles; × beta); Chip.cpp ChipCalculatePerformance, Tile.cpp TileCalculatePerformance, Buffer.cpp and HTree.cpp CalculateLatency`,
    why: 'the configured pulse is a device property; memxbar prices the pulse it was given',
  },
  interconnect: {
    memxbar: 'full-swing global bus: every im2col vector and output, 0.5·c_w·L·Vdd² per bit over the chip side',
    neurosim: 'H-tree: 0.25·c_w·L·Vdd² per bit, input bits sent once per kernel row (R·a·P/k) plus the outputs',
    source: `${NS13} HTree.cpp CalculatePower (unitLengthEnergyWire = c_w·Vdd²·0.25), Chip.cpp ChipCalculatePerformance (numBitToLoadOut = weightMatrixRow·numBitInput·numInVector/kernel)`,
    why: 'memxbar\'s tiles have no input reuse buffer between patches (docs/rtl.md), so every vector crosses the bus',
  },
  leakage: {
    memxbar: 'no leakage',
    neurosim: 'idle tiles leak while another layer runs: Σ_layers (tiles of other layers) · t_layer · P_tile',
    source: `${NS13} main.cpp (layerLeakageEnergy = numTileOtherLayer·layerReadLatency·tileLeakage); off currents from ${NS14} Technology.cpp (LSTP/LOP, 300 K)`,
    why: 'with power gating of idle tiles (assumed by memxbar) the term vanishes; it is small at LSTP nodes in any case',
  },
  floorplan: {
    memxbar: 'every layer\'s weights once, each on its own subarrays; vectors one after another',
    neurosim: 'tiles and PEs sized to maximise utilisation; layers smaller than a tile/PE are duplicated into the free subarrays and PEs, dividing their vectors among the copies ("speed-up")',
    source: `${NS13} Chip.cpp ChipDesignInitialize, ChipFloorPlan, TileDesignCM/NM, PEDesign, SubArrayDup, OverallEachLayer; main.cpp "Speed-up of each layer"`,
    why: 'memxbar prices the minimum hardware that holds the network; duplication trades area for speed and is a design choice, not physics',
  },
  positions: {
    memxbar: 'every (padded) convolution position is computed',
    neurosim: 'only valid positions are simulated: numInVector = (IFM − k + 1)²/stride² (operations still counted on padded ones)',
    source: `${NS13} Chip.cpp ChipCalculatePerformance numInVector; main.cpp numComputation`,
    why: 'the network (same padding) needs every output position; skipping the border computes a different network',
  },
  validationFactor: {
    memxbar: 'energy as modelled',
    neurosim: 'energy × ζ = 1.22 (post-layout energy increase); with the sensing clock, sensing cycle × β = 1.4 (silicon-validated)',
    source: `${NS13} Param.cpp zeta = 1.22, beta = 1.4 when validated (main.cpp's comment says 1.23), ${NS14} Param.cpp zeta = 1.22`,
    why: 'a calibration to NeuroSim\'s own layouts; memxbar\'s periphery areas come from its own synthesis',
  },
};

/** The options in force for `cfg` (profile, then each explicit override). */
export function resolveCircuits(cfg: Config): Circuits {
  const c = cfg.cost;
  const p = PROFILES[c.circuits];
  return {
    profile: c.circuits,
    senseAmp: c.senseAmp ?? p.senseAmp,
    clock: c.clock ?? p.clock,
    interconnect: c.interconnect ?? p.interconnect,
    leakage: c.leakage ?? p.leakage,
    floorplan: c.floorplan ?? p.floorplan,
    positions: c.positions ?? p.positions,
    validationFactor: c.validationFactor ?? p.validationFactor,
  };
}

// ------------------------------------------------------------------ NeuroSim's data

/**
 * Current-mode multilevel sense amplifier, LP roadmap (V1.3 MultilevelSenseAmp.cpp
 * GetColumnPower): P_col = a·(levels − 1) µW + c·exp(−2.303·log10(R_col·0.5/Vread)) W, the
 * second term c·(Vread/0.5)/R_col to within 0.3 % (2.303 ≈ ln 10; 2.297 at 32 nm).
 */
export const MLSA_CURRENT_LP: Record<number, { aUw: number; cW: number }> = {
  130: { aUw: 18.09, cW: 0.138 },
  90: { aUw: 12.612, cW: 0.1023 },
  65: { aUw: 8.4147, cW: 0.0972 },
  45: { aUw: 6.3162, cW: 0.075 },
  32: { aUw: 3.0875, cW: 0.0649 },
  22: { aUw: 1.7, cW: 0.0631 },
  14: { aUw: 1.0, cW: 0.0508 },
  10: { aUw: 0.55, cW: 0.0315 },
  7: { aUw: 0.35, cW: 0.0235 },
};

/**
 * Sensing delay of the current-mode sense amplifier (V1.3 MultilevelSenseAmp.cpp
 * GetColumnLatency, LP): 1 ns at ≤ 22 nm; above, T_max = (p·ln(R_col/1 kΩ) + q) ns at the
 * column resistance (scaled by 0.5 V/Vread), clamped to 1–10 ns (CalculateLatency). NeuroSim
 * multiplies T_max by a polynomial in R_ref/R_col that is 0.98–1.02 near the middle references;
 * memxbar takes it as 1 and evaluates at the mean column resistance of the measured reads.
 */
export function sensingDelayS(t: TechNode, meanColumnOhm: number, readVoltageV: number): number {
  if (t.nodeNm <= 22) return 1e-9;
  const fit: Record<number, [number, number]> = { 130: [0.2679, 0.0478], 90: [0.0586, 1.41], 65: [0.1239, 0.6642], 45: [0.0714, 0.7651], 32: [0.0714, 0.7651] };
  const [p, q] = fit[t.nodeNm]!;
  const r = meanColumnOhm * (0.5 / readVoltageV);
  if (!Number.isFinite(r) || r <= 0) return 1e-9;
  return Math.min(10e-9, Math.max(1e-9, (p * Math.log(r / 1000) + q) * 1e-9));
}

/**
 * NMOS/PMOS off current at 300 K, A per metre of width (V1.4 Technology.cpp, 22 nm LSTP (PTM)
 * and the LOP FinFET nodes; currentOffNmos[0], currentOffPmos[0]). Nodes not listed: NeuroSim's
 * values were not read for them, and leakage is reported as not modelled there.
 */
export const OFF_CURRENT_A_PER_M: Record<number, { n: number; p: number }> = {
  22: { n: 100e-6, p: 100e-6 },
  14: { n: 100e-6, p: 102.3333e-6 },
  10: { n: 127e-6, p: 100.5839e-6 },
  7: { n: 147e-6, p: 100.9536e-6 },
};

/** NeuroSim's post-layout energy factor ζ (V1.3 and V1.4 Param.cpp, validated = true). */
export const ZETA = 1.22;

/** H-tree energy per bit and metre relative to c_w·Vdd² (V1.3 HTree.cpp CalculatePower). */
export const HTREE_ENERGY_FACTOR = 0.25;

// ------------------------------------------------------------------ NeuroSim's floorplan

/** NeuroSim V1.3/V1.4 Param.cpp speedUpDegree = 8 (pipelined processing; clamped per network in ChipDesignInitialize). */
export const NS_SPEED_UP_DEGREE = 8;

/** One layer as NeuroSim's network file describes it (NetWork_*.csv): IFM side, C_in, kernel, C_out. */
export interface NsLayer {
  ifm: number;
  inC: number;
  k: number;
  outC: number;
}

export interface NsFloorplan {
  /** Conventional-mapping tile and PE sizes, novel-mapping PE size and PEs per tile (V1.3 Chip.cpp). */
  tileSizeCM: number;
  peSizeCM: number;
  peSizeNM: number;
  numPENM: number;
  /** Per layer: novel mapping, tiles, subarrays in those tiles, duplication ("speed-up"). */
  layers: { novel: boolean; tiles: number; subarrays: number; speedUp: number }[];
  subarrays: number;
}

/**
 * NeuroSim V1.3's floorplan for layer-by-layer processing (Chip.cpp ChipDesignInitialize and
 * ChipFloorPlan with novelMapping = true, pipeline = false): the tile / PE sizes that maximise
 * memory utilisation, the tiles of each layer and the duplication of small layers.
 */
export function neurosimFloorplan(net: NsLayer[], rows: number, cols: number, colsPerSynapse: number, pipeline = false): NsFloorplan {
  const pow2 = (x: number) => 2 ** Math.ceil(Math.log2(x));
  // ChipDesignInitialize: the kernel size most layers share gets novel mapping.
  let most = 0;
  let numPE = 0;
  for (const a of net) {
    const tmp = a.k * a.k;
    let count = 1;
    for (const b of net) {
      if (tmp === b.k * b.k && tmp !== 1) count++;
      if (most < count) {
        most = count;
        numPE = tmp;
      }
    }
  }
  const novel = net.map((l) => l.k * l.k === numPE && l.inC * l.k * l.k >= rows);
  let maxPE = 0;
  let maxTile = 0;
  net.forEach((l, i) => {
    const cube = pow2(l.outC * colsPerSynapse);
    if (novel[i]) maxPE = Math.max(maxPE, cube);
    else maxTile = Math.max(maxTile, cube);
  });
  const R = (l: NsLayer) => l.inC * l.k * l.k;
  const Cw = (l: NsLayer) => l.outC * colsPerSynapse;
  const designNM = (pe: number) => {
    let tiles = 0;
    let matrix = 0;
    net.forEach((l, i) => {
      if (!novel[i]) return;
      tiles += Math.ceil(l.inC / pe) * Math.ceil(Cw(l) / pe);
      matrix += R(l) * Cw(l);
    });
    return { tiles, util: matrix / (tiles * pe * pe * numPE) };
  };
  const designCM = (ts: number) => {
    let tiles = 0;
    let matrix = 0;
    net.forEach((l, i) => {
      if (novel[i]) return;
      tiles += Math.ceil(R(l) / ts) * Math.ceil(Cw(l) / ts);
      matrix += R(l) * Cw(l);
    });
    return { tiles, util: matrix / (tiles * ts * ts) };
  };
  // ChipFloorPlan: halve a size from `start` while above `floor`, keeping the size whose
  // utilization first beats `best` (NeuroSim carries the tile search's best into the PE search).
  const search = (start: number, floor: number, util: (s: number) => number, best = 0) => {
    let size = start;
    for (let s = start; s > floor; s /= 2) {
      const u = util(s);
      if (u > best) {
        best = u;
        size = s;
      }
    }
    return { size, best };
  };
  // Novel mapping.
  const peNM = search(Math.max(maxPE, 2 * rows), 2 * rows, (s) => designNM(s).util).size;
  // Conventional mapping: the tile size, then the PE size inside it.
  const tileSearch = search(Math.max(maxTile, 4 * rows), 4 * rows, (s) => designCM(s).util);
  const tileCM = tileSearch.size;
  const tilesCM = designCM(tileCM).tiles;
  const peDup = (pe: number) =>
    net.map((l, i) => {
      if (novel[i] || !(R(l) <= tileCM || Cw(l) <= tileCM)) return [1, 1] as const;
      const n = Math.ceil(tileCM / pe);
      return [Math.max(1, Math.floor(n / Math.ceil(R(l) / pe))), Math.max(1, Math.floor(n / Math.ceil(Cw(l) / pe)))] as const;
    });
  const peUtil = (pe: number) => {
    const dup = peDup(pe);
    return net.reduce((s, l, i) => s + (novel[i] ? 0 : dup[i]![0] * dup[i]![1] * R(l) * Cw(l)), 0) / (tilesCM * tileCM * tileCM);
  };
  const peCM = search(tileCM / 2, 2 * rows, peUtil, tileSearch.best).size;
  const pd = peDup(peCM);
  // Pipelined processing (V1.4 Chip.cpp ChipDesignInitialize, param->pipeline): layers with larger inputs get
  // more copies so that every layer takes about as long as the one with the smallest input:
  // speedUpDegree (Param.cpp: 8) clamped to maxIFM / minIFM (kernel ≠ 1 layers), bound = ceil(maxIFM / degree),
  // pipelineSpeedUp = ceil((IFM / bound)²).
  let pipe: number[] | null = null;
  if (pipeline) {
    const maxIfm = net[0]!.ifm;
    let minIfm = maxIfm;
    for (const l of net) if (l.k !== 1 && l.ifm < minIfm) minIfm = l.ifm;
    const degree = Math.min(NS_SPEED_UP_DEGREE, Math.floor(maxIfm / minIfm));
    const bound = Math.ceil(maxIfm / degree);
    pipe = net.map((l) => Math.ceil((l.ifm / bound) ** 2));
  }
  const layers = net.map((l, i) => {
    // SubArrayDup
    const peSize = novel[i] ? peNM : peCM;
    const rowsOfMatrix = novel[i] ? l.inC : R(l);
    let sd: [number, number] = [1, 1];
    if (rowsOfMatrix <= peSize || Cw(l) <= peSize) {
      sd = [Math.max(1, Math.floor(Math.ceil(peSize / rows) / Math.ceil(rowsOfMatrix / rows))), Math.max(1, Math.floor(Math.ceil(peSize / cols) / Math.ceil(Cw(l) / cols)))];
    }
    // OverallEachLayer: layer by layer, or pipelined (V1.4: the tile rows × ceil(pipelineSpeedUp / duplication),
    // speed-up = duplication × that factor).
    const dup = pd[i]![0] * sd[0] * pd[i]![1] * sd[1];
    const extra = pipe ? Math.ceil(pipe[i]! / dup) : 1;
    const tiles = (novel[i] ? Math.ceil(l.inC / peNM) * Math.ceil(Cw(l) / peNM) : Math.ceil(R(l) / tileCM) * Math.ceil(Cw(l) / tileCM)) * extra;
    const perTile = novel[i] ? numPE * (peNM / rows) * (peNM / cols) : (tileCM / rows) * (tileCM / cols);
    return { novel: novel[i]!, tiles, subarrays: tiles * perTile, speedUp: dup * extra };
  });
  return { tileSizeCM: tileCM, peSizeCM: peCM, peSizeNM: peNM, numPENM: numPE, layers, subarrays: layers.reduce((s, l) => s + l.subarrays, 0) };
}

// ------------------------------------------------------------------ NeuroSim's synchronous data movement

/**
 * NeuroSim's latency factor of the sensing cycle β (V1.3 and V1.4 Param.cpp `beta = 1.4` when
 * `validated`; SubArray.cpp CalculateLatency: `readLatency *= beta` on the clock pass). Applied
 * with ζ under `validationFactor`: both are NeuroSim's silicon calibration.
 */
export const BETA = 1.4;

/**
 * NeuroSim V1.3 Param.cpp buffer and bus sizes: global buffer cores 128 × 128 bits (one 128-bit
 * line per cycle), tile buffer cores 32 × 32, global bus at most 2048 bits. Register-file buffers
 * (`globalBufferType = tileBufferType = false`), activation outside the tiles (`chipActivation`).
 */
export const NS_BUFFER = { globalCore: 128, tileCore: 32, maxGlobalBusBits: 2048 } as const;

/**
 * Which NeuroSim's data movement to count: V1.3's (the profile's default) or V1.4's where it differs
 * (global buffer and tile buffers), and whether the layers are pipelined (V1.4 Param.cpp pipeline = true:
 * NeuroSim's floorplan duplicates the layers with large inputs, ChipInitialize sizes the buffer and bus
 * for every layer at once).
 */
export interface NsSchedule {
  version: '1.3' | '1.4';
  pipeline: boolean;
}

/** The layer as NeuroSim's ChipCalculatePerformance sees it, for the transfer count. */
export interface NsTransferLayer extends NsLayer {
  /** numInVector: valid positions (Chip.cpp). */
  vectors: number;
  /** followed by max pooling (NetWork_*.csv column 7): outputs written to the buffer / 4. */
  pooled: boolean;
}

/** Clock cycles of one layer's buffer and H-tree transfers, per level (NeuroSim's synchronous mode). */
export interface NsTransferCycles {
  globalBuffer: number;
  globalHtree: number;
  tileBuffer: number;
  tileHtree: number;
}

/**
 * Buffer and H-tree clock cycles of each layer, as NeuroSim V1.3 counts them in synchronous
 * mode, added to the layer's computing (not overlapped):
 * - global buffer (Chip.cpp ChipInitialize, ChipCalculatePerformance; Buffer.cpp CalculateLatency
 *   "read 1 line per cycle"): (inputs·a [/k when novel-mapped] + outputs·a [/4 when pooled]) /
 *   128-bit lines / min(buffer cores, bus / 128) × ⌈all tiles / the layer's tiles⌉;
 * - global H-tree (HTree.cpp CalculateLatency): ⌈bits / bus width⌉ transfers of ⌈wire delay ·
 *   clkFreq⌉ cycles each — one cycle when the repeated wire crosses the chip in under 1 ns
 *   (assumed; NeuroSim evaluates the repeater delay);
 * - tile input and output buffers (Tile.cpp TileInitialize, TileCalculatePerformance), read and
 *   written once each: the tile's rows × vectors × a bits in, its outputs with the accumulation
 *   width (1 + log2 levels + a + 1 + log2(PE/subarray rows)) out, 32-bit lines over
 *   min(cores, tile bus / 32);
 * - tile H-tree: (in + out bits) / tile bus width (PEs × subarray rows) transfers of one cycle.
 * The processing units' own DFF buffers and buses (ProcessingUnit.cpp) are not counted.
 */
export function neurosimTransferCycles(
  layers: NsTransferLayer[],
  fp: NsFloorplan,
  rows: number,
  colsPerSynapse: number,
  a: number,
  adcBits: number,
  colsPerAdc: number,
  schedule: NsSchedule = { version: '1.3', pipeline: false },
): NsTransferCycles[] {
  const { globalCore, tileCore, maxGlobalBusBits } = NS_BUFFER;
  const numPECM = Math.ceil(fp.tileSizeCM / fp.peSizeCM);
  const sqrtNM = Math.ceil(Math.sqrt(fp.numPENM));
  // ChipInitialize: buffer cores for the largest layer input, bus width summed over the layers then halved.
  // Pipelined (V1.4 ChipInitialize): half of every layer's input summed, and the bus summed over every tile.
  const maxInput = schedule.pipeline ? layers.reduce((s, l) => s + (l.ifm * l.ifm * l.inC) / 2, 0) : Math.max(...layers.map((l) => l.ifm * l.ifm * l.inC));
  const bufferCores = Math.ceil((a * maxInput) / (globalCore * globalCore));
  let bus = fp.layers.reduce((s, x) => s + (x.novel ? fp.peSizeNM * sqrtNM : fp.tileSizeCM) * (1 + 1 / colsPerAdc) * (schedule.pipeline ? x.tiles : 1), 0);
  while (bus > maxGlobalBusBits) bus /= 2;
  const gbParallel = Math.min(bufferCores, Math.ceil(bus / globalCore));
  const totalTiles = fp.layers.reduce((s, x) => s + x.tiles, 0);
  const log2 = (x: number) => Math.ceil(Math.log2(x));
  // Tile buffers of a tile with `numPE` PEs of side `pe` (TileInitialize, parallel read, activation on chip).
  const tileBuffers = (numPE: number, pe: number, novel: boolean) => {
    const accBits = log2(2 ** adcBits) + a + 1 + log2(pe / rows);
    const inBits = numPE * a * rows;
    const outBits = (accBits * numPE * rows) / colsPerAdc;
    const core = tileCore * tileCore;
    const tileBus = numPE * rows;
    const inWidth = inBits < core ? numPE * rows : tileCore;
    const outWidth = outBits < core ? accBits * numPE : tileCore;
    // The novel-mapped tile divides its output buffer's time by the input buffer's line count (Tile.cpp, as written).
    return { accBits, tileBus, inWidth, outWidth, inPar: Math.min(Math.ceil(inBits / core), Math.ceil(tileBus / inWidth)), outPar: Math.min(Math.ceil(outBits / core), Math.ceil(tileBus / (novel ? inWidth : outWidth))) };
  };
  return layers.map((l, i) => {
    const f = fp.layers[i]!;
    const R = l.inC * l.k * l.k;
    const Cw = l.outC * colsPerSynapse;
    const P = l.vectors;
    // Chip.cpp ChipCalculatePerformance
    const out = (R * a * P) / (f.novel ? l.k : 1);
    const inn = (l.outC * a * P) / (l.pooled ? 4 : 1);
    // V1.3 multiplies by ⌈all tiles / the layer's tiles⌉ (only part of the bus reaches the layer); V1.4 comments it out ("Anni update").
    const globalBuffer = ((out / globalCore + inn / globalCore) / gbParallel) * (schedule.version === '1.3' ? Math.ceil(totalTiles / f.tiles) : 1);
    const globalHtree = Math.ceil((out + inn) / bus);
    // Tile.cpp TileCalculatePerformance (the first tile of the layer: the fullest)
    let tileIn: number;
    let tileOut: number;
    let t: ReturnType<typeof tileBuffers>;
    if (f.novel) {
      t = tileBuffers(fp.numPENM, fp.peSizeNM, true);
      tileIn = (Math.min(fp.peSizeNM * fp.numPENM, R) * P * a) / Math.sqrt(fp.numPENM);
      tileOut = (Math.min(fp.peSizeNM, Cw) / colsPerSynapse) * (1 + t.accBits) * P / fp.numPENM;
    } else {
      t = tileBuffers(numPECM, fp.peSizeCM, false);
      tileIn = Math.min(fp.tileSizeCM, R) * P * a;
      tileOut = Math.ceil(Math.min(fp.tileSizeCM, Cw) / colsPerSynapse) * (1 + t.accBits) * P;
    }
    // V1.3: every bit written and read once (2 × bits / width lines); V1.4 Tile.cpp TileCalculatePerformance ("230920 updated"):
    // CalculateLatency(width, bits/width/2, width, bits/width/2), half of each.
    const rw = schedule.version === '1.3' ? 2 : 1;
    const tileBuffer = (rw * tileIn) / t.inWidth / t.inPar + (rw * tileOut) / t.outWidth / t.outPar;
    const tileHtree = (tileIn + tileOut) / t.tileBus;
    return { globalBuffer, globalHtree, tileBuffer, tileHtree };
  });
}

/**
 * The analytical energy / latency / area model of the whole accelerator (docs/cost.md):
 * per layer and for the network, from the config, the network's layer shapes, the measured
 * activity of each layer and the digital periphery's areas. Pure: the same inputs always
 * give the same numbers.
 *
 * Architecture priced: every compute layer's weights are mapped once onto its own tiles (one
 * tile = one crossbar subarray with its ADCs, row drivers, column multiplexers and the
 * synthesized digital periphery); layers run one after another (layer by layer, as NeuroSim's
 * default); a global SRAM buffer holds the activations, a global bus of rows·a bits moves
 * them, and requantization / pooling lanes finish each output.
 */
import { OPTION_DEFAULTS, type Config } from '../config/schema.ts';
import { networkLayerShapes } from '../crossbar/faults.ts';
import { conductanceTable } from '../crossbar/device.ts';
import { prunedRowTiles, type Layout } from '../crossbar/layout.ts';
import { isCompute, shapes, type Network } from '../nn/graph.ts';
import { deriveDesign, type Design } from '../rtl/design.ts';
import type { LayerActivity } from './measure.ts';
import {
  addEnergyJ,
  adcAreaM2,
  adcEnergyJ,
  arrayAreaM2,
  arrayReadEnergyJ,
  bitlineEnergyJ,
  conversionCycles,
  digitalAreaScale,
  fullAdderAreaUm2,
  gatesEnergyJ,
  libertyAreas,
  multiplyEnergyJ,
  muxEnergyJ,
  registerEnergyJ,
  sramAreaM2,
  sramEnergyPerBitJ,
  switchAreaM2,
  switchEnergyJ,
  wireEnergyPerBitJ,
  wordlineEnergyJ,
} from './components.ts';
import { k } from './constants.ts';
import type { CostCategory, DigitalAreas } from './digital.ts';
import { techNode, MIN_NMOS_WIDTH_F, minGateAreaM2, type TechNode } from './tech.ts';
import { sensingCycleParts, type SensingCycleParts } from './neurosim-delay.ts';
import { BETA, HTREE_ENERGY_FACTOR, MLSA_CURRENT_LP, neurosimFloorplan, neurosimTransferCycles, OFF_CURRENT_A_PER_M, resolveCircuits, sensingDelayS, ZETA, type Circuits, type NsFloorplan, type NsLayer, type NsSchedule } from './circuits.ts';

/** A quantity split as NeuroSim reports it, with the items that make up each part. */
export interface Breakdown {
  array: number;
  adc: number;
  accumulation: number;
  other: number;
  total: number;
  /** Named items, `category.item` → value (e.g. `array.read`, `other.globalBuffer`). */
  items: Record<string, number>;
}

export interface LayerGeometry {
  name: string;
  kind: 'conv' | 'fc';
  /** Matrix rows (inputs) and columns (outputs). */
  R: number;
  C: number;
  /** Input vectors (patches) per image: output positions of a conv, 1 for fc. */
  P: number;
  /** Multiply-accumulates per image. */
  macs: number;
  /** Input and output activations per image (before im2col, before pooling). */
  inputs: number;
  outputs: number;
  layout: Layout;
  /** NeuroSim's description of the layer (NetWork_*.csv): IFM side, C_in, kernel side, C_out. */
  ns: NsLayer;
  /** Input vectors NeuroSim simulates (valid positions only, Chip.cpp numInVector); = P for fc. */
  validP: number;
  /** Followed by max pooling before the next compute layer (NeuroSim's network file, column 7). */
  pooled: boolean;
  /**
   * Row groups pruned to zero are not mapped (src/crossbar/layout.ts `prunedRowTiles`): the
   * subarrays each column tile needs and the rows it keeps; null = nothing pruned.
   */
  pruned: { rowTiles: Int32Array; keptRows: Int32Array } | null;
}

export interface LayerCost {
  name: string;
  R: number;
  C: number;
  P: number;
  rowTiles: number;
  colTiles: number;
  tiles: number;
  /** NeuroSim floorplan: copies of the layer's weights sharing its vectors (1 otherwise). */
  speedUp: number;
  opsPerImage: number;
  areaMm2: Breakdown;
  energyPerImageJ: Breakdown;
  latencyPerImageS: Breakdown;
  topsPerW: number;
  /** The layer's operations over its own latency, and over its own tiles' area. */
  tops: number;
  topsPerMm2: number;
}

export interface NetworkCost {
  tiles: number;
  areaMm2: Breakdown;
  energyPerImageJ: Breakdown;
  latencyPerImageS: Breakdown;
  opsPerImage: number;
  topsPerW: number;
  tops: number;
  topsPerMm2: number;
  framesPerS: number;
  /** Average power while running images back to back, W. */
  powerW: number;
}

export interface TileCost {
  areaUm2: Breakdown;
  /** ADCs per tile and conversions each makes per read (the column multiplexing). */
  adcs: number;
  slotsPerRead: number;
  /** Time of one input vector in one tile, seconds, and its parts. */
  vectorS: number;
  slotS: number;
  combineS: number;
  /** µm² at the node per µm² of the 45 nm synthesis. */
  digitalAreaScale: number;
}

export interface CostResult {
  tech: { nodeNm: number; vddV: number; cellFeatureNm: number; clockHz: number };
  /** The circuit choices in force (docs/cost.md §12). */
  circuits: Circuits;
  /** Sensing delay of the current-mode sense amplifier at this node and the measured column currents, s. */
  sensingDelayS: number;
  /**
   * NeuroSim's synchronous sensing cycle (`clock = sensing`): the sense amplifier's (or SAR's) delay, the
   * ported switch-matrix / multiplexer / decoder / column-RC / encoder delays (null: not ported for this
   * node, counted as 0), β when validated, and the resulting clock period, s. null with the RTL clock.
   */
  sensingCycle: { senseAmpS: number; parts: SensingCycleParts | null; beta: number; cycleS: number } | null;
  /** Leakage power of one tile, W (0 when leakage is off). */
  tileLeakageW: number;
  /** false: leakage is on but NeuroSim's off current for this node was not read (counted as 0). */
  leakageModelled: boolean;
  /** NeuroSim's floorplan when `floorplan = neurosim`. */
  floorplan: NsFloorplan | null;
  /** The MT hardware (row remap, term tables, fault bitmap) is in every tile. */
  mtHardware: boolean;
  tile: TileCost;
  chip: { globalBufferBits: number; busBits: number; activationLanes: number; sideMm: number };
  layers: LayerCost[];
  network: NetworkCost;
}

export interface CostInput {
  cfg: Config;
  geometry: LayerGeometry[];
  /** Per image, per layer (same order as geometry). */
  activity: LayerActivity[];
  digital: DigitalAreas;
  /**
   * With NeuroSim's floorplan and clock: which NeuroSim version's data movement to count and whether the
   * layers are pipelined (default V1.3, layer by layer: the profile). The published-point comparison
   * sets the point's own (docs/cost.md §10).
   */
  neurosimSchedule?: NsSchedule;
}

/** Mitigations whose mappings need the MT tables in hardware (row remap, programmable terms). */
export function needsMtHardware(cfg: Config): boolean {
  return cfg.mitigation.method === 'mt-stats' || cfg.mitigation.method === 'mt-map' || cfg.mitigation.method === 'zhang';
}

/** Every compute layer's matrix, patches per image and tiling. */
export function networkGeometry(net: Network, cfg: Config): LayerGeometry[] {
  const layouts = networkLayerShapes(net, cfg);
  const sh = shapes(net);
  const out: LayerGeometry[] = [];
  net.layers.forEach((l, i) => {
    if (!isCompute(l)) return;
    const x = sh[i]!;
    const o = sh[i + 1]!;
    const layout = layouts[out.length]!.layout;
    const P = l.kind === 'conv' ? o.h * o.w : 1;
    const ns: NsLayer = l.kind === 'conv' ? { ifm: x.h, inC: l.inC, k: l.kH, outC: l.outC } : { ifm: 1, inC: layout.R, k: 1, outC: layout.C };
    const validP = l.kind === 'conv' ? Math.max(1, Math.floor((x.h - l.kH) / l.strideH) + 1) * Math.max(1, Math.floor((x.w - l.kW) / l.strideW) + 1) : 1;
    const next = net.layers.slice(i + 1).find((n) => n.kind !== 'flatten');
    out.push({ name: l.name, kind: l.kind, R: layout.R, C: layout.C, P, macs: layout.R * layout.C * P, inputs: x.c * x.h * x.w, outputs: o.c * o.h * o.w, layout, ns, validP, pooled: next?.kind === 'maxpool', pruned: prunedRowTiles(layout, l.weight) });
  });
  return out;
}

const CATS: CostCategory[] = ['array', 'adc', 'accumulation', 'other'];

function breakdown(items: Record<string, number>): Breakdown {
  const b: Breakdown = { array: 0, adc: 0, accumulation: 0, other: 0, total: 0, items };
  for (const [name, v] of Object.entries(items)) {
    const cat = name.split('.')[0] as CostCategory;
    if (!CATS.includes(cat)) throw new Error(`internal: cost item ${name} has no category`);
    b[cat] += v;
    b.total += v;
  }
  return b;
}

function scaleBreakdown(b: Breakdown, s: number): Breakdown {
  return breakdown(Object.fromEntries(Object.entries(b.items).map(([n, v]) => [n, v * s])));
}

export function sumBreakdowns(bs: Breakdown[]): Breakdown {
  const items: Record<string, number> = {};
  for (const b of bs) for (const [n, v] of Object.entries(b.items)) items[n] = (items[n] ?? 0) + v;
  return breakdown(items);
}

/** The cost item each synthesized module's area goes to (the same names as the energy items). */
const MODULE_ITEM: Record<string, string> = {
  memxbar_sar_ctrl: 'adc.logic',
  memxbar_flash_enc: 'adc.logic',
  memxbar_shift_add: 'accumulation.shiftAdd',
  memxbar_row_driver: 'other.rowDrivers',
  memxbar_row_remap: 'other.rowDrivers',
  memxbar_ctrl: 'other.control',
  memxbar_tile: 'other.control',
  memxbar_mt_tables: 'other.mtTables',
  memxbar_fault_bitmap: 'other.faultBitmap',
};

/** The design the tiles implement (widths, counts): the RTL generator's own derivation. */
export function tileDesign(cfg: Config, mt: boolean): Design {
  return deriveDesign(cfg, { ...OPTION_DEFAULTS.rtl, mt });
}

/** Timing choices of the tile: read pulse, clock period, column slot (docs/cost.md §8, §12). */
export interface TileTiming {
  pulseS: number;
  clockS: number;
  /** Column slot: null = max(pulse, (conversion cycles + 1) clocks) (the RTL). */
  slotS: number | null;
}

/** The RTL's timing: the configured pulse, 1 GHz. */
export function rtlTiming(cfg: Config): TileTiming {
  return { pulseS: cfg.device.readPulseS, clockS: 1 / k('clockHz'), slotS: null };
}

/** Area of one tile (µm²) and its timing (docs/cost.md §3–§5). */
export function tileCost(cfg: Config, d: Design, digital: DigitalAreas, t: TechNode, mt: boolean, timing: TileTiming = rtlTiming(cfg)): TileCost {
  const um2 = (m2: number) => m2 * 1e12;
  const scale = digitalAreaScale(t);
  const L = libertyAreas();
  const items: Record<string, number> = {
    'array.cells': um2(arrayAreaM2(d.rows, d.cols, t)),
    'adc.converters': d.adcs * um2(adcAreaM2(d.adcKind, d.codeBits, d.rows, t)),
    'other.rowDrivers': d.rows * um2(switchAreaM2(t)),
    'other.columnMux': (d.colsPerAdc > 1 ? d.cols : 0) * um2(switchAreaM2(t)),
    'other.inputBuffers': d.rows * d.actBits * (L.DFF + L.MUX2) * scale,
  };
  for (const m of digital.modules) {
    const a = (mt ? m.withMtUm2 : m.withoutMtUm2) * scale;
    if (a === 0) continue;
    const key = MODULE_ITEM[m.module] ?? `${m.category}.${m.module.replace(/^memxbar_/, '')}`;
    items[key] = (items[key] ?? 0) + a;
  }
  const tClk = timing.clockS;
  const slotS = timing.slotS ?? Math.max(timing.pulseS, (conversionCycles(d.adcKind, d.codeBits) + 1) * tClk);
  const combineS = (d.weightCols * (d.termSlots + 1) + 2) * tClk;
  const vectorS = d.actBits * d.groups * d.colsPerAdc * slotS + combineS;
  return { areaUm2: breakdown(items), adcs: d.adcs, slotsPerRead: d.colsPerAdc, vectorS, slotS, combineS, digitalAreaScale: scale };
}

/** Subarrays a layer's weights occupy: rowTiles·colTiles, fewer when row groups are pruned (LayerGeometry.pruned). */
export function mappedTiles(g: Pick<LayerGeometry, 'layout' | 'pruned'>): number {
  return g.pruned ? g.pruned.rowTiles.reduce((x, y) => x + y, 0) : g.layout.rowTiles * g.layout.colTiles;
}

/** The whole accelerator: per layer and for the network. */
export function costModel({ cfg, geometry, activity, digital, neurosimSchedule = { version: '1.3', pipeline: false } }: CostInput): CostResult {
  if (geometry.length !== activity.length) throw new Error(`internal: ${geometry.length} layers but activity for ${activity.length}`);
  const t = techNode(cfg.tech.nodeNm);
  const circuits = resolveCircuits(cfg);
  const mt = needsMtHardware(cfg);
  const d = tileDesign(cfg, mt);
  const a = cfg.quant.activationBits;
  const vread = cfg.device.readVoltageV;
  const gLsb = conductanceTable(cfg).lsbSiemens;
  const L = libertyAreas();

  // Sensing delay of the current-mode sense amplifier at the mean column resistance of the reads.
  const convs = activity.reduce((s, x) => s + x.conversions, 0);
  const gMean = convs > 0 ? (gLsb * activity.reduce((s, x) => s + x.currentSum, 0)) / convs : 0;
  const senseS = sensingDelayS(t, gMean > 0 ? 1 / gMean : Infinity, vread);
  const sarS = (d.codeBits + 1) * k('sarCycleS');
  // NeuroSim's synchronous clock (main.cpp: clkFreq = min(clkFreq, 1/clkPeriod)): the longest sensing
  // cycle × β when validated (SubArray.cpp CalculateLatency); one column slot per cycle (readLatencyADC = numColMuxed).
  // The rest of the cycle (switch matrix or multiplexer and decoder, column RC, encoder) from NeuroSim's
  // own circuit models (src/cost/neurosim-delay.ts, V1.3 SubArray.cpp CalculateLatency).
  const senseAmpS = d.adcKind === 'flash' ? senseS : Math.max(senseS, sarS);
  const parts = sensingCycleParts(t.nodeNm, {
    rows: cfg.tile.rows,
    cols: cfg.tile.cols,
    colsPerAdc: cfg.tile.colsPerAdc,
    levels: 2 ** d.codeBits,
    rOnOhm: cfg.device.rOnOhm,
    rOffOhm: cfg.device.rOnOhm * cfg.device.onOffRatio,
    sar: d.adcKind === 'sar',
  });
  const beta = circuits.validationFactor ? BETA : 1;
  const senseCycleS = (senseAmpS + (parts?.totalS ?? 0)) * beta;
  const syncClockS = Math.max(1 / k('clockHz'), senseCycleS);
  const timing: TileTiming = circuits.clock === 'sensing' ? { pulseS: senseS, clockS: syncClockS, slotS: syncClockS } : rtlTiming(cfg);
  const tile = tileCost(cfg, d, digital, t, mt, timing);
  const tClk = timing.clockS;

  // NeuroSim's floorplan: subarrays per layer (duplicates included) and its speed-up.
  const fp: NsFloorplan | null =
    circuits.floorplan === 'neurosim' ? neurosimFloorplan(geometry.map((g) => g.ns), cfg.tile.rows, cfg.tile.cols, Math.ceil(cfg.quant.weightBits / cfg.tile.cellBits), neurosimSchedule.pipeline) : null;
  const tilesOf = (i: number) => (fp ? fp.layers[i]!.subarrays : mappedTiles(geometry[i]!));

  // NeuroSim's synchronous mode counts its buffer and H-tree transfers in clock cycles after computing.
  const colsPerSynapse = Math.ceil(cfg.quant.weightBits / cfg.tile.cellBits);
  const transfers =
    circuits.clock === 'sensing'
      ? neurosimTransferCycles(
          geometry.map((g) => ({ ...g.ns, vectors: circuits.positions === 'valid' ? g.validP : g.P, pooled: g.pooled })),
          fp ?? neurosimFloorplan(geometry.map((g) => g.ns), cfg.tile.rows, cfg.tile.cols, colsPerSynapse, neurosimSchedule.pipeline),
          cfg.tile.rows,
          colsPerSynapse,
          a,
          cfg.tile.adcBits,
          cfg.tile.colsPerAdc,
          neurosimSchedule,
        )
      : null;

  // Chip level: global buffer (the largest layer's input + output activations), bus, lanes.
  const busBits = cfg.tile.rows * a;
  const lanes = cfg.tile.rows;
  const bufferBits = Math.max(...geometry.map((g) => (g.inputs + g.outputs) * a));
  const bufferBytes = bufferBits / 8;
  const tilesTotal = geometry.reduce((s, _g, i) => s + tilesOf(i), 0);
  const laneUm2 = (16 * 32 * (L.AND2 + fullAdderAreaUm2()) + 32 * L.DFF + a * fullAdderAreaUm2()) * digitalAreaScale(t);
  const chipItems: Record<string, number> = {
    'other.globalBuffer': sramAreaM2(bufferBits, t) * 1e12,
    'other.activation': lanes * laneUm2,
    'other.interconnect': 0,
  };
  const chipAreaUm2 = tilesTotal * tile.areaUm2.total + Object.values(chipItems).reduce((x, y) => x + y, 0);
  const sideM = Math.sqrt(chipAreaUm2 * 1e-12);
  const tileSideM = Math.sqrt(tile.areaUm2.total * 1e-12);
  const wire = circuits.interconnect === 'low-swing' ? (len: number) => (HTREE_ENERGY_FACTOR / k('busActivity')) * wireEnergyPerBitJ(len, t) : (len: number) => wireEnergyPerBitJ(len, t);
  const eChipBit = wire(sideM);
  const eTileBit = wire(tileSideM);
  const eBufferBit = sramEnergyPerBitJ(bufferBytes, t);

  // Leakage of one tile: every minimum-gate footprint of its periphery leaks one minimum device's off current.
  const off = OFF_CURRENT_A_PER_M[t.nodeNm];
  const tileLeakageW =
    circuits.leakage && off ? (((tile.areaUm2.total - (tile.areaUm2.items['array.cells'] ?? 0)) * 1e-12) / minGateAreaM2(t)) * ((off.n + off.p) / 2) * MIN_NMOS_WIDTH_F * t.nodeNm * 1e-9 * t.vddV : 0;

  const mlsa = MLSA_CURRENT_LP[t.nodeNm]!;
  const layers: LayerCost[] = geometry.map((g, i) => {
    const A = activity[i]!;
    const lay = g.layout;
    const tiles = mappedTiles(g);
    // Pruned row groups (g.pruned): the activity was measured on the unpruned mapping, where every
    // subarray makes the same reads and conversions per vector; a skipped subarray makes none, and
    // a skipped row drives no word line and adds no current (taken as uniform over the rows).
    const tileShare = tiles / (lay.rowTiles * lay.colTiles);
    const rowShare = g.pruned ? g.pruned.keptRows.reduce((x, y) => x + y, 0) / (g.R * lay.colTiles) : 1;
    const conversions = A.conversions * tileShare;
    const psumAdds = g.pruned ? g.pruned.rowTiles.reduce((x, y) => x + Math.max(y - 1, 0), 0) : lay.colTiles * (lay.rowTiles - 1);
    const P = A.vectors;
    const ops = 2 * g.macs;
    const currentMode = circuits.senseAmp === 'current';

    // Energy per image.
    const e: Record<string, number> = {
      'array.read': (currentMode
        ? (d.adcKind === 'flash' ? mlsa.cW * senseS : t.sar.cW * sarS) * (vread / 0.5) * gLsb * A.currentSum
        : arrayReadEnergyJ(A.currentSum, vread, timing.pulseS, gLsb)) * rowShare,
      'array.bitlines': bitlineEnergyJ(conversions, d.rows, vread, t),
      'array.wordlines': wordlineEnergyJ(A.activeRowBits * lay.colTiles * rowShare, d.cols, t),
      'adc.converters': conversions * (currentMode && d.adcKind === 'flash' ? mlsa.aUw * 1e-6 * (2 ** d.codeBits - 1) * senseS : adcEnergyJ(d.adcKind, d.codeBits, vread, t)),
      'adc.logic':
        d.adcKind === 'sar'
          ? conversions * registerEnergyJ(2 * d.codeBits, t)
          : conversions * (registerEnergyJ(d.codeBits, t) + gatesEnergyJ(d.thermBits * (L.AND2 + L.INV) + d.codeBits * Math.ceil(d.thermBits / 2) * L.OR2, t)),
      // One add per conversion on its ADC's adder (d.accAdders), through the read multiplexer of that ADC's registers.
      'accumulation.shiftAdd':
        conversions *
        (addEnergyJ(d.accBits, t) + registerEnergyJ(d.accBits, t) + muxEnergyJ(d.accBits * (d.bitIdxBits + (d.shiftProgrammable ? d.shiftBits : 0) + Math.ceil(Math.log2(d.colsPerAdc))), t)),
      'accumulation.combine':
        P * tiles * d.weightCols * d.termsPerWeight *
        (addEnergyJ(d.tBits, t) + registerEnergyJ(d.tBits, t) + muxEnergyJ(d.accBits * d.unitBits + d.tBits * d.termShiftBits + (mt ? d.termEntryBits * Math.ceil(Math.log2(d.weightCols * d.termSlots)) : 0), t)),
      'accumulation.partialSums': P * psumAdds * d.weightCols * addEnergyJ(d.psumBits, t),
      'accumulation.mitigationAdds': A.extraOpsPerRead * A.reads * tileShare * addEnergyJ(d.tBits, t),
      'other.rowDrivers': P * tiles * registerEnergyJ(a * d.rows * a, t),
      'other.columnMux': (d.colsPerAdc > 1 ? conversions : 0) * switchEnergyJ(t),
      'other.control': P * tiles * (tile.vectorS / tClk) * registerEnergyJ(2 + d.colSelBits + d.bitIdxBits, t),
      'other.inputBuffers': P * tiles * registerEnergyJ(d.rows * a, t),
      'other.rowRemap': mt ? P * tiles * a * (muxEnergyJ(d.rows * Math.ceil(Math.log2(2 * d.rows)), t) + addEnergyJ(d.rows - 1, t)) : 0,
      'other.globalBuffer': P * (g.R + g.C) * a * eBufferBit,
      'other.interconnect':
        P * ((circuits.interconnect === 'low-swing' ? (g.R * a) / g.ns.k : g.R * a + g.C * d.psumBits) + g.C * a) * eChipBit +
        P * psumAdds * d.weightCols * d.psumBits * eTileBit,
      'other.activation': P * g.C * (multiplyEnergyJ(t) + addEnergyJ(a, t)),
    };

    // Latency per image: patches one after another (or shared among NeuroSim's duplicates),
    // every tile of the layer in parallel; the bus delivers the next vector while tiles compute.
    const speedUp = fp ? fp.layers[i]!.speedUp : 1;
    const vecs = Math.ceil(P / speedUp);
    const ioS = (Math.ceil((g.R * a) / busBits) + Math.ceil((g.C * a) / busBits)) * tClk;
    const layerS = vecs * Math.max(tile.vectorS, ioS) + ioS;
    const convS = timing.slotS !== null ? 0 : (conversionCycles(d.adcKind, d.codeBits) + 1) * tClk;
    const reads = a * d.groups * d.colsPerAdc * vecs;
    const lat: Record<string, number> = {
      'adc.converters': reads * (timing.slotS !== null ? tile.slotS : convS),
      'array.read': timing.slotS !== null ? 0 : reads * (tile.slotS - convS),
      'accumulation.combine': vecs * tile.combineS,
    };
    lat['other.io'] = layerS - lat['adc.converters']! - lat['array.read']! - lat['accumulation.combine']!;

    // NeuroSim simulates valid positions only (operations still count the padded ones).
    if (circuits.positions === 'valid' && g.kind === 'conv' && g.validP < g.P) {
      const v = g.validP / g.P;
      for (const key of Object.keys(e)) e[key]! *= v;
      for (const key of Object.keys(lat)) lat[key]! *= v;
    }
    if (transfers) {
      const x = transfers[i]!;
      lat['other.buffers'] = (x.globalBuffer + x.tileBuffer) * tClk;
      lat['other.htree'] = (x.globalHtree + x.tileHtree) * tClk;
    }
    const latS = Object.values(lat).reduce((x, y) => x + y, 0);
    // Idle tiles leak while this layer runs (NeuroSim main.cpp, layer by layer).
    e['other.leakage'] = (tilesTotal - tilesOf(i)) * latS * tileLeakageW;
    if (circuits.validationFactor) e['other.postLayout'] = (ZETA - 1) * Object.values(e).reduce((x, y) => x + y, 0);

    const energy = breakdown(e);
    const areaMm2 = scaleBreakdown(tile.areaUm2, tilesOf(i) * 1e-6);
    const latency = breakdown(lat);
    return {
      name: g.name,
      R: g.R,
      C: g.C,
      P: g.P,
      rowTiles: lay.rowTiles,
      colTiles: lay.colTiles,
      tiles: tilesOf(i),
      speedUp,
      opsPerImage: ops,
      areaMm2,
      energyPerImageJ: energy,
      latencyPerImageS: latency,
      topsPerW: ops / energy.total / 1e12,
      tops: ops / latency.total / 1e12,
      topsPerMm2: ops / latency.total / 1e12 / areaMm2.total,
    };
  });

  const area = sumBreakdowns([...layers.map((l) => l.areaMm2), scaleBreakdown(breakdown(chipItems), 1e-6)]);
  const energy = sumBreakdowns(layers.map((l) => l.energyPerImageJ));
  const latency = sumBreakdowns(layers.map((l) => l.latencyPerImageS));
  const ops = layers.reduce((s, l) => s + l.opsPerImage, 0);
  const tops = ops / latency.total / 1e12;
  return {
    tech: { nodeNm: t.nodeNm, vddV: t.vddV, cellFeatureNm: t.cellFeatureNm, clockHz: 1 / tClk },
    circuits,
    sensingDelayS: senseS,
    sensingCycle: circuits.clock === 'sensing' ? { senseAmpS, parts, beta, cycleS: syncClockS } : null,
    tileLeakageW,
    leakageModelled: !circuits.leakage || !!off,
    floorplan: fp,
    mtHardware: mt,
    tile,
    chip: { globalBufferBits: bufferBits, busBits, activationLanes: lanes, sideMm: sideM * 1e3 },
    layers,
    network: {
      tiles: tilesTotal,
      areaMm2: area,
      energyPerImageJ: energy,
      latencyPerImageS: latency,
      opsPerImage: ops,
      topsPerW: ops / energy.total / 1e12,
      tops,
      topsPerMm2: tops / area.total,
      framesPerS: 1 / latency.total,
      powerW: energy.total / latency.total,
    },
  };
}

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
import type { Config } from '../config/schema.ts';
import { networkLayerShapes } from '../crossbar/faults.ts';
import { conductanceTable } from '../crossbar/device.ts';
import type { Layout } from '../crossbar/layout.ts';
import { isCompute, shapes, type Network } from '../nn/graph.ts';
import { DEFAULT_RTL_OPTIONS, deriveDesign, type Design } from '../rtl/design.ts';
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
import { techNode, type TechNode } from './tech.ts';

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
}

export interface LayerCost {
  name: string;
  R: number;
  C: number;
  P: number;
  rowTiles: number;
  colTiles: number;
  tiles: number;
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
    out.push({ name: l.name, kind: l.kind, R: layout.R, C: layout.C, P, macs: layout.R * layout.C * P, inputs: x.c * x.h * x.w, outputs: o.c * o.h * o.w, layout });
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
  memxbar_ctrl: 'other.control',
  memxbar_tile: 'other.control',
  memxbar_mt_tables: 'other.mtTables',
  memxbar_fault_bitmap: 'other.faultBitmap',
};

/** The design the tiles implement (widths, counts): the RTL generator's own derivation. */
export function tileDesign(cfg: Config, mt: boolean): Design {
  return deriveDesign(cfg, { ...DEFAULT_RTL_OPTIONS, mt });
}

/** Area of one tile (µm²) and its timing (docs/cost.md §3–§5). */
export function tileCost(cfg: Config, d: Design, digital: DigitalAreas, t: TechNode, mt: boolean): TileCost {
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
  const tClk = 1 / k('clockHz');
  const slotS = Math.max(cfg.device.readPulseS, (conversionCycles(d.adcKind, d.codeBits) + 1) * tClk);
  const combineS = (d.weightCols * (d.termSlots + 1) + 2) * tClk;
  const vectorS = d.actBits * d.groups * d.colsPerAdc * slotS + combineS;
  return { areaUm2: breakdown(items), adcs: d.adcs, slotsPerRead: d.colsPerAdc, vectorS, slotS, combineS, digitalAreaScale: scale };
}

/** The whole accelerator: per layer and for the network. */
export function costModel({ cfg, geometry, activity, digital }: CostInput): CostResult {
  if (geometry.length !== activity.length) throw new Error(`internal: ${geometry.length} layers but activity for ${activity.length}`);
  const t = techNode(cfg.tech.nodeNm);
  const mt = needsMtHardware(cfg);
  const d = tileDesign(cfg, mt);
  const tile = tileCost(cfg, d, digital, t, mt);
  const a = cfg.quant.activationBits;
  const tClk = 1 / k('clockHz');
  const vread = cfg.device.readVoltageV;
  const gLsb = conductanceTable(cfg).lsbSiemens;
  const L = libertyAreas();

  // Chip level: global buffer (the largest layer's input + output activations), bus, lanes.
  const busBits = cfg.tile.rows * a;
  const lanes = cfg.tile.rows;
  const bufferBits = Math.max(...geometry.map((g) => (g.inputs + g.outputs) * a));
  const bufferBytes = bufferBits / 8;
  const tilesTotal = geometry.reduce((s, g) => s + g.layout.rowTiles * g.layout.colTiles, 0);
  const laneUm2 = (16 * 32 * (L.AND2 + fullAdderAreaUm2()) + 32 * L.DFF + a * fullAdderAreaUm2()) * digitalAreaScale(t);
  const chipItems: Record<string, number> = {
    'other.globalBuffer': sramAreaM2(bufferBits, t) * 1e12,
    'other.activation': lanes * laneUm2,
    'other.interconnect': 0,
  };
  const chipAreaUm2 = tilesTotal * tile.areaUm2.total + Object.values(chipItems).reduce((x, y) => x + y, 0);
  const sideM = Math.sqrt(chipAreaUm2 * 1e-12);
  const tileSideM = Math.sqrt(tile.areaUm2.total * 1e-12);
  const eChipBit = wireEnergyPerBitJ(sideM, t);
  const eTileBit = wireEnergyPerBitJ(tileSideM, t);
  const eBufferBit = sramEnergyPerBitJ(bufferBytes, t);

  const layers: LayerCost[] = geometry.map((g, i) => {
    const A = activity[i]!;
    const lay = g.layout;
    const tiles = lay.rowTiles * lay.colTiles;
    const P = A.vectors;
    const ops = 2 * g.macs;

    // Energy per image.
    const e: Record<string, number> = {
      'array.read': arrayReadEnergyJ(A.currentSum, vread, cfg.device.readPulseS, gLsb),
      'array.bitlines': bitlineEnergyJ(A.conversions, d.rows, vread, t),
      'array.wordlines': wordlineEnergyJ(A.activeRowBits * lay.colTiles, d.cols, t),
      'adc.converters': A.conversions * adcEnergyJ(d.adcKind, d.codeBits, vread, t),
      'adc.logic':
        d.adcKind === 'sar'
          ? A.conversions * registerEnergyJ(2 * d.codeBits, t)
          : A.conversions * (registerEnergyJ(d.codeBits, t) + gatesEnergyJ(d.thermBits * (L.AND2 + L.INV) + d.codeBits * Math.ceil(d.thermBits / 2) * L.OR2, t)),
      'accumulation.shiftAdd':
        A.conversions * (addEnergyJ(d.accBits, t) + registerEnergyJ(d.accBits, t) + muxEnergyJ(d.accBits * (d.bitIdxBits + (d.shiftProgrammable ? d.shiftBits : 0)), t)),
      'accumulation.combine':
        P * tiles * d.weightCols * d.termsPerWeight *
        (addEnergyJ(d.tBits, t) + registerEnergyJ(d.tBits, t) + muxEnergyJ(d.accBits * d.unitBits + d.tBits * d.termShiftBits + (mt ? d.termEntryBits * Math.ceil(Math.log2(d.weightCols * d.termSlots)) : 0), t)),
      'accumulation.partialSums': P * lay.colTiles * d.weightCols * (lay.rowTiles - 1) * addEnergyJ(d.psumBits, t),
      'accumulation.mitigationAdds': A.extraOpsPerRead * A.reads * addEnergyJ(d.tBits, t),
      'other.rowDrivers': P * tiles * registerEnergyJ(a * d.rows * a, t),
      'other.columnMux': (d.colsPerAdc > 1 ? A.conversions : 0) * switchEnergyJ(t),
      'other.control': P * tiles * (tile.vectorS / tClk) * registerEnergyJ(2 + d.colSelBits + d.bitIdxBits, t),
      'other.inputBuffers': P * tiles * registerEnergyJ(d.rows * a, t),
      'other.rowRemap': mt ? P * tiles * a * (muxEnergyJ(d.rows * Math.ceil(Math.log2(2 * d.rows)), t) + addEnergyJ(d.rows - 1, t)) : 0,
      'other.globalBuffer': P * (g.R + g.C) * a * eBufferBit,
      'other.interconnect': P * (g.R * a + g.C * d.psumBits + g.C * a) * eChipBit + P * lay.colTiles * d.weightCols * (lay.rowTiles - 1) * d.psumBits * eTileBit,
      'other.activation': P * g.C * (multiplyEnergyJ(t) + addEnergyJ(a, t)),
    };

    // Latency per image: patches one after another, every tile of the layer in parallel;
    // the bus delivers the next vector (and takes the last outputs) while tiles compute.
    const ioS = (Math.ceil((g.R * a) / busBits) + Math.ceil((g.C * a) / busBits)) * tClk;
    const layerS = P * Math.max(tile.vectorS, ioS) + ioS;
    const convS = (conversionCycles(d.adcKind, d.codeBits) + 1) * tClk;
    const reads = a * d.groups * d.colsPerAdc * P;
    const lat: Record<string, number> = {
      'adc.converters': reads * convS,
      'array.read': reads * (tile.slotS - convS),
      'accumulation.combine': P * tile.combineS,
    };
    lat['other.io'] = layerS - lat['adc.converters']! - lat['array.read']! - lat['accumulation.combine']!;

    const energy = breakdown(e);
    const areaMm2 = scaleBreakdown(tile.areaUm2, tiles * 1e-6);
    const latency = breakdown(lat);
    return {
      name: g.name,
      R: g.R,
      C: g.C,
      P: g.P,
      rowTiles: lay.rowTiles,
      colTiles: lay.colTiles,
      tiles,
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
    tech: { nodeNm: t.nodeNm, vddV: t.vddV, cellFeatureNm: t.cellFeatureNm, clockHz: k('clockHz') },
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


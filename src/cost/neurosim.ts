/**
 * memxbar beside NeuroSim's published results (docs/cost.md §10): for each published point,
 * the configuration as memxbar config fields, NeuroSim's figures with the version and file
 * behind them, and memxbar's figures for the same work with its own circuits and with
 * NeuroSim's (`cost.circuits = "neurosim"`), every remaining difference named with its size.
 */
import { parseOverride, resolveConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { noFaults } from '../crossbar/faults.ts';
import { prepare } from '../session/prepare.ts';
import { silentProgress, type Progress } from '../util/progress.ts';
import { measureActivity } from './measure.ts';
import { estimateDigitalAreas } from './digital.ts';
import { costModel, networkGeometry, type Breakdown, type CostResult, type LayerGeometry } from './model.ts';
import type { NsSchedule } from './circuits.ts';

/** NeuroSim's breakdown as its main.cpp prints it (per image; areas mm², energies µJ, latencies µs). */
export interface NsBreakdown {
  area: { array: number; ic: number; adc: number; accumulation: number; other: number };
  energy: { adc: number; accumulation: number; other: number; buffer: number; ic: number; dynamic: number; leakage: number };
  latency: { adc: number; accumulation: number; other: number; buffer: number; ic: number };
}

export interface PublishedPoint {
  id: 'v1.3-vgg8' | 'v1.4-release-test';
  title: string;
  /** The NeuroSim version that produced the figures. */
  version: string;
  source: string;
  /** The configuration, as memxbar config fields (stated by the source, or NeuroSim's defaults of that version). */
  fields: { path: string; value: string | number }[];
  /** How NeuroSim scheduled the layers for these figures. */
  schedule: 'layer-by-layer' | 'pipeline';
  areaMm2: number;
  topsPerW: number;
  tops: number;
  framesPerS: number;
  /** Operations per image: published, or derived as TOPS / frames/s. */
  opsPerImage: number;
  opsPublished: boolean;
  breakdown: NsBreakdown | null;
  /** NeuroSim's synchronous clock period as it printed it (s), when published. */
  clockPeriodS: number | null;
}

const VGG8_FULL = [
  { path: 'network.model', value: 'random-vgg8' },
  { path: 'network.randomWidth', value: 1 },
  { path: 'quant.weightBits', value: 8 },
  { path: 'quant.activationBits', value: 8 },
  { path: 'quant.calibrationImages', value: 50 },
  { path: 'tile.rows', value: 128 },
  { path: 'tile.cols', value: 128 },
  { path: 'tile.parallelRead', value: 128 },
  { path: 'tile.adcKind', value: 'flash' },
  { path: 'tile.colsPerAdc', value: 8 },
  { path: 'tech.nodeNm', value: 22 },
  { path: 'device.readVoltageV', value: 0.5 },
  { path: 'device.readPulseS', value: 10e-9 },
] as const;

/**
 * NeuroSim V1.3's published VGG8 example (the V1.3 manual's example output, repeated unchanged
 * in V1.4's manual; quoted to the project): stated settings 8-bit weights and
 * activations, 2 bits per RRAM cell, 100 kΩ / 10 MΩ, 128×128 subarrays; the unstated ones are
 * V1.3 Param.cpp's defaults (22 nm, 32-level current-mode multilevel sense amplifier = 5-bit
 * flash, 8 columns per ADC, 0.5 V, 10 ns, layer by layer).
 */
export const NEUROSIM_V13_VGG8: PublishedPoint = {
  id: 'v1.3-vgg8',
  title: "NeuroSim V1.3's published VGG8 example",
  version: 'DNN+NeuroSim V1.3 (example output of its manual; repeated in the V1.4 manual)',
  source: 'DNN+NeuroSim V1.3 manual, example output for VGG8 on CIFAR-10 (as quoted to the project; the PDF itself could not be opened here)',
  fields: [...VGG8_FULL, { path: 'tile.cellBits', value: 2 }, { path: 'tile.adcBits', value: 5 }, { path: 'device.rOnOhm', value: 100e3 }, { path: 'device.onOffRatio', value: 100 }],
  schedule: 'layer-by-layer',
  areaMm2: 45.55,
  topsPerW: 25.72,
  tops: 0.846,
  framesPerS: 686.75,
  opsPerImage: (0.846 / 686.75) * 1e12,
  opsPublished: false,
  breakdown: null,
  clockPeriodS: null,
};

/**
 * NeuroSim V1.4's release test (repository github.com/neurosim/DNN_NeuroSim_V1.4, file
 * Data/1.4_Release_test.csv, row 1): VGG8, 22 nm, 1 bit per cell, 16-level current-mode
 * sense amplifier (4-bit), on/off 17 (onoff = 0.0588), 128×128, 128 rows in parallel. The
 * file's columns are unlabelled; they are read as V1.4 main.cpp prints its summary, which
 * every sum checks: area 84.77 = 3.605 + 8.296 + 5.065 + 15.06 + 52.74 mm²; TOPS/W 23.94 =
 * 1.23184e9 ops / (42.00 + 0.177 µJ) / 1.22; frames/s 5148.66 = 1 / 194.2 µs; the column
 * between the areas and the latency is the clock period, 2.2312 ns. Its other
 * settings are V1.4 Param.cpp's: 100 kΩ on, 8 columns per ADC, 0.5 V, 10 ns, pipeline = true.
 */
export const NEUROSIM_V14_RELEASE: PublishedPoint = {
  id: 'v1.4-release-test',
  title: "NeuroSim V1.4's release test (1-bit cells, 4-bit ADC, on/off 17)",
  version: 'DNN+NeuroSim V1.4 (release test data in its repository)',
  source: 'github.com/neurosim/DNN_NeuroSim_V1.4 Data/1.4_Release_test.csv, row 1 (columns decoded by their sums; see src/cost/neurosim.ts)',
  fields: [...VGG8_FULL, { path: 'tile.cellBits', value: 1 }, { path: 'tile.adcBits', value: 4 }, { path: 'device.rOnOhm', value: 100e3 }, { path: 'device.onOffRatio', value: 17 }],
  schedule: 'pipeline',
  areaMm2: 84.7747,
  topsPerW: 23.9369,
  tops: 6.3423,
  framesPerS: 5148.66,
  opsPerImage: 1.23184e9,
  opsPublished: true,
  breakdown: {
    area: { array: 3.60536, ic: 8.29649, adc: 5.06475, accumulation: 15.0639, other: 52.7443 },
    energy: { adc: 21.612, accumulation: 3.57428, other: 16.8186, buffer: 0.203455, ic: 6.09182, dynamic: 42.0048, leakage: 0.17702 },
    latency: { adc: 8.03231, accumulation: 3.32504, other: 184.876, buffer: 136.858, ic: 47.8689 },
  },
  // The column after the areas: main.cpp prints "Chip clock period" there (synchronous mode).
  clockPeriodS: 2.2312e-9,
};

export const PUBLISHED_POINTS: readonly PublishedPoint[] = [NEUROSIM_V13_VGG8, NEUROSIM_V14_RELEASE];

/**
 * The NeuroSim data movement a point's figures come from: the V1.3 example is V1.3 layer by layer; the
 * V1.4 release test is V1.4's buffer counting (Chip.cpp, Tile.cpp) on its pipelined floorplan
 * (Param.cpp pipeline = true).
 */
export function pointSchedule(pt: PublishedPoint): NsSchedule {
  return pt.schedule === 'pipeline' ? { version: '1.4', pipeline: true } : { version: '1.3', pipeline: false };
}

/**
 * The configuration of a published point (preset neurosim-v1.4 plus its fields), with a circuits
 * profile; `adcCalibrationImages` (measurement effort, not a circuit: the images that set the ADC
 * range) from the configured run when given.
 */
export function pointConfig(pt: PublishedPoint, circuits: Config['cost']['circuits'] = 'memxbar', adcCalibrationImages?: number): Config {
  const effort = adcCalibrationImages === undefined ? [] : [`tile.adcCalibrationImages=${adcCalibrationImages}`];
  return resolveConfig({ preset: 'neurosim-v1.4', overrides: [...pt.fields.map((f) => `${f.path}=${JSON.stringify(f.value)}`), ...effort, `cost.circuits="${circuits}"`].map(parseOverride) });
}

export interface CompareRow {
  group: 'headline' | 'area (mm²)' | 'energy per image (µJ)' | 'latency per image (µs)';
  metric: string;
  unit: string;
  /** null: NeuroSim does not publish this figure for the point. */
  neurosim: number | null;
  /** Published (true) or derived from published figures (false). */
  published: boolean;
  memxbar: number;
  profile: number;
  /** The remaining difference (memxbar with NeuroSim's circuits against NeuroSim), named with its size. */
  note: string;
}

export interface PointComparison {
  point: PublishedPoint;
  images: number;
  rows: CompareRow[];
  /** Every headline figure of the profile within 1.5× of NeuroSim's. */
  withinHeadline: boolean;
  /** Named differences that are not one row's. */
  notes: string[];
}

export interface NeurosimComparison {
  points: PointComparison[];
}

const f3 = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3));
const it = (b: Breakdown, ...keys: string[]) => keys.reduce((s, k) => s + (b.items[k] ?? 0), 0);

/** memxbar's items in NeuroSim's groups (NeuroSim's current-mode ADC carries the column current). */
function groups(r: CostResult) {
  const e = r.network.energyPerImageJ;
  const a = r.network.areaMm2;
  const l = r.network.latencyPerImageS;
  const leak = it(e, 'other.leakage');
  const post = it(e, 'other.postLayout');
  const adcE = e.adc + it(e, 'array.read');
  const buffer = it(e, 'other.globalBuffer', 'other.inputBuffers');
  const ic = it(e, 'other.interconnect');
  const dynamic = e.total - leak - post;
  return {
    area: { array: a.array, ic: it(a, 'other.interconnect'), adc: a.adc, accumulation: a.accumulation, other: a.other - it(a, 'other.interconnect') },
    energy: { adc: adcE * 1e6, accumulation: e.accumulation * 1e6, other: (dynamic - adcE - e.accumulation) * 1e6, buffer: buffer * 1e6, ic: ic * 1e6, dynamic: dynamic * 1e6, leakage: leak * 1e6 },
    latency: latencyGroups(l),
  };
}

/** memxbar's latency items in NeuroSim's groups, µs. */
function latencyGroups(l: Breakdown) {
  const buffer = it(l, 'other.buffers');
  const ic = it(l, 'other.htree', 'other.io');
  return { adc: (it(l, 'adc.converters') + it(l, 'array.read')) * 1e6, accumulation: it(l, 'accumulation.combine') * 1e6, buffer: buffer * 1e6, ic: ic * 1e6, other: (buffer + ic) * 1e6 };
}

/** NeuroSim's pipelined figures (V1.4 main.cpp, pipeline): the latency is the slowest layer's, each part the largest layer's. */
function pipelinedLatency(r: CostResult) {
  const per = r.layers.map((x) => latencyGroups(x.latencyPerImageS));
  const max = (k: keyof ReturnType<typeof latencyGroups>) => Math.max(...per.map((x) => x[k]));
  return { totalS: Math.max(...r.layers.map((x) => x.latencyPerImageS.total)), groups: { adc: max('adc'), accumulation: max('accumulation'), buffer: max('buffer'), ic: max('ic'), other: max('other') } };
}

/** The side-by-side table of one published point, given memxbar's two results on the same activity. */
export function comparePoint(pt: PublishedPoint, images: number, mine: CostResult, prof: CostResult, geometry: LayerGeometry[], adcCalibrationImages = 8): PointComparison {
  const n = mine.network;
  const p = prof.network;
  const ns = pt;
  const nsEnergyJ = ns.opsPerImage / (ns.topsPerW * 1e12);
  const nsLatencyS = 1 / ns.framesPerS;
  const gm = groups(mine);
  const gp = groups(prof);
  const pe = p.energyPerImageJ;
  const pl = p.latencyPerImageS;
  const combine = it(pl, 'accumulation.combine');
  const maxLayerS = Math.max(...prof.layers.map((l) => l.latencyPerImageS.total));
  const fp = prof.floorplan;
  const post = it(pe, 'other.postLayout');
  const named = (parts: [string, number][]) => parts.filter(([, v]) => Number.isFinite(v) && v !== 0).map(([s]) => s).join('; ');

  const energyNote = named([
    [`memxbar's RTL combines every weight's terms after each vector (accumulation.combine ${f3(it(pe, 'accumulation.combine') * 1e6)} µJ, ${f3((100 * it(pe, 'accumulation.combine')) / pe.total)} %), which NeuroSim's shift-add has no counterpart of`, it(pe, 'accumulation.combine')],
    [`column current + sense amplifiers ${f3(gp.energy.adc)} µJ (NeuroSim's ADC group${ns.breakdown ? ` ${f3(ns.breakdown.energy.adc)} µJ` : ''})`, gp.energy.adc],
    [`global buffer and tile input registers ${f3(gp.energy.buffer)} µJ (Horowitz SRAM energies${ns.breakdown ? `; NeuroSim ${f3(ns.breakdown.energy.buffer)} µJ` : ''})`, gp.energy.buffer],
    [`ζ = 1.22 adds ${f3(post * 1e6)} µJ as in NeuroSim`, post],
  ]);
  // The profile on NeuroSim's schedule: pipelined points take the slowest layer (V1.4 main.cpp).
  const pipelined = ns.schedule === 'pipeline';
  const pip = pipelinedLatency(prof);
  const profLatS = pipelined ? pip.totalS : pl.total;
  const gpl = pipelined ? pip.groups : gp.latency;
  const cycles = prof.circuits.clock === 'sensing' ? profLatS / (1 / prof.tech.clockHz) : 0;
  const slowest = prof.layers.reduce((x, y) => (y.latencyPerImageS.total > x.latencyPerImageS.total ? y : x));
  const sc = prof.sensingCycle;
  const pp = sc?.parts;
  const latencyNote = named([
    [`${f3((pipelined ? it(slowest.latencyPerImageS, 'accumulation.combine') : combine) * 1e6)} µs is memxbar's RTL combining terms one per clock after each vector (${f3(prof.tile.combineS * 1e9)} ns per vector), which NeuroSim's shift-add overlaps with the next read`, combine],
    [
      sc
        ? `clock ${f3(sc.cycleS * 1e9)} ns = β ${sc.beta} × (sense amplifier ${f3(sc.senseAmpS * 1e9)} ns${pp ? ` + max(switch matrix ${f3(pp.switchMatrixS * 1e12)} ps, mux ${f3(pp.muxS * 1e12)} + decoder ${f3(pp.muxDecoderS * 1e12)} ps) + column RC ${f3(pp.columnRcS * 1e12)} ps + encoder ${f3(pp.encoderS * 1e12)} ps` : ' (switch matrix, multiplexer, decoder, column RC and encoder delays not ported for this node)'}), NeuroSim V1.3 SubArray.cpp CalculateLatency ported (src/cost/neurosim-delay.ts)${ns.clockPeriodS ? `; NeuroSim V1.4 printed ${f3(ns.clockPeriodS * 1e9)} ns here (memxbar's ${f3(sc.cycleS / ns.clockPeriodS)}×; V1.4's sensing-cycle circuits differ from V1.3's — its Param.cpp adds driver sizings, sizingfactor_MUX = 110 and newswitchmatrixsizeratio = 14 at 22 nm — and are not ported)` : ''}`
        : '',
      cycles,
    ],
    [`not counted: the processing units' DFF buffers and buses (ProcessingUnit.cpp), adder-tree and accumulation cycles at PE, tile and chip level, pooling and ReLU cycles`, cycles],
    [
      pipelined
        ? `pipelined as NeuroSim ran it (V1.4 Param.cpp pipeline = true: latency = the slowest layer, here ${slowest.name}: ${f3(pip.totalS * 1e6)} µs; layer by layer ${f3(pl.total * 1e6)} µs), on NeuroSim's pipelined floorplan (Chip.cpp ChipDesignInitialize pipelineSpeedUp, OverallEachLayer: ${slowest.name} speed-up ${slowest.speedUp}) with V1.4's buffer counting (global buffer without V1.3's ⌈all tiles / layer tiles⌉ factor; tile buffers half read, half written): buffers of the slowest layer ${f3(pip.groups.buffer)} µs against NeuroSim's ${ns.breakdown ? f3(ns.breakdown.latency.buffer) : '–'} µs; V1.4's global X-Y bus (Param.cpp globalBusType = false, XYBus.cpp) is counted as V1.3's H-tree, one cycle per transfer: interconnect ${f3(pip.groups.ic)} µs against ${ns.breakdown ? f3(ns.breakdown.latency.ic) : '–'} µs`
        : '',
      pipelined ? 1 : 0,
    ],
  ]);
  const areaNote = named([
    [fp ? `NeuroSim's ${pipelined ? 'pipelined ' : ''}floorplan gives ${fp.subarrays} subarrays (tiles ${fp.tileSizeCM}², PEs ${fp.peSizeCM}² / novel-mapped ${fp.peSizeNM}² × ${fp.numPENM}) against memxbar's ${n.tiles}` : '', fp ? 1 : 0],
    [`memxbar's synthesized-style periphery per subarray: accumulation ${f3(p.areaMm2.accumulation)} mm² (a ${mine.tile.slotsPerRead}-slot shift-add with an accumulator register per conversion unit and one adder per ADC${ns.breakdown ? `; NeuroSim ${f3(ns.breakdown.area.accumulation)} mm²` : ''})`, p.areaMm2.accumulation],
    [`memxbar routes global wires over the tiles (interconnect area 0${ns.breakdown ? `; NeuroSim's IC ${f3(ns.breakdown.area.ic)} mm²` : ''})`, 1],
  ]);
  const paddedOnly = geometry.reduce((s, g) => s + 2 * g.R * g.C * (g.P - g.validP), 0);
  const opsNote = `both 2 × multiply-accumulates of the padded convolutions (NeuroSim main.cpp numComputation); NeuroSim simulates only the valid positions (Chip.cpp numInVector), so ${f3((100 * paddedOnly) / n.opsPerImage)} % of the operations it counts are never simulated`;
  const rows: CompareRow[] = [
    { group: 'headline', metric: 'chip area', unit: 'mm²', neurosim: ns.areaMm2, published: true, memxbar: n.areaMm2.total, profile: p.areaMm2.total, note: areaNote },
    { group: 'headline', metric: 'energy efficiency', unit: 'TOPS/W', neurosim: ns.topsPerW, published: true, memxbar: n.topsPerW, profile: p.topsPerW, note: energyNote },
    { group: 'headline', metric: 'throughput', unit: 'TOPS', neurosim: ns.tops, published: true, memxbar: n.tops, profile: p.opsPerImage / profLatS / 1e12, note: 'same operations per image, so the frame-rate ratio' },
    { group: 'headline', metric: 'frame rate', unit: 'frames/s', neurosim: ns.framesPerS, published: true, memxbar: n.framesPerS, profile: 1 / profLatS, note: latencyNote },
    { group: 'headline', metric: 'operations per image', unit: 'GOP', neurosim: ns.opsPerImage / 1e9, published: ns.opsPublished, memxbar: n.opsPerImage / 1e9, profile: p.opsPerImage / 1e9, note: opsNote },
    { group: 'headline', metric: 'energy per image', unit: 'µJ', neurosim: nsEnergyJ * 1e6, published: false, memxbar: n.energyPerImageJ.total * 1e6, profile: pe.total * 1e6, note: 'see energy efficiency' },
    { group: 'headline', metric: 'latency per image', unit: 'ms', neurosim: nsLatencyS * 1e3, published: false, memxbar: n.latencyPerImageS.total * 1e3, profile: profLatS * 1e3, note: pipelined ? 'see frame rate; memxbar (own circuits): layer by layer' : 'see frame rate' },
  ];
  const b = ns.breakdown;
  const add = (group: CompareRow['group'], metric: string, nsv: number | undefined, mv: number, pv: number, note = '') =>
    rows.push({ group, metric, unit: group.replace(/^.*\(|\)$/g, ''), neurosim: nsv ?? null, published: nsv !== undefined, memxbar: mv, profile: pv, note });
  add('area (mm²)', 'CIM array', b?.area.array, gm.area.array, gp.area.array, 'memxbar: rows·cols·48F² per subarray');
  add('area (mm²)', 'ADC', b?.area.adc, gm.area.adc, gp.area.adc);
  add('area (mm²)', 'accumulation', b?.area.accumulation, gm.area.accumulation, gp.area.accumulation);
  add('area (mm²)', 'interconnect', b?.area.ic, gm.area.ic, gp.area.ic, 'memxbar counts no wire area');
  add('area (mm²)', 'other periphery', b?.area.other, gm.area.other, gp.area.other, 'memxbar: row drivers, column multiplexers, input buffers, control, global buffer, activation lanes');
  add('energy per image (µJ)', 'ADC (with column current)', b?.energy.adc, gm.energy.adc, gp.energy.adc, 'memxbar: adc.* + array.read');
  add('energy per image (µJ)', 'accumulation', b?.energy.accumulation, gm.energy.accumulation, gp.energy.accumulation);
  add('energy per image (µJ)', 'buffers', b?.energy.buffer, gm.energy.buffer, gp.energy.buffer);
  add('energy per image (µJ)', 'interconnect', b?.energy.ic, gm.energy.ic, gp.energy.ic);
  add('energy per image (µJ)', 'other periphery (incl. buffers, interconnect)', b?.energy.other, gm.energy.other, gp.energy.other, 'NeuroSim\'s "Other Peripheries" includes buffers and IC');
  add('energy per image (µJ)', 'read dynamic', b?.energy.dynamic, gm.energy.dynamic, gp.energy.dynamic);
  add('energy per image (µJ)', 'leakage', b?.energy.leakage, gm.energy.leakage, gp.energy.leakage, !prof.leakageModelled ? 'NeuroSim\'s off current for this node not read: not modelled' : pipelined ? 'memxbar: idle tiles over each layer\'s time, layer by layer (now with its buffer cycles); NeuroSim pipelined: each layer\'s tiles over the slowest layer\'s time (V1.4 main.cpp)' : 'idle tiles over each layer\'s time (V1.3 main.cpp layerLeakageEnergy)');
  const lat = 'latency per image (µs)' as const;
  add(lat, 'ADC (sensing and conversion)', b?.latency.adc, gm.latency.adc, gpl.adc, pipelined ? 'NeuroSim and memxbar with its circuits: the largest layer\'s' : '');
  add(lat, 'accumulation', b?.latency.accumulation, gm.latency.accumulation, gpl.accumulation, 'memxbar: its RTL\'s term combination');
  add(lat, 'buffers', b?.latency.buffer, gm.latency.buffer, gpl.buffer, `memxbar with NeuroSim's circuits: global and tile buffers counted as ${pipelined ? 'V1.4' : 'V1.3'} Chip.cpp/Tile.cpp/Buffer.cpp do; memxbar's own: overlapped, 0`);
  add(lat, 'interconnect', b?.latency.ic, gm.latency.ic, gpl.ic, 'global and tile H-trees (HTree.cpp), one cycle per transfer; memxbar\'s own: its bus where not hidden behind computing');
  add(lat, 'other (incl. buffers, interconnect)', b?.latency.other, gm.latency.other, gpl.other, 'NeuroSim\'s "Other Peripheries" includes buffers and IC');
  const headline = rows.filter((r) => r.group === 'headline' && r.neurosim !== null);
  const withinHeadline = headline.every((r) => r.profile / r.neurosim! <= 1.5 && r.profile / r.neurosim! >= 1 / 1.5);
  const notes = [
    `NeuroSim counts the padded convolution positions in its operations (and TOPS) but simulates only the valid ones; with NeuroSim's circuits memxbar does the same (positions = valid), memxbar's default computes every padded position.`,
    `memxbar's digital periphery here is its estimate from the design (no synthesis report), about 10 % above Yosys on the tile (docs/cost.md §4).`,
    `Activity measured on ${images} image(s) of the full-width VGG8 with random weights (random weights do not change the counts; they do change the currents); ADC range calibrated on ${adcCalibrationImages} image(s).`,
  ];
  if (!ns.breakdown) notes.push(`${ns.version}: only the headline figures are published; the breakdown rows have no NeuroSim column.`);
  return { point: pt, images, rows, withinHeadline, notes };
}

/**
 * Measure each published point's configuration and price it with both profiles, on the same
 * activity. `adcCalibrationImages`: images that set the ADC range (the configured run's; the
 * preset's 8 when not given).
 */
export function compareNeurosim(images: number, progress: Progress = silentProgress, adcCalibrationImages?: number): NeurosimComparison {
  const points: PointComparison[] = [];
  // The points share network and quantization (full-width VGG8, 8/8 bits): prepared once.
  progress.log('NeuroSim comparison: preparing the full-width VGG8 (random weights)');
  const p = prepare(pointConfig(PUBLISHED_POINTS[0]!, 'memxbar', adcCalibrationImages), progress);
  for (const pt of PUBLISHED_POINTS) {
    const cfg = pointConfig(pt, 'memxbar', adcCalibrationImages);
    const run = measureActivity(p, cfg, noFaults, images, progress, `${pt.id} activity`);
    const geometry = networkGeometry(p.net, cfg);
    const digital = estimateDigitalAreas(cfg);
    const mine = costModel({ cfg, geometry, activity: run.layers, digital });
    const prof = costModel({ cfg: pointConfig(pt, 'neurosim', adcCalibrationImages), geometry, activity: run.layers, digital, neurosimSchedule: pointSchedule(pt) });
    points.push(comparePoint(pt, images, mine, prof, geometry, cfg.tile.adcCalibrationImages));
  }
  return { points };
}

const fmt = (x: number | null) => (x === null ? '–' : Math.abs(x) >= 100 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3));
const ratio = (a: number, b: number | null) => (b === null || b === 0 ? '–' : `${fmt(a / b)}×`);

export function neurosimMarkdown(c: NeurosimComparison): string {
  const L: string[] = ['## Against NeuroSim\'s published results', ''];
  L.push(
    'Each point: NeuroSim\'s figures (the version behind them named), memxbar with its own circuits, and memxbar with NeuroSim\'s (`cost.circuits = "neurosim"`), on the same measured activity. ' +
      'Ratios are memxbar / NeuroSim. † derived from the published figures (energy = operations / (TOPS/W); latency = 1 / frames/s).',
  );
  for (const pc of c.points) {
    const pt = pc.point;
    L.push('', `### ${pt.title}`, '');
    L.push(`Figures: ${pt.version}; source: ${pt.source}. Schedule: ${pt.schedule}. Configuration: ${pt.fields.map((f) => `\`${f.path}=${JSON.stringify(f.value)}\``).join(', ')}.`);
    const out = pc.rows.filter((r) => r.group === 'headline' && r.neurosim !== null && !(r.profile / r.neurosim <= 1.5 && r.profile / r.neurosim >= 1 / 1.5));
    L.push('', pc.withinHeadline ? "With NeuroSim's circuits every headline figure is within 1.5× of NeuroSim's." : `With NeuroSim's circuits every headline figure is within 1.5× of NeuroSim's **except** ${out.map((r) => `${r.metric} (${ratio(r.profile, r.neurosim)})`).join(', ')}; what bounds them is named in the frame-rate row.`, '');
    L.push('| | metric | NeuroSim | memxbar | ratio | memxbar, NeuroSim\'s circuits | ratio | remaining difference |', '|---|---|---:|---:|---:|---:|---:|---|');
    for (const r of pc.rows) {
      const label = r.group === 'headline' ? `${r.metric} (${r.unit})${r.published || r.neurosim === null ? '' : ' †'}` : r.metric;
      L.push(`| ${r.group} | ${label} | ${fmt(r.neurosim)} | ${fmt(r.memxbar)} | ${ratio(r.memxbar, r.neurosim)} | ${fmt(r.profile)} | ${ratio(r.profile, r.neurosim)} | ${r.note} |`);
    }
    L.push('');
    for (const n of pc.notes) L.push(`- ${n}`);
  }
  return L.join('\n');
}

/**
 * `memxbar cost` as a library call: measure the configured accelerator's activity on a few
 * test images, price it (model.ts), then repeat for stuck-at faults (SA1-heavy 5:1 and
 * SA0-heavy 1:5 at several rates) with and without MT, against the fault-free plain mapping.
 */
import { saRatio, type Config, type Mitigation, type SaRatio } from '../config/schema.ts';
import { drawFaults, noFaults, type LayerShape } from '../crossbar/faults.ts';
import { DataError } from '../errors.ts';
import { configHash } from '../rtl/hash.ts';
import { checkEngine, configuredFaults, makeEngine, programCrossbarWithFaults } from '../session/eval.ts';
import type { Prepared } from '../session/prepare.ts';
import { silentProgress, type Progress } from '../util/progress.ts';
import { measureActivity, type ActivityRun } from './measure.ts';
import type { Price } from '../mitigation/price.ts';
import { COST_CONSTANTS, type CostConstant } from './constants.ts';
import { estimateDigitalAreas, readSynthReport, tileDigitalUm2, type DigitalAreas } from './digital.ts';
import { costModel, networkGeometry, tileDesign, type Breakdown, type CostResult } from './model.ts';
import { techNode } from './tech.ts';
import { compareNeurosim, type NeurosimComparison } from './neurosim.ts';
import { sensitivity, variantOf, type MeasuredVariant, type SensitivityRow } from './sensitivity.ts';
import { performance } from 'node:perf_hooks';

export interface CostOptions {
  /** Test images run per point. */
  images: number;
  /** Fault rates (fractions of cells) of the fault study; empty: no fault study. */
  rates: number[];
  /** SA1:SA0 ratios of the fault study. */
  ratios: SaRatio[];
  /** Mitigations compared in the fault study. */
  mitigations: Mitigation[];
  /** A `memxbar synth --out` report (synth-report.json); null: the estimate. */
  synthReport: string | null;
  /** Also measure and price NeuroSim's published points on their own configurations (neurosim.ts). */
  compareNeurosim: boolean;
}


export interface FaultPoint {
  mitigation: Mitigation;
  ratio: SaRatio;
  rate: number;
  images: number;
  top1: number;
  stuckCells: number;
  sa1Cells: number;
  energyPerImageJ: Breakdown;
  latencyPerImageS: number;
  areaMm2: number;
  topsPerW: number;
  framesPerS: number;
  /** Energy per image relative to the fault-free plain mapping, on the same layer inputs. */
  relativeEnergy: number;
  /** Array read energy (Σ currents) relative to the fault-free plain mapping, on the same layer inputs. */
  relativeArrayRead: number;
  /** Energy per image of the faulty accelerator run end to end (its errors change later layers' inputs). */
  energyInSituJ: number;
  relativeEnergyInSitu: number;
}

export interface MtCost {
  /** Per tile at the configured node, µm²: the MT hardware, and the same without the fault bitmap. */
  tileOverheadUm2: number;
  tileOverheadExclBitmapUm2: number;
  tileWithoutMtUm2: number;
  /** For the whole chip (every tile carries it), mm². */
  chipOverheadMm2: number;
  chipOverheadExclBitmapMm2: number;
  /** Table bits MT's mappings use per subarray (src/mitigation/price.ts), mean over layers at the fault-free point. */
  tableBitsUsedPerSubarray: number | null;
  /** Energy per image of the fault-free MT build relative to the fault-free plain one (same inputs). */
  relativeEnergyFaultFree: number | null;
  /** Fault-free, same inputs, per image: energy of everything but the array, MT build minus plain build (tables, remap, adds). */
  logicEnergyJ: number | null;
  /** Fault-free, same inputs, per image: the array energy the MT mapping changes. */
  arrayEnergyChangeJ: number | null;
}

export interface CostReport {
  tool: 'memxbar cost';
  configHash: string;
  config: Config;
  images: number;
  faultSeed: number;
  digital: DigitalAreas & { tileWithMtUm2At45nm: number; tileWithoutMtUm2At45nm: number };
  result: CostResult;
  /** The configured accelerator's measured activity per image and layer (what `result` prices). */
  activity: ActivityRun['layers'];
  top1: number;
  faults: FaultPoint[];
  mt: MtCost;
  neurosim: NeurosimComparison | null;
  /** What moves energy, latency and area per image (docs/cost.md §13). */
  sensitivity: SensitivityRow[];
  /** Wall time of pricing the whole chip once the activity is measured (costModel), ms. */
  estimateMs: number;
  constants: Record<string, CostConstant>;
}

const SA_MODULE = 'memxbar_fault_bitmap';

/** Check everything the run needs before any work (engine for each mitigation, synthesis report). */
export function checkCost(cfg: Config, opts: CostOptions): DigitalAreas {
  techNode(cfg.tech.nodeNm);
  checkEngine(cfg);
  for (const m of opts.mitigations) checkEngine({ ...cfg, mitigation: { ...cfg.mitigation, method: m } });
  tileDesign(cfg, true); // the RTL's own refusals (self-ranging ADC, table sizes, …)
  return opts.synthReport ? readSynthReport(opts.synthReport, cfg) : estimateDigitalAreas(cfg);
}

export function runCost(p: Prepared, opts: CostOptions, progress: Progress = silentProgress): CostReport {
  const cfg = p.cfg;
  if (!Number.isInteger(opts.images) || opts.images < 1 || opts.images > p.test.count) {
    throw new DataError(`the cost run asks for ${opts.images} images but ${p.test.count} are loaded`, '--images');
  }
  const digital = checkCost(cfg, opts);
  const geometry = networkGeometry(p.net, cfg);
  // Each point's own geometry: Zhang's value-range reduction lays the layers out on more columns.
  const price = (c: Config, run: ActivityRun) => costModel({ cfg: c, geometry: networkGeometry(p.net, c), activity: run.layers, digital });
  const seed = cfg.faults.seed;
  progress.log(`cost: ${geometry.length} compute layers, ${opts.images} images per point, fault seed ${seed}; digital periphery: ${digital.source}${digital.file ? ` (${digital.file})` : ''}`);

  // The configured accelerator (its own faults and mitigation).
  const base = measureActivity(p, cfg, (layers) => configuredFaults(p, cfg, layers), opts.images, progress, 'configured accelerator');
  const t0 = performance.now();
  const result = price(cfg, base);
  const estimateMs = performance.now() - t0;

  // The fault study. Each point runs twice: in situ (the faulty accelerator end to end: its
  // accuracy and the energy it draws), and on the same inputs as the fault-free plain
  // accelerator (the energy its own conductances cost, without activations changed upstream).
  const points: FaultPoint[] = [];
  const runs = new Map<string, { inSitu: CostResult; same: CostResult; run: ActivityRun; sameRun: ActivityRun }>();
  const plan: { mitigation: Mitigation; ratio: SaRatio; rate: number }[] = [];
  if (opts.rates.length > 0) {
    for (const mitigation of opts.mitigations) {
      plan.push({ mitigation, ratio: opts.ratios[0]!, rate: 0 });
      for (const ratio of opts.ratios) for (const rate of opts.rates) if (rate > 0) plan.push({ mitigation, ratio, rate });
    }
  }
  const pointCfg = (pt: { mitigation: Mitigation; ratio: SaRatio; rate: number }): Config => ({
    ...cfg,
    faults: { ...cfg.faults, rate: pt.rate, sa1Sa0Ratio: pt.ratio, mapFile: null },
    mitigation: { ...cfg.mitigation, method: pt.mitigation },
  });
  const reference = plan.length ? makeEngine(programCrossbarWithFaults(p, pointCfg({ mitigation: 'none', ratio: opts.ratios[0]!, rate: 0 }), noFaults)) : null;
  plan.forEach((pt, i) => {
    const c = pointCfg(pt);
    const faults = (layers: LayerShape[]) => drawFaults(layers, pt.rate, pt.ratio, seed);
    const label = `${i + 1}/${plan.length} ${pt.mitigation}, ${pt.rate === 0 ? 'fault-free' : `${+(pt.rate * 100).toPrecision(3)} % ${pt.ratio}`}`;
    const run = measureActivity(p, c, faults, opts.images, progress, `${label}, in situ`);
    const sameRun = measureActivity(p, c, faults, opts.images, progress, `${label}, same inputs`, reference!);
    runs.set(`${pt.mitigation}|${pt.rate}|${pt.ratio}`, { run, sameRun, inSitu: price(c, run), same: price(c, sameRun) });
  });
  const clean = runs.get(`none|0|${opts.ratios[0]}`);
  const rel = (x: number, of: number | undefined) => (of ? x / of : NaN);
  for (const pt of plan) {
    const { run, inSitu, same } = runs.get(`${pt.mitigation}|${pt.rate}|${pt.ratio}`)!;
    const n = same.network;
    points.push({
      ...pt,
      images: run.images,
      top1: (run.correct ?? 0) / run.images,
      stuckCells: run.stuckCells,
      sa1Cells: run.sa1Cells,
      energyPerImageJ: n.energyPerImageJ,
      energyInSituJ: inSitu.network.energyPerImageJ.total,
      latencyPerImageS: n.latencyPerImageS.total,
      areaMm2: n.areaMm2.total,
      topsPerW: n.topsPerW,
      framesPerS: n.framesPerS,
      relativeEnergy: rel(n.energyPerImageJ.total, clean?.same.network.energyPerImageJ.total),
      relativeArrayRead: rel(n.energyPerImageJ.items['array.read'] ?? 0, clean?.same.network.energyPerImageJ.items['array.read']),
      relativeEnergyInSitu: rel(inSitu.network.energyPerImageJ.total, clean?.inSitu.network.energyPerImageJ.total),
    });
  }

  // What MT's hardware adds (every tile carries it) and what its mappings use.
  const s = result.tile.digitalAreaScale;
  const withMt = tileDigitalUm2(digital, true);
  const withoutMt = tileDigitalUm2(digital, false);
  const bitmap = digital.modules.find((m) => m.module === SA_MODULE)?.withMtUm2 ?? 0;
  const mtClean = runs.get(`mt-map|0|${opts.ratios[0]}`);
  const tiles = result.network.tiles;
  const overhead = (withMt - withoutMt) * s;
  const overheadExclBitmap = (withMt - withoutMt - bitmap) * s;
  const mt: MtCost = {
    tileOverheadUm2: overhead,
    tileOverheadExclBitmapUm2: overheadExclBitmap,
    tileWithoutMtUm2: result.tile.areaUm2.total - (result.mtHardware ? overhead : 0),
    chipOverheadMm2: (tiles * overhead) / 1e6,
    chipOverheadExclBitmapMm2: (tiles * overheadExclBitmap) / 1e6,
    tableBitsUsedPerSubarray: mtClean ? weightedTableBits(mtClean.run, geometry.map((g) => g.layout.rowTiles * g.layout.colTiles)) : null,
    relativeEnergyFaultFree: mtClean && clean ? mtClean.same.network.energyPerImageJ.total / clean.same.network.energyPerImageJ.total : null,
    logicEnergyJ: mtClean && clean ? nonArray(mtClean.same) - nonArray(clean.same) : null,
    arrayEnergyChangeJ: mtClean && clean ? mtClean.same.network.energyPerImageJ.array - clean.same.network.energyPerImageJ.array : null,
  };

  // What moves the numbers: circuit assumptions on the same activity; the on/off ratio re-measured; faults and MT from the study.
  const measured: Parameters<typeof sensitivity>[1] = [];
  const ratio = cfg.device.onOffRatio;
  // On the same layer inputs (the configured accelerator computes them), so only the currents differ.
  const driver = makeEngine(programCrossbarWithFaults(p, cfg, (layers) => configuredFaults(p, cfg, layers)));
  const ratioRun = (r: number) => {
    const c = { ...cfg, device: { ...cfg.device, onOffRatio: r } };
    return variantOf(`${+r.toPrecision(3)}`, price(c, measureActivity(p, c, (layers) => configuredFaults(p, c, layers), opts.images, progress, `sensitivity: on/off ratio ${+r.toPrecision(3)}`, driver)));
  };
  const ratioBase = variantOf(`${ratio}`, price(cfg, measureActivity(p, cfg, (layers) => configuredFaults(p, cfg, layers), opts.images, progress, `sensitivity: on/off ratio ${ratio}`, driver)));
  measured.push({ assumption: 'on/off ratio (re-measured)', base: `${ratio}`, baseFig: ratioBase, low: ratioRun(Math.max(1.001, ratio / 2)), high: ratioRun(Math.min(1e6, ratio * 10)), note: 'activity re-measured on the same layer inputs: the currents change' });
  const fig = (mit: Mitigation, rate: number, r: SaRatio): MeasuredVariant | null => {
    const q = runs.get(`${mit}|${rate}|${r}`);
    return q ? variantOf(`${mit}${rate ? ` ${+(rate * 100).toPrecision(3)} % ${r}` : ''}`, q.same) : null;
  };
  const top = Math.max(0, ...opts.rates);
  const cleanFig = fig('none', 0, opts.ratios[0]!);
  if (cleanFig && top > 0) {
    const lo = fig('none', top, saRatio('1:5')) ?? fig('none', top, opts.ratios[opts.ratios.length - 1]!);
    const hi = fig('none', top, saRatio('5:1')) ?? fig('none', top, opts.ratios[0]!);
    if (lo && hi) measured.push({ assumption: 'SAF rate (MT off)', base: 'fault-free', baseFig: cleanFig, low: lo, high: hi, note: 'fault study, same inputs' });
    const mtLo = fig('mt-stats', 0, opts.ratios[0]!) ?? cleanFig;
    const mtHi = fig('mt-map', 0, opts.ratios[0]!) ?? fig('mt-stats', 0, opts.ratios[0]!);
    if (mtHi) measured.push({ assumption: 'MT (fault-free)', base: 'none', baseFig: cleanFig, low: mtLo, high: mtHi, note: 'fault study, same inputs: MT tables, remap and mapping' });
  }
  const sens = sensitivity({ cfg, geometry: (c) => networkGeometry(p.net, c), activity: base, digital }, measured);

  return {
    tool: 'memxbar cost',
    configHash: configHash(cfg),
    config: cfg,
    images: opts.images,
    faultSeed: seed,
    digital: { ...digital, tileWithMtUm2At45nm: withMt, tileWithoutMtUm2At45nm: withoutMt },
    result,
    activity: base.layers,
    top1: (base.correct ?? 0) / base.images,
    faults: points,
    mt,
    neurosim: opts.compareNeurosim ? compareNeurosim(opts.images, progress, cfg.tile.adcCalibrationImages) : null,
    sensitivity: sens,
    estimateMs,
    constants: { ...COST_CONSTANTS },
  };
}

/** Energy per image of everything but the array. */
function nonArray(r: CostResult): number {
  const e = r.network.energyPerImageJ;
  return e.total - e.array;
}

/** Table bits per subarray of the MT mappings, averaged over all subarrays of the network. */
function weightedTableBits(run: ActivityRun, tilesPerLayer: number[]): number {
  const tiles = tilesPerLayer.reduce((a, b) => a + b, 0);
  return run.layers.reduce((s, l, i) => s + l.storageBitsPerSubarray * tilesPerLayer[i]!, 0) / Math.max(1, tiles);
}

/** One row of MT's regulation table: energy and latency per image at a fault rate and ratio with one mitigation. */
export interface RegulationPoint {
  mitigation: Mitigation;
  rate: number;
  /** '–' at rate 0. */
  ratio: string;
  seeds: number;
  energyPerImageJ: number;
  latencyPerImageS: number;
  areaMm2: number;
  /** Relative to the same mitigation fault-free. */
  relativeEnergy: number | null;
}

/** What a fault-sweep point measured that the energy depends on (src/sweep/sweep.ts SweepPoint). */
export interface MeasuredPoint {
  mitigation: Mitigation;
  rate: number;
  ratio: SaRatio;
  images: number;
  /** Σ read currents over all reads of all images (conductance LSB · Vread). */
  currentSum: number;
  price: Price;
}

/**
 * MT's regulation table from points a fault sweep has already measured (no engine run): each
 * point is priced by the cost model on the configured accelerator's activity counts, with its
 * mitigation's hardware, its mapping's extra additions, and the array current scaled by the
 * point's Σ read currents over the configured mitigation's fault-free point of the same sweep
 * (in situ: the faulty accelerator's own inputs). Seeds are averaged. Empty when the sweep has
 * no fault-free point of the configured mitigation.
 */
export function regulationFromSweep(p: Prepared, report: CostReport, points: readonly MeasuredPoint[]): RegulationPoint[] {
  const cfg = report.config;
  const refs = points.filter((x) => x.rate === 0 && x.mitigation === cfg.mitigation.method);
  if (!refs.length) return [];
  const refCurrent = refs.reduce((s, x) => s + x.currentSum / x.images, 0) / refs.length;
  const digital: DigitalAreas = report.digital;
  const baseGeometry = networkGeometry(p.net, cfg);
  const groups = new Map<string, MeasuredPoint[]>();
  for (const x of points) {
    const key = `${x.mitigation}|${x.rate}|${x.rate === 0 ? '–' : x.ratio}`;
    groups.set(key, [...(groups.get(key) ?? []), x]);
  }
  const rows: RegulationPoint[] = [];
  for (const [key, xs] of groups) {
    const [mitigation, rate, ratio] = key.split('|') as [Mitigation, string, string];
    const c: Config = { ...cfg, mitigation: { ...cfg.mitigation, method: mitigation } };
    const geometry = networkGeometry(p.net, c);
    // A mitigation that lays the layers out differently (Zhang's extra columns) needs its own measurement.
    if (geometry.some((g, i) => g.R !== baseGeometry[i]?.R || g.C !== baseGeometry[i]?.C)) continue;
    const priced = xs.map((x) => {
      const scale = refCurrent > 0 ? x.currentSum / x.images / refCurrent : 1;
      const activity = report.activity.map((l) => ({ ...l, currentSum: l.currentSum * scale, extraOpsPerRead: x.price.extraOpsPerRead, storageBitsPerSubarray: x.price.storageBitsPerSubarray }));
      return costModel({ cfg: c, geometry, activity, digital }).network;
    });
    const mean = (f: (n: (typeof priced)[number]) => number) => priced.reduce((s, n) => s + f(n), 0) / priced.length;
    rows.push({ mitigation, rate: Number(rate), ratio, seeds: xs.length, energyPerImageJ: mean((n) => n.energyPerImageJ.total), latencyPerImageS: mean((n) => n.latencyPerImageS.total), areaMm2: mean((n) => n.areaMm2.total), relativeEnergy: null });
  }
  for (const r of rows) {
    const clean = rows.find((q) => q.mitigation === r.mitigation && q.rate === 0);
    r.relativeEnergy = clean ? r.energyPerImageJ / clean.energyPerImageJ : null;
  }
  return rows;
}

/**
 * The sensitivity rows the fault study gives `memxbar cost` (SAF rate with MT off, MT fault-free),
 * from MT's regulation table instead (`memxbar run`: its sweep's points, in situ).
 */
export function regulationSensitivity(rows: readonly RegulationPoint[]): SensitivityRow[] {
  const at = (m: Mitigation, rate: number, ratio?: string) => rows.find((x) => x.mitigation === m && x.rate === rate && (ratio === undefined || x.ratio === ratio));
  const clean = at('none', 0);
  if (!clean) return [];
  const rel = (x: RegulationPoint) => [x.energyPerImageJ / clean.energyPerImageJ, x.latencyPerImageS / clean.latencyPerImageS, x.areaMm2 / clean.areaMm2] as const;
  const out: SensitivityRow[] = [];
  const top = Math.max(...rows.map((x) => x.rate));
  const lo = at('none', top, '1:5');
  const hi = at('none', top, '5:1');
  const pct = +(top * 100).toPrecision(3);
  if (top > 0 && lo && hi) {
    const [l, h] = [rel(lo), rel(hi)];
    out.push({ assumption: 'SAF rate (MT off)', base: 'fault-free', low: `${pct} % 1:5`, high: `${pct} % 5:1`, energy: [l[0], h[0]], latency: [l[1], h[1]], area: [l[2], h[2]], note: 'fault sweep, in situ (priced from its points)' });
  }
  const mLo = at('mt-stats', 0) ?? clean;
  const mHi = at('mt-map', 0) ?? at('mt-stats', 0);
  if (mHi) {
    const [l, h] = [rel(mLo), rel(mHi)];
    out.push({ assumption: 'MT (fault-free)', base: 'none', low: mLo.mitigation, high: mHi.mitigation, energy: [l[0], h[0]], latency: [l[1], h[1]], area: [l[2], h[2]], note: 'fault sweep: MT tables, remap and mapping' });
  }
  return out;
}

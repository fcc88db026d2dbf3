/**
 * Accuracy sweeps over fault rate × SA1:SA0 ratio × fault seed × mitigation.
 * Points can be split across machines (`shard`), each shard's result saved as JSON,
 * and shards merged; the summary (mean and spread over seeds) and the plot are made
 * from whatever set of points is complete.
 */
import { effectSeeds } from '../crossbar/effects.ts';
import { createHash } from 'node:crypto';
import { ratioProblem, saRatio, type Config, type Mitigation, type SaRatio } from '../config/schema.ts';
import { ConfigError, DataError } from '../errors.ts';
import { countFaults, drawFaults, type FaultMap } from '../crossbar/faults.ts';
import { priceOf, type Price } from '../mitigation/price.ts';
import { silentProgress, type Progress } from '../util/progress.ts';
import { argmax } from '../nn/ops.ts';
import { forwardInt } from '../nn/quant.ts';
import { checkEngine, makeEngine, programCrossbarWithFaults } from '../session/eval.ts';
import { inputCodes, type Prepared } from '../session/prepare.ts';
import { pointCostNs, sweepShards, sweepSize } from './balance.ts';

export interface SweepSpec {
  rates: number[];
  ratios: SaRatio[];
  /** Fault seeds used (one run per seed). */
  seeds: number[];
  mitigations: Mitigation[];
  images: number;
}

export interface SweepPoint {
  rate: number;
  ratio: SaRatio;
  seed: number;
  mitigation: Mitigation;
  correct: number;
  images: number;
  top1: number;
  /** Σ read currents (conductance LSB·Vread) over all reads of all images: the array read-energy figure. */
  currentSum: number;
  stuckCells: number;
  sa1Cells: number;
  price: Price;
}

export interface SweepResult {
  tool: string;
  /** Hash of the config and spec; shards merge only when it matches. */
  key: string;
  config: Config;
  spec: SweepSpec;
  shard: { index: number; count: number };
  points: SweepPoint[];
}

export interface SummaryRow {
  mitigation: Mitigation;
  ratio: SaRatio;
  rate: number;
  seeds: number;
  meanTop1: number;
  stdTop1: number;
  minTop1: number;
  maxTop1: number;
  /** Mean read-energy figure relative to the plain mapping without faults (mitigation none, rate 0), or to this mitigation's own fault-free mapping when the sweep has no `none` (`energyHeader`); 1 = unchanged. */
  relativeReadEnergy: number | null;
  /** Mean price over the seeds (docs/mt.md). */
  price: Price;
}

export function parseShard(s: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(s);
  if (!m) throw new ConfigError(`must look like i/N (0 ≤ i < N), got ${JSON.stringify(s)}`, '--shard');
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new ConfigError(`must satisfy 0 ≤ i < N, got ${s}`, '--shard');
  return { index, count };
}

/** A point's identity within its sweep (what merging matches shards by). */
export function pointId(pt: Pick<SweepPoint, 'mitigation' | 'rate' | 'ratio' | 'seed'>): string {
  return `${pt.mitigation}|${pt.rate}|${pt.ratio}|${pt.seed}`;
}

/** All points of a sweep, in a fixed order; rate 0 appears once per mitigation (no faults to draw). */
export function sweepPoints(spec: SweepSpec): Omit<SweepPoint, 'correct' | 'images' | 'top1' | 'currentSum' | 'stuckCells' | 'sa1Cells' | 'price'>[] {
  const out = [];
  for (const mitigation of spec.mitigations) {
    for (const rate of spec.rates) {
      if (rate === 0) {
        out.push({ rate, ratio: spec.ratios[0]!, seed: spec.seeds[0]!, mitigation });
        continue;
      }
      for (const ratio of spec.ratios) for (const seed of spec.seeds) out.push({ rate, ratio, seed, mitigation });
    }
  }
  return out;
}

/** Fault maps a sweep keeps for the other mitigations at the same rate, ratio and seed (each is a byte per cell). */
const MAX_KEPT_FAULT_MAPS = 8;

export function sweepKey(cfg: Config, spec: SweepSpec): string {
  return createHash('sha256').update(JSON.stringify({ cfg: { ...cfg, faults: { ...cfg.faults, rate: 0, seed: 0, sa1Sa0Ratio: saRatio('1:1') }, mitigation: null }, spec })).digest('hex').slice(0, 16);
}

/**
 * Mitigations by how long programming a crossbar takes (higher = longer): MT-map searches every
 * stuck weight's encoding and runs the covariance descent; Zhang, PytorX and Hosseini et al.'s
 * approximation read the fault map once per weight; MT-stats and the plain mapping do not read it (docs/mt.md).
 */
const PROGRAMMING_RANK: Record<Mitigation, number> = { none: 0, 'mt-stats': 1, hosseini: 2, pytorx: 3, zhang: 4, 'mt-map': 5 };

export function runSweep(p: Prepared, spec: SweepSpec, shard = { index: 0, count: 1 }, progress: Progress = silentProgress): SweepResult {
  const steps = sweepSteps(p, spec, shard, progress, new Map());
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
  }
}

/**
 * `runSweep` that lets the event loop run between points (the same points, the same result):
 * `memxbar run` builds the co-simulation model in child processes meanwhile, whose steps
 * (Yosys's reply, starting g++, the link) need the main thread's turn.
 */
export async function runSweepAsync(p: Prepared, spec: SweepSpec, shard = { index: 0, count: 1 }, progress: Progress = silentProgress, known: ReadonlyMap<string, KnownPoint> = new Map()): Promise<SweepResult> {
  const steps = sweepSteps(p, spec, shard, progress, known);
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * What a point measured, when the caller has already run exactly that crossbar config on the
 * sweep's images (`memxbar run`'s accuracy step: the plain mapping without faults), by `pointId`.
 */
export type KnownPoint = Pick<SweepPoint, 'correct' | 'currentSum' | 'stuckCells' | 'sa1Cells' | 'price'>;

/** The config a sweep point programs (`p.cfg` with the point's faults and mitigation). */
export function pointConfig(cfg: Config, pt: Pick<SweepPoint, 'mitigation' | 'rate' | 'ratio' | 'seed'>): Config {
  return { ...cfg, faults: { ...cfg.faults, rate: pt.rate, sa1Sa0Ratio: pt.ratio, seed: pt.seed, mapFile: null }, mitigation: { ...cfg.mitigation, method: pt.mitigation } };
}

/** The sweep, one point per step. */
function* sweepSteps(p: Prepared, spec: SweepSpec, shard: { index: number; count: number }, progress: Progress, known: ReadonlyMap<string, KnownPoint>): Generator<void, SweepResult, void> {
  if (spec.images > p.test.count) throw new DataError(`the sweep asks for ${spec.images} images but ${p.test.count} are loaded`, '--images');
  const all = sweepPoints(spec);
  const shardOf = sweepShards(all, spec, sweepSize(p.net, p.cfg), shard.count);
  const mine = all.filter((_, i) => shardOf[i] === shard.index);
  for (const m of spec.mitigations) checkEngine({ ...p.cfg, mitigation: { ...p.cfg.mitigation, method: m } });
  progress.log(`sweep: ${mine.length} of ${all.length} points (shard ${shard.index}/${shard.count}), ${spec.images} images each, fault seeds ${spec.seeds.join(', ')}`);
  const effects = effectSeeds(p.cfg);
  if (effects) progress.log(`sweep: device effects: ${effects}`);
  // The bar counts images; its ETA counts each point's expected cost (balance.ts), programming
  // first, then per image, so that it does not jump when MT-map's high-rate points come.
  const size = sweepSize(p.net, p.cfg);
  const costs = mine.map((pt) => pointCostNs(pt, size));
  progress.start('sweep', mine.length * spec.images, costs.reduce((s, c) => s + c.mapNs + spec.images * c.imageNs, 0));
  // The most expensive points first: programming (MT-map's descent above all) grows with the
  // fault rate, so running the highest rates first, and at one rate the costliest mitigation
  // first (PROGRAMMING_RANK), makes the bar's ETA start high and fall,
  // instead of jumping up when the last, slowest points arrive. The result keeps sweepPoints' order.
  const order = mine.map((_, i) => i).sort((a, b) => mine[b]!.rate - mine[a]!.rate || PROGRAMMING_RANK[mine[b]!.mitigation] - PROGRAMMING_RANK[mine[a]!.mitigation] || a - b);
  const done: SweepPoint[] = new Array(mine.length);
  const faultMaps = new Map<string, { rate: number; map: FaultMap; count: ReturnType<typeof countFaults> | null }>();
  for (const at of order) {
    const pt = mine[at]!;
    const measured = known.get(pointId(pt));
    if (measured) {
      done[at] = { ...pt, ...measured, images: spec.images, top1: measured.correct / spec.images };
      progress.tick(spec.images, costs[at]!.mapNs + spec.images * costs[at]!.imageNs);
      continue;
    }
    const cfg = pointConfig(p.cfg, pt);
    // One fault map per (rate, ratio, seed) and array shapes: the mitigations at a point program the same chip.
    let drawn: { rate: number; map: FaultMap; count: ReturnType<typeof countFaults> | null } | undefined;
    const xb = programCrossbarWithFaults(p, cfg, (layers) => {
      const key = `${pt.rate}|${pt.ratio}|${pt.seed}|${layers.map((l) => `${l.layout.physRows}x${l.layout.physCols}`).join(',')}`;
      drawn = faultMaps.get(key);
      if (!drawn) {
        // Points run rate by rate (highest first): a map of another rate is not asked for again; a few maps at most are kept.
        for (const [k, d] of faultMaps) if (d.rate !== pt.rate || faultMaps.size >= MAX_KEPT_FAULT_MAPS) faultMaps.delete(k);
        faultMaps.set(key, (drawn = { rate: pt.rate, map: drawFaults(layers, pt.rate, pt.ratio, pt.seed), count: null }));
      }
      return drawn.map;
    });
    progress.tick(0, costs[at]!.mapNs);
    yield;
    const engine = makeEngine(xb);
    let correct = 0;
    for (let i = 0; i < spec.images; i++) {
      if (argmax(forwardInt(p.qn, inputCodes(p, i), engine)) === p.test.labels[i]) correct++;
      progress.tick(1, costs[at]!.imageNs);
      if (i % 10 === 9) yield;
    }
    const fc = drawn && drawn.map === xb.faults ? (drawn.count ??= countFaults(xb.faults)) : countFaults(xb.faults);
    done[at] = { ...pt, correct, images: spec.images, top1: correct / spec.images, currentSum: xb.stats.reduce((s, l) => s + l.currentSum, 0), stuckCells: fc.sa0 + fc.sa1, sa1Cells: fc.sa1, price: priceOf(xb.mappings) };
    yield;
  }
  const points = done;
  progress.stop();
  return { tool: 'memxbar sweep', key: sweepKey(p.cfg, spec), config: p.cfg, spec, shard, points };
}

/** A shard file holds what merging and writing read (a foreign or hand-edited file is refused, naming it). */
export function checkSweepResult(r: Partial<SweepResult> | null, file: string): SweepResult {
  const list = (v: unknown) => Array.isArray(v);
  const ok =
    typeof r === 'object' && r !== null && typeof r.key === 'string' && typeof r.shard?.index === 'number' && typeof r.shard?.count === 'number' && typeof r.config?.network?.model === 'string' &&
    list(r.spec?.rates) && list(r.spec?.ratios) && list(r.spec?.seeds) && list(r.spec?.mitigations) &&
    list(r.points) && r.points!.every((pt) => typeof pt === 'object' && pt !== null && typeof pt.top1 === 'number' && typeof pt.price === 'object' && pt.price !== null);
  if (!ok) throw new DataError('not a memxbar sweep result (key, config, spec, points)', file);
  // Ratios come back from JSON as their spellings: parsed here, once, like a config's.
  const ratio = (v: unknown): SaRatio => {
    const problem = ratioProblem(v);
    if (problem) throw new DataError(`not a memxbar sweep result: ${problem}`, file);
    return saRatio(v as string);
  };
  const res = r as SweepResult;
  return { ...res, spec: { ...res.spec, ratios: res.spec.ratios.map(ratio) }, points: res.points.map((pt) => ({ ...pt, ratio: ratio(pt.ratio) })) };
}

/** Merge shard results of the same sweep (same key); every point must be present exactly once. */
export function mergeSweeps(parts: { result: SweepResult; source: string }[]): SweepResult {
  if (parts.length === 0) throw new DataError('nothing to merge', 'sweep merge');
  const first = parts[0]!.result;
  const seen = new Map<string, string>();
  const points: SweepPoint[] = [];
  for (const { result, source } of parts) {
    if (result.key !== first.key) throw new DataError(`belongs to a different sweep (key ${result.key}, expected ${first.key}: config or spec differ)`, source);
    for (const pt of result.points) {
      const id = pointId(pt);
      if (seen.has(id)) throw new DataError(`point ${id} is also in ${seen.get(id)}`, source);
      seen.set(id, source);
      points.push(pt);
    }
  }
  const expected = sweepPoints(first.spec).length;
  if (points.length !== expected) {
    const count = first.shard.count;
    const have = new Set(parts.filter((p) => p.result.shard.count === count).map((p) => p.result.shard.index));
    const missing = parts.every((p) => p.result.shard.count === count) ? Array.from({ length: count }, (_, i) => i).filter((i) => !have.has(i)) : [];
    const which = missing.length ? `shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${count} missing` : 'missing shards?';
    throw new DataError(`the shards hold ${points.length} of the sweep's ${expected} points; ${which}`, 'sweep merge');
  }
  const order = new Map(sweepPoints(first.spec).map((pt, i) => [pointId(pt), i]));
  points.sort((a, b) => order.get(pointId(a))! - order.get(pointId(b))!);
  return { ...first, shard: { index: 0, count: 1 }, points };
}

/** Mean and spread over seeds; the rate-0 point is reported under every ratio. */
export function summarize(r: SweepResult): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const baseline = r.points.find((p) => p.mitigation === 'none' && p.rate === 0);
  for (const mitigation of r.spec.mitigations) {
    const clean = baseline ?? r.points.find((p) => p.mitigation === mitigation && p.rate === 0);
    for (const ratio of r.spec.ratios) {
      for (const rate of r.spec.rates) {
        const pts = r.points.filter((p) => p.mitigation === mitigation && p.rate === rate && (rate === 0 || p.ratio === ratio));
        if (pts.length === 0) continue;
        const acc = pts.map((p) => p.top1);
        const mean = acc.reduce((a, b) => a + b, 0) / acc.length;
        const std = Math.sqrt(acc.reduce((a, b) => a + (b - mean) ** 2, 0) / acc.length);
        const energy = pts.reduce((a, p) => a + p.currentSum, 0) / pts.length;
        rows.push({
          mitigation, ratio, rate, seeds: pts.length, meanTop1: mean, stdTop1: std, minTop1: Math.min(...acc), maxTop1: Math.max(...acc),
          relativeReadEnergy: clean && clean.currentSum > 0 ? energy / clean.currentSum : null,
          price: meanPrice(pts.map((p) => p.price)),
        });
      }
    }
  }
  return rows;
}

function meanPrice(ps: Price[]): Price {
  const avg = (f: (p: Price) => number) => ps.reduce((a, p) => a + f(p), 0) / Math.max(1, ps.length);
  return {
    storageBitsPerSubarray: avg((p) => p.storageBitsPerSubarray),
    extraCellsPerSubarray: avg((p) => p.extraCellsPerSubarray),
    extraOpsPerRead: avg((p) => p.extraOpsPerRead),
    cellsPerWeight: avg((p) => p.cellsPerWeight),
  };
}

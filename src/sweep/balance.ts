/**
 * Shards of a sweep balanced by expected cost. A point's cost is far from uniform: MT-map
 * at 50 % stuck cells searches a mapping for every stuck weight, a fault-free plain point
 * maps nothing; zhang reads more columns per image. `--shard i/N` therefore does not take
 * every N-th point: every process (each Slurm array task, each Kubernetes index) computes
 * the same partition from the sweep spec and the network's size alone, deterministically,
 * and runs its part.
 *
 * The cost model is a scheduling estimate, never a result: a wrong estimate makes shards
 * unequal in time, never different in content (every point's result depends only on the
 * point, docs/cluster.md).
 */
import type { Config, Mitigation } from '../config/schema.ts';
import { networkLayerShapes } from '../crossbar/faults.ts';
import { isCompute, shapes, type Network } from '../nn/graph.ts';

/** What the cost of a point depends on. */
export interface CostedPoint {
  mitigation: Mitigation;
  rate: number;
}

/** The network's size as the cost model sees it. */
export interface SweepSize {
  /** Weights programmed per point (Σ rows × cols of every compute layer). */
  weights: number;
  /** Multiply-accumulates per image (Σ rows × cols × output positions). */
  macs: number;
}

/** The network's size for the cost model (the physical layout of `cfg`'s tile). */
export function sweepSize(net: Network, cfg: Config): SweepSize {
  const layouts = networkLayerShapes(net, cfg);
  const sh = shapes(net);
  let weights = 0;
  let macs = 0;
  let k = 0;
  net.layers.forEach((l, i) => {
    if (!isCompute(l)) return;
    const { R, C } = layouts[k++]!.layout;
    const o = sh[i + 1]!;
    weights += R * C;
    macs += R * C * (l.kind === 'conv' ? o.h * o.w : 1);
  });
  return { weights, macs };
}

/**
 * Measured CPU time of one sweep point, per mitigation, at the fault rates `COST_RATES`:
 * mapping (fault map drawn, mitigation's mapping, crossbar programmed) in nanoseconds per
 * weight, and inference in nanoseconds per multiply-accumulate. Source:
 * docs/results/sweep-cost/ (measure.ts, its output, and how these numbers follow from it):
 * VGG8-w0.5 (3,246,784 weights, 154,866,688 MACs per image), preset neurosim-v1.4, fast
 * engine, MEMXBAR_THREADS=1, SA1:SA0 5:1, fault seed 1, process CPU time (user + system)
 * on the 2-core development machine while other jobs ran (CPU time, not wall time, for that
 * reason). Other presets, engines and networks scale by their weights and MACs only: their
 * balance is approximate, their results unaffected. mt-map's mapping row was measured again
 * after its programming moved to the native kernels (measure-mt-map-native.jsonl, second pass).
 */
export const COST_RATES = [0, 0.01, 0.1, 0.5] as const;
export const MEASURED_COST: Record<Mitigation, { mapNsPerWeight: number[]; inferNsPerMac: number[] }> = {
  none: { mapNsPerWeight: [390, 417, 370, 467], inferNsPerMac: [1.469, 1.309, 1.81, 1.691] },
  'mt-stats': { mapNsPerWeight: [278, 1079, 977, 1136], inferNsPerMac: [1.15, 1.264, 1.429, 1.607] },
  'mt-map': { mapNsPerWeight: [318, 419, 999, 1206], inferNsPerMac: [1.31, 1.341, 1.537, 1.718] },
  pytorx: { mapNsPerWeight: [2256, 2420, 2445, 2454], inferNsPerMac: [1.19, 1.895, 1.698, 1.939] },
  zhang: { mapNsPerWeight: [2096, 2775, 2552, 3304], inferNsPerMac: [2.632, 3.537, 3.685, 5.688] },
  // measure-hosseini.jsonl (MITS=none,hosseini: the first point's one-time work falls on none).
  hosseini: { mapNsPerWeight: [300, 466, 660, 822], inferNsPerMac: [1.117, 1.254, 1.18, 1.497] },
};

/** Linear interpolation in the measured rates; clamped at the ends (rates above 50 % cost as 50 %). */
function atRate(values: number[], rate: number): number {
  if (rate <= COST_RATES[0]) return values[0]!;
  for (let k = 1; k < COST_RATES.length; k++) {
    const r0 = COST_RATES[k - 1]!;
    const r1 = COST_RATES[k]!;
    if (rate <= r1) return values[k - 1]! + ((values[k]! - values[k - 1]!) * (rate - r0)) / (r1 - r0);
  }
  return values[values.length - 1]!;
}

/** Expected CPU time of one point in whole microseconds (integers, so every machine sorts them alike). */
export function pointCostUs(pt: CostedPoint, size: SweepSize, images: number): number {
  const { mapNs, imageNs } = pointCostNs(pt, size);
  return Math.max(1, Math.round((mapNs + images * imageNs) / 1000));
}

/** The expected CPU time of a point's parts in nanoseconds: programming the crossbar, and each image. */
export function pointCostNs(pt: CostedPoint, size: SweepSize): { mapNs: number; imageNs: number } {
  const c = MEASURED_COST[pt.mitigation];
  return { mapNs: size.weights * atRate(c.mapNsPerWeight, pt.rate), imageNs: size.macs * atRate(c.inferNsPerMac, pt.rate) };
}

/**
 * Longest-processing-time-first: points by falling cost (ties: sweep order), each to the
 * least-loaded shard so far (ties: the lowest index). Returns each point's shard. Every
 * shard's load is within the largest single cost of every other's (the point that made a
 * shard the fullest went to the emptiest one), and no shard is empty when count ≤ points.
 */
export function balanceShards(costs: readonly number[], count: number): number[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`shard count must be a whole number ≥ 1, got ${count}`);
  const order = costs.map((_, i) => i).sort((a, b) => costs[b]! - costs[a]! || a - b);
  const load = new Array<number>(count).fill(0);
  const shardOf = new Array<number>(costs.length).fill(-1);
  for (const i of order) {
    let best = 0;
    for (let s = 1; s < count; s++) if (load[s]! < load[best]!) best = s;
    shardOf[i] = best;
    load[best]! += costs[i]!;
  }
  return shardOf;
}

/** Each point's shard (sweep order, `sweepPoints`) for `count` shards of this sweep. */
export function sweepShards(points: readonly CostedPoint[], spec: { images: number }, size: SweepSize, count: number): number[] {
  return balanceShards(points.map((pt) => pointCostUs(pt, size, spec.images)), count);
}

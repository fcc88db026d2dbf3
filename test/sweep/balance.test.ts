import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MITIGATIONS } from '../../src/config/schema.ts';
import { balanceShards, pointCostUs, sweepShards, type SweepSize } from '../../src/sweep/balance.ts';
import { sweepPoints, type SweepSpec } from '../../src/sweep/sweep.ts';
import { saRatio } from '../../src/config/schema.ts';

/** VGG8-w0.5 on the default tile (3,246,784 weights, 154,866,688 MACs per image). */
const VGG8: SweepSize = { weights: 3_246_784, macs: 154_866_688 };

/** The README's study sweep: every mitigation, 6 rates, 2 ratios, 2 seeds, 200 images. */
const STUDY: SweepSpec = { rates: [0, 0.001, 0.01, 0.025, 0.1, 0.5], ratios: [saRatio('5:1'), saRatio('1:5')], seeds: [1, 2], mitigations: [...MITIGATIONS], images: 200 };

const loads = (costs: number[], shardOf: number[], n: number) => {
  const l = new Array<number>(n).fill(0);
  shardOf.forEach((s, i) => (l[s]! += costs[i]!));
  return l;
};

describe('shards balanced by expected cost', () => {
  it('the cost model: MT-map at 50 % stuck cells costs more than a fault-free plain point', () => {
    // mapping (one image): MT-map's search for every stuck weight (native: 3.9 s CPU) against no search at all (1.3 s)
    expect(pointCostUs({ mitigation: 'mt-map', rate: 0.5 }, VGG8, 1)).toBeGreaterThan(2 * pointCostUs({ mitigation: 'none', rate: 0 }, VGG8, 1));
    // with inference on 200 images still more
    const clean = pointCostUs({ mitigation: 'none', rate: 0 }, VGG8, 200);
    expect(pointCostUs({ mitigation: 'mt-map', rate: 0.5 }, VGG8, 200)).toBeGreaterThan(1.1 * clean);
    // more images cost more; every cost is a whole positive number of microseconds
    expect(pointCostUs({ mitigation: 'none', rate: 0 }, VGG8, 400)).toBeGreaterThan(clean);
    for (const m of MITIGATIONS) for (const rate of [0, 0.003, 0.2, 0.9]) expect(Number.isInteger(pointCostUs({ mitigation: m, rate }, VGG8, 1))).toBe(true);
  });

  it('every point lands in exactly one shard, no shard is empty, and loads differ by at most one point\'s cost', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 40 }), (costs, want) => {
        const n = Math.min(want, costs.length);
        const shardOf = balanceShards(costs, n);
        expect(shardOf).toHaveLength(costs.length);
        expect(shardOf.every((s) => Number.isInteger(s) && s >= 0 && s < n)).toBe(true);
        const l = loads(costs, shardOf, n);
        expect(l.every((x) => x > 0)).toBe(true);
        expect(Math.max(...l) - Math.min(...l)).toBeLessThanOrEqual(Math.max(...costs));
        // deterministic: the same input gives the same partition (every array task computes it)
        expect(balanceShards([...costs], n)).toEqual(shardOf);
      }),
      { seed: 22, numRuns: 300 },
    );
  });

  it('on the study sweep the fullest shard is lighter than with every N-th point, and close to the mean', () => {
    const points = sweepPoints(STUDY);
    const costs = points.map((pt) => pointCostUs(pt, VGG8, STUDY.images));
    const mean = (n: number) => costs.reduce((a, b) => a + b, 0) / n;
    for (const n of [2, 4, 8, 16]) {
      const balanced = Math.max(...loads(costs, sweepShards(points, STUDY, VGG8, n), n));
      const roundRobin = Math.max(...loads(costs, points.map((_, i) => i % n), n));
      expect(balanced, `${n} shards`).toBeLessThan(roundRobin);
      expect(balanced, `${n} shards`).toBeLessThanOrEqual(mean(n) + Math.max(...costs));
    }
  });

  it('refuses a shard count that is not a whole number ≥ 1', () => {
    expect(() => balanceShards([1, 2], 0)).toThrow(/shard count/);
    expect(() => balanceShards([1, 2], 1.5)).toThrow(/shard count/);
  });
});

import { describe, expect, it } from 'vitest';
import { saRatio } from '../../src/config/schema.ts';
import type { Cifar10Batch } from '../../src/data/cifar10.ts';
import { prepare } from '../../src/session/prepare.ts';
import { pointCostNs, sweepSize } from '../../src/sweep/balance.ts';
import { runSweep } from '../../src/sweep/sweep.ts';
import type { Progress } from '../../src/util/progress.ts';
import { config, randomImages, tinyNet } from '../helpers.ts';

describe('sweep progress', () => {
  it('counts each point\'s expected cost: its programming, then each image', () => {
    const net = tinyNet(8);
    const { pixels } = randomImages(net, 4, 8);
    const batch: Cifar10Batch = { labels: new Uint8Array(4), pixels, count: 4, source: 'random' };
    const cfg = config({ quant: { calibrationImages: 4 }, experiment: { images: 4 }, mitigation: { activityImages: 4 } });
    const p = prepare(cfg, undefined, { net, test: batch, cal: batch });
    const spec = { rates: [0, 0.5], ratios: [saRatio('5:1')], seeds: [3], mitigations: ['none', 'mt-map'] as ('none' | 'mt-map')[], images: 2 };
    let steps = 0;
    let work = 0;
    const ticks: [number, number][] = [];
    const progress: Progress = {
      start(_label, total, w) {
        steps = total;
        work = w ?? NaN;
      },
      tick: (n = 1, w = n) => void ticks.push([n, w]),
      stop() {},
      log() {},
    };
    runSweep(p, spec, undefined, progress);
    expect(steps).toBe(4 * 2);
    expect(ticks.reduce((s, [n]) => s + n, 0)).toBe(steps);
    expect(ticks.reduce((s, [, w]) => s + w, 0)).toBeCloseTo(work, 6);
    // Per point: one programming tick (no step), then one tick per image. Costliest first:
    // MT-map at 50 %, whose programming is the largest piece of work of the sweep.
    expect(ticks.map(([n]) => n)).toEqual([0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1]);
    const size = sweepSize(p.net, p.cfg);
    expect(ticks[0]![1]).toBe(pointCostNs({ mitigation: 'mt-map', rate: 0.5 }, size).mapNs);
    expect(ticks[0]![1]).toBeGreaterThan(Math.max(...ticks.slice(1).map(([, w]) => w)));
  });
});

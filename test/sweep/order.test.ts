import { describe, expect, it } from 'vitest';
import { saRatio } from '../../src/config/schema.ts';
import type { Cifar10Batch } from '../../src/data/cifar10.ts';
import { prepare } from '../../src/session/prepare.ts';
import { runSweep, sweepPoints } from '../../src/sweep/sweep.ts';
import { config, randomImages, tinyNet } from '../helpers.ts';

describe('sweep order', () => {
  it('runs the costliest points first but returns them in sweepPoints order', () => {
    const net = tinyNet(8);
    const { pixels } = randomImages(net, 4, 8);
    const batch: Cifar10Batch = { labels: new Uint8Array(4), pixels, count: 4, source: 'random' };
    const cfg = config({ quant: { calibrationImages: 4 }, experiment: { images: 4 }, mitigation: { activityImages: 4 } });
    const p = prepare(cfg, undefined, { net, test: batch, cal: batch });
    const spec = { rates: [0, 0.1, 0.5], ratios: [saRatio('5:1')], seeds: [3], mitigations: ['none', 'mt-map'] as ('none' | 'mt-map')[], images: 2 };
    const r = runSweep(p, spec);
    expect(r.points.map(({ mitigation, rate }) => `${mitigation}@${rate}`)).toEqual(sweepPoints(spec).map(({ mitigation, rate }) => `${mitigation}@${rate}`));
    expect(r.points.every((pt) => pt.images === 2)).toBe(true);
    // Each point is what a sweep of that point alone gives.
    const alone = runSweep(p, { ...spec, rates: [0.5], mitigations: ['mt-map'] });
    expect(r.points.find((pt) => pt.mitigation === 'mt-map' && pt.rate === 0.5)).toEqual(alone.points[0]);
  });
});

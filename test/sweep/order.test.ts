import { describe, expect, it } from 'vitest';
import { saRatio } from '../../src/config/schema.ts';
import type { Cifar10Batch } from '../../src/data/cifar10.ts';
import { prepare } from '../../src/session/prepare.ts';
import { countFaults } from '../../src/crossbar/faults.ts';
import { priceOf } from '../../src/mitigation/price.ts';
import { evalCrossbar } from '../../src/session/eval.ts';
import { pointConfig, pointId, runSweep, runSweepAsync, sweepPoints } from '../../src/sweep/sweep.ts';
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

  it('runSweepAsync gives runSweep\'s points, also with a point measured beforehand (memxbar run\'s plain crossbar)', async () => {
    const net = tinyNet(8);
    const { pixels } = randomImages(net, 4, 9);
    const batch: Cifar10Batch = { labels: new Uint8Array([1, 2, 3, 4]), pixels, count: 4, source: 'random' };
    const cfg = config({ quant: { calibrationImages: 4 }, experiment: { images: 4 }, mitigation: { activityImages: 4 } });
    const p = prepare(cfg, undefined, { net, test: batch, cal: batch });
    // Three mitigations at one rate, ratio and seed: one fault map drawn, shared.
    const spec = { rates: [0, 0.2], ratios: [saRatio('1:5')], seeds: [2], mitigations: ['none', 'mt-stats', 'mt-map'] as ('none' | 'mt-stats' | 'mt-map')[], images: 4 };
    const sync = runSweep(p, spec);
    expect(await runSweepAsync(p, spec)).toEqual(sync);
    const plain = { mitigation: 'none' as const, rate: 0, ratio: spec.ratios[0]!, seed: spec.seeds[0]! };
    const xb = evalCrossbar(p, pointConfig(p.cfg, plain));
    const fc = countFaults(xb.crossbar.faults);
    const known = new Map([[pointId(plain), { correct: xb.correct, currentSum: xb.crossbar.stats.reduce((s, l) => s + l.currentSum, 0), stuckCells: fc.sa0 + fc.sa1, sa1Cells: fc.sa1, price: priceOf(xb.crossbar.mappings) }]]);
    expect(await runSweepAsync(p, spec, undefined, undefined, known)).toEqual(sync);
  });
});

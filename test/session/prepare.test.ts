import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cifar10Batch } from '../../src/data/cifar10.ts';
import { calibrationKey, prepare } from '../../src/session/prepare.ts';
import { quantizeNetwork } from '../../src/nn/quant.ts';
import { config, randomImages, tinyNet } from '../helpers.ts';

describe('calibration cache', () => {
  let saved: string | undefined;
  let dir: string;
  beforeEach(() => {
    saved = process.env.MEMXBAR_CACHE_DIR;
    dir = mkdtempSync(join(tmpdir(), 'memxbar-cal-cache-'));
    process.env.MEMXBAR_CACHE_DIR = dir;
  });
  afterEach(() => {
    process.env.MEMXBAR_CACHE_DIR = saved;
  });

  const net = tinyNet(5);
  const { pixels } = randomImages(net, 6, 5);
  const cal: Cifar10Batch = { labels: new Uint8Array(6), pixels, count: 6, source: 'random' };
  const test: Cifar10Batch = { ...cal };
  const cfg = config({ quant: { calibrationImages: 6 } });
  const logs = () => {
    const lines: string[] = [];
    return { lines, progress: { start() {}, tick() {}, stop() {}, log: (l: string) => lines.push(l) } };
  };

  it('the second prepare reads the same scales from the cache, bit for bit', () => {
    const a = logs();
    const first = prepare(cfg, a.progress, { net, test, cal });
    expect(a.lines.some((l) => l.includes('from the cache'))).toBe(false);
    expect(readdirSync(join(dir, 'calibration'))).toHaveLength(1);
    const b = logs();
    const second = prepare(cfg, b.progress, { net, test, cal });
    expect(b.lines.some((l) => l.includes('from the cache'))).toBe(true);
    // Same as calibrating from scratch without any cache.
    const direct = quantizeNetwork(net, { weightBits: cfg.quant.weightBits, activationBits: cfg.quant.activationBits, calibration: randomImages(net, 6, 5).float, percentile: cfg.quant.calibrationPercentile });
    for (const [x, y, z] of first.qn.layers.map((l, i) => [l, second.qn.layers[i]!, direct.layers[i]!] as const)) {
      expect(y.requant).toEqual(x.requant);
      expect(z.requant).toEqual(x.requant);
    }
  });

  it('the key changes with the weights, the images and the percentile', () => {
    const k = calibrationKey(net, cal, 99.9);
    expect(calibrationKey(net, cal, 99.99)).not.toBe(k);
    const px = pixels.slice();
    px[7] ^= 1;
    expect(calibrationKey(net, { ...cal, pixels: px }, 99.9)).not.toBe(k);
    const w = tinyNet(5);
    (w.layers[3] as { weight: Float32Array }).weight[0] += 1e-6;
    expect(calibrationKey(w, cal, 99.9)).not.toBe(k);
    expect(calibrationKey(tinyNet(5), cal, 99.9)).toBe(k);
  });
});

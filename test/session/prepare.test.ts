import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cifar10Batch } from '../../src/data/cifar10.ts';
import { calibrationKey, prepare } from '../../src/session/prepare.ts';
import { quantizeNetwork } from '../../src/nn/quant.ts';
import { adcFullScale, makeEngine } from '../../src/session/eval.ts';
import { calibrateAdcFullScale } from '../../src/crossbar/calibrate.ts';
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

  it('the ADC calibration is kept in the cache per tile/device config and read back bit for bit', () => {
    const c = config({ quant: { calibrationImages: 6 }, tile: { adcMode: 'fixed-calibrated', adcCalibrationImages: 4 } });
    const p = prepare(c, undefined, { net, test, cal });
    const direct = calibrateAdcFullScale(p.qn, c, p.calibration.pixels, p.imageSize, (xb) => makeEngine(xb));
    expect(adcFullScale(p, c)).toEqual(direct);
    expect(readdirSync(join(dir, 'adc-calibration'))).toHaveLength(1);
    // A new session (nothing in memory) reads it back: the file's numbers, not a new calibration.
    const again = prepare(c, undefined, { net, test, cal });
    expect(adcFullScale(again, c)).toEqual(direct);
    const file = join(dir, 'adc-calibration', readdirSync(join(dir, 'adc-calibration'))[0]!);
    const entry = JSON.parse(readFileSync(file, 'utf8')) as { fullScale: number[] };
    writeFileSync(file, JSON.stringify({ ...entry, fullScale: entry.fullScale.map((v) => v * 2) }));
    expect(adcFullScale(prepare(c, undefined, { net, test, cal }), c)).toEqual(direct.map((v) => v * 2));
    writeFileSync(file, JSON.stringify(entry));
    // Another device config gets its own entry.
    expect(readdirSync(join(dir, 'adc-calibration'))).toHaveLength(1);
    const other = { ...c, device: { ...c.device, onOffRatio: c.device.onOffRatio * 2 } };
    expect(adcFullScale(again, other)).toEqual(calibrateAdcFullScale(again.qn, other, again.calibration.pixels, again.imageSize, (xb) => makeEngine(xb)));
    expect(readdirSync(join(dir, 'adc-calibration'))).toHaveLength(2);
  });
});

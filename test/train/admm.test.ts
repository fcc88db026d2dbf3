/** ADMM pruning in units of the crossbar's rows (src/train/admm.ts), the layout that skips pruned rows, and what the cost model saves. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { saRatio, type Config } from '../../src/config/schema.ts';
import { estimateDigitalAreas } from '../../src/cost/digital.ts';
import type { LayerActivity } from '../../src/cost/measure.ts';
import { costModel, mappedTiles, networkGeometry } from '../../src/cost/model.ts';
import { drawFaults, networkLayerShapes } from '../../src/crossbar/faults.ts';
import { breakEvenPruning, layerLayout, prunedRowTiles } from '../../src/crossbar/layout.ts';
import { ConfigError } from '../../src/errors.ts';
import { quantizeNetwork } from '../../src/nn/quant.ts';
import { applyGroups, keptGroups, layerRatios, parsePruneRatio, projectStructured, pruneTargets, pruningSummary, type PruneTarget } from '../../src/train/admm.ts';
import { parameters } from '../../src/train/backprop.ts';
import { train, type TrainOptions } from '../../src/train/train.ts';
import { silentProgress } from '../../src/util/progress.ts';
import { Rng } from '../../src/util/rng.ts';
import { runCli } from '../cli-harness.ts';
import { config, randomImages, tinyNet } from '../helpers.ts';

// 16-row subarrays of 32 one-bit columns, 6-bit offset weights: S = 6, 4 outputs per column tile.
// tinyNet: conv1 18×5 (2 row tiles × 2 column tiles), fc1 45×7 (3 × 2), fc2 7×4 (1 × 1).
const cfg: Config = config({
  quant: { weightBits: 6 },
  tile: { rows: 16, cols: 32, parallelRead: 16, cellBits: 1, adcMode: 'lossless', colsPerAdc: 1 },
  faults: { rate: 0, sa1Sa0Ratio: '5:1' },
});

describe('layout: pruned row groups are not mapped', () => {
  const L = layerLayout(45, 7, cfg);
  it('a column tile needs ⌈kept rows / rows⌉ subarrays; nothing pruned → null', () => {
    expect([L.rowTiles, L.colTiles, L.outputsPerTile]).toEqual([3, 2, 4]);
    const w = new Float32Array(45 * 7).fill(0.5);
    expect(prunedRowTiles(L, w)).toBeNull();
    // Column tile 0 (outputs 0–3): rows 0–13 zero → 31 rows, 2 subarrays. Column tile 1: row 44 zero → 44 rows, still 3.
    for (let o = 0; o < 4; o++) for (let r = 0; r < 14; r++) w[o * 45 + r] = 0;
    for (let o = 4; o < 7; o++) w[o * 45 + 44] = 0;
    // A row zero in only some outputs of its column tile is kept.
    w[0 * 45 + 20] = 0;
    const p = prunedRowTiles(L, w)!;
    expect(Array.from(p.keptRows)).toEqual([31, 44]);
    expect(Array.from(p.rowTiles)).toEqual([2, 3]);
  });
  it('break-even pruning ratio: (R − (rowTiles − 1)·rows) / R, 1 for a single row tile', () => {
    expect(breakEvenPruning(L)).toBeCloseTo(13 / 45, 12);
    expect(breakEvenPruning(layerLayout(7, 4, cfg))).toBe(1);
    expect(breakEvenPruning(layerLayout(1152, 128, { ...cfg, tile: { ...cfg.tile, rows: 128, cols: 128 } }))).toBeCloseTo(128 / 1152, 12);
    // Just below p* the tile count stays, at p* it drops.
    const t = (ratio: number) => pruneTargets([L], 0, [ratio])[0]!;
    const tilesAt = (ratio: number) => {
      const w = Float32Array.from({ length: 45 * 7 }, (_, i) => 1 + (i % 45));
      applyGroups(w, t(ratio), keptGroups(w, t(ratio)));
      return prunedRowTiles(L, w)?.rowTiles.reduce((a, b) => a + b, 0) ?? 6;
    };
    expect(tilesAt(12 / 45)).toBe(6);
    expect(tilesAt(13 / 45)).toBe(4);
  });
});

describe('ADMM projection', () => {
  const t: PruneTarget = { index: 0, R: 6, C: 5, outputsPerTile: 2, colTiles: 3, keep: 3 };
  const rng = new Rng(5, 1);
  const v = Float32Array.from({ length: 30 }, () => rng.float() - 0.5);
  it('keeps per column tile the row groups nearest in L2: no other choice of 3 rows is closer (brute force)', () => {
    const z = projectStructured(v, t, null);
    const dist = (a: Float32Array) => a.reduce((s, x, i) => s + (x - v[i]!) ** 2, 0);
    for (let ct = 0; ct < 3; ct++) {
      const nz = new Set<number>();
      for (let o = 2 * ct; o < Math.min(5, 2 * ct + 2); o++) for (let r = 0; r < 6; r++) if (z[o * 6 + r] !== 0) nz.add(r);
      expect(nz.size).toBe(3);
    }
    for (let mask = 0; mask < 64; mask++) {
      if ([0, 1, 2, 3, 4, 5].filter((r) => (mask >> r) & 1).length !== 3) continue;
      const other = v.slice();
      for (let o = 0; o < 5; o++) for (let r = 0; r < 6; r++) if (!((mask >> r) & 1)) other[o * 6 + r] = 0;
      expect(dist(z)).toBeLessThanOrEqual(dist(other) + 1e-12);
    }
  });
  it('with quantization the kept weights lie on the 6-bit grid of max|z|/31, the pruned ones are 0', () => {
    const z = projectStructured(v, t, 6);
    const zf = projectStructured(v, t, null);
    const s = Math.max(...Array.from(zf, Math.abs)) / 31;
    z.forEach((x, i) => {
      expect(Math.abs(x / s - Math.round(x / s))).toBeLessThan(1e-4);
      if (zf[i] === 0) expect(x).toBe(0);
    });
  });
});

function setup() {
  const net = tinyNet(4);
  const { float, pixels } = randomImages(net, 8, 4);
  const qn = quantizeNetwork(net, { weightBits: 6, activationBits: 8, calibration: float, percentile: 99.9 });
  const labels = Uint8Array.from({ length: 8 }, (_, i) => i % net.classes);
  return { net, qn, data: { pixels, labels, count: 8, source: 'test images' }, faults: drawFaults(networkLayerShapes(net, cfg), 0, saRatio('5:1'), 1) };
}
const opts = (over: Partial<TrainOptions> = {}): TrainOptions => ({
  steps: 12, batch: 4, lr: 0.01, optimizer: 'adam', seed: 3, checkpoint: null, checkpointEvery: 5, resume: false, mode: 'admm',
  admm: { ratio: 0.3, rho: 0.5, admmSteps: 8, every: 2 }, ...over,
});

describe('train --mode admm', () => {
  it('prunes whole row groups of the layers of ≥ 2 row tiles: conv1 4 → 2 subarrays, fc1 6 → 4; fc2 untouched', () => {
    const { net, qn, data, faults } = setup();
    const r = train(net, qn, cfg, data, faults, opts(), silentProgress);
    const s = pruningSummary(r.net, cfg);
    expect(s.map((l) => [l.layer, l.tiles, l.tilesUnpruned])).toEqual([['conv1', 2, 4], ['fc1', 4, 6], ['fc2', 1, 1]]);
    // Per column tile exactly R − round(0.3·R) rows kept (conv1: 13 of 18, fc1: 31 of 45).
    expect(s.map((l) => l.keptRows)).toEqual([26, 62, 7]);
    expect(s[1]!.breakEven).toBeCloseTo(13 / 45, 12);
    // The loss stays finite.
    expect(r.history.every((h) => Number.isFinite(h.loss))).toBe(true);
  });
  it('the ADMM phase moves the weights toward the structured set: less weight outside the kept groups than plain training', () => {
    const { net, qn, data, faults } = setup();
    const outside = (w: Float32Array, t: PruneTarget) => {
      const z = w.slice();
      applyGroups(z, t, keptGroups(w, t));
      return w.reduce((s, x, i) => s + (x - z[i]!) ** 2, 0) / w.reduce((s, x) => s + x * x, 0);
    };
    const t = pruneTargets(networkLayerShapes(net, cfg).map((x) => x.layout), 0.3).find((x) => x.index === 1)!;
    // 8 steps inside the ADMM phase (it would end at step 100): no hard prune yet.
    const admm = train(net, qn, cfg, data, faults, opts({ steps: 8, admm: { ratio: 0.3, rho: 5, admmSteps: 100, every: 1 } }), silentProgress);
    const plain = train(net, qn, cfg, data, faults, opts({ steps: 8, mode: 'fault-aware', admm: undefined }), silentProgress);
    const start = outside(parameters(net)[2]!, t);
    expect(outside(parameters(admm.net)[2]!, t)).toBeGreaterThan(0);
    expect(outside(parameters(admm.net)[2]!, t)).toBeLessThan(0.5 * outside(parameters(plain.net)[2]!, t));
    expect(outside(parameters(admm.net)[2]!, t)).toBeLessThan(0.5 * start);
  });
  it('a resumed run (checkpoint inside the ADMM phase, resumed across the hard prune) ends bit for bit as an uninterrupted one', () => {
    const { net, qn, data, faults } = setup();
    const dir = mkdtempSync(join(tmpdir(), 'memxbar-admm-'));
    const whole = train(net, qn, cfg, data, faults, opts(), silentProgress);
    const ckpt = join(dir, 'c.bin');
    train(net, qn, cfg, data, faults, opts({ steps: 5, checkpoint: ckpt }), silentProgress);
    // A checkpoint of another pruning ratio is another config.
    expect(() => train(net, qn, cfg, data, faults, opts({ checkpoint: ckpt, resume: true, admm: { ratio: 0.5, rho: 0.5, admmSteps: 8, every: 2 } }), silentProgress)).toThrow(/another config/);
    const resumed = train(net, qn, cfg, data, faults, opts({ checkpoint: ckpt, resume: true }), silentProgress);
    expect(resumed.startStep).toBe(5);
    parameters(whole.net).forEach((p, i) => expect(Buffer.from(parameters(resumed.net)[i]!.buffer).equals(Buffer.from(p.buffer))).toBe(true));
  });
  it('per-layer ratios: only the layers named are pruned, each at its own ratio', () => {
    const { net, qn, data, faults } = setup();
    const r = train(net, qn, cfg, data, faults, opts({ admm: { ratio: 0, layers: { fc1: 0.3 }, rho: 0.5, admmSteps: 8, every: 2 } }), silentProgress);
    const s = pruningSummary(r.net, cfg);
    expect(s.map((l) => [l.layer, l.tiles, l.tilesUnpruned])).toEqual([['conv1', 4, 4], ['fc1', 4, 6], ['fc2', 1, 1]]);
    expect(s.map((l) => l.keptRows)).toEqual([36, 62, 7]);
    // A layer named with 0 is not pruned; the others take the ratio for every layer.
    const r2 = train(net, qn, cfg, data, faults, opts({ admm: { ratio: 0.3, layers: { conv1: 0 }, rho: 0.5, admmSteps: 8, every: 2 } }), silentProgress);
    expect(pruningSummary(r2.net, cfg).map((l) => l.tiles)).toEqual([4, 4, 1]);
  });
  it('one ratio for every layer prunes only where it frees a subarray (at or above the break-even ratio)', () => {
    const layouts = networkLayerShapes(tinyNet(4), cfg).map((x) => x.layout);
    // conv1: 18 rows, break-even 2/18; fc1: 45 rows, break-even 13/45 = 0.289; fc2: one row tile.
    expect(pruneTargets(layouts, 0.2).map((t) => t.index)).toEqual([0]);
    expect(pruneTargets(layouts, 13 / 45).map((t) => t.index)).toEqual([0, 1]);
    // Named, a layer is pruned as asked even below its break-even ratio.
    expect(pruneTargets(layouts, 0, [null, 0.2, null]).map((t) => [t.index, t.keep])).toEqual([[1, 36]]);
  });
  it('--prune-ratio: p, name=p, both; one-line errors naming the item', () => {
    expect(parsePruneRatio('0.5')).toEqual({ ratio: 0.5 });
    expect(parsePruneRatio('fc1=0.25, conv2=0')).toEqual({ ratio: 0, layers: { fc1: 0.25, conv2: 0 } });
    expect(parsePruneRatio('0.1,fc1=0.6')).toEqual({ ratio: 0.1, layers: { fc1: 0.6 } });
    expect(() => parsePruneRatio('fc1=1')).toThrow(/layer "fc1": pruning ratio must be a number in \[0, 1\), got 1/);
    expect(() => parsePruneRatio('fc1=-0.1')).toThrow(/layer "fc1"/);
    expect(() => parsePruneRatio('fc1=x')).toThrow(/layer "fc1": not a number/);
    expect(() => parsePruneRatio('fc1=0.2,fc1=0.3')).toThrow(/given twice/);
    expect(() => parsePruneRatio('0.2,0.3')).toThrow(/two ratios/);
    expect(() => layerRatios(['conv1', 'fc1'], { layers: { fc3: 0.5 } })).toThrow(/no compute layer "fc3" in the model \(its layers: conv1, fc1\)/);
  });
  it('refuses a pruning ratio outside [0, 1), one that prunes nothing, ρ ≤ 0 and a fractional number of ADMM steps', () => {
    const { net, qn, data, faults } = setup();
    for (const admm of [{ ratio: 1, rho: 1, admmSteps: 2, every: 1 }, { ratio: 0, rho: 1, admmSteps: 2, every: 1 }, { ratio: -0.1, rho: 1, admmSteps: 2, every: 1 }, { ratio: 0, layers: { fc1: 1 }, rho: 1, admmSteps: 2, every: 1 }, { ratio: 0.01, rho: 1, admmSteps: 2, every: 1 }, { ratio: 0.5, rho: 0, admmSteps: 2, every: 1 }, { ratio: 0.5, rho: 1, admmSteps: 2.5, every: 1 }]) {
      expect(() => train(net, qn, cfg, data, faults, opts({ admm }), silentProgress)).toThrow(ConfigError);
    }
  });
});

describe('cost model: the subarrays pruning frees', () => {
  it('a pruned network is priced on fewer tiles: area by the tile count, per-tile and per-conversion energy by the tiles kept', () => {
    const { net, qn, data, faults } = setup();
    const pruned = train(net, qn, cfg, data, faults, opts(), silentProgress).net;
    const activity = (g: ReturnType<typeof networkGeometry>): LayerActivity[] =>
      g.map((l) => {
        const reads = l.P * l.layout.rowTiles * l.layout.colTiles * 8;
        return { name: l.name, reads, conversions: reads * 32, currentSum: 1000, activeRowBits: l.P * l.R * 3, vectors: l.P, extraOpsPerRead: 0, storageBitsPerSubarray: 0 };
      });
    const digital = estimateDigitalAreas(cfg);
    const g0 = networkGeometry(net, cfg);
    const g1 = networkGeometry(pruned, cfg);
    expect(g0.map(mappedTiles)).toEqual([4, 6, 1]);
    expect(g1.map(mappedTiles)).toEqual([2, 4, 1]);
    const c0 = costModel({ cfg, geometry: g0, activity: activity(g0), digital });
    const c1 = costModel({ cfg, geometry: g1, activity: activity(g0), digital });
    expect(c1.network.tiles).toBe(7);
    expect(c0.network.tiles).toBe(11);
    for (const i of [0, 1]) {
      expect(c1.layers[i]!.areaMm2.total / c0.layers[i]!.areaMm2.total).toBeCloseTo(c1.layers[i]!.tiles / c0.layers[i]!.tiles, 12);
      const e0 = c0.layers[i]!.energyPerImageJ.items, e1 = c1.layers[i]!.energyPerImageJ.items;
      expect(e1['adc.converters']! / e0['adc.converters']!).toBeCloseTo(c1.layers[i]!.tiles / c0.layers[i]!.tiles, 12);
      expect(e1['other.rowDrivers']! / e0['other.rowDrivers']!).toBeCloseTo(c1.layers[i]!.tiles / c0.layers[i]!.tiles, 12);
      expect(c1.layers[i]!.energyPerImageJ.total).toBeLessThan(c0.layers[i]!.energyPerImageJ.total);
    }
    // fc2 is not pruned: its array and converters cost the same (its wires are shorter on the smaller chip).
    expect(c1.layers[2]!.energyPerImageJ.items['adc.converters']).toBe(c0.layers[2]!.energyPerImageJ.items['adc.converters']);
    expect(c1.layers[2]!.energyPerImageJ.total).toBeLessThanOrEqual(c0.layers[2]!.energyPerImageJ.total);
  });
});

describe('memxbar train --mode admm: bad input, one line, exit 2', () => {
  it('no --prune-ratio, or one ≥ 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'memxbar-admm-'));
    let r = await runCli('train', '--train-data', 'assets/cifar10/train_500.bin', '--mode', 'admm', '--out', join(dir, 'm.onnx'), '-q');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--prune-ratio/);
    r = await runCli('train', '--train-data', 'assets/cifar10/train_500.bin', '--mode', 'admm', '--prune-ratio', '1', '--out', join(dir, 'm.onnx'), '-q');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--prune-ratio.*pruning ratio must be a number in \[0, 1\)/);
  });
  it('a per-layer ratio outside [0, 1) or a layer the model does not have: the line names it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'memxbar-admm-'));
    for (const [arg, re] of [['/22/Gemm=1', /layer "\/22\/Gemm": pruning ratio must be a number in \[0, 1\), got 1/], ['/22/Gemm=0.5,fc9=0.25', /no compute layer "fc9" in the model/]] as const) {
      const r = await runCli('train', '--train-data', 'assets/cifar10/train_500.bin', '--mode', 'admm', '--prune-ratio', arg, '--out', join(dir, 'm.onnx'), '-q');
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(re);
      expect(r.stderr).toMatch(/--prune-ratio/);
    }
  });
});

/** The whole-accelerator model on hand-computed cases (docs/cost.md §5–§8). */
import { describe, expect, it } from 'vitest';
import type { LayerActivity } from '../../src/cost/measure.ts';
import { estimateDigitalAreas } from '../../src/cost/digital.ts';
import { costModel, networkGeometry, tileCost, tileDesign } from '../../src/cost/model.ts';
import { techNode } from '../../src/cost/tech.ts';
import { arrayReadEnergyJ, adcEnergyJ } from '../../src/cost/components.ts';
import { buildVgg8 } from '../../src/nn/vgg8.ts';
import { config } from '../helpers.ts';

/** NeuroSim's example: full-width VGG8, 8-bit, 2 bits per cell, 100 kΩ / 10 MΩ, 128×128, 5-bit flash. */
const nsCfg = config({
  network: { model: 'random-vgg8', randomWidth: 1 },
  tile: { cellBits: 2, adcKind: 'flash' },
  device: { rOnOhm: 100e3, onOffRatio: 100 },
});
const vgg8 = buildVgg8({ width: 1, seed: 1 });

describe('geometry', () => {
  it('full-width VGG8 with 2-bit cells takes 3395 tiles and 2 × 615,917,568 operations per image', () => {
    // S = 8/2 = 4 slices, Wc = 128/4 − 1 = 31 weight columns per tile:
    // conv1 1×5, conv2 9×5, conv3 9×9, conv4 18×9, conv5 18×17, conv6 36×17, fc1 64×34, fc2 8×1.
    const g = networkGeometry(vgg8, nsCfg);
    expect(g.map((l) => l.layout.rowTiles * l.layout.colTiles)).toEqual([5, 45, 81, 162, 306, 612, 2176, 8]);
    expect(g.reduce((s, l) => s + l.macs, 0)).toBe(
      27 * 128 * 1024 + 1152 * 128 * 1024 + 1152 * 256 * 256 + 2304 * 256 * 256 + 2304 * 512 * 64 + 4608 * 512 * 64 + 8192 * 1024 + 1024 * 10,
    );
    expect(g.map((l) => l.P)).toEqual([1024, 1024, 256, 256, 64, 64, 1, 1]);
    expect(g[1]).toMatchObject({ inputs: 128 * 32 * 32, outputs: 128 * 32 * 32 });
  });
});

describe('tile timing (docs/rtl.md FSM)', () => {
  it('flash: a read slot is the 10 ns pulse; combining 31 columns × (8 terms + 1) + 2 cycles', () => {
    const d = tileDesign(nsCfg, false);
    const tc = tileCost(nsCfg, d, estimateDigitalAreas(nsCfg), techNode(22), false);
    expect(tc.slotS).toBeCloseTo(10e-9, 15); // max(10 ns, (1 + 1) cycles)
    expect(tc.combineS).toBeCloseTo(281e-9, 15); // 31 · 9 + 2
    expect(tc.vectorS).toBeCloseTo(8 * 1 * 8 * 10e-9 + 281e-9, 15); // 921 ns
    expect(tc.adcs).toBe(16);
  });
  it('SAR with a 1 ns pulse: the slot is START + 6 conversion cycles = 7 ns', () => {
    const cfg = config({ ...nsCfg, tile: { ...nsCfg.tile, adcKind: 'sar' }, device: { ...nsCfg.device, readPulseS: 1e-9 } });
    const tc = tileCost(cfg, tileDesign(cfg, false), estimateDigitalAreas(cfg), techNode(22), false);
    expect(tc.slotS).toBeCloseTo(7e-9, 15);
    expect(tc.vectorS).toBeCloseTo(8 * 8 * 7e-9 + 281e-9, 15); // 729 ns
  });
  it("the row remap modules' synthesized area goes to the row drivers, not to an item of its own", () => {
    const digital = { source: 'synthesis' as const, file: 'r.json', note: '', modules: [
      { module: 'memxbar_row_driver', category: 'other' as const, withMtUm2: 100, withoutMtUm2: 80 },
      { module: 'memxbar_row_remap', category: 'other' as const, withMtUm2: 300, withoutMtUm2: 0 },
    ] };
    const d = tileDesign(nsCfg, true);
    const t = techNode(45);
    const none = tileCost(nsCfg, d, { ...digital, modules: [] }, t, true).areaUm2.items['other.rowDrivers']!;
    const tc = tileCost(nsCfg, d, digital, t, true);
    expect(tc.areaUm2.items['other.rowDrivers']! - none).toBeCloseTo(400 * tc.digitalAreaScale, 6);
    expect(Object.keys(tc.areaUm2.items).some((k) => k.includes('remap'))).toBe(false);
  });
  it('the MT build has one more term slot per weight column', () => {
    const tc = tileCost(nsCfg, tileDesign(nsCfg, true), estimateDigitalAreas(nsCfg), techNode(22), true);
    expect(tc.combineS).toBeCloseTo((31 * 10 + 2) * 1e-9, 15);
  });
});

describe('network model', () => {
  const geometry = networkGeometry(vgg8, nsCfg);
  const activity = (currentSum: number): LayerActivity[] =>
    geometry.map((g) => {
      const reads = g.P * g.layout.rowTiles * g.layout.colTiles * 8;
      return { name: g.name, reads, conversions: reads * 128, currentSum, activeRowBits: g.P * g.R * 3, vectors: g.P, extraOpsPerRead: 0, storageBitsPerSubarray: 0 };
    });
  const digital = estimateDigitalAreas(nsCfg);
  const r = costModel({ cfg: nsCfg, geometry, activity: activity(1e9), digital });

  it('items are the formulas of docs/cost.md applied to the activity', () => {
    const conv2 = r.layers[1]!;
    // G_LSB = 1 / (100 kΩ · 4096).
    expect(conv2.energyPerImageJ.items['array.read']).toBeCloseTo(arrayReadEnergyJ(1e9, 0.5, 10e-9, 1 / (100e3 * 4096)), 18);
    const conversions = 1024 * 45 * 8 * 128;
    expect(conv2.energyPerImageJ.items['adc.converters']).toBeCloseTo(conversions * adcEnergyJ('flash', 5, 0.5, techNode(22)), 15);
  });
  it('layer latency: patches × max(vector, bus transfer) + one transfer', () => {
    const conv2 = r.layers[1]!;
    // Bus of 128 · 8 bits: 1152·8 bits in 9 cycles, 128·8 bits out in 1: 10 ns per patch < 921 ns.
    expect(conv2.latencyPerImageS.total).toBeCloseTo(1024 * 921e-9 + 10e-9, 12);
    expect(r.network.latencyPerImageS.total).toBeCloseTo(r.layers.reduce((s, l) => s + l.latencyPerImageS.total, 0), 15);
  });
  it('network: sums of layers; TOPS/W = operations / energy; frames/s = 1 / latency', () => {
    const n = r.network;
    expect(n.tiles).toBe(3395);
    expect(n.energyPerImageJ.total).toBeCloseTo(r.layers.reduce((s, l) => s + l.energyPerImageJ.total, 0), 15);
    expect(n.energyPerImageJ.total).toBeCloseTo(n.energyPerImageJ.array + n.energyPerImageJ.adc + n.energyPerImageJ.accumulation + n.energyPerImageJ.other, 15);
    expect(n.topsPerW).toBeCloseTo(n.opsPerImage / n.energyPerImageJ.total / 1e12, 9);
    expect(n.framesPerS).toBeCloseTo(1 / n.latencyPerImageS.total, 6);
    expect(n.topsPerMm2).toBeCloseTo(n.tops / n.areaMm2.total, 12);
    expect(n.areaMm2.total).toBeCloseTo(3395 * r.tile.areaUm2.total * 1e-6 + n.areaMm2.items['other.globalBuffer']! + n.areaMm2.items['other.activation']!, 9);
  });
  it('only the array read energy follows the currents; latency and area do not', () => {
    const r2 = costModel({ cfg: nsCfg, geometry, activity: activity(2e9), digital });
    const d = r2.network.energyPerImageJ.total - r.network.energyPerImageJ.total;
    expect(d).toBeCloseTo(r.network.energyPerImageJ.items['array.read']!, 12);
    expect(r2.network.latencyPerImageS.total).toBe(r.network.latencyPerImageS.total);
    expect(r2.network.areaMm2.total).toBe(r.network.areaMm2.total);
  });
  it('a mitigation needing MT tables puts them in every tile', () => {
    const mt = costModel({ cfg: config({ ...nsCfg, mitigation: { method: 'mt-map' } }), geometry, activity: activity(1e9), digital });
    expect(mt.mtHardware).toBe(true);
    expect(mt.tile.areaUm2.items['other.faultBitmap']).toBeGreaterThan(0);
    expect(r.tile.areaUm2.items['other.faultBitmap']).toBeUndefined();
  });
});

/**
 * Real runs of the fast engine on a small VGG8: stuck-at faults move the energy the way the
 * physics says when MT is off (SA1 → Gmax raises the read current, SA0 → Gmin lowers it),
 * and the activity counters agree with the layer geometry.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import { drawFaults, noFaults } from '../../src/crossbar/faults.ts';
import type { MatrixEngine } from '../../src/nn/quant.ts';
import { makeEngine, programCrossbarWithFaults } from '../../src/session/eval.ts';
import { measureActivity, popcountSum, type ActivityRun } from '../../src/cost/measure.ts';
import { estimateDigitalAreas } from '../../src/cost/digital.ts';
import { costModel, networkGeometry } from '../../src/cost/model.ts';
import { runCost } from '../../src/cost/estimate.ts';
import { prepare, type Prepared } from '../../src/session/prepare.ts';
import { config } from '../helpers.ts';
import { saRatio } from '../../src/config/schema.ts';

const cfg: Config = config({
  network: { model: 'random-vgg8', randomWidth: 0.0625 },
  quant: { calibrationImages: 4 },
  tile: { adcCalibrationImages: 2 },
  mitigation: { activityImages: 2 },
  experiment: { images: 2 },
});

let p: Prepared;
/** The fault-free plain accelerator: it computes every layer's inputs for the faulty ones. */
let reference: MatrixEngine;
beforeAll(() => {
  p = prepare(cfg);
  reference = makeEngine(programCrossbarWithFaults(p, cfg, noFaults));
});

function energyAt(rate: number, ratio: string): { run: ActivityRun; energy: number; arrayRead: number; latency: number } {
  const run = measureActivity(p, cfg, (layers) => drawFaults(layers, rate, saRatio(ratio), 3), 2, undefined, undefined, reference);
  const r = costModel({ cfg, geometry: networkGeometry(p.net, cfg), activity: run.layers, digital: estimateDigitalAreas(cfg) });
  return { run, energy: r.network.energyPerImageJ.total, arrayRead: r.network.energyPerImageJ.items['array.read']!, latency: r.network.latencyPerImageS.total };
}

describe('faults with MT off, on the fault-free accelerator\'s layer inputs', () => {
  it('energy rises with SA1-heavy faults and falls with SA0-heavy faults, at every rate', () => {
    const clean = energyAt(0, '5:1');
    let lastUp = clean.energy;
    let lastDown = clean.energy;
    for (const rate of [0.02, 0.1]) {
      const up = energyAt(rate, '5:1');
      const down = energyAt(rate, '1:5');
      expect(up.run.sa1Cells).toBeGreaterThan(4 * (up.run.stuckCells - up.run.sa1Cells));
      expect(up.energy).toBeGreaterThan(lastUp);
      expect(up.arrayRead).toBeGreaterThan(clean.arrayRead);
      expect(down.energy).toBeLessThan(lastDown);
      expect(down.arrayRead).toBeLessThan(clean.arrayRead);
      expect(up.latency).toBe(clean.latency); // synchronous: currents do not change the time
      lastUp = up.energy;
      lastDown = down.energy;
    }
  });

  it('the counters match the geometry: vectors = patches, reads = patches × tiles × groups × bits', () => {
    const { run } = energyAt(0, '5:1');
    const g = networkGeometry(p.net, cfg);
    run.layers.forEach((l, i) => {
      const lay = g[i]!.layout;
      expect(l.vectors).toBe(g[i]!.P);
      expect(l.reads).toBe(g[i]!.P * lay.rowTiles * lay.colTiles * lay.groupsPerTile * cfg.quant.activationBits);
      expect(l.activeRowBits).toBeGreaterThan(0);
      expect(l.activeRowBits).toBeLessThanOrEqual(g[i]!.P * g[i]!.R * cfg.quant.activationBits);
    });
  });
});

it('popcount over codes', () => {
  expect(popcountSum(Int32Array.from([0, 1, 3, 255, 256, 0x7fffffff]))).toBe(0 + 1 + 2 + 8 + 1 + 31);
});

it('runCost: fault points for none and mt-map, relative to the fault-free plain mapping', () => {
  const r = runCost(p, { images: 1, rates: [0.05], ratios: [saRatio('5:1'), saRatio('1:5')], mitigations: ['none', 'mt-map'], synthReport: null, compareNeurosim: false });
  expect(r.faults.map((f) => `${f.mitigation} ${f.rate} ${f.rate ? f.ratio : ''}`)).toEqual([
    'none 0 ',
    'none 0.05 5:1',
    'none 0.05 1:5',
    'mt-map 0 ',
    'mt-map 0.05 5:1',
    'mt-map 0.05 1:5',
  ]);
  expect(r.faults[0]!.relativeEnergy).toBe(1);
  expect(r.faults[1]!.relativeEnergy).toBeGreaterThan(1);
  expect(r.faults[2]!.relativeEnergy).toBeLessThan(1);
  expect(r.faults[3]!.areaMm2).toBeGreaterThan(r.faults[0]!.areaMm2); // the MT tables in every tile
  expect(r.mt.tileOverheadUm2).toBeGreaterThan(r.mt.tileOverheadExclBitmapUm2);
  expect(r.mt.tableBitsUsedPerSubarray).toBeGreaterThan(0);
});

it("runCost prices Zhang's value-range reduction on its own, wider array", () => {
  const r = runCost(p, { images: 1, rates: [0.05], ratios: [saRatio('5:1')], mitigations: ['none', 'mt-map', 'zhang'], synthReport: null, compareNeurosim: false });
  const at = (m: string, rate: number) => r.faults.find((f) => f.mitigation === m && f.rate === rate)!;
  const wider = { ...cfg, mitigation: { ...cfg.mitigation, method: 'zhang' as const } };
  const tiles = (c: Config) => networkGeometry(p.net, c).reduce((s, g) => s + g.layout.rowTiles * g.layout.colTiles, 0);
  expect(tiles(wider)).toBeGreaterThan(tiles(cfg));
  // More subarrays: more area than MT-map, which has the same tile tables on the plain array, and more read energy.
  expect(at('zhang', 0).areaMm2).toBeGreaterThan(at('mt-map', 0).areaMm2 * 1.5);
  expect(at('zhang', 0).relativeArrayRead).toBeGreaterThan(1.5);
});

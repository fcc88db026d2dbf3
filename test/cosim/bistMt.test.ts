/**
 * The whole loop (memxbar cosim --flow bist-mt) on VGG8's first layer laid out on 32x32
 * tiles: BIST → fault map read over the registers → MT-map → cells written through the
 * write path → inference, bit for bit with the reference model, at two fault rates and
 * both SA1:SA0 ratios. And what the loop refuses.
 */
import { describe, expect, it } from 'vitest';
import { bistTestCost, programCost } from '../../src/cost/bist.ts';
import { writeModel } from '../../src/cost/write.ts';
import { cosimBistMt } from '../../src/cosim/bistMt.ts';
import { levelPulses } from '../../src/crossbar/device.ts';
import { UnsupportedError } from '../../src/errors.ts';
import { prepare } from '../../src/session/prepare.ts';
import { workloadConfig } from './workload.ts';

const SMALL = ['tile.rows=32', 'tile.cols=32', 'tile.colsPerAdc=4', 'tile.parallelRead=32'];

describe('bist-mt on Icarus: BIST → MT-map → write path → inference', () => {
  const p = prepare(workloadConfig('no faults', SMALL));
  for (const [rate, ratio, seed] of [[0.05, '5:1', 3], [0.3, '1:5', 4]] as const) {
    it(`conv1 tile (0, 0), ${rate * 100} % stuck cells ${ratio}, seed ${seed}`, async () => {
      const cfg = workloadConfig('no faults', [...SMALL, `faults.rate=${rate}`, `faults.sa1Sa0Ratio="${ratio}"`, `faults.seed=${seed}`]);
      const r = await cosimBistMt({ cfg, layer: 'conv1', rt: 0, ct: 0, images: 1, patches: 6, sampleSeed: 1, simulator: 'icarus', prepared: p });
      expect(r.text).toMatch(/^MATCH/);
      expect(r.mapMismatches).toBe(0);
      expect(r.stuck.sa0 + r.stuck.sa1).toBeGreaterThan(0);
      expect(r.bistCycles).toBe(r.bistCyclesModel);
      expect(r.cellWrites).toBe(32 * 32);
      expect(r.mismatch).toBeNull();
      expect(r.vectors).toBe(6);
      expect(r.ok).toBe(true);
      // What the run prices: the levels written and the tile's stuck map, as the loop used them.
      expect(r.cellLevels).toHaveLength(32 * 32);
      expect(r.stuckMap.filter((s) => s === 1).length).toBe(r.stuck.sa0);
      expect(r.stuckMap.filter((s) => s === 2).length).toBe(r.stuck.sa1);
      const pc = programCost(cfg, r.design, r.cellLevels, r.stuckMap);
      const L = 2 ** cfg.tile.cellBits;
      expect(pc.cells.pulses).toBe(r.cellLevels.reduce((a, l) => a + levelPulses(l, L, cfg.device.maxPulses), 0));
      const w = writeModel(cfg, 32);
      expect(pc.cells.energyJ).toBeGreaterThan(0);
      expect(pc.cells.energyJ).toBeLessThanOrEqual(w.energyJ(pc.cells.pulses, w.levelS(L - 1), w.levelS(L - 1)));
      const t = bistTestCost(cfg, r.design, { stuck: r.stuck });
      expect(t.cycles).toBe(r.bistCycles);
      // An SA1 cell adds (Gmax − Gmin)/2 per pulse to a healthy cell's mean, an SA0 cell removes as much.
      expect(Math.sign(t.energyJ.cellWrites - bistTestCost(cfg, r.design).energyJ.cellWrites)).toBe(Math.sign(r.stuck.sa1 - r.stuck.sa0));
    }, 300_000);
  }

  it('refuses CXXRTL (no write path in its testbench) before any simulation', async () => {
    const cfg = workloadConfig('no faults', SMALL);
    await expect(cosimBistMt({ cfg, layer: 'conv1', rt: 0, ct: 0, images: 1, patches: 1, sampleSeed: 1, simulator: 'cxxrtl', prepared: p })).rejects.toThrow(UnsupportedError);
  });
});

/**
 * The whole loop (memxbar cosim --flow bist-mt) on VGG8's first layer laid out on 32x32
 * tiles: BIST → fault map read over the registers → MT-map → cells written through the
 * write path → inference, bit for bit with the reference model, at two fault rates and
 * both SA1:SA0 ratios. And what the loop refuses.
 */
import { describe, expect, it } from 'vitest';
import { cosimBistMt } from '../../src/cosim/bistMt.ts';
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
    }, 300_000);
  }

  it('refuses CXXRTL (no write path in its testbench) before any simulation', async () => {
    const cfg = workloadConfig('no faults', SMALL);
    await expect(cosimBistMt({ cfg, layer: 'conv1', rt: 0, ct: 0, images: 1, patches: 1, sampleSeed: 1, simulator: 'cxxrtl', prepared: p })).rejects.toThrow(UnsupportedError);
  });
});

/**
 * The march test (BIST) co-simulated: for random stuck-cell maps the fault bitmap the
 * tile's BIST writes, read back over the register interface, is the reference model's
 * fault map of the tile, cell for cell, on Icarus and Verilator; its cycle counter agrees
 * with src/rtl/bist.ts; the array it leaves is erased except for the stuck cells.
 */
import { describe, expect, it } from 'vitest';
import { saRatio } from '../../src/config/schema.ts';
import { conductanceTable } from '../../src/crossbar/device.ts';
import { SA0, SA1 } from '../../src/crossbar/faults.ts';
import { checkBistBuild, runBist } from '../../src/cosim/bist.ts';
import { icarus } from '../../src/cosim/simulators/icarus.ts';
import { verilator } from '../../src/cosim/simulators/verilator.ts';
import type { Simulator } from '../../src/cosim/simulators/simulator.ts';
import { UnsupportedError } from '../../src/errors.ts';
import { bistCounts } from '../../src/rtl/bist.ts';
import { generateRtl } from '../../src/rtl/generate.ts';
import { Rng } from '../../src/util/rng.ts';
import type { Config } from '../../src/config/schema.ts';
import { extraConfig, goldenConfig } from '../rtl/configs.ts';
import { tempDir } from '../rtl/tools.ts';

const RATES = [0.001, 0.05, 0.2, 0.5];
const RATIOS = ['5:1', '1:5'];
const SEEDS = [11, 12];

/** A stuck map drawn like src/crossbar/faults.ts drawFaults, and a random initial array (stuck cells at Gmin/Gmax). */
function drawTile(cfg: Config, rows: number, cols: number, rate: number, ratio: string, seed: number) {
  const t = conductanceTable(cfg);
  const rng = new Rng(seed, 0);
  const share = saRatio(ratio).sa1Share;
  const stuck = new Uint8Array(rows * cols);
  for (let i = 0; i < stuck.length; i++) if (rng.uint32() < rate * 2 ** 32) stuck[i] = rng.uint32() < share * 2 ** 32 ? SA1 : SA0;
  const init = Array.from({ length: rows }, (_, r) =>
    Array.from({ length: cols }, (_, c) => {
      const s = stuck[r * cols + c];
      return s === SA0 ? t.gMin : s === SA1 ? t.gMax : t.levelG[rng.uint32() % t.levels]!;
    }),
  );
  return { stuck, init, table: t };
}

async function checkMaps(cfg: Config, sim: Simulator, seeds: number[]) {
  const gen = generateRtl({ config: cfg, options: { writePath: true, bist: true } });
  const d = gen.design;
  const build = await sim.build(gen, { capacity: { maxRegs: 1, maxVecs: 1 }, trace: false });
  let stuckSeen = 0;
  for (const rate of RATES) for (const ratio of RATIOS) for (const seed of seeds) {
    const { stuck, init, table } = drawTile(cfg, d.rows, d.cols, rate, ratio, seed);
    const r = await runBist(gen, build, init, stuck, tempDir(`bist-${sim.name}`));
    const where = `${sim.name}, rate ${rate}, ratio ${ratio}, seed ${seed}`;
    expect(Array.from(r.map), where).toEqual(Array.from(stuck));
    expect(r.cycles, where).toBe(bistCounts(d).cycles);
    // M2 writes Gmin last: every healthy cell is at Gmin, every stuck cell where it is stuck.
    const expected = Array.from(stuck, (s) => (s === SA1 ? table.gMax : table.gMin));
    expect(Array.from(r.cellsAfter), where).toEqual(expected);
    stuckSeen += stuck.reduce((a, s) => a + (s ? 1 : 0), 0);
  }
  expect(stuckSeen).toBeGreaterThan(0);
}

describe('BIST on Icarus: the fault bitmap is the reference fault map', () => {
  it('t16-diff-2b (differential, flash, calibrated): 0.1–50 % stuck, 5:1 and 1:5', async () => {
    await checkMaps(goldenConfig('t16-diff-2b'), icarus, SEEDS);
  });
  it('t16-offset-1b (offset, SAR, 1-bit cells)', async () => {
    await checkMaps(goldenConfig('t16-offset-1b'), icarus, SEEDS);
  });
  it('lossless-3b-odd (20x24, 3-bit cells, lossless SAR, 3 columns per ADC: a partly used last test slot)', async () => {
    await checkMaps(extraConfig('lossless-3b-odd'), icarus, SEEDS);
  });
  it('lossless-flash-odd (differential lossless flash: the test read is single-ended)', async () => {
    await checkMaps(extraConfig('lossless-flash-odd'), icarus, [11]);
  });
});

describe('BIST on Verilator', () => {
  it('minimal-1b (8x18, 1-bit ADC): the same maps', async () => {
    await checkMaps(extraConfig('minimal-1b'), verilator, SEEDS);
  }, 600_000);
});

describe('BIST: what cannot be built is refused', () => {
  it('BIST without the write path, or without the fault bitmap (no MT): one error naming the option', () => {
    const cfg = goldenConfig('t16-offset-1b');
    expect(() => generateRtl({ config: cfg, options: { bist: true } })).toThrow(UnsupportedError);
    expect(() => generateRtl({ config: cfg, options: { bist: true } })).toThrow(/needs the write path/);
    expect(() => generateRtl({ config: cfg, options: { bist: true, writePath: true, mt: false } })).toThrow(/only the MT build/);
    const noBist = generateRtl({ config: cfg, options: { writePath: true } });
    expect(() => checkBistBuild(noBist, 'icarus')).toThrow(/no BIST/);
    const gen = generateRtl({ config: cfg, options: { writePath: true, bist: true } });
    expect(() => checkBistBuild(gen, 'cxxrtl')).toThrow(UnsupportedError);
  });
});

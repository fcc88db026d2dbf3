/**
 * Co-simulation with every array effect on (docs/model.md §9, §10): incremental programming
 * with LTP/LTD non-linearity, device-to-device, cycle-to-cycle and level-dependent (Wan)
 * programming variation, drift, IR drop, and thermal + shot, RTN and proportional read noise,
 * together with stuck-at faults and MT. The per-cell effects reach the behavioural array
 * through cells.hex, the read noise of every read through noise.hex; the generated RTL must
 * give every word the reference model gives, on Icarus and on Verilator (a real VGG8 tile),
 * and the noise must matter (without it the words differ).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildFor, checkCosimEffects, cosimTile } from '../../src/cosim/cosim.ts';
import { layerInputs, layerLabel, resolveLayer, samplePatches } from '../../src/cosim/layer.ts';
import { cxxrtl } from '../../src/cosim/simulators/cxxrtl.ts';
import { icarus } from '../../src/cosim/simulators/icarus.ts';
import { verilator } from '../../src/cosim/simulators/verilator.ts';
import { tileVectors } from '../../src/cosim/tile.ts';
import { readVectorSet } from '../../src/cosim/vectors.ts';
import { UnsupportedError } from '../../src/errors.ts';
import { generateRtl } from '../../src/rtl/generate.ts';
import { programCrossbar } from '../../src/session/eval.ts';
import { tempDir } from '../rtl/tools.ts';
import { workload, workloadConfig } from './workload.ts';

/** Every effect on, strong enough that each one changes conductances or currents. */
export const EVERY_EFFECT = [
  'device.programming.scheme="incremental"',
  'device.programming.seed=11',
  'device.nonlinearityLtp=4',
  'device.nonlinearityLtd=-4',
  'device.variation.deviceToDevice=0.05',
  'device.variation.cycleToCycle=0.08',
  'device.variation.levelModel="reram-wan"',
  'device.variation.seed=12',
  'device.drift.model="constant"',
  'device.drift.nu=0.05',
  'device.drift.nuSigma=0.02',
  'device.drift.seed=13',
  'device.readTimeSeconds=86400',
  'device.readNoise.thermalShot=true',
  'device.readNoise.rtn=true',
  'device.readNoise.proportional=0.02',
  'device.readNoise.seed=14',
  'tile.irDrop.enabled=true',
  'tile.irDrop.wireRowOhm=2.5',
  'tile.irDrop.wireColOhm=2.5',
];

let made: ReturnType<typeof makeTile> | null = null;
const effectsTile = () => (made ??= makeTile());

function makeTile() {
  const { p } = workload('no faults');
  const cfg = workloadConfig('faults + MT', EVERY_EFFECT);
  const xb = programCrossbar(p, cfg);
  const gen = generateRtl({ config: cfg });
  const layerIndex = resolveLayer(p, 'conv2');
  const inp = layerInputs(p, xb, layerIndex, 1);
  const tv = tileVectors(gen.design, xb, { layerIndex, rt: 2, ct: 3 }, inp.x, samplePatches(inp.patchesPerImage, 3, 5));
  return { cfg, gen, xb, tv, label: layerLabel(p, layerIndex) };
}

describe('co-simulation with every array effect on (conv2 tile (2, 3), faults 5 % + MT)', () => {
  // Preparing VGG8 and programming it with every effect takes minutes on a loaded machine.
  beforeAll(() => void effectsTile(), 900_000);

  it('the effects reach the vectors: off-grid conductances, cells above Gmax, non-zero read noise', () => {
    const { gen, tv } = effectsTile();
    const d = gen.design;
    const cells = tv.g.flat();
    expect(cells.some((v) => v !== d.gMin && v !== d.gMax)).toBe(true);
    expect(tv.noise).not.toBeNull();
    expect(tv.noise!).toHaveLength(tv.acts.length);
    expect(tv.noise!.every((n) => n.length === d.actBits * d.groups * d.cols)).toBe(true);
    expect(tv.noise!.some((n) => n.some((v) => v > 0)) && tv.noise!.some((n) => n.some((v) => v < 0))).toBe(true);
  });

  for (const sim of [icarus, verilator]) {
    it(`${sim.name}: every word matches the reference model; the written set replays with its noise`, async () => {
      const { gen, xb, tv, label } = effectsTile();
      const outDir = tempDir(`cosim-effects-${sim.name}`);
      const build = await buildFor(sim, gen, false, undefined, tv.g);
      const r = await cosimTile({ gen, xb, tv, label, simulator: sim, build, outDir });
      expect(r.mismatch, r.text).toBeNull();
      expect(r.got).toEqual(tv.expected);
      expect(existsSync(join(outDir, 'noise.hex'))).toBe(true);
      const back = readVectorSet(outDir);
      expect(back.set.noise!.map((n) => Array.from(n))).toEqual(tv.noise!.map((n) => Array.from(n)));
      expect(back.set.g).toEqual(tv.g);
      // Without the noise lines the array gives other words: the noise path is live.
      const quiet = await cosimTile({ gen, xb, tv: { ...tv, noise: null }, label, simulator: sim, build, outDir: null, diagnose: false });
      expect(quiet.ok).toBe(false);
    }, 900_000);
  }

  it('CXXRTL is refused with read noise on, before any work; accepted without it', () => {
    const cfg = workloadConfig('faults', EVERY_EFFECT);
    expect(() => checkCosimEffects(cfg, cxxrtl)).toThrow(UnsupportedError);
    expect(() => checkCosimEffects(cfg, cxxrtl)).toThrow(/device\.readNoise/);
    expect(() => checkCosimEffects(cfg, icarus)).not.toThrow();
    const noNoise = workloadConfig('faults', [...EVERY_EFFECT, 'device.readNoise.thermalShot=false', 'device.readNoise.rtn=false', 'device.readNoise.proportional=0']);
    expect(() => checkCosimEffects(noNoise, cxxrtl)).not.toThrow();
  });
});

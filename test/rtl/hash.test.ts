/**
 * What the config hash covers (docs/rtl.md "Generated files"): the config sections the RTL
 * is generated from — quant, tile, device — and nothing else. Fault settings, the
 * mitigation, the network, the experiment, IR drop (tile.irDrop) and the array effects (device.programming, variation,
 * readNoise, drift, readTimeSeconds; the programming pulses, device.write) change what is programmed into the tile's
 * registers (recorded by a vector set's `source`), not the RTL: the generated files are
 * byte-identical, so the hash stays. A field of the three sections changes it.
 */
import { describe, expect, it } from 'vitest';
import { parseOverride, resolveConfig } from '../../src/config/load.ts';
import { generateRtl } from '../../src/rtl/generate.ts';
import { rtlConfigHash } from '../../src/rtl/hash.ts';

const gen = (...sets: string[]) => generateRtl({ config: resolveConfig({ preset: 'neurosim-v1.4', overrides: sets.map(parseOverride) }) });

describe('config hash', () => {
  const base = gen();
  it('outside quant, tile and device: the same RTL, byte for byte, and the same hash', () => {
    for (const set of ['faults.rate=0.5', 'faults.sa1Sa0Ratio="1:5"', 'faults.seed=9', 'mitigation.method="mt-map"', 'mitigation.activityImages=7', 'network.randomSeed=3', 'experiment.images=3', 'engine="reference"', 'tile.irDrop.enabled=true', 'tile.irDrop.wireRowOhm=9', 'device.readTimeSeconds=100', 'device.variation.cycleToCycle=0.1', 'device.readNoise.proportional=0.05', 'device.drift.model="constant"', 'device.programming.scheme="incremental"', 'device.write.voltageV=2', 'device.write.pulseS=1e-6']) {
      const g = gen(set);
      expect(g.stamp.configHash, set).toBe(base.stamp.configHash);
      expect([...g.files], set).toEqual([...base.files]);
    }
  });
  it('a field of quant, tile or device changes it', () => {
    for (const set of ['quant.activationBits=6', 'tile.adcBits=6', 'tile.parallelRead=32', 'device.onOffRatio=20']) {
      expect(gen(set).stamp.configHash, set).not.toBe(base.stamp.configHash);
    }
  });
  it('is rtlConfigHash of the resolved config', () => {
    const cfg = resolveConfig({ preset: 'neurosim-v1.4' });
    expect(rtlConfigHash(cfg)).toBe(base.stamp.configHash);
    expect(base.manifest.configHash).toBe(base.stamp.configHash);
  });
});

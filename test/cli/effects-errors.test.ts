/**
 * Bad input to the array effects (docs/model.md §9): one line naming the config path, exit 2,
 * before any work.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cxxrtl } from '../../src/cosim/simulators/cxxrtl.ts';

const BIN = join(__dirname, '..', '..', 'bin', 'memxbar.js');
const dir = mkdtempSync(join(tmpdir(), 'memxbar-effects-'));

function expectUserError(args: string[], ...fragments: (string | RegExp)[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  for (const f of fragments) expect(r.stderr).toMatch(f);
  return r;
}

describe('array effects: bad input', () => {
  it('a negative σ names its config path', () => {
    expectUserError(['config', '--set', 'device.variation.deviceToDevice=-0.1'], 'device.variation.deviceToDevice', '-0.1');
  });
  it('NaN names its config path', () => {
    expectUserError(['config', '--set', 'device.readNoise.proportional=NaN'], 'device.readNoise.proportional', 'NaN');
    expectUserError(['config', '--set', 'device.drift.nu=NaN'], 'device.drift.nu');
  });
  it('a per-level table with the wrong number of levels is refused before any work', () => {
    const f = join(dir, 'levels.csv');
    writeFileSync(f, 'level,meanSiemens,sigmaSiemens\n0,1e-6,1e-8\n1,5e-6,1e-8\n2,1e-5,1e-8\n');
    const t0 = Date.now();
    expectUserError(['eval', '--crossbar', '--images', '1', '--set', 'device.variation.levelModel=table', '--set', `device.variation.tableFile=${f}`], 'device.variation.tableFile', 'has 3 levels', 'needs 2');
    expect(Date.now() - t0).toBeLessThan(20_000);
  });
  it('a level table asked for without a file names the field', () => {
    expectUserError(['eval', '--crossbar', '--images', '1', '--set', 'device.variation.levelModel=table'], 'device.variation.tableFile');
  });
});

describe('array effects: co-simulation', () => {
  // Co-simulation carries every effect (docs/model.md §9.7); only the CXXRTL testbench, which does
  // not take noise.hex, is refused with read noise on, before any work.
  it.skipIf(!cxxrtl.detect().available)('CXXRTL with read noise on is refused, naming device.readNoise', () => {
    expectUserError(['cosim', '--layer', 'conv1', '--tile', '0,0', '--simulator', 'cxxrtl', '--set', 'device.readNoise.proportional=0.1'], 'device.readNoise', 'CXXRTL');
  });
  it('a negative level-σ scale names its config path', () => {
    expectUserError(['config', '--set', 'device.variation.levelSigmaScale=-0.7'], 'device.variation.levelSigmaScale');
  });
});

/**
 * `memxbar cosim` end to end (the command registered on its own program): a real tile
 * co-simulated from the command line writes its vectors and report and prints MATCH;
 * refusals name the option; --list-simulators lists the three back-ends.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { register } from '../../src/cli/commands/cosim.ts';
import { ConfigError, UnsupportedError } from '../../src/errors.ts';
import { runCommand } from '../rtl/cliHarness.ts';
import { tempDir } from '../rtl/tools.ts';

const QUICK = ['--set', 'quant.calibrationImages=50', '--set', 'tile.adcCalibrationImages=2', '-q'];

describe('memxbar cosim', () => {
  it('fc2 tile (3, 0) with 5 % faults on 2 images: MATCH, vectors and report written', async () => {
    const out = tempDir('cosim-cli');
    const r = await runCommand([register], ['cosim', '--layer', 'fc2', '--tile', '3,0', '--images', '2', '--fault-rate', '5', '--ratio', '5:1', '--out', out, ...QUICK]);
    expect(r.error).toBeNull();
    expect(r.stdout).toMatch(/^MATCH fc2 \(\/24\/Gemm\), tile \(3, 0\): 2 vectors, 30 output words identical to the reference model \(icarus;/);
    for (const f of ['vectors.json', 'manifest.json', 'cells.hex', 'regs.hex', 'acts.hex', 'expected.hex', 'outputs.txt', 'report.txt', 'report.json']) expect(existsSync(join(out, f)), f).toBe(true);
    const m = JSON.parse(readFileSync(join(out, 'vectors.json'), 'utf8')) as { source: Record<string, unknown> };
    expect(m.source).toMatchObject({ layer: 'fc2 (/24/Gemm)', tile: [3, 0], images: 2, faults: { rate: 0.05, sa1Sa0Ratio: '5:1' }, mitigation: 'none' });
    expect(existsSync(join(out, 'failing.vcd'))).toBe(false);
  });

  it('refuses a tile outside the layer, an unknown layer, a malformed --tile, before simulating', async () => {
    const out = tempDir('cosim-cli');
    const outside = await runCommand([register], ['cosim', '--layer', 'fc2', '--tile', '4,0', '--out', out, ...QUICK]);
    expect(outside.error).toBeInstanceOf(UnsupportedError);
    expect(String(outside.error)).toMatch(/--tile: tile \(4, 0\) is outside layer "\/24\/Gemm" \(4 row tiles × 1 column tiles\)/);
    const unknown = await runCommand([register], ['cosim', '--layer', 'conv7', '--out', out, ...QUICK]);
    expect(unknown.error).toBeInstanceOf(ConfigError);
    expect(String(unknown.error)).toMatch(/--layer: no compute layer "conv7"/);
    const bad = await runCommand([register], ['cosim', '--layer', 'fc2', '--tile', '1', '--out', out, ...QUICK]);
    expect(String(bad.error)).toMatch(/--tile: expected two tile indices "rt,ct", got "1"/);
  });

  it('--list-simulators names each back-end and whether it is installed', async () => {
    const r = await runCommand([register], ['cosim', '--list-simulators']);
    expect(r.error).toBeNull();
    expect(r.stdout).toMatch(/^icarus +available/m);
    expect(r.stdout).toMatch(/^verilator +available/m);
    expect(r.stdout).toMatch(/^cxxrtl +(available|missing)/m);
  });
});

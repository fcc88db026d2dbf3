import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { register as registerGen } from '../../src/cli/commands/gen.ts';
import { register as registerSynth } from '../../src/cli/commands/synth.ts';
import { ConfigError, DataError, UnsupportedError } from '../../src/errors.ts';
import type { SynthReport } from '../../src/synth/synthesize.ts';
import { bistCounts } from '../../src/rtl/bist.ts';
import { deriveDesign } from '../../src/rtl/design.ts';
import { readManifest } from '../../src/rtl/generate.ts';
import { runCommand } from '../rtl/cliHarness.ts';
import { tempDir } from '../rtl/tools.ts';

describe('memxbar synth', () => {
  it('synthesizes a generated directory: JSON on stdout, JSON + Markdown in --out', async () => {
    const root = tempDir('synth-cli');
    const rtl = join(root, 'rtl');
    const sets = ['tile.rows=8', 'tile.cols=18', 'tile.parallelRead=8', 'tile.colsPerAdc=6', 'tile.adcBits=3', 'tile.adcMode=fixed-full-scale', 'quant.weightBits=2', 'quant.activationBits=2'];
    const g = await runCommand([registerGen], ['gen', '--preset', 'neurosim-v1.4', ...sets.flatMap((s) => ['--set', s]), '--out', rtl]);
    expect(g.error).toBeNull();
    const r = await runCommand([registerSynth], ['synth', rtl, '--json', '--out', join(root, 'report')]);
    expect(r.error).toBeNull();
    const report = JSON.parse(r.stdout) as SynthReport;
    expect(report.tile.areaUm2).toBeGreaterThan(0);
    expect(report.mtOverhead.overheadUm2).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/ASIC flow.*done in/);
    expect(readdirSync(join(root, 'report')).sort()).toEqual(['.memxbar-files.json', 'synth-report.json', 'synth-report.md']);
    const md = readFileSync(join(root, 'report', 'synth-report.md'), 'utf8');
    expect(md).toMatch(/^# memxbar synthesis report/);
    // The march test beside the MT price: the tile's cycles, the device's pulses, the energy, the BIST area (not built here).
    const m = readManifest(rtl);
    const d = deriveDesign(m.rtlConfig, { ...m.options, writePath: true, bist: true });
    const n = bistCounts(d);
    expect(report.bistTest!.cycles).toBe(n.cycles);
    expect(report.bistTest!.writePulses).toBe(n.cellWrites * m.rtlConfig.device.maxPulses);
    expect(md).toContain(`| test time | ${n.cycles.toLocaleString('en-US')} cycles = `);
    expect(md).toMatch(/\| test energy \(≤\) \| [\d,.]+ nJ, of which cell writes [\d,.]+ nJ \|/);
    expect(md).toContain('| BIST area | not built (gen --write-path --bist) |');
    expect(md).toMatch(/device\.write \(2 V, 50 ns\) and tech \(22 nm\) of preset neurosim-v1\.4/);
  });

  it('names a directory that is not a generated one', async () => {
    const r = await runCommand([registerSynth], ['synth', tempDir('empty')]);
    expect(r.error).toBeInstanceOf(DataError);
    expect((r.error as Error).message).toMatch(/manifest\.json/);
  });

  it('refuses a tile whose fault store exceeds the memory library: one line naming the module, no Yosys run, nothing written', async () => {
    const root = tempDir('synth-cli-256');
    const rtl = join(root, 'rtl');
    const g = await runCommand([registerGen], ['gen', '--preset', 'neurosim-v1.4', '--set', 'tile.rows=256', '--set', 'tile.cols=256', '--set', 'tile.parallelRead=256', '--out', rtl]);
    expect(g.error).toBeNull();
    const r = await runCommand([registerSynth], ['synth', rtl, '--out', join(root, 'report')]);
    expect(r.error).toBeInstanceOf(UnsupportedError);
    expect((r.error as Error).message).toBe(
      'memxbar_fault_bitmap: 65536 x 2 bits (131072 bits) exceed the largest macro of memory library openram-freepdk45 (65536 bits); use --fault-store flipflops',
    );
    expect(r.stderr).not.toMatch(/ASIC flow/);
    expect(readdirSync(root)).toEqual(['rtl']);
  });

  it('refuses an unknown memory library and an unknown fault store before any work', async () => {
    const lib = await runCommand([registerSynth], ['synth', tempDir('empty-lib'), '--memory-library', 'foo']);
    expect(lib.error).toBeInstanceOf(ConfigError);
    expect((lib.error as Error).message).toBe('--memory-library: unknown memory library "foo" (known: openram-freepdk45)');
    const kind = await runCommand([registerSynth], ['synth', tempDir('empty-kind'), '--fault-store', 'dram']);
    expect(kind.error).toBeInstanceOf(ConfigError);
    expect((kind.error as Error).message).toMatch(/^--fault-store: must be sram or flipflops/);
  });
});

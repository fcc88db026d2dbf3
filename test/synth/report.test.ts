import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config/load.ts';
import { generateRtl } from '../../src/rtl/generate.ts';
import { runAsic } from '../../src/synth/flows.ts';
import { libertyCells, libertyText } from '../../src/synth/liberty.ts';
import { MEMORY_LIBRARIES, memoryLibrary, sramMacro } from '../../src/synth/memlib.ts';
import { ConfigError, UnsupportedError } from '../../src/errors.ts';
import { reportMarkdown, synthesizeGenerated } from '../../src/synth/synthesize.ts';
import { goldenConfig } from '../rtl/configs.ts';
import { bistTestFor } from '../../src/cost/bist.ts';
import { bistCounts } from '../../src/rtl/bist.ts';

describe('memxbar45 Liberty library', () => {
  it('has the documented cells with the areas listed in docs/rtl.md', () => {
    const cells = libertyCells();
    expect(cells.map((c) => c.name).sort()).toEqual(
      ['AND2_X1', 'AOI21_X1', 'BUF_X1', 'DFFR_X1', 'DFFS_X1', 'DFF_X1', 'INV_X1', 'MUX2_X1', 'NAND2_X1', 'NOR2_X1', 'OAI21_X1', 'OR2_X1', 'XNOR2_X1', 'XOR2_X1'].sort(),
    );
    const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'rtl.md'), 'utf8');
    for (const c of cells) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${c.name}\``));
      expect(row, `docs/rtl.md lists ${c.name}`).toBeDefined();
      expect(row!.split('|').map((x) => x.trim())).toContain(c.areaUm2.toFixed(3));
    }
    expect(libertyText()).toContain('library (memxbar45)');
  });
});

describe('synthesis report', () => {
  it('t16-offset-1b: positive area, transistors and iCE40 counts; MT costs area; the bitmap estimate is close', async () => {
    const gen = generateRtl({ config: goldenConfig('t16-offset-1b') });
    const progress: string[] = [];
    // 512-bit fault bitmap > 128: estimated from a 128-bit reference (the path the 128x128 tile takes).
    const [r, exact] = await Promise.all([
      synthesizeGenerated(gen, { faultStore: 'flipflops', exactMemoryBits: 128, onProgress: (l) => progress.push(l) }),
      runAsic('memxbar_fault_bitmap', { 'memxbar_fault_bitmap.v': gen.files.get('memxbar_fault_bitmap.v')! }),
    ]);
    expect(r.modules.map((m) => m.module)).toEqual(gen.manifest.modules.map((m) => m.name));
    for (const m of r.modules) {
      expect(m.areaUm2, m.module).toBeGreaterThan(0);
      expect(m.cells, m.module).toBeGreaterThan(0);
      expect(m.transistors, m.module).toBeGreaterThan(0);
    }
    const sum = r.modules.reduce((a, m) => a + m.areaUm2, 0);
    expect(Math.abs(sum - r.tile.areaUm2)).toBeLessThan(0.01 * r.tile.areaUm2);
    expect(r.ice40!.luts).toBeGreaterThan(0);
    expect(r.modules.find((m) => m.module === 'memxbar_fault_bitmap')!.ice40!.brams).toBe(1);
    expect(r.modules.find((m) => m.module === 'memxbar_shift_add')!.ice40!.luts).toBeGreaterThan(0);
    expect(r.ice40!.flipFlops).toBeGreaterThan(0);
    expect(r.mtOverhead.withMtUm2).toBeGreaterThan(r.mtOverhead.withoutMtUm2);
    expect(r.mtOverhead.overheadUm2).toBeGreaterThan(0);
    expect(r.mtOverhead.overheadExcludingBitmapUm2).toBeGreaterThan(0);
    expect(r.design.filesMatchManifest).toBe(true);
    const est = r.modules.find((m) => m.module === 'memxbar_fault_bitmap')!;
    expect(est.estimate).toMatch(/scaled ×4 from a synthesized 64 x 2-bit reference/);
    const exactArea = exact.modules[0]!.areaUm2;
    expect(Math.abs(est.areaUm2 - exactArea) / exactArea).toBeLessThan(0.15);
    expect(progress.some((l) => /iCE40 flow.*done in/.test(l))).toBe(true);
    const md = reportMarkdown(r);
    expect(md).toContain('| **tile total** |');
    expect(md).toContain('Mapping Transformation overhead');
    expect(JSON.stringify(r)).not.toMatch(/\/(work|home|tmp)\//);
  });

  it('t16-offset-1b with the default SRAM fault store: the macro is the bitmap, sized by the library rule', async () => {
    const gen = generateRtl({ config: goldenConfig('t16-offset-1b') });
    const r = await synthesizeGenerated(gen, { ice40: false });
    expect(r.design.faultStore).toBe('sram');
    const bm = r.modules.find((m) => m.module === 'memxbar_fault_bitmap')!;
    const lib = MEMORY_LIBRARIES['openram-freepdk45']!;
    // 16 rows x 16 columns, 2 bits each: one 256 x 2 macro, area = 512 bits / density.
    expect(bm.macro!.cell).toBe('memxbar_sram_256x2');
    expect(bm.macro!.areaUm2).toBeCloseTo((512 / lib.densityBitsPerMm2) * 1e6, 2);
    expect(bm.estimate).toBeNull();
    // The module is the macro plus at most a few gates of port logic (no flip-flop array).
    expect(bm.areaUm2).toBeGreaterThanOrEqual(bm.macro!.areaUm2);
    expect(bm.areaUm2 - bm.macro!.areaUm2).toBeLessThan(20);
    expect(bm.cells).toBeLessThan(10);
    expect(bm.transistors).toBeGreaterThanOrEqual(512 * 6);
    const sum = r.modules.reduce((a, m) => a + m.areaUm2, 0);
    expect(Math.abs(sum - r.tile.areaUm2)).toBeLessThan(0.01 * r.tile.areaUm2);
    expect(r.mtOverhead.overheadUm2 - r.mtOverhead.overheadExcludingBitmapUm2).toBeCloseTo(bm.areaUm2, 3);
    expect(r.flowYosysS!['asic-main']).toBeGreaterThan(0);
    expect(reportMarkdown(r)).toMatch(/† `memxbar_fault_bitmap` holds the SRAM macro `memxbar_sram_256x2`/);
  });
});

describe('synthesis report of a tile with the write path and the BIST', () => {
  it('t16-offset-1b: the BIST rows beside the MT price (area from synthesis, time and energy from the cost model)', async () => {
    const cfg = goldenConfig('t16-offset-1b');
    const gen = generateRtl({ config: cfg, options: { writePath: true, bist: true } });
    const r = await synthesizeGenerated(gen, { ice40: false });
    const b = r.bist!;
    expect(b.withBistUm2).toBeGreaterThan(b.withoutBistUm2);
    expect(b.bistModuleUm2).toBeGreaterThan(0);
    const bistTest = bistTestFor(cfg, gen.manifest.rtlConfig, gen.manifest.options, 'the test config')!;
    const md = reportMarkdown({ ...r, bistTest });
    expect(md).toMatch(/\| with MT, the fault store, the write path and the march test \(BIST\) \| [\d,.]+ \| [\d.]+ \|/);
    expect(md).toContain(`| test time | ${bistCounts(gen.design).cycles.toLocaleString('en-US')} cycles = `);
    const f = (x: number) => x.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    expect(md).toContain(`| BIST area | ${f(b.bistModuleUm2)} µm² controller + ${f(b.withBistUm2 - b.withoutBistUm2 - b.bistModuleUm2)} µm² write path and test multiplexers |`);
    expect(md).toMatch(/Priced from this tile, the test config; ADC: sar 4-bit/);
    // Without the figures the report points to where they are.
    expect(reportMarkdown(r)).not.toContain('| test time |');
  });
});

describe('memory libraries', () => {
  it('size a macro by the documented rule and refuse what they cannot compile', () => {
    const lib = memoryLibrary('openram-freepdk45');
    const m = sramMacro(lib, 16384, 2);
    expect(m.bits).toBe(32768);
    expect(m.addrBits).toBe(14);
    expect(m.areaUm2).toBeCloseTo(32768 / (0.826 * 2 ** 20) * 1e6, 2);
    expect(m.readEnergyJ).toBeCloseTo((2 * 10e-12) / 64, 20);
    expect(() => sramMacro(lib, 65536, 2)).toThrow(UnsupportedError);
    expect(() => sramMacro(lib, 65536, 2)).toThrow(/131072 bits\) exceed the largest macro of memory library openram-freepdk45 \(65536 bits\)/);
    expect(() => memoryLibrary('tsmc-n3')).toThrow(ConfigError);
    expect(() => memoryLibrary('tsmc-n3')).toThrow(/--memory-library: unknown memory library "tsmc-n3"/);
  });

  it('a 256 x 256 tile is refused before any Yosys run (its 128 Kbit store exceeds the library)', async () => {
    const cfg = goldenConfig('t16-offset-1b');
    const gen = generateRtl({ config: { ...cfg, tile: { ...cfg.tile, rows: 256, cols: 256 } } });
    const progress: string[] = [];
    await expect(synthesizeGenerated(gen, { onProgress: (l) => progress.push(l) })).rejects.toThrow(/memxbar_fault_bitmap: 65536 x 2 bits/);
    expect(progress).toEqual([]);
  });
});


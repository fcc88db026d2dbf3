import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config/load.ts';
import { generateRtl } from '../../src/rtl/generate.ts';
import { runAsic } from '../../src/synth/flows.ts';
import { libertyCells, libertyText } from '../../src/synth/liberty.ts';
import { reportMarkdown, synthesizeGenerated } from '../../src/synth/synthesize.ts';
import { goldenConfig } from '../rtl/configs.ts';

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
      synthesizeGenerated(gen, { exactMemoryBits: 128, onProgress: (l) => progress.push(l) }),
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
});

/** Digital periphery areas: the synthesis report reader (and its refusals) and the estimate (docs/cost.md §4). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { estimateDigitalAreas, estimateModules, readSynthReport, tileDigitalUm2 } from '../../src/cost/digital.ts';
import { DataError } from '../../src/errors.ts';
import { OPTION_DEFAULTS } from '../../src/config/schema.ts';
import { deriveDesign } from '../../src/rtl/design.ts';
import { config } from '../helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'memxbar-cost-digital-'));
const cfg = config({});

/** The fields of a `memxbar synth --out` report the cost model reads. */
function report(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    generator: { name: 'memxbar', version: '0.1.0' },
    yosys: '0.55',
    liberty: { name: 'memxbar45', file: 'assets/liberty/memxbar45.lib' },
    design: { top: 'memxbar_tile', configHash: 'abc', preset: 'neurosim-v1.4', mt: true, rows: 128, cols: 128, filesMatchManifest: true },
    modules: [{ module: 'memxbar_fault_bitmap', estimate: 'scaled ×8' }],
    mtOverhead: {
      byModule: [
        { module: 'memxbar_ctrl', withMtUm2: 82.7, withoutMtUm2: 81.1, deltaUm2: 1.6 },
        { module: 'memxbar_sar_ctrl', withMtUm2: 771.7, withoutMtUm2: 771.7, deltaUm2: 0 },
        { module: 'memxbar_fault_bitmap', withMtUm2: 283036.8, withoutMtUm2: 0, deltaUm2: 283036.8 },
      ],
    },
    ...over,
  };
}

function write(name: string, content: string): string {
  const f = join(dir, name);
  writeFileSync(f, content);
  return f;
}

describe('synthesis report', () => {
  it('reads every module with and without MT, with its category', () => {
    const d = readSynthReport(write('ok.json', JSON.stringify(report())), cfg);
    expect(d.source).toBe('synthesis');
    expect(d.modules).toEqual([
      { module: 'memxbar_ctrl', category: 'other', withMtUm2: 82.7, withoutMtUm2: 81.1 },
      { module: 'memxbar_sar_ctrl', category: 'adc', withMtUm2: 771.7, withoutMtUm2: 771.7 },
      { module: 'memxbar_fault_bitmap', category: 'other', withMtUm2: 283036.8, withoutMtUm2: 0 },
    ]);
    expect(tileDigitalUm2(d, true)).toBeCloseTo(82.7 + 771.7 + 283036.8, 6);
    expect(tileDigitalUm2(d, false)).toBeCloseTo(81.1 + 771.7, 6);
    expect(d.note).toMatch(/memxbar_fault_bitmap: scaled ×8/);
  });
  it('an unreadable file is a DataError naming the option and the file', () => {
    const f = join(dir, 'missing.json');
    expect(() => readSynthReport(f, cfg)).toThrow(DataError);
    expect(() => readSynthReport(f, cfg)).toThrow(`--synth-report ${f}: cannot read synthesis report: ENOENT`);
    expect(() => readSynthReport(dir, cfg)).toThrow(/cannot read synthesis report: EISDIR/);
  });
  it('a file that is not JSON, or not a synthesis report, is refused', () => {
    expect(() => readSynthReport(write('bad.json', '{"generator": '), cfg)).toThrow(/not a JSON synthesis report/);
    expect(() => readSynthReport(write('other.json', JSON.stringify({ tool: 'memxbar sweep' })), cfg)).toThrow(/not a memxbar synthesis report \(expected synth-report\.json/);
    const broken = report({ mtOverhead: { byModule: [{ module: 'memxbar_ctrl', withMtUm2: 'x' }] } });
    expect(() => readSynthReport(write('broken.json', JSON.stringify(broken)), cfg)).toThrow(/not a memxbar synthesis report/);
  });
  it('a report of another tile is refused: size, ADC kind', () => {
    const small = report({ design: { rows: 16, cols: 16, configHash: 'x' } });
    expect(() => readSynthReport(write('16.json', JSON.stringify(small)), cfg)).toThrow(/report is for a 16×16 tile but the config has 128×128 \(tile\.rows, tile\.cols\)/);
    const f = write('sar.json', JSON.stringify(report()));
    expect(() => readSynthReport(f, config({ tile: { adcKind: 'flash' } }))).toThrow(/has no memxbar_flash_enc but tile\.adcKind is flash/);
  });
});

describe('estimate without a report', () => {
  it('SAR controller of a 16×16, 1-bit offset tile: 2 ADCs × 5 bits × (DFFR + MUX2 + AND2 + OR2) + 6 DFFR', () => {
    // S = 8, Wc = 16/8 − 1 = 1, units = (1 + 1)·8 = 16, 8 columns per ADC → 2 ADCs of 5 bits.
    const d = deriveDesign(config({ tile: { rows: 16, cols: 16, parallelRead: 16 } }), { ...OPTION_DEFAULTS.rtl, mt: false });
    expect(d.adcs).toBe(2);
    expect(estimateModules(d).memxbar_sar_ctrl).toBeCloseTo(2 * 5 * (5.32 + 1.862 + 1.064 + 1.064) + 6 * 5.32, 9);
  });
  it('row driver of the default tile without MT: 128·8 codes × (DFF + 2 MUX2) + 128 AND2', () => {
    const d = deriveDesign(cfg, { ...OPTION_DEFAULTS.rtl, mt: false });
    expect(estimateModules(d).memxbar_row_driver).toBeCloseTo(1024 * (4.522 + 2 * 1.862) + 128 * 1.064, 9);
  });
  it('the MT build adds the tables and the fault bitmap (one SRAM macro of 2 bits × 128 × 128 cells)', () => {
    const e = estimateDigitalAreas(cfg);
    const bitmap = e.modules.find((m) => m.module === 'memxbar_fault_bitmap')!;
    expect(bitmap.withoutMtUm2).toBe(0);
    // One SRAM macro of openram-freepdk45: 32768 bits at 0.826 Mb/mm².
    expect(bitmap.withMtUm2).toBeCloseTo((32768 / (0.826 * 2 ** 20)) * 1e6, 2);
    expect(tileDigitalUm2(e, true)).toBeGreaterThan(tileDigitalUm2(e, false));
  });
});

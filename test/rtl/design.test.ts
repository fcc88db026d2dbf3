import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.ts';
import { adcSpec, convertFixed } from '../../src/crossbar/adc.ts';
import { conductanceTable } from '../../src/crossbar/device.ts';
import { layerLayout, plainUnits } from '../../src/crossbar/layout.ts';
import { ConfigError, DataError, UnsupportedError } from '../../src/errors.ts';
import { deriveDesign, type Design } from '../../src/rtl/design.ts';
import { decodeTerm, encodeTerm, programWrites, rowSourceTable, termAddress, csrAddress } from '../../src/rtl/tables.ts';
import { flashEncoderMasks } from '../../src/rtl/views/adc.ts';
import { bitsFor, hexLit, indexBits, lit, signExt, signedBitsFor, zeroExt } from '../../src/rtl/verilog.ts';
import { EXTRA, GOLDEN_NAMES, extraConfig, goldenConfig } from './configs.ts';

const cfgOf = (tile: Record<string, unknown>, quant: Record<string, unknown> = {}) =>
  resolveConfig({ preset: 'neurosim-v1.4', overrides: [{ tile: tile as never, quant: quant as never }] });

const allDesigns = (): [string, Design][] => [
  ...GOLDEN_NAMES.map((n) => [n, deriveDesign(goldenConfig(n))] as [string, Design]),
  ...Object.keys(EXTRA).map((n) => [n, deriveDesign(extraConfig(n as keyof typeof EXTRA))] as [string, Design]),
  ['neurosim-v1.4', deriveDesign(resolveConfig({ preset: 'neurosim-v1.4' }))],
  ['neurosim-v2.1', deriveDesign(resolveConfig({ preset: 'neurosim-v2.1' }))],
];

describe('verilog helpers', () => {
  it('size literals and extensions', () => {
    expect(bitsFor(0)).toBe(1);
    expect(bitsFor(255)).toBe(8);
    expect(bitsFor(256n)).toBe(9);
    expect(signedBitsFor(128)).toBe(9);
    expect(indexBits(1)).toBe(1);
    expect(indexBits(16)).toBe(4);
    expect(indexBits(17)).toBe(5);
    expect(lit(4, 9)).toBe("4'd9");
    expect(hexLit(8, 0x3c)).toBe("8'h3c");
    expect(() => lit(3, 8)).toThrow(RangeError);
    expect(zeroExt('x', 3, 5)).toBe("{2'd0, x}");
    expect(zeroExt('x', 3, 3)).toBe('x');
    expect(signExt('t', 4, 6)).toBe('{{2{t[3]}}, t}');
  });
});

describe('deriveDesign', () => {
  it('uses the reference model\'s layout, units and ADC numbers', () => {
    for (const [name, d] of allDesigns()) {
      const cfg = name.startsWith('neurosim') ? resolveConfig({ preset: name }) : GOLDEN_NAMES.includes(name as never) ? goldenConfig(name) : extraConfig(name as keyof typeof EXTRA);
      const L = layerLayout(d.rows, d.weightCols, cfg);
      expect(d.slices, name).toBe(L.S);
      expect(d.weightCols, name).toBe(L.Wc);
      expect(d.groups, name).toBe(L.groupsPerTile);
      const u = plainUnits(L);
      expect(d.units.map((x) => x.pos), name).toEqual([...u.pos]);
      expect(d.units.map((x) => x.neg), name).toEqual([...u.neg]);
      const table = conductanceTable(cfg);
      expect([d.gMax, d.gMin, d.dG], name).toEqual([table.gMax, table.gMin, table.dG]);
      if (d.adcMode === 'fixed-full-scale') {
        const spec = adcSpec('fixed-full-scale', d.adcBits, table, d.parallelRead * (d.signedCodes ? table.gMax - table.gMin : table.gMax), d.signedCodes);
        expect(spec.mode === 'fixed' && [spec.m, spec.maxCode], name).toEqual([d.shiftMax, d.maxCode]);
      }
    }
  });

  it('sizes every width so that no value can overflow (brute force over extreme currents)', () => {
    for (const [name, d] of allDesigns()) {
      // Largest |numerator| the ADC can produce for the largest possible unit current.
      for (let g = 0; g < d.groups; g++) {
        const iMax = d.groupRows[g]! * d.gMax;
        const step = d.dG * 2 ** d.shiftMax;
        const specMax = d.adcMode === 'lossless' ? { mode: 'lossless' as const, step: d.dG } : { mode: 'fixed' as const, step, m: d.shiftMax, minCode: d.signedCodes ? -d.maxCode : 0, maxCode: d.maxCode, fullScale: 0 };
        for (const i of [iMax, -iMax, 0]) {
          if (i < 0 && !d.signedCodes) continue;
          expect(BigInt(Math.abs(convertFixed(specMax, i))) <= d.numeratorMax[g]!, `${name} group ${g}`).toBe(true);
        }
      }
      const accLimit = d.signedCodes ? 1n << BigInt(d.accBits - 1) : 1n << BigInt(d.accBits);
      expect(d.accMax < accLimit, name).toBe(true);
      expect(d.tMax < 1n << BigInt(d.tBits - 1), name).toBe(true);
      expect(d.psumMax < 1n << BigInt(d.psumBits - 1), name).toBe(true);
      // The combine datapath shifts A (and, with MT, the input sum) by at most termShiftMax within T's width.
      expect(d.accMax << BigInt(d.termShiftMax) <= d.tMax, name).toBe(true);
      if (d.inputSumSlot) expect(d.xsumMax << BigInt(d.termShiftMax) <= d.tMax, name).toBe(true);
      expect(d.xsumMax).toBe(BigInt(d.rows) * BigInt(2 ** d.actBits - 1));
      expect(d.termSlots).toBe(d.termsPerWeight + (d.inputSumSlot ? 1 : 0));
      // The code width holds every code.
      expect(d.signedCodes ? d.maxCode < 2 ** (d.codeBits - 1) : d.maxCode < 2 ** d.codeBits, name).toBe(true);
    }
  });

  it('differential codes are signed with maxCode 2^(B-1)-1; offset codes unsigned', () => {
    const diff = deriveDesign(goldenConfig('t16-diff-2b'));
    expect(diff.signedCodes).toBe(true);
    expect(diff.maxCode).toBe(3);
    expect(diff.clampLow).toBe(true);
    expect(diff.termsPerWeight).toBe(diff.slices);
    const off = deriveDesign(goldenConfig('t16-offset-1b'));
    expect(off.signedCodes).toBe(false);
    expect(off.maxCode).toBe(15);
    expect(off.termsPerWeight).toBe(2 * off.slices);
  });

  it('the no-MT build bounds T by its actual coefficients (narrower than MT)', () => {
    const cfg = goldenConfig('t16-offset-1b');
    const mt = deriveDesign(cfg, { mt: true, maxChainTiles: 64 });
    const plain = deriveDesign(cfg, { mt: false, maxChainTiles: 64 });
    expect(plain.tMax).toBeLessThan(mt.tMax);
    expect(plain.accBits).toBe(mt.accBits);
  });

  it('refuses what it cannot build, naming the field', () => {
    expect(() => deriveDesign(cfgOf({ adcMode: 'self-ranging' }))).toThrow(UnsupportedError);
    expect(() => deriveDesign(cfgOf({ adcMode: 'self-ranging' }))).toThrow(/tile\.adcMode/);
    expect(() => deriveDesign(cfgOf({ rows: 2048, parallelRead: 64 }))).toThrow(/tile\.rows.*1024/);
    expect(() => deriveDesign(cfgOf({ adcKind: 'flash', adcMode: 'fixed-full-scale', adcBits: 9 }))).toThrow(/511 comparators/);
    expect(() => deriveDesign(cfgOf({ signedScheme: 'differential', adcBits: 1 }))).toThrow(/tile\.adcBits/);
    expect(() => deriveDesign(cfgOf({ cols: 8 }))).toThrow(ConfigError);
    expect(() => deriveDesign(goldenConfig('t16-offset-1b'), { mt: true, maxChainTiles: 0 })).toThrow(/maxChainTiles/);
  });
});

describe('tables', () => {
  const d = deriveDesign(goldenConfig('t16-offset-1b'));

  it('term entries round-trip and reject what the table cannot hold', () => {
    for (const terms of d.defaultTerms) for (const t of terms) expect(decodeTerm(d, encodeTerm(d, t))).toEqual(t);
    expect(decodeTerm(d, 0)).toBeNull();
    expect(() => encodeTerm(d, { unit: d.units.length, shift: 0, neg: false })).toThrow(DataError);
    expect(() => encodeTerm(d, { unit: 0, shift: 1 << d.termShiftBits, neg: false })).toThrow(/shift/);
  });

  it('row source table is the inverse of the row map', () => {
    const map = Array.from({ length: d.rows }, (_, r) => (r * 5 + 3) % d.rows);
    const src = rowSourceTable(d, map);
    map.forEach((p, r) => expect(src[p]).toBe(r));
    // Partial map: unmapped physical rows get the out-of-range source (not driven).
    expect(rowSourceTable(d, [3])[0]).toBe(d.rows);
    expect(() => rowSourceTable(d, [1, 1])).toThrow(/physical row 1/);
  });

  it('program writes address the documented regions', () => {
    const writes = programWrites(d, { terms: d.defaultTerms, chain: true });
    expect(writes[0]).toEqual({ addr: csrAddress(d, 'CTRL'), data: 1 });
    expect(writes[1]!.addr).toBe(termAddress(d, 0, 0));
    expect(writes[1]!.addr >> d.regOffsetBits).toBe(2);
    expect(() => programWrites(d, { adcShift: 1 })).toThrow(/fixed-calibrated/);
    const plain = deriveDesign(goldenConfig('t16-offset-1b'), { mt: false, maxChainTiles: 64 });
    expect(() => programWrites(plain, { rowMap: [0] })).toThrow(/without MT/);
  });

  it('flash OR-plane masks encode the one-hot position of level i as i', () => {
    for (const cw of [1, 2, 3, 5]) {
      const masks = flashEncoderMasks(cw);
      for (let i = 1; i < 2 ** cw; i++) {
        let code = 0;
        masks.forEach((m, b) => (code |= Number((m >> BigInt(i - 1)) & 1n) << b));
        expect(code).toBe(i);
      }
    }
  });
});

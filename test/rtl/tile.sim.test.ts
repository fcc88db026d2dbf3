/**
 * Whole-tile simulation (Icarus): the generated tile with the behavioural analog model
 * against the reference model (src/crossbar/reference.ts), bit for bit, on seeded random
 * conductances (anything in [Gmin, Gmax], as faults and non-linearity produce), random
 * activations, and programmed MT tables.
 */
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import { conductanceTable } from '../../src/crossbar/device.ts';
import { CSR, FAULT_CODE, type Design, type Term } from '../../src/rtl/design.ts';
import { generateRtl } from '../../src/rtl/generate.ts';
import { configIdWord, featuresWord } from '../../src/rtl/views/tile.ts';
import { csrAddress, encodeTerm, faultAddress, programWrites, rowMapAddress, termAddress } from '../../src/rtl/tables.ts';
import { extraConfig, goldenConfig } from './configs.ts';
import { rng } from './random.ts';
import { referenceAdc, referenceOutputs, type TileContent } from './reference.ts';
import { runTileSim } from './sim.ts';
import { requireTool } from './tools.ts';

type Rng = ReturnType<typeof rng>;

function randomConductances(cfg: Config, d: Design, r: Rng): number[][] {
  const levels = [...conductanceTable(cfg).levelG];
  return Array.from({ length: d.rows }, () =>
    Array.from({ length: d.cols }, () => (r.int(0, 3) === 0 ? r.int(d.gMin, d.gMax) : r.pick([...levels, d.gMin, d.gMax]))),
  );
}

function randomVectors(d: Design, r: Rng, n: number, rows = d.rows): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: rows }, () => r.int(0, 2 ** d.actBits - 1)));
}

/** MT-like tables: a row permutation, polarity inversion on some weight columns, input-sum terms. */
function randomMt(d: Design, r: Rng): { rowMap: number[]; terms: Term[][]; inputSum: number[] } {
  const rowMap = r.shuffle(Array.from({ length: d.rows }, (_, i) => i));
  const terms = d.defaultTerms.map((ts) => {
    const invert = r.int(0, 1) === 1;
    return ts.map((t) => ({ ...t, neg: t.neg !== invert }));
  });
  const inputSum = d.defaultTerms.map(() => r.pick([-1, 0, 0, 1, 2, -4]));
  return { rowMap, terms, inputSum };
}

describe('tile simulation vs the reference model', () => {
  it('t16-offset-1b: default tables (row map at reset, terms written by the host) = plain mapping (seed 11)', () => {
    requireTool('iverilog');
    const cfg = goldenConfig('t16-offset-1b');
    const gen = generateRtl({ config: cfg });
    const r = rng(11);
    const g = randomConductances(cfg, gen.design, r);
    const vectors = randomVectors(gen.design, r, 4);
    // The term table is a memory without reset: the host writes it (here the default mapping) before the first vector.
    const out = runTileSim(gen, { g, vectors, regs: programWrites(gen.design, {}) });
    expect(out.psums).toEqual(referenceOutputs(cfg, gen.design, [{ g }], vectors, referenceAdc(cfg, gen.design)));
    expect(out.indices).toEqual(vectors.map(() => Array.from({ length: gen.design.weightCols }, (_, o) => o)));
  });

  it('t16-offset-1b: programmed row permutation and polarity inversion, back-pressure (seed 12)', () => {
    const cfg = goldenConfig('t16-offset-1b');
    const gen = generateRtl({ config: cfg });
    const d = gen.design;
    const r = rng(12);
    const g = randomConductances(cfg, d, r);
    const mt = randomMt(d, r);
    const vectors = randomVectors(d, r, 3);
    const out = runTileSim(gen, { g, vectors, regs: programWrites(d, mt), stall: true });
    expect(out.psums).toEqual(referenceOutputs(cfg, d, [{ g, ...mt }], vectors, referenceAdc(cfg, d)));
  });

  it('t16-offset-1b without MT equals the MT build at reset (seed 13)', () => {
    const cfg = goldenConfig('t16-offset-1b');
    const gen = generateRtl({ config: cfg, options: { mt: false } });
    const r = rng(13);
    const g = randomConductances(cfg, gen.design, r);
    const vectors = randomVectors(gen.design, r, 3);
    // The term table is a memory without reset: the host writes it (here the default mapping) before the first vector.
    const out = runTileSim(gen, { g, vectors, regs: programWrites(gen.design, {}) });
    expect(out.psums).toEqual(referenceOutputs(cfg, gen.design, [{ g }], vectors, referenceAdc(cfg, gen.design)));
  });

  it('t16-diff-2b: signed flash ADC, calibrated range register, remapped rows (seed 21)', () => {
    const cfg = goldenConfig('t16-diff-2b');
    const gen = generateRtl({ config: cfg });
    const d = gen.design;
    const r = rng(21);
    for (const fraction of [1, 3, 9]) {
      const g = randomConductances(cfg, d, r);
      const mt = randomMt(d, r);
      const adc = referenceAdc(cfg, d, (d.parallelRead * d.gMax) / fraction);
      if (adc.mode !== 'fixed') throw new Error('fixed ADC expected');
      const vectors = randomVectors(d, r, 2);
      const out = runTileSim(gen, { g, vectors, regs: programWrites(d, { ...mt, adcShift: adc.m }) });
      expect(out.psums, `full scale PR·Gmax/${fraction}, m = ${adc.m}`).toEqual(referenceOutputs(cfg, d, [{ g, ...mt }], vectors, adc));
    }
  });

  it('lossless-3b-odd: two row tiles chained through psum_in (seed 31)', () => {
    const cfg = extraConfig('lossless-3b-odd');
    const gen = generateRtl({ config: cfg });
    const d = gen.design;
    const r = rng(31);
    const tiles: TileContent[] = [0, 1].map(() => ({ g: randomConductances(cfg, d, r), ...randomMt(d, r) }));
    const vectors = randomVectors(d, r, 2, 2 * d.rows);
    const adc = referenceAdc(cfg, d);
    const first = runTileSim(gen, { g: tiles[0]!.g, vectors: vectors.map((x) => x.slice(0, d.rows)), regs: programWrites(d, tiles[0]!) });
    const second = runTileSim(gen, {
      g: tiles[1]!.g,
      vectors: vectors.map((x) => x.slice(d.rows)),
      regs: programWrites(d, tiles[1]!),
      chainIn: first.psums,
      stall: true,
    });
    expect(first.psums).toEqual(referenceOutputs(cfg, d, [tiles[0]!], vectors.map((x) => x.slice(0, d.rows)), adc));
    expect(second.psums).toEqual(referenceOutputs(cfg, d, tiles, vectors, adc));
  });

  it('lossless-flash-odd: signed lossless flash, no MT (seed 41)', () => {
    const cfg = extraConfig('lossless-flash-odd');
    const gen = generateRtl({ config: cfg, options: { mt: false } });
    const r = rng(41);
    const g = randomConductances(cfg, gen.design, r);
    const vectors = randomVectors(gen.design, r, 3);
    // The term table is a memory without reset: the host writes it (here the default mapping) before the first vector.
    const out = runTileSim(gen, { g, vectors, regs: programWrites(gen.design, {}) });
    expect(out.psums).toEqual(referenceOutputs(cfg, gen.design, [{ g }], vectors, referenceAdc(cfg, gen.design)));
  });

  it('minimal-1b: 1-bit ADC and activations, one row per read (seed 51)', () => {
    const cfg = extraConfig('minimal-1b');
    const gen = generateRtl({ config: cfg });
    const d = gen.design;
    const r = rng(51);
    const g = randomConductances(cfg, d, r);
    const adc = referenceAdc(cfg, d, d.gMax / 2);
    if (adc.mode !== 'fixed') throw new Error('fixed ADC expected');
    const vectors = randomVectors(d, r, 3);
    const out = runTileSim(gen, { g, vectors, regs: programWrites(d, { adcShift: adc.m }) });
    expect(out.psums).toEqual(referenceOutputs(cfg, d, [{ g }], vectors, adc));
  });
});

describe('register interface (simulation)', () => {
  it('reads back identification registers, tables and the fault bitmap', () => {
    const cfg = goldenConfig('t16-offset-1b');
    const gen = generateRtl({ config: cfg });
    const d = gen.design;
    const g = randomConductances(cfg, d, rng(61));
    const term = encodeTerm(d, { unit: 5, shift: 2, neg: true });
    const regs = [
      ...programWrites(d, {}),  // the term table has no reset value: the host writes every entry
      { addr: rowMapAddress(d, 3), data: 9 },
      { addr: termAddress(d, 1, 2), data: term },
      { addr: faultAddress(d, 2, 7), data: FAULT_CODE.sa1 },
      { addr: faultAddress(d, 15, 0), data: FAULT_CODE.sa0 },
      { addr: csrAddress(d, 'CTRL'), data: 1 },
    ];
    const reads = [
      csrAddress(d, 'CONFIG_ID'),
      csrAddress(d, 'ROWS'),
      csrAddress(d, 'COLS'),
      csrAddress(d, 'WEIGHT_COLS'),
      csrAddress(d, 'FEATURES'),
      csrAddress(d, 'CTRL'),
      csrAddress(d, 'STATUS'),
      csrAddress(d, 'ADC_SHIFT'),
      rowMapAddress(d, 3),
      rowMapAddress(d, 4),
      termAddress(d, 1, 2),
      termAddress(d, 0, 0),
      faultAddress(d, 2, 7),
      faultAddress(d, 15, 0),
    ];
    const out = runTileSim(gen, { g, vectors: [], regs, reads });
    expect(out.readData).toEqual([
      configIdWord(gen.stamp.configHash),
      d.rows,
      d.cols,
      d.weightCols,
      featuresWord(d),
      1,
      0,
      d.shiftMax,
      9,
      4,
      term,
      encodeTerm(d, d.defaultTerms[0]![0]!),
      FAULT_CODE.sa1,
      FAULT_CODE.sa0,
    ]);
    expect(CSR.CONFIG_ID).toBe(3);
  });
});

/**
 * From a layer mapping of the reference model to generated tiles: the per-tile contents
 * (src/rtl/program.ts) recombine to the layer's product, and the RTL computes it when its
 * row tiles are chained (a miniature co-simulation: real plain mapping, random faults).
 */
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import { conductanceTable } from '../../src/crossbar/device.ts';
import { SA0, SA1 } from '../../src/crossbar/faults.ts';
import { buildMapping, layerLayout, plainMapping, plainPlan, type LayerMapping } from '../../src/crossbar/layout.ts';
import { cellConductances, crossbarMatmul, type Crossbar } from '../../src/crossbar/reference.ts';
import type { QuantLayer } from '../../src/nn/quant.ts';
import { DataError } from '../../src/errors.ts';
import { generateRtl } from '../../src/rtl/generate.ts';
import { tileFromMapping } from '../../src/rtl/program.ts';
import { programWrites } from '../../src/rtl/tables.ts';
import { goldenConfig } from './configs.ts';
import { rng } from './random.ts';
import { referenceAdc, referenceOutputs } from './reference.ts';
import { runTileSim } from './sim.ts';

/** A random MT-style plan (docs/mt.md): rows permuted within their tile, zero points, flipped columns, re-encoded pairs. */
function mtMapping(q: QuantLayer, cfg: Config, seed: number): LayerMapping {
  const r = rng(seed);
  const L = layerLayout(q.rows, q.cols, cfg);
  const b = L.weightBits;
  const rowMap = new Int32Array(L.R);
  for (let rt = 0; rt < L.rowTiles; rt++) {
    const phys = r.shuffle(Array.from({ length: L.rows }, (_, i) => rt * L.rows + i));
    for (let i = 0; i < L.rows && rt * L.rows + i < L.R; i++) rowMap[rt * L.rows + i] = phys[i]!;
  }
  const zero = Int32Array.from({ length: L.rowTiles * L.colTiles }, () => r.pick([2 ** (b - 1), 2 ** (b - 1) - 1]));
  const inverted = Uint8Array.from({ length: L.rowTiles * L.C }, () => r.int(0, 1));
  let pairPos: Int32Array | null = null;
  let pairNeg: Int32Array | null = null;
  if (L.scheme === 'differential') {
    const top = 2 ** (L.S * L.cellBits) - 1;
    pairPos = new Int32Array(L.R * L.C);
    pairNeg = new Int32Array(L.R * L.C);
    for (let i = 0; i < L.R * L.C; i++) {
      const w = q.qWeight[i]!;
      const extra = r.int(0, top - Math.abs(w));
      pairPos[i] = Math.max(w, 0) + extra;
      pairNeg[i] = Math.max(-w, 0) + extra;
    }
  }
  return buildMapping(q, L, { rowMap, zero, inverted, pairPos, pairNeg, stored: null, refStored: null });
}

function layer(cfg: Config, R: number, C: number, seed: number, mt: boolean) {
  const r = rng(seed);
  const wMax = 2 ** (cfg.quant.weightBits - 1) - 1;
  const q = {
    index: 0,
    layer: { name: 'fc-test' },
    rows: R,
    cols: C,
    qWeight: Int32Array.from({ length: R * C }, () => r.int(-wMax, wMax)),
  } as unknown as QuantLayer;
  const m = mt ? mtMapping(q, cfg, seed + 1) : plainMapping(q, cfg);
  const faults = Uint8Array.from({ length: m.levels.length }, () => (r.int(0, 9) === 0 ? r.pick([SA0, SA1]) : 0));
  const table = conductanceTable(cfg);
  const G = cellConductances(m, table, faults);
  const vectors = Array.from({ length: 2 }, () => Array.from({ length: R }, () => r.int(0, 2 ** cfg.quant.activationBits - 1)));
  return { q, m, G, table, vectors };
}

for (const [name, mt] of [['t16-offset-1b', false], ['t16-offset-1b', true], ['t16-diff-2b', false], ['t16-diff-2b', true]] as const) {
  describe(`tiles of a ${mt ? 'MT-transformed' : 'plain'} mapped layer (${name}, seed 71)`, () => {
    const cfg = goldenConfig(name);
    const gen = generateRtl({ config: cfg });
    const d = gen.design;
    const { q, m, G, table, vectors } = layer(cfg, 40, 7, 71, mt);
    const adc = referenceAdc(cfg, d, (d.parallelRead * d.gMax) / 2);
    const xb = { cfg, table, mappings: [m], conductance: [G], adc: [adc], stats: [{ reads: 0, conversions: 0, currentSum: 0 }] } as unknown as Crossbar;
    const full = vectors.map((x) => {
      const acc = new Float64Array(q.cols);
      crossbarMatmul(xb, q, Int32Array.from(x), 1, acc);
      return [...acc].map((v) => BigInt(v));
    });
    const L = m.layout;
    const padded = vectors.map((x) => [...x, ...new Array<number>(L.rowTiles * d.rows - x.length).fill(0)]);

    it('per-tile contents recombine to the layer product', () => {
      for (let ct = 0; ct < L.colTiles; ct++) {
        const tiles = Array.from({ length: L.rowTiles }, (_, rt) => tileFromMapping(d, m, G, rt, ct));
        const perTile = referenceOutputs(cfg, d, tiles, padded, adc);
        tiles[0]!.outputs.forEach((o, j) => {
          if (o >= 0) vectors.forEach((_, v) => expect(perTile[v]![j], `output ${o}`).toBe(full[v]![o]));
          else vectors.forEach((_, v) => expect(perTile[v]![j]).toBe(0n));
        });
      }
    });

    it('the generated tile, chained over the row tiles of column tile 1, computes them (Icarus)', () => {
      const ct = 1;
      let chain: bigint[][] | undefined;
      for (let rt = 0; rt < L.rowTiles; rt++) {
        const t = tileFromMapping(d, m, G, rt, ct);
        const regs = programWrites(d, { rowMap: t.rowMap, terms: t.terms, inputSum: t.inputSum, ...(adc.mode === 'fixed' && d.shiftProgrammable ? { adcShift: adc.m } : {}) });
        const out = runTileSim(gen, { g: t.g, vectors: padded.map((x) => x.slice(rt * d.rows, (rt + 1) * d.rows)), regs, chainIn: chain });
        chain = out.psums;
      }
      const outputs = tileFromMapping(d, m, G, 0, ct).outputs;
      outputs.forEach((o, j) => {
        if (o >= 0) vectors.forEach((_, v) => expect(chain![v]![j], `output ${o}`).toBe(full[v]![o]));
      });
    });

    it('refuses what the tile cannot hold', () => {
      const moved = { ...m, rowMap: Int32Array.from(m.rowMap, (p, r) => (r === 0 ? d.rows : p)) };
      expect(() => tileFromMapping(d, moved, G, 0, 0)).toThrow(/outside its row tile/);
      const corrected = { ...m, correction: new Int32Array(q.rows * q.cols) };
      expect(() => tileFromMapping(d, corrected, G, 0, 0)).toThrow(/correction/);
      const split = buildMapping(q, layerLayout(q.rows, q.cols, cfg, 'fc-test', 2), plainPlan(layerLayout(q.rows, q.cols, cfg, 'fc-test', 2)));
      expect(() => tileFromMapping(d, split, G, 0, 0)).toThrow(/splits every weight over 2 weight columns \(Zhang's value-range reduction\)/);
      if (m.inputSum) {
        const wide = { ...m, inputSum: Int32Array.from(m.inputSum, () => 3) };
        const t = tileFromMapping(d, wide, G, 0, 0);
        expect(() => programWrites(d, { inputSum: t.inputSum })).toThrow(DataError);
      }
    });

    it(mt ? 'uses the MT tables (permuted rows, flipped columns)' : 'is the plain mapping (identity rows, default terms)', () => {
      const t = tileFromMapping(d, m, G, 0, 0);
      const identity = t.rowMap.every((p, i) => p === i);
      const defaults = JSON.stringify(t.terms) === JSON.stringify(d.defaultTerms);
      expect(identity && defaults).toBe(!mt);
    });
  });
}

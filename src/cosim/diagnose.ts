/**
 * Localizing a mismatch: the tile only shows T[o] after every read, so the failing
 * vector is replayed in pieces. docs/model.md §5.4's T is a sum over reads (g, k), and a
 * vector holding only bit k of the rows of group g (x'[r] = bit_k(x[r])·2^k) has exactly
 * that read's contribution, in the reference and in the hardware (every other read sees
 * no current, so every numerator is 0). The first piece that differs names the input bit
 * and the row group. Then, with the term table reprogrammed so that each weight column
 * outputs one conversion unit of the failing column (one term, coefficient +1), the
 * first unit whose accumulated numerator 2^k·n differs from the reference names the
 * unit; if every unit agrees, the error is in the recombination (terms, shift-add).
 */
import type { Crossbar } from '../crossbar/reference.ts';
import { addReadNoise, convertRead, readCurrents, unitCurrents } from '../crossbar/reference.ts';
import type { Design, Term } from '../rtl/design.ts';
import type { GeneratedRtl } from '../rtl/generate.ts';
import { programWrites } from '../rtl/tables.ts';
import type { SimBuild } from './simulators/simulator.ts';
import { simulateSet } from './simulate.ts';
import { expectedWords, rowTileProduct, tileReadNoise, type TileVectors } from './tile.ts';

export interface UnitFinding {
  /** Local conversion unit of the subarray and the physical columns it reads (local). */
  unit: number;
  columns: { pos: number; neg: number };
  expected: bigint;
  got: bigint | null;
}

export interface Diagnosis {
  /** First (input bit, row group) whose piece differs, or null when every piece agrees. */
  bit: number | null;
  group: number | null;
  /** Local rows of that group with that input bit set. */
  rows: number[];
  pieceExpected: bigint | null;
  pieceGot: bigint | null;
  /** First unit of the failing column whose numerator differs (null: none differs, or not probed). */
  unit: UnitFinding | null;
  /** Units probed (all agree when `unit` is null and this is non-empty). */
  unitsProbed: number;
  note: string;
}

/** Group of each local logical row: its physical row (row map) divided by parallelRead. */
function groupOfRow(d: Design, tv: TileVectors, i: number): number {
  return Math.floor(tv.content.rowMap[i]! / d.parallelRead);
}

export async function diagnose(gen: GeneratedRtl, build: SimBuild, xb: Crossbar, tv: TileVectors, g: TileVectors['g'], vector: number, column: number, workDir: string): Promise<Diagnosis> {
  const d = gen.design;
  const m = xb.mappings[tv.layerIndex]!;
  const L = m.layout;
  const x = tv.acts[vector]!;
  const base = tv.rt * d.rows;
  // 1. One piece per (group, bit) with any active row.
  const pieces: { g: number; k: number; local: Int32Array; rows: number[] }[] = [];
  for (let grp = 0; grp < d.groups; grp++) {
    for (let k = 0; k < d.actBits; k++) {
      const local = new Int32Array(d.rows);
      const rows: number[] = [];
      for (let i = 0; i < tv.content.rowMap.length; i++) {
        if (groupOfRow(d, tv, i) === grp && ((x[i]! >> k) & 1) === 1) {
          local[i] = 1 << k;
          rows.push(i);
        }
      }
      if (rows.length) pieces.push({ g: grp, k, local, rows });
    }
  }
  const full = new Int32Array(pieces.length * L.R);
  pieces.forEach((pc, v) => {
    for (let i = 0; i < d.rows && base + i < L.R; i++) full[v * L.R + base + i] = pc.local[i]!;
  });
  const acc = rowTileProduct(xb, tv.layerIndex, full, pieces.length, tv.rt);
  const expected = expectedWords(d, acc, L.C, pieces.length, tv.ct);
  // Read noise: a piece is vector v of its own set, so its reads draw the noise of patch v (docs/model.md §9.3).
  const ref = { layerIndex: tv.layerIndex, rt: tv.rt, ct: tv.ct };
  const sim = await simulateSet(gen, build, { g, regs: tv.regs, acts: pieces.map((p) => p.local), noise: tileReadNoise(d, xb, ref, full, pieces.length) }, workDir);
  let failing = -1;
  for (let v = 0; v < pieces.length && failing < 0; v++) {
    const w = sim.output.words[v * d.weightCols + column];
    if (!w || w.value !== expected[v]![column]) failing = v;
  }
  if (failing < 0) {
    return { bit: null, group: null, rows: [], pieceExpected: null, pieceGot: null, unit: null, unitsProbed: 0, note: 'every (input bit, row group) piece matches on its own: the error needs several reads together (accumulation across reads)' };
  }
  const pc = pieces[failing]!;
  const w = sim.output.words[failing * d.weightCols + column];
  const out: Diagnosis = { bit: pc.k, group: pc.g, rows: pc.rows, pieceExpected: expected[failing]![column]!, pieceGot: w?.value ?? null, unit: null, unitsProbed: 0, note: '' };

  // 2. Units of the failing column, probed through the term table (MT build).
  const terms = tv.content.terms[column] ?? [];
  const units = [...new Set(terms.map((t) => t.unit))];
  if (!d.options.mt || units.length === 0) {
    out.note = 'units not probed (no programmable terms)';
    return out;
  }
  // Reference numerators of read (g, k) for the piece, on the layer's units.
  const xFull = full.subarray(failing * L.R, (failing + 1) * L.R);
  const I = readCurrents(xb, tv.layerIndex, xFull, 1, tv.rt, pc.g, pc.k);
  if (xb.noise) addReadNoise(xb, tv.layerIndex, xFull, 1, tv.rt, pc.g, pc.k, I);
  const probeNoise = tileReadNoise(d, xb, ref, xFull, 1);
  const n = convertRead(xb, tv.layerIndex, unitCurrents(m, I, 1), 1);
  const layerUnit = new Map<string, number>();
  for (let u = 0; u < m.units.pos.length; u++) layerUnit.set(`${m.units.pos[u]}:${m.units.neg[u]}`, u);
  const colBase = tv.ct * d.cols;
  const refOf = (u: number): bigint => {
    const cu = d.units[u]!;
    const lu = layerUnit.get(`${colBase + cu.pos}:${cu.neg >= 0 ? colBase + cu.neg : -1}`);
    if (lu === undefined) throw new Error(`internal: local unit ${u} has no layer unit`);
    return BigInt(n[lu]!) * (1n << BigInt(pc.k));
  };
  for (let first = 0; first < units.length; first += d.weightCols) {
    const batch = units.slice(first, first + d.weightCols);
    const probeTerms: Term[][] = Array.from({ length: d.weightCols }, (_, j) => (j < batch.length ? [{ unit: batch[j]!, shift: 0, neg: false }] : []));
    const adc = xb.adc[tv.layerIndex]!;
    const regs = programWrites(d, {
      rowMap: tv.content.rowMap,
      terms: probeTerms,
      inputSum: new Array<number>(d.weightCols).fill(0),
      ...(d.shiftProgrammable && adc.mode === 'fixed' ? { adcShift: adc.m } : {}),
    });
    const r = await simulateSet(gen, build, { g, regs, acts: [pc.local], noise: probeNoise }, workDir);
    out.unitsProbed += batch.length;
    for (let j = 0; j < batch.length; j++) {
      const u = batch[j]!;
      const got = r.output.words[j]?.value ?? null;
      const exp = refOf(u);
      if (got !== exp) {
        out.unit = { unit: u, columns: { ...d.units[u]! }, expected: exp, got };
        out.note = `conversion unit ${u} reads a different numerator: the array cells or the ADC of that unit`;
        return out;
      }
    }
  }
  out.note = `every conversion unit of the column (${units.length}) reads the expected numerator: the error is in the recombination (term table, shift-add)`;
  return out;
}

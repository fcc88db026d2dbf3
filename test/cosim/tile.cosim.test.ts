/**
 * Whole-tile co-simulation on the real workload (Icarus, 4-state): one real tile of each
 * VGG8 layer kind — the first conv, a deep conv, an FC — each with no faults, with faults,
 * and with faults + MT, on a few real input vectors each; the generated RTL must give
 * every output word the reference model gives. Then a deliberately corrupted array and a
 * corrupted expectation must produce a mismatch report with the right fields and a VCD.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildFor, cosimTile, patchDescriber } from '../../src/cosim/cosim.ts';
import { layerInputs, layerLabel, resolveLayer, samplePatches } from '../../src/cosim/layer.ts';
import { icarus } from '../../src/cosim/simulators/icarus.ts';
import type { SimBuild } from '../../src/cosim/simulators/simulator.ts';
import { tileVectors } from '../../src/cosim/tile.ts';
import { readVectorSet } from '../../src/cosim/vectors.ts';
import { generateRtl, type GeneratedRtl } from '../../src/rtl/generate.ts';
import { tempDir } from '../rtl/tools.ts';
import { SETTINGS, workload, type Setting } from './workload.ts';

/** One tile per layer kind, and how many patches to sample (seed 3). */
const TILES = [
  { kind: 'first conv', layer: 'conv1', rt: 0, ct: 1, patches: 3 },
  { kind: 'deep conv', layer: 'conv5', rt: 4, ct: 7, patches: 2 },
  // fc1's last column tile holds 2 outputs: 13 unused weight columns must give 0.
  { kind: 'FC', layer: 'fc1', rt: 31, ct: 34, patches: 2 },
] as const;

let gen: GeneratedRtl;
let build: SimBuild;

beforeAll(async () => {
  gen = generateRtl({ config: workload('no faults').cfg });
  build = await buildFor(icarus, gen, false);
});

function vectorsFor(setting: Setting, t: (typeof TILES)[number]) {
  const { p, xb } = workload(setting);
  const layerIndex = resolveLayer(p, t.layer);
  const inp = layerInputs(p, xb, layerIndex, 2);
  const chosen = samplePatches(inp.images * inp.patchesPerImage, t.patches, 3);
  const tv = tileVectors(gen.design, xb, { layerIndex, rt: t.rt, ct: t.ct }, inp.x, chosen);
  return { p, xb, tv, inp, label: layerLabel(p, layerIndex) };
}

describe('co-simulation of real VGG8-w0.5 tiles (Icarus)', () => {
  for (const t of TILES) {
    for (const setting of Object.keys(SETTINGS) as Setting[]) {
      it(`${t.kind} ${t.layer} tile (${t.rt}, ${t.ct}), ${setting}: every word matches`, async () => {
        const { xb, tv, label } = vectorsFor(setting, t);
        const r = await cosimTile({ gen, xb, tv, label, simulator: icarus, build, outDir: null });
        expect(r.mismatch, r.text).toBeNull();
        expect(r.ok).toBe(true);
        expect(r.got).toEqual(tv.expected);
        // The vectors are real: some input is non-zero and some output too.
        expect(tv.acts.some((x) => x.some((v) => v !== 0))).toBe(true);
        expect(tv.expected.flat().some((v) => v !== 0n)).toBe(true);
        if (setting === 'faults + MT') {
          // mt-map programs non-trivial tables.
          expect(tv.content.rowMap.some((p, i) => p !== i) || tv.content.inputSum.some((c) => c !== 0)).toBe(true);
        }
        if (t.layer === 'fc1') expect(tv.content.outputs.filter((o) => o < 0)).toHaveLength(13);
      });
    }
  }
});

describe('mismatch reports', () => {
  it('a flipped conductance in the simulated array: report names layer, tile, column, unit, bit, group, patch, cycle; VCD written', async () => {
    const t = TILES[0];
    const { xb, tv, inp, label } = vectorsFor('faults + MT', t);
    // Flip the cell of (local logical row r, physical column of unit u) to the other end of its range.
    const d = gen.design;
    const v = tv.acts.findIndex((x) => x.some((c) => c !== 0));
    const row = tv.acts[v]!.findIndex((c) => c !== 0);
    const k = Math.log2(tv.acts[v]![row]! & -tv.acts[v]![row]!); // lowest set bit of that row's input
    const column = 2;
    const unit = tv.content.terms[column]![0]!.unit;
    const phys = tv.content.rowMap[row]!;
    const col = d.units[unit]!.pos;
    const cells = tv.g.map((r) => [...r]);
    cells[phys]![col] = cells[phys]![col] === d.gMax ? d.gMin : d.gMax;
    const outDir = tempDir('cosim-mismatch');
    const r = await cosimTile({ gen, xb, tv, label, cells, simulator: icarus, build, outDir, describePatch: patchDescriber(inp) });
    expect(r.ok).toBe(false);
    const m = r.mismatch!;
    expect(m.kind).toBe('value');
    expect(m.layer).toBe('conv1 (/0/Conv)');
    expect(m.tile).toEqual({ rt: 0, ct: 1 });
    expect(m.vector).toBe(v);
    expect(m.patch).toBe(tv.patches[v]);
    expect(m.patchText).toMatch(/^image \d, patch \d+ \(oy \d+, ox \d+\)$/);
    expect(m.cycle).toBeGreaterThan(0);
    expect(m.column).toBeLessThanOrEqual(column);
    const dg = m.diagnosis!;
    expect(dg.group).toBe(Math.floor(phys / d.parallelRead));
    expect(dg.rows).toContain(row);
    if (m.column === column) {
      expect(dg.bit).toBe(k);
      expect(dg.unit?.unit).toBe(unit);
      expect(dg.unit?.columns.pos).toBe(col);
    }
    expect(m.vcd).toBe(join(outDir, 'failing.vcd'));
    const vcd = readFileSync(m.vcd!, 'utf8');
    expect(vcd).toContain('$enddefinitions');
    expect(vcd).toMatch(/psum_out_data/);
    for (const f of ['report.txt', 'report.json', 'vectors.json', 'manifest.json', 'cells.hex', 'regs.hex', 'acts.hex', 'expected.hex', 'outputs.txt']) expect(existsSync(join(outDir, f)), f).toBe(true);
    const text = readFileSync(join(outDir, 'report.txt'), 'utf8');
    for (const field of ['layer', 'tile', 'vector', 'column', 'cycle', 'expected', 'got', 'input bit', 'row group', 'unit', 'VCD']) expect(text).toMatch(new RegExp(`^  ${field} +: `, 'm'));
    // The written vectors replay the failing run: the corrupted cell is in cells.hex.
    const back = readVectorSet(outDir);
    expect(back.set.g[phys]![col]).toBe(cells[phys]![col]);
    expect(back.set.expected).toEqual(tv.expected);
  });

  it('a corrupted expectation: the first differing word, its cycle and both values', async () => {
    const t = TILES[2];
    const { xb, tv, label } = vectorsFor('faults', t);
    const expected = tv.expected.map((ws) => [...ws]);
    expected[1]![0] = expected[1]![0]! + 1n;
    const r = await cosimTile({ gen, xb, tv, label, expected, simulator: icarus, build, outDir: null, diagnose: false });
    const m = r.mismatch!;
    expect(m).not.toBeNull();
    expect([m.kind, m.vector, m.column, m.output]).toEqual(['value', 1, 0, 34 * gen.design.weightCols]);
    expect(m.expected.startsWith(`${expected[1]![0]} `)).toBe(true);
    expect(m.got!.startsWith(`${tv.expected[1]![0]} `)).toBe(true);
    expect(r.text).toMatch(/^MISMATCH/);
  });
});

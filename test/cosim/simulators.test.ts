/**
 * The simulators behind one interface: the same vectors on Icarus and Verilator give the
 * same output words, at the same cycles (one real tile, with and without back-pressure);
 * detection names the install command when no simulator is found; Icarus, being 4-state,
 * reports an X that reaches an output.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFor, cosimTile } from '../../src/cosim/cosim.ts';
import { layerInputs, layerLabel, resolveLayer, samplePatches } from '../../src/cosim/layer.ts';
import { chooseSimulator } from '../../src/cosim/simulators/index.ts';
import { icarus } from '../../src/cosim/simulators/icarus.ts';
import { verilator } from '../../src/cosim/simulators/verilator.ts';
import { tileVectors } from '../../src/cosim/tile.ts';
import { encodeInputSum, termAddress } from '../../src/rtl/tables.ts';
import { ToolError } from '../../src/errors.ts';
import { generateRtl } from '../../src/rtl/generate.ts';
import { tempDir } from '../rtl/tools.ts';
import { workload } from './workload.ts';

function conv2Tile() {
  const { p, cfg, xb } = workload('faults');
  const gen = generateRtl({ config: cfg });
  const layerIndex = resolveLayer(p, 'conv2');
  const inp = layerInputs(p, xb, layerIndex, 1);
  const tv = tileVectors(gen.design, xb, { layerIndex, rt: 2, ct: 3 }, inp.x, samplePatches(inp.patchesPerImage, 3, 5));
  return { gen, xb, tv, label: layerLabel(p, layerIndex) };
}

describe('Icarus and Verilator on the same vectors', () => {
  it('conv2 tile (2, 3) with faults: identical words and cycles, with and without back-pressure', async () => {
    const { gen, xb, tv, label } = conv2Tile();
    for (const stall of [false, true]) {
      const outs: string[] = [];
      for (const sim of [icarus, verilator]) {
        const outDir = tempDir(`cosim-${sim.name}`);
        const build = await buildFor(sim, gen, false);
        const r = await cosimTile({ gen, xb, tv, label, simulator: sim, build, outDir, stall });
        expect(r.mismatch, `${sim.name}, stall ${stall}: ${r.text}`).toBeNull();
        expect(r.got).toEqual(tv.expected);
        outs.push(readFileSync(join(outDir, 'outputs.txt'), 'utf8'));
      }
      // "<vector> <index> <data> <cycle> <run>" per word: the whole trace agrees.
      expect(outs[1]).toBe(outs[0]);
      expect(outs[0]!.trim().split('\n')).toHaveLength(tv.acts.length * gen.design.weightCols);
    }
  });
});

describe('detection', () => {
  it('with no simulator on PATH, the error names the install command', () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(() => chooseSimulator('auto')).toThrow(ToolError);
      expect(() => chooseSimulator('auto')).toThrow(/apt-get install -y iverilog verilator/);
      expect(() => chooseSimulator('icarus')).toThrow(/simulator icarus is not available: .*apt-get install -y iverilog verilator/);
    } finally {
      process.env.PATH = path;
    }
  });

  it('auto prefers Icarus (4-state); CXXRTL is refused while unavailable', () => {
    expect(chooseSimulator('auto').name).toBe('icarus');
    expect(icarus.fourState).toBe(true);
    expect(verilator.fourState).toBe(false);
  });
});

describe('four-state (Icarus)', () => {
  it('an unknown value reaching the output words is a failure, reported as such', async () => {
    const { gen, xb, tv, label } = conv2Tile();
    // Weight column 4 adds the input sum (coefficient +1); row 5 of vector 0 is unknown (x).
    const d = gen.design;
    const regs = [...tv.regs, { addr: termAddress(d, 4, d.termsPerWeight), data: encodeInputSum(d, 1) }];
    const acts = tv.acts.map((x, v) => (v === 0 ? Int32Array.from(x, (c, r) => (r === 5 ? -1 : c)) : x));
    const build = await buildFor(icarus, gen, false);
    const r = await cosimTile({ gen, xb, tv: { ...tv, regs, acts }, label, simulator: icarus, build, outDir: null, diagnose: false });
    expect(r.ok).toBe(false);
    // The unknown input reaches column 4's word through the input sum: X bits in the output.
    expect(r.got[0]![4]).toBeNull();
    // (The array path turns it into wrong comparator decisions instead: Verilog `if` reads X as false.)
    expect(r.mismatch!.vector).toBe(0);
    // With the known words accepted as they came, the first failure is the X word itself.
    const expected = tv.expected.map((ws, v) => ws.map((e, o) => r.got[v]![o] ?? e));
    const again = await cosimTile({ gen, xb, tv: { ...tv, regs, acts }, expected, label, simulator: icarus, build, outDir: null, diagnose: false });
    expect([again.mismatch!.kind, again.mismatch!.vector, again.mismatch!.column]).toEqual(['x', 0, 4]);
    expect(again.mismatch!.got).toMatch(/x/);
    expect(again.text).toMatch(/X\/Z bits in the word/);
  });
});

/**
 * The simulators behind one interface: the same vectors on Icarus and Verilator give the
 * same output words, at the same cycles (one real tile, with and without back-pressure),
 * and so do Icarus and CXXRTL (a 16 x 16 tile: CXXRTL builds the 128 x 128 one slowly);
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
import { cxxrtl } from '../../src/cosim/simulators/cxxrtl.ts';
import { simulateSet } from '../../src/cosim/simulate.ts';
import { goldenConfig } from '../rtl/configs.ts';
import { rng } from '../rtl/random.ts';
import { tileVectors } from '../../src/cosim/tile.ts';
import { encodeInputSum, programWrites, termAddress } from '../../src/rtl/tables.ts';
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

/** The t16-offset-1b tile with programmed MT tables and six random vectors (seed 17). */
function t16Set() {
  const gen = generateRtl({ config: goldenConfig('t16-offset-1b') });
  const d = gen.design;
  const r = rng(17);
  const g = Array.from({ length: d.rows }, () => Array.from({ length: d.cols }, () => r.int(d.gMin, d.gMax)));
  const rowMap = r.shuffle(Array.from({ length: d.rows }, (_, i) => i));
  const terms = d.defaultTerms.map((ts) => ts.map((t) => ({ ...t, neg: r.int(0, 1) === 1 ? !t.neg : t.neg })));
  const regs = programWrites(d, { rowMap, terms, inputSum: d.defaultTerms.map(() => r.pick([-1, 0, 1, 2])) });
  const acts = Array.from({ length: 6 }, () => Int32Array.from({ length: d.rows }, () => r.int(0, 2 ** d.actBits - 1)));
  return { gen, d, g, regs, acts };
}

describe('CXXRTL (Yosys write_cxxrtl + g++) and Icarus on the same vectors', () => {
  it('t16-offset-1b with programmed MT tables (seed 17): identical words and cycles, with and without back-pressure', async () => {
    const { gen, d, g, regs, acts } = t16Set();
    const outs = new Map<string, string>();
    for (const sim of [icarus, cxxrtl]) {
      const build = await buildFor(sim, gen, false);
      for (const stall of [false, true]) {
        const res = await simulateSet(gen, build, { g, regs, acts }, tempDir(`cosim-${sim.name}`), { stall });
        expect(res.output.words).toHaveLength(acts.length * d.weightCols);
        outs.set(`${sim.name} ${stall}`, res.output.words.map((w) => `${w.vector} ${w.index} ${w.raw} ${w.cycle}`).join('\n'));
      }
    }
    expect(outs.get('cxxrtl false')).toBe(outs.get('icarus false'));
    expect(outs.get('cxxrtl true')).toBe(outs.get('icarus true'));
  });

  it('a VCD comes from the model with every inlined wire (write_cxxrtl -g4), built on demand: the same words', async () => {
    const { gen, g, regs, acts } = t16Set();
    const plain = await simulateSet(gen, await buildFor(cxxrtl, gen, false), { g, regs, acts }, tempDir('cosim-cxxrtl-plain'));
    const outs = new Map([['cxxrtl false', plain.output.words.map((w) => `${w.vector} ${w.index} ${w.raw} ${w.cycle}`).join('\n')]]);
    const build = await buildFor(cxxrtl, gen, false);
    const dir = tempDir('cosim-cxxrtl-vcd');
    const vcdPath = join(dir, 'window.vcd');
    const res = await simulateSet(gen, build, { g, regs, acts }, dir, { vcd: { run: 0, path: vcdPath, from: 1, to: 2000 } });
    // The window stops the run at its last cycle: the words up to there are the run's first words.
    const words = res.output.words.map((w) => `${w.vector} ${w.index} ${w.raw} ${w.cycle}`);
    expect(words.length).toBeGreaterThan(0);
    expect(outs.get('cxxrtl false')!.split('\n').slice(0, words.length)).toEqual(words);
    const vars = readFileSync(vcdPath, 'utf8').split('\n').filter((l) => l.includes('$var'));
    expect(vars.length).toBeGreaterThan(0);
  }, 900_000);
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

  it('auto prefers Icarus (4-state)', () => {
    expect(chooseSimulator('auto').name).toBe('icarus');
    expect(icarus.fourState).toBe(true);
    expect(verilator.fourState).toBe(false);
    expect(cxxrtl.fourState).toBe(false);
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

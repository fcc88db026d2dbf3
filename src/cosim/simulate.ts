/**
 * Drive a built testbench with a vector set: the hex files go into a work folder, the
 * vectors in runs of at most the build's capacity, and the output words come back
 * parsed, with the run each came from.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GeneratedRtl } from '../rtl/generate.ts';
import type { RegWrite } from '../rtl/tables.ts';
import { parseSimOutput, type OutWord } from './compare.ts';
import type { SimBuild } from './simulators/simulator.ts';
import type { RunFiles } from './testbench.ts';
import { actsHex, cellsHex, cellWordBits, noiseHex, regsHex, type VectorSet } from './vectors.ts';
import { UnsupportedError } from '../errors.ts';
import { readFileSync } from 'node:fs';

export interface SimulatedWord extends OutWord {
  /** Run (chunk of at most capacity vectors) the word came from; cycles count from 0 in each run. */
  run: number;
}

export interface SimulateResult {
  output: { words: SimulatedWord[]; xControlCycle: number | null };
  seconds: number;
  runs: number;
  /** Vectors of each run: [first, end). */
  runVectors: [number, number][];
}

export interface SimulateOptions {
  stall?: boolean;
  /** Dump a VCD window of one run. */
  vcd?: { run: number; path: string; from: number; to: number };
  onRun?: (run: number, runs: number) => void;
}

export interface CellsAndRegs {
  g: VectorSet['g'];
  regs: readonly RegWrite[];
  /** Read noise per vector (TileVectors.noise); absent or null: none. */
  noise?: VectorSet['noise'];
}

/** Simulate `acts` on a tile holding `cells`, in runs of at most the build's capacity. */
export async function simulateSet(gen: GeneratedRtl, build: SimBuild, set: CellsAndRegs & { acts: VectorSet['acts'] }, workDir: string, opts: SimulateOptions = {}): Promise<SimulateResult> {
  if (set.regs.length > build.capacity.maxRegs) throw new Error(`internal: ${set.regs.length} register writes, the testbench holds ${build.capacity.maxRegs}`);
  const gw = cellWordBits(gen, set.g);
  if (gw > Math.max(Number(gen.manifest.analogModel.GW), build.capacity.cellBits ?? 0)) throw new Error(`internal: the cells need ${gw}-bit words, the testbench was built for fewer (buildFor with the cells)`);
  if (set.noise && build.simulator === 'cxxrtl') throw new UnsupportedError('the CXXRTL testbench does not take read noise; use --simulator icarus or verilator', 'device.readNoise');
  const cells = join(workDir, 'cells.hex');
  const regs = join(workDir, 'regs.hex');
  writeFileSync(cells, cellsHex(gen, set.g));
  writeFileSync(regs, regsHex(set.regs));
  const cap = build.capacity.maxVecs;
  const runs = Math.max(1, Math.ceil(set.acts.length / cap));
  const words: SimulatedWord[] = [];
  const runVectors: [number, number][] = [];
  let xControlCycle: number | null = null;
  let seconds = 0;
  for (let k = 0; k < runs; k++) {
    const first = k * cap;
    const end = Math.min(set.acts.length, first + cap);
    runVectors.push([first, end]);
    if (opts.vcd && opts.vcd.run !== k) continue;
    opts.onRun?.(k, runs);
    const acts = join(workDir, `acts.${k}.hex`);
    const out = join(workDir, `out.${k}.txt`);
    writeFileSync(acts, actsHex(gen, set.acts.slice(first, end)));
    const noise = set.noise ? join(workDir, `noise.${k}.hex`) : null;
    if (noise) writeFileSync(noise, noiseHex(gen, set.noise!.slice(first, end)));
    const files: RunFiles = {
      cells,
      regs,
      nRegs: set.regs.length,
      acts,
      nVecs: end - first,
      out,
      ...(noise ? { noise } : {}),
      ...(opts.stall ? { stall: true } : {}),
      ...(opts.vcd ? { vcd: { path: opts.vcd.path, from: opts.vcd.from, to: opts.vcd.to } } : {}),
    };
    const r = await build.run(files);
    seconds += r.seconds;
    const parsed = parseSimOutput(readFileSync(out, 'utf8'), gen.design);
    for (const w of parsed.words) words.push({ ...w, vector: w.vector + first, run: k });
    if (parsed.xControlCycle !== null) {
      xControlCycle = parsed.xControlCycle;
      break;
    }
  }
  return { output: { words, xControlCycle }, seconds, runs, runVectors };
}

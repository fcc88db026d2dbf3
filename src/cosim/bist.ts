/**
 * Co-simulation of the march test (docs/cosim.md "BIST"): a tile built with the write path
 * and the BIST, its behavioural array holding given stuck cells, runs the BIST; the host
 * then reads the fault bitmap over the register interface. The map read back is compared
 * with the stuck cells the array was given (the reference model's fault map of the tile).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnsupportedError } from '../errors.ts';
import { conductanceTable } from '../crossbar/device.ts';
import { SA0, SA1 } from '../crossbar/faults.ts';
import type { GeneratedRtl } from '../rtl/generate.ts';
import { bistCounts } from '../rtl/bist.ts';
import type { SimBuild } from './simulators/simulator.ts';
import { cellsHex } from './vectors.ts';

export interface BistRunResult {
  /** Fault codes read from the tile's fault bitmap, row-major (0 ok, 1 SA0, 2 SA1). */
  map: Uint8Array;
  /** BIST_CYCLES as the tile counted them. */
  cycles: number;
  /** The array's conductances after the test (the state the next run starts from), row-major. */
  cellsAfter: Int32Array;
  /** Path of the same, as the testbench wrote it (+cells= of a following run). */
  cellsAfterPath: string;
  log: string;
  seconds: number;
}

/** Refuse a tile that cannot run the BIST co-simulation. */
export function checkBistBuild(gen: GeneratedRtl, simulator: string): void {
  if (!gen.design.bist) throw new UnsupportedError('the tile has no BIST: generate it with the write path and the BIST (gen --write-path --bist)', 'bist');
  if (simulator === 'cxxrtl') throw new UnsupportedError('the BIST co-simulation runs on Icarus or Verilator (the CXXRTL testbench has no write path)', '--simulator');
}

function hexLines(values: ArrayLike<number>, digits: number): string {
  const out: string[] = [];
  for (let i = 0; i < values.length; i++) out.push(values[i]!.toString(16).padStart(digits, '0'));
  return out.join('\n') + '\n';
}

/** The write drivers' level table (conductance LSBs per level), from the reference model's device table. */
export function levelTable(gen: GeneratedRtl): Int32Array {
  return conductanceTable(gen.manifest.rtlConfig).levelG;
}

/** Files the write path needs in every run: the level table and the stuck cells. */
export function writePathFiles(gen: GeneratedRtl, stuck: Uint8Array, workDir: string): { levels: string; stuck: string } {
  const d = gen.design;
  if (stuck.length !== d.rows * d.cols) throw new Error(`internal: ${stuck.length} stuck codes for a ${d.rows}x${d.cols} tile`);
  const gw = Number(gen.manifest.analogModel.GW);
  const levels = join(workDir, 'levels.hex');
  const st = join(workDir, 'stuck.hex');
  writeFileSync(levels, hexLines(levelTable(gen), Math.ceil(gw / 4)));
  writeFileSync(st, hexLines(stuck, 1));
  return { levels, stuck: st };
}

/**
 * Run the BIST on a tile whose array starts from `initial` (conductances, stuck cells
 * already at Gmin/Gmax) with the stuck cells `stuck`, and read its fault bitmap back.
 */
export async function runBist(gen: GeneratedRtl, build: SimBuild, initial: readonly (readonly number[])[], stuck: Uint8Array, workDir: string): Promise<BistRunResult> {
  const d = gen.design;
  mkdirSync(workDir, { recursive: true });
  const cells = join(workDir, 'cells.hex');
  writeFileSync(cells, cellsHex(gen, initial as number[][]));
  const wp = writePathFiles(gen, stuck, workDir);
  const acts = join(workDir, 'acts.hex');
  writeFileSync(acts, '');
  const faultsOut = join(workDir, 'faults.out.hex');
  const cellsOut = join(workDir, 'cells.after.hex');
  const counts = bistCounts(d);
  const r = await build.run({
    cells, regs: null, nRegs: 0, acts, nVecs: 0, out: join(workDir, 'out.txt'),
    levels: wp.levels, stuck: wp.stuck, bist: true, faultsOut, cellsOut,
    maxCycles: counts.cycles + 4 * d.rows * d.cols + 10_000,
  });
  const m = /memxbar_cosim_tb: BIST (\d+) cycles/.exec(r.log);
  if (!m) throw new Error(`the testbench did not report the BIST's cycles:\n${r.log}`);
  const codes = readFileSync(faultsOut, 'utf8').trim().split('\n');
  if (codes.length !== d.rows * d.cols) throw new Error(`the testbench read ${codes.length} fault codes, expected ${d.rows * d.cols}`);
  const map = new Uint8Array(codes.length);
  codes.forEach((c, i) => {
    const v = Number.parseInt(c, 16);
    if (!(v === 0 || v === SA0 || v === SA1)) throw new Error(`fault bitmap entry ${i} (row ${Math.floor(i / d.cols)}, column ${i % d.cols}) reads ${JSON.stringify(c)}`);
    map[i] = v;
  });
  const after = readFileSync(cellsOut, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('//'));
  const cellsAfter = Int32Array.from(after, (h) => Number.parseInt(h, 16));
  return { map, cycles: Number(m[1]), cellsAfter, cellsAfterPath: cellsOut, log: r.log, seconds: r.seconds };
}

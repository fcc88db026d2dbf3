/**
 * One interface over the HDL simulators co-simulation can use. Each simulator module
 * (icarus.ts, verilator.ts, cxxrtl.ts) owns its tool: it says whether the tool is there,
 * builds the testbench for a generated tile once (cached by content), and runs that
 * build on vector files. Failures are ToolErrors carrying the tool's log.
 */
import type { GeneratedRtl } from '../../rtl/generate.ts';
import type { RunFiles, TbCapacity } from '../testbench.ts';

export const SIMULATOR_NAMES = ['icarus', 'verilator', 'cxxrtl'] as const;
export type SimulatorName = (typeof SIMULATOR_NAMES)[number];

export interface Detection {
  available: boolean;
  /** Tool version line when available; why not otherwise. */
  detail: string;
}

export interface SimRunResult {
  /** Simulator output (testbench messages). */
  log: string;
  seconds: number;
}

/** A testbench compiled for one tile design. */
export interface SimBuild {
  simulator: SimulatorName;
  /** Seconds spent building (0 when found in the cache). */
  buildSeconds: number;
  cached: boolean;
  capacity: TbCapacity;
  /** Run the testbench on one set of vector files; throws ToolError when the run fails. */
  run(files: RunFiles): Promise<SimRunResult>;
}

export interface Simulator {
  readonly name: SimulatorName;
  /** Models X and Z: an unknown value reaching an output is seen (and is a failure). */
  readonly fourState: boolean;
  detect(): Detection;
  /**
   * Build (or find in the cache) the testbench for `gen`; `trace` makes VCD dumps possible.
   * `fewVectors`: the build will simulate a few vectors only (`memxbar run`'s co-simulation), so
   * a simulator that trades simulation speed for build time (CXXRTL's g++ level) builds for build time.
   */
  build(gen: GeneratedRtl, opts: { capacity: TbCapacity; trace: boolean; onLog?: (line: string) => void; fewVectors?: boolean }): Promise<SimBuild>;
}

/** Check a finished run's log: the testbench prints DONE, or why it stopped. */
export function checkTbLog(log: string, expectVcdStop: boolean): string | null {
  const err = log.split('\n').find((l) => l.includes('memxbar_cosim_tb: ERROR') || l.includes('TIMEOUT'));
  if (err) return err.trim();
  if (log.includes('memxbar_cosim_tb: DONE')) return null;
  if (log.includes('memxbar_cosim_tb: X on a control output')) return null; // the caller reads the X line from +out
  if (expectVcdStop && log.includes('VCD window ends')) return null;
  return 'the testbench stopped without DONE';
}

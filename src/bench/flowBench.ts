/**
 * `npm run bench`, the default run's rows: `memxbar run` on the shipped default, timed as a
 * whole and per step, on each co-simulation path this machine has (CXXRTL always, Icarus and
 * Verilator when installed), each from an empty cache folder as on a fresh machine right after
 * `npm ci`, then once more with the cache the first run filled. And the time to program the
 * crossbar for a new fault configuration (faults drawn, mapping, MT-map with its descent) on
 * VGG8-w0.5 at each of the run's fault rates.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { resolveConfig } from '../config/load.ts';
import { OPTION_DEFAULTS, type Config, type SaRatio } from '../config/schema.ts';
import { detectAll, type SimulatorName } from '../cosim/simulators/index.ts';
import { drawFaults } from '../crossbar/faults.ts';
import { activityOf, programCrossbarWithFaults } from '../session/eval.ts';
import { RUN_DEFAULT_CONFIG, runFlow } from '../run/flow.ts';
import type { StepTime } from '../report/flow-report.ts';
import type { Prepared } from '../session/prepare.ts';
import { silentProgress, type Progress } from '../util/progress.ts';
import { VERSION } from '../version.ts';
import { cpuSeconds } from '../util/cpu.ts';

export interface FlowTiming {
  simulator: SimulatorName;
  /** 'empty cache' (a fresh machine) or 'warm cache' (a second run). */
  cache: 'empty cache' | 'warm cache';
  seconds: number;
  /** CPU seconds of the run (every thread, and the child processes: src/util/cpu.ts). */
  cpuSeconds: number;
  steps: StepTime[];
  cosimOk: boolean;
}

/** Time `memxbar run` on the shipped default with `simulator`, its cache folder `cacheDir`. */
async function timeFlow(simulator: SimulatorName, cacheDir: string, cache: FlowTiming['cache']): Promise<FlowTiming> {
  const saved = process.env.MEMXBAR_CACHE_DIR;
  process.env.MEMXBAR_CACHE_DIR = cacheDir;
  const out = mkdtempSync(join(tmpdir(), 'memxbar-bench-run-'));
  try {
    const cfg = resolveConfig({ file: RUN_DEFAULT_CONFIG });
    const t0 = performance.now();
    const c0 = cpuSeconds();
    const r = await runFlow(cfg, { ...OPTION_DEFAULTS.run, cosimSimulator: simulator, out: join(out, 'report'), seeds: [cfg.faults.seed] }, VERSION, silentProgress);
    return { simulator, cache, seconds: (performance.now() - t0) / 1000, cpuSeconds: cpuSeconds() - c0, steps: r.steps, cosimOk: r.cosim.length > 0 && r.cosim.every((c) => c.ok) };
  } finally {
    if (saved === undefined) delete process.env.MEMXBAR_CACHE_DIR;
    else process.env.MEMXBAR_CACHE_DIR = saved;
    rmSync(out, { recursive: true, force: true });
  }
}

/** The default run on every co-simulation path available, each from an empty cache; then CXXRTL again with its cache. */
export async function benchDefaultRun(progress: Progress): Promise<FlowTiming[]> {
  const available = new Set(detectAll().filter((d) => d.detection.available).map((d) => d.simulator.name));
  const order: SimulatorName[] = (['cxxrtl', 'icarus', 'verilator'] as const).filter((s) => available.has(s));
  const timings: FlowTiming[] = [];
  for (const simulator of order) {
    const dir = mkdtempSync(join(tmpdir(), 'memxbar-bench-cache-'));
    try {
      progress.log(`memxbar run on the shipped default, co-simulation with ${simulator}, empty cache folder`);
      timings.push(await timeFlow(simulator, dir, 'empty cache'));
      if (simulator === 'cxxrtl') {
        progress.log('memxbar run on the shipped default, co-simulation with cxxrtl, the cache the first run filled');
        timings.push(await timeFlow(simulator, dir, 'warm cache'));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return timings;
}

export interface ProgramTiming {
  rate: number;
  ratio: string;
  /** mt-map on the native kernels (the default). */
  seconds: number;
  /** The same programming with mt-map's TypeScript version (the baseline), at the first ratio only; null elsewhere. */
  typescriptSeconds: number | null;
  /** CPU seconds (user + system, every thread) of the native programming: what a loaded machine does not inflate. */
  cpuSeconds: number;
}

/**
 * Programming a crossbar for a new fault configuration — faults drawn, every layer mapped by
 * MT-map (permutation, re-encoding, descent), the engine's tables built — at each rate and
 * ratio of the default run, on the native kernels; at the first ratio also with mt-map's
 * TypeScript version, the baseline of the ratio (it takes tens of seconds per point). The row
 * activity is measured once per network, before (as in a sweep).
 */
export function benchProgramming(p: Prepared, rates: number[] = OPTION_DEFAULTS.run.rates.filter((r) => r > 0), ratios: SaRatio[] = OPTION_DEFAULTS.run.ratios): ProgramTiming[] {
  const base: Config = { ...p.cfg, mitigation: { ...p.cfg.mitigation, method: 'mt-map' } };
  activityOf(p, base);
  const out: ProgramTiming[] = [];
  for (const ratio of ratios) {
    for (const rate of rates) {
      const cfg: Config = { ...base, faults: { ...base.faults, rate, sa1Sa0Ratio: ratio, mapFile: null } };
      let cpuSeconds = 0;
      const time = (native: boolean) => {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        programCrossbarWithFaults(p, cfg, (layers) => drawFaults(layers, rate, ratio, cfg.faults.seed), { native });
        const c = process.cpuUsage(c0);
        cpuSeconds = (c.user + c.system) / 1e6;
        return (performance.now() - t0) / 1000;
      };
      const seconds = time(true);
      const native = cpuSeconds;
      out.push({ rate, ratio: ratio.text, seconds, cpuSeconds: native, typescriptSeconds: ratio === ratios[0] ? time(false) : null });
    }
  }
  return out;
}

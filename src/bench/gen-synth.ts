/**
 * Benchmark of the RTL flow on the default tile (preset neurosim-v1.4, 128 x 128):
 * generation (render + atomic write) and the full synthesis report (Yosys ASIC flows
 * with and without MT, iCE40 flow), with the fault store as an SRAM macro (the default)
 * against the flip-flop store as the baseline, in the same run. Per flow, the time Yosys
 * reports and the ratio baseline / macro.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../config/load.ts';
import { asicMacros, synthesizeGenerated, type SynthOptions } from '../synth/synthesize.ts';
import { runAsic, type AsicRecipe } from '../synth/flows.ts';
import { generateFromManifest, generateRtl, writeRtl } from '../rtl/generate.ts';
import { RUN_DEFAULT_CONFIG } from '../run/flow-defaults.ts';

export interface GenSynthBench {
  genMs: number;
  synthMs: number;
  /** Seconds per flow as Yosys reports them, with the SRAM fault store and with the flip-flop store (baseline). */
  flowYosysS: Record<string, number>;
  baselineFlowYosysS: Record<string, number>;
}

export async function benchGenSynth(opts: Pick<SynthOptions, 'onProgress'> = {}): Promise<GenSynthBench> {
  const config = resolveConfig({ preset: 'neurosim-v1.4' });
  const dir = mkdtempSync(join(tmpdir(), 'memxbar-bench-rtl-'));
  try {
    const t0 = performance.now();
    const gen = generateRtl({ config });
    writeRtl(dir, gen);
    const genMs = performance.now() - t0;
    const base = await synthesizeGenerated(gen, { ...opts, faultStore: 'flipflops' });
    const t1 = performance.now();
    const r = await synthesizeGenerated(gen, opts);
    const synthMs = performance.now() - t1;
    return { genMs, synthMs, flowYosysS: r.flowYosysS ?? {}, baselineFlowYosysS: base.flowYosysS ?? {} };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One ASIC flow of the default run's tile, timed with one recipe. */
export interface SynthFlowTiming {
  flow: string;
  recipe: AsicRecipe;
  /** CPU time of this process (main thread + the Yosys worker) while the flow ran alone, s. */
  cpuS: number;
  /** The time Yosys reports (wall-clock under WebAssembly), s. */
  yosysS: number;
  areaUm2: number;
  transistors: number;
  /** Per module, all its instances (area and cells of one instance × `instances`). */
  modules: { module: string; instances: number; areaUm2: number; cells: number }[];
}

/**
 * The ASIC flows of `memxbar run`'s tile (the shipped default config; MT on and MT off, fault
 * store in the SRAM macro), each run alone (no other Yosys run in this process, cache off) with
 * the baseline recipe (the script before the mux-tree rule) and with memxbar's default recipe,
 * so the ratio of CPU times is measured in the same run on the same machine.
 */
export async function benchSynthFlows(opts: { onProgress?: (line: string) => void } = {}): Promise<SynthFlowTiming[]> {
  const config = resolveConfig({ file: RUN_DEFAULT_CONFIG });
  const gen = generateRtl({ config });
  const other = generateFromManifest(gen.manifest, { mt: !gen.manifest.options.mt });
  const out: SynthFlowTiming[] = [];
  for (const g of [gen, other]) {
    const verilog = Object.fromEntries([...g.files].filter(([n]) => n.endsWith('.v')));
    const macro = asicMacros(g.manifest);
    const flow = `ASIC flow, MT ${g.manifest.options.mt ? 'on' : 'off'}`;
    for (const recipe of ['baseline', 'default'] as const) {
      opts.onProgress?.(`${flow}, ${recipe} recipe`);
      const c0 = process.cpuUsage();
      const r = await runAsic(g.manifest.top, verilog, [], { cache: false, recipe }, macro);
      const c = process.cpuUsage(c0);
      out.push({
        flow,
        recipe,
        cpuS: (c.user + c.system) / 1e6,
        yosysS: r.yosysS,
        areaUm2: r.totalAreaUm2,
        transistors: r.totalTransistors,
        modules: r.modules.map((m) => ({ module: m.module, instances: m.instances, areaUm2: m.instances * m.areaUm2, cells: m.instances * m.cells })),
      });
    }
  }
  return out;
}

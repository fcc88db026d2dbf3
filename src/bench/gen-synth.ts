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
import { synthesizeGenerated, type SynthOptions } from '../synth/synthesize.ts';
import { generateRtl, writeRtl } from '../rtl/generate.ts';

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

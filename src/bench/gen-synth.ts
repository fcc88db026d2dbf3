/**
 * Benchmark of the RTL flow on the default tile (preset neurosim-v1.4, 128 x 128):
 * generation (render + atomic write) and the full synthesis report (Yosys ASIC flows
 * with and without MT, iCE40 flow).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../config/load.ts';
import { synthesizeGenerated, type SynthOptions } from '../synth/synthesize.ts';
import { generateRtl, writeRtl } from '../rtl/generate.ts';

export async function benchGenSynth(opts: Pick<SynthOptions, 'onProgress'> = {}): Promise<{ genMs: number; synthMs: number }> {
  const config = resolveConfig({ preset: 'neurosim-v1.4' });
  const dir = mkdtempSync(join(tmpdir(), 'memxbar-bench-rtl-'));
  try {
    const t0 = performance.now();
    const gen = generateRtl({ config });
    writeRtl(dir, gen);
    const genMs = performance.now() - t0;
    const t1 = performance.now();
    await synthesizeGenerated(gen, opts);
    const synthMs = performance.now() - t1;
    return { genMs, synthMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

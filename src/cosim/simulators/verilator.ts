/**
 * Verilator (`verilator --binary --timing`): the fast simulator. Two-state (X and Z
 * become 0 or 1), so it cannot see unknowns; Icarus can. The testbench is compiled
 * to a native binary once per tile design and cached by content; VCD dumps need a
 * second build with `--trace`, made only when a failing window is to be dumped.
 */
import { existsSync, renameSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ToolError } from '../../errors.ts';
import type { GeneratedRtl } from '../../rtl/generate.ts';
import { INSTALL_HINT, plusargs, tbSources, TB_TOP, type RunFiles, type TbCapacity } from '../testbench.ts';
import { checkExit, probe, runProcess } from './process.ts';
import { checkTbLog, type Detection, type SimBuild, type Simulator } from './simulator.ts';

const RUN_TIMEOUT_MS = 6 * 3600_000;
const BUILD_TIMEOUT_MS = 30 * 60_000;

export const verilator: Simulator = {
  name: 'verilator',
  fourState: false,

  detect(): Detection {
    const v = probe('verilator', ['--version']);
    if (v === null) return { available: false, detail: `verilator not found (${INSTALL_HINT})` };
    const m = /Verilator (\d+)\.(\d+)/.exec(v);
    if (!m || Number(m[1]) < 5) return { available: false, detail: `${v}: Verilator 5 or later is needed (--binary --timing)` };
    if (probe('g++', ['--version']) === null && probe('c++', ['--version']) === null) return { available: false, detail: 'verilator needs a C++ compiler (apt-get install -y g++)' };
    return { available: true, detail: v };
  },

  async build(gen: GeneratedRtl, opts: { capacity: TbCapacity; trace: boolean; onLog?: (line: string) => void }): Promise<SimBuild> {
    const det = this.detect();
    if (!det.available) throw new ToolError(det.detail, '', 'verilator');
    const src = tbSources(gen, opts.capacity, opts.trace ? 'verilator-trace' : 'verilator', [det.detail]);
    const binary = join(src.dir, 'Vtb');
    let buildSeconds = 0;
    const cached = existsSync(binary);
    if (!cached) {
      opts.onLog?.(`verilator: building the testbench${opts.trace ? ' with --trace' : ''} (${src.dir}); this takes a minute or more`);
      const mdir = join(src.dir, 'obj');
      const args = [
        '--binary',
        '--timing',
        '-Wno-fatal',
        '-Wno-lint',
        '-Wno-style',
        '--top-module',
        TB_TOP,
        '--Mdir',
        mdir,
        '-o',
        'Vtb',
        '-j',
        String(Math.max(1, availableParallelism())),
        // Build quickly: the model is large and the compiler's -O2 buys little here.
        '-CFLAGS',
        '-O1',
      ];
      if (opts.trace) args.push('--trace');
      for (const [k, v] of Object.entries(src.params)) args.push(`-G${k}=${v}`);
      for (const d of src.defines) args.push(`+define+${d}`);
      const r = await runProcess('verilator', [...args, ...src.files], { cwd: src.dir, timeoutMs: BUILD_TIMEOUT_MS, where: 'verilator' });
      checkExit(r, 'verilator --binary', 'verilator');
      renameSync(join(mdir, 'Vtb'), binary);
      buildSeconds = r.seconds;
    }
    return {
      simulator: 'verilator',
      buildSeconds,
      cached,
      capacity: opts.capacity,
      async run(files: RunFiles) {
        const r = await runProcess(binary, plusargs(files), { cwd: src.dir, timeoutMs: RUN_TIMEOUT_MS, where: 'verilator' });
        checkExit(r, 'the Verilator model', 'verilator');
        const bad = checkTbLog(r.output, files.vcd !== undefined);
        if (bad) throw new ToolError(`the Verilator model: ${bad}`, r.output, 'verilator');
        return { log: r.output, seconds: r.seconds };
      },
    };
  },
};

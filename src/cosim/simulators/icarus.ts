/**
 * Icarus Verilog (`iverilog` + `vvp`): the default simulator. Four-state, so an X or Z
 * reaching an output of the tile is visible (and a failure). Compiling is quick; the
 * compiled image is cached by content like every build.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ToolError } from '../../errors.ts';
import type { GeneratedRtl } from '../../rtl/generate.ts';
import { INSTALL_HINT, plusargs, tbSources, TB_TOP, type RunFiles, type TbCapacity } from '../testbench.ts';
import { checkExit, probe, runProcess } from './process.ts';
import { checkTbLog, type Detection, type SimBuild, type Simulator } from './simulator.ts';

const RUN_TIMEOUT_MS = 6 * 3600_000;

export const icarus: Simulator = {
  name: 'icarus',
  fourState: true,

  detect(): Detection {
    const c = probe('iverilog', ['-V']);
    const v = probe('vvp', ['-V']);
    if (c === null || v === null) return { available: false, detail: `iverilog/vvp not found (${INSTALL_HINT})` };
    return { available: true, detail: c };
  },

  async build(gen: GeneratedRtl, opts: { capacity: TbCapacity; trace: boolean; onLog?: (line: string) => void }): Promise<SimBuild> {
    const det = this.detect();
    if (!det.available) throw new ToolError(det.detail, '', 'icarus');
    const src = tbSources(gen, opts.capacity, 'icarus', [det.detail]);
    const image = join(src.dir, 'tb.vvp');
    let buildSeconds = 0;
    const cached = existsSync(image);
    if (!cached) {
      opts.onLog?.(`icarus: compiling the testbench (${src.dir})`);
      const args = ['-g2012', '-o', `${image}.tmp`, '-s', TB_TOP];
      for (const [k, v] of Object.entries(src.params)) args.push(`-P${TB_TOP}.${k}=${v}`);
      for (const d of src.defines) args.push(`-D${d}`);
      const r = await runProcess('iverilog', [...args, ...src.files], { cwd: src.dir, timeoutMs: 600_000, where: 'icarus' });
      checkExit(r, 'iverilog', 'icarus');
      await runProcess('mv', [`${image}.tmp`, image], { where: 'icarus' });
      buildSeconds = r.seconds;
    }
    return {
      simulator: 'icarus',
      buildSeconds,
      cached,
      capacity: opts.capacity,
      async run(files: RunFiles) {
        const r = await runProcess('vvp', ['-n', image, ...plusargs(files)], { cwd: src.dir, timeoutMs: RUN_TIMEOUT_MS, where: 'icarus' });
        checkExit(r, 'vvp', 'icarus');
        const bad = checkTbLog(r.output, files.vcd !== undefined);
        if (bad) throw new ToolError(`vvp: ${bad}`, r.output, 'icarus');
        return { log: r.output, seconds: r.seconds };
      },
    };
  },
};

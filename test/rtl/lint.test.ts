/**
 * Every generated file passes `verilator --lint-only -Wall` (no waivers), Icarus
 * compiles the design (`iverilog -g2012`), and Yosys accepts it
 * (`hierarchy -check; proc; check -assert`), for several configs, with and without MT.
 * The testbench models lint clean too, with the parameters of each generated tile.
 */
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import { generateRtl, type GeneratedRtl } from '../../src/rtl/generate.ts';
import { runYosys } from '../../src/synth/yosys.ts';
import { EXTRA, GOLDEN_NAMES, extraConfig, goldenConfig } from './configs.ts';
import { icarusCompile, materialize, requireTool, run, TESTBENCH_DIR, verilatorLint, verilogFiles } from './tools.ts';
import { regCapacity, TB_FILES, TB_TOP, tbDefines, tbParameters } from '../../src/cosim/testbench.ts';

const configs: [string, Config][] = [
  ...GOLDEN_NAMES.map((n) => [n, goldenConfig(n)] as [string, Config]),
  ...Object.keys(EXTRA).map((n) => [n, extraConfig(n as keyof typeof EXTRA)] as [string, Config]),
];

/** The testbench's parameters for this tile, with room for reads and chained sums (as test/rtl/sim.ts uses it). */
function tbParams(gen: GeneratedRtl): string[] {
  const p = { ...tbParameters(gen, { maxRegs: regCapacity(gen), maxVecs: 8 }), MAX_READS: 4, MAX_PSIN: 8 * gen.design.weightCols };
  return Object.entries(p).map(([k, v]) => `-G${k}=${v}`);
}

describe('generated RTL is accepted by Verilator, Icarus and Yosys', () => {
  for (const [name, config] of configs) {
    for (const [mt, bist] of [[true, false], [false, false], [true, true]] as const) {
      it(`${name}, MT ${mt ? 'on' : 'off'}${bist ? ', write path and BIST' : ''}`, async () => {
        requireTool('verilator');
        requireTool('iverilog');
        const gen = generateRtl({ config, options: { mt, ...(bist ? { writePath: true, bist: true } : {}) } });
        const dir = materialize(gen, 'lint');
        for (const m of gen.manifest.modules) {
          const r = verilatorLint(dir, m.name);
          expect(r.output, `verilator -Wall ${m.file}`).toBe('');
          expect(r.status).toBe(0);
        }
        const ic = icarusCompile(verilogFiles(dir), 'memxbar_tile', join(dir, 'tile.vvp'));
        expect(ic.output, 'iverilog').toBe('');
        expect(ic.status).toBe(0);
        const files = Object.fromEntries(verilogFiles(dir).map((f) => [basename(f), gen.files.get(basename(f))!]));
        const y = await runYosys([`read_verilog -sv ${Object.keys(files).join(' ')}`, 'hierarchy -check -top memxbar_tile', 'proc', 'check -assert'], files);
        expect(y.warnings).toEqual([]);

        // The testbench with this tile's parameters.
        const flash = tbDefines(gen).map((x) => `+define+${x}`);
        const tb = run('verilator', [
          '--lint-only', '-Wall', '--timing', '--top-module', TB_TOP, ...tbParams(gen), ...flash, '-y', dir,
          ...TB_FILES.map((f) => join(TESTBENCH_DIR, f)),
        ]);
        expect(tb.output, 'verilator -Wall testbench').toBe('');
      });
    }
  }
});

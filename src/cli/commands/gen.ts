/**
 * `memxbar gen`: generate the tile RTL and manifest.json from a config, or (--check)
 * verify that a directory still holds exactly what the generator produces.
 */
import type { Command } from 'commander';
import { ConfigError } from '../../errors.ts';
import { OPTION_DEFAULTS } from '../../config/schema.ts';
import { addConfigOptions, configFromOptions, type CommonOptions } from '../common.ts';

interface GenOptions extends CommonOptions {
  out: string;
  check?: string;
  mt: boolean;
  maxChainTiles: string;
  writePath?: boolean;
  bist?: boolean;
}

export function register(program: Command): void {
  addConfigOptions(
    program.command('gen').description('generate the tile RTL (Verilog, one file per module) and manifest.json from a config'),
    [],
  )
    .option('--out <dir>', 'output directory', 'rtl-out')
    .option('--check <dir>', 'regenerate in memory and compare with <dir>; fail on the first difference (nothing is written)')
    .option('--no-mt', 'build without the Mapping Transformation hardware (identity row map, hard-wired terms, no fault bitmap)')
    .option('--write-path', 'build the cell write path (CSR CELL_WRITE → wr_* ports to the array\'s write drivers)')
    .option('--bist', 'build the march-test BIST that writes the fault bitmap (needs --write-path)')
    .option('--max-chain-tiles <n>', 'size partial sums for chaining this many subarrays without overflow', String(OPTION_DEFAULTS.rtl.maxChainTiles))
    .action(async (opts: GenOptions) => {
      const { RtlDriftError, checkRtl, generateRtl, writeRtl } = await import('../../rtl/generate.ts');
      const config = await configFromOptions(opts);
      const maxChainTiles = Number(opts.maxChainTiles);
      if (!Number.isInteger(maxChainTiles)) throw new ConfigError(`must be an integer, got ${JSON.stringify(opts.maxChainTiles)}`, '--max-chain-tiles');
      // Everything is rendered (and a config the generator cannot build refused) before any file is touched.
      const extra = { ...(opts.writePath ? { writePath: true } : {}), ...(opts.bist ? { bist: true } : {}) };
      const gen = generateRtl({ config, options: { mt: opts.mt, maxChainTiles, ...extra } });
      const what = `config ${gen.stamp.configHash}, MT ${gen.design.options.mt ? 'on' : 'off'}${gen.design.writePath ? ', write path' : ''}${gen.design.bist ? ', BIST' : ''}, ${gen.design.rows}x${gen.design.cols}`;
      if (opts.check) {
        const r = checkRtl(opts.check, gen);
        if (!r.ok) throw new RtlDriftError(r.message, opts.check);
        process.stdout.write(`${opts.check}: up to date (${r.message}; ${what})\n`);
        return;
      }
      const written = writeRtl(opts.out, gen);
      process.stdout.write(`wrote ${written.length} files to ${opts.out} (${what})${opts.quiet ? '' : ':'}\n`);
      if (!opts.quiet) for (const f of written) process.stdout.write(`  ${f}\n`);
    });
}

/**
 * `memxbar synth <dir>`: synthesize a directory written by `memxbar gen` with Yosys and
 * report area (memxbar45 Liberty), transistors, iCE40 resources and the MT overhead.
 */
import type { Command } from 'commander';
import { OPTION_DEFAULTS } from '../../config/schema.ts';
import { ConfigError } from '../../errors.ts';
import { checkOutDir, writeOutputs } from '../../util/output.ts';

interface SynthCliOptions {
  json?: boolean;
  out?: string;
  exactMemoryBits: string;
  faultStore: string;
  memoryLibrary: string;
}

const SYNTH_FILES = ['synth-report.json', 'synth-report.md'];

export function register(program: Command): void {
  program
    .command('synth')
    .description('synthesize generated RTL with Yosys: area, transistors, iCE40 resources and MT overhead')
    .argument('<dir>', 'directory written by `memxbar gen`')
    .option('--json', 'print the report as JSON instead of Markdown')
    .option('--out <report-dir>', 'also write synth-report.json and synth-report.md into <report-dir>')
    .option(
      '--exact-memory-bits <n>',
      'synthesize the fault bitmap to flip-flops up to this many bits; a larger one is estimated from a reference of this size',
      String(OPTION_DEFAULTS.synth.exactMemoryBits),
    )
    .option('--fault-store <kind>', 'the fault store in the ASIC flows: sram (one macro of --memory-library) or flipflops', 'sram')
    .option('--memory-library <name>', 'memory library of the SRAM macro (docs/rtl.md "Memories")', 'openram-freepdk45')
    .action(async (dir: string, opts: SynthCliOptions) => {
      const exactMemoryBits = Number(opts.exactMemoryBits);
      if (!Number.isInteger(exactMemoryBits) || exactMemoryBits < 16) {
        throw new ConfigError(`must be an integer >= 16, got ${JSON.stringify(opts.exactMemoryBits)}`, '--exact-memory-bits');
      }
      if (opts.faultStore !== 'sram' && opts.faultStore !== 'flipflops') {
        throw new ConfigError(`must be sram or flipflops, got ${JSON.stringify(opts.faultStore)}`, '--fault-store');
      }
      const faultStore = opts.faultStore;
      const [{ readManifest }, { reportMarkdown, synthesizeDir }, { memoryLibrary }] = await Promise.all([
        import('../../rtl/generate.ts'),
        import('../../synth/synthesize.ts'),
        import('../../synth/memlib.ts'),
      ]);
      memoryLibrary(opts.memoryLibrary);
      // Refused before minutes of Yosys: a folder memxbar gen did not write, an unwritable --out,
      // an --out holding report files memxbar did not write.
      readManifest(dir);
      if (opts.out) checkOutDir(opts.out, SYNTH_FILES);
      const report = await synthesizeDir(dir, { exactMemoryBits, faultStore, memoryLibrary: opts.memoryLibrary, onProgress: (line) => process.stderr.write(`${line}\n`) });
      // The march test's time and energy beside the MT price (the cost model prices it; synthesis does not).
      const { bistTestForManifest } = await import('../../cost/bist.ts');
      const bistTest = bistTestForManifest(readManifest(dir), opts.memoryLibrary);
      if (bistTest) report.bistTest = bistTest;
      const json = JSON.stringify(report, null, 2) + '\n';
      const md = reportMarkdown(report);
      if (opts.out) {
        writeOutputs(opts.out, { 'synth-report.json': json, 'synth-report.md': md }, { command: 'synth' });
        process.stderr.write(`wrote ${opts.out}/synth-report.json and ${opts.out}/synth-report.md\n`);
      }
      process.stdout.write(opts.json ? json : md);
    });
}

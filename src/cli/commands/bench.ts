import type { Command } from 'commander';
import { checkOutDir, writeOutputs } from '../../util/output.ts';
import { out, progressFor } from '../common.ts';

const BENCH_FILES = ['bench.json', 'bench.md'];

export function register(program: Command): void {
  program
    .command('bench')
    .description('measure every path against onnxruntime float32 on the same machine, in one run (npm run bench)')
    .option('--reference-images <n>', 'images for the (slow) reference model', '1')
    .option('--quick', 'shorter timing windows')
    .option('--no-rtl', 'skip RTL generation and synthesis (minutes)')
    .option('--synth-only', "only the synthesis flows of memxbar run's tile (CPU time against the baseline recipe)")
    .option('--out <dir>', 'where to write bench.json and bench.md', 'runs/bench')
    .option('-q, --quiet', 'no progress output')
    .action(async (o: { referenceImages: string; quick?: boolean; rtl: boolean; synthOnly?: boolean; out: string; quiet?: boolean }) => {
      checkOutDir(o.out, BENCH_FILES);
      const { benchMarkdown, runBench } = await import('../../bench/suite.ts');
      const { rows, machine, synthFlows } = await runBench(progressFor(o), { referenceImages: Number(o.referenceImages), quick: !!o.quick, rtl: o.rtl, synthOnly: !!o.synthOnly });
      const md = benchMarkdown(rows, machine);
      writeOutputs(o.out, { 'bench.json': JSON.stringify({ machine, rows, ...(synthFlows ? { synthFlows } : {}) }, null, 1), 'bench.md': md }, { command: 'bench' });
      out(md);
    });
}

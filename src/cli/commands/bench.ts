import type { Command } from 'commander';
import { benchMarkdown, runBench } from '../../bench/suite.ts';
import { ensureOutDir, writeAllAtomic } from '../../util/fsx.ts';
import { out, progressFor } from '../common.ts';

export function register(program: Command): void {
  program
    .command('bench')
    .description('measure every path against onnxruntime float32 on the same machine, in one run (npm run bench)')
    .option('--reference-images <n>', 'images for the (slow) reference model', '1')
    .option('--quick', 'shorter timing windows')
    .option('--no-rtl', 'skip RTL generation and synthesis (minutes)')
    .option('--out <dir>', 'where to write bench.json and bench.md', 'runs/bench')
    .option('-q, --quiet', 'no progress output')
    .action(async (o: { referenceImages: string; quick?: boolean; rtl: boolean; out: string; quiet?: boolean }) => {
      ensureOutDir(o.out);
      const { rows, machine } = await runBench(progressFor(o), { referenceImages: Number(o.referenceImages), quick: !!o.quick, rtl: o.rtl });
      const md = benchMarkdown(rows, machine);
      writeAllAtomic(o.out, { 'bench.json': JSON.stringify({ machine, rows }, null, 1), 'bench.md': md });
      out(md);
    });
}

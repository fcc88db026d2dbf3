import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { MITIGATIONS } from '../../config/names.ts';
import { ConfigError, DataError } from '../../errors.ts';
import type { SweepResult, SweepSpec } from '../../sweep/sweep.ts';
import type { SlurmSweepOutcome } from '../../cluster/sweep.ts';
import type { SlurmResources } from '../../cluster/slurm.ts';
import { OPTION_DEFAULTS } from '../../config/schema.ts';
import { checkOutDir, writeOutputs } from '../../util/output.ts';
import { addConfigOptions, configFromOptions, out, parseMitigations, parseRatesPercent, parseRatios, progressFor, type CommonOptions } from '../common.ts';

/** The files a sweep (or one shard of it) writes; its output folder is checked for them before the work. */
export function sweepFileNames(shard: { index: number; count: number }): string[] {
  const tag = shard.count > 1 ? `.shard-${shard.index}-of-${shard.count}` : '';
  return tag ? [`sweep${tag}.json`, `sweep${tag}.csv`] : ['sweep.json', 'sweep.csv', 'summary.md', 'price.md', 'accuracy.svg'];
}

/** Write a sweep's outputs: JSON, CSV and (for complete sweeps) the summary table and SVG plot. */
export async function writeSweep(dir: string, r: SweepResult, command = 'sweep'): Promise<string[]> {
  const shard = r.shard.count > 1 ? `.shard-${r.shard.index}-of-${r.shard.count}` : '';
  const [{ priceMarkdown, summaryMarkdown, sweepChart, sweepCsv }, { summarize }] = await Promise.all([import('../../report/sweep.ts'), import('../../sweep/sweep.ts')]);
  const files: Record<string, string> = {};
  if (shard) {
    files[`sweep${shard}.json`] = JSON.stringify(r, null, 1);
    files[`sweep${shard}.csv`] = sweepCsv(r);
  } else {
    const summary = summarize(r);
    files['sweep.json'] = JSON.stringify({ ...r, summary }, null, 1);
    files['sweep.csv'] = sweepCsv(r);
    files['summary.md'] = summaryMarkdown(summary);
    files['price.md'] = priceMarkdown(summary);
    files['accuracy.svg'] = await sweepChart(summary, `${r.config.network.model}, preset ${r.config.preset}, ${r.spec.images} images, ${r.spec.seeds.length} fault seeds`);
  }
  return writeOutputs(dir, files, { command });
}

interface SlurmFlags {
  slurm?: boolean;
  arraySize?: string;
  partition?: string;
  time?: string;
  cpusPerTask?: string;
  mem?: string;
  account?: string;
  maxRunning?: string;
  dryRun?: boolean;
}

const SLURM_ONLY: [keyof SlurmFlags, string][] = [['arraySize', '--array-size'], ['partition', '--partition'], ['time', '--time'], ['cpusPerTask', '--cpus-per-task'], ['mem', '--mem'], ['account', '--account'], ['maxRunning', '--max-running'], ['dryRun', '--dry-run']];

/** The --slurm flags, checked; null without --slurm (and then none of them may be given). */
function slurmResources(o: SlurmFlags & { shard?: string }): { shards?: number; sbatch: SlurmResources } | null {
  if (!o.slurm) {
    const stray = SLURM_ONLY.find(([k]) => o[k] !== undefined);
    if (stray) throw new ConfigError('only applies with --slurm', stray[1]);
    return null;
  }
  if (o.shard) throw new ConfigError('--slurm makes the shards itself (--array-size sets how many); leave out --shard', '--shard');
  const whole = (v: string | undefined, flag: string, max: number) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 1 || n > max) throw new ConfigError(`must be a whole number 1..${max}, got ${JSON.stringify(v)}`, flag);
    return n;
  };
  const word = (v: string | undefined, flag: string, re: RegExp, what: string) => {
    if (v === undefined) return undefined;
    if (!re.test(v)) throw new ConfigError(`must be ${what}, got ${JSON.stringify(v)}`, flag);
    return v;
  };
  const sbatch: SlurmResources = {};
  const set = <K extends keyof SlurmResources>(k: K, v: SlurmResources[K] | undefined) => {
    if (v !== undefined) sbatch[k] = v;
  };
  set('partition', word(o.partition, '--partition', /^[\w.,-]+$/, 'a partition name'));
  set('account', word(o.account, '--account', /^[\w.-]+$/, 'an account name'));
  set('time', word(o.time, '--time', /^(\d+-)?\d+(:\d+){0,2}$/, 'a Slurm time limit (minutes, H:MM:SS or D-HH:MM:SS)'));
  set('mem', word(o.mem, '--mem', /^\d+[KMGT]?$/, 'a Slurm memory size (e.g. 4G)'));
  set('cpusPerTask', whole(o.cpusPerTask, '--cpus-per-task', 1024));
  set('maxRunning', whole(o.maxRunning, '--max-running', 100000));
  const shards = whole(o.arraySize, '--array-size', 100000);
  return { ...(shards !== undefined ? { shards } : {}), sbatch };
}

async function reportSlurm(r: SlurmSweepOutcome, dir: string): Promise<void> {
  const { arrayRanges, slurmPaths } = await import('../../cluster/slurm.ts');
  const { plan } = r;
  const p = slurmPaths(dir);
  const lo = Math.min(...r.loadSeconds);
  const hi = Math.max(...r.loadSeconds);
  out(`sweep ${plan.key}: ${plan.shards} shards balanced by expected cost (estimated ${lo.toFixed(1)}–${hi.toFixed(1)} CPU s each)`);
  if (r.done.length) out(`shards with a valid result, not run again: ${arrayRanges(r.done)}`);
  for (const i of plan.run) if (r.reasons.get(i) !== 'missing') out(`shard ${i} runs again: its result is ${r.reasons.get(i)}`);
  for (const f of r.files) out(`wrote ${f}`);
  const runs = plan.run.length ? `shards ${arrayRanges(plan.run)} of ${plan.shards}` : 'no shard (all have results)';
  if (!r.submitted) {
    out(`dry run, nothing submitted (${runs}); to submit by hand, from this folder:`);
    if (plan.run.length) out(`  sbatch --parsable ${p.array}   # prints the array job id A`);
    out(`  sbatch ${plan.run.length ? '--dependency=afterok:A --kill-on-invalid-dep=yes ' : ''}${p.merge}`);
    return;
  }
  const { arrayJob, mergeJob } = r.submitted;
  if (arrayJob) out(`submitted array job ${arrayJob} (${runs}) and merge job ${mergeJob} (runs after every task succeeded)`);
  else out(`submitted merge job ${mergeJob} (${runs})`);
  out(`follow: squeue -j ${[arrayJob, mergeJob].filter(Boolean).join(',')}   logs: ${p.logs}/`);
  out(`result: ${dir}/summary.md when job ${mergeJob} is done; if a task failed, run this same command again: it submits only the missing shards`);
}

export function register(program: Command): void {
  addConfigOptions(
    program
      .command('sweep')
      .description('accuracy against stuck-at fault rate, SA1:SA0 ratio and mitigation, over several fault seeds; CSV, JSON, Markdown summary and SVG plot')
      .option('--rates <list>', 'fault rates in percent of cells', '0,0.1,1,2.5,10,50')
      .option('--ratios <list>', 'SA1:SA0 ratios', '5:1,1:5')
      .option('--seeds <n>', 'number of fault seeds (faults.seed, faults.seed+1, …)', '2')
      .option('--mitigations <list>', `mitigations to compare (${MITIGATIONS.join(', ')})`)
      .option('--out <dir>', 'output folder', 'runs/sweep')
      .option('--shard <i/N>', 'run only shard i of N (shards balanced by expected cost, the same partition on every machine); merge with `memxbar merge`')
      .option('--slurm', 'submit the sweep to Slurm: an array job, one task per shard, and a merge job after it (docs/cluster.md); again to resume')
      .option('--array-size <n>', `--slurm: number of shards (array tasks); default one per point up to ${OPTION_DEFAULTS.slurm.maxShards}`)
      .option('--partition <name>', '--slurm: partition (sbatch --partition)')
      .option('--time <limit>', '--slurm: wall-time limit per task (sbatch --time, e.g. 2:00:00)')
      .option('--cpus-per-task <n>', '--slurm: cores per task (sbatch --cpus-per-task; the native kernels use them)')
      .option('--mem <size>', '--slurm: memory per task (sbatch --mem, e.g. 4G)')
      .option('--account <name>', '--slurm: account to charge (sbatch --account)')
      .option('--max-running <n>', '--slurm: at most n tasks at once (sbatch --array=…%n)')
      .option('--dry-run', '--slurm: write the job scripts, submit nothing'),
    ['model', 'data', 'images', 'engine', 'faultSeed', 'mitigation'],
  ).action(async (o: CommonOptions & SlurmFlags & { rates: string; ratios: string; seeds: string; mitigations?: string; out: string; shard?: string }) => {
    const [{ checkEngine }, { loadInputs, prepare }, { parseShard, runSweep, summarize, sweepPoints }, { summaryMarkdown }] = await Promise.all([
      import('../../session/eval.ts'),
      import('../../session/prepare.ts'),
      import('../../sweep/sweep.ts'),
      import('../../report/sweep.ts'),
    ]);
    const cfg = await configFromOptions(o);
    const seedsN = Number(o.seeds);
    if (!Number.isInteger(seedsN) || seedsN < 1 || seedsN > 1000) throw new ConfigError(`must be a whole number 1..1000, got ${JSON.stringify(o.seeds)}`, '--seeds');
    const spec: SweepSpec = {
      rates: parseRatesPercent(o.rates),
      ratios: parseRatios(o.ratios),
      seeds: Array.from({ length: seedsN }, (_, i) => cfg.faults.seed + i),
      mitigations: parseMitigations(o.mitigations ?? cfg.mitigation.method),
      images: cfg.experiment.images,
    };
    const resources = slurmResources(o);
    const shard = o.shard ? parseShard(o.shard) : { index: 0, count: 1 };
    for (const m of spec.mitigations) checkEngine({ ...cfg, mitigation: { ...cfg.mitigation, method: m } });
    const points = sweepPoints(spec).length;
    if (shard.count > points) throw new ConfigError(`${shard.count} shards for a sweep of ${points} points: every shard needs at least one point`, '--shard');
    const inputs = loadInputs(cfg);
    if (resources) {
      const { slurmSweep } = await import('../../cluster/sweep.ts');
      const r = slurmSweep({ cfg, spec, net: inputs.net, out: o.out, shards: resources.shards, resources: resources.sbatch, specArgs: ['--rates', o.rates, '--ratios', o.ratios, '--seeds', o.seeds], dryRun: !!o.dryRun });
      await reportSlurm(r, o.out);
      return;
    }
    checkOutDir(o.out, sweepFileNames(shard));
    const progress = progressFor(o);
    const p = prepare(cfg, progress, inputs);
    const r = runSweep(p, spec, shard, progress);
    const files = await writeSweep(o.out, r);
    if (shard.count === 1) out(summaryMarkdown(summarize(r)));
    for (const f of files) out(`wrote ${f}`);
  });

  program
    .command('merge')
    .description('merge the shard results of one sweep (sweep.shard-*.json) into the full sweep outputs')
    .argument('<files...>', 'shard JSON files')
    .option('--out <dir>', 'output folder', 'runs/sweep')
    .action(async (files: string[], o: { out: string }) => {
      const [{ checkSweepResult, mergeSweeps, summarize }, { summaryMarkdown }] = await Promise.all([import('../../sweep/sweep.ts'), import('../../report/sweep.ts')]);
      const missing = files.filter((f) => !existsSync(f));
      if (missing.length) throw new DataError(`${missing.length} of ${files.length} shard files missing (ENOENT): ${missing.join(', ')}`, 'merge');
      const parts = files.map((f) => {
        let result: SweepResult;
        try {
          result = JSON.parse(readFileSync(f, 'utf8')) as SweepResult;
        } catch (e) {
          throw new DataError(`not a readable sweep result: ${(e as Error).message}`, f);
        }
        return { result: checkSweepResult(result, f), source: f };
      });
      const merged = mergeSweeps(parts);
      checkOutDir(o.out, sweepFileNames(merged.shard));
      for (const f of await writeSweep(o.out, merged, 'merge')) out(`wrote ${join(f)}`);
      out(summaryMarkdown(summarize(merged)));
    });
}

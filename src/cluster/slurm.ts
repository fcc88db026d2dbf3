/**
 * A sweep on Slurm (docs/cluster.md): one array task per shard (`memxbar sweep --shard i/N`),
 * then one merge job that runs only after every task succeeded (`--dependency=afterok`).
 * This module owns the Slurm tools (sbatch, squeue, scancel): it renders the two job
 * scripts, decides which shards still need to run (a shard's result file missing, unreadable
 * or of another sweep or partition), and submits. Nothing is submitted when anything is
 * wrong, and a rejected merge job takes the array job it depended on back out of the queue.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError, ToolError } from '../errors.ts';
import { checkSweepResult, pointId, type SweepPoint, type SweepResult } from '../sweep/sweep.ts';

/** What `sbatch` is asked for, beyond the array itself (each maps to one `#SBATCH` line). */
export interface SlurmResources {
  partition?: string;
  /** Wall-time limit per task, in any form sbatch takes (`30`, `2:00:00`, `1-00:00:00`). */
  time?: string;
  cpusPerTask?: number;
  /** Memory per node, as sbatch takes it (`4G`). */
  mem?: string;
  account?: string;
  /** At most this many array tasks at once (`--array=…%K`). */
  maxRunning?: number;
}

/** Everything the two job scripts are made from. */
export interface SlurmSweepPlan {
  /** Sweep key (`sweepKey`): names the jobs, so a re-submission can see its own jobs still queued. */
  key: string;
  /** The output folder (as the user gave it); shards go to `<out>/shards/<i>/`, the merged sweep to `<out>/`. */
  out: string;
  /** Absolute working folder of the jobs (the submitting shell's): relative paths in the args resolve there. */
  workdir: string;
  /** Shard count N. */
  shards: number;
  /** Shards this submission runs (those without a valid result). */
  run: number[];
  /** `memxbar sweep` arguments that define the sweep (config file, rates, ratios, seeds, mitigations), without --shard and --out. */
  sweepArgs: string[];
  /** The command that runs memxbar (this installation: node and bin/memxbar.js). */
  memxbar: string[];
  resources: SlurmResources;
}

/** Where things go under the output folder. */
export const slurmPaths = (out: string) => ({
  dir: join(out, 'slurm'),
  array: join(out, 'slurm', 'sweep-array.sh'),
  merge: join(out, 'slurm', 'sweep-merge.sh'),
  logs: join(out, 'slurm', 'logs'),
  config: join(out, 'slurm', 'config.json'),
  submitted: join(out, 'slurm', 'submitted.json'),
  shardDir: (i: number | string) => join(out, 'shards', String(i)),
  shardFile: (i: number | string, n: number) => join(out, 'shards', String(i), `sweep.shard-${i}-of-${n}.json`),
});

export const jobName = (key: string) => `memxbar-sweep-${key}`;

/** This installation's memxbar, as a command a job can run (compute nodes see the same filesystem). */
export function memxbarCommand(): string[] {
  return [process.execPath, fileURLToPath(new URL('../../bin/memxbar.js', import.meta.url))];
}

/** Quote for bash: safe words stay bare, the rest in single quotes. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Compress sorted shard indices into sbatch's array syntax: 0-3,5,7-8. */
export function arrayRanges(ids: readonly number[]): string {
  const s = [...ids].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let k = 0; k < s.length; ) {
    let j = k;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    parts.push(j > k ? `${s[k]}-${s[j]}` : `${s[k]}`);
    k = j + 1;
  }
  return parts.join(',');
}

function directives(plan: SlurmSweepPlan, name: string, log: string, extra: string[]): string[] {
  const r = plan.resources;
  const lines = [`--job-name=${name}`, `--chdir=${plan.workdir}`, `--output=${log}`, ...extra];
  if (r.partition) lines.push(`--partition=${r.partition}`);
  if (r.account) lines.push(`--account=${r.account}`);
  if (r.time) lines.push(`--time=${r.time}`);
  if (r.mem) lines.push(`--mem=${r.mem}`);
  return lines.map((d) => `#SBATCH ${d}`);
}

const q = (args: string[]) => args.map(shellQuote).join(' ');

/** The array job: task i runs shard i of N into `<out>/shards/i/`. */
export function arrayScript(plan: SlurmSweepPlan): string {
  const p = slurmPaths(plan.out);
  const array = arrayRanges(plan.run) + (plan.resources.maxRunning ? `%${plan.resources.maxRunning}` : '');
  const cpus = plan.resources.cpusPerTask;
  return [
    '#!/bin/bash',
    `# memxbar sweep ${plan.key} on Slurm: array task i runs shard i of ${plan.shards} (docs/cluster.md).`,
    '# Written by `memxbar sweep --slurm`; a re-submission rewrites it with the shards still missing.',
    ...directives(plan, jobName(plan.key), join(p.logs, 'sweep-%A_%a.out'), [`--array=${array}`, ...(cpus ? [`--cpus-per-task=${cpus}`] : [])]),
    'set -euo pipefail',
    'shard="$SLURM_ARRAY_TASK_ID"',
    '# the native kernels use the cores Slurm gave this task',
    'export MEMXBAR_THREADS="${SLURM_CPUS_PER_TASK:-1}"',
    `echo "memxbar sweep ${plan.key}: shard $shard of ${plan.shards} on $(hostname)"`,
    `${q(plan.memxbar)} sweep ${q(plan.sweepArgs)} --shard "$shard/${plan.shards}" --out ${shellQuote(join(plan.out, 'shards'))}/"$shard"`,
    '',
  ].join('\n');
}

/** The merge job: every shard's file, in order; `memxbar merge` fails naming the missing ones. */
export function mergeScript(plan: SlurmSweepPlan): string {
  const p = slurmPaths(plan.out);
  const files = Array.from({ length: plan.shards }, (_, i) => p.shardFile(i, plan.shards));
  return [
    '#!/bin/bash',
    `# memxbar sweep ${plan.key} on Slurm: merges the ${plan.shards} shards into ${plan.out}/ (docs/cluster.md).`,
    '# Submitted with --dependency=afterok on the array job; fails (exit 2) naming any missing shard.',
    ...directives(plan, `${jobName(plan.key)}-merge`, join(p.logs, 'merge-%j.out'), []),
    'set -euo pipefail',
    `${q(plan.memxbar)} merge ${q(files)} --out ${shellQuote(plan.out)}`,
    '',
  ].join('\n');
}

/**
 * The shards that must (re)run: those whose result file is missing, unreadable, of another
 * sweep (key), of another shard count or index, or whose points are not exactly the ones the
 * partition gives this shard (`expected[i]`: point ids of shard i).
 */
export function shardsToRun(out: string, key: string, expected: string[][]): { run: number[]; done: number[]; reasons: Map<number, string> } {
  const p = slurmPaths(out);
  const n = expected.length;
  const run: number[] = [];
  const done: number[] = [];
  const reasons = new Map<number, string>();
  for (let i = 0; i < n; i++) {
    const file = p.shardFile(i, n);
    let why = '';
    try {
      const r = checkSweepResult(JSON.parse(readFileSync(file, 'utf8')) as Partial<SweepResult> | null, file);
      const ids = r.points.map((pt: SweepPoint) => pointId(pt));
      if (r.key !== key) why = `another sweep (key ${r.key})`;
      else if (r.shard?.index !== i || r.shard?.count !== n) why = `holds shard ${r.shard?.index}/${r.shard?.count}`;
      else if (ids.length !== expected[i]!.length || ids.some((id, k) => id !== expected[i]![k])) why = 'other points than this shard\'s';
    } catch (e) {
      why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `unreadable (${(e as Error).message.split('\n')[0]})`;
    }
    if (why) {
      run.push(i);
      reasons.set(i, why);
    } else done.push(i);
  }
  return { run, done, reasons };
}

/** The first executable `name` on PATH, or null. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const f = resolve(dir, name);
    try {
      accessSync(f, constants.X_OK);
      return f;
    } catch {
      /* not here */
    }
  }
  return null;
}

/** sbatch, or a one-line error saying how to go without it. */
export function requireSbatch(): string {
  const sbatch = findOnPath('sbatch');
  if (!sbatch) throw new ToolError('sbatch not found on PATH: run this on a Slurm login node, or add --dry-run to only write the job scripts', '', '--slurm');
  return sbatch;
}

function exec(cmd: string, args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  if (r.error) return { code: -1, stdout: '', stderr: r.error.message };
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const firstLine = (s: string) => s.split('\n').map((l) => l.trim()).find((l) => l) ?? '';

/** Submit one script with `sbatch --parsable`; returns the job id, or throws with sbatch's own message. */
export function sbatch(sbatchPath: string, script: string, extra: string[], cwd: string): string {
  const r = exec(sbatchPath, ['--parsable', ...extra, script], cwd);
  const id = firstLine(r.stdout).split(';')[0]!;
  if (r.code !== 0 || !/^\d+$/.test(id)) {
    throw new ToolError(`sbatch rejected ${script}: ${firstLine(r.stderr) || firstLine(r.stdout) || `exit code ${r.code}`}`, r.stderr, '--slurm');
  }
  return id;
}

/** Jobs of this sweep still in the queue (pending or running), by name; [] when squeue is absent. */
export function queuedJobs(key: string, cwd: string): string[] {
  const squeue = findOnPath('squeue');
  if (!squeue) return [];
  const r = exec(squeue, ['--noheader', '--name', `${jobName(key)},${jobName(key)}-merge`, '--format=%i'], cwd);
  if (r.code !== 0) return [];
  return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
}

export function scancel(job: string, cwd: string): void {
  const path = findOnPath('scancel');
  if (path) exec(path, [job], cwd);
}

export interface Submitted {
  arrayJob: string | null;
  mergeJob: string;
}

/**
 * Submit the array job (when any shard must run) and the merge job after it. When the merge
 * is rejected, the array job is cancelled: a failed submission leaves nothing queued.
 */
export function submit(plan: SlurmSweepPlan, sbatchPath: string): Submitted {
  const p = slurmPaths(plan.out);
  const arrayJob = plan.run.length ? sbatch(sbatchPath, p.array, [], plan.workdir) : null;
  try {
    const dep = arrayJob ? [`--dependency=afterok:${arrayJob}`, '--kill-on-invalid-dep=yes'] : [];
    return { arrayJob, mergeJob: sbatch(sbatchPath, p.merge, dep, plan.workdir) };
  } catch (e) {
    if (arrayJob) scancel(arrayJob, plan.workdir);
    throw e;
  }
}

/** The DataError for jobs of the same sweep still queued (a second submission would run shards twice). */
export function stillQueued(jobs: string[]): DataError {
  return new DataError(`jobs ${jobs.join(', ')} of this sweep are still queued or running; wait for them (squeue -j ${jobs.join(',')}) or scancel them, then submit again`, '--slurm');
}

/**
 * `memxbar sweep … --slurm`: check everything, write the job scripts, submit (or, with
 * `dryRun`, only write). Every check runs before anything is written or submitted; a
 * re-submission runs only the shards without a valid result (docs/cluster.md).
 */
import { resolve } from 'node:path';
import type { Config } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';
import type { Network } from '../nn/graph.ts';
import { pointCostUs, sweepShards, sweepSize } from '../sweep/balance.ts';
import { pointId, sweepKey, sweepPoints, type SweepSpec } from '../sweep/sweep.ts';
import { makeDirs, writeOutputs } from '../util/output.ts';
import { OPTION_DEFAULTS } from '../config/schema.ts';
import { arrayRanges, arrayScript, memxbarCommand, mergeScript, queuedJobs, requireSbatch, shardsToRun, slurmPaths, stillQueued, submit, type SlurmResources, type SlurmSweepPlan, type Submitted } from './slurm.ts';

export interface SlurmSweepRequest {
  cfg: Config;
  spec: SweepSpec;
  net: Network;
  out: string;
  /** Shard count; default: one per point up to 16. */
  shards?: number;
  resources: SlurmResources;
  /** The sweep's own flags as given (rates, ratios, seeds), so every task parses the very same strings. */
  specArgs: string[];
  dryRun: boolean;
}

export interface SlurmSweepOutcome {
  plan: SlurmSweepPlan;
  /** Shards with a valid result already (not run again). */
  done: number[];
  reasons: Map<number, string>;
  /** Estimated CPU seconds per shard (the balance). */
  loadSeconds: number[];
  files: string[];
  submitted: Submitted | null;
}

export function slurmSweep(req: SlurmSweepRequest): SlurmSweepOutcome {
  const { cfg, spec, out } = req;
  const points = sweepPoints(spec);
  const n = req.shards ?? Math.min(points.length, OPTION_DEFAULTS.slurm.maxShards);
  if (n > points.length) throw new ConfigError(`${n} shards for a sweep of ${points.length} points: every shard needs at least one point; use at most ${points.length}`, '--array-size');
  const sbatchPath = req.dryRun ? null : requireSbatch();
  const key = sweepKey(cfg, spec);
  const size = sweepSize(req.net, cfg);
  const shardOf = sweepShards(points, spec, size, n);
  const expected = Array.from({ length: n }, (_, i) => points.filter((_, k) => shardOf[k] === i).map(pointId));
  const loadSeconds = Array.from({ length: n }, (_, i) => points.reduce((a, pt, k) => a + (shardOf[k] === i ? pointCostUs(pt, size, spec.images) : 0), 0) / 1e6);
  const { run, done, reasons } = shardsToRun(out, key, expected);
  if (!req.dryRun) {
    const queued = queuedJobs(key, process.cwd());
    if (queued.length) throw stillQueued(queued);
  }
  const p = slurmPaths(out);
  const plan: SlurmSweepPlan = {
    key,
    out,
    workdir: resolve('.'),
    shards: n,
    run,
    sweepArgs: ['--config', p.config, ...req.specArgs, '--mitigations', spec.mitigations.join(',')],
    memxbar: memxbarCommand(),
    resources: req.resources,
  };
  // The tasks read the config back from this file: it must give the very same sweep.
  const files = writeOutputs(out, {
    'slurm/config.json': JSON.stringify(cfg, null, 1) + '\n',
    ...(run.length ? { 'slurm/sweep-array.sh': arrayScript(plan) } : {}),
    'slurm/sweep-merge.sh': mergeScript(plan),
  }, { command: 'sweep --slurm' });
  makeDirs(p.logs);
  let submitted: Submitted | null = null;
  if (sbatchPath) {
    submitted = submit(plan, sbatchPath);
    files.push(...writeOutputs(out, { 'slurm/submitted.json': JSON.stringify({ key, shards: n, run: arrayRanges(run), ...submitted }, null, 1) + '\n' }, { command: 'sweep --slurm' }));
  }
  return { plan, done, reasons, loadSeconds, files, submitted };
}

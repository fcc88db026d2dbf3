/**
 * `memxbar sweep --slurm` against a real Slurm: a single-node cluster from Debian's packages,
 * brought up and torn down by this file (slurm-cluster.ts). A small sweep runs as a 2-task
 * array plus a merge job and must give the very table the same sweep gives run directly; a
 * task killed with scancel while it runs leaves a hole that re-running the same command fills (and only it).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli-harness.ts';
import { slurmUnavailable, TestCluster } from './slurm-cluster.ts';

const why = slurmUnavailable();
if (why) console.warn(`test/cluster/slurm.test.ts skipped: ${why}`);

/** 4 points (2 mitigations × rates 0 and 1 %, one seed), 2 images: seconds of work per task. */
const SWEEP = ['--rates', '0,1', '--ratios', '5:1', '--seeds', '1', '--mitigations', 'none,mt-stats', '--images', '2', '--set', 'quant.calibrationImages=8', '--set', 'mitigation.activityImages=8', '-q'];
/** Each task loads the model and calibrates; on a loaded 2-core machine a task takes up to a minute or two. */
const JOBS_MS = 240_000;

describe.skipIf(why !== null)('sweep --slurm on a real single-node Slurm cluster', () => {
  let cluster: TestCluster;
  let dir: string;
  let direct: string;
  const savedConf = process.env.SLURM_CONF;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'memxbar-slurm-sweep-'));
    cluster = await TestCluster.start();
    process.env.SLURM_CONF = cluster.conf;
  }, 90_000);

  afterAll(async () => {
    if (savedConf === undefined) delete process.env.SLURM_CONF;
    else process.env.SLURM_CONF = savedConf;
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const submit = async (out: string, ...extra: string[]) => {
    const r = await runCli('sweep', ...SWEEP, '--out', out, '--slurm', '--array-size', '2', ...extra);
    expect(r.code, r.stderr).toBe(0);
    const array = /submitted array job (\d+)/.exec(r.stdout)?.[1];
    const merge = /merge job (\d+)/.exec(r.stdout)?.[1];
    expect(merge, r.stdout).toBeDefined();
    return { array, merge: merge!, stdout: r.stdout };
  };

  it('a 2-task array and its merge job give the table of the same sweep run directly', async () => {
    const out = join(dir, 'cluster');
    const { array, merge, stdout } = await submit(out);
    expect(array, stdout).toBeDefined();
    expect(stdout).toContain(`follow: squeue -j ${array},${merge}`);
    // The same sweep on this machine, while the cluster works.
    direct = join(dir, 'direct');
    const d = await runCli('sweep', ...SWEEP, '--out', direct);
    expect(d.code, d.stderr).toBe(0);
    await cluster.drain(JOBS_MS);
    expect(cluster.job(merge).state, cluster.logs()).toBe('COMPLETED');
    for (const i of [0, 1]) expect(existsSync(join(out, 'shards', String(i), `sweep.shard-${i}-of-2.json`))).toBe(true);
    for (const f of ['sweep.csv', 'summary.md', 'price.md']) expect(readFileSync(join(out, f), 'utf8'), f).toBe(readFileSync(join(direct, f), 'utf8'));
    const merged = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as { points: unknown[] };
    const whole = JSON.parse(readFileSync(join(direct, 'sweep.json'), 'utf8')) as { points: unknown[] };
    expect(merged.points).toEqual(whole.points);
  }, JOBS_MS + 120_000);

  it('a killed task leaves its shard missing and the merge unrun; the same command again runs only that shard', async () => {
    const out = join(dir, 'resume');
    // Kill task 1 while it runs (a task starts node, loads the model and calibrates: seconds).
    const first = await submit(out);
    await cluster.running(`${first.array}_1`, JOBS_MS);
    const cancel = cluster.tool('scancel', [`${first.array}_1`]);
    expect(cancel.code, cancel.stderr).toBe(0);
    await cluster.drain(JOBS_MS);
    expect(cluster.job(`${first.array}_1`).state).toBe('CANCELLED');
    const mergeState = cluster.job(first.merge);
    expect(mergeState.state).not.toBe('COMPLETED');
    expect(mergeState.reason).toBe('DependencyNeverSatisfied');
    const shard0 = join(out, 'shards', '0', 'sweep.shard-0-of-2.json');
    expect(existsSync(shard0)).toBe(true);
    expect(existsSync(join(out, 'shards', '1', 'sweep.shard-1-of-2.json'))).toBe(false);
    expect(existsSync(join(out, 'sweep.csv'))).toBe(false);
    // merge by hand names the missing shard
    const m = await runCli('merge', shard0, join(out, 'shards', '1', 'sweep.shard-1-of-2.json'), '--out', join(dir, 'by-hand'));
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/^memxbar: error: merge: 1 of 2 shard files missing \(ENOENT\): .*sweep\.shard-1-of-2\.json\n$/);

    const before = statSync(shard0).mtimeMs;
    const again = await submit(out);
    expect(again.stdout).toContain('shards with a valid result, not run again: 0');
    expect(again.stdout).toContain('(shards 1 of 2)');
    await cluster.drain(JOBS_MS);
    expect(cluster.job(again.merge).state, cluster.logs()).toBe('COMPLETED');
    expect(statSync(shard0).mtimeMs).toBe(before);
    expect(readFileSync(join(out, 'sweep.csv'), 'utf8')).toBe(readFileSync(join(direct, 'sweep.csv'), 'utf8'));

    // Complete: submitting again runs no shard, only the merge.
    const done = await submit(out);
    expect(done.array).toBeUndefined();
    expect(done.stdout).toContain('shards with a valid result, not run again: 0-1');
    await cluster.drain(JOBS_MS);
    expect(cluster.job(done.merge).state).toBe('COMPLETED');
  }, 2 * JOBS_MS + 120_000);

  it('a submission Slurm rejects is one line, exit 2, and leaves nothing queued', async () => {
    const out = join(dir, 'rejected');
    const r = await runCli('sweep', ...SWEEP, '--out', out, '--slurm', '--array-size', '2', '--partition', 'no-such-partition');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^memxbar: error: --slurm: sbatch rejected .*sweep-array\.sh: .*partition.*\n$/i);
    expect(cluster.queued()).toEqual([]);
  });
});

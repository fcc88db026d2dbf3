/**
 * `sweep --slurm` without a cluster: the scripts it writes, the shards it decides to run, and
 * bad input (no sbatch, a rejected submission, more shards than points), with stand-in
 * sbatch/squeue/scancel scripts on PATH that log how they were called.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { arrayRanges, arrayScript, shardsToRun, shellQuote, slurmPaths, type SlurmSweepPlan } from '../../src/cluster/slurm.ts';
import type { SweepResult } from '../../src/sweep/sweep.ts';
import { runCli } from '../cli-harness.ts';

const SWEEP = ['--rates', '0,1', '--ratios', '5:1', '--seeds', '1', '--mitigations', 'none,mt-stats', '--images', '2', '-q'];

let dir: string;
let bin: string;
const savedPath = process.env.PATH;

/** A stand-in Slurm tool: logs its arguments, prints `stdout`, exits `code` (per call number). */
function fakeTool(name: string, behaviour: { stdout: string; stderr?: string; code: number }[]): void {
  const cases = behaviour.map((b, k) => `  ${k + 1}) printf '%s\\n' ${shellQuote(b.stdout)}; printf '%s\\n' ${shellQuote(b.stderr ?? '')} >&2; exit ${b.code};;`).join('\n');
  writeFileSync(
    join(bin, name),
    `#!/bin/bash\necho "$*" >> ${shellQuote(join(bin, `${name}.calls`))}\nn=$(wc -l < ${shellQuote(join(bin, `${name}.calls`))})\ncase $n in\n${cases}\n  *) exit 99;;\nesac\n`,
  );
  chmodSync(join(bin, name), 0o755);
}
const calls = (name: string) => (existsSync(join(bin, `${name}.calls`)) ? readFileSync(join(bin, `${name}.calls`), 'utf8').trim().split('\n') : []);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'memxbar-submit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.env.PATH = savedPath;
  if (bin) rmSync(bin, { recursive: true, force: true });
});

/** PATH with only the stand-ins (and bash for them). */
function fakePath(): void {
  bin = mkdtempSync(join(dir, 'bin-'));
  process.env.PATH = `${bin}:/usr/bin:/bin`;
  // an empty queue, unless a test says otherwise (a real squeue may be on /usr/bin)
  fakeTool('squeue', [{ stdout: '', code: 0 }]);
}

describe('sweep --slurm: bad input is one line, exit 2, nothing submitted', () => {
  it('no sbatch on PATH', async () => {
    bin = mkdtempSync(join(dir, 'bin-'));
    process.env.PATH = bin; // nothing at all
    const out = join(dir, 'no-sbatch');
    const r = await runCli('sweep', ...SWEEP, '--out', out, '--slurm');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('memxbar: error: --slurm: sbatch not found on PATH: run this on a Slurm login node, or add --dry-run to only write the job scripts\n');
    expect(existsSync(out)).toBe(false);
  });

  it('more shards than points', async () => {
    fakePath();
    fakeTool('sbatch', [{ stdout: '1', code: 0 }]);
    const out = join(dir, 'too-many');
    const r = await runCli('sweep', ...SWEEP, '--out', out, '--slurm', '--array-size', '5');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('memxbar: error: --array-size: 5 shards for a sweep of 4 points: every shard needs at least one point; use at most 4\n');
    expect(calls('sbatch')).toEqual([]);
    expect(existsSync(out)).toBe(false);
    const s = await runCli('sweep', ...SWEEP, '--out', out, '--shard', '0/5');
    expect(s.code).toBe(2);
    expect(s.stderr).toBe('memxbar: error: --shard: 5 shards for a sweep of 4 points: every shard needs at least one point\n');
  });

  it('sbatch rejects the array job: its own message, nothing queued', async () => {
    fakePath();
    fakeTool('sbatch', [{ stdout: '', stderr: 'sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified', code: 1 }]);
    const r = await runCli('sweep', ...SWEEP, '--out', join(dir, 'rejected'), '--slurm', '--array-size', '2');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^memxbar: error: --slurm: sbatch rejected \S+sweep-array\.sh: sbatch: error: Batch job submission failed: Invalid account or account\/partition combination specified\n$/);
    expect(calls('sbatch')).toHaveLength(1);
  });

  it('sbatch takes the array job but rejects the merge job: the array job is cancelled again', async () => {
    fakePath();
    fakeTool('sbatch', [{ stdout: '41', code: 0 }, { stdout: '', stderr: 'sbatch: error: Job dependency problem', code: 1 }]);
    fakeTool('scancel', [{ stdout: '', code: 0 }]);
    const r = await runCli('sweep', ...SWEEP, '--out', join(dir, 'merge-rejected'), '--slurm', '--array-size', '2');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/sbatch rejected \S+sweep-merge\.sh: sbatch: error: Job dependency problem\n$/);
    expect(calls('sbatch')[1]).toMatch(/^--parsable --dependency=afterok:41 --kill-on-invalid-dep=yes \S+sweep-merge\.sh$/);
    expect(calls('scancel')).toEqual(['41']);
  });

  it('jobs of the same sweep still queued: refused, naming them', async () => {
    fakePath();
    fakeTool('sbatch', [{ stdout: '1', code: 0 }]);
    fakeTool('squeue', [{ stdout: '77_1\n78', code: 0 }]);
    const r = await runCli('sweep', ...SWEEP, '--out', join(dir, 'queued'), '--slurm', '--array-size', '2');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^memxbar: error: --slurm: jobs 77_1, 78 of this sweep are still queued or running; .*\n$/);
    expect(calls('squeue')[0]).toMatch(/--name memxbar-sweep-[0-9a-f]{16},memxbar-sweep-[0-9a-f]{16}-merge/);
    expect(calls('sbatch')).toEqual([]);
  });

  it('Slurm flags without --slurm, and --shard with --slurm', async () => {
    for (const [args, msg] of [
      [['--partition', 'p'], '--partition: only applies with --slurm'],
      [['--dry-run'], '--dry-run: only applies with --slurm'],
      [['--slurm', '--shard', '0/2'], '--shard: --slurm makes the shards itself (--array-size sets how many); leave out --shard'],
      [['--slurm', '--time', '2 hours'], '--time: must be a Slurm time limit (minutes, H:MM:SS or D-HH:MM:SS), got "2 hours"'],
      [['--slurm', '--array-size', '0'], '--array-size: must be a whole number 1..100000, got "0"'],
    ] as const) {
      const r = await runCli('sweep', ...SWEEP, '--out', join(dir, 'flags'), ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toBe(`memxbar: error: ${msg}\n`);
    }
    expect(existsSync(join(dir, 'flags'))).toBe(false);
  });
});

describe('sweep --slurm --dry-run writes the job scripts and submits nothing', () => {
  it('array script: one task per shard, the resources asked for; merge script: every shard file', async () => {
    fakePath();
    fakeTool('sbatch', [{ stdout: '1', code: 0 }]);
    const out = join(dir, 'dry');
    const r = await runCli('sweep', ...SWEEP, '--out', out, '--slurm', '--array-size', '3', '--dry-run', '--partition', 'short', '--time', '1:00:00', '--cpus-per-task', '2', '--mem', '4G', '--max-running', '2');
    expect(r.code, r.stderr).toBe(0);
    expect(calls('sbatch')).toEqual([]);
    const p = slurmPaths(out);
    const array = readFileSync(p.array, 'utf8');
    for (const line of ['#SBATCH --array=0-2%2', '#SBATCH --partition=short', '#SBATCH --time=1:00:00', '#SBATCH --cpus-per-task=2', '#SBATCH --mem=4G', `#SBATCH --chdir=${process.cwd()}`]) expect(array).toContain(`${line}\n`);
    expect(array).toMatch(/ sweep --config \S+config\.json --rates 0,1 --ratios 5:1 --seeds 1 --mitigations none,mt-stats --shard "\$shard\/3" --out \S+\/shards\/"\$shard"\n/);
    const merge = readFileSync(p.merge, 'utf8');
    expect(merge).toContain(` merge ${p.shardFile(0, 3)} ${p.shardFile(1, 3)} ${p.shardFile(2, 3)} --out ${out}\n`);
    expect(r.stdout).toContain('dry run, nothing submitted (shards 0-2 of 3)');
    expect(readdirSync(p.dir).sort()).toEqual(['config.json', 'logs', 'sweep-array.sh', 'sweep-merge.sh']);
  });
});

describe('which shards a re-submission runs', () => {
  const result = (over: Partial<SweepResult>): SweepResult =>
    ({
      tool: 'memxbar sweep', key: 'k', config: { network: { model: 'm' } }, spec: { rates: [0], ratios: ['5:1'], seeds: [1], mitigations: ['none'], images: 1 }, shard: { index: 0, count: 4 },
      points: [{ mitigation: 'none', rate: 0, ratio: '5:1', seed: 1, top1: 1, price: {} }], ...over,
    }) as unknown as SweepResult;
  it('missing, unreadable, foreign, misplaced or other points: run; the right points: done', () => {
    const out = join(dir, 'resume');
    const p = slurmPaths(out);
    const put = (i: number, text: string) => {
      mkdirSync(p.shardDir(i), { recursive: true });
      writeFileSync(p.shardFile(i, 4), text);
    };
    const pt = (seed: number) => ({ mitigation: 'none' as const, rate: 0.01, ratio: '5:1', seed, top1: 1, price: {} });
    put(0, JSON.stringify(result({ shard: { index: 0, count: 4 }, points: [pt(1) as never] })));
    put(1, '{"key": "k", "poi');
    put(2, JSON.stringify(result({ key: 'other', shard: { index: 2, count: 4 }, points: [pt(3) as never] })));
    // shard 3's file holds shard 0's result
    put(3, JSON.stringify(result({ shard: { index: 0, count: 4 }, points: [pt(4) as never] })));
    const expected = [['none|0.01|5:1|1'], ['none|0.01|5:1|2'], ['none|0.01|5:1|3'], ['none|0.01|5:1|4']];
    const r = shardsToRun(out, 'k', expected);
    expect(r.done).toEqual([0]);
    expect(r.run).toEqual([1, 2, 3]);
    expect(r.reasons.get(1)).toMatch(/^unreadable/);
    expect(r.reasons.get(2)).toBe('another sweep (key other)');
    expect(r.reasons.get(3)).toBe('holds shard 0/4');
    // the right shard with other points (another partition) runs again too
    const r2 = shardsToRun(out, 'k', [['none|0.01|5:1|9'], ...expected.slice(1)]);
    expect(r2.reasons.get(0)).toBe("other points than this shard's");
    rmSync(p.shardDir(0), { recursive: true });
    expect(shardsToRun(out, 'k', expected).reasons.get(0)).toBe('missing');
  });

  it('array ranges compress the shard list, and the script runs exactly those', () => {
    expect(arrayRanges([5, 0, 1, 2, 7, 8])).toBe('0-2,5,7-8');
    expect(arrayRanges([3])).toBe('3');
    const plan: SlurmSweepPlan = { key: 'k', out: 'o', workdir: '/w', shards: 9, run: [1, 4, 5], sweepArgs: ['--rates', '0,1'], memxbar: ['node', 'm.js'], resources: {} };
    expect(arrayScript(plan)).toContain('#SBATCH --array=1,4-5\n');
    expect(shellQuote("it's a dir")).toBe(`'it'\\''s a dir'`);
  });
});

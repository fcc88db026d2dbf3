/**
 * A throw-away single-node Slurm cluster for tests: munged, slurmctld and slurmd from
 * Debian's packages (`.ci/run` installs them), started in the foreground by this process
 * with a config written to a temporary folder, and stopped by `stop()`. Each daemon runs
 * under a small watchdog shell that kills it when this process is gone, so a crashed or
 * killed test run leaves no daemon behind.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOnPath } from '../../src/cluster/slurm.ts';

const SBIN = ['/usr/sbin', '/sbin'];
const TOOLS = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scontrol', 'scancel', 'sinfo'];

function which(name: string): string | null {
  return findOnPath(name, [process.env.PATH ?? '', ...SBIN].join(':'));
}

/** Why a real cluster cannot be brought up here, or null when it can. */
export function slurmUnavailable(): string | null {
  if (process.platform !== 'linux') return `Slurm runs on Linux, this is ${process.platform}`;
  if (process.getuid?.() !== 0) return 'the test cluster runs its daemons as root, and this is not root';
  const missing = TOOLS.filter((t) => !which(t));
  if (missing.length) return `not installed: ${missing.join(', ')} (bash .ci/run installs slurmctld, slurmd, slurm-client and munge from Debian)`;
  return null;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SlurmJobState {
  id: string;
  state: string;
  reason: string;
}

export class TestCluster {
  readonly dir: string;
  readonly conf: string;
  private readonly daemons: { name: string; proc: ChildProcess; watchdog: ChildProcess }[] = [];
  private readonly env: NodeJS.ProcessEnv;

  private constructor(dir: string) {
    this.dir = dir;
    this.conf = join(dir, 'slurm.conf');
    this.env = { ...process.env, SLURM_CONF: this.conf };
  }

  /** Write the config, start the daemons, wait until the node is idle (or throw with the daemons' logs). */
  static async start(timeoutMs = 60_000): Promise<TestCluster> {
    const c = new TestCluster(mkdtempSync(join(tmpdir(), 'memxbar-slurm-')));
    try {
      await c.boot(timeoutMs);
    } catch (e) {
      await c.stop();
      throw e;
    }
    return c;
  }

  private async boot(timeoutMs: number): Promise<void> {
    const d = this.dir;
    chmodSync(d, 0o711);
    const munge = join(d, 'munge');
    for (const sub of ['state', 'spool', 'log']) mkdirSync(join(d, sub));
    mkdirSync(munge, { mode: 0o711 });
    chmodSync(munge, 0o711);
    const key = join(munge, 'munge.key');
    writeFileSync(key, randomBytes(1024), { mode: 0o600 });
    const socket = join(munge, 'munge.socket');
    // The node as slurmd sees it (CPUs, RealMemory): a larger config value would drain the node.
    const hw = spawnSync(which('slurmd')!, ['-C'], { encoding: 'utf8' }).stdout;
    const cpus = /CPUs=(\d+)/.exec(hw)?.[1] ?? '1';
    const mem = /RealMemory=(\d+)/.exec(hw)?.[1] ?? '1024';
    const [ctldPort, dPort] = [await freePort(), await freePort()];
    writeFileSync(
      this.conf,
      [
        'ClusterName=memxbartest',
        'SlurmctldHost=localhost',
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${dPort}`,
        'AuthType=auth/munge',
        'CredType=cred/munge',
        `AuthInfo=socket=${socket}`,
        'SlurmUser=root',
        'SlurmdUser=root',
        `StateSaveLocation=${join(d, 'state')}`,
        `SlurmdSpoolDir=${join(d, 'spool')}`,
        `SlurmctldPidFile=${join(d, 'slurmctld.pid')}`,
        `SlurmdPidFile=${join(d, 'slurmd.pid')}`,
        `SlurmctldLogFile=${join(d, 'log', 'slurmctld.log')}`,
        `SlurmdLogFile=${join(d, 'log', 'slurmd.log')}`,
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'JobAcctGatherType=jobacct_gather/none',
        'AccountingStorageType=accounting_storage/none',
        'MpiDefault=none',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_CPU',
        'ReturnToService=2',
        // finished jobs stay visible to scontrol for the checks
        'MinJobAge=600',
        `NodeName=localhost CPUs=${cpus} RealMemory=${mem} State=UNKNOWN`,
        'PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP',
        '',
      ].join('\n'),
    );
    this.daemon('munged', [which('munged')!, '--foreground', '--force', `--socket=${socket}`, `--key-file=${key}`, `--log-file=${join(munge, 'munged.log')}`, `--pid-file=${join(munge, 'munged.pid')}`, `--seed-file=${join(munge, 'munged.seed')}`]);
    await this.until(() => spawnSync('test', ['-S', socket]).status === 0, 15_000, 'munged did not create its socket');
    this.daemon('slurmctld', [which('slurmctld')!, '-D', '-i']);
    this.daemon('slurmd', [which('slurmd')!, '-D', '-N', 'localhost']);
    await this.until(() => this.tool('sinfo', ['--noheader', '--format=%T']).stdout.trim() === 'idle', timeoutMs, 'the node did not come up idle');
  }

  /**
   * Start a daemon in the foreground, as this process's child, with a watchdog beside it
   * that kills it (TERM, then KILL) once this process is gone.
   */
  private daemon(name: string, argv: string[]): void {
    const log = openSync(join(this.dir, 'log', `${name}.out`), 'a');
    const proc = spawn(argv[0]!, argv.slice(1), { env: this.env, stdio: ['ignore', log, log] });
    const d = proc.pid;
    const guard = `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${d} 2>/dev/null; do sleep 1; done; kill -TERM ${d} 2>/dev/null; sleep 5; kill -KILL ${d} 2>/dev/null; true`;
    const watchdog = spawn('bash', ['-c', guard], { stdio: 'ignore', detached: true });
    watchdog.unref();
    this.daemons.push({ name, proc, watchdog });
  }

  private async until(ok: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const t0 = Date.now();
    while (!ok()) {
      const dead = this.daemons.find((d) => d.proc.exitCode !== null);
      if (dead) throw new Error(`${dead.name} exited: ${this.logs()}`);
      if (Date.now() - t0 > timeoutMs) throw new Error(`${what} within ${timeoutMs / 1000} s: ${this.logs()}`);
      await sleep(500);
    }
  }

  /** The daemons' log tails, for a failure message. */
  logs(): string {
    const tail = (f: string) => {
      try {
        return readFileSync(join(this.dir, 'log', f), 'utf8').split('\n').slice(-8).join('\n');
      } catch {
        return '(none)';
      }
    };
    return ['munged.out', 'slurmctld.out', 'slurmd.out', 'slurmctld.log', 'slurmd.log'].map((f) => `--- ${f}\n${tail(f)}`).join('\n');
  }

  /** Run a Slurm client tool against this cluster. */
  tool(name: string, args: string[]): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(which(name)!, args, { env: this.env, encoding: 'utf8', timeout: 30_000 });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** Job ids (array tasks as `A_i`) still queued or running. */
  queued(): string[] {
    return this.tool('squeue', ['--noheader', '--format=%i']).stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  }

  /** Wait until the queue is empty; throws naming the jobs left after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    await this.until(() => this.queued().length === 0, timeoutMs, `jobs still queued (${this.queued().join(', ')})`);
  }

  /** Wait until a job (or array task `A_i`) is running; throws if it never is within `timeoutMs`. */
  async running(id: string, timeoutMs: number): Promise<void> {
    await this.until(() => this.tool('squeue', ['--noheader', '--jobs', id, '--format=%T']).stdout.trim() === 'RUNNING', timeoutMs, `job ${id} did not start`);
  }

  /** A job's final state as scontrol reports it (JobState, Reason). */
  job(id: string): SlurmJobState {
    const s = this.tool('scontrol', ['show', 'job', id]).stdout;
    return { id, state: /JobState=(\S+)/.exec(s)?.[1] ?? '?', reason: /Reason=(\S+)/.exec(s)?.[1] ?? '?' };
  }

  /** Cancel every job, stop the daemons (TERM, then KILL), remove the folder. */
  async stop(): Promise<void> {
    if (this.daemons.some((d) => d.name === 'slurmctld' && d.proc.exitCode === null)) {
      const jobs = [...new Set(this.queued().map((j) => j.split('_')[0]!))];
      if (jobs.length) this.tool('scancel', jobs);
      for (let k = 0; k < 20 && this.queued().length; k++) await sleep(500);
    }
    for (const { proc, watchdog } of [...this.daemons].reverse()) {
      if (watchdog.exitCode === null && watchdog.signalCode === null) watchdog.kill('SIGKILL');
      if (proc.exitCode !== null || proc.signalCode !== null) continue;
      const gone = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(t);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

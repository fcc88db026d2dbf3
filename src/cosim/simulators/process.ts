/**
 * Running an outside program for a simulator module: found or not, its output (stdout
 * and stderr interleaved as they came), its exit status and its wall time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { ToolError } from '../../errors.ts';

export interface ProcResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  seconds: number;
  timedOut: boolean;
}

/** Version line of a program (`cmd versionArg`), or null when it is not installed. */
export function probe(cmd: string, versionArgs: string[] = ['--version']): string | null {
  const r = spawnSync(cmd, versionArgs, { encoding: 'utf8', timeout: 20_000 });
  if (r.error || r.status === null) return null;
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  return text.split('\n')[0] ?? '';
}

/** Run a program to completion; throws ToolError (tool = `where`) only when it cannot start. */
export function runProcess(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number; where: string; env?: NodeJS.ProcessEnv }): Promise<ProcResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: string[] = [];
    let size = 0;
    const keep = (b: Buffer) => {
      // Keep the first 16 MB: a runaway simulation must not exhaust memory.
      if (size < 16 << 20) chunks.push(b.toString('utf8'));
      size += b.length;
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, opts.timeoutMs)
      : null;
    child.once('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new ToolError(`cannot run ${cmd}: ${(e as NodeJS.ErrnoException).code ?? e.message}`, '', opts.where));
    });
    child.once('close', (status, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ status, signal, output: chunks.join(''), seconds: (performance.now() - t0) / 1000, timedOut });
    });
  });
}

/** Throw a ToolError carrying the log unless the program exited 0. */
export function checkExit(r: ProcResult, what: string, where: string): void {
  if (r.status === 0 && !r.timedOut) return;
  const how = r.timedOut ? 'timed out' : r.status === null ? `killed by ${r.signal}` : `exit ${r.status}`;
  const first = r.output.split('\n').find((l) => /error/i.test(l))?.trim();
  throw new ToolError(`${what} failed (${how})${first ? `: ${first}` : ''}`, r.output, where);
}

/**
 * Outside tools for the RTL tests: Verilator (lint), Icarus Verilog (compile, simulate)
 * and Yosys (through src/synth/yosys.ts). Tests that need a missing simulator fail with
 * the install command, they do not silently pass.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/config/load.ts';
import type { GeneratedRtl } from '../../src/rtl/generate.ts';

export const TESTBENCH_DIR = join(PROJECT_ROOT, 'testbench');
export const INSTALL_HINT = 'apt-get install -y iverilog verilator';

export function hasTool(cmd: string): boolean {
  return spawnSync(cmd, ['--version'], { encoding: 'utf8' }).status !== null;
}

export function requireTool(cmd: string): void {
  if (!hasTool(cmd)) throw new Error(`${cmd} is not installed (${INSTALL_HINT})`);
}

export interface RunResult {
  status: number | null;
  output: string;
}

export function run(cmd: string, args: string[], cwd?: string, timeoutMs = 120_000): RunResult {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `memxbar-${tag}-`));
}

/** Write an in-memory generation into a fresh temporary directory. */
export function materialize(gen: GeneratedRtl, tag: string): string {
  const dir = tempDir(tag);
  for (const [name, text] of gen.files) writeFileSync(join(dir, name), text);
  return dir;
}

export function verilogFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.v'))
    .sort()
    .map((f) => join(dir, f));
}

/** `verilator --lint-only -Wall` of one module (its submodules found in the same directory). */
export function verilatorLint(dir: string, module: string, extraFiles: string[] = []): RunResult {
  return run('verilator', ['--lint-only', '-Wall', '--top-module', module, '-y', dir, ...extraFiles, join(dir, `${module}.v`)]);
}

/** `iverilog -g2012` of files, top `top`; returns the compiled image path on success. */
export function icarusCompile(files: string[], top: string, out: string, defines: string[] = []): RunResult {
  return run('iverilog', ['-g2012', '-Wall', '-o', out, '-s', top, ...defines, ...files]);
}

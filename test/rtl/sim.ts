/**
 * Drive a generated tile with testbench/memxbar_cosim_tb.v under Icarus Verilog:
 * conductances, register writes and activation vectors go in as hex files, partial
 * sums come back as signed integers, per vector and weight column.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GeneratedRtl } from '../../src/rtl/generate.ts';
import type { RegWrite } from '../../src/rtl/tables.ts';
import { icarusCompile, materialize, run, TESTBENCH_DIR, verilogFiles } from './tools.ts';
import { plusargs, TB_FILES, TB_TOP, tileTbParameters } from '../../src/cosim/testbench.ts';

export interface SimInput {
  g: readonly (readonly number[])[];
  vectors: number[][];
  regs?: RegWrite[];
  /** Chained partial sums in (enables CTRL.chain through a register write added here). */
  chainIn?: bigint[][];
  stall?: boolean;
  /** Register addresses to read after the writes (before any vector). */
  reads?: number[];
}

export interface SimOutput {
  psums: bigint[][];
  /** Indices as reported on psum_out_index. */
  indices: number[][];
  /** Data of each register read, in order. */
  readData: number[];
  log: string;
}

const hex = (v: bigint, bits: number) => v.toString(16).padStart(Math.ceil(bits / 4), '0');
const toUnsigned = (v: bigint, bits: number) => (v < 0n ? v + (1n << BigInt(bits)) : v);

export function runTileSim(gen: GeneratedRtl, input: SimInput): SimOutput {
  const d = gen.design;
  const am = gen.manifest.analogModel;
  const dir = materialize(gen, 'sim');
  const cells: string[] = [];
  for (let p = 0; p < d.rows; p++) for (let j = 0; j < d.cols; j++) cells.push(hex(BigInt(input.g[p]![j]!), Number(am.GW)));
  writeFileSync(join(dir, 'cells.hex'), cells.join('\n') + '\n');
  const acts = input.vectors.map((x) => {
    let w = 0n;
    x.forEach((v, r) => (w |= BigInt(v) << BigInt(r * d.actBits)));
    return hex(w, d.rows * d.actBits);
  });
  writeFileSync(join(dir, 'acts.hex'), acts.join('\n') + '\n');
  const reads = input.reads ?? [];
  writeFileSync(join(dir, 'reads.hex'), reads.map((a) => hex(BigInt(a), 32)).join('\n') + '\n');
  const regs = [...(input.regs ?? [])];
  const chain = input.chainIn !== undefined;
  if (chain) regs.push({ addr: 0, data: 1 }); // CTRL.chain = 1 (CSR offset 0 of region 0)
  writeFileSync(join(dir, 'regs.hex'), regs.map((w) => hex((BigInt(w.addr) << 32n) | BigInt(w.data >>> 0), 64)).join('\n') + '\n');
  if (chain) {
    const words = input.chainIn!.flat().map((v) => hex(toUnsigned(v, d.psumBits), d.psumBits));
    writeFileSync(join(dir, 'psin.hex'), words.join('\n') + '\n');
  }
  const nVecs = input.vectors.length;
  const params: Record<string, number> = {
    ...tileTbParameters(gen),
    MAX_REGS: Math.max(1, regs.length),
    MAX_VECS: Math.max(1, nVecs),
    MAX_READS: Math.max(1, reads.length),
    MAX_PSIN: chain ? Math.max(1, nVecs * d.weightCols) : 1,
  };
  const defs = Object.entries(params).map(([k, v]) => `-P${TB_TOP}.${k}=${v}`);
  if (d.adcKind === 'flash') defs.push('-DMEMXBAR_FLASH');
  const image = join(dir, 'tb.vvp');
  const files = [...verilogFiles(dir), ...TB_FILES.map((f) => join(TESTBENCH_DIR, f))];
  const c = icarusCompile(files, TB_TOP, image, defs);
  if (c.status !== 0) throw new Error(`iverilog failed:\n${c.output}`);
  const args = plusargs({
    cells: join(dir, 'cells.hex'), regs: join(dir, 'regs.hex'), nRegs: regs.length,
    acts: join(dir, 'acts.hex'), nVecs, out: join(dir, 'out.txt'), stall: input.stall, maxCycles: 2_000_000,
    reads: reads.length ? { path: join(dir, 'reads.hex'), n: reads.length, out: join(dir, 'reads.txt') } : undefined,
    psin: chain ? join(dir, 'psin.hex') : undefined,
  });
  const r = run('vvp', ['-n', image, ...args], dir);
  if (r.status !== 0 || !r.output.includes('memxbar_cosim_tb: DONE')) throw new Error(`simulation failed:\n${r.output}`);
  const psums: bigint[][] = input.vectors.map(() => []);
  const indices: number[][] = input.vectors.map(() => []);
  const readData = reads.length ? readFileSync(join(dir, 'reads.txt'), 'utf8').trim().split('\n').map((l) => Number.parseInt(l.trim().split(/\s+/)[1]!, 16)) : [];
  const outText = readFileSync(join(dir, 'out.txt'), 'utf8').trim();
  for (const line of outText ? outText.split('\n') : []) {
    const [v, idx, data] = line.trim().split(/\s+/) as [string, string, string];
    let value = BigInt(`0x${data}`);
    if (value >= 1n << BigInt(d.psumBits - 1)) value -= 1n << BigInt(d.psumBits);
    psums[Number(v)]!.push(value);
    indices[Number(v)]!.push(Number(idx));
  }
  return { psums, indices, readData, log: r.output };
}

/**
 * The co-simulation testbench (testbench/memxbar_cosim_tb.v) as data: its sources, the
 * parameters a generated tile gives it, and the plusargs of one run. Every simulator
 * module builds and runs the same testbench from this description.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../paths.ts';
import { cacheDir } from '../util/cache.ts';
import type { GeneratedRtl } from '../rtl/generate.ts';

export const TESTBENCH_DIR = join(PROJECT_ROOT, 'testbench');
export const TB_TOP = 'memxbar_cosim_tb';
export const TB_FILES = ['memxbar_analog.v', 'memxbar_cosim_tb.v'] as const;
/** Install line named by every "simulator missing" error. */
export const INSTALL_HINT = 'apt-get install -y iverilog verilator';

/** Buffer sizes compiled into the testbench (a larger vector set is replayed in several runs). */
export interface TbCapacity {
  maxRegs: number;
  maxVecs: number;
  /** Bits of a cell word when wider than the analog model's GW (cells above Gmax: cellWordBits). */
  cellBits?: number;
}

export const DEFAULT_MAX_VECS = 4096;

/** Register writes a full tile program can take: CSRs, the row table, every term slot. */
export function regCapacity(gen: GeneratedRtl): number {
  const d = gen.design;
  return 16 + d.rows + d.weightCols * 2 ** d.termIndexBits;
}

/**
 * The tile-interface parameters of the testbench (memxbar_cosim_tb.v, and its C++ twin),
 * from the tile's design and its manifest's analogModel.
 */
export function tileTbParameters(gen: GeneratedRtl): Record<string, number> {
  const d = gen.design;
  const am = gen.manifest.analogModel;
  const fromModel = ['U', 'DIFF', 'S', 'CPA', 'N_ADC', 'CW', 'SIGNED', 'QW', 'MW', 'TH', 'FLASH', 'GW', 'DG'] as const;
  return {
    ROWS: d.rows,
    COLS: d.cols,
    PR: d.parallelRead,
    NG: d.groups,
    A: d.actBits,
    PW: d.psumBits,
    WB: d.weightColBits,
    WC: d.weightCols,
    RAW: d.regAddrBits,
    ...Object.fromEntries(fromModel.map((k) => [k, Number(am[k])])),
    // The write path's array ports (memxbar_analog.v): only a tile with the write path has them.
    ...(d.writePath ? { RB: d.rowBits, CB: d.colBits, LB: d.cellBits, TSW: d.testSelBits, GMAX: d.gMax, GMIN: d.gMin } : {}),
  };
}

/** Co-simulation testbench parameters: the tile interface and the buffer capacity. */
export function tbParameters(gen: GeneratedRtl, cap: TbCapacity): Record<string, number> {
  const p = tileTbParameters(gen);
  return { ...p, GW: Math.max(p.GW!, cap.cellBits ?? 0), MAX_REGS: cap.maxRegs, MAX_VECS: cap.maxVecs };
}

/** `define`s the testbench needs (a flash tile has other ADC ports). */
export function tbDefines(gen: GeneratedRtl): string[] {
  const d = gen.design;
  return [...(d.adcKind === 'flash' ? ['MEMXBAR_FLASH'] : []), ...(d.writePath ? ['MEMXBAR_WRITE'] : []), ...(d.bist ? ['MEMXBAR_BIST'] : [])];
}

/** Files of one run (paths), as the testbench's plusargs name them. */
export interface RunFiles {
  cells: string;
  regs: string | null;
  nRegs: number;
  acts: string;
  nVecs: number;
  out: string;
  stall?: boolean;
  maxCycles?: number;
  /** Dump every signal from cycle `from` to cycle `to` (then stop). */
  vcd?: { path: string; from: number; to: number };
  /** Register reads after the writes (Verilog testbench only; needs MAX_READS >= n). */
  reads?: { path: string; n: number; out: string };
  /** Chained partial sums in (Verilog testbench only; needs MAX_PSIN >= nVecs·WC). */
  psin?: string;
  /** Read noise, nVecs·A·NG lines of COLS 32-bit words (noise.hex; Verilog testbench only). */
  noise?: string;
  /** Write path (Verilog testbench only): level table, stuck cells, BIST, fault map and array state out. */
  levels?: string;
  stuck?: string;
  bist?: boolean;
  faultsOut?: string;
  cellsOut?: string;
}

export function plusargs(f: RunFiles): string[] {
  const a = [`+cells=${f.cells}`, `+acts=${f.acts}`, `+n_vecs=${f.nVecs}`, `+n_regs=${f.nRegs}`, `+out=${f.out}`];
  if (f.regs && f.nRegs > 0) a.push(`+regs=${f.regs}`);
  if (f.stall) a.push('+stall=1');
  if (f.maxCycles !== undefined) a.push(`+max_cycles=${f.maxCycles}`);
  if (f.vcd) a.push(`+vcd=${f.vcd.path}`, `+vcd_from=${f.vcd.from}`, `+vcd_to=${f.vcd.to}`);
  if (f.reads) a.push(`+reads=${f.reads.path}`, `+n_reads=${f.reads.n}`, `+reads_out=${f.reads.out}`);
  if (f.psin) a.push(`+psin=${f.psin}`);
  if (f.noise) a.push(`+noise=${f.noise}`);
  if (f.levels) a.push(`+levels=${f.levels}`);
  if (f.stuck) a.push(`+stuck=${f.stuck}`);
  if (f.bist) a.push('+bist=1');
  if (f.faultsOut) a.push(`+faults_out=${f.faultsOut}`);
  if (f.cellsOut) a.push(`+cells_out=${f.cellsOut}`);
  return a;
}

/** A source tree ready to compile: the generated tile and the testbench, in one folder. */
export interface TbSources {
  dir: string;
  files: string[];
  params: Record<string, number>;
  defines: string[];
  /** sha256/16 of everything that determines the compiled model (sources, parameters, defines, `extra`). */
  key: string;
}

/**
 * Write the sources into a per-build cache folder (`<cache>/cosim/<tag>-<key>`, cacheRoot),
 * keyed by their content, so a model built once is found again by the next run.
 */
export function tbSources(gen: GeneratedRtl, cap: TbCapacity, tag: string, extra: string[] = []): TbSources {
  const params = tbParameters(gen, cap);
  const defines = tbDefines(gen);
  const texts = new Map<string, string>();
  for (const [name, text] of gen.files) if (name.endsWith('.v')) texts.set(name, text);
  for (const f of TB_FILES) texts.set(f, readFileSync(join(TESTBENCH_DIR, f), 'utf8'));
  const h = createHash('sha256');
  for (const [name, text] of [...texts].sort(([a], [b]) => a.localeCompare(b))) h.update(`${name}\0${text}\0`);
  h.update(JSON.stringify({ params, defines, extra }));
  const key = h.digest('hex').slice(0, 16);
  const dir = join(cacheRoot(), `${tag}-${key}`);
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const [name, text] of texts) {
    const path = join(dir, name);
    writeFileSync(path, text);
    files.push(path);
  }
  return { dir, files, params, defines, key };
}

/** Root of the compiled-model cache: `cosim/` in memxbar's cache folder (util/cache.ts). */
export function cacheRoot(): string {
  return cacheDir('cosim');
}

/**
 * The Yosys scripts of the synthesis report and the readers of their `stat -json`
 * output. One ASIC run gives both the Liberty area (memxbar45) and the transistor
 * estimate; one iCE40 run gives LUT/FF/BRAM counts.
 */
import { libertyText } from './liberty.ts';
import { macroBlackboxVerilog, macroLibertyText, memlibMapVerilog, memlibText, type SramMacro } from './memlib.ts';
import { yosysSecondsOf, runYosys, type RunOptions } from './yosys.ts';

const LIB_FILE = 'memxbar45.lib';
const MEMLIB_FILE = 'memxbar_sram.memlib';
const MEMLIB_MAP_FILE = 'memxbar_sram_map.v';
const MACRO_BB_FILE = 'memxbar_sram_bb.v';
const MACRO_LIB_FILE = 'memxbar_sram.lib';
const SHIFTX_MAP_FILE = 'memxbar_shiftx_bmux.v';

/**
 * A techmap rule for Yosys's `$shiftx` cell with a one-bit result (`x[i]` with a variable `i`,
 * e.g. the row driver's remap `lsb_pad[row_src[...]]`): it becomes a `$bmux`, a binary tree of
 * 2^S - 1 two-input multiplexers on the select bits, the same function (an index past the end of
 * `x` selects an undefined bit in both). Yosys's generic rule builds a barrel shifter as wide as
 * `x` (S stages of |x| multiplexers, most removed again by `opt` afterwards), which is where the
 * MT row driver spent most of its synthesis time. Any other `$shiftx` keeps the generic rule.
 */
export const SHIFTX_BMUX_MAP = `(* techmap_celltype = "$shiftx" *)
module _memxbar_shiftx_bmux (A, B, Y);
  parameter A_SIGNED = 0;
  parameter B_SIGNED = 0;
  parameter A_WIDTH = 1;
  parameter B_WIDTH = 1;
  parameter Y_WIDTH = 1;
  input [A_WIDTH-1:0] A;
  input [B_WIDTH-1:0] B;
  output [Y_WIDTH-1:0] Y;
  wire _TECHMAP_FAIL_ = Y_WIDTH != 1 || B_SIGNED || B_WIDTH > 12 || A_WIDTH > (1 << B_WIDTH);
  wire [(1 << B_WIDTH)-1:0] padded = {{((1 << B_WIDTH) - A_WIDTH){1'bx}}, A};
  \\$bmux #(.WIDTH(1), .S_WIDTH(B_WIDTH)) _TECHMAP_REPLACE_ (.A(padded), .S(B), .Y(Y));
endmodule
`;

/**
 * The ASIC flow's recipe. `default`: the one memxbar uses (a one-bit `$shiftx` as a mux tree,
 * see SHIFTX_BMUX_MAP). `baseline`: the script before that change, kept so that `npm run bench`
 * can time both in the same run (the same areas within ABC's small structural differences).
 */
export type AsicRecipe = 'default' | 'baseline';

export interface AsicRunOptions extends RunOptions {
  recipe?: AsicRecipe;
}

export interface AsicModuleStats {
  module: string;
  /** Area of the module's own cells (submodule instances excluded), µm². */
  areaUm2: number;
  cells: number;
  cellsByType: Record<string, number>;
  /** Transistor estimate of the module's own cells (`stat -tech cmos`). */
  transistors: number;
  /** How many times the design instantiates it (1 for the top); the numbers above are one instance's. */
  instances: number;
}

export interface AsicResult {
  modules: AsicModuleStats[];
  /** Whole design (hierarchy summed). */
  totalAreaUm2: number;
  totalCells: number;
  totalTransistors: number;
  /** Blackboxed modules (estimated elsewhere), by instance count. */
  blackboxes: Record<string, number>;
  warnings: string[];
  /** Reused from the cache (an identical earlier Yosys run). */
  cached: boolean;
  /** The run's time as Yosys reports it, s (wall-clock under WebAssembly; the original run's when cached). */
  yosysS: number;
}

export interface Ice40Counts {
  luts: number;
  flipFlops: number;
  brams: number;
  carries: number;
  cellsByType: Record<string, number>;
}

export interface Ice40Result extends Ice40Counts {
  /** Per module, its own cells (hierarchy kept), one instance's. */
  modules: Record<string, Ice40Counts>;
  /** Instances of each module in the design. */
  instances: Record<string, number>;
  warnings: string[];
  cached: boolean;
  yosysS: number;
}

export interface StatModule {
  num_cells: number;
  area?: number;
  num_cells_by_type?: Record<string, number>;
  estimated_num_transistors?: string;
}
export interface StatJson {
  modules: Record<string, StatModule>;
  design: StatModule;
}

const unescape = (name: string) => name.replace(/^\\/, '');

/**
 * Instances of each module in the design under `top` (hierarchy kept: a module synthesized once is
 * counted once per instance), from the submodule cells each module's `stat` lists.
 */
export function instanceCounts(stat: StatJson, top: string): Record<string, number> {
  const children = new Map<string, [string, number][]>();
  const names = new Set(Object.keys(stat.modules).map(unescape));
  for (const [raw, s] of Object.entries(stat.modules)) {
    children.set(unescape(raw), Object.entries(s.num_cells_by_type ?? {}).map(([t, n]) => [unescape(t), n] as [string, number]).filter(([t]) => names.has(t)));
  }
  const count: Record<string, number> = Object.fromEntries([...names].map((n) => [n, 0]));
  const visit = (m: string, times: number) => {
    count[m] = (count[m] ?? 0) + times;
    for (const [c, n] of children.get(m) ?? []) visit(c, times * n);
  };
  visit(top, 1);
  return count;
}

/** "1234+" → 1234 (the "+" marks cells Yosys has no transistor count for, e.g. submodule instances). */
function transistorCount(s: string | undefined): number {
  return s ? Number.parseInt(s, 10) : 0;
}

function readVerilog(files: string[]): string {
  return `read_verilog -sv ${files.join(' ')}`;
}

/**
 * Generic synthesis (hierarchy kept), then (a) `async2sync; dffunmap; stat -tech cmos` for
 * transistors and (b) `dfflibmap; abc -liberty; stat -liberty` for area. With a macro, the
 * memories are mapped onto it (`memory_libmap` + techmap to its blackbox cell) between the
 * coarse and fine steps of `synth`, and `stat` reads its area from its own Liberty file.
 */
export function asicScript(top: string, verilogFiles: string[], blackbox: string[] = [], macros: readonly SramMacro[] | SramMacro | null = null, recipe: AsicRecipe = 'default'): string[] {
  const macro = asMacroList(macros).length > 0;
  const between = [...(macro ? [`memory_libmap -lib ${MEMLIB_FILE}`, `techmap -map ${MEMLIB_MAP_FILE}`] : []), ...(recipe === 'default' ? [`techmap -map ${SHIFTX_MAP_FILE}`] : [])];
  const synth = between.length ? [`synth -top ${top} -run :fine`, ...between, `synth -top ${top} -run fine:`] : [`synth -top ${top}`];
  return [
    readVerilog(macro ? [...verilogFiles, MACRO_BB_FILE] : verilogFiles),
    `hierarchy -check -top ${top}`,
    ...blackbox.map((m) => `blackbox ${m}`),
    ...synth,
    'design -save generic',
    'async2sync',
    'dffunmap',
    'tee -q -o cmos.json stat -json -tech cmos',
    'design -load generic',
    `dfflibmap -liberty ${LIB_FILE}`,
    `abc -liberty ${LIB_FILE}`,
    'opt_clean',
    `tee -q -o liberty.json stat -json -liberty ${LIB_FILE}${macro ? ` -liberty ${MACRO_LIB_FILE}` : ''}`,
  ];
}

/** The macros of a flow as a list (one macro, or none, is accepted for the callers of one store). */
function asMacroList(m: readonly SramMacro[] | SramMacro | null): readonly SramMacro[] {
  return m === null ? [] : Array.isArray(m) ? m : [m as SramMacro];
}

export async function runAsic(top: string, verilog: Record<string, string>, blackbox: string[] = [], opts: AsicRunOptions = {}, macros: readonly SramMacro[] | SramMacro | null = null): Promise<AsicResult> {
  const macroList = asMacroList(macros);
  const macro = macroList.length > 0 ? macroList : null;
  const recipe = opts.recipe ?? 'default';
  const files: Record<string, string> = { ...verilog, [LIB_FILE]: libertyText() };
  if (recipe === 'default') files[SHIFTX_MAP_FILE] = SHIFTX_BMUX_MAP;
  if (macro) {
    files[MEMLIB_FILE] = memlibText(macro);
    files[MEMLIB_MAP_FILE] = memlibMapVerilog(macro);
    files[MACRO_BB_FILE] = macroBlackboxVerilog(macro);
    files[MACRO_LIB_FILE] = macroLibertyText(macro);
  }
  const r = await runYosys(asicScript(top, Object.keys(verilog), blackbox, macro, recipe), files, opts);
  const lib = JSON.parse(r.files['liberty.json']!) as StatJson;
  const cmos = JSON.parse(r.files['cmos.json']!) as StatJson;
  const moduleNames = new Set(Object.keys(lib.modules).map(unescape));
  const instances = instanceCounts(lib, top);
  const modules: AsicModuleStats[] = [];
  for (const [raw, s] of Object.entries(lib.modules)) {
    const name = unescape(raw);
    const byType = Object.fromEntries(Object.entries(s.num_cells_by_type ?? {}).filter(([t]) => !moduleNames.has(unescape(t)) && !blackbox.includes(t)));
    modules.push({
      module: name,
      areaUm2: s.area ?? 0,
      cells: Object.values(byType).reduce((a, b) => a + b, 0),
      cellsByType: byType,
      transistors: transistorCount(cmos.modules[raw]?.estimated_num_transistors),
      instances: instances[name] ?? 0,
    });
  }
  const blackboxes = Object.fromEntries(Object.entries(lib.design.num_cells_by_type ?? {}).filter(([t]) => blackbox.includes(t)));
  return {
    modules,
    totalAreaUm2: lib.design.area ?? 0,
    totalCells: lib.design.num_cells - Object.values(blackboxes).reduce((a, b) => a + b, 0),
    totalTransistors: transistorCount(cmos.design.estimated_num_transistors),
    blackboxes,
    warnings: r.warnings,
    cached: r.cached === true,
    yosysS: yosysSecondsOf(r.log),
  };
}

/** iCE40 synthesis with the hierarchy kept (per-module counts, like the ASIC flow). */
export function ice40Script(top: string, verilogFiles: string[]): string[] {
  return [readVerilog(verilogFiles), `synth_ice40 -top ${top} -noflatten`, 'tee -q -o ice40.json stat -json'];
}

function ice40Counts(byTypeRaw: Record<string, number>, moduleNames: Set<string>): Ice40Counts {
  const byType = Object.fromEntries(Object.entries(byTypeRaw).filter(([t]) => !t.startsWith('$') && !moduleNames.has(unescape(t))));
  const count = (pred: (t: string) => boolean) => Object.entries(byType).reduce((a, [t, n]) => a + (pred(t) ? n : 0), 0);
  return {
    luts: count((t) => t === 'SB_LUT4'),
    flipFlops: count((t) => t.startsWith('SB_DFF')),
    brams: count((t) => t.startsWith('SB_RAM')),
    carries: count((t) => t === 'SB_CARRY'),
    cellsByType: byType,
  };
}

export async function runIce40(top: string, verilog: Record<string, string>, opts: RunOptions = {}): Promise<Ice40Result> {
  const r = await runYosys(ice40Script(top, Object.keys(verilog)), verilog, opts);
  const stat = JSON.parse(r.files['ice40.json']!) as StatJson;
  const names = new Set(Object.keys(stat.modules).map(unescape));
  const modules = Object.fromEntries(Object.entries(stat.modules).map(([raw, s]) => [unescape(raw), ice40Counts(s.num_cells_by_type ?? {}, names)]));
  return { ...ice40Counts(stat.design.num_cells_by_type ?? {}, names), modules, instances: instanceCounts(stat, top), warnings: r.warnings, cached: r.cached === true, yosysS: yosysSecondsOf(r.log) };
}

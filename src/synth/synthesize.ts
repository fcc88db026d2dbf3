/**
 * The synthesis report of a generated tile: per-module and tile area (memxbar45
 * Liberty), transistor estimate, iCE40 resources, and the MT overhead (the same tile
 * generated without MT, synthesized the same way). JSON and Markdown.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPTION_DEFAULTS } from '../config/schema.ts';
import { DataError } from '../errors.ts';
import { generateFromManifest, readManifest, type GeneratedRtl, type Manifest } from '../rtl/generate.ts';
import { renderTemplate } from '../rtl/render.ts';
import { faultBitmapView } from '../rtl/views/mtTables.ts';
import { runAsic, runIce40, type AsicResult, type Ice40Counts, type Ice40Result } from './flows.ts';
import { LIBERTY_NAME, LIBERTY_RELPATH } from './liberty.ts';
import { DEFAULT_MEMORY_LIBRARY, memoryLibrary, sramMacro, type SramMacro } from './memlib.ts';
import { yosysPackageVersion, type RunOptions } from './yosys.ts';

const FAULT_BITMAP = 'memxbar_fault_bitmap';

/** How the ASIC flows build the fault store: one SRAM macro (default) or flip-flops. */
export type FaultStoreKind = 'sram' | 'flipflops';

export interface SynthOptions {
  /** `sram` (default): the fault store is mapped onto one macro of `memoryLibrary`; `flipflops`: synthesized (or estimated) as flip-flops. */
  faultStore?: FaultStoreKind;
  /** The memory library of the SRAM macro (src/synth/memlib.ts; default openram-freepdk45). */
  memoryLibrary?: string;
  /**
   * The fault bitmap is synthesized to flip-flops when it holds at most this many bits;
   * a larger one is estimated from a synthesized reference bitmap of this size, scaled
   * by depth (flip-flop memories of 32 Kbit take Yosys minutes and scale linearly).
   */
  exactMemoryBits?: number;
  /** Progress lines (one per Yosys run started / finished). */
  onProgress?: (line: string) => void;
  /** Run the iCE40 flow too (default true; the slowest of the runs, skipped by `memxbar run`). */
  ice40?: boolean;
}



export interface ModuleReport {
  module: string;
  role: string;
  areaUm2: number;
  cells: number;
  transistors: number;
  /** Instances in the tile; area, cells, transistors and iCE40 counts are of all of them. */
  instances: number;
  /** How the ASIC numbers were obtained when not by synthesizing the module itself. */
  estimate: string | null;
  /** The SRAM macro inside the module (its area is part of `areaUm2`; transistors: 6T cells only). */
  macro?: SramMacro | null;
  /** iCE40 resources of the module's own cells (design as generated; null in the comparison variant). */
  ice40: Omit<Ice40Counts, 'cellsByType'> | null;
}

export interface VariantSummary {
  mt: boolean;
  areaUm2: number;
  cells: number;
  transistors: number;
  modules: ModuleReport[];
}

export interface SynthReport {
  generator: { name: 'memxbar'; version: string };
  yosys: string;
  liberty: { name: string; file: string };
  design: {
    top: string;
    configHash: string;
    preset: string;
    mt: boolean;
    rows: number;
    cols: number;
    /** True if the files synthesized are exactly those the manifest lists. */
    filesMatchManifest: boolean;
    /** How the fault store was built in the ASIC flows (the iCE40 flow always uses block RAM). */
    faultStore: FaultStoreKind;
  };
  /** The design as generated (per module, then the tile total). */
  modules: ModuleReport[];
  tile: { areaUm2: number; cells: number; transistors: number };
  /** iCE40 resources of the tile (null when the iCE40 flow was not run). */
  ice40: { luts: number; flipFlops: number; brams: number; carries: number; cellsByType: Record<string, number> } | null;
  mtOverhead: {
    withMtUm2: number;
    withoutMtUm2: number;
    overheadUm2: number;
    /** Overhead relative to the tile without MT, percent. */
    overheadPct: number;
    /** The same without the fault bitmap (row remap, term tables and their logic only). */
    overheadExcludingBitmapUm2: number;
    byModule: { module: string; withMtUm2: number; withoutMtUm2: number; deltaUm2: number }[];
  };
  /**
   * A tile built with the write path and the BIST (gen --write-path --bist): the same tile
   * without them synthesized too. `withMtUm2` above is then the tile with MT, store, write path and BIST.
   */
  bist?: { withBistUm2: number; withoutBistUm2: number; bistModuleUm2: number };
  /**
   * The march test's time and energy for this tile (src/cost/bist.ts, filled by the caller: the
   * synthesis does not price energy), printed beside the MT price.
   */
  bistTest?: SynthBistTest;
  warnings: number;
  runtimeMs: number;
  /** Per flow, the time Yosys reports, s (wall-clock under WebAssembly; the original run's when reused from the cache). */
  flowYosysS?: Record<string, number>;
  /** Yosys runs of this report reused from memxbar's cache (identical script, files and Yosys version), of `yosysRuns`. */
  yosysRunsCached?: number;
  yosysRuns?: number;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

function verilogOf(files: ReadonlyMap<string, string> | Record<string, string>): Record<string, string> {
  const entries = files instanceof Map ? [...files] : Object.entries(files);
  return Object.fromEntries(entries.filter(([n]) => n.endsWith('.v')));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Synthesize a directory written by `memxbar gen`. */
/** The march test's price as the report prints it (docs/rtl.md "Test time and energy"). */
export interface SynthBistTest {
  cycles: number;
  clockHz: number;
  seconds: number;
  /** Device programming pulses of the test's row writes, s (the RTL counts one cycle per write). */
  deviceWriteSeconds: number;
  /** Upper bound, J: cell writes, ADC, array reads and fault-store writes. */
  energyJ: number;
  cellWriteEnergyJ: number;
  writePulses: number;
  /** Where the figures come from (config, sources). */
  basis: string;
}

export async function synthesizeDir(dir: string, opts: SynthOptions = {}): Promise<SynthReport> {
  const manifest = readManifest(dir);
  const files: Record<string, string> = {};
  for (const m of manifest.modules) {
    const p = join(dir, m.file);
    if (!existsSync(p)) throw new DataError(`${m.file} listed in manifest.json is missing`, dir);
    files[m.file] = readFileSync(p, 'utf8');
  }
  return synthesize(manifest, files, opts);
}

/** Synthesize an in-memory generation (tests, bench). */
export async function synthesizeGenerated(gen: GeneratedRtl, opts: SynthOptions = {}): Promise<SynthReport> {
  return synthesize(gen.manifest, verilogOf(gen.files), opts);
}

/**
 * The SRAM macro the ASIC flows map a manifest's fault store onto (null: no fault store, or
 * `faultStore: 'flipflops'`). Throws the one-line refusals (unknown library, store too large).
 */
export function faultStoreMacro(manifest: Manifest, opts: Pick<SynthOptions, 'faultStore' | 'memoryLibrary'> = {}): SramMacro | null {
  if ((opts.faultStore ?? 'sram') !== 'sram' || !manifest.modules.some((m) => m.name === FAULT_BITMAP)) return null;
  const p = manifest.parameters as { rowBits: number; colBits: number };
  return sramMacro(memoryLibrary(opts.memoryLibrary ?? DEFAULT_MEMORY_LIBRARY), 2 ** (p.rowBits + p.colBits), 2, FAULT_BITMAP);
}

const MT_TABLES = 'memxbar_mt_tables';

/**
 * The SRAM macro of the MT term table ({2^(weightColBits+termIndexBits)} x termEntryBits; null
 * without MT or with `faultStore: 'flipflops'`). Throws the one-line refusals like the fault store's.
 */
export function termTableMacro(manifest: Manifest, opts: Pick<SynthOptions, 'faultStore' | 'memoryLibrary'> = {}): SramMacro | null {
  if ((opts.faultStore ?? 'sram') !== 'sram' || !manifest.modules.some((m) => m.name === MT_TABLES)) return null;
  const p = manifest.parameters as { weightColBits: number; termIndexBits: number; termEntryBits: number };
  return sramMacro(memoryLibrary(opts.memoryLibrary ?? DEFAULT_MEMORY_LIBRARY), 2 ** (p.weightColBits + p.termIndexBits), p.termEntryBits, MT_TABLES);
}

/** Every SRAM macro the ASIC flow of a manifest maps its memories onto (fault store, term table). */
export function asicMacros(manifest: Manifest, opts: Pick<SynthOptions, 'faultStore' | 'memoryLibrary'> = {}): SramMacro[] {
  return [faultStoreMacro(manifest, opts), termTableMacro(manifest, opts)].filter((x): x is SramMacro => x !== null);
}

interface Job<T> {
  label: string;
  run: (opts: RunOptions) => Promise<T>;
}

/** Run a Yosys job, reporting when it starts (it may wait for a core) and how long it ran. */
async function timed<T>(job: Job<T>, progress: (l: string) => void): Promise<T> {
  let t0 = Date.now();
  const r = await job.run({
    onStart: () => {
      t0 = Date.now();
      progress(`yosys: ${job.label} ...`);
    },
  });
  const cached = (r as { cached?: boolean } | null)?.cached === true;
  const yosysS = (r as { yosysS?: number } | null)?.yosysS ?? 0;
  progress(`yosys: ${job.label} ${cached ? 'reused from the cache (an identical earlier run)' : `done in ${((Date.now() - t0) / 1000).toFixed(1)} s (Yosys reports ${yosysS.toFixed(1)} s)`}`);
  return r;
}

export async function synthesize(manifest: Manifest, files: Record<string, string>, opts: SynthOptions = {}): Promise<SynthReport> {
  const t0 = Date.now();
  const progress = opts.onProgress ?? (() => {});
  const exactBits = opts.exactMemoryBits ?? OPTION_DEFAULTS.synth.exactMemoryBits;
  const top = manifest.top;
  const filesMatchManifest = manifest.files.every((f) => !f.name.endsWith('.v') || (files[f.name] !== undefined && sha256(files[f.name]!) === f.sha256));

  // The comparison variant: the other MT setting, without the write path and the BIST (they need MT).
  const hasTest = manifest.options.writePath === true || manifest.options.bist === true;
  const other = generateFromManifest(manifest, { mt: !manifest.options.mt, ...(hasTest ? { writePath: false, bist: false } : {}) });
  const otherVerilog = verilogOf(other.files);

  // The fault bitmap: exact, or estimated from a reference of exactBits bits.
  const p = manifest.parameters as { rowBits: number; colBits: number; rows: number; cols: number };
  const hasBitmap = manifest.modules.some((m) => m.name === FAULT_BITMAP) || other.manifest.modules.some((m) => m.name === FAULT_BITMAP);
  const bitmapEntries = 2 ** (p.rowBits + p.colBits);
  const faultStore: FaultStoreKind = opts.faultStore ?? 'sram';
  // Refused before any Yosys run: an unknown library, a store larger than its largest macro.
  const macro: SramMacro | null =
    faultStore === 'sram' && hasBitmap ? sramMacro(memoryLibrary(opts.memoryLibrary ?? DEFAULT_MEMORY_LIBRARY), bitmapEntries, 2, FAULT_BITMAP) : null;
  if (faultStore === 'flipflops' && opts.memoryLibrary !== undefined) memoryLibrary(opts.memoryLibrary);
  const estimateBitmap = !macro && hasBitmap && 2 * bitmapEntries > exactBits;
  // The term table of the MT tables: a memory without reset, mapped onto its own macro (docs/rtl.md "Term table").
  const termMacro = faultStore === 'sram' ? termTableMacro(manifest, opts) ?? termTableMacro(other.manifest, opts) : null;
  const macroOf = (m: Manifest, module: string): SramMacro | null =>
    !m.modules.some((x) => x.name === module) ? null : module === FAULT_BITMAP ? macro : module === MT_TABLES ? termMacro : null;
  const macroFor = (m: Manifest): SramMacro[] => [macroOf(m, FAULT_BITMAP), macroOf(m, MT_TABLES)].filter((x): x is SramMacro => x !== null);
  const refAddrBits = Math.max(2, Math.floor(Math.log2(Math.max(4, exactBits / 2))));
  const refRowBits = Math.floor(refAddrBits / 2);
  const refColBits = refAddrBits - refRowBits;
  const refEntries = 2 ** refAddrBits;
  const blackboxFor = (m: Manifest) => (estimateBitmap && m.modules.some((x) => x.name === FAULT_BITMAP) ? [FAULT_BITMAP] : []);

  const jobs: Promise<unknown>[] = [];
  // Longest first: the iCE40 flow of a full tile is the slowest run.
  const ice = opts.ice40 === false ? Promise.resolve(null) : timed({ label: `iCE40 flow, ${top}`, run: (o) => runIce40(top, files, o) }, progress);
  const mainAsic = timed({ label: `ASIC flow, ${top} (MT ${manifest.options.mt ? 'on' : 'off'})`, run: (o) => runAsic(top, files, blackboxFor(manifest), o, macroFor(manifest)) }, progress);
  const otherAsic = timed({ label: `ASIC flow, ${top} (MT ${other.manifest.options.mt ? 'on' : 'off'})`, run: (o) => runAsic(top, otherVerilog, blackboxFor(other.manifest), o, macroFor(other.manifest)) }, progress);
  let refAsic: Promise<AsicResult> | null = null;
  if (estimateBitmap) {
    const refFile = `${FAULT_BITMAP}.v`;
    const refText = renderTemplate(FAULT_BITMAP, faultBitmapView(2 ** refRowBits, 2 ** refColBits, refRowBits, refColBits));
    refAsic = timed({ label: `ASIC flow, reference ${FAULT_BITMAP} (${refEntries} x 2 bits)`, run: (o) => runAsic(FAULT_BITMAP, { [refFile]: refText }, [], o) }, progress);
  }
  // With the BIST: the same MT tile without the write path and the BIST (its area beside the MT price).
  const plain = hasTest && manifest.options.mt ? generateFromManifest(manifest, { writePath: false, bist: false }) : null;
  const plainAsic = plain ? timed({ label: `ASIC flow, ${top} (MT on, no write path or BIST)`, run: (o) => runAsic(top, verilogOf(plain.files), blackboxFor(plain.manifest), o, macroFor(plain.manifest)) }, progress) : null;
  jobs.push(mainAsic, otherAsic, ice);
  if (refAsic) jobs.push(refAsic);
  if (plainAsic) jobs.push(plainAsic);
  // Settle all before reporting the first failure, so no worker outlives the call.
  const settled = await Promise.allSettled(jobs);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  const [mainRes, otherRes, iceRes] = (settled as PromiseFulfilledResult<unknown>[]).map((s) => s.value) as [AsicResult, AsicResult, Ice40Result | null];
  const refRes = refAsic ? ((settled[3] as PromiseFulfilledResult<AsicResult>).value as AsicResult) : null;
  const plainRes = plainAsic ? ((settled[settled.length - 1] as PromiseFulfilledResult<AsicResult>).value as AsicResult) : null;

  const bitmapEstimate = (): ModuleReport | null => {
    if (!refRes) return null;
    const ref = refRes.modules.find((m) => m.module === FAULT_BITMAP)!;
    const scale = bitmapEntries / refEntries;
    return {
      module: FAULT_BITMAP,
      instances: 1,
      role: '',
      areaUm2: round3(ref.areaUm2 * scale),
      cells: Math.round(ref.cells * scale),
      transistors: Math.round(ref.transistors * scale),
      estimate: `scaled ×${scale} from a synthesized ${refEntries} x 2-bit reference (${round3(ref.areaUm2)} µm²)`,
      ice40: null,
    };
  };

  const summarize = (res: AsicResult, m: Manifest): VariantSummary => {
    const roles = new Map(m.modules.map((x) => [x.name, x.role]));
    const modules: ModuleReport[] = [];
    for (const mod of m.modules) {
      const s = res.modules.find((x) => x.module === mod.name);
      if (s) {
        const mac = macroOf(m, mod.name);
        const k = s.instances;
        const transistors = k * s.transistors + (mac?.transistors ?? 0);
        modules.push({ module: mod.name, role: mod.role, instances: k, areaUm2: round3(k * s.areaUm2), cells: k * s.cells, transistors, estimate: null, macro: mac, ice40: null });
      } else if (mod.name === FAULT_BITMAP) {
        const est = bitmapEstimate();
        if (est) modules.push({ ...est, role: roles.get(FAULT_BITMAP) ?? '' });
      }
    }
    const est = modules.find((x) => x.estimate !== null);
    const macroTransistors = macroFor(m).reduce((a, x) => a + x.transistors, 0);
    return {
      mt: m.options.mt,
      areaUm2: round3(res.totalAreaUm2 + (est?.areaUm2 ?? 0)),
      cells: res.totalCells + (est?.cells ?? 0),
      transistors: res.totalTransistors + (est?.transistors ?? 0) + macroTransistors,
      modules,
    };
  };

  const main = summarize(mainRes, manifest);
  for (const m of main.modules) {
    const c = iceRes?.modules[m.module];
    const k = iceRes?.instances[m.module] ?? 1;
    m.ice40 = c ? { luts: k * c.luts, flipFlops: k * c.flipFlops, brams: k * c.brams, carries: k * c.carries } : null;
  }
  const alt = summarize(otherRes, other.manifest);
  const plainSummary = plainRes && plain ? summarize(plainRes, plain.manifest) : null;
  // The MT price is of the tile without the write path and the BIST (they are priced apart).
  const withMt = plainSummary ?? (main.mt ? main : alt);
  const withoutMt = main.mt ? alt : main;
  const names = [...new Set([...withMt.modules.map((m) => m.module), ...withoutMt.modules.map((m) => m.module)])];
  const areaOf = (v: VariantSummary, n: string) => v.modules.find((m) => m.module === n)?.areaUm2 ?? 0;

  return {
    generator: manifest.generator,
    yosys: yosysPackageVersion(),
    liberty: { name: LIBERTY_NAME, file: LIBERTY_RELPATH },
    design: { top, configHash: manifest.configHash, preset: manifest.preset, mt: manifest.options.mt, rows: p.rows, cols: p.cols, filesMatchManifest, faultStore },
    modules: main.modules,
    tile: { areaUm2: main.areaUm2, cells: main.cells, transistors: main.transistors },
    ice40: iceRes ? { luts: iceRes.luts, flipFlops: iceRes.flipFlops, brams: iceRes.brams, carries: iceRes.carries, cellsByType: iceRes.cellsByType } : null,
    mtOverhead: {
      withMtUm2: withMt.areaUm2,
      withoutMtUm2: withoutMt.areaUm2,
      overheadUm2: round3(withMt.areaUm2 - withoutMt.areaUm2),
      overheadPct: round3((100 * (withMt.areaUm2 - withoutMt.areaUm2)) / withoutMt.areaUm2),
      overheadExcludingBitmapUm2: round3(withMt.areaUm2 - withoutMt.areaUm2 - areaOf(withMt, FAULT_BITMAP)),
      byModule: names.map((n) => ({ module: n, withMtUm2: areaOf(withMt, n), withoutMtUm2: areaOf(withoutMt, n), deltaUm2: round3(areaOf(withMt, n) - areaOf(withoutMt, n)) })),
    },
    ...(plainSummary ? { bist: { withBistUm2: main.areaUm2, withoutBistUm2: plainSummary.areaUm2, bistModuleUm2: areaOf(main, 'memxbar_bist') } } : {}),
    warnings: mainRes.warnings.length + otherRes.warnings.length + (iceRes?.warnings.length ?? 0) + (refRes?.warnings.length ?? 0),
    runtimeMs: Date.now() - t0,
    flowYosysS: Object.fromEntries(
      [
        ['asic-main', mainRes],
        ['asic-other', otherRes],
        ['ice40', iceRes],
        ['asic-bitmap-reference', refRes],
      ].flatMap(([k, v]) => (v ? [[k as string, (v as AsicResult).yosysS]] : [])),
    ),
    yosysRunsCached: [mainRes, otherRes, iceRes, refRes].filter((x) => x?.cached).length,
    yosysRuns: [mainRes, otherRes, iceRes, refRes].filter((x) => x !== null).length,
  };
}

const fmt = (x: number, digits = 1) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const int = (x: number) => x.toLocaleString('en-US');

/** The report as Markdown. */
export function reportMarkdown(r: SynthReport): string {
  const L: string[] = [];
  L.push(`# memxbar synthesis report: ${r.design.top}`);
  L.push('');
  L.push(
    `${r.design.rows} × ${r.design.cols} tile, config \`${r.design.configHash}\` (preset ${r.design.preset}), MT ${r.design.mt ? 'on' : 'off'}. ` +
      `Generated by memxbar ${r.generator.version}; synthesized with Yosys (@yowasp/yosys ${r.yosys}); ` +
      `cell areas from ${r.liberty.name} (\`${r.liberty.file}\`, NanGate FreePDK45 Open Cell Library X1 areas).`,
  );
  if (!r.design.filesMatchManifest) L.push('', '**Note:** the Verilog files differ from those listed in manifest.json (edited after generation); the MT comparison uses a regenerated variant.');
  L.push('', '## Area and transistors', '');
  L.push('| module | role | area (µm²) | cells | transistors | iCE40 LUT4 | FF | BRAM |');
  L.push('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const m of r.modules) {
    const ice = m.ice40 ? `${int(m.ice40.luts)} | ${int(m.ice40.flipFlops)} | ${int(m.ice40.brams)}` : '– | – | –';
    L.push(`| \`${m.module}\`${m.instances > 1 ? ` ×${m.instances}` : ''}${m.estimate ? ' *' : ''}${m.macro ? ' †' : ''} | ${m.role} | ${fmt(m.areaUm2)} | ${int(m.cells)} | ${int(m.transistors)} | ${ice} |`);
  }
  L.push(
    `| **tile total** | | **${fmt(r.tile.areaUm2)}** | **${int(r.tile.cells)}** | **${int(r.tile.transistors)}** | ${r.ice40 ? `**${int(r.ice40.luts)}** | **${int(r.ice40.flipFlops)}** | **${int(r.ice40.brams)}**` : '– | – | –'} |`,
  );
  const est = r.modules.filter((m) => m.estimate);
  if (est.length) {
    L.push('');
    for (const m of est) L.push(`\\* \`${m.module}\`: ${m.estimate}.`);
  }
  for (const m of r.modules.filter((x) => x.macro)) {
    const mac = m.macro!;
    L.push(
      '',
      `† \`${m.module}\` holds the SRAM macro \`${mac.cell}\` (${mac.words} × ${mac.width} bits, memory library ${mac.library}, blackbox): ` +
        `${fmt(mac.areaUm2)} µm² (${mac.rule}), read ${fmt(mac.readEnergyJ * 1e12, 3)} pJ, write ${fmt(mac.writeEnergyJ * 1e12, 3)} pJ per access, ` +
        `access time ${fmt(mac.accessTimeS * 1e9, 2)} ns; transistors: ${int(mac.transistors)} in 6T cells (periphery not counted). Sources: docs/rtl.md "Memories".`,
    );
  }
  L.push('');
  L.push('Per-module figures are the module\'s own cells (hierarchy kept) times its instances (`×n`: synthesized once, counted n times); area = `synth; dfflibmap; abc -liberty; stat -liberty`; transistors = `synth; async2sync; dffunmap; stat -tech cmos`.');
  if (r.ice40) {
    L.push('', '## iCE40 tile total (`synth_ice40 -noflatten`)', '');
    L.push('| LUT4 | flip-flops | BRAM (SB_RAM40_4K) | carry |');
    L.push('|---:|---:|---:|---:|');
    L.push(`| ${int(r.ice40.luts)} | ${int(r.ice40.flipFlops)} | ${int(r.ice40.brams)} | ${int(r.ice40.carries)} |`);
  }
  L.push('', '## Mapping Transformation overhead', '');
  L.push(
    `Tile with MT ${fmt(r.mtOverhead.withMtUm2)} µm², without MT ${fmt(r.mtOverhead.withoutMtUm2)} µm²: ` +
      `**+${fmt(r.mtOverhead.overheadUm2)} µm² (+${fmt(r.mtOverhead.overheadPct)} %)**; ` +
      `without the fault bitmap (row remap, term tables and their logic only): +${fmt(r.mtOverhead.overheadExcludingBitmapUm2)} µm² ` +
      `(+${fmt((100 * r.mtOverhead.overheadExcludingBitmapUm2) / r.mtOverhead.withoutMtUm2)} %).`,
  );
  const o = r.mtOverhead;
  const store = o.overheadUm2 - o.overheadExcludingBitmapUm2;
  const storeKind = r.design.faultStore === 'sram' ? 'SRAM macro' : 'flip-flops';
  L.push('', '| tile | area (µm²) | × tile without MT |', '|---|---:|---:|');
  L.push(`| without MT | ${fmt(o.withoutMtUm2)} | 1.00 |`);
  L.push(`| with MT, without the on-chip fault store | ${fmt(o.withoutMtUm2 + o.overheadExcludingBitmapUm2)} | ${((o.withoutMtUm2 + o.overheadExcludingBitmapUm2) / o.withoutMtUm2).toFixed(2)} |`);
  L.push(`| with MT and the fault store (${storeKind}) | ${fmt(o.withMtUm2)} | ${(o.withMtUm2 / o.withoutMtUm2).toFixed(2)} |`);
  const b = r.bist;
  if (b) {
    L.push(`| with MT, the fault store, the write path and the march test (BIST) | ${fmt(b.withBistUm2)} | ${(b.withBistUm2 / o.withoutMtUm2).toFixed(2)} |`);
    L.push('', `This tile was built with the write path and the BIST: the MT rows above are the same tile without them (${fmt(b.withoutBistUm2)} µm²); ` +
      `the BIST controller is ${fmt(b.bistModuleUm2)} µm², the write path and test multiplexers ${fmt(b.withBistUm2 - b.withoutBistUm2 - b.bistModuleUm2)} µm².${r.bistTest ? '' : ' Test time and energy: docs/rtl.md "Test time and energy" and the run report.'}`);
  }
  const bt = r.bistTest;
  if (bt) {
    L.push('', `On-chip march test (MATS+) of this tile, beside the MT price (docs/rtl.md "Test time and energy"):`, '', '| march test | value |', '|---|---:|');
    L.push(`| test time | ${int(bt.cycles)} cycles = ${fmt(bt.seconds * 1e6, 2)} µs at ${fmt(bt.clockHz / 1e9, 2)} GHz |`);
    L.push(`| device programming pulses of its writes | ${int(bt.writePulses)} pulses, ${fmt(bt.deviceWriteSeconds * 1e3, 3)} ms |`);
    L.push(`| test energy (≤) | ${fmt(bt.energyJ * 1e9, 2)} nJ, of which cell writes ${fmt(bt.cellWriteEnergyJ * 1e9, 2)} nJ |`);
    L.push(`| BIST area | ${b ? `${fmt(b.bistModuleUm2)} µm² controller + ${fmt(b.withBistUm2 - b.withoutBistUm2 - b.bistModuleUm2)} µm² write path and test multiplexers` : 'not built (gen --write-path --bist)'} |`);
    L.push('', `Priced from ${bt.basis}.`);
  }
  L.push(
    '',
    `The fault store is ${fmt(store)} µm². ${b ? '' : 'No on-chip fault test (BIST) was built (gen --write-path --bist adds it), so none is counted. '}` +
      'For comparison, Zhang et al. report 9.23× area and 8.19× power for their transformations (their hardware against their own baseline, not this tile).',
  );
  L.push('', '| module | with MT (µm²) | without MT (µm²) | Δ (µm²) |', '|---|---:|---:|---:|');
  for (const m of r.mtOverhead.byModule) L.push(`| \`${m.module}\` | ${fmt(m.withMtUm2)} | ${fmt(m.withoutMtUm2)} | ${fmt(m.deltaUm2)} |`);
  const reused = r.yosysRunsCached ? ` (${r.yosysRunsCached} of ${r.yosysRuns} Yosys runs reused from memxbar's cache: same script, files and Yosys version)` : '';
  L.push('', `Yosys warnings: ${r.warnings}. Synthesis time: ${fmt(r.runtimeMs / 1000)} s${reused}.`, '');
  return L.join('\n');
}

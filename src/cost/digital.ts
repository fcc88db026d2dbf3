/**
 * Area of a tile's digital periphery at 45 nm (memxbar45), per RTL module, with and without
 * the MT hardware (docs/cost.md §4): read from a `memxbar synth --out` report when given,
 * otherwise estimated from the design's register and adder counts and the Liberty cell
 * areas. The model scales these areas to the configured node.
 */
import { readFileSync } from 'node:fs';
import { OPTION_DEFAULTS, type Config } from '../config/schema.ts';
import { DataError } from '../errors.ts';
import { deriveDesign, type Design } from '../rtl/design.ts';
import type { SynthReport } from '../synth/synthesize.ts';
import { DEFAULT_MEMORY_LIBRARY, memoryLibrary, sramAreaUm2 } from '../synth/memlib.ts';
import { k } from './constants.ts';
import { fullAdderAreaUm2, libertyAreas } from './components.ts';

export type CostCategory = 'array' | 'adc' | 'accumulation' | 'other';

export interface ModuleArea {
  module: string;
  /** The breakdown category the module belongs to (NeuroSim's grouping). */
  category: CostCategory;
  withMtUm2: number;
  withoutMtUm2: number;
}

export interface DigitalAreas {
  source: 'synthesis' | 'estimate';
  /** The report file (as given on the command line), or null for the estimate. */
  file: string | null;
  /** How the numbers were obtained, for the report. */
  note: string;
  modules: ModuleArea[];
}

const CATEGORY: Record<string, CostCategory> = {
  memxbar_sar_ctrl: 'adc',
  memxbar_flash_enc: 'adc',
  memxbar_shift_add: 'accumulation',
  memxbar_ctrl: 'other',
  memxbar_row_driver: 'other',
  memxbar_row_remap: 'other',
  memxbar_mt_tables: 'other',
  memxbar_fault_bitmap: 'other',
  memxbar_tile: 'other',
};

/** Tile area at 45 nm (µm²) of one variant. */
export function tileDigitalUm2(d: DigitalAreas, mt: boolean): number {
  return d.modules.reduce((s, m) => s + (mt ? m.withMtUm2 : m.withoutMtUm2), 0);
}

/** Read a synthesis report (JSON of `memxbar synth --out`) and check it describes this config's tile. */
export function readSynthReport(file: string, cfg: Config): DigitalAreas {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DataError(`cannot read synthesis report: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, `--synth-report ${file}`);
  }
  let r: SynthReport;
  try {
    r = JSON.parse(text) as SynthReport;
  } catch (e) {
    throw new DataError(`not a JSON synthesis report: ${(e as Error).message}`, `--synth-report ${file}`);
  }
  const ok =
    r && typeof r === 'object' && r.generator?.name === 'memxbar' && Array.isArray(r.modules) && Array.isArray(r.mtOverhead?.byModule) &&
    typeof r.design?.rows === 'number' && typeof r.design?.cols === 'number' &&
    r.mtOverhead.byModule.every((m) => typeof m?.module === 'string' && Number.isFinite(m.withMtUm2) && Number.isFinite(m.withoutMtUm2));
  if (!ok) throw new DataError('not a memxbar synthesis report (expected synth-report.json written by `memxbar synth --out`)', `--synth-report ${file}`);
  if (r.design.rows !== cfg.tile.rows || r.design.cols !== cfg.tile.cols) {
    throw new DataError(
      `the report is for a ${r.design.rows}×${r.design.cols} tile but the config has ${cfg.tile.rows}×${cfg.tile.cols} (tile.rows, tile.cols); synthesize this config's tile (memxbar gen, memxbar synth --out)`,
      `--synth-report ${file}`,
    );
  }
  const names = new Set(r.mtOverhead.byModule.map((m) => m.module));
  const adcModule = cfg.tile.adcKind === 'sar' ? 'memxbar_sar_ctrl' : 'memxbar_flash_enc';
  if (!names.has(adcModule)) {
    throw new DataError(`the report's tile has no ${adcModule} but tile.adcKind is ${cfg.tile.adcKind}; synthesize this config's tile`, `--synth-report ${file}`);
  }
  const modules = r.mtOverhead.byModule.map((m) => ({ module: m.module, category: CATEGORY[m.module] ?? 'other', withMtUm2: m.withMtUm2, withoutMtUm2: m.withoutMtUm2 }));
  const estimated = [
    ...r.modules.filter((m) => m.estimate).map((m) => `${m.module}: ${m.estimate}`),
    ...r.modules.filter((m) => m.macro).map((m) => `${m.module}: SRAM macro ${m.macro!.cell} (${m.macro!.library})`),
  ];
  return {
    source: 'synthesis',
    file,
    note: `Yosys ${r.yosys}, ${r.liberty?.name ?? 'memxbar45'}, config ${r.design.configHash}${estimated.length ? `; ${estimated.join('; ')}` : ''}`,
    modules,
  };
}

/**
 * Estimate of the synthesized areas from the design's widths (docs/cost.md §4.2): each module
 * as registers (DFF, + MUX2 for an enable), adders (full adders), multiplexers and gates of
 * memxbar45. Compared with Yosys on the default tile in docs/cost.md.
 */
export function estimateDigitalAreas(cfg: Config): DigitalAreas {
  const withMt = deriveDesign(cfg, { ...OPTION_DEFAULTS.rtl, mt: true });
  const withoutMt = deriveDesign(cfg, { ...OPTION_DEFAULTS.rtl, mt: false });
  const a = estimateModules(withMt);
  const b = estimateModules(withoutMt);
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return {
    source: 'estimate',
    file: null,
    note: 'estimated from register, adder and multiplexer counts of the generated design and memxbar45 cell areas (no --synth-report)',
    modules: names.map((n) => ({ module: n, category: CATEGORY[n] ?? 'other', withMtUm2: a[n] ?? 0, withoutMtUm2: b[n] ?? 0 })),
  };
}

/** Per-module area estimate (µm², memxbar45) of one design variant. */
export function estimateModules(d: Design): Record<string, number> {
  const L = libertyAreas();
  const FA = fullAdderAreaUm2();
  const regEn = L.DFF + L.MUX2; // register bit with load enable (memxbar45 has no enable flip-flop)
  const regEnR = L.DFFR + L.MUX2;
  const units = d.units.length;
  const mt = d.options.mt;
  const out: Record<string, number> = {};

  // Row driver: the codes' shift register (hold / shift / load), drive gating; MT: remap, Σx.
  let row = d.rows * d.actBits * (L.DFF + 2 * L.MUX2) + d.rows * L.AND2 * (d.groups > 1 ? 2 : 1);
  if (mt) {
    row += d.rows * d.rows * L.MUX2; // one rows-input multiplexer per physical row
    row += (d.rows - 1) * FA + d.xsumBits * (regEn + FA) + d.xsumBits * d.bitIdxBits * L.MUX2;
  }
  out.memxbar_row_driver = row;

  // Shift-add: per unit an accumulator register (enable, clear); per ADC (d.accAdders) one adder
  // with the read multiplexer over its colsPerAdc registers, and the numerator shifter; unit
  // select; term combination; partial-sum output; its counters.
  const shiftLevels = d.bitIdxBits + (d.shiftProgrammable ? d.shiftBits : 0);
  out.memxbar_shift_add =
    units * d.accBits * (regEn + L.AND2) +
    d.accAdders * d.accBits * (FA + (d.colsPerAdc - 1) * L.MUX2) +
    d.adcs * d.accBits * shiftLevels * L.MUX2 +
    (units - 1) * d.accBits * L.MUX2 +
    d.tBits * (d.termShiftBits * L.MUX2 + FA + L.XOR2 + regEnR + (mt ? L.MUX2 : 0)) +
    d.psumBits * (FA + L.AND2) +
    (d.weightColBits + d.termIndexBits + 2) * (regEnR + FA);

  // ADC interface.
  const cw = d.codeBits;
  if (d.adcKind === 'sar') out.memxbar_sar_ctrl = d.adcs * cw * (regEnR + L.AND2 + L.OR2) + (cw + 1) * L.DFFR;
  else out.memxbar_flash_enc = d.adcs * (d.thermBits * (L.AND2 + L.INV) + cw * Math.ceil(d.thermBits / 2) * L.OR2 + cw * regEnR) + 2 * L.DFFR;

  // Control FSM: state, column slot, input bit (and group) counters, plus decode logic.
  out.memxbar_ctrl = (2 + d.colSelBits + d.bitIdxBits + (d.groups > 1 ? d.groupBits : 0)) * (regEnR + FA) + k('controlGatesGe') * L.NAND2;

  // Tile top: control registers (chain, dropped, ADC shift), read-data register (its constant
  // bits fold away: the MT table word, or about 8 live bits without MT), the 8-register read
  // multiplexer over the live bits, and the XOR reduction of unused write data.
  out.memxbar_tile = (d.shiftBits + 4 + (mt ? d.termEntryBits : 8)) * regEnR + 8 * (d.shiftBits + 2) * L.MUX2 + 31 * L.XOR2;

  if (mt) {
    const termEntries = d.weightCols * d.termSlots;
    const entries = d.rows + termEntries;
    const bits = d.rows * d.rowSrcBits + termEntries * d.termEntryBits;
    out.memxbar_mt_tables =
      bits * regEnR +
      entries * Math.ceil(d.regOffsetBits / 2) * L.AND2 +
      (termEntries - 1) * d.termEntryBits * L.MUX2 +
      (entries - 1) * Math.max(d.rowSrcBits, d.termEntryBits) * L.MUX2;
    // The fault store: SRAM of the default memory library, by its density rule (what `memxbar synth`
    // maps it to; a store beyond one macro counts as several).
    const cells = 2 ** (d.rowBits + d.colBits);
    out.memxbar_fault_bitmap = sramAreaUm2(memoryLibrary(DEFAULT_MEMORY_LIBRARY), 2 * cells);
  }
  return out;
}

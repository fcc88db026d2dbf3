/**
 * RTL generation: config → design → views → rendered files + manifest, all in memory;
 * then an atomic write (every file to a temporary name, then renamed) or a check
 * against an existing directory. Nothing touches the disk before everything rendered.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPTION_DEFAULTS, type Config } from '../config/schema.ts';
import { DataError, MemxbarError } from '../errors.ts';
import { CSR, FAULT_CODE, REG_REGIONS, deriveDesign, type Design, type RtlConfig, type RtlOptions } from './design.ts';
import { writeOutputs, type OutputOptions } from '../util/output.ts';
import { rtlConfigHash, rtlInputs } from './hash.ts';
import { modulesOf, TOP_MODULE } from './modules.ts';
import { fileHeader, generatorVersion, renderTemplate, type GeneratorStamp } from './render.ts';
import { termFields } from './tables.ts';
import { tableDataBits } from './views/mtTables.ts';
import { tilePorts, type Port } from './views/ports.ts';
import { bitsFor } from './verilog.ts';
import { featuresWord } from './views/tile.ts';

export const MANIFEST_FILE = 'manifest.json';

/** A directory checked with `gen --check` differs from what the generator produces now. */
export class RtlDriftError extends MemxbarError {}

export interface ManifestModule {
  name: string;
  file: string;
  role: string;
}

export interface Manifest {
  generator: { name: 'memxbar'; version: string };
  configHash: string;
  preset: string;
  options: RtlOptions;
  /** The config fields the RTL depends on (enough to regenerate it). */
  rtlConfig: RtlConfig;
  top: string;
  modules: ManifestModule[];
  /** Every generated file except the manifest, with its sha256. */
  files: { name: string; sha256: string }[];
  /** Every derived number of the design (bigints as decimal strings). */
  parameters: Record<string, unknown>;
  ports: Port[];
  registers: Record<string, unknown>;
  /** Parameters of the behavioural analog model testbench/memxbar_analog.v for this tile. */
  analogModel: Record<string, number | string>;
}

export interface GeneratedRtl {
  design: Design;
  stamp: GeneratorStamp;
  /** File name → content, in dependency order, manifest.json last. */
  files: Map<string, string>;
  manifest: Manifest;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function rtlSubset(config: Pick<Config, 'quant' | 'tile' | 'device'>): RtlConfig {
  return rtlInputs({ quant: config.quant, tile: config.tile, device: config.device }) as RtlConfig;
}

/** Design numbers as JSON (bigints → strings; arrays of terms dropped: they are in the registers section). */
function designParameters(d: Design): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d)) {
    if (k === 'defaultTerms' || k === 'options' || k === 'units') continue;
    // A tile without the write path records what it recorded before these existed.
    if (!d.writePath && WRITE_PATH_KEYS.has(k)) continue;
    out[k] = typeof v === 'bigint' ? v.toString() : Array.isArray(v) ? v.map((x) => (typeof x === 'bigint' ? x.toString() : x)) : v;
  }
  return out;
}

const WRITE_PATH_KEYS = new Set(['writePath', 'bist', 'testSlots', 'testSelBits', 'testShift', 'testCodeLow', 'testCodeHigh']);

/** The CSRs a design has: the write path's and the BIST's only when built. */
export function csrOffsets(d: Design): Partial<Record<keyof typeof CSR, number>> {
  const out: Partial<Record<keyof typeof CSR, number>> = {};
  for (const [k, v] of Object.entries(CSR) as [keyof typeof CSR, number][]) {
    if ((k === 'CELL_WRITE' && !d.writePath) || ((k === 'BIST_CTRL' || k === 'BIST_CYCLES') && !d.bist)) continue;
    out[k] = v;
  }
  return out;
}

function registerMap(d: Design): Record<string, unknown> {
  const f = termFields(d);
  return {
    addressBits: d.regAddrBits,
    offsetBits: d.regOffsetBits,
    dataBits: 32,
    regions: REG_REGIONS,
    csr: csrOffsets(d),
    features: featuresWord(d),
    tableDataBits: tableDataBits(d),
    termEntry: { bits: d.termEntryBits, ...f },
    termIndexBits: d.termIndexBits,
    units: d.units,
    faultCodes: FAULT_CODE,
    defaultTerms: d.defaultTerms,
  };
}

function analogModel(d: Design): Record<string, number | string> {
  return {
    ROWS: d.rows,
    COLS: d.cols,
    U: d.units.length,
    DIFF: d.scheme === 'differential' ? 1 : 0,
    S: d.slices,
    CPA: d.colsPerAdc,
    N_ADC: d.adcs,
    CW: d.codeBits,
    SIGNED: d.signedCodes ? 1 : 0,
    QW: d.colSelBits,
    MW: d.shiftBits,
    TH: Math.max(1, d.thermBits),
    FLASH: d.adcKind === 'flash' ? 1 : 0,
    GW: bitsFor(d.gMax),
    DG: d.dG,
    GMAX: d.gMax,
    GMIN: d.gMin,
    ...(d.writePath ? { LB: d.cellBits, TSW: d.testSelBits } : {}),
  };
}

export interface GenerateRequest {
  /** The resolved config (its hash is stamped into every file). */
  config: Config;
  options?: Partial<RtlOptions>;
}

/**
 * Generate all files in memory. Throws (UnsupportedError / ConfigError) for a
 * config the generator cannot build; nothing is written.
 */
export function generateRtl(req: GenerateRequest): GeneratedRtl {
  // The hash covers what the RTL is generated from (quant, tile, device), so unrelated config changes do not drift it.
  const subset = rtlSubset(req.config);
  return generateFromParts(subset, rtlConfigHash(subset), req.config.preset, req.options);
}

/** Generate from a manifest's recorded config (e.g. the no-MT variant for the synthesis report). */
export function generateFromManifest(m: Manifest, options?: Partial<RtlOptions>): GeneratedRtl {
  return generateFromParts(m.rtlConfig, m.configHash, m.preset, { ...m.options, ...options });
}

function generateFromParts(rtlConfig: RtlConfig, hash: string, preset: string, options?: Partial<RtlOptions>): GeneratedRtl {
  const opts: RtlOptions = { ...OPTION_DEFAULTS.rtl, ...options };
  const design = deriveDesign(rtlConfig, opts);
  const stamp: GeneratorStamp = { version: generatorVersion(), configHash: hash, preset, options: opts };
  const files = new Map<string, string>();
  const modules: ManifestModule[] = [];
  for (const spec of modulesOf(design)) {
    const file = `${spec.name}.v`;
    const body = renderTemplate(spec.name, spec.build(design, hash));
    files.set(file, fileHeader(file, stamp) + '\n' + body);
    modules.push({ name: spec.name, file, role: spec.role });
  }
  validateRendered(files, modules);
  const manifest: Manifest = {
    generator: { name: 'memxbar', version: stamp.version },
    configHash: hash,
    preset,
    options: opts,
    rtlConfig,
    top: TOP_MODULE,
    modules,
    files: [...files].map(([name, text]) => ({ name, sha256: sha256(text) })),
    parameters: designParameters(design),
    ports: tilePorts(design),
    registers: registerMap(design),
    analogModel: analogModel(design),
  };
  files.set(MANIFEST_FILE, JSON.stringify(manifest, null, 2) + '\n');
  return { design, stamp, files, manifest };
}

/** Cheap structural checks of the rendered text (the linters run in the tests). */
function validateRendered(files: Map<string, string>, modules: ManifestModule[]): void {
  for (const m of modules) {
    const text = files.get(m.file)!;
    const decl = text.match(/^module\s+(\w+)/gm) ?? [];
    if (decl.length !== 1 || decl[0] !== `module ${m.name}`) {
      throw new Error(`internal: ${m.file} must declare exactly module ${m.name}, found ${decl.join(', ') || 'none'}`);
    }
    if (!/^endmodule$/m.test(text)) throw new Error(`internal: ${m.file} has no endmodule`);
    if (/\bundefined\b|\[object Object\]|NaN/.test(text)) throw new Error(`internal: ${m.file} contains an unrendered value`);
  }
}

/**
 * Write the generated files into `dir` (src/util/output.ts: never over a file memxbar did
 * not write, all or nothing): the manifest is renamed last, so a complete manifest means
 * every file it lists is in place. Files of a previous generation that this one no longer
 * has are then removed (a folder an older memxbar wrote: the files its manifest lists).
 */
export function writeRtl(dir: string, gen: GeneratedRtl, hooks: Pick<OutputOptions, 'afterStageWrite'> = {}): string[] {
  const previous = previousFiles(dir);
  const legacy = previous ? [{ command: 'gen', files: [...previous, MANIFEST_FILE] }] : [];
  writeOutputs(dir, gen.files, { command: 'gen', replace: true, legacy, ...hooks });
  return [...gen.files.keys()];
}

/**
 * The files a previous generation in `dir` made, from its manifest (null: no memxbar manifest): only a memxbar
 * manifest counts, and only plain file names (never a path out of `dir`).
 */
function previousFiles(dir: string): string[] | null {
  const p = join(dir, MANIFEST_FILE);
  if (!existsSync(p)) return null;
  try {
    const m = JSON.parse(readFileSync(p, 'utf8')) as Partial<Manifest> | null;
    if (m?.generator?.name !== 'memxbar' || !Array.isArray(m.files)) return null;
    return m.files.map((f) => f?.name).filter((n): n is string => typeof n === 'string' && /^[\w.-]+$/.test(n) && n !== '.' && n !== '..');
  } catch {
    return null;
  }
}

export interface CheckResult {
  ok: boolean;
  /** First difference: file, 1-based line, expected and found text. */
  firstDifference?: { file: string; line: number; expected: string; found: string };
  message: string;
}

/** Compare `dir` with the in-memory generation: every generated file must be present and identical. */
export function checkRtl(dir: string, gen: GeneratedRtl): CheckResult {
  for (const [name, text] of gen.files) {
    const p = join(dir, name);
    if (!existsSync(p)) {
      return { ok: false, firstDifference: { file: name, line: 0, expected: '(file)', found: '(missing)' }, message: `${name}: missing from ${dir}` };
    }
    const found = readFileSync(p, 'utf8');
    if (found === text) continue;
    const a = text.split('\n');
    const b = found.split('\n');
    let line = 0;
    while (line < a.length && line < b.length && a[line] === b[line]) line++;
    const diff = { file: name, line: line + 1, expected: a[line] ?? '(end of file)', found: b[line] ?? '(end of file)' };
    return { ok: false, firstDifference: diff, message: `${name}:${diff.line}: expected ${JSON.stringify(diff.expected)}, found ${JSON.stringify(diff.found)}` };
  }
  const extra = (previousFiles(dir) ?? []).find((f) => !gen.files.has(f));
  if (extra) return { ok: false, message: `${extra}: in ${dir} but no longer generated` };
  return { ok: true, message: `${gen.files.size} files match` };
}

/** Read a generated directory's manifest (for synthesis). */
export function readManifest(dir: string): Manifest {
  const p = join(dir, MANIFEST_FILE);
  if (!existsSync(p)) throw new DataError(`no ${MANIFEST_FILE}: not a directory written by memxbar gen`, dir);
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(p, 'utf8')) as Manifest;
  } catch (e) {
    throw new DataError(`${MANIFEST_FILE} is not valid JSON: ${(e as Error).message}`, dir);
  }
  const isObject = (v: unknown) => typeof v === 'object' && v !== null;
  const ok =
    m?.generator?.name === 'memxbar' && typeof m.top === 'string' && isObject(m.rtlConfig) && isObject(m.options) && isObject(m.parameters) &&
    Array.isArray(m.files) && Array.isArray(m.modules) && m.modules.every((x) => typeof x?.file === 'string');
  if (!ok) throw new DataError(`${MANIFEST_FILE} is not a manifest written by memxbar gen (generator, top, rtlConfig, options, parameters, modules, files)`, dir);
  return m;
}

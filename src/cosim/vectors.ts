/**
 * The co-simulation vector format (docs/cosim.md): plain hex files, one word per line,
 * described by a JSON manifest (`vectors.json`) that names every file, its word width,
 * its word count, the tile port it feeds or is compared with, and the order of the
 * words; any simulator or tool can replay a set from that description alone.
 *
 * The set is also self-contained as a specification: `vectors.json` carries every number
 * an independent model of the tile needs to recompute `expected.hex` from the other files
 * (the array and its conversion units, the read groups, the ADC with the programmed shift
 * and its full scale, the register layout, and the layer the tile belongs to, with its
 * zero point); `test/cosim/standalone.test.ts` proves it with a model that reads only these
 * files and the docs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Crossbar } from '../crossbar/reference.ts';
import { DataError } from '../errors.ts';
import type { GeneratedRtl } from '../rtl/generate.ts';
import { CSR, REG_REGIONS, type Design } from '../rtl/design.ts';
import { csrAddress, type RegWrite } from '../rtl/tables.ts';
import { bitsFor } from '../rtl/verilog.ts';

export const VECTORS_MANIFEST = 'vectors.json';
export const VECTOR_FORMAT = 'memxbar-cosim-vectors/2';

export interface VectorFileSpec {
  file: string;
  words: number;
  /** Bits per word; each line is ceil(bits/4) hex digits, most significant first. */
  bits: number;
  /** What the words are and in what order. */
  order: string;
  /** Port of memxbar_tile (or of the analog model) the words feed or are compared with. */
  port: string;
  /** Sub-fields of a word, LSB positions. */
  fields?: { name: string; lsb: number; bits: number; doc: string }[];
  /** Words are two's complement. */
  signed?: boolean;
}

export interface VectorManifest {
  format: typeof VECTOR_FORMAT;
  generator: string;
  /** Config hash of the generated RTL these vectors are for (CONFIG_ID register = its first 8 hex digits). */
  configHash: string;
  /** Parameters of testbench/memxbar_cosim_tb.v (and memxbar_analog.v) for this tile. */
  tile: { rows: number; cols: number; actBits: number; psumBits: number; weightCols: number; regAddrBits: number; analogModel: Record<string, number | string> };
  /** The array: signed scheme, slices, conductance levels and the conversion units (docs/model.md §1–§3). */
  array: VectorArray;
  /** How a vector is read: input bits LSB first, physical rows in read groups (docs/model.md §4). */
  reads: VectorReads;
  /** The ADC as programmed for this set (docs/model.md §5, docs/rtl.md "Conversion units and ADC codes"). */
  adc: VectorAdc;
  /** The register layout the regs.hex writes use (docs/rtl.md "Register map"). */
  registers: Record<string, unknown>;
  /** The layer this tile is a subarray of, or null for a set that is not a layer's (directed vectors). */
  layer: VectorLayer | null;
  /** Where the vectors come from (layer, tile, images, patches, faults, mitigation). */
  source: Record<string, unknown>;
  files: { cells: VectorFileSpec; regs: VectorFileSpec; acts: VectorFileSpec; expected: VectorFileSpec; noise?: VectorFileSpec };
  /** How a replay drives the tile. */
  protocol: string[];
}

export interface VectorArray {
  scheme: 'offset' | 'differential';
  weightBits: number;
  cellBits: number;
  /** Slices per weight (per side for differential), S. */
  slices: number;
  /** Conductance LSBs: Gmax, Gmin and the level step ΔG (docs/model.md §3). */
  gMax: number;
  gMin: number;
  dG: number;
  /** Conversion unit u reads physical column pos (minus column neg for a differential pair; neg = −1: single-ended). */
  units: { pos: number; neg: number }[];
}

export interface VectorReads {
  activationBits: number;
  parallelRead: number;
  groups: number;
  /** Physical rows of read group g: [first, end). */
  groupRows: [number, number][];
  rule: string;
}

export interface VectorAdc {
  kind: 'sar' | 'flash';
  mode: 'lossless' | 'fixed-full-scale' | 'fixed-calibrated';
  /** tile.adcBits (B). */
  bits: number;
  /** Code width of the hardware: B, or what the largest current needs (lossless). */
  codeBits: number;
  signed: boolean;
  /** Code range after clamping; null in lossless mode (unbounded). */
  minCode: number | null;
  maxCode: number | null;
  /** The shift m in force for this set (ADC_SHIFT after the regs.hex writes, or the fixed one) and the largest the tile takes. */
  shift: number;
  shiftMax: number;
  /** Conversion step ΔG·2^m, conductance LSB·Vread. */
  step: number;
  /** Full scale FS the shift was chosen for, and where it comes from; null when not known (lossless, hand-written sets). */
  fullScale: number | null;
  fullScaleSource: 'tile.parallelRead (fixed-full-scale)' | 'calibrated (fixed-calibrated, docs/model.md §5.3)' | 'directed (chosen shift)' | null;
  rule: string;
}

export interface VectorLayer {
  index: number;
  name: string;
  kind: 'conv' | 'fc';
  /** conv: input channels, kernel, stride, pads (top, left, bottom, right), input and output size; fc: inF, outF. */
  shape: Record<string, number | number[]>;
  /** Layer matrix R × C (docs/model.md §1) and its tile grid. */
  R: number;
  C: number;
  rowTiles: number;
  colTiles: number;
  /** This subarray: row tile rt, column tile ct. */
  rt: number;
  ct: number;
  /** Layer rows of this row tile: logical local row i is layer row rt·rows + i, for i < activeRows; local rows ≥ activeRows carry 0. */
  activeRows: number;
  /** Layer output of each weight column o = 0..Wc−1 (−1: none, its word is 0). */
  outputs: number[];
  /** offset scheme: the subarray's zero point z (X = w + z; the reference column stores z); null for differential. */
  zeroPoint: number | null;
  /** Input-sum coefficient of each weight column (0: none); docs/model.md §5.4. */
  inputSum: number[];
  /** MT's per-output offsets are the layer bias's, not the tile's: never in expected.hex. */
  note: string;
}

/** What the caller knows beyond the tile's files: the ADC full scale and the layer. */
export interface VectorContext {
  fullScale?: number | null;
  fullScaleSource?: VectorAdc['fullScaleSource'];
  layer?: VectorLayer | null;
}

export interface VectorSet {
  g: readonly (readonly number[])[];
  regs: readonly RegWrite[];
  acts: readonly Int32Array[];
  expected: readonly (readonly bigint[])[];
  /** Read noise per vector, [(k·groups + g)·cols + j] (TileVectors.noise); absent or null: none. */
  noise?: readonly Int32Array[] | null;
}

/** Bits of one read-noise word (two's complement) in noise.hex and of the testbench's NW. */
export const NOISE_WORD_BITS = 32;

/**
 * Bits of a cells.hex word: the generated analog model's GW, or more when a cell holds more
 * than Gmax (programming variation can push a cell above it, docs/model.md §9.2).
 */
export function cellWordBits(gen: GeneratedRtl, g: VectorSet['g']): number {
  let max = 0;
  for (const row of g) for (const v of row) if (v > max) max = v;
  return Math.max(Number(gen.manifest.analogModel.GW), bitsFor(max));
}

export const hexWord = (v: bigint, bits: number): string => {
  const u = v < 0n ? v + (1n << BigInt(bits)) : v;
  if (u < 0n || u >= 1n << BigInt(bits)) throw new RangeError(`${v} does not fit ${bits} bits`);
  return u.toString(16).padStart(Math.ceil(bits / 4), '0');
};

const lines = (words: string[]) => (words.length ? words.join('\n') + '\n' : '');

export function cellsHex(gen: GeneratedRtl, g: VectorSet['g']): string {
  const d = gen.design;
  const bits = cellWordBits(gen, g);
  const out: string[] = [];
  // An unknown conductance (NaN) is written as an all-x word: 4-state simulators propagate it.
  for (let r = 0; r < d.rows; r++) for (let j = 0; j < d.cols; j++) out.push(Number.isNaN(g[r]![j]!) ? 'x'.repeat(Math.ceil(bits / 4)) : hexWord(BigInt(g[r]![j]!), bits));
  return lines(out);
}

/**
 * The read noise, one 32-bit two's complement word per line: vector v, input bit k, read group
 * g (the tile's read order), column j at line ((v·activationBits + k)·groups + g)·cols + j.
 */
export function noiseHex(gen: GeneratedRtl, noise: readonly Int32Array[]): string {
  const out: string[] = [];
  for (const n of noise) for (const v of n) out.push(hexWord(BigInt(v), NOISE_WORD_BITS));
  return lines(out);
}

export function regsHex(regs: VectorSet['regs']): string {
  return lines(regs.map((w) => hexWord((BigInt(w.addr) << 32n) | BigInt(w.data >>> 0), 64)));
}

/**
 * One ROWS·A-bit word per vector. A negative code stands for an unknown input and is written
 * as x digits (4-state simulators propagate it; needs A a multiple of 4).
 */
export function actsHex(gen: GeneratedRtl, acts: VectorSet['acts']): string {
  const d = gen.design;
  const digits = Math.ceil((d.rows * d.actBits) / 4);
  return lines(
    acts.map((x) => {
      let w = 0n;
      const unknown: number[] = [];
      for (let r = 0; r < d.rows; r++) {
        const v = x[r] ?? 0;
        if (v < 0) unknown.push(r);
        else w |= BigInt(v) << BigInt(r * d.actBits);
      }
      const hex = hexWord(w, d.rows * d.actBits).split('');
      for (const r of unknown) {
        if (d.actBits % 4 !== 0) throw new RangeError('unknown activation codes need activationBits a multiple of 4');
        for (let n = 0; n < d.actBits / 4; n++) hex[digits - 1 - (r * d.actBits) / 4 - n] = 'x';
      }
      return hex.join('');
    }),
  );
}

export function expectedHex(gen: GeneratedRtl, expected: VectorSet['expected']): string {
  return lines(expected.flatMap((ws) => ws.map((v) => hexWord(v, gen.design.psumBits))));
}

/**
 * The ADC shift m a tile uses after `regs`: fixed-calibrated, the last ADC_SHIFT write
 * (saturated at shiftMax) or its reset value shiftMax; fixed-full-scale, the constant
 * shiftMax; lossless, 0.
 */
export function shiftAfterWrites(d: Design, regs: readonly RegWrite[]): number {
  if (d.adcMode === 'lossless') return 0;
  if (!d.shiftProgrammable) return d.shiftMax;
  const addr = csrAddress(d, 'ADC_SHIFT');
  let m = d.shiftMax;
  for (const w of regs) if (w.addr === addr) m = Math.min(w.data >>> 0, d.shiftMax);
  return m;
}

function adcOf(d: Design, regs: readonly RegWrite[], ctx: VectorContext): VectorAdc {
  const m = shiftAfterWrites(d, regs);
  const lossless = d.adcMode === 'lossless';
  const fullScale = ctx.fullScale !== undefined ? ctx.fullScale : d.adcMode === 'fixed-full-scale' ? d.parallelRead * (d.signedCodes ? d.gMax - d.gMin : d.gMax) : null;
  const source = ctx.fullScaleSource !== undefined ? ctx.fullScaleSource : d.adcMode === 'fixed-full-scale' ? 'tile.parallelRead (fixed-full-scale)' : null;
  return {
    kind: d.adcKind,
    mode: d.adcMode,
    bits: d.adcBits,
    codeBits: d.codeBits,
    signed: d.signedCodes,
    minCode: lossless ? null : d.signedCodes ? -d.maxCode : 0,
    maxCode: lossless ? null : d.maxCode,
    shift: m,
    shiftMax: d.shiftMax,
    step: d.dG * 2 ** m,
    fullScale,
    fullScaleSource: source,
    rule: lossless
      ? 'n = c = floor((2I + ΔG) / (2ΔG)) (round half up), unbounded'
      : 'c = clamp(floor((2I + step) / (2·step)), minCode, maxCode) (round half up, then clamp), step = ΔG·2^shift; numerator n = c·2^shift',
  };
}

/** The register layout of the generated tile (the manifest's `registers`, with the term slots spelled out). */
function registersOf(gen: GeneratedRtl): Record<string, unknown> {
  const d = gen.design;
  return {
    ...gen.manifest.registers,
    regions: REG_REGIONS,
    csr: CSR,
    address: `{region[1:0], offset[${d.regOffsetBits - 1}:0]}; row map offset = physical row p; term offset = (o << ${d.termIndexBits}) | t; fault offset = (row << ${d.colBits}) | col`,
    termsPerWeight: d.termsPerWeight,
    termSlots: d.termSlots,
    inputSumSlot: d.inputSumSlot ? d.termsPerWeight : null,
    rowSourceBits: d.rowSrcBits,
    resetValues: {
      rowMap: 'identity (entry p = p)',
      terms: 'none: a memory, X until written; regs.hex writes every entry (defaultTerms and input-sum 0 where the mapping leaves them out)',
      ADC_SHIFT: d.shiftMax,
    },
  };
}

/** The four hex files and the manifest, rendered in memory (the caller writes them atomically). */
export function renderVectorSet(gen: GeneratedRtl, set: VectorSet, source: Record<string, unknown>, ctx: VectorContext = {}): Map<string, string> {
  const d = gen.design;
  const am = gen.manifest.analogModel;
  const manifest: VectorManifest = {
    format: VECTOR_FORMAT,
    generator: `${gen.manifest.generator.name} ${gen.manifest.generator.version}`,
    configHash: gen.manifest.configHash,
    tile: { rows: d.rows, cols: d.cols, actBits: d.actBits, psumBits: d.psumBits, weightCols: d.weightCols, regAddrBits: d.regAddrBits, analogModel: am },
    array: { scheme: d.scheme, weightBits: d.weightBits, cellBits: d.cellBits, slices: d.slices, gMax: d.gMax, gMin: d.gMin, dG: d.dG, units: d.units.map((u) => ({ pos: u.pos, neg: u.neg })) },
    reads: {
      activationBits: d.actBits,
      parallelRead: d.parallelRead,
      groups: d.groups,
      groupRows: d.groupRows.map((n, g) => [g * d.parallelRead, g * d.parallelRead + n] as [number, number]),
      rule:
        'for every input bit k = 0..activationBits−1 (LSB first) and read group g: physical row p of group g is driven with bit k of x[rowSource[p]] ' +
        '(rowSource from the row-map registers; an entry ≥ rows drives 0); every column j gives I[j] = Σ driven G[p][j]; ' +
        'each conversion unit converts I[pos] (− I[neg]) and adds its numerator · 2^k to its accumulator A[u]',
    },
    adc: adcOf(d, set.regs, ctx),
    registers: registersOf(gen),
    layer: ctx.layer ?? null,
    source,
    files: {
      cells: {
        file: 'cells.hex',
        words: d.rows * d.cols,
        bits: Number(am.GW),
        order: `row-major: line r*${d.cols} + j is physical cell (row r, column j) of the subarray`,
        port: 'memxbar_analog (CELLS_HEX / load_cells): conductance in conductance LSBs, faults, non-linearity and the per-cell array effects (docs/model.md §9, §10) included',
      },
      regs: {
        file: 'regs.hex',
        words: set.regs.length,
        bits: 64,
        order: 'write order, after reset, one write per cycle, before the first vector',
        port: 'reg_we / reg_addr / reg_wdata',
        fields: [
          { name: 'data', lsb: 0, bits: 32, doc: 'reg_wdata' },
          { name: 'addr', lsb: 32, bits: 32, doc: `reg_addr (low ${d.regAddrBits} bits used): {region[1:0], offset}, docs/rtl.md register map` },
        ],
      },
      acts: {
        file: 'acts.hex',
        words: set.acts.length,
        bits: d.rows * d.actBits,
        order: 'one vector per line, in the order given to the tile (vector v = line v)',
        port: 'act_data (handshake act_valid / act_ready)',
        fields: [{ name: 'x[r]', lsb: 0, bits: d.actBits, doc: `logical row r of the subarray at bits [r*${d.actBits} +: ${d.actBits}], unsigned` }],
      },
      expected: {
        file: 'expected.hex',
        words: set.expected.length * d.weightCols,
        bits: d.psumBits,
        signed: true,
        order: `vector-major, then weight column o = 0..${d.weightCols - 1} (psum_out_index); line v*${d.weightCols} + o`,
        port: 'psum_out_data (handshake psum_out_valid / psum_out_ready, psum_out_last on o = WC-1)',
      },
      ...(set.noise
        ? {
            noise: {
              file: 'noise.hex',
              words: set.noise.length * d.actBits * d.groups * d.cols,
              bits: NOISE_WORD_BITS,
              order: `line ((v*${d.actBits} + k)*${d.groups} + g)*${d.cols} + j: vector v, input bit k, read group g, physical column j; conductance LSB·Vread (docs/model.md §9.3)`,
              port: 'memxbar_analog noise (the testbench selects the words of the read in progress): added to column current I[j] before the conversion units',
              signed: true,
            },
          }
        : {}),
    },
    protocol: [
      'hold rst high for 3 clock cycles, then release it',
      'apply every regs.hex write (reg_we = 1 for one cycle each)',
      'offer each acts.hex vector on act_data with act_valid until act_ready',
      'take every psum_out word (psum_out_ready = 1) and compare it with expected.hex in order; psum_in and CTRL.chain are not used (0)',
      'an X or Z on any output bit is a failure',
    ],
  };
  return new Map([
    ['cells.hex', cellsHex(gen, set.g)],
    ['regs.hex', regsHex(set.regs)],
    ['acts.hex', actsHex(gen, set.acts)],
    ['expected.hex', expectedHex(gen, set.expected)],
    ...(set.noise ? [['noise.hex', noiseHex(gen, set.noise)] as [string, string]] : []),
    [VECTORS_MANIFEST, JSON.stringify(manifest, null, 2) + '\n'],
  ]);
}

function readWords(dir: string, spec: VectorFileSpec): bigint[] {
  const path = join(dir, spec.file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DataError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, path);
  }
  const words = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (words.length !== spec.words) throw new DataError(`${words.length} words, the manifest says ${spec.words}`, path);
  return words.map((w, i) => {
    if (!/^[0-9a-fA-F]+$/.test(w)) throw new DataError(`line ${i + 1}: not a hex word: ${JSON.stringify(w)}`, path);
    let v = BigInt(`0x${w}`);
    if (spec.signed && v >= 1n << BigInt(spec.bits - 1)) v -= 1n << BigInt(spec.bits);
    return v;
  });
}

/** Read a vector set back from its manifest (what an outside tool does). */
export function readVectorSet(dir: string): { manifest: VectorManifest; set: VectorSet } {
  const path = join(dir, VECTORS_MANIFEST);
  let manifest: VectorManifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as VectorManifest;
  } catch (e) {
    throw new DataError(`cannot read the vector manifest: ${(e as Error).message}`, path);
  }
  if (manifest?.format !== VECTOR_FORMAT) throw new DataError(`format ${JSON.stringify(manifest?.format)}, expected ${VECTOR_FORMAT}`, path);
  const { rows, cols, actBits, weightCols } = manifest.tile;
  const cells = readWords(dir, manifest.files.cells).map(Number);
  const g = Array.from({ length: rows }, (_, r) => cells.slice(r * cols, (r + 1) * cols));
  const regs = readWords(dir, manifest.files.regs).map((w) => ({ addr: Number(w >> 32n), data: Number(w & 0xffffffffn) }));
  const mask = (1n << BigInt(actBits)) - 1n;
  const acts = readWords(dir, manifest.files.acts).map((w) => Int32Array.from({ length: rows }, (_, r) => Number((w >> BigInt(r * actBits)) & mask)));
  const flat = readWords(dir, manifest.files.expected);
  const expected = Array.from({ length: acts.length }, (_, v) => flat.slice(v * weightCols, (v + 1) * weightCols));
  let noise: Int32Array[] | null = null;
  if (manifest.files.noise) {
    const words = readWords(dir, manifest.files.noise).map(Number);
    const perVector = words.length / Math.max(1, acts.length);
    noise = Array.from({ length: acts.length }, (_, v) => Int32Array.from(words.slice(v * perVector, (v + 1) * perVector)));
  }
  return { manifest, set: { g, regs, acts, expected, noise } };
}

/**
 * The layer a tile's vectors come from, as `vectors.json` records it: shape, tile grid, the
 * tile's place in it, the layer output of each weight column, the zero point and input-sum
 * coefficients (docs/cosim.md "Vector format").
 */
export function layerContext(
  d: Design,
  xb: Crossbar,
  tile: { layerIndex: number; rt: number; ct: number; content: { outputs: readonly number[]; inputSum: readonly number[] } },
  outSize?: { outH: number; outW: number },
): VectorLayer {
  const m = xb.mappings[tile.layerIndex]!;
  const L = m.layout;
  const l = m.q.layer;
  const shape: Record<string, number | number[]> =
    l.kind === 'conv'
      ? {
          inC: l.inC,
          outC: l.outC,
          kH: l.kH,
          kW: l.kW,
          strideH: l.strideH,
          strideW: l.strideW,
          pads: [...l.pads],
          ...(outSize ? { outH: outSize.outH, outW: outSize.outW } : {}),
        }
      : { inF: l.inF, outF: l.outF };
  return {
    index: tile.layerIndex,
    name: m.name,
    kind: l.kind,
    shape,
    R: L.R,
    C: L.C,
    rowTiles: L.rowTiles,
    colTiles: L.colTiles,
    rt: tile.rt,
    ct: tile.ct,
    activeRows: Math.max(0, Math.min(d.rows, L.R - tile.rt * d.rows)),
    outputs: [...tile.content.outputs],
    zeroPoint: m.zero ? m.zero[tile.rt * L.colTiles + tile.ct]! : null,
    inputSum: [...tile.content.inputSum],
    note:
      'layer row of logical local row i: rt·rows + i (conv: im2col row (c·kH + ky)·kW + kx); layer output of weight column o: ct·Wc + o. ' +
      "expected.hex is the tile's partial sum T: the layer adds the other row tiles' sums, its bias and any MT column offset afterwards",
  };
}

/**
 * The co-simulation vector format (docs/cosim.md): plain hex files, one word per line,
 * described by a JSON manifest (`vectors.json`) that names every file, its word width,
 * its word count, the tile port it feeds or is compared with, and the order of the
 * words; any simulator or tool can replay a set from that description alone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors.ts';
import type { GeneratedRtl } from '../rtl/generate.ts';
import type { RegWrite } from '../rtl/tables.ts';

export const VECTORS_MANIFEST = 'vectors.json';
export const VECTOR_FORMAT = 'memxbar-cosim-vectors/1';

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
  /** Where the vectors come from (layer, tile, images, patches, faults, mitigation). */
  source: Record<string, unknown>;
  files: { cells: VectorFileSpec; regs: VectorFileSpec; acts: VectorFileSpec; expected: VectorFileSpec };
  /** How a replay drives the tile. */
  protocol: string[];
}

export interface VectorSet {
  g: readonly (readonly number[])[];
  regs: readonly RegWrite[];
  acts: readonly Int32Array[];
  expected: readonly (readonly bigint[])[];
}

export const hexWord = (v: bigint, bits: number): string => {
  const u = v < 0n ? v + (1n << BigInt(bits)) : v;
  if (u < 0n || u >= 1n << BigInt(bits)) throw new RangeError(`${v} does not fit ${bits} bits`);
  return u.toString(16).padStart(Math.ceil(bits / 4), '0');
};

const lines = (words: string[]) => (words.length ? words.join('\n') + '\n' : '');

export function cellsHex(gen: GeneratedRtl, g: VectorSet['g']): string {
  const d = gen.design;
  const bits = Number(gen.manifest.analogModel.GW);
  const out: string[] = [];
  // An unknown conductance (NaN) is written as an all-x word: 4-state simulators propagate it.
  for (let r = 0; r < d.rows; r++) for (let j = 0; j < d.cols; j++) out.push(Number.isNaN(g[r]![j]!) ? 'x'.repeat(Math.ceil(bits / 4)) : hexWord(BigInt(g[r]![j]!), bits));
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

/** The four hex files and the manifest, rendered in memory (the caller writes them atomically). */
export function renderVectorSet(gen: GeneratedRtl, set: VectorSet, source: Record<string, unknown>): Map<string, string> {
  const d = gen.design;
  const am = gen.manifest.analogModel;
  const manifest: VectorManifest = {
    format: VECTOR_FORMAT,
    generator: `${gen.manifest.generator.name} ${gen.manifest.generator.version}`,
    configHash: gen.manifest.configHash,
    tile: { rows: d.rows, cols: d.cols, actBits: d.actBits, psumBits: d.psumBits, weightCols: d.weightCols, regAddrBits: d.regAddrBits, analogModel: am },
    source,
    files: {
      cells: {
        file: 'cells.hex',
        words: d.rows * d.cols,
        bits: Number(am.GW),
        order: `row-major: line r*${d.cols} + j is physical cell (row r, column j) of the subarray`,
        port: 'memxbar_analog (CELLS_HEX / load_cells): conductance in conductance LSBs, faults and non-linearity included',
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
  if (manifest.format !== VECTOR_FORMAT) throw new DataError(`format ${JSON.stringify(manifest.format)}, expected ${VECTOR_FORMAT}`, path);
  const { rows, cols, actBits, weightCols } = manifest.tile;
  const cells = readWords(dir, manifest.files.cells).map(Number);
  const g = Array.from({ length: rows }, (_, r) => cells.slice(r * cols, (r + 1) * cols));
  const regs = readWords(dir, manifest.files.regs).map((w) => ({ addr: Number(w >> 32n), data: Number(w & 0xffffffffn) }));
  const mask = (1n << BigInt(actBits)) - 1n;
  const acts = readWords(dir, manifest.files.acts).map((w) => Int32Array.from({ length: rows }, (_, r) => Number((w >> BigInt(r * actBits)) & mask)));
  const flat = readWords(dir, manifest.files.expected);
  const expected = Array.from({ length: acts.length }, (_, v) => flat.slice(v * weightCols, (v + 1) * weightCols));
  return { manifest, set: { g, regs, acts, expected } };
}

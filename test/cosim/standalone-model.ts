/**
 * An independent model of one generated tile, written from the documents alone
 * (docs/cosim.md "Vector format", docs/rtl.md "Register map" and "Conversion units and ADC
 * codes", docs/model.md §4–§5) and reading nothing but a co-simulation folder: vectors.json,
 * manifest.json and the hex files. It imports nothing from src/ on purpose: if it
 * recomputes expected.hex, the vector set stands alone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** floor(a / b) for b > 0 (BigInt division truncates toward zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** docs/model.md §5: rdiv(x, d) = floor((2x + d) / (2d)), round half up. */
export const rdiv = (x: bigint, d: bigint): bigint => floorDiv(2n * x + d, 2n * d);

function words(dir: string, spec: Json): bigint[] {
  const lines = readFileSync(join(dir, spec.file), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length !== spec.words) throw new Error(`${spec.file}: ${lines.length} words, vectors.json says ${spec.words}`);
  return lines.map((l) => {
    let v = BigInt(`0x${l}`);
    if (spec.signed && v >= 1n << BigInt(spec.bits - 1)) v -= 1n << BigInt(spec.bits);
    return v;
  });
}

const field = (w: number, f: { lsb: number; msb: number }) => (w >>> f.lsb) & (2 ** (f.msb - f.lsb + 1) - 1);

export interface StandaloneResult {
  /** Recomputed words per vector, weight columns 0..Wc−1. */
  words: bigint[][];
  /** The words expected.hex records. */
  expected: bigint[][];
  /** Conversions whose current lay exactly on a half step (I = (c + ½)·step), and how many codes clamped. */
  halfSteps: number;
  clamped: number;
  conversions: number;
  /** The ADC shift m this model decoded from the register writes. */
  shift: number;
}

/**
 * Recompute a vector set's expected words. `rounding` replaces the ADC's rounding rule
 * (a test shows the directed vectors tell round-half-up from round-half-down).
 */
export function recompute(dir: string, rounding: (x: bigint, d: bigint) => bigint = rdiv): StandaloneResult {
  const v: Json = JSON.parse(readFileSync(join(dir, 'vectors.json'), 'utf8'));
  const man: Json = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  if (v.configHash !== man.configHash) throw new Error(`vectors.json is for config ${v.configHash}, manifest.json for ${man.configHash}`);
  const { rows, cols, actBits, weightCols } = v.tile;
  if (man.parameters.rows !== rows || man.parameters.cols !== cols || man.parameters.weightCols !== weightCols) throw new Error('vectors.json and manifest.json describe different tiles');
  const units: { pos: number; neg: number }[] = v.array.units;
  const reg = v.registers;
  const adc = v.adc;

  // Cells, row-major.
  const cellWords = words(dir, v.files.cells).map(Number);
  const G = (p: number, j: number) => cellWords[p * cols + j]!;

  // Tables at reset (docs/rtl.md: identity row map, the default terms, no input-sum term, ADC_SHIFT = its largest value).
  const rowSrc = Array.from({ length: rows }, (_, p) => p);
  type T = { unit: number; shift: number; neg: boolean } | null;
  const terms: T[][] = Array.from({ length: weightCols }, (_, o) =>
    Array.from({ length: reg.termsPerWeight }, (_, t) => (reg.defaultTerms[o][t] ? { ...reg.defaultTerms[o][t] } : null)),
  );
  const inputSum: T[] = new Array(weightCols).fill(null);
  let shift = adc.mode === 'lossless' ? 0 : adc.shiftMax;

  // Register writes: {addr[63:32], data[31:0]}; addr = {region, offset}.
  const te = reg.termEntry;
  const decode = (w: number): T => (field(w, te.valid) ? { unit: field(w, te.unit), shift: field(w, te.shift), neg: field(w, te.neg) === 1 } : null);
  for (const w of words(dir, v.files.regs)) {
    const addr = Number(w >> 32n);
    const data = Number(w & 0xffffffffn);
    const region = Math.floor(addr / 2 ** reg.offsetBits) & 3;
    const offset = addr % 2 ** reg.offsetBits;
    if (region === reg.regions.csr) {
      if (offset === reg.csr.ADC_SHIFT && adc.mode === 'fixed-calibrated') shift = Math.min(data, adc.shiftMax);
      if (offset === reg.csr.CTRL && (data & 1) === 1) throw new Error('CTRL.chain set: this model has no psum_in');
    } else if (region === reg.regions.rowmap) {
      rowSrc[offset] = data & (2 ** reg.rowSourceBits - 1);
    } else if (region === reg.regions.terms) {
      const o = offset >> reg.termIndexBits;
      const t = offset & (2 ** reg.termIndexBits - 1);
      if (o >= weightCols) continue;
      if (t < reg.termsPerWeight) terms[o]![t] = decode(data);
      else if (t === reg.inputSumSlot) inputSum[o] = decode(data);
    } // region 3, the fault bitmap: the datapath does not read it.
  }

  const step = BigInt(v.array.dG) << BigInt(shift);
  const dG = BigInt(v.array.dG);
  const minCode = adc.minCode === null ? null : BigInt(adc.minCode);
  const maxCode = adc.maxCode === null ? null : BigInt(adc.maxCode);
  const groupRows: [number, number][] = v.reads.groupRows;

  const acts = words(dir, v.files.acts);
  const flat = words(dir, v.files.expected);
  let halfSteps = 0;
  let clamped = 0;
  let conversions = 0;
  const out: bigint[][] = [];
  for (const word of acts) {
    const x = Array.from({ length: rows }, (_, r) => Number((word >> BigInt(r * actBits)) & ((1n << BigInt(actBits)) - 1n)));
    const A = new Array<bigint>(units.length).fill(0n);
    for (let k = 0; k < actBits; k++) {
      for (const [first, end] of groupRows) {
        const I = new Array<number>(cols).fill(0);
        for (let p = first; p < end; p++) {
          const src = rowSrc[p]!;
          if (src >= rows || ((x[src]! >> k) & 1) === 0) continue;
          for (let j = 0; j < cols; j++) I[j] += G(p, j);
        }
        units.forEach((u, i) => {
          const Iu = BigInt(I[u.pos]! - (u.neg >= 0 ? I[u.neg]! : 0));
          let n: bigint;
          conversions++;
          if (adc.mode === 'lossless') {
            if ((2n * Iu) % (2n * dG) === dG || (2n * Iu) % (2n * dG) === -dG) halfSteps++;
            n = rounding(Iu, dG);
          } else {
            if ((2n * Iu) % (2n * step) === step || (2n * Iu) % (2n * step) === -step) halfSteps++;
            let c = rounding(Iu, step);
            if (c > maxCode!) (c = maxCode!), clamped++;
            if (c < minCode!) (c = minCode!), clamped++;
            n = c << BigInt(shift);
          }
          A[i] += n << BigInt(k);
        });
      }
    }
    // Σx: every logical row of the vector (docs/rtl.md; rows past the layer's are 0).
    const xsum = BigInt(x.reduce((a, b) => a + b, 0));
    out.push(
      Array.from({ length: weightCols }, (_, o) => {
        let T = 0n;
        for (const t of terms[o]!) if (t) T += (t.neg ? -1n : 1n) * (A[t.unit]! << BigInt(t.shift));
        const s = inputSum[o];
        if (s) T += (s.neg ? -1n : 1n) * (xsum << BigInt(s.shift));
        return T;
      }),
    );
  }
  const expected = out.map((_, i) => flat.slice(i * weightCols, (i + 1) * weightCols));
  return { words: out, expected, halfSteps, clamped, conversions, shift };
}

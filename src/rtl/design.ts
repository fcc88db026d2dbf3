/**
 * The RTL design model: the resolved config turned, once, into every number the
 * generated hardware needs (geometry, ADC code width and shift, register-map layout,
 * datapath widths with their overflow proofs). View builders only read this record;
 * they never look at the config again.
 *
 * Semantics follow docs/model.md (sections 1–5); docs/rtl.md explains the hardware.
 */
import { OPTION_DEFAULTS, type Config, type RtlOptions } from '../config/schema.ts';
import { ConfigError, UnsupportedError } from '../errors.ts';
import { adcSpec } from '../crossbar/adc.ts';
import { conductanceTable } from '../crossbar/device.ts';
import { SA0, SA1 } from '../crossbar/faults.ts';
import { layerLayout, plainUnits, type Layout } from '../crossbar/layout.ts';
import { bitsFor, indexBits, signedBitsFor } from './verilog.ts';

/** Options of one generation run (not part of the config: they choose what to build). */
/** The generator's options; their defaults are in the config schema (OPTION_DEFAULTS.rtl). */
export type { RtlOptions };

/** Implementation limits of the generator; a config beyond them is refused before any file is written. */
export const RTL_LIMITS = {
  maxRows: 1024,
  maxCols: 1024,
  /** A flash ADC needs 2^codeBits − 1 comparators. */
  maxFlashCodeBits: 8,
  /** Partial-sum words wider than this are not implemented. */
  maxPsumBits: 64,
  maxChainTiles: 1 << 16,
} as const;

/**
 * One term of a weight column: `coef · A[unit]` with `coef = (neg ? −1 : 1) · 2^shift`,
 * `unit` a local conversion unit of the subarray.
 */
export interface Term {
  unit: number;
  shift: number;
  neg: boolean;
}

/**
 * A conversion unit: what one ADC conversion reads (src/crossbar/layout.ts `Units`):
 * the current of physical column `pos`, minus that of column `neg` for a differential
 * pair (subtracted in the analog domain); `neg = -1` for a single-ended unit.
 */
export interface ConversionUnit {
  pos: number;
  neg: number;
}

/** What the RTL is generated from: quant, tile (without IR drop, an analog property of the wires) and device. */
export type RtlConfig = Pick<Config, 'quant' | 'device'> & { tile: Omit<Config['tile'], 'irDrop'> };

export interface Design {
  readonly options: RtlOptions;
  // Geometry (docs/model.md section 1)
  readonly rows: number;
  readonly cols: number;
  readonly actBits: number;
  readonly weightBits: number;
  readonly cellBits: number;
  readonly scheme: 'offset' | 'differential';
  /** Slices per weight (per side for differential), S. */
  readonly slices: number;
  /** Weight columns per subarray, Wc. */
  readonly weightCols: number;
  readonly parallelRead: number;
  /** Read groups, ceil(rows / parallelRead). */
  readonly groups: number;
  /** Rows in each read group. */
  readonly groupRows: readonly number[];
  /** Local conversion units of the subarray (the plain layout's, src/crossbar/layout.ts plainUnits). */
  readonly units: readonly ConversionUnit[];
  // Conductance (section 3)
  readonly gMax: number;
  readonly gMin: number;
  readonly dG: number;
  // ADC (section 5)
  readonly adcKind: 'sar' | 'flash';
  readonly adcMode: 'lossless' | 'fixed-full-scale' | 'fixed-calibrated';
  readonly adcBits: number;
  /** Codes are signed (differential units): the ADC searches offset-binary codes u, c = u − 2^(codeBits−1). */
  readonly signedCodes: boolean;
  /** Width of an ADC code: adcBits, or what the largest current needs (lossless). */
  readonly codeBits: number;
  /** Largest code magnitude: 2^B−1 (single-ended), 2^(B−1)−1 (signed), the largest rdiv(I, ΔG) (lossless). */
  readonly maxCode: number;
  /** The most negative offset-binary code (−2^(codeBits−1)) is clamped to −maxCode (signed fixed modes). */
  readonly clampLow: boolean;
  /** Thermometer width of a flash ADC, 2^codeBits − 1 (0 for SAR). */
  readonly thermBits: number;
  /** Conversion units sharing one ADC (tile.colsPerAdc). */
  readonly colsPerAdc: number;
  readonly adcs: number;
  /**
   * Adders of the accumulate phase: one per ADC. A read finishes one conversion per ADC (the
   * unit at slot col_sel), so ADC a's adder serves its colsPerAdc accumulator registers in turn.
   * The RTL (memxbar_shift_add) and the cost model (src/cost/digital.ts, model.ts) both use this.
   */
  readonly accAdders: number;
  /** Numerator shift m: the fixed value (fixed-full-scale), the largest the register takes (fixed-calibrated), 0 (lossless). */
  readonly shiftMax: number;
  /** m is a register (fixed-calibrated). */
  readonly shiftProgrammable: boolean;
  /** Width of the adc_shift port and register (at least 1). */
  readonly shiftBits: number;
  // Datapath widths and bounds (section 5; proofs in boundProof)
  /** Largest |numerator| of one read of group g. */
  readonly numeratorMax: readonly bigint[];
  /** Largest |A[u]| = |Σ_g Σ_k 2^k n|. */
  readonly accMax: bigint;
  /** Accumulator width (two's complement when signedCodes). */
  readonly accBits: number;
  readonly termsPerWeight: number;
  /**
   * MT build: one more term slot per weight column, the input-sum term `±2^shift · Σ_r x[r]`
   * (docs/model.md §5.4 `inputSum`, docs/mt.md: a flipped offset column).
   */
  readonly inputSumSlot: boolean;
  /** Term slots per weight column: termsPerWeight (+1 with the input-sum slot). */
  readonly termSlots: number;
  /** Largest Σ_r x[r] of one vector, rows·(2^a − 1), and its width. */
  readonly xsumMax: bigint;
  readonly xsumBits: number;
  readonly termShiftBits: number;
  /** Largest coefficient exponent the term table can hold (MT) or holds (no MT). */
  readonly termShiftMax: number;
  /** Largest |T| of one subarray. */
  readonly tMax: bigint;
  readonly tBits: number;
  /** Largest |psum| after chaining maxChainTiles subarrays. */
  readonly psumMax: bigint;
  readonly psumBits: number;
  /** The term table programmed at reset (and hard-wired without MT), per weight column. */
  readonly defaultTerms: readonly (readonly Term[])[];
  // Index widths
  readonly rowBits: number;
  /** Bits of a row-table entry: holds 0..rows, where any value ≥ rows means "not driven". */
  readonly rowSrcBits: number;
  readonly colBits: number;
  readonly unitBits: number;
  readonly weightColBits: number;
  readonly termIndexBits: number;
  readonly bitIdxBits: number;
  readonly groupBits: number;
  readonly colSelBits: number;
  /** Bits of one term-table entry: {valid, neg, shift, unit}. */
  readonly termEntryBits: number;
  // Register map (word addresses: {region[1:0], offset})
  readonly regOffsetBits: number;
  readonly regAddrBits: number;
  /** Human-readable statement of the overflow argument, for docs and the manifest. */
  readonly boundProof: readonly string[];
  // Write path and march test (docs/rtl.md "Write path and BIST")
  /** The tile has the cell write path (CSR CELL_WRITE, wr_* ports to the array's write drivers). */
  readonly writePath: boolean;
  /** The tile has the march-test controller (memxbar_bist), which writes the fault bitmap. */
  readonly bist: boolean;
  /** Test-mode reads per row: ADC a converts physical column test_sel·adcs + a, single-ended. */
  readonly testSlots: number;
  readonly testSelBits: number;
  /** ADC range m of a test read (the smallest m whose codes of Gmin and Gmax differ). */
  readonly testShift: number;
  /** Raw ADC codes (offset binary when signed) of one cell at Gmin and at Gmax; a read code above the first is "high". */
  readonly testCodeLow: number;
  readonly testCodeHigh: number;
}

/**
 * The test read of one cell (one driven row, one column single-ended, docs/rtl.md): the raw
 * code the ADC gives for a current `g` with step ΔG·2^m. The comparators fire for every level
 * c ≤ rdiv(g, step), up to the top level of the code (2^CW − 1, or 2^(CW−1) − 1 when signed).
 */
export function testReadCode(g: number, dG: number, m: number, codeBits: number, signedCodes: boolean): number {
  const top = signedCodes ? 2 ** (codeBits - 1) - 1 : 2 ** codeBits - 1;
  const level = Math.min(Number(rdivBig(BigInt(g), BigInt(dG) << BigInt(m))), top);
  return level + (signedCodes ? 2 ** (codeBits - 1) : 0);
}

export const REG_REGIONS = { csr: 0, rowmap: 1, terms: 2, faults: 3 } as const;
export const CSR = { CTRL: 0, STATUS: 1, ADC_SHIFT: 2, CONFIG_ID: 3, ROWS: 4, COLS: 5, WEIGHT_COLS: 6, FEATURES: 7, CELL_WRITE: 8, BIST_CTRL: 9, BIST_CYCLES: 10 } as const;
/** CELL_WRITE data: {level[31:24], row, col} with the cell's address in the fault bitmap's layout {row[rowBits], col[colBits]}. */
export const CELL_WRITE_LEVEL_LSB = 24;
/** Fault-bitmap codes: the reference model's own cell codes (src/crossbar/faults.ts). */
export const FAULT_CODE = { ok: 0, sa0: SA0, sa1: SA1 } as const;

function ceilDiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}

/** The plain layout of one subarray: a layer of tile.rows inputs and as many outputs as one column tile holds. */
function subarrayLayout(cfg: RtlConfig): Layout {
  const one = layerLayout(cfg.tile.rows, 1, cfg, 'one subarray');
  return layerLayout(cfg.tile.rows, one.Wc, cfg, 'one subarray');
}

/** Conversion units of one subarray: src/crossbar/layout.ts plainUnits of `subarrayLayout`. */
function subarrayUnits(L: Layout): ConversionUnit[] {
  const u = plainUnits(L);
  return Array.from(u.pos, (pos, i) => ({ pos, neg: u.neg[i]! }));
}

/** Default terms of the weight columns, in the order of src/crossbar/layout.ts plainMapping. */
export function defaultTerms(scheme: 'offset' | 'differential', slices: number, weightCols: number, cellBits: number): Term[][] {
  const out: Term[][] = [];
  for (let j = 0; j < weightCols; j++) {
    const terms: Term[] = [];
    for (let s = 0; s < slices; s++) {
      terms.push({ unit: j * slices + s, shift: s * cellBits, neg: false });
      if (scheme === 'offset') terms.push({ unit: weightCols * slices + s, shift: s * cellBits, neg: true });
    }
    out.push(terms);
  }
  return out;
}

/**
 * Derive the design from the config. Throws UnsupportedError for a config the
 * generator cannot build and ConfigError for one that has no valid mapping; both
 * happen before anything is rendered or written.
 */
export function deriveDesign(cfg: RtlConfig, options: RtlOptions = OPTION_DEFAULTS.rtl): Design {
  const t = cfg.tile;
  const q = cfg.quant;
  if (t.adcMode === 'self-ranging') {
    throw new UnsupportedError(
      'the RTL generator implements adcMode lossless, fixed-full-scale and fixed-calibrated; self-ranging (per-read min/max) is not implemented',
      'tile.adcMode',
    );
  }
  if (t.rows > RTL_LIMITS.maxRows) throw new UnsupportedError(`the RTL generator implements at most ${RTL_LIMITS.maxRows} rows (row remap table), got ${t.rows}`, 'tile.rows');
  if (t.cols > RTL_LIMITS.maxCols) throw new UnsupportedError(`the RTL generator implements at most ${RTL_LIMITS.maxCols} columns (term table), got ${t.cols}`, 'tile.cols');
  if (!Number.isInteger(options.maxChainTiles) || options.maxChainTiles < 1 || options.maxChainTiles > RTL_LIMITS.maxChainTiles) {
    throw new ConfigError(`must be an integer 1..${RTL_LIMITS.maxChainTiles}, got ${options.maxChainTiles}`, 'maxChainTiles');
  }
  const scheme = t.signedScheme;
  const signedCodes = scheme === 'differential';
  const adcMode = t.adcMode;
  if (signedCodes && adcMode !== 'lossless' && t.adcBits < 2) {
    throw new UnsupportedError('a differential (signed) fixed-range ADC needs at least 2 bits: with 1 bit every code is 0', 'tile.adcBits');
  }

  const rows = t.rows;
  const cols = t.cols;
  const cellBits = t.cellBits;
  const weightBits = q.weightBits;
  const actBits = q.activationBits;
  // Geometry from the crossbar layout (src/crossbar/layout.ts), the one source of slices, weight
  // columns and conversion units: one subarray of the plain mapping (one column tile).
  const layout = subarrayLayout(cfg);
  const slices = layout.S;
  const weightCols = layout.Wc;
  const parallelRead = t.parallelRead;
  const groups = layout.groupsPerTile;
  const groupRows = Array.from({ length: groups }, (_, g) => Math.min(parallelRead, rows - g * parallelRead));
  const units = subarrayUnits(layout);

  // Conductances and ADC ranges come from the reference model's own functions.
  const table = conductanceTable(cfg);
  const { gMax, gMin, dG } = table;
  if (dG < 1) throw new ConfigError(`the level step ΔG rounds to ${dG} conductance LSB; raise device.conductanceLsbPerGmax`, 'device.conductanceLsbPerGmax');

  // ADC code and numerator (section 5). |unit current| ≤ rowsInGroup·Gmax: every active
  // cell at most Gmax (SA1 included); a differential pair's difference is bounded by the same.
  const colsPerAdc = t.colsPerAdc;
  const adcs = ceilDiv(units.length, colsPerAdc);
  let codeBits: number;
  let maxCode: number;
  let shiftMax: number;
  let numeratorMax: bigint[];
  if (adcMode === 'lossless') {
    numeratorMax = groupRows.map((n) => rdivBig(BigInt(n) * BigInt(gMax), BigInt(dG)));
    const top = numeratorMax.reduce((a, b) => (a > b ? a : b), 0n);
    maxCode = Number(top);
    codeBits = signedCodes ? signedBitsFor(top) : bitsFor(top);
    shiftMax = 0;
  } else {
    codeBits = t.adcBits;
    const fullScale = adcMode === 'fixed-full-scale'
      ? parallelRead * (signedCodes ? gMax - gMin : gMax)
      : // fixed-calibrated: the largest calibrated full scale src/crossbar/calibrate.ts can return
        // (upper edge of its last histogram bin); m is a register holding 0..shiftMax.
        (Math.ceil((parallelRead * gMax) / dG) + 2) * dG;
    const spec = adcSpec(adcMode, t.adcBits, table, fullScale, signedCodes);
    if (spec.mode !== 'fixed') throw new Error('internal: fixed ADC spec expected');
    maxCode = spec.maxCode;
    shiftMax = spec.m;
    numeratorMax = groupRows.map(() => BigInt(maxCode) << BigInt(shiftMax));
  }
  const clampLow = signedCodes && adcMode !== 'lossless';
  const adcKind = t.adcKind;
  if (adcKind === 'flash' && codeBits > RTL_LIMITS.maxFlashCodeBits) {
    throw new UnsupportedError(
      `a flash ADC with ${codeBits}-bit codes needs ${2 ** codeBits - 1} comparators; the generator implements flash ADCs up to ${RTL_LIMITS.maxFlashCodeBits} bits` +
        (adcMode === 'lossless' ? ' (lossless mode sizes the code for the largest current)' : ''),
      'tile.adcKind',
    );
  }
  const shiftProgrammable = adcMode === 'fixed-calibrated';
  const shiftBits = bitsFor(shiftMax);

  // Per-unit accumulation A[u] = Σ_g Σ_k 2^k n_gk[u]: |A| ≤ (2^a − 1) Σ_g nMax(g).
  const actMax = (1n << BigInt(actBits)) - 1n;
  const accMax = actMax * numeratorMax.reduce((a, b) => a + b, 0n);
  const accBits = signedCodes ? signedBitsFor(accMax) : bitsFor(accMax);

  // Terms: T = Σ_terms coef · A[unit]; |T| ≤ Σ |coef| · accMax.
  const defaults = defaultTerms(scheme, slices, weightCols, cellBits);
  const termsPerWeight = defaults[0]!.length;
  const defaultShiftMax = (slices - 1) * cellBits;
  const termShiftBits = bitsFor(defaultShiftMax);
  // With MT the table is programmable: bound with the largest representable entry.
  const termShiftMax = options.mt ? (1 << termShiftBits) - 1 : defaultShiftMax;
  const coefSum = options.mt
    ? BigInt(termsPerWeight) << BigInt(termShiftMax)
    : defaults.reduce((m, terms) => {
        const sum = terms.reduce((a, x) => a + (1n << BigInt(x.shift)), 0n);
        return sum > m ? sum : m;
      }, 0n);
  const inputSumSlot = options.mt;
  const termSlots = termsPerWeight + (inputSumSlot ? 1 : 0);
  const xsumMax = BigInt(rows) * ((1n << BigInt(actBits)) - 1n);
  const xsumBits = bitsFor(xsumMax);
  const tMax = coefSum * accMax + (inputSumSlot ? xsumMax << BigInt(termShiftMax) : 0n);
  const tBits = signedBitsFor(tMax);
  const psumMax = BigInt(options.maxChainTiles) * tMax;
  const psumBits = signedBitsFor(psumMax);
  if (psumBits > RTL_LIMITS.maxPsumBits) {
    throw new UnsupportedError(
      `partial sums need ${psumBits} bits (|T| ≤ ${tMax} per subarray, ${options.maxChainTiles} chained); the generator implements at most ${RTL_LIMITS.maxPsumBits}`,
      'tile',
    );
  }

  const rowBits = indexBits(rows);
  const rowSrcBits = bitsFor(rows);
  const colBits = indexBits(cols);
  const unitBits = indexBits(units.length);
  const weightColBits = indexBits(weightCols);
  const termIndexBits = indexBits(termSlots);
  const termEntryBits = unitBits + termShiftBits + 2;
  // At least 4: the CSRs of the write path and the BIST sit at offsets 8..10.
  const regOffsetBits = Math.max(options.writePath ? 4 : 3, rowBits, weightColBits + termIndexBits, rowBits + colBits);
  const regAddrBits = regOffsetBits + 2;

  const nText = adcMode === 'lossless' ? `rdiv(rowsInGroup·Gmax, ΔG)` : `${maxCode}·2^${shiftMax}`;
  const boundProof = [
    `|n| ≤ ${[...new Set(numeratorMax.map(String))].join(' / ')} per read (${adcMode}${signedCodes ? ', signed' : ''}: ${nText})`,
    `|A[u]| = |Σ_g Σ_k 2^k·n| ≤ (2^${actBits}−1)·Σ_g nMax = ${accMax} → ${accBits} bits${signedCodes ? ' (two\'s complement)' : ''}`,
    `|T| ≤ ${options.mt ? `${termsPerWeight} terms · 2^${termShiftMax} (largest programmable coefficient) · ${accMax} + 2^${termShiftMax} · Σx ≤ ${xsumMax} (input-sum term)` : `Σ|coef| = ${coefSum} · ${accMax}`} = ${tMax} → ${tBits} bits`,
    `|psum| ≤ ${options.maxChainTiles} chained subarrays · ${tMax} = ${psumMax} → ${psumBits} bits`,
  ];

  // Write path and BIST.
  const writePath = options.writePath === true;
  const bist = options.bist === true;
  if (bist && !writePath) throw new UnsupportedError('the BIST writes and reads the cells: it needs the write path (rtl option writePath, gen --write-path)', 'bist');
  if (bist && !options.mt) throw new UnsupportedError('the BIST writes the fault bitmap, which only the MT build has (drop --no-mt)', 'bist');
  if (writePath && rowBits + colBits > CELL_WRITE_LEVEL_LSB) throw new UnsupportedError(`the write path addresses a cell in ${CELL_WRITE_LEVEL_LSB} bits; ${rows}x${cols} needs ${rowBits + colBits}`, 'tile');
  const testSlots = ceilDiv(cols, adcs);
  let testShift = -1;
  for (let m = 0; m < 2 ** shiftBits; m++) {
    const lo = testReadCode(table.levelG[0]!, dG, m, codeBits, signedCodes);
    if (lo < testReadCode(table.levelG[table.levels - 1]!, dG, m, codeBits, signedCodes) && lo === testReadCode(gMin, dG, m, codeBits, signedCodes) && testReadCode(gMax, dG, m, codeBits, signedCodes) > lo) {
      testShift = m;
      break;
    }
  }
  if (bist && testShift < 0) throw new UnsupportedError(`no ADC range m in 0..${2 ** shiftBits - 1} gives one cell at Gmin (${gMin}) and at Gmax (${gMax}) different codes: the BIST cannot tell them apart`, 'tile.adcBits');
  const testM = Math.max(0, testShift);

  return {
    writePath,
    bist,
    testSlots,
    testSelBits: indexBits(testSlots),
    testShift: testM,
    testCodeLow: testReadCode(gMin, dG, testM, codeBits, signedCodes),
    testCodeHigh: testReadCode(gMax, dG, testM, codeBits, signedCodes),
    options: { ...options },
    rows,
    cols,
    actBits,
    weightBits,
    cellBits,
    scheme,
    slices,
    weightCols,
    parallelRead,
    groups,
    groupRows,
    units,
    gMax,
    gMin,
    dG,
    adcKind,
    adcMode,
    adcBits: t.adcBits,
    signedCodes,
    codeBits,
    maxCode,
    clampLow,
    thermBits: adcKind === 'flash' ? 2 ** codeBits - 1 : 0,
    colsPerAdc,
    adcs,
    accAdders: adcs,
    shiftMax,
    shiftProgrammable,
    shiftBits,
    numeratorMax,
    accMax,
    accBits,
    termsPerWeight,
    inputSumSlot,
    termSlots,
    xsumMax,
    xsumBits,
    termShiftBits,
    termShiftMax,
    tMax,
    tBits,
    psumMax,
    psumBits,
    defaultTerms: defaults,
    rowBits,
    rowSrcBits,
    colBits,
    unitBits,
    weightColBits,
    termIndexBits,
    bitIdxBits: indexBits(actBits),
    groupBits: indexBits(groups),
    colSelBits: indexBits(colsPerAdc),
    termEntryBits,
    regOffsetBits,
    regAddrBits,
    boundProof,
  };
}

/** rdiv(x, d) = floor((2x + d) / (2d)), round half up (docs/model.md section 5), for x ≥ 0. */
export function rdivBig(x: bigint, d: bigint): bigint {
  return (2n * x + d) / (2n * d);
}

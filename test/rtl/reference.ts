/**
 * The gold side of the RTL simulation tests: the project's reference model itself
 * (src/crossbar/reference.ts `crossbarMatmul`), run on a synthetic layer of one column
 * tile whose row tiles carry exactly the conductances, row maps and terms given to the
 * generated hardware.
 */
import type { Config } from '../../src/config/schema.ts';
import { adcSpec, type AdcSpec } from '../../src/crossbar/adc.ts';
import { conductanceTable } from '../../src/crossbar/device.ts';
import { layerLayout, plainUnits, type LayerMapping } from '../../src/crossbar/layout.ts';
import { crossbarMatmul, type Crossbar } from '../../src/crossbar/reference.ts';
import type { QuantLayer } from '../../src/nn/quant.ts';
import type { Design, Term } from '../../src/rtl/design.ts';

/** What one subarray (row tile) holds. */
export interface TileContent {
  /** Physical conductances G[p][j], conductance LSBs. */
  g: readonly (readonly number[])[];
  /** Logical local row → physical row (identity if omitted). */
  rowMap?: readonly number[];
  /** Terms per weight column (the design's defaults if omitted). */
  terms?: readonly (readonly Term[])[];
  /** Input-sum coefficient per weight column (docs/model.md §5.4), none if omitted. */
  inputSum?: readonly number[];
}

/** The ADC the reference uses: fixed-calibrated needs the calibrated full scale. */
export function referenceAdc(cfg: Config, d: Design, calibratedFullScale?: number): AdcSpec {
  const table = conductanceTable(cfg);
  const diff = d.scheme === 'differential';
  const fullScale =
    d.adcMode === 'fixed-calibrated'
      ? Math.max(1, calibratedFullScale ?? d.parallelRead * d.gMax)
      : d.parallelRead * (diff ? table.gMax - table.gMin : table.gMax);
  return adcSpec(d.adcMode, d.adcBits, table, fullScale, diff);
}

/**
 * T[o] summed over the given row tiles (docs/model.md section 5), for each activation
 * vector (length tiles.length · rows, logical row order).
 */
export function referenceOutputs(cfg: Config, d: Design, tiles: TileContent[], vectors: number[][], adc: AdcSpec): bigint[][] {
  const rowTiles = tiles.length;
  const R = rowTiles * d.rows;
  const C = d.weightCols;
  const L = layerLayout(R, C, cfg);
  if (L.colTiles !== 1 || L.cols !== d.cols) throw new Error('reference: expected one column tile');
  const conductance = new Int32Array(L.physRows * L.physCols);
  const rowMap = new Int32Array(R);
  const start: number[] = [];
  const unit: number[] = [];
  const coef: number[] = [];
  tiles.forEach((tile, rt) => {
    for (let p = 0; p < d.rows; p++) for (let j = 0; j < d.cols; j++) conductance[(rt * d.rows + p) * L.physCols + j] = tile.g[p]![j]!;
    for (let r = 0; r < d.rows; r++) rowMap[rt * d.rows + r] = rt * d.rows + (tile.rowMap ? tile.rowMap[r]! : r);
    const terms = tile.terms ?? d.defaultTerms;
    for (let o = 0; o < C; o++) {
      start.push(unit.length);
      for (const t of terms[o]!) {
        unit.push(t.unit); // one column tile: local unit = the layer's unit index
        coef.push((t.neg ? -1 : 1) * 2 ** t.shift);
      }
    }
  });
  start.push(unit.length);
  const inputSum = tiles.some((t) => t.inputSum) ? Int32Array.from(tiles.flatMap((t) => (t.inputSum ? [...t.inputSum] : new Array<number>(C).fill(0)))) : null;
  const mapping = {
    name: 'rtl-test',
    layout: L,
    levels: new Uint8Array(L.physRows * L.physCols),
    rowMap,
    units: plainUnits(L),
    terms: { start: Int32Array.from(start), unit: Int32Array.from(unit), coef: Int32Array.from(coef) },
    inputSum,
    correction: null,
  } as unknown as LayerMapping;
  const xb = {
    cfg,
    table: conductanceTable(cfg),
    mappings: [mapping],
    conductance: [conductance],
    adc: [adc],
    stats: [{ reads: 0, conversions: 0, currentSum: 0 }],
  } as unknown as Crossbar;
  const q = { index: 0 } as QuantLayer;
  return vectors.map((x) => {
    const acc = new Float64Array(C);
    crossbarMatmul(xb, q, Int32Array.from(x), 1, acc);
    return [...acc].map((v) => {
      if (!Number.isSafeInteger(v)) throw new Error(`reference output ${v} is not an exact integer`);
      return BigInt(v);
    });
  });
}

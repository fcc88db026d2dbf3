/**
 * What a mitigation costs in hardware, counted from the programmed mappings (docs/mt.md):
 * on-chip storage for its tables, extra cells, extra digital operations per read. The read
 * energy it causes is measured by the engines (LayerStats.currentSum), not estimated here.
 */
import { layerLayout, type LayerMapping, type Layout } from '../crossbar/layout.ts';

export interface Price {
  /** Table bits per subarray (row remap table, column flags, zero-point selects, correction entries). */
  storageBitsPerSubarray: number;
  /** Cells beyond the plain mapping's, per subarray of the plain mapping (Zhang's value-range reduction; MT uses none). */
  extraCellsPerSubarray: number;
  /** Digital additions per row-group read of a subarray (input-sum corrections, correction entries, the shift-add terms of extra weight columns). */
  extraOpsPerRead: number;
  /** Physical cells per weight of the array configuration (reference columns or pair cells included). */
  cellsPerWeight: number;
}

const log2ceil = (n: number) => Math.max(1, Math.ceil(Math.log2(n)));

/** Cells a layout uses: weight columns (and reference columns) times slices, per row. */
function cellsOf(L: Layout): number {
  return L.R * L.parts * L.S * (L.scheme === 'offset' ? L.C + L.colTiles : 2 * L.C);
}

/** The same layer laid out with one weight column per output. */
function onePart(L: Layout): Layout {
  const tile = { rows: L.rows, cols: L.cols, cellBits: L.cellBits, parallelRead: L.parallelRead, signedScheme: L.scheme };
  return layerLayout(L.R, L.C, { tile, quant: { weightBits: L.weightBits } });
}

export function priceOf(mappings: LayerMapping[]): Price {
  let subarrays = 0;
  let plainSubarrays = 0;
  let bits = 0;
  let ops = 0;
  let cells = 0;
  let plainCells = 0;
  let weights = 0;
  for (const m of mappings) {
    const L = m.layout;
    const n = L.rowTiles * L.colTiles;
    const plain = L.parts === 1 ? L : onePart(L);
    subarrays += n;
    plainSubarrays += plain.rowTiles * plain.colTiles;
    cells += cellsOf(L);
    plainCells += cellsOf(plain);
    weights += L.R * L.C;
    // Value-range reduction: per read, the extra shift-add terms of every output's extra columns.
    const termsPerOutput = (L2: Layout) => L2.parts * L2.S * (L2.scheme === 'offset' ? 2 : 1);
    ops += L.rowTiles * L.C * (termsPerOutput(L) - termsPerOutput(plain));
    // Row remap table: one physical-row index per row, per row tile (shared by its subarrays).
    if (m.rowMap.some((pr, r) => pr !== r)) bits += L.rowTiles * L.rows * log2ceil(L.rows);
    // Column flags: one bit per weight column of every subarray, when any column is flipped.
    const flipped = (m.inputSum?.some((v) => v !== 0) ?? false) || flippedDifferential(m);
    if (flipped) bits += n * L.outputsPerTile;
    if (m.inputSum) {
      // zero-point select (1 bit per subarray) and, per read, one input-sum and one add per flipped column.
      bits += n;
      let inverted = 0;
      for (const v of m.inputSum) if (v !== 0) inverted++;
      ops += L.rowTiles * 1 + inverted;
    }
    if (m.correction) {
      let nnz = 0;
      for (const v of m.correction) if (v !== 0) nnz++;
      bits += nnz * (log2ceil(L.rows) + log2ceil(L.Wc) + L.weightBits + 1);
      ops += nnz;
    }
  }
  return {
    storageBitsPerSubarray: subarrays ? bits / subarrays : 0,
    extraCellsPerSubarray: plainSubarrays ? (cells - plainCells) / plainSubarrays : 0,
    extraOpsPerRead: subarrays ? ops / subarrays : 0,
    cellsPerWeight: weights ? cells / weights : 0,
  };
}

function flippedDifferential(m: LayerMapping): boolean {
  if (m.layout.scheme !== 'differential') return false;
  const { start, coef } = m.terms;
  for (let t = 0; t + 1 < start.length; t++) if (start[t + 1]! > start[t]! && coef[start[t]!]! < 0) return true;
  return false;
}

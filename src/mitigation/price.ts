/**
 * What a mitigation costs in hardware, counted from the programmed mappings (docs/mt.md):
 * on-chip storage for its tables, extra cells, extra digital operations per read. The read
 * energy it causes is measured by the engines (LayerStats.currentSum), not estimated here.
 */
import type { LayerMapping } from '../crossbar/layout.ts';

export interface Price {
  /** Table bits per subarray (row remap table, column flags, zero-point selects, correction entries). */
  storageBitsPerSubarray: number;
  /** Cells beyond the plain mapping's (MT and the baselines use none). */
  extraCellsPerSubarray: number;
  /** Digital additions per row-group read of a subarray (input-sum corrections, correction entries). */
  extraOpsPerRead: number;
  /** Physical cells per weight of the array configuration (reference columns or pair cells included). */
  cellsPerWeight: number;
}

const log2ceil = (n: number) => Math.max(1, Math.ceil(Math.log2(n)));

export function priceOf(mappings: LayerMapping[]): Price {
  let subarrays = 0;
  let bits = 0;
  let ops = 0;
  let cells = 0;
  let weights = 0;
  for (const m of mappings) {
    const L = m.layout;
    const n = L.rowTiles * L.colTiles;
    subarrays += n;
    cells += L.R * (L.scheme === 'offset' ? (L.C + L.colTiles) * L.S : 2 * L.C * L.S);
    weights += L.R * L.C;
    // Row remap table: one physical-row index per row, per row tile (shared by its subarrays).
    if (m.rowMap.some((pr, r) => pr !== r)) bits += L.rowTiles * L.rows * log2ceil(L.rows);
    // Column flags: one bit per weight column of every subarray, when any column is flipped.
    const flipped = (m.inputSum?.some((v) => v !== 0) ?? false) || flippedDifferential(m);
    if (flipped) bits += n * L.Wc;
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
    extraCellsPerSubarray: 0,
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

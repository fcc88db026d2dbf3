/**
 * IR drop on the wires of a crossbar subarray (docs/model.md §10).
 *
 * The network (PytorX, He et al. DAC 2019: torx/module/IR_solver.py, IrSolver._nodematgen):
 * every cell (i, j) joins a row node (word line) and a column node (bit line). Row i's driver
 * (an ideal source of the row's read voltage, 0 V for an inactive row, behind `driverOhm`)
 * feeds row node (i, 0); row nodes (i, j) and (i, j + 1) are joined by one row wire segment
 * (`wireRowOhm`); column nodes (i, j) and (i + 1, j) by one column segment (`wireColOhm`);
 * column node (rows − 1, j) reaches the sense amplifier's virtual ground (0 V) through
 * `senseOhm`, and the current through it is the column's sensed current.
 *
 * The network is linear and every row is driven (inactive rows at 0 V), so a column's current
 * is Σ_i V_i · Geff[i][j] (superposition) with Geff[i][j] the current of column j per volt on
 * row i alone. A read therefore stays a sum of per-cell conductances: IR drop replaces each
 * cell's conductance by its effective one, on the model's fixed-point grid, and everything
 * after (§4–§7) is unchanged. Two ways to get Geff:
 *
 * - `first-order` (firstOrderConductances): the first-order expansion of the nodal equations
 *   in the wire resistances, in the form G / (1 + ρ) that is exact for one cell;
 * - `exact` (exactConductances): the nodal equations solved (banded Cholesky), one solve per row.
 */
import type { IrDropConfig } from '../config/schema.ts';
import { BandedMatrix, bandedCholesky, choleskySolve, choleskySolveTail } from '../linalg/banded.ts';
import type { ConductanceTable } from './device.ts';
import type { Layout } from './layout.ts';

/** One subarray's resistive network: cell conductances in siemens and the wire, driver and sense resistances in ohms. */
export interface SubarrayNetwork {
  rows: number;
  cols: number;
  /** Cell conductances, siemens, row-major rows × cols. */
  g: Float64Array;
  wireRowOhm: number;
  wireColOhm: number;
  driverOhm: number;
  senseOhm: number;
}

/**
 * First-order load factors ρ[i][j] (dimensionless) of a subarray:
 *
 *   ρ[i][j] = Σ_j' Rrow(j, j')·g[i][j'] + Σ_i' Rcol(i, i')·g[i'][j]
 *   Rrow(j, j') = driverOhm + wireRowOhm·min(j, j')                 (row path shared by cells j and j')
 *   Rcol(i, i') = senseOhm + wireColOhm·(rows − 1 − max(i, i'))     (column path shared by rows i and i')
 *
 * computed with prefix sums in O(rows·cols).
 */
export function loadFactors(net: SubarrayNetwork): Float64Array {
  const { rows, cols, g } = net;
  const rho = new Float64Array(rows * cols);
  // Row part: Σ_j' (Rd + r·min(j, j'))·g[j'] = Rd·S + r·(Σ_{j' ≤ j} j'·g[j'] + j·Σ_{j' > j} g[j']).
  for (let i = 0; i < rows; i++) {
    let total = 0;
    for (let j = 0; j < cols; j++) total += g[i * cols + j]!;
    let weightedBelow = 0; // Σ_{j' ≤ j} j'·g[j']
    let below = 0; // Σ_{j' ≤ j} g[j']
    for (let j = 0; j < cols; j++) {
      const v = g[i * cols + j]!;
      weightedBelow += j * v;
      below += v;
      rho[i * cols + j] = net.driverOhm * total + net.wireRowOhm * (weightedBelow + j * (total - below));
    }
  }
  // Column part, with d = rows − 1 − i the segments from row i to the sense amplifier:
  // Σ_i' (Rs + c·min(d, d'))·g[i'] = Rs·S + c·(Σ_{d' ≤ d} d'·g + d·Σ_{d' > d} g).
  for (let j = 0; j < cols; j++) {
    let total = 0;
    for (let i = 0; i < rows; i++) total += g[i * cols + j]!;
    let weightedBelow = 0;
    let below = 0;
    for (let d = 0; d < rows; d++) {
      const i = rows - 1 - d;
      const v = g[i * cols + j]!;
      weightedBelow += d * v;
      below += v;
      rho[i * cols + j] += net.senseOhm * total + net.wireColOhm * (weightedBelow + d * (total - below));
    }
  }
  return rho;
}

/** First-order effective conductances of a subarray, siemens: Geff = g / (1 + ρ). */
export function firstOrderTransfer(net: SubarrayNetwork): Float64Array {
  const rho = loadFactors(net);
  return net.g.map((v, c) => v / (1 + rho[c]!));
}

/** Node numbering of the nodal equations: cell-major along the shorter side, so the band is 2·min(rows, cols). */
function nodeIndexer(rows: number, cols: number): { n: number; band: number; byRow: boolean; node: (i: number, j: number, column: 0 | 1) => number } {
  const byRow = cols <= rows;
  return {
    n: 2 * rows * cols,
    band: 2 * Math.min(rows, cols),
    byRow,
    node: byRow ? (i, j, column) => 2 * (i * cols + j) + column : (i, j, column) => 2 * (j * rows + i) + column,
  };
}

/** The factored nodal conductance matrix of a subarray (siemens), and its node numbering. */
export interface FactoredNetwork {
  net: SubarrayNetwork;
  L: BandedMatrix;
  /** Nodes numbered row by row (cell (i, j) before (i, j + 1) before (i + 1, 0)): the sense nodes come last. */
  byRow: boolean;
  node: (i: number, j: number, column: 0 | 1) => number;
}

/** Assemble (nodal analysis: one equation per node, Σ conductance·(v − v_neighbour) = injected current) and factor. */
export function factorNetwork(net: SubarrayNetwork): FactoredNetwork {
  const { rows, cols, g } = net;
  const { n, band, byRow, node } = nodeIndexer(rows, cols);
  const A = new BandedMatrix(n, band);
  const stamp = (a: number, b: number, cond: number) => {
    A.add(a, a, cond);
    A.add(b, b, cond);
    A.add(a, b, -cond);
  };
  for (let i = 0; i < rows; i++) {
    A.add(node(i, 0, 0), node(i, 0, 0), 1 / net.driverOhm); // driver (its source is on the right-hand side)
    for (let j = 0; j < cols; j++) {
      if (j + 1 < cols) stamp(node(i, j, 0), node(i, j + 1, 0), 1 / net.wireRowOhm);
      if (i + 1 < rows) stamp(node(i, j, 1), node(i + 1, j, 1), 1 / net.wireColOhm);
      const cell = g[i * cols + j]!;
      if (cell !== 0) stamp(node(i, j, 0), node(i, j, 1), cell);
    }
  }
  for (let j = 0; j < cols; j++) A.add(node(rows - 1, j, 1), node(rows - 1, j, 1), 1 / net.senseOhm); // sense amplifier to virtual ground
  return { net, L: bandedCholesky(A), byRow, node };
}

/** Sensed column currents, amperes, for row voltages `v` (volts, one per row; 0 = inactive row). */
export function solveColumnCurrents(f: FactoredNetwork, v: ArrayLike<number>): Float64Array {
  const { rows, cols, driverOhm, senseOhm } = f.net;
  const rhs = new Float64Array(2 * rows * cols);
  for (let i = 0; i < rows; i++) rhs[f.node(i, 0, 0)] = v[i]! / driverOhm;
  const x = choleskySolve(f.L, rhs);
  return Float64Array.from({ length: cols }, (_, j) => x[f.node(rows - 1, j, 1)]! / senseOhm);
}

/**
 * Exact effective conductances of a subarray, siemens: Geff[i][j] = current of column j per
 * volt on row i alone. With the nodes numbered row by row the only nonzero of row i's
 * right-hand side is its driver node and the sense nodes are the last ones, so each solve
 * runs forward from the driver node and backward only over the last row (choleskySolveTail).
 */
export function exactTransfer(net: SubarrayNetwork): Float64Array {
  const f = factorNetwork(net);
  const { rows, cols, driverOhm, senseOhm } = net;
  const out = new Float64Array(rows * cols);
  const rhs = new Float64Array(2 * rows * cols);
  for (let i = 0; i < rows; i++) {
    const d = f.node(i, 0, 0);
    rhs.fill(0);
    rhs[d] = 1 / driverOhm;
    const x = f.byRow ? choleskySolveTail(f.L, rhs, d, f.node(rows - 1, 0, 0)) : choleskySolve(f.L, rhs);
    for (let j = 0; j < cols; j++) out[i * cols + j] = x[f.node(rows - 1, j, 1)]! / senseOhm;
  }
  return out;
}

/** The network of subarray (rt, ct) of a layer's physical array (conductances G in LSB). */
export function subarrayNetwork(G: Int32Array, L: Layout, table: ConductanceTable, ir: IrDropConfig, rt: number, ct: number): SubarrayNetwork {
  const g = new Float64Array(L.rows * L.cols);
  for (let i = 0; i < L.rows; i++) {
    const base = (rt * L.rows + i) * L.physCols + ct * L.cols;
    for (let j = 0; j < L.cols; j++) g[i * L.cols + j] = G[base + j]! * table.lsbSiemens;
  }
  return { rows: L.rows, cols: L.cols, g, wireRowOhm: ir.wireRowOhm, wireColOhm: ir.wireColOhm, driverOhm: ir.driverOhm, senseOhm: ir.senseOhm };
}

/**
 * Effective conductance of every cell of a layer's physical array (in LSB, rounded to the
 * grid: Math.round, halves up), subarray by subarray, with `transfer` (first-order or exact);
 * G unchanged when IR drop is off. Both engines read the result.
 */
export function irDropConductances(
  G: Int32Array,
  L: Layout,
  table: ConductanceTable,
  ir: IrDropConfig,
  transfer: (net: SubarrayNetwork) => Float64Array = ir.model === 'exact' ? exactTransfer : firstOrderTransfer,
): Int32Array {
  if (!ir.enabled) return G;
  const out = new Int32Array(G.length);
  for (let rt = 0; rt < L.rowTiles; rt++) {
    for (let ct = 0; ct < L.colTiles; ct++) {
      const geff = transfer(subarrayNetwork(G, L, table, ir, rt, ct));
      for (let i = 0; i < L.rows; i++) {
        const base = (rt * L.rows + i) * L.physCols + ct * L.cols;
        for (let j = 0; j < L.cols; j++) out[base + j] = Math.round(geff[i * L.cols + j]! / table.lsbSiemens);
      }
    }
  }
  return out;
}

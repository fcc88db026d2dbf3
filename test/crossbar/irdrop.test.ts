/**
 * IR drop (docs/model.md §10): the nodal solver against hand-solved networks and an
 * independent dense solve, the first-order model against the solver, and the config checks.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { conductanceTable } from '../../src/crossbar/device.ts';
import { exactTransfer, factorNetwork, firstOrderTransfer, irDropConductances, loadFactors, solveColumnCurrents, type SubarrayNetwork } from '../../src/crossbar/irdrop.ts';
import { layerLayout } from '../../src/crossbar/layout.ts';
import { Rng } from '../../src/util/rng.ts';
import { config } from '../helpers.ts';

function network(rows: number, cols: number, g: number[], r: Partial<SubarrayNetwork> = {}): SubarrayNetwork {
  return { rows, cols, g: Float64Array.from(g), wireRowOhm: 1, wireColOhm: 1, driverOhm: 1, senseOhm: 1, ...r };
}

function solve(net: SubarrayNetwork, v: number[]): number[] {
  return Array.from(solveColumnCurrents(factorNetwork(net), v));
}

function expectClose(actual: ArrayLike<number>, expected: number[], rel = 1e-12) {
  expect(actual.length).toBe(expected.length);
  for (let k = 0; k < expected.length; k++) expect(Math.abs(actual[k]! - expected[k]!), `entry ${k}: ${actual[k]} vs ${expected[k]}`).toBeLessThanOrEqual(rel * Math.max(1e-300, Math.abs(expected[k]!)));
}

describe('nodal solver: hand-solved networks', () => {
  it('2×2, every cell 1 S, every wire/driver/sense resistance 1 Ω, row 0 at 1 V, row 1 at 0 V', () => {
    // Nodes: row nodes a0, a1 (row 0, columns 0 and 1), b0, b1 (row 1); column nodes c00, c01
    // (row 0), c10, c11 (row 1). Driver: source → 1 Ω → a0 / b0; sense: c10, c11 → 1 Ω → 0 V.
    // KCL at each node (all conductances 1 S):
    //   a0:  (a0 − 1) + (a0 − a1) + (a0 − c00) = 0     →  3a0 − a1 − c00 = 1
    //   a1:  (a1 − a0) + (a1 − c01) = 0                 →  2a1 − a0 − c01 = 0
    //   b0:  b0 + (b0 − b1) + (b0 − c10) = 0            →  3b0 − b1 − c10 = 0
    //   b1:                                                2b1 − b0 − c11 = 0
    //   c00: (c00 − a0) + (c00 − c10) = 0               →  2c00 − a0 − c10 = 0
    //   c01:                                               2c01 − a1 − c11 = 0
    //   c10: (c10 − b0) + (c10 − c00) + c10 = 0         →  3c10 − b0 − c00 = 0
    //   c11:                                               3c11 − b1 − c01 = 0
    // Eliminating (b1 = (b0 + c11)/2, then b0, c00, a1, c01 in turn) gives, in 44ths of a volt:
    //   a0 = 27, a1 = 20, b0 = 4, b1 = 5, c00 = 17, c01 = 13, c10 = 7, c11 = 6.
    // Check by substitution: a0: 81 − 20 − 17 = 44 ✓; c10: 21 − 4 − 17 = 0 ✓; c11: 18 − 5 − 13 = 0 ✓;
    // b0: 12 − 5 − 7 = 0 ✓; a1: 40 − 27 − 13 = 0 ✓. Sensed currents = c1j / 1 Ω:
    //   I0 = 7/44 A, I1 = 6/44 A. KCL check: cells of column 0 carry (27 − 17) + (4 − 7) = 7 ✓
    //   (the undriven row's cell conducts backwards into its 0 V driver), column 1: 7 − 1 = 6 ✓.
    const net = network(2, 2, [1, 1, 1, 1]);
    expectClose(solve(net, [1, 0]), [7 / 44, 6 / 44]);
  });

  it('3×3 with one driven row: a ladder', () => {
    // Only row 0 holds cells (1 S each), row 0 at 1 V; all resistances 1 Ω. Each column's path
    // from its row node: cell 1 Ω + two column segments (rows 0→1→2) 2 Ω + sense 1 Ω = 4 Ω.
    // Series-parallel reduction from the far end of the row wire:
    //   at a2: 4;  at a1: 4 ∥ (1 + 4) = 20/9;  at a0: 4 ∥ (1 + 20/9) = 4 ∥ 29/9 = 116/65.
    //   Source: 1 + 116/65 = 181/65 Ω → 65/181 A, v(a0) = 116/181 V.
    //   I0 = v(a0)/4 = 29/181; into a1: v(a0)/(29/9) = 36/181, v(a1) = 116/181 − 36/181 = 80/181,
    //   I1 = 80/181/4 = 20/181; I2 = 36/181 − 20/181 = 16/181 (= v(a2)/4 with v(a2) = 64/181).
    const net = network(3, 3, [1, 1, 1, 0, 0, 0, 0, 0, 0]);
    expectClose(solve(net, [1, 0, 0]), [29 / 181, 20 / 181, 16 / 181]);
  });

  it('3×3 with one populated column: three rows share the bit line', () => {
    // Only column 0 holds cells (1 S each); all rows at 1 V; all resistances 1 Ω. A row wire
    // carries only its one cell's current, so row i reaches column node c_i through driver +
    // cell = 2 Ω. KCL:
    //   c0: (c0 − 1)/2 + (c0 − c1) = 0              →  1.5c0 − c1 = 0.5
    //   c1: (c1 − 1)/2 + (c1 − c0) + (c1 − c2) = 0  →  2.5c1 − c0 − c2 = 0.5
    //   c2: (c2 − 1)/2 + (c2 − c1) + c2 = 0         →  2.5c2 − c1 = 0.5
    // First: c1 = 1.5c0 − 0.5; third: c2 = (0.5 + c1)/2.5 = 0.6c0; second: 3.75c0 − 1.25 − 1.6c0 = 0.5
    // → c0 = 1.75/2.15 = 35/43, c1 = 31/43, c2 = 21/43. I0 = c2/1 Ω = 21/43 A (cells: 4 + 6 + 11 = 21 ✓);
    // columns 1 and 2 hold no cells: 0 A.
    const net = network(3, 3, [1, 0, 0, 1, 0, 0, 1, 0, 0]);
    expectClose(solve(net, [1, 1, 1]), [21 / 43, 0, 0]);
  });
});

/** Independent dense nodal analysis: stamp every resistor into a full matrix, Gaussian elimination with partial pivoting. */
function denseColumnCurrents(net: SubarrayNetwork, v: number[]): number[] {
  const { rows, cols } = net;
  const rowNode = (i: number, j: number) => i * cols + j;
  const colNode = (i: number, j: number) => rows * cols + i * cols + j;
  const n = 2 * rows * cols;
  const A = Array.from({ length: n }, () => new Float64Array(n + 1)); // augmented [A | b]
  const resistor = (a: number, b: number, ohm: number) => {
    A[a]![a]! += 1 / ohm;
    A[b]![b]! += 1 / ohm;
    A[a]![b]! -= 1 / ohm;
    A[b]![a]! -= 1 / ohm;
  };
  for (let i = 0; i < rows; i++) {
    A[rowNode(i, 0)]![rowNode(i, 0)]! += 1 / net.driverOhm;
    A[rowNode(i, 0)]![n]! += v[i]! / net.driverOhm;
    for (let j = 0; j < cols; j++) {
      if (j > 0) resistor(rowNode(i, j - 1), rowNode(i, j), net.wireRowOhm);
      if (i > 0) resistor(colNode(i - 1, j), colNode(i, j), net.wireColOhm);
      resistor(rowNode(i, j), colNode(i, j), 1 / net.g[i * cols + j]!);
    }
  }
  for (let j = 0; j < cols; j++) A[colNode(rows - 1, j)]![colNode(rows - 1, j)]! += 1 / net.senseOhm;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(A[i]![k]!) > Math.abs(A[p]![k]!)) p = i;
    [A[k], A[p]] = [A[p]!, A[k]!];
    for (let i = k + 1; i < n; i++) {
      const f = A[i]![k]! / A[k]![k]!;
      if (f === 0) continue;
      for (let c = k; c <= n; c++) A[i]![c]! -= f * A[k]![c]!;
    }
  }
  const x = new Float64Array(n);
  for (let k = n - 1; k >= 0; k--) {
    let s = A[k]![n]!;
    for (let c = k + 1; c < n; c++) s -= A[k]![c]! * x[c]!;
    x[k] = s / A[k]![k]!;
  }
  return Array.from({ length: cols }, (_, j) => x[colNode(rows - 1, j)]! / net.senseOhm);
}

function randomNetwork(rng: Rng, rows: number, cols: number): SubarrayNetwork {
  // Cells between 10 kΩ and 1 MΩ; wires 0.5–5 Ω per segment; driver and sense 0.1–10 Ω.
  const g = Float64Array.from({ length: rows * cols }, () => 1 / (1e4 * 100 ** rng.float()));
  return { rows, cols, g, wireRowOhm: 0.5 + 4.5 * rng.float(), wireColOhm: 0.5 + 4.5 * rng.float(), driverOhm: 0.1 * 100 ** rng.float(), senseOhm: 0.1 * 100 ** rng.float() };
}

describe('nodal solver against an independent dense solve', () => {
  it('random 16×16 arrays and inputs (seed 20261202)', () => {
    const rng = new Rng(20261202, 1);
    for (let t = 0; t < 4; t++) {
      const net = randomNetwork(rng, 16, 16);
      const v = Array.from({ length: 16 }, () => (rng.float() < 0.5 ? 0 : 0.2 + rng.float()));
      expectClose(solve(net, v), denseColumnCurrents(net, v), 1e-9);
    }
  });

  it('non-square arrays are numbered along the shorter side (both orientations agree with the dense solve)', () => {
    const rng = new Rng(7, 2);
    for (const [rows, cols] of [[5, 12], [12, 5]] as const) {
      const net = randomNetwork(rng, rows, cols);
      const v = Array.from({ length: rows }, () => rng.float());
      expectClose(solve(net, v), denseColumnCurrents(net, v), 1e-9);
    }
  });

  it.each([[8, 6], [6, 8]])('superposition: the %ix%i transfer matrix gives the dense solve\'s currents of any input', (rows, cols) => {
    const rng = new Rng(11, 3);
    const net = randomNetwork(rng, rows, cols);
    const T = exactTransfer(net);
    const v = Array.from({ length: rows }, () => rng.float());
    const viaT = Array.from({ length: cols }, (_, j) => v.reduce((s, vi, i) => s + vi * T[i * cols + j]!, 0));
    expectClose(viaT, denseColumnCurrents(net, v), 1e-9);
  });
});

describe('first-order model', () => {
  it('is exact for one cell: G / (1 + G·(Rdriver + Rsense))', () => {
    const net = network(1, 1, [1e-5], { driverOhm: 300, senseOhm: 700 });
    const want = 1e-5 / (1 + 1e-5 * 1000);
    expectClose(firstOrderTransfer(net), [want]);
    expectClose(exactTransfer(net), [want], 1e-12);
  });

  it('load factors follow the shared-path formula (direct double sum)', () => {
    const rng = new Rng(5, 4);
    const net = randomNetwork(rng, 7, 9);
    const rho = loadFactors(net);
    for (let i = 0; i < 7; i++) {
      for (let j = 0; j < 9; j++) {
        let want = 0;
        for (let k = 0; k < 9; k++) want += (net.driverOhm + net.wireRowOhm * Math.min(j, k)) * net.g[i * 9 + k]!;
        for (let k = 0; k < 7; k++) want += (net.senseOhm + net.wireColOhm * (7 - 1 - Math.max(i, k))) * net.g[k * 9 + j]!;
        expect(Math.abs(rho[i * 9 + j]! - want)).toBeLessThanOrEqual(1e-12 * want);
      }
    }
  });

  it('its error against the solver is second order in the wire resistance', () => {
    // Halving every resistance divides the first-order model's largest error by about 4.
    const rng = new Rng(9, 5);
    const base = randomNetwork(rng, 16, 16);
    const maxErr = (scale: number) => {
      const net = { ...base, wireRowOhm: base.wireRowOhm * scale, wireColOhm: base.wireColOhm * scale, driverOhm: base.driverOhm * scale, senseOhm: base.senseOhm * scale };
      const a = firstOrderTransfer(net);
      const e = exactTransfer(net);
      return Math.max(...e.map((v, k) => Math.abs(a[k]! - v) / net.g[k]!));
    };
    const e1 = maxErr(1);
    const e2 = maxErr(0.5);
    expect(e1).toBeGreaterThan(0);
    expect(e1 / e2).toBeGreaterThan(3.5);
    expect(e1 / e2).toBeLessThan(4.5);
  });
});

describe('layer conductances', () => {
  const cfgOn = config({ quant: { weightBits: 2 }, tile: { rows: 8, cols: 6, parallelRead: 8, colsPerAdc: 1, irDrop: { enabled: true, wireRowOhm: 50, wireColOhm: 80 } } });
  const table = conductanceTable(cfgOn);
  const L = layerLayout(13, 2, cfgOn);
  const G = Int32Array.from({ length: L.physRows * L.physCols }, (_, c) => (c % 3 === 0 ? table.gMax : table.gMin));

  it('IR drop off returns the conductances unchanged (the same array)', () => {
    const off = config({ quant: { weightBits: 2 }, tile: { rows: 8, cols: 6, parallelRead: 8, colsPerAdc: 1 } });
    expect(irDropConductances(G, L, table, off.tile.irDrop)).toBe(G);
  });

  it('on: each subarray is its own network; integers on the grid, never above the programmed value', () => {
    const out = irDropConductances(G, L, table, cfgOn.tile.irDrop);
    let lower = 0;
    for (let c = 0; c < G.length; c++) {
      expect(Number.isInteger(out[c])).toBe(true);
      expect(out[c]!).toBeLessThanOrEqual(G[c]!);
      if (out[c]! < G[c]!) lower++;
    }
    expect(lower).toBeGreaterThan(0);
    // Subarray (1, 0) equals the first-order transfer of its own network, rounded.
    const rt = 1;
    const g = Float64Array.from({ length: L.rows * L.cols }, (_, k) => G[(rt * L.rows + Math.floor(k / L.cols)) * L.physCols + (k % L.cols)]! * table.lsbSiemens);
    const want = firstOrderTransfer({ rows: L.rows, cols: L.cols, g, ...cfgOn.tile.irDrop });
    for (let k = 0; k < want.length; k++) expect(out[(rt * L.rows + Math.floor(k / L.cols)) * L.physCols + (k % L.cols)]).toBe(Math.round(want[k]! / table.lsbSiemens));
  });

  it('the exact model lowers far cells more than near ones', () => {
    const ex = config({ quant: { weightBits: 2 }, tile: { rows: 8, cols: 6, parallelRead: 8, colsPerAdc: 1, irDrop: { enabled: true, model: 'exact', wireRowOhm: 50, wireColOhm: 80 } } });
    const full = Int32Array.from({ length: L.physRows * L.physCols }, () => table.gMax);
    const out = irDropConductances(full, L, table, ex.tile.irDrop);
    // Row 7, column 0 is next to a driver and the sense amplifiers; row 0, column 5 is farthest from both.
    expect(out[0 * L.physCols + 5]!).toBeLessThan(out[7 * L.physCols + 0]!);
  });
});

describe('config', () => {
  it('is off by default with cited defaults', () => {
    const c = config();
    expect(c.tile.irDrop).toEqual({ enabled: false, model: 'first-order', wireRowOhm: 2.5, wireColOhm: 2.5, driverOhm: 0.1, senseOhm: 0.1, compensation: 'none' });
  });
  it.each(['wireRowOhm', 'wireColOhm', 'driverOhm', 'senseOhm'] as const)('%s = 0 with IR drop on is an error naming the path', (key) => {
    expect(() => config({ tile: { irDrop: { enabled: true, [key]: 0 } } })).toThrow(ConfigError);
    expect(() => config({ tile: { irDrop: { enabled: true, [key]: 0 } } })).toThrow(`tile.irDrop.${key}`);
  });
  it('a negative resistance is refused even with IR drop off; 0 is allowed when off', () => {
    expect(() => config({ tile: { irDrop: { wireRowOhm: -1 } } })).toThrow('tile.irDrop.wireRowOhm');
    expect(config({ tile: { irDrop: { wireRowOhm: 0 } } }).tile.irDrop.wireRowOhm).toBe(0);
  });
});

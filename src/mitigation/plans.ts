/**
 * The mitigation methods of docs/mt.md, each producing a `MappingPlan` (and, for PytorX,
 * a digital correction) from the quantized layer, the layout, the row activity and — for
 * the map-aware methods — the fault map. All of them are tables the hardware holds.
 *
 * Notation: a weight's cells are described by stuck masks over its stored value's bits:
 * `m` has all cellBits bits of every stuck slice set, `v` those of SA1 slices; the value the
 * cells actually hold is `eff(X) = (X & ~m) | v` (an SA1 slice reads level L−1, SA0 level 0).
 */
import type { Layout, MappingPlan } from '../crossbar/layout.ts';
import { offsetStored, plainPlan, referenceColumn, weightColumn } from '../crossbar/layout.ts';
import { SA0, SA1 } from '../crossbar/faults.ts';
import type { QuantLayer } from '../nn/quant.ts';
import type { RowActivity } from './activity.ts';

/** Stuck masks of the S slices at physical row `pr`, physical columns col(s). */
function stuckMasks(cells: Uint8Array, L: Layout, pr: number, col: (s: number) => number): { m: number; v: number } {
  let m = 0;
  let v = 0;
  const ones = 2 ** L.cellBits - 1;
  for (let s = 0; s < L.S; s++) {
    const f = cells[pr * L.physCols + col(s)];
    if (f === SA0 || f === SA1) {
      m |= ones << (s * L.cellBits);
      if (f === SA1) v |= ones << (s * L.cellBits);
    }
  }
  return { m, v };
}

const eff = (X: number, m: number, v: number) => (X & ~m) | v;

/** Sum of the cell levels of a stored value (∝ its conductance above Gmin: the energy proxy). */
function levelSum(X: number, L: Layout): number {
  return levelSums(L)[X]!;
}

const levelSumTables = new Map<number, Uint8Array>();

/** levelSums(L)[X]: level sum of every stored value X < 2^(S·cellBits) (a table, built once per width). */
function levelSums(L: Layout): Uint8Array {
  const key = L.S * 16 + L.cellBits;
  let t = levelSumTables.get(key);
  if (!t) {
    const base = 2 ** L.cellBits;
    t = new Uint8Array(2 ** (L.S * L.cellBits));
    for (let X = 1; X < t.length; X++) t[X] = (X % base) + t[Math.floor(X / base)]!;
    levelSumTables.set(key, t);
  }
  return t;
}

/** Stuck cells per physical row of each row tile, over all used columns (weights and references). */
function rowBadness(cells: Uint8Array, L: Layout): Int32Array {
  const bad = new Int32Array(L.physRows);
  for (let pr = 0; pr < L.physRows; pr++) {
    let n = 0;
    for (let j = 0; j < L.physCols; j++) if (cells[pr * L.physCols + j] !== 0) n++;
    bad[pr] = n;
  }
  return bad;
}

/**
 * Row permutation within each row tile: logical rows in decreasing `importance` go to
 * physical rows in increasing stuck-cell count (ties by index). The row remap table.
 */
export function permuteRows(L: Layout, cells: Uint8Array, importance: Float64Array): Int32Array {
  const bad = rowBadness(cells, L);
  const rowMap = new Int32Array(L.R);
  for (let rt = 0; rt < L.rowTiles; rt++) {
    const first = rt * L.rows;
    const logical = Array.from({ length: Math.min(L.rows, L.R - first) }, (_, i) => first + i);
    logical.sort((a, b) => importance[b]! - importance[a]! || a - b);
    const physical = Array.from({ length: L.rows }, (_, i) => first + i);
    physical.sort((a, b) => bad[a]! - bad[b]! || a - b);
    logical.forEach((r, i) => (rowMap[r] = physical[i]!));
  }
  return rowMap;
}

export interface FaultStats {
  /** Expected fraction of stuck cells. */
  rate: number;
  /** Expected SA1 share of stuck cells. */
  sa1Share: number;
}

/** E[e] and E[e²] of the error of a stored value X (sign ±1) under i.i.d. stuck cells. */
function expectedError(X: number, L: Layout, f: FaultStats, sign: number): { mean: number; variance: number } {
  const Lmax = 2 ** L.cellBits - 1;
  let mean = 0;
  let variance = 0;
  for (let s = 0; s < L.S; s++) {
    const d = Math.floor(X / 2 ** (s * L.cellBits)) % 2 ** L.cellBits;
    const w = 2 ** (s * L.cellBits) * sign;
    const p1 = f.rate * f.sa1Share;
    const p0 = f.rate * (1 - f.sa1Share);
    const up = (Lmax - d) * w;
    const down = -d * w;
    const m = p1 * up + p0 * down;
    mean += m;
    variance += p1 * up * up + p0 * down * down - m * m;
  }
  return { mean, variance };
}

// ---------------------------------------------------------------------------------------
// Differential pairs: per-weight re-encoding (X+, X−) with X+ − X− = w
// ---------------------------------------------------------------------------------------

/**
 * Best pair for weight w given the stuck masks of its two columns. Cost of a pair with signed
 * error e (what the cells read minus w): (bias + mean·e)² + variance·e² — the column's running
 * output bias and this row's input statistics — then energy (the cells' level sum), then the
 * smallest X+. With the defaults (mean 0, variance 1, bias 0) that is: least |e|, then energy.
 */
export function bestPair(w: number, L: Layout, mp: number, vp: number, mn: number, vn: number, mean = 0, variance = 1, bias = 0): { xp: number; xn: number; error: number } {
  const xMax = 2 ** (L.S * L.cellBits) - 1;
  const sums = levelSums(L);
  const keepP = ~mp;
  const keepN = ~mn;
  let bestXp = Math.max(w, 0);
  let bestError = 0;
  let bestCost = Infinity;
  let bestEnergy = Infinity;
  for (let xp = Math.max(0, w), last = Math.min(xMax, xMax + w); xp <= last; xp++) {
    const ep = (xp & keepP) | vp;
    const en = ((xp - w) & keepN) | vn;
    const error = ep - en - w;
    const c = bias + mean * error;
    const cost = c * c + variance * error * error;
    if (cost > bestCost) continue;
    const energy = sums[ep]! + sums[en]!;
    if (cost < bestCost || energy < bestEnergy) {
      bestXp = xp;
      bestError = error;
      bestCost = cost;
      bestEnergy = energy;
    }
  }
  return { xp: bestXp, xn: bestXp - w, error: bestError };
}

/** Statistics-only pair per weight value: the (X+, X−) with least expected squared error. */
export function statsPairTable(L: Layout, q: QuantLayer, f: FaultStats): Map<number, [number, number]> {
  const table = new Map<number, [number, number]>();
  const xMax = 2 ** (L.S * L.cellBits) - 1;
  for (const w of new Set(q.qWeight)) {
    let best: [number, number] = [Math.max(w, 0), Math.max(-w, 0)];
    let bestCost = Infinity;
    let bestEnergy = Infinity;
    for (let xp = Math.max(0, w); xp <= Math.min(xMax, xMax + w); xp++) {
      const xn = xp - w;
      const a = expectedError(xp, L, f, 1);
      const b = expectedError(xn, L, f, -1);
      const cost = a.variance + b.variance + (a.mean + b.mean) ** 2;
      const energy = levelSum(xp, L) + levelSum(xn, L);
      if (cost < bestCost - 1e-12 || (Math.abs(cost - bestCost) <= 1e-12 && energy < bestEnergy)) {
        best = [xp, xn];
        bestCost = cost;
        bestEnergy = energy;
      }
    }
    table.set(w, best);
  }
  return table;
}

// ---------------------------------------------------------------------------------------
// Offset scheme: zero point per subarray, polarity per column
// ---------------------------------------------------------------------------------------

/** Zero points MT chooses between: near-zero weights stored as 1000…0-ish (2^(b−1)) or 0111…1-ish (2^(b−1) − 1). */
export function zeroCandidates(L: Layout): number[] {
  return [2 ** (L.weightBits - 1), 2 ** (L.weightBits - 1) - 1];
}

/** Effective weight of an offset-stored weight given its and its reference's stuck masks. */
export function offsetEffective(w: number, z: number, inv: boolean, L: Layout, m: number, v: number, mr: number, vr: number): number {
  const X = offsetStored(w, z, inv, L.weightBits);
  const diff = eff(X, m, v) - eff(z, mr, vr);
  return inv ? -diff + (2 ** L.weightBits - 1 - 2 * z) : diff;
}

export interface OffsetChoice {
  /** Cost of a column for a (z, inverted) choice: Σ_r importance_r · e_r², then energy. */
  cost(o: number, rt: number, z: number, inv: boolean): { cost: number; energy: number };
}

/** Choose z per subarray and polarity per column minimizing Σ cost (then energy). */
export function chooseOffsetPlan(L: Layout, plan: MappingPlan, choice: OffsetChoice, zeros: number[] = zeroCandidates(L)): void {
  for (let rt = 0; rt < L.rowTiles; rt++) {
    for (let ct = 0; ct < L.colTiles; ct++) {
      let best: { z: number; inv: Uint8Array; cost: number; energy: number } | null = null;
      const outs = Array.from({ length: Math.min(L.Wc, L.C - ct * L.Wc) }, (_, j) => ct * L.Wc + j);
      for (const z of zeros) {
        const inv = new Uint8Array(outs.length);
        let cost = 0;
        let energy = 0;
        outs.forEach((o, j) => {
          const a = choice.cost(o, rt, z, false);
          const b = choice.cost(o, rt, z, true);
          const takeB = b.cost < a.cost || (b.cost === a.cost && b.energy < a.energy);
          inv[j] = takeB ? 1 : 0;
          cost += takeB ? b.cost : a.cost;
          energy += takeB ? b.energy : a.energy;
        });
        if (!best || cost < best.cost || (cost === best.cost && energy < best.energy)) best = { z, inv, cost, energy };
      }
      plan.zero[rt * L.colTiles + ct] = best!.z;
      outs.forEach((o, j) => (plan.inverted[rt * L.C + o] = best!.inv[j]!));
    }
  }
}

// ---------------------------------------------------------------------------------------
// The methods
// ---------------------------------------------------------------------------------------

export interface PlanInput {
  q: QuantLayer;
  L: Layout;
  activity: RowActivity;
  /** The layer's fault map (map-aware methods only). */
  cells?: Uint8Array;
  stats: FaultStats;
}

/** MT, statistics only: no fault map; the expected SA1:SA0 ratio and rate decide the encoding. */
export function mtStatsPlan({ q, L, activity, stats }: PlanInput): MappingPlan {
  const plan = plainPlan(L);
  if (stats.rate <= 0) return plan;
  if (L.scheme === 'differential') {
    const table = statsPairTable(L, q, stats);
    plan.pairPos = new Int32Array(q.qWeight.length);
    plan.pairNeg = new Int32Array(q.qWeight.length);
    q.qWeight.forEach((w, i) => {
      const [xp, xn] = table.get(w)!;
      plan.pairPos![i] = xp;
      plan.pairNeg![i] = xn;
    });
    return plan;
  }
  const memo = new Map<string, { mean: number; variance: number; energy: number }>();
  const perWeight = (w: number, z: number, inv: boolean) => {
    const key = `${w},${z},${inv}`;
    let r = memo.get(key);
    if (!r) {
      const X = offsetStored(w, z, inv, L.weightBits);
      const a = expectedError(X, L, stats, inv ? -1 : 1);
      const ref = expectedError(z, L, stats, inv ? 1 : -1);
      r = { mean: a.mean + ref.mean, variance: a.variance + ref.variance, energy: levelSum(X, L) };
      memo.set(key, r);
    }
    return r;
  };
  chooseOffsetPlan(L, plan, {
    cost(o, rt, z, inv) {
      // E[(Σ_r x_r e_r)²] ≈ Σ_r E[x_r²]·Var(e_r) + (Σ_r E[x_r]·E[e_r])²: the bias of a column adds up.
      let variance = 0;
      let bias = 0;
      let energy = 0;
      for (let r = rt * L.rows; r < Math.min(L.R, (rt + 1) * L.rows); r++) {
        const c = perWeight(q.qWeight[o * L.R + r]!, z, inv);
        variance += activity.meanSquare[r]! * c.variance;
        bias += activity.mean[r]! * c.mean;
        energy += activity.mean[r]! * c.energy;
      }
      return { cost: variance + bias * bias, energy };
    },
  });
  return plan;
}

/** MT with the fault map: row permutation by activity, then per-weight pairs or per-column polarity and zero point. */
export function mtMapPlan(input: PlanInput): MappingPlan {
  const { q, L, activity } = input;
  const cells = input.cells!;
  const plan = plainPlan(L);
  plan.rowMap = permuteRows(L, cells, activity.meanSquare);
  if (L.scheme === 'differential') {
    plan.pairPos = new Int32Array(q.qWeight.length);
    plan.pairNeg = new Int32Array(q.qWeight.length);
    const variance = rowVariance(activity);
    for (let rt = 0; rt < L.rowTiles; rt++) {
      const rows = Array.from({ length: Math.min(L.rows, L.R - rt * L.rows) }, (_, i) => rt * L.rows + i);
      rows.sort((a, b) => activity.meanSquare[b]! - activity.meanSquare[a]! || a - b);
      for (let o = 0; o < L.C; o++) {
        // Greedy over the column's rows, most active first: each weight takes the pair that
        // minimizes the column's running cost (Σ E[x]·e)² + Σ Var(x)·e², then energy.
        let bias = 0;
        for (const r of rows) {
          const pr = plan.rowMap[r]!;
          const w = q.qWeight[o * L.R + r]!;
          const p = stuckMasks(cells, L, pr, (s) => weightColumn(L, o, s, 0));
          const n = stuckMasks(cells, L, pr, (s) => weightColumn(L, o, s, 1));
          const best = p.m === 0 && n.m === 0 ? { xp: Math.max(w, 0), xn: Math.max(-w, 0), error: 0 } : bestPair(w, L, p.m, p.v, n.m, n.v, activity.mean[r]!, variance[r]!, bias);
          bias += activity.mean[r]! * best.error;
          plan.pairPos[o * L.R + r] = best.xp;
          plan.pairNeg[o * L.R + r] = best.xn;
        }
      }
    }
    return plan;
  }
  chooseOffsetPlan(L, plan, offsetMapCost(q, L, cells, plan.rowMap, rowVariance(activity), activity.mean));
  return plan;
}

/**
 * Exact cost of offset choices given the map: the expected squared output error of the column,
 * (Σ_r E[x_r]·e_r)² + Σ_r Var(x_r)·e_r² (errors of one column add up through the non-negative
 * inputs), then the energy Σ_r E[x_r]·levels. With `mean` = 0 and `variance` = 1 it is Σ e².
 */
function offsetMapCost(q: QuantLayer, L: Layout, cells: Uint8Array, rowMap: Int32Array, variance: Float64Array, mean: Float64Array): OffsetChoice {
  return {
    cost(o, rt, z, inv) {
      const ct = Math.floor(o / L.Wc);
      let bias = 0;
      let spread = 0;
      let energy = 0;
      for (let r = rt * L.rows; r < Math.min(L.R, (rt + 1) * L.rows); r++) {
        const pr = rowMap[r]!;
        const w = q.qWeight[o * L.R + r]!;
        const c = stuckMasks(cells, L, pr, (s) => weightColumn(L, o, s, 0));
        const ref = stuckMasks(cells, L, pr, (s) => referenceColumn(L, ct, s));
        const e = offsetEffective(w, z, inv, L, c.m, c.v, ref.m, ref.v) - w;
        bias += mean[r]! * e;
        spread += variance[r]! * e * e;
        energy += mean[r]! * levelSum(eff(offsetStored(w, z, inv, L.weightBits), c.m, c.v), L);
      }
      return { cost: bias * bias + spread, energy };
    },
  };
}

/** Var(x_r) = E[x_r²] − E[x_r]². */
export function rowVariance(a: RowActivity): Float64Array {
  return a.meanSquare.map((m2, r) => Math.max(0, m2 - a.mean[r]! ** 2));
}

/**
 * Zhang et al.'s matrix transformations, as memxbar implements them (docs/mt.md): row
 * permutation (rows with the largest weight magnitudes to the cleanest physical rows) and
 * column flipping (the complement stored, corrected digitally; offset scheme), chosen by the
 * unweighted count-of-errors cost. Differential pairs: flipping swaps a column's G+ and G−.
 */
export function zhangPlan(input: PlanInput): MappingPlan {
  const { q, L } = input;
  const cells = input.cells!;
  const plan = plainPlan(L);
  const magnitude = new Float64Array(L.R);
  for (let o = 0; o < L.C; o++) for (let r = 0; r < L.R; r++) magnitude[r] += Math.abs(q.qWeight[o * L.R + r]!);
  plan.rowMap = permuteRows(L, cells, magnitude);
  const ones = new Float64Array(L.R).fill(1);
  const zeros = new Float64Array(L.R);
  if (L.scheme === 'offset') {
    // Zhang et al. keep the zero point 2^(b−1); only the flips are chosen, by Σ e² (no activity).
    chooseOffsetPlan(L, plan, offsetMapCost(q, L, cells, plan.rowMap, ones, zeros), [2 ** (L.weightBits - 1)]);
    return plan;
  }
  // Differential: flipping a column swaps its G+ and G− columns (coefficients negated).
  for (let rt = 0; rt < L.rowTiles; rt++) {
    for (let o = 0; o < L.C; o++) {
      let plainErr = 0;
      let swapErr = 0;
      for (let r = rt * L.rows; r < Math.min(L.R, (rt + 1) * L.rows); r++) {
        const pr = plan.rowMap[r]!;
        const w = q.qWeight[o * L.R + r]!;
        const p = stuckMasks(cells, L, pr, (s) => weightColumn(L, o, s, 0));
        const n = stuckMasks(cells, L, pr, (s) => weightColumn(L, o, s, 1));
        plainErr += Math.abs(eff(Math.max(w, 0), p.m, p.v) - eff(Math.max(-w, 0), n.m, n.v) - w);
        swapErr += Math.abs(eff(Math.max(-w, 0), p.m, p.v) - eff(Math.max(w, 0), n.m, n.v) + w);
      }
      plan.inverted[rt * L.C + o] = swapErr < plainErr ? 1 : 0;
    }
  }
  return plan;
}

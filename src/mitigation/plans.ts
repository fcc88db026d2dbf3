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
import { offsetStored, plainPlan, referenceColumn, storedPart, weightColumn } from '../crossbar/layout.ts';
import { SA0, SA1 } from '../crossbar/faults.ts';
import type { QuantLayer } from '../nn/quant.ts';
import type { RowActivity } from './activity.ts';

const STUCK0: number = SA0; // local copies: the hot loops read them per cell
const STUCK1: number = SA1;

/**
 * Stuck masks of the S slices at physical row `pr`, physical columns col0 + s (the slices of a
 * weight side or of a reference sit in consecutive columns: weightColumn / referenceColumn).
 */
function stuckMasks(cells: Uint8Array, L: Layout, pr: number, col0: number): { m: number; v: number } {
  let m = 0;
  let v = 0;
  const ones = 2 ** L.cellBits - 1;
  const base = pr * L.physCols + col0;
  for (let s = 0; s < L.S; s++) {
    const f = cells[base + s];
    if (f === STUCK0 || f === STUCK1) {
      m |= ones << (s * L.cellBits);
      if (f === STUCK1) v |= ones << (s * L.cellBits);
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
// Differential pairs: per-weight re-encoding (X+, X−) around the stuck cells of both columns
// ---------------------------------------------------------------------------------------

/**
 * Scratch of the pair search (one search at a time; all values are int32). Slice s of the
 * pair reads the level difference d_s = a_s − b_s, which ranges over [lo[s], hi[s]] (a free
 * cell: any level 0…Lmax; a stuck cell: its stuck level), and contributes d_s·2^(s·cellBits)
 * to eff(X+) − eff(X−).
 */
const MAX_PAIR_BITS = 28;
const pairLo = new Int32Array(MAX_PAIR_BITS);
const pairHi = new Int32Array(MAX_PAIR_BITS);
const stuckP = new Int32Array(MAX_PAIR_BITS); // stuck level of the G+ cell of slice s, −1 = free
const stuckN = new Int32Array(MAX_PAIR_BITS);
/** Σ_{j<s} lo[j]·2^(j·cellBits) and the same of hi: what the slices below s reach at most. */
const belowLo = new Int32Array(MAX_PAIR_BITS + 1);
const belowHi = new Int32Array(MAX_PAIR_BITS + 1);
/** 1 = every integer of [belowLo[s], belowHi[s]] is reachable by the slices below s. */
const belowFull = new Uint8Array(MAX_PAIR_BITS + 1);
/** Σ_{j≥s} lo[j]·2^((j−s)·cellBits) and the same of hi: the range of slices s… in units of 2^(s·cellBits). */
const aboveLo = new Int32Array(MAX_PAIR_BITS + 1);
const aboveHi = new Int32Array(MAX_PAIR_BITS + 1);
let pairBits = 1;
const NONE_BELOW = -(2 ** 30);
const NONE_ABOVE = 2 ** 30;

/** Largest Σ_{j<s} d_j·2^(j·cellBits) ≤ r over the slices below s, or NONE_BELOW. */
function maxAtMost(s: number, r: number): number {
  if (r < belowLo[s]!) return NONE_BELOW;
  if (r >= belowHi[s]!) return belowHi[s]!;
  if (belowFull[s]) return r;
  // The slices below s leave gaps (a slice with both cells stuck): branch on slice j = s − 1, from the top.
  const j = s - 1;
  const shift = j * pairBits;
  let best = NONE_BELOW;
  for (let d = Math.min(pairHi[j]!, (r - belowLo[j]!) >> shift); d >= pairLo[j]!; d--) {
    const top = d << shift;
    if (top + belowHi[j]! <= best) break;
    const sub = maxAtMost(j, r - top);
    if (sub !== NONE_BELOW && top + sub > best) {
      best = top + sub;
      if (best === r) break;
    }
  }
  return best;
}

/** Smallest Σ_{j<s} d_j·2^(j·cellBits) ≥ r over the slices below s, or NONE_ABOVE. */
function minAtLeast(s: number, r: number): number {
  if (r > belowHi[s]!) return NONE_ABOVE;
  if (r <= belowLo[s]!) return belowLo[s]!;
  if (belowFull[s]) return r;
  const j = s - 1;
  const shift = j * pairBits;
  let best = NONE_ABOVE;
  for (let d = Math.max(pairLo[j]!, -((belowHi[j]! - r) >> shift)); d <= pairHi[j]!; d++) {
    const top = d << shift;
    if (top + belowLo[j]! >= best) break;
    const sub = minAtLeast(j, r - top);
    if (sub !== NONE_ABOVE && top + sub < best) {
      best = top + sub;
      if (best === r) break;
    }
  }
  return best;
}

/** States of the slice-by-slice pair construction: what is left, energy, X+, X− so far. */
const dpR = new Int32Array(8);
const dpE = new Int32Array(8);
const dpXp = new Int32Array(8);
const dpXn = new Int32Array(8);
const nextR = new Int32Array(8);
const nextE = new Int32Array(8);
const nextXp = new Int32Array(8);
const nextXn = new Int32Array(8);
const cheapest = { xp: 0, xn: 0, energy: 0 };

/**
 * The cheapest pair reading exactly D = Σ_s d_s·2^(s·cellBits) (D reachable): least level sum,
 * then smallest X+. From slice 0 up, d_s ≡ (what is left) mod 2^cellBits, so at most two d_s
 * per state, and the states (what is left, in units of 2^(s·cellBits)) are at most three
 * consecutive integers; paths reaching the same state share every completion, so each state
 * keeps its best (energy, X+) only. Writes `cheapest`.
 */
function cheapestPair(S: number, D: number): void {
  const B = 1 << pairBits;
  const low = B - 1;
  let n = 1;
  dpR[0] = D;
  dpE[0] = 0;
  dpXp[0] = 0;
  dpXn[0] = 0;
  for (let s = 0; s < S; s++) {
    const lo = pairLo[s]!;
    const hi = pairHi[s]!;
    const shift = s * pairBits;
    const fp = stuckP[s]!;
    const fn = stuckN[s]!;
    const upLo = aboveLo[s + 1]!;
    const upHi = aboveHi[s + 1]!;
    let m = 0;
    for (let k = 0; k < n; k++) {
      const R = dpR[k]!;
      for (let d = lo + ((R - lo) & low); d <= hi; d += B) {
        const R2 = (R - d) >> pairBits; // exact: R − d is a multiple of B
        if (R2 < upLo || R2 > upHi) continue;
        // The levels of slice s's two cells reading d with the least a + b.
        const a = fp >= 0 ? fp : fn >= 0 ? d + fn : d > 0 ? d : 0;
        const b = fn >= 0 ? fn : fp >= 0 ? fp - d : d < 0 ? -d : 0;
        const E = dpE[k]! + a + b;
        const xp = dpXp[k]! + (a << shift);
        let i = 0;
        while (i < m && nextR[i] !== R2) i++;
        if (i === m) m++;
        else if (nextE[i]! < E || (nextE[i] === E && nextXp[i]! <= xp)) continue;
        nextR[i] = R2;
        nextE[i] = E;
        nextXp[i] = xp;
        nextXn[i] = dpXn[k]! + (b << shift);
      }
    }
    n = m;
    for (let i = 0; i < m; i++) {
      dpR[i] = nextR[i]!;
      dpE[i] = nextE[i]!;
      dpXp[i] = nextXp[i]!;
      dpXn[i] = nextXn[i]!;
    }
  }
  // aboveLo[S] = aboveHi[S] = 0: the one state left is "nothing left".
  if (n !== 1 || dpR[0] !== 0) throw new RangeError(`pair search: the reading ${D} is not reachable`);
  cheapest.xp = dpXp[0]!;
  cheapest.xn = dpXn[0]!;
  cheapest.energy = dpE[0]!;
}

/** (bias + mean·e)² + variance·e²: the cost of a weight's error e in its column (docs/mt.md). */
function pairCost(e: number, mean: number, variance: number, bias: number): number {
  const c = bias + mean * e;
  return c * c + variance * e * e;
}

/**
 * Best pair for weight w given the stuck masks of its two columns, over all pairs (X+, X−) in
 * [0, 2^(S·cellBits))². A pair reads e = eff+(X+) − eff−(X−) − w; its cost is
 * (bias + mean·e)² + variance·e² — in the first stage this row's input variance alone, in the
 * descent the other rows' share of the tile cost (bias) and this row's covariance (mean) — then energy (the level sum the cells actually hold), then the smallest X+, then
 * the smallest X−.
 * With the defaults (mean 0, variance 1, bias 0) that is: least |e|, then energy. A row with
 * mean² + variance = 0 (never driven in calibration) is treated as mean 0, variance 1.
 *
 * The cost is a convex quadratic in e with its minimum at e* = −bias·mean/(mean² + variance),
 * so the best reading D = w + e is the reachable sum nearest w + e* from below or from above;
 * both are found by branch and bound from the top slice, compared exactly on the cost, and the
 * cheapest pair reading that D is built slice by slice. Returns the values the cells hold:
 * stuck slices carry their stuck levels.
 */
export function bestPair(w: number, L: Layout, mp: number, vp: number, mn: number, vn: number, mean = 0, variance = 1, bias = 0): { xp: number; xn: number; error: number } {
  const { S, cellBits } = L;
  if (S * cellBits > MAX_PAIR_BITS) throw new RangeError(`pair search: ${S} slices of ${cellBits} bits per side, at most ${MAX_PAIR_BITS} bits`);
  const lmax = (1 << cellBits) - 1;
  if (mean * mean + variance <= 0) {
    mean = 0;
    variance = 1;
  }
  pairBits = cellBits;
  belowLo[0] = 0;
  belowHi[0] = 0;
  belowFull[0] = 1;
  for (let s = 0; s < S; s++) {
    const shift = s * cellBits;
    const fp = (mp >>> shift) & lmax ? (vp >>> shift) & lmax : -1;
    const fn = (mn >>> shift) & lmax ? (vn >>> shift) & lmax : -1;
    stuckP[s] = fp;
    stuckN[s] = fn;
    // d = a − b: a free cell spans 0…lmax, a stuck one holds its level.
    const lo = (fp >= 0 ? fp : 0) - (fn >= 0 ? fn : lmax);
    const hi = (fp >= 0 ? fp : lmax) - (fn >= 0 ? fn : 0);
    pairLo[s] = lo;
    pairHi[s] = hi;
    belowLo[s + 1] = belowLo[s]! + (lo << shift);
    belowHi[s + 1] = belowHi[s]! + (hi << shift);
    // Adding slice s keeps the reachable set an interval if it was one and its steps 2^shift leave no gap.
    belowFull[s + 1] = belowFull[s]! && (lo === hi || belowHi[s]! - belowLo[s]! + 1 >= 1 << shift) ? 1 : 0;
  }
  aboveLo[S] = 0;
  aboveHi[S] = 0;
  for (let s = S - 1; s >= 0; s--) {
    aboveLo[s] = (aboveLo[s + 1]! << cellBits) + pairLo[s]!;
    aboveHi[s] = (aboveHi[s + 1]! << cellBits) + pairHi[s]!;
  }
  const eStar = -(bias * mean) / (mean * mean + variance);
  // The target, kept within one step of the reachable range (floor and ceil stay int32).
  const target = Math.min(belowHi[S]! + 1, Math.max(belowLo[S]! - 1, w + eStar));
  const below = maxAtMost(S, Math.floor(target) | 0); // | 0: no −0
  const above = minAtLeast(S, Math.ceil(target) | 0);
  const costBelow = below === NONE_BELOW ? Infinity : pairCost(below - w, mean, variance, bias);
  const costAbove = above === NONE_ABOVE || above === below ? Infinity : pairCost(above - w, mean, variance, bias);
  // The cheaper reading wins; on equal cost, the cheaper pair (least energy, then X+, then X−).
  const D = costAbove < costBelow ? above : below;
  cheapestPair(S, D);
  let xp = cheapest.xp;
  let xn = cheapest.xn;
  let error = D - w;
  if (costAbove === costBelow) {
    const energy = cheapest.energy;
    cheapestPair(S, above);
    if (cheapest.energy < energy || (cheapest.energy === energy && (cheapest.xp < xp || (cheapest.xp === xp && cheapest.xn < xn)))) {
      xp = cheapest.xp;
      xn = cheapest.xn;
      error = above - w;
    }
  }
  return { xp, xn, error };
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

// ---------------------------------------------------------------------------------------
// Offset scheme: re-encoding of each weight and of the reference around their stuck cells
// ---------------------------------------------------------------------------------------

/** Largest integer y ≤ t with y < 2^bits and (y & m) = v, or −1 (t an integer, 0 ≤ v ≤ m). */
function maskedAtMost(t: number, m: number, v: number, bits: number): number {
  const top = v | (((1 << bits) - 1) & ~m); // the largest readable value
  if (t >= top) return top;
  if (t < v) return -1; // v, all free bits 0, is the smallest
  // Follow t from the MSB while the stuck bits match it; `branch` = the lowest free bit seen
  // where t has a 1 (setting it to 0 there leaves every lower bit free to be as high as it can).
  let branch = -1;
  for (let i = bits - 1; i >= 0; i--) {
    const bit = 1 << i;
    const tb = t & bit;
    if (m & bit) {
      const vb = v & bit;
      if (vb === tb) continue;
      // vb < tb: below t from here on; vb > tb: back to the branch point (there is one: t ≥ v).
      const at = vb < tb ? i : branch;
      const low = (1 << at) - 1;
      return (t & ~((low << 1) | 1)) | (low & ~m) | (v & low); // bit `at` of y is 0
    }
    if (tb) branch = i;
  }
  return t;
}

/**
 * Smallest integer y ≥ t with y < 2^bits and (y & m) = v, or −1: `maskedAtMost` on the
 * complements (y ≥ t ⟺ ~y ≤ ~t, and ~y holds the stuck bits m & ~v).
 */
function maskedAtLeast(t: number, m: number, v: number, bits: number): number {
  const full = (1 << bits) - 1;
  const y = maskedAtMost(full - t, m, m & ~v, bits);
  return y < 0 ? -1 : full - y;
}

/**
 * The values a group of cells with stuck masks (m, v) can read — y < 2^bits with (y & m) = v,
 * a free bit taking either value — nearest a real t: the largest ≤ t (`below`) and the
 * smallest ≥ t (`above`), −1 where there is none. Exact, O(bits): from the MSB, y follows t as
 * long as the stuck bits match it; at the first mismatch y leaves t either there (a stuck bit
 * on the right side) or at the last free bit that could leave t on that side, and every lower
 * bit goes as high (below) or as low (above) as the stuck bits allow.
 */
export function nearestWithMask(t: number, m: number, v: number, bits: number): { below: number; above: number } {
  if (!Number.isInteger(bits) || bits < 1 || bits > 30) throw new RangeError(`nearestWithMask: bits must be an integer in 1…30, got ${bits}`);
  const all = 2 ** bits - 1;
  if (!Number.isInteger(m) || !Number.isInteger(v) || m < 0 || m > all || (v & ~m) !== 0 || v < 0) throw new RangeError(`nearestWithMask: stuck masks m = ${m}, v = ${v} must be ${bits}-bit values with v ⊆ m`);
  if (Number.isNaN(t)) throw new RangeError('nearestWithMask: the target is NaN');
  const c = Math.min(all + 1, Math.max(-1, t));
  return { below: maskedAtMost(Math.floor(c) | 0, m, v, bits), above: maskedAtLeast(Math.ceil(c) | 0, m, v, bits) }; // | 0: no −0
}

/**
 * Stuck masks of an offset value over all S·cellBits bits: the bits ≥ weightBits that a stored
 * value (< 2^weightBits) leaves at 0 count as stuck at 0 unless their cell is SA1.
 */
function offsetMask(m: number, L: Layout): number {
  return m | ((2 ** (L.S * L.cellBits) - 1) & ~(2 ** L.weightBits - 1));
}

/**
 * The reference cells' stored value for zero point z given their stuck masks: the one whose
 * reading is nearest z, ties by the least level sum, then the smaller. `read` is what the cells
 * hold (the stored value carries the stuck levels below bit weightBits).
 */
export function bestReference(z: number, L: Layout, mr: number, vr: number): { x: number; read: number } {
  const { below, above } = nearestWithMask(z, offsetMask(mr, L), vr, L.S * L.cellBits);
  const sums = levelSums(L);
  let read = below;
  if (below < 0 || (above >= 0 && (z - below > above - z || (z - below === above - z && sums[above]! < sums[below]!)))) read = above;
  return { x: read & (2 ** L.weightBits - 1), read };
}

/**
 * Best stored value of an offset weight w given its cells' stuck masks, the reference reading
 * `ref` of its row and the subarray's zero point z. The hardware computes eff(X) − ref (plain
 * column) or −(eff(X) − ref) + 2^b − 1 − 2z (flipped column), error e = that − w; cost
 * (bias + mean·e)² + variance·e² (as for pairs: in the descent, the other rows' part of the
 * tile cost and the row's covariance; mean² + variance = 0 counts as mean 0, variance 1), then the least level sum of
 * what the cells hold, then the smaller X. The reading nearest the cost's minimum
 * e* = −bias·mean/(mean² + variance) from below or above (`nearestWithMask`) wins. Returns X with
 * the stuck levels in place.
 */
export function bestStored(w: number, z: number, inv: boolean, ref: number, L: Layout, m: number, v: number, mean = 0, variance = 1, bias = 0): { x: number; error: number } {
  if (mean * mean + variance <= 0) {
    mean = 0;
    variance = 1;
  }
  const K = 2 ** L.weightBits - 1 - 2 * z;
  const eStar = -(bias * mean) / (mean * mean + variance);
  const target = inv ? ref + K - w - eStar : w + ref + eStar;
  const { below, above } = nearestWithMask(target, offsetMask(m, L), v, L.S * L.cellBits);
  const sums = levelSums(L);
  let best = -1;
  let bestError = 0;
  let bestCost = Infinity;
  for (let k = 0; k < 2; k++) {
    const y = k === 0 ? below : above;
    if (y < 0) continue;
    const e = (inv ? ref - y + K : y - ref) - w;
    const cost = pairCost(e, mean, variance, bias);
    if (best < 0 || cost < bestCost || (cost === bestCost && (sums[y]! < sums[best]! || (sums[y] === sums[best] && y < best)))) {
      best = y;
      bestError = e;
      bestCost = cost;
    }
  }
  return { x: best & (2 ** L.weightBits - 1), error: bestError };
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
      const outs = Array.from({ length: Math.min(L.outputsPerTile, L.C - ct * L.outputsPerTile) }, (_, j) => ct * L.outputsPerTile + j);
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

/**
 * MT with the fault map: row permutation by activity, then every weight with a stuck cell
 * re-encoded around it — differential: the best pair over all (X+, X−) (`bestPair`), then a
 * coordinate descent on each tile's output error variance (`refinePairs`), and the mean output
 * error of each column cancelled by a digital offset folded into the layer's bias
 * (`plan.columnOffset`); offset: the best stored value per weight and reference, with the zero
 * point per subarray and the polarity per column (`mtMapOffset`). Weights without a stuck cell
 * keep their exact encoding.
 */
export function mtMapPlan(input: PlanInput): MappingPlan {
  const { q, L, activity } = input;
  const cells = input.cells!;
  const plan = plainPlan(L);
  plan.rowMap = permuteRows(L, cells, activity.meanSquare);
  if (L.scheme === 'differential') {
    plan.pairPos = new Int32Array(q.qWeight.length);
    plan.pairNeg = new Int32Array(q.qWeight.length);
    const variance = rowVariance(activity);
    const meanError = new Float64Array(L.C); // E[Σ_r x_r·e_r] per column, over all row tiles
    for (let rt = 0; rt < L.rowTiles; rt++) {
      const first = rt * L.rows;
      const count = Math.min(L.rows, L.R - first);
      for (let o = 0; o < L.C; o++) {
        // First each weight alone: the pair with the least Var(x_r)·e², then energy (the mean
        // error is the column offset's: it costs nothing here).
        const stuck: StuckPair[] = [];
        const errors = new Float64Array(L.rows);
        for (let r = first; r < first + count; r++) {
          const pr = plan.rowMap[r]!;
          const w = q.qWeight[o * L.R + r]!;
          const p = stuckMasks(cells, L, pr, weightColumn(L, o, 0, 0));
          const n = stuckMasks(cells, L, pr, weightColumn(L, o, 0, 1));
          const clean = p.m === 0 && n.m === 0;
          const best = clean ? { xp: Math.max(w, 0), xn: Math.max(-w, 0), error: 0 } : bestPair(w, L, p.m, p.v, n.m, n.v, 0, variance[r]!, 0);
          plan.pairPos[o * L.R + r] = best.xp;
          plan.pairNeg[o * L.R + r] = best.xn;
          errors[r - first] = best.error;
          if (!clean) stuck.push({ r, mp: p.m, vp: p.v, mn: n.m, vn: n.v });
        }
        if (activity.covariance && stuck.length > 0) refinePairs(q, L, plan, activity.covariance, rt, o, stuck, errors);
        for (let i = 0; i < count; i++) meanError[o] += activity.mean[first + i]! * errors[i]!;
      }
    }
    plan.columnOffset = Int32Array.from(meanError, (m) => -Math.round(m) || 0); // || 0: no −0
    return plan;
  }
  mtMapOffset(q, L, cells, activity, plan);
  return plan;
}

/** A weight whose pair has a stuck cell: its logical row and the stuck masks of its G+ and G− cells. */
interface StuckPair {
  r: number;
  mp: number;
  vp: number;
  mn: number;
  vn: number;
}

/** Passes of `refinePairs` at most; it stops earlier when a pass changes nothing (the usual case). */
const REFINE_PASSES = 64;

/**
 * mt-map, second stage: coordinate descent on a row tile's exact cost Var(Σ_r x_r·e_r) = eᵀ·M·e
 * of one column, M the rows' covariances (RowActivity.covariance, tile rt's n×n block; the mean
 * error is cancelled by the column offset), starting from the first stage's errors `e` (indexed
 * by row within the tile). Visiting each re-encodable weight (`rows`, within the tile) in turn,
 * the rest fixed, the cost is M_ii·e² + 2·g_i·e + const with g_i = Σ_{j≠i} M_ij·e_j: `best(t,
 * √M_ii, g_i/√M_ii)` (t: the weight's place in `rows`, i = rows[t]) gives its least-cost encoding (cost (bias + mean·e)², as `bestPair` and
 * `bestStored` compute it), taken only when it lowers the cost, so the descent ends (at a pass
 * that changes nothing: no single weight can then do better); correlated rows (the pixels of one
 * channel in a kernel window) learn to cancel each other's errors, which a cost of independent
 * rows cannot see.
 */
function refineTile(M: Float64Array, n: number, rt: number, rows: number[], e: Float64Array, best: (t: number, mean: number, bias: number) => { error: number; take: () => void }): void {
  const off = rt * n * n;
  const g = new Float64Array(n); // g = M·e
  for (let i = 0; i < n; i++) {
    if (e[i] === 0) continue;
    for (let j = 0; j < n; j++) g[j] += M[off + j * n + i]! * e[i]!;
  }
  for (let pass = 0; pass < REFINE_PASSES; pass++) {
    let changed = false;
    for (let t = 0; t < rows.length; t++) {
      const i = rows[t]!;
      const mii = M[off + i * n + i]!;
      if (mii <= 0) continue; // a row never driven: its error costs nothing
      const others = g[i]! - mii * e[i]!;
      const root = Math.sqrt(mii);
      const b = best(t, root, others / root);
      const d = b.error - e[i]!;
      // Only a strictly lower cost counts (ties could cycle): Δ = M_ii·(e'² − e²) + 2·g_i·(e' − e).
      if (d === 0 || mii * (b.error * b.error - e[i]! * e[i]!) + 2 * others * d >= 0) continue;
      for (let j = 0; j < n; j++) g[j] += M[off + j * n + i]! * d;
      e[i] = b.error;
      b.take();
      changed = true;
    }
    if (!changed) break;
  }
}

/** Differential pairs: `refineTile` over the weights of column o whose pairs have a stuck cell. */
function refinePairs(q: QuantLayer, L: Layout, plan: MappingPlan, M: Float64Array, rt: number, o: number, stuck: StuckPair[], e: Float64Array): void {
  refineTile(M, L.rows, rt, stuck.map((c) => c.r - rt * L.rows), e, (t, mean, bias) => {
    const c = stuck[t]!;
    const k = o * L.R + c.r;
    const best = bestPair(q.qWeight[k]!, L, c.mp, c.vp, c.mn, c.vn, mean, 0, bias);
    return {
      error: best.error,
      take: () => {
        plan.pairPos![k] = best.xp;
        plan.pairNeg![k] = best.xn;
      },
    };
  });
}

/**
 * mt-map, offset scheme: every weight and every reference cell group is re-encoded around its
 * stuck cells. Per subarray and candidate zero point z, each row's reference stores the value
 * whose reading is nearest z (`bestReference`); per column and polarity, each weight with a
 * stuck cell (or whose reference does not read z) takes the stored value with the least error
 * (`bestStored`) — the others keep X = w + z (or its complement) exactly. The zero point per
 * subarray and the polarity per column follow from the column cost Σ Var(x)·e², then energy
 * (`chooseOffsetPlan`; the mean error is the column offset's). Then, as on differential pairs,
 * a coordinate descent on the tile's eᵀ·Cov·e (`refineTile`, when the activity has the rows'
 * covariances) re-encodes those weights so that correlated rows cancel each other's errors,
 * and the column offset −round(Σ_r E[x_r]·e_r) cancels the mean. `plan.stored`,
 * `plan.refStored` and `plan.columnOffset` hold the result.
 */
function mtMapOffset(q: QuantLayer, L: Layout, cells: Uint8Array, activity: RowActivity, plan: MappingPlan): void {
  const { R, C, colTiles } = L;
  const b = L.weightBits;
  const variance = rowVariance(activity);
  const { mean } = activity;
  // Stuck masks of every weight's cells and of every row's reference cells, at their physical rows.
  const masks = new Int32Array(2 * R * C);
  const refMasks = new Int32Array(2 * R * colTiles);
  for (let r = 0; r < R; r++) {
    const pr = plan.rowMap[r]!;
    for (let o = 0; o < C; o++) {
      const c = stuckMasks(cells, L, pr, weightColumn(L, o, 0, 0));
      masks[2 * (o * R + r)] = c.m;
      masks[2 * (o * R + r) + 1] = c.v;
    }
    for (let ct = 0; ct < colTiles; ct++) {
      const c = stuckMasks(cells, L, pr, referenceColumn(L, ct, 0));
      refMasks[2 * (r * colTiles + ct)] = c.m;
      refMasks[2 * (r * colTiles + ct) + 1] = c.v;
    }
  }
  // References per (row tile, column tile, zero point): stored value and reading of each row.
  const refs = new Map<string, { x: Int32Array; read: Int32Array }>();
  const refsOf = (rt: number, ct: number, z: number) => {
    const key = `${rt},${ct},${z}`;
    let ref = refs.get(key);
    if (!ref) {
      const n = Math.min(L.rows, R - rt * L.rows);
      ref = { x: new Int32Array(n), read: new Int32Array(n) };
      for (let i = 0; i < n; i++) {
        const k = 2 * ((rt * L.rows + i) * colTiles + ct);
        const best = bestReference(z, L, refMasks[k]!, refMasks[k + 1]!);
        ref.x[i] = best.x;
        ref.read[i] = best.read;
      }
      refs.set(key, ref);
    }
    return ref;
  };
  // One column of one row tile, each weight alone; writes the stored values to `out` and the
  // errors (by row within the tile) to `errors` when given.
  const column = (o: number, rt: number, z: number, inv: boolean, out: Int32Array | null, errors: Float64Array | null) => {
    const ref = refsOf(rt, Math.floor(o / L.outputsPerTile), z);
    let spread = 0;
    let energy = 0;
    for (let i = 0; i < ref.read.length; i++) {
      const r = rt * L.rows + i;
      const k = o * R + r;
      const w = q.qWeight[k]!;
      const m = masks[2 * k]!;
      const v = masks[2 * k + 1]!;
      let X: number;
      let e = 0;
      if (m === 0 && ref.read[i] === z) X = offsetStored(w, z, inv, b);
      else {
        const best = bestStored(w, z, inv, ref.read[i]!, L, m, v, 0, variance[r]!, 0);
        X = best.x;
        e = best.error;
      }
      spread += variance[r]! * e * e;
      energy += mean[r]! * levelSum(eff(X, m, v), L);
      if (out) out[k] = X;
      if (errors) errors[i] = e;
    }
    return { cost: spread, energy };
  };
  chooseOffsetPlan(L, plan, { cost: (o, rt, z, inv) => column(o, rt, z, inv, null, null) });
  plan.stored = new Int32Array(R * C);
  plan.refStored = new Int32Array(R * colTiles);
  const meanError = new Float64Array(C); // E[Σ_r x_r·e_r] per column, over all row tiles
  const errors = new Float64Array(L.rows);
  for (let rt = 0; rt < L.rowTiles; rt++) {
    for (let ct = 0; ct < colTiles; ct++) {
      const z = plan.zero[rt * colTiles + ct]!;
      const ref = refsOf(rt, ct, z);
      const first = rt * L.rows;
      for (let i = 0; i < ref.x.length; i++) plan.refStored[(first + i) * colTiles + ct] = ref.x[i]!;
      for (let o = ct * L.outputsPerTile; o < Math.min(C, (ct + 1) * L.outputsPerTile); o++) {
        const inv = plan.inverted[rt * C + o] === 1;
        errors.fill(0);
        column(o, rt, z, inv, plan.stored, errors);
        if (activity.covariance) {
          const rows: number[] = [];
          for (let i = 0; i < ref.read.length; i++) if (masks[2 * (o * R + first + i)] !== 0 || ref.read[i] !== z) rows.push(i);
          refineTile(activity.covariance, L.rows, rt, rows, errors, (t, m, bias) => {
            const i = rows[t]!;
            const k = o * R + first + i;
            const best = bestStored(q.qWeight[k]!, z, inv, ref.read[i]!, L, masks[2 * k]!, masks[2 * k + 1]!, m, 0, bias);
            return { error: best.error, take: () => (plan.stored![k] = best.x) };
          });
        }
        for (let i = 0; i < ref.read.length; i++) meanError[o] += mean[first + i]! * errors[i]!;
      }
    }
  }
  plan.columnOffset = Int32Array.from(meanError, (m) => -Math.round(m) || 0); // || 0: no −0
}

/** Var(x_r) = E[x_r²] − E[x_r]². */
export function rowVariance(a: RowActivity): Float64Array {
  return a.meanSquare.map((m2, r) => Math.max(0, m2 - a.mean[r]! ** 2));
}

/** Stuck masks of the `L.parts` weight columns whose slices start at col0(j), at physical row pr. */
function partMasks(cells: Uint8Array, L: Layout, pr: number, col0: (j: number) => number): { m: number; v: number }[] {
  return Array.from({ length: L.parts }, (_, j) => stuckMasks(cells, L, pr, col0(j)));
}

/** What the parts of a stored value X read through their stuck masks (`partMasks`). */
function partsRead(L: Layout, masks: { m: number; v: number }[], X: number, reflect: boolean): number {
  let read = 0;
  for (let j = 0; j < masks.length; j++) read += eff(storedPart(L, X, j, reflect), masks[j]!.m, masks[j]!.v);
  return read;
}

/**
 * The weights that output o's cells at physical row pr compute under Zhang et al.'s mapping
 * (zero point 2^(b−1), the stored values split over `L.parts` columns), [plain, flipped]:
 * offset, the parts reflected and the input-sum term kP − 2z, `refRead` what the row's
 * reference parts read; differential, G+ and G− swapped.
 */
function zhangComputed(cells: Uint8Array, L: Layout, pr: number, o: number, w: number, refRead: number): [number, number] {
  const side0 = partMasks(cells, L, pr, (j) => weightColumn(L, o, 0, 0, j));
  if (L.scheme === 'offset') {
    const z = 2 ** (L.weightBits - 1);
    return [partsRead(L, side0, w + z, false) - refRead, -(partsRead(L, side0, w + z, true) - refRead) + L.parts * L.partTop - 2 * z];
  }
  const side1 = partMasks(cells, L, pr, (j) => weightColumn(L, o, 0, 1, j));
  const xp = Math.max(w, 0);
  const xn = Math.max(-w, 0);
  return [partsRead(L, side0, xp, false) - partsRead(L, side1, xn, false), partsRead(L, side1, xp, false) - partsRead(L, side0, xn, false)];
}

/**
 * Zhang et al.'s matrix transformations, as memxbar implements them (docs/mt.md): row
 * permutation (rows with the largest weight magnitudes to the cleanest physical rows), column
 * flipping (offset: each stored part reflected, corrected digitally; differential: G+ and G−
 * swapped) chosen per column and row tile by the unweighted Σ e², and value-range reduction:
 * the layout `L` splits every stored value over `L.parts` weight columns of fewer slices
 * (`mitigation.valueRangeParts`), so a stuck cell's error is bounded by a smaller significance.
 */
export function zhangPlan(input: PlanInput): MappingPlan {
  const { q, L } = input;
  const cells = input.cells!;
  const plan = plainPlan(L);
  const magnitude = new Float64Array(L.R);
  for (let o = 0; o < L.C; o++) for (let r = 0; r < L.R; r++) magnitude[r] += Math.abs(q.qWeight[o * L.R + r]!);
  plan.rowMap = permuteRows(L, cells, magnitude);
  // offset: what each row's reference parts read in each column tile (z = 2^(b−1) everywhere).
  const refRead = new Int32Array(L.scheme === 'offset' ? L.R * L.colTiles : 0);
  for (let k = 0; k < refRead.length; k++) {
    const r = Math.floor(k / L.colTiles);
    const ct = k % L.colTiles;
    refRead[k] = partsRead(L, partMasks(cells, L, plan.rowMap[r]!, (j) => referenceColumn(L, ct, 0, j)), 2 ** (L.weightBits - 1), false);
  }
  for (let rt = 0; rt < L.rowTiles; rt++) {
    for (let o = 0; o < L.C; o++) {
      const ct = Math.floor(o / L.outputsPerTile);
      let plainErr = 0;
      let flipErr = 0;
      for (let r = rt * L.rows; r < Math.min(L.R, (rt + 1) * L.rows); r++) {
        const w = q.qWeight[o * L.R + r]!;
        const [plain, flipped] = zhangComputed(cells, L, plan.rowMap[r]!, o, w, refRead[r * L.colTiles + ct] ?? 0);
        plainErr += (plain - w) ** 2;
        flipErr += (flipped - w) ** 2;
      }
      plan.inverted[rt * L.C + o] = flipErr < plainErr ? 1 : 0;
    }
  }
  return plan;
}

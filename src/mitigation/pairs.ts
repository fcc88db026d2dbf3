/**
 * Differential pairs: the re-encoding (X+, X−) of one weight around the stuck cells of both
 * columns (`bestPair`, used by mt-map), and the statistics-only pair per weight value
 * (`statsPairTable`, used by mt-stats).
 */
import type { Layout } from '../crossbar/layout.ts';
import type { QuantLayer } from '../nn/quant.ts';
import { errorCost, expectedError, levelSum, type FaultStats } from './stuck.ts';

// ---------------------------------------------------------------------------------------
// Differential pairs: per-weight re-encoding (X+, X−) around the stuck cells of both columns
// ---------------------------------------------------------------------------------------

/**
 * Scratch of the pair search (one search at a time; all values are int32). Slice s of the
 * pair reads the level difference d_s = a_s − b_s, which ranges over [lo[s], hi[s]] (a free
 * cell: any level 0…Lmax; a stuck cell: its stuck level), and contributes d_s·2^(s·cellBits)
 * to eff(X+) − eff(X−).
 *
 * The scratch is module-private and shared by the calls of this module only: `bestPair` is
 * synchronous and not re-entrant, and runs for every stuck weight, so it allocates nothing.
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
  const costBelow = below === NONE_BELOW ? Infinity : errorCost(below - w, mean, variance, bias);
  const costAbove = above === NONE_ABOVE || above === below ? Infinity : errorCost(above - w, mean, variance, bias);
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

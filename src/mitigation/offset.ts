/**
 * The offset scheme: zero points per subarray, polarity per column, and the re-encoding of
 * each weight and of the reference around their stuck cells (used by mt-stats and mt-map).
 */
import type { Layout, MappingPlan } from '../crossbar/layout.ts';
import { offsetStored } from '../crossbar/layout.ts';
import { eff, errorCost, levelSums } from './stuck.ts';

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
    const cost = errorCost(e, mean, variance, bias);
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

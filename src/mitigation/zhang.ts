/**
 * Zhang et al.'s matrix transformations (docs/mt.md): row permutation, column flipping and
 * value-range reduction.
 */
import type { Layout, MappingPlan } from '../crossbar/layout.ts';
import { plainPlan, referenceColumn, storedPart, weightColumn } from '../crossbar/layout.ts';
import { eff, permuteRows, stuckMasks, type PlanInput } from './stuck.ts';

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

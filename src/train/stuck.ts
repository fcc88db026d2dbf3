/**
 * The stuck cells of a fault map as the training forward pass sees them: per weight of the
 * plain mapping (docs/model.md §2), the masks that turn an integer weight into what its cells
 * compute (`StuckWeights`, src/train/backprop.ts).
 */
import { layerLayout, referenceColumn, weightColumn, type LayoutConfig } from '../crossbar/layout.ts';
import { eff, stuckMasks } from '../mitigation/stuck.ts';
import type { StuckWeights } from './backprop.ts';

/** Stuck weights of one layer (R inputs × C outputs) for its fault cells under the plain mapping; null when none. */
export function stuckWeights(R: number, C: number, cfg: LayoutConfig, cells: Uint8Array, where = 'layer'): StuckWeights | null {
  const L = layerLayout(R, C, cfg, where);
  const z = 2 ** (L.weightBits - 1);
  const index: number[] = [];
  const masks: number[] = [];
  for (let r = 0; r < R; r++) {
    const refRead = L.scheme === 'offset' ? Array.from({ length: L.colTiles }, (_, ct) => {
      const c = stuckMasks(cells, L, r, referenceColumn(L, ct, 0));
      return eff(z, c.m, c.v);
    }) : [];
    for (let o = 0; o < C; o++) {
      if (L.scheme === 'offset') {
        const c = stuckMasks(cells, L, r, weightColumn(L, o, 0, 0));
        const ref = refRead[Math.floor(o / L.outputsPerTile)]!;
        if (c.m === 0 && ref === z) continue;
        index.push(o * R + r);
        masks.push(c.m, c.v, ref, 0);
      } else {
        const p = stuckMasks(cells, L, r, weightColumn(L, o, 0, 0));
        const n = stuckMasks(cells, L, r, weightColumn(L, o, 0, 1));
        if (p.m === 0 && n.m === 0) continue;
        index.push(o * R + r);
        masks.push(p.m, p.v, n.m, n.v);
      }
    }
  }
  if (index.length === 0) return null;
  // Listed in increasing weight index, as effectiveWeights expects nothing else of the order.
  const order = index.map((_, k) => k).sort((a, b) => index[a]! - index[b]!);
  return {
    scheme: L.scheme,
    zero: z,
    index: Int32Array.from(order, (k) => index[k]!),
    masks: Int32Array.from(order.flatMap((k) => [masks[4 * k]!, masks[4 * k + 1]!, masks[4 * k + 2]!, masks[4 * k + 3]!])),
  };
}

/**
 * The stuck cells of a fault map as the training forward pass sees them: per weight of the
 * plain mapping (docs/model.md §2), the masks that turn an integer weight into what its cells
 * compute (`StuckWeights`, src/train/backprop.ts).
 */
import { layerLayout, type LayoutConfig } from '../crossbar/layout.ts';
import { forEachStuckWeight } from '../mitigation/stuck.ts';
import type { StuckWeights } from './backprop.ts';

/** Stuck weights of one layer (R inputs × C outputs) for its fault cells under the plain mapping; null when none. */
export function stuckWeights(R: number, C: number, cfg: LayoutConfig, cells: Uint8Array, where = 'layer'): StuckWeights | null {
  const L = layerLayout(R, C, cfg, where);
  const index: number[] = [];
  const masks: number[] = [];
  forEachStuckWeight(L, cells, (r, o, a, b, ref) => {
    index.push(o * R + r);
    if (L.scheme === 'offset') masks.push(a.m, a.v, ref, 0);
    else masks.push(a.m, a.v, b.m, b.v);
  });
  if (index.length === 0) return null;
  // Listed in increasing weight index, as effectiveWeights expects nothing else of the order.
  const order = index.map((_, k) => k).sort((a, b) => index[a]! - index[b]!);
  return {
    scheme: L.scheme,
    zero: 2 ** (L.weightBits - 1),
    index: Int32Array.from(order, (k) => index[k]!),
    masks: Int32Array.from(order.flatMap((k) => [masks[4 * k]!, masks[4 * k + 1]!, masks[4 * k + 2]!, masks[4 * k + 3]!])),
  };
}

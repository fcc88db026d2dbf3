/**
 * PytorX-style digital correction (docs/mt.md): the weights keep their plain mapping, and the
 * difference between each weight and what its cells actually hold is added back digitally.
 */
import { SA0, SA1 } from '../crossbar/faults.ts';
import { buildMapping, offsetStored, plainPlan, referenceColumn, weightColumn, type LayerMapping, type Layout } from '../crossbar/layout.ts';
import type { QuantLayer } from '../nn/quant.ts';

/** The value the cells of a plain mapping actually hold for each weight (linear view). */
function effectiveWeights(q: QuantLayer, L: Layout, cells: Uint8Array): Int32Array {
  const out = new Int32Array(q.qWeight.length);
  const top = 2 ** L.cellBits - 1;
  const value = (pr: number, col: (s: number) => number, X: number) => {
    let v = 0;
    for (let s = 0; s < L.S; s++) {
      const f = cells[pr * L.physCols + col(s)];
      const d = f === SA1 ? top : f === SA0 ? 0 : Math.floor(X / 2 ** (s * L.cellBits)) % 2 ** L.cellBits;
      v += d * 2 ** (s * L.cellBits);
    }
    return v;
  };
  const z = 2 ** (L.weightBits - 1);
  for (let r = 0; r < L.R; r++) {
    for (let o = 0; o < L.C; o++) {
      const w = q.qWeight[o * L.R + r]!;
      if (L.scheme === 'offset') {
        const ct = Math.floor(o / L.outputsPerTile);
        out[o * L.R + r] = value(r, (s) => weightColumn(L, o, s, 0), offsetStored(w, z, false, L.weightBits)) - value(r, (s) => referenceColumn(L, ct, s), z);
      } else {
        out[o * L.R + r] = value(r, (s) => weightColumn(L, o, s, 0), Math.max(w, 0)) - value(r, (s) => weightColumn(L, o, s, 1), Math.max(-w, 0));
      }
    }
  }
  return out;
}

/** The plain mapping of a layer with the digital correction w − (what its cells hold), or null when none is needed. */
export function pytorxMapping(q: QuantLayer, L: Layout, cells: Uint8Array): LayerMapping {
  const m = buildMapping(q, L, plainPlan(L));
  const effW = effectiveWeights(q, L, cells);
  const correction = new Int32Array(q.qWeight.length);
  let any = false;
  for (let k = 0; k < correction.length; k++) {
    correction[k] = q.qWeight[k]! - effW[k]!;
    if (correction[k] !== 0) any = true;
  }
  return { ...m, correction: any ? correction : null };
}

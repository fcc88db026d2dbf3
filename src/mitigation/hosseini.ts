/**
 * Hosseini et al.'s retraining-free weight approximation (docs/mt.md): F. S. Hosseini, F. Meng,
 * C. Yang, W. Wen, R. Cammarota, "Tolerating Defects in Low-Power Neural Network Accelerators
 * Via Retraining-Free Weight Approximation", ACM TECS 20(5s), 2021, doi:10.1145/3477016.
 * When the weights are loaded, the fault-free bits of every weight with a defective bit are
 * set so that the value the weight's memory reads is as close as possible to the weight; the
 * stuck bits stay what they are. No row permutation, no flags, no statistics, no tables.
 */
import type { Layout, MappingPlan } from '../crossbar/layout.ts';
import { plainPlan } from '../crossbar/layout.ts';
import type { QuantLayer } from '../nn/quant.ts';
import { bestStored } from './offset.ts';
import { bestPair } from './pairs.ts';
import { forEachStuckWeight } from './stuck.ts';

/**
 * The plan: the plain mapping, except that each weight whose computed value a stuck cell
 * changes stores the value whose reading is nearest the weight (least |error|, then the least
 * level sum, then the smaller stored value). Differential: the pair (X+, X−) over all values of
 * the weight's free cells (`bestPair`). Offset: the weight's stored value X, so that
 * eff(X) − (what its row's reference reads) is nearest w (`bestStored`); the reference column
 * belongs to the whole row, not to one weight, and keeps the zero point 2^(b−1). Weights whose
 * cells and reference read exactly keep their plain encoding, so a fault-free map gives the
 * plain mapping.
 */
export function hosseiniPlan(q: QuantLayer, L: Layout, cells: Uint8Array): MappingPlan {
  const plan = plainPlan(L);
  const R = L.R;
  const z = 2 ** (L.weightBits - 1);
  if (L.scheme === 'differential') {
    let pairPos: Int32Array | null = null;
    let pairNeg: Int32Array | null = null;
    forEachStuckWeight(L, cells, (r, o, p, n) => {
      pairPos ??= Int32Array.from(q.qWeight, (w) => Math.max(w, 0));
      pairNeg ??= Int32Array.from(q.qWeight, (w) => Math.max(-w, 0));
      const best = bestPair(q.qWeight[o * R + r]!, L, p.m, p.v, n.m, n.v);
      pairPos[o * R + r] = best.xp;
      pairNeg[o * R + r] = best.xn;
    });
    plan.pairPos = pairPos;
    plan.pairNeg = pairNeg;
    return plan;
  }
  let stored: Int32Array | null = null;
  forEachStuckWeight(L, cells, (r, o, c, _n, ref) => {
    stored ??= Int32Array.from(q.qWeight, (w) => w + z);
    stored[o * R + r] = bestStored(q.qWeight[o * R + r]!, z, false, ref, L, c.m, c.v).x;
  });
  plan.stored = stored;
  return plan;
}

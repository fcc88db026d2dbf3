/**
 * MT-map's programming on the native kernels (src/native/kernels/mt_map.cc): the same plan as
 * the TypeScript version in mt.ts, bit for bit (test/mitigation/mt-native.test.ts), with the
 * output columns spread over the kernel threads. The choice of zero point and polarity per
 * subarray (`chooseOffsetPlan`) and the column offset stay here, on the costs the kernel returns.
 */
import type { Layout, MappingPlan } from '../crossbar/layout.ts';
import { kernelThreads, native, type MtLayerArgs } from '../native/addon.ts';
import { chooseOffsetPlan, zeroCandidates } from './offset.ts';
import type { PlanInput } from './stuck.ts';

/** Largest S·cellBits of a pair the search handles (pairs.ts MAX_PAIR_BITS; beyond, the TypeScript version refuses). */
const MAX_PAIR_BITS = 28;

/** Whether the native kernels can program this layout (else mt.ts runs the TypeScript version). */
export function nativeMtMapAvailable(L: Layout): boolean {
  const k = native();
  if (!k || typeof k.mtPairsMap !== 'function' || typeof k.mtOffsetPlan !== 'function' || L.parts !== 1) return false;
  return L.scheme === 'offset' || L.S * L.cellBits <= MAX_PAIR_BITS;
}

/**
 * mt.ts mtMapPlan after the row permutation (`plan.rowMap` set), on the native kernels: fills
 * the plan as the TypeScript version does. `variance`: Var(x_r) per row (mt.ts rowVariance).
 */
export function mtMapNative({ q, L, activity, cells }: PlanInput, plan: MappingPlan, variance: Float64Array): void {
  const k = native()!;
  const layer: MtLayerArgs = {
    R: L.R, C: L.C, rows: L.rows, cols: L.cols, S: L.S, cellBits: L.cellBits, weightBits: L.weightBits,
    outputsPerTile: L.outputsPerTile, Wc: L.Wc, rowTiles: L.rowTiles, colTiles: L.colTiles, physCols: L.physCols,
    offset: L.scheme === 'offset',
    qWeight: q.qWeight, cells: cells!, rowMap: plan.rowMap, mean: activity.mean, variance, covariance: activity.covariance ?? null,
  };
  const threads = kernelThreads();
  const meanError = new Float64Array(L.C);
  if (L.scheme === 'differential') {
    plan.pairPos = new Int32Array(q.qWeight.length);
    plan.pairNeg = new Int32Array(q.qWeight.length);
    k.mtPairsMap(layer, plan.pairPos, plan.pairNeg, meanError, threads);
  } else {
    const zeros = zeroCandidates(L);
    const costs = new Float64Array(L.rowTiles * L.C * 8);
    const choose = () =>
      chooseOffsetPlan(L, plan, {
        cost(o, rt, z, inv) {
          const at = (((rt * L.C + o) * 2 + (z === zeros[0] ? 0 : 1)) * 2 + (inv ? 1 : 0)) * 2;
          return { cost: costs[at]!, energy: costs[at + 1]! };
        },
      }, zeros);
    plan.stored = new Int32Array(L.R * L.C);
    plan.refStored = new Int32Array(L.R * L.colTiles);
    // One call: the kernel's stuck masks and best references serve the costs and the map; the
    // choice between them runs here (choose fills plan.zero and plan.inverted in place).
    k.mtOffsetPlan(layer, Int32Array.from(zeros), costs, choose, plan.zero, plan.inverted, plan.stored, plan.refStored, meanError, threads);
  }
  plan.columnOffset = Int32Array.from(meanError, (m) => -Math.round(m) || 0); // || 0: no −0
}

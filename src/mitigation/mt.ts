/**
 * The Mapping Transformation (docs/mt.md): mt-stats (statistics only, no fault map) and
 * mt-map (with the fault map: row permutation, re-encoding around stuck cells, a coordinate
 * descent on each tile's output error and a digital column offset).
 */
import type { Layout, MappingPlan } from '../crossbar/layout.ts';
import { offsetStored, plainPlan, referenceColumn, weightColumn } from '../crossbar/layout.ts';
import type { QuantLayer } from '../nn/quant.ts';
import type { RowActivity } from './row-activity.ts';
import { bestReference, bestStored, chooseOffsetPlan } from './offset.ts';
import { mtMapNative, nativeMtMapAvailable } from './mt-native.ts';
import { bestPair, statsPairTable } from './pairs.ts';
import { eff, expectedError, levelSum, permuteRows, stuckMasks, type PlanInput } from './stuck.ts';

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
 * keep their exact encoding. This is the readable reference; by default the native kernels
 * compute the same plan (`opts.native` false: this TypeScript version).
 */
export function mtMapPlan(input: PlanInput, opts: { native?: boolean } = {}): MappingPlan {
  const { q, L, activity } = input;
  const cells = input.cells!;
  const plan = plainPlan(L);
  plan.rowMap = permuteRows(L, cells, activity.meanSquare, input.rowPenalty);
  // The same plan on the native kernels, across the cores (mt-native.ts), unless asked for this one.
  if (opts.native !== false && nativeMtMapAvailable(L)) {
    mtMapNative(input, plan, rowVariance(activity));
    return plan;
  }
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

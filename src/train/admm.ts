/**
 * ADMM pruning and quantization on the crossbar's layout (ADMM-NN: A. Ren, T. Zhang, S. Ye, J. Li,
 * W. Xu, X. Qian, X. Lin, Y. Wang, "ADMM-NN: An Algorithm-Hardware Co-Design Framework of DNNs
 * Using Alternating Direction Method of Multipliers", ASPLOS 2019; the ADMM weight-pruning scheme
 * of T. Zhang et al., ECCV 2018). docs/train.md "ADMM pruning".
 *
 * Problem: minimise the loss f(W) subject to W_l ∈ S_l for every pruned layer l, where S_l is the
 * set of weight matrices in which each column tile keeps at most `keep` of its R row groups (a row
 * group: logical row r of the outputs of column tile ct, one physical row of every subarray of
 * that column tile; src/crossbar/layout.ts `prunedRowTiles`) and the kept weights lie on the
 * layer's quantization grid. ADMM splits it with Z_l = W_l and the scaled dual U_l:
 *
 *   W-step: a gradient step on f(W) + Σ_l ρ/2 ‖W_l − Z_l + U_l‖²  (the penalty's gradient ρ(W − Z + U));
 *   Z-step: Z_l = Π_S(W_l + U_l), the Euclidean projection: per column tile, keep the `keep` row
 *           groups of largest L2 norm, zero the others, round the kept weights to the grid
 *           s·clamp(round(v/s), ±Q), s = max|v|/Q (src/nn/quant.ts's rule);
 *   U-step: U_l += W_l − Z_l.
 *
 * After the ADMM phase the weights are hard-pruned to the support of Π_S(W) and fine-tuned with
 * that mask (the pruned groups stay exactly 0, so the mapping skips them and the cost model counts
 * the subarrays they free). The forward pass quantizes with the straight-through estimator
 * throughout (docs/train.md), so the quantization of the deployed weights is trained too.
 */
import type { Config } from '../config/schema.ts';
import { networkLayerShapes } from '../crossbar/faults.ts';
import { breakEvenPruning, prunedRowTiles, type Layout } from '../crossbar/layout.ts';
import { ConfigError } from '../errors.ts';
import { isCompute, type Network } from '../nn/graph.ts';

export interface AdmmOptions {
  /**
   * Fraction of each column tile's row groups pruned, in [0, 1), in every layer not named in
   * `layers` where it frees at least one subarray per column tile (at or above the layer's
   * break-even ratio; below it the layer stays dense: pruning it would cost accuracy for nothing).
   */
  ratio: number;
  /** Per-layer ratios by compute layer name, each in [0, 1), applied as given (0: that layer is not pruned). Absent: none. */
  layers?: Record<string, number>;
  /** Penalty ρ of the augmented Lagrangian (per weight; the weights are of order 0.01–0.1). */
  rho: number;
  /** Steps of the ADMM phase; then hard pruning and masked fine-tuning up to the run's steps. 0: prune at the start (one-shot magnitude pruning, then fine-tuning). */
  admmSteps: number;
  /** Steps between Z- and U-updates. */
  every: number;
}

/** A layer ADMM prunes: compute layer `index`, its matrix R×C and tiling, and the row groups each column tile keeps. */
export interface PruneTarget {
  index: number;
  R: number;
  C: number;
  outputsPerTile: number;
  colTiles: number;
  keep: number;
}

/** Row groups a column tile of R rows keeps at ratio p: R − round(p·R), at least one. */
export function keptRows(R: number, p: number): number {
  return Math.max(1, R - Math.round(p * R));
}

/**
 * The layers pruned: `named[i]`, when given, is compute layer i's ratio, applied as given (0: not
 * pruned); every other layer takes `ratio` where it frees a subarray, i.e. ⌈keep/rows⌉ < rowTiles
 * (a layer of one row tile never: `breakEvenPruning` = 1). Each column tile of a pruned layer
 * keeps `keptRows(R, its ratio)` row groups.
 */
export function pruneTargets(layouts: Layout[], ratio: number, named: (number | null)[] = []): PruneTarget[] {
  return layouts.flatMap((L, index) => {
    const own = named[index] ?? null;
    const p = own ?? ratio;
    const keep = keptRows(L.R, p);
    const prune = own !== null ? p > 0 && keep < L.R : p > 0 && Math.ceil(keep / L.rows) < L.rowTiles;
    return prune ? [{ index, R: L.R, C: L.C, outputsPerTile: L.outputsPerTile, colTiles: L.colTiles, keep }] : [];
  });
}

/**
 * Per compute layer, its named ratio from `--prune-ratio` or null (`pruneTargets`' `named`). A
 * name that is no compute layer of the model: one-line ConfigError naming it.
 */
export function layerRatios(names: string[], o: Pick<AdmmOptions, 'layers'>): (number | null)[] {
  const given = o.layers ?? {};
  for (const name of Object.keys(given)) {
    if (!names.includes(name)) throw new ConfigError(`no compute layer "${name}" in the model (its layers: ${names.join(', ')})`, '--prune-ratio');
  }
  return names.map((n) => given[n] ?? null);
}

/** Parse `--prune-ratio`: "p" (every layer where it frees a subarray), "name=p,…" (those layers), or both ("p,fc1=q"). Each ratio in [0, 1). */
export function parsePruneRatio(text: string): Pick<AdmmOptions, 'ratio' | 'layers'> {
  let ratio: number | null = null;
  const layers: Record<string, number> = {};
  const num = (v: string, what: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`${what}: not a number: ${JSON.stringify(v)}`, '--prune-ratio');
    if (!(n >= 0 && n < 1)) throw new ConfigError(`${what}: pruning ratio must be a number in [0, 1), got ${n}`, '--prune-ratio');
    return n;
  };
  for (const item of text.split(',').map((x) => x.trim())) {
    const eq = item.indexOf('=');
    if (eq < 0) {
      if (ratio !== null) throw new ConfigError(`two ratios for every layer (${ratio} and ${item}); name the layers: name=p`, '--prune-ratio');
      ratio = num(item, 'every layer');
    } else {
      const name = item.slice(0, eq).trim();
      if (name === '') throw new ConfigError(`no layer name before "=" in ${JSON.stringify(item)}`, '--prune-ratio');
      if (name in layers) throw new ConfigError(`layer "${name}" given twice`, '--prune-ratio');
      layers[name] = num(item.slice(eq + 1), `layer "${name}"`);
    }
  }
  return { ratio: ratio ?? 0, ...(Object.keys(layers).length ? { layers } : {}) };
}

/** The kept row groups of `v` [o·R + r]: per column tile the `keep` rows of largest Σ_o v², ties to the lower row; [ct·R + r] = 1 kept. */
export function keptGroups(v: Float32Array, t: PruneTarget): Uint8Array {
  const kept = new Uint8Array(t.colTiles * t.R);
  const norm = new Float64Array(t.R);
  const order = Array.from({ length: t.R }, (_, r) => r);
  for (let ct = 0; ct < t.colTiles; ct++) {
    norm.fill(0);
    const o1 = Math.min(t.C, (ct + 1) * t.outputsPerTile);
    for (let o = ct * t.outputsPerTile; o < o1; o++) {
      for (let r = 0; r < t.R; r++) norm[r] += v[o * t.R + r]! * v[o * t.R + r]!;
    }
    order.sort((a, b) => norm[b]! - norm[a]! || a - b);
    for (let i = 0; i < t.keep; i++) kept[ct * t.R + order[i]!] = 1;
  }
  return kept;
}

/** Zero the weights of `w` [o·R + r] whose row group is not kept (in place). */
export function applyGroups(w: Float32Array, t: PruneTarget, kept: Uint8Array): void {
  for (let o = 0; o < t.C; o++) {
    const ct = Math.floor(o / t.outputsPerTile);
    for (let r = 0; r < t.R; r++) if (kept[ct * t.R + r] === 0) w[o * t.R + r] = 0;
  }
}

/** Π_S(v): the nearest matrix with at most `keep` row groups per column tile, its kept weights on the `bits`-bit grid (null: not rounded). */
export function projectStructured(v: Float32Array, t: PruneTarget, bits: number | null): Float32Array {
  const z = v.slice();
  applyGroups(z, t, keptGroups(v, t));
  if (bits !== null) {
    const Q = 2 ** (bits - 1) - 1;
    let maxAbs = 0;
    for (let i = 0; i < z.length; i++) maxAbs = Math.max(maxAbs, Math.abs(z[i]!));
    const s = maxAbs > 0 ? maxAbs / Q : 1;
    for (let i = 0; i < z.length; i++) z[i] = s * Math.max(-Q, Math.min(Q, Math.round(z[i]! / s)));
  }
  return z;
}

/** Per compute layer of a (pruned) network: its kept rows and subarrays against the unpruned layout, and its break-even pruning ratio. */
export function pruningSummary(net: Network, cfg: Pick<Config, 'tile' | 'quant'>): { layer: string; R: number; C: number; colTiles: number; keptRows: number; tiles: number; tilesUnpruned: number; breakEven: number }[] {
  const compute = net.layers.filter(isCompute);
  return networkLayerShapes(net, cfg).map(({ name, layout: L }, i) => {
    const p = prunedRowTiles(L, compute[i]!.weight);
    return {
      layer: name, R: L.R, C: L.C, colTiles: L.colTiles,
      keptRows: p ? p.keptRows.reduce((x, y) => x + y, 0) : L.R * L.colTiles,
      tiles: p ? p.rowTiles.reduce((x, y) => x + y, 0) : L.rowTiles * L.colTiles,
      tilesUnpruned: L.rowTiles * L.colTiles,
      breakEven: breakEvenPruning(L),
    };
  });
}

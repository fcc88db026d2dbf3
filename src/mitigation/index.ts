/**
 * One entry point for every mitigation (docs/mt.md): the mappings of all layers of a
 * network for a config and a fault map. Map-aware methods read the fault map as a chip
 * test would give it; the others see only the config.
 */
import { sa1Share } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import type { FaultMap } from '../crossbar/faults.ts';
import { buildMapping, layerLayout, offsetStored, plainMapping, plainPlan, referenceColumn, weightColumn, weightParts, type LayerMapping, type Layout } from '../crossbar/layout.ts';
import { SA0, SA1 } from '../crossbar/faults.ts';
import type { QuantLayer, QuantNetwork } from '../nn/quant.ts';
import type { RowActivity } from './activity.ts';
import { mtMapPlan, mtStatsPlan, zhangPlan } from './plans.ts';

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

export function mitigatedMappings(qn: QuantNetwork, cfg: Config, faults: FaultMap, activity: () => RowActivity[]): LayerMapping[] {
  const method = cfg.mitigation.method;
  const stats = { rate: cfg.faults.rate, sa1Share: sa1Share(cfg.faults.sa1Sa0Ratio) };
  return qn.layers.map((q, i) => {
    const L = layerLayout(q.rows, q.cols, cfg, `layer "${q.layer.name}"`, weightParts(cfg));
    const cells = faults[i]!.cells;
    switch (method) {
      case 'none':
        return plainMapping(q, cfg);
      case 'mt-stats':
        return buildMapping(q, L, mtStatsPlan({ q, L, activity: activity()[i]!, stats }));
      case 'mt-map':
        return buildMapping(q, L, mtMapPlan({ q, L, activity: activity()[i]!, cells, stats }));
      case 'zhang':
        return buildMapping(q, L, zhangPlan({ q, L, activity: activity()[i]!, cells, stats }));
      case 'pytorx': {
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
    }
  });
}

/**
 * One entry point for every mitigation (docs/mt.md): the mappings of all layers of a
 * network for a config and a fault map. Map-aware methods read the fault map as a chip
 * test would give it; the others see only the config. Each method lives in its own module:
 * mt.ts (mt-stats, mt-map; with pairs.ts and offset.ts), zhang.ts, pytorx.ts, hosseini.ts.
 */
import type { Config } from '../config/schema.ts';
import type { FaultMap } from '../crossbar/faults.ts';
import { conductanceTable } from '../crossbar/device.ts';
import { buildMapping, layerLayout, plainMapping, weightParts, type LayerMapping } from '../crossbar/layout.ts';
import type { QuantNetwork } from '../nn/quant.ts';
import { hosseiniPlan } from './hosseini.ts';
import type { RowActivity } from './row-activity.ts';
import { mtMapPlan, mtStatsPlan } from './mt.ts';
import { pytorxMapping } from './pytorx.ts';
import { compensateIrDrop } from './irdrop-comp.ts';
import { irDropRowPenalty } from './stuck.ts';
import { zhangPlan } from './zhang.ts';

/** `opts.native` false: mt-map runs its TypeScript version instead of the native kernels (the bench's baseline). */
export function mitigatedMappings(qn: QuantNetwork, cfg: Config, faults: FaultMap, activity: () => RowActivity[], opts: { native?: boolean } = {}): LayerMapping[] {
  const method = cfg.mitigation.method;
  const stats = { rate: cfg.faults.rate, sa1Share: cfg.faults.sa1Sa0Ratio.sa1Share };
  const comp = cfg.tile.irDrop.enabled ? cfg.tile.irDrop.compensation : 'none';
  const table = comp === 'none' ? null : conductanceTable(cfg);
  return qn.layers.map((q, i) => {
    const m = mapLayer(q, i);
    // IR-drop compensation (docs/mt.md): the expected IR error of every output, removed digitally.
    return table ? compensateIrDrop(m, comp, table, faults[i]!.cells, cfg.tile.irDrop, activity()[i]!.mean) : m;
  });
  function mapLayer(q: QuantNetwork['layers'][number], i: number): LayerMapping {
    const L = layerLayout(q.rows, q.cols, cfg, `layer "${q.layer.name}"`, weightParts(cfg));
    const cells = faults[i]!.cells;
    switch (method) {
      case 'none':
        return plainMapping(q, cfg);
      case 'mt-stats':
        return buildMapping(q, L, mtStatsPlan({ q, L, activity: activity()[i]!, stats }));
      case 'mt-map': {
        // MT under IR drop (docs/mt.md): the row permutation also weighs each row's IR loss.
        const rowPenalty = cfg.mitigation.mt.irDropRows && cfg.tile.irDrop.enabled ? irDropRowPenalty(L, conductanceTable(cfg), cfg.tile.irDrop) : undefined;
        return buildMapping(q, L, mtMapPlan({ q, L, activity: activity()[i]!, cells, stats, ...(rowPenalty ? { rowPenalty } : {}) }, opts));
      }
      case 'zhang':
        return buildMapping(q, L, zhangPlan({ q, L, activity: activity()[i]!, cells, stats }));
      case 'pytorx':
        return pytorxMapping(q, L, cells);
      case 'hosseini':
        return buildMapping(q, L, hosseiniPlan(q, L, cells));
    }
  }
}

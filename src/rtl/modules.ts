/**
 * The generated modules: which exist for a design, in dependency order, each with
 * its template and view builder.
 */
import type { Design } from './design.ts';
import { buildFlashEncView, buildSarCtrlView } from './views/adc.ts';
import { buildBistView } from './views/bist.ts';
import { buildCtrlView } from './views/ctrl.ts';
import { buildFaultBitmapView, buildMtTablesView } from './views/mtTables.ts';
import { buildRowDriverView, buildRowRemapView } from './views/rowDriver.ts';
import { buildShiftAddView } from './views/shiftAdd.ts';
import { buildTileView } from './views/tile.ts';

export const TOP_MODULE = 'memxbar_tile';

export interface ModuleSpec {
  /** Verilog module name = template name = file name without `.v`. */
  name: string;
  /** One line: what it is. */
  role: string;
  build: (d: Design, configHash: string) => object;
}

export function modulesOf(d: Design): ModuleSpec[] {
  const list: ModuleSpec[] = [
    { name: 'memxbar_ctrl', role: 'control FSM (load, read loop, combine)', build: buildCtrlView },
    ...(d.options.mt ? [{ name: 'memxbar_row_remap', role: `one physical row's remap multiplexer (${d.rows} instances in the row driver)`, build: buildRowRemapView }] : []),
    { name: 'memxbar_row_driver', role: 'input serializer and row driver with row remap', build: buildRowDriverView },
    d.adcKind === 'sar'
      ? { name: 'memxbar_sar_ctrl', role: 'SAR ADC controllers', build: buildSarCtrlView }
      : { name: 'memxbar_flash_enc', role: 'flash ADC thermometer encoders', build: buildFlashEncView },
    { name: 'memxbar_shift_add', role: 'shift-add, term combination and partial-sum output', build: buildShiftAddView },
  ];
  if (d.options.mt) {
    list.push({ name: 'memxbar_mt_tables', role: 'MT row remap and term tables', build: buildMtTablesView });
    list.push({ name: 'memxbar_fault_bitmap', role: 'per-cell SA0/SA1 fault bitmap', build: buildFaultBitmapView });
  }
  if (d.bist) list.push({ name: 'memxbar_bist', role: 'march-test BIST (MATS+): writes the fault bitmap', build: buildBistView });
  list.push({ name: TOP_MODULE, role: 'tile top: registers, streams, instances', build: buildTileView });
  return list;
}

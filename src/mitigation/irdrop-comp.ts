/**
 * IR-drop compensation (`tile.irDrop.compensation`, docs/mt.md "IR-drop compensation"):
 * a digital correction of the mean IR error of every output, computed at design time from the
 * array the mapping programs (levels, stuck cells) and the first-order IR-drop model
 * (docs/model.md §10), the same knowledge MT-map takes from the chip test.
 *
 * With G a cell's programmed conductance and Geff its effective one on the wires (LSB), the IR
 * error of the effective weight (r, o) is, in weight steps,
 *
 *   e[r][o] = Σ_(u, coef) in terms(rt(r), o)  coef · ((Geff − G)[pr][pos_u] − (Geff − G)[pr][neg_u]) / ΔG
 *
 * (pr = rowMap[r]). In the offset scheme most of it is a bias that does not depend on the
 * weight: every weight column is read against its subarray's reference column, which sits at
 * the far end of the word lines and (slice of 2^(b−1)) holds Gmax in every row, so it loses
 * more current than the weight columns; the analog difference, times 2^(b−1) for the top
 * slice, shifts every weight of the column the same way. With x̄_r the mean input code of
 * row r on the calibration images (RowActivity.mean), the two options remove the expected
 * value of that error with one constant per output, added with the layer's bias after the
 * matrix product (no hardware beyond the bias register, which the digital periphery has):
 *
 *   bias:  columnOffset[o] −= round(Σ_r e[r][o] · x̄_r)          (in accumulator units: weight step × input code)
 *
 * A coefficient per row tile and output times the patch's input sum (the mapping's input-sum
 * term) would follow each patch's input level, but it is an integer in weight steps and the
 * mean error per weight is a fraction of one at the wire resistances where the array still
 * works (it rounds to 0): measured, it did not help, so it is not offered.
 *
 * What stays is the weight-proportional part (a gain error of a few %) and the spread of e
 * around its mean over the patches. The compensation is exact integer arithmetic beside the
 * array, so both engines stay bit-exact.
 */
import type { Config } from '../config/schema.ts';
import type { ConductanceTable } from '../crossbar/device.ts';
import { irDropConductances } from '../crossbar/irdrop.ts';
import type { LayerMapping } from '../crossbar/layout.ts';
import { cellConductances } from '../crossbar/reference.ts';

export const IR_DROP_COMPENSATIONS = ['none', 'bias'] as const;
export type IrDropCompensation = (typeof IR_DROP_COMPENSATIONS)[number];

/** e[r·C + o]: the IR error of each effective weight, in weight steps (see the module comment). */
export function irWeightErrors(m: LayerMapping, table: ConductanceTable, cells: Uint8Array, ir: Config['tile']['irDrop']): Float64Array {
  const L = m.layout;
  const G = cellConductances(m, table, cells);
  const Geff = irDropConductances(G, L, table, { ...ir, enabled: true });
  const { R, C } = L;
  const e = new Float64Array(R * C);
  for (let r = 0; r < R; r++) {
    const pr = m.rowMap[r]!;
    const rt = Math.floor(pr / L.rows);
    const row = pr * L.physCols;
    for (let o = 0; o < C; o++) {
      const t = rt * C + o;
      let sum = 0;
      for (let k = m.terms.start[t]!; k < m.terms.start[t + 1]!; k++) {
        const u = m.terms.unit[k]!;
        const pos = m.units.pos[u]!;
        const neg = m.units.neg[u]!;
        let d = Geff[row + pos]! - G[row + pos]!;
        if (neg >= 0) d -= Geff[row + neg]! - G[row + neg]!;
        sum += m.terms.coef[k]! * d;
      }
      e[r * C + o] = sum / table.dG;
    }
  }
  return e;
}

/**
 * The mapping with the IR-drop compensation `mode` added (a new object; `m` is not changed).
 * `meanInput[r]`: the mean input code of logical row r (RowActivity.mean).
 */
export function compensateIrDrop(m: LayerMapping, mode: IrDropCompensation, table: ConductanceTable, cells: Uint8Array, ir: Config['tile']['irDrop'], meanInput: ArrayLike<number>): LayerMapping {
  if (mode === 'none') return m;
  const { R, C } = m.layout;
  if (meanInput.length !== R) throw new RangeError(`row activity has ${meanInput.length} rows, layer "${m.name}" has ${R}`);
  const e = irWeightErrors(m, table, cells, ir);
  const columnOffset = m.columnOffset ? Int32Array.from(m.columnOffset) : new Int32Array(C);
  for (let o = 0; o < C; o++) {
    let s = 0;
    for (let r = 0; r < R; r++) s += e[r * C + o]! * meanInput[r]!;
    columnOffset[o] = columnOffset[o]! - Math.round(s) || 0; // || 0: no −0
  }
  return { ...m, columnOffset };
}

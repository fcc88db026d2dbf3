// Why the offset-mapped VGG8 collapses under IR drop: the IR error of every effective weight,
// split into a gain part and a reference-mismatch part, and what each does to every layer's
// output on real inputs (docs/results/README.md, "IR drop: accuracy against array size").
//
// Run: IMAGES=2 WIRES=0.05,0.5 ROWS=128 SCHEMES=offset,differential \
//        npx tsx docs/results/irdrop-array-size/isolate.ts docs/results/irdrop-array-size
//
// Array: the run default (neurosim-v1.4, 32-row reads, 1-bit cells), fault-free, plain mapping,
// first-order IR drop (docs/model.md §10), driver and sense 0.1 Ω. For each compute layer and
// every weight (r, o), with a = 1 − Geff/G the IR attenuation of a cell and ΔG the level step:
//
//   e[r][o]  = Σ_(u, coef) coef · ((Geff − G)[pos_u] − (Geff − G)[neg_u]) / ΔG      (weight steps)
//   mismatch = Σ_s 2^s · (a_ref,s − a_w,s) · G_ref,s / ΔG
//              offset: ref = the subarray's reference column of slice s; differential: ref = G−
//   gain     = e − mismatch   (= −Σ_s 2^s · a_w,s · (G_w,s − G_ref,s) / ΔG: proportional to the weight)
//
// and on each layer's real inputs x (captured on the array without IR drop; every 4th patch):
// the analog output error ‖Σ_r part·x‖ / ‖Σ_r w·x‖ of each part, and of e after removing, per
// (row tile, output), the input-weighted mean of e over the tile's rows (the `input-sum` IR
// compensation, mitigation.irDropCompensation). Also the layer's real output error with the
// ADC in the loop (the engine with IR drop against the engine without, on the same inputs).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseOverride, resolveConfig } from '../../../src/config/load.ts';
import type { Config } from '../../../src/config/schema.ts';
import { buildCrossbar, cellConductances } from '../../../src/crossbar/reference.ts';
import { irDropConductances } from '../../../src/crossbar/irdrop.ts';
import { noFaults } from '../../../src/crossbar/faults.ts';
import { plainMapping, referenceColumn, weightColumn } from '../../../src/crossbar/layout.ts';
import { forwardInt, type MatrixEngine } from '../../../src/nn/quant.ts';
import { adcFullScale, makeEngine } from '../../../src/session/eval.ts';
import { inputCodes, prepare } from '../../../src/session/prepare.ts';
import { irWeightErrors } from '../../../src/mitigation/irdrop-comp.ts';

const out = process.argv[2] ?? '.';
const images = Number(process.env.IMAGES ?? 2);
const wires = (process.env.WIRES ?? '0.05,0.5').split(',').map(Number);
const rowsList = (process.env.ROWS ?? '128').split(',').map(Number);
const schemes = (process.env.SCHEMES ?? 'offset,differential').split(',');
const STRIDE = 4; // every 4th patch of a conv layer's inputs for the analog errors
const head = 'scheme,tile_rows,wire_ohm,layer,weights,w_rms,att_weight_cols_pct,att_ref_cols_pct,att_weight_msb_pct,att_ref_msb_pct,e_mean,e_rms,mismatch_mean,mismatch_rms,gain_rms,out_err_total_pct,out_err_mismatch_pct,out_err_gain_pct,out_err_compensated_pct,out_err_adc_pct';
const lines = [head];
mkdirSync(out, { recursive: true });
for (const scheme of schemes) {
  for (const tileRows of rowsList) {
    const base = resolveConfig({ file: 'assets/run-default.json', overrides: [`tile.signedScheme=${scheme}`, `tile.rows=${tileRows}`].map(parseOverride) });
    const p = prepare(base);
    const fullScale = adcFullScale(p, base);
    const mappings = p.qn.layers.map((q) => plainMapping(q, base));
    const ideal = buildCrossbar(p.qn, base, { mappings, calibratedFullScale: fullScale });
    // every layer's inputs on the array without IR drop
    const inputs: { x: Int32Array; P: number }[][] = [];
    const idealEngine = makeEngine(ideal);
    for (let i = 0; i < images; i++) {
      const seen: { x: Int32Array; P: number }[] = [];
      const capture: MatrixEngine = { matmul(q, x, P, acc) { seen[q.index] = { x: Int32Array.from(x), P }; idealEngine.matmul(q, x, P, acc); } };
      forwardInt(p.qn, inputCodes(p, i), capture);
      inputs.push(seen);
    }
    for (const wire of wires) {
      const cfg: Config = { ...base, tile: { ...base.tile, irDrop: { ...base.tile.irDrop, enabled: true, wireRowOhm: wire, wireColOhm: wire } } };
      const xb = buildCrossbar(p.qn, cfg, { mappings, calibratedFullScale: fullScale });
      const irEngine = makeEngine(xb);
      const table = xb.table;
      const faults = noFaults(mappings);
      for (let li = 0; li < mappings.length; li++) {
        const m = mappings[li]!;
        const L = m.layout;
        const G = cellConductances(m, table, faults[li]!.cells);
        const Geff = irDropConductances(G, L, table, cfg.tile.irDrop);
        const { R, C } = L;
        const e = irWeightErrors(m, table, faults[li]!.cells, cfg.tile.irDrop);
        const mis = new Float64Array(R * C);
        const wq = m.q.qWeight; // integer weights [o·R + r]
        // mismatch, slice by slice against the reference (offset) or the G− cell (differential),
        // and the column attenuation of weight columns against those reference columns
        let aW = 0, nW = 0, aR = 0, nR = 0, aWm = 0, nWm = 0, aRm = 0, nRm = 0;
        for (let r = 0; r < R; r++) {
          const row = m.rowMap[r]! * L.physCols;
          for (let o = 0; o < C; o++) {
            let mm = 0;
            const ct = Math.floor(o / L.outputsPerTile);
            for (let s = 0; s < L.S; s++) {
              const cw = weightColumn(L, o, s, 0);
              const cr = L.scheme === 'offset' ? referenceColumn(L, ct, s) : weightColumn(L, o, s, 1);
              const aw = 1 - Geff[row + cw]! / G[row + cw]!;
              const ar = 1 - Geff[row + cr]! / G[row + cr]!;
              mm += 2 ** (s * L.cellBits) * (ar - aw) * G[row + cr]!;
              aW += aw; nW++; aR += ar; nR++;
              if (s === L.S - 1) { aWm += aw; nWm++; aRm += ar; nRm++; }
            }
            mis[r * C + o] = mm / table.dG;
          }
        }
        // weight statistics
        let wSq = 0, eSum = 0, eSq = 0, mSum = 0, mSq = 0, gSq = 0;
        const wOf = (r: number, o: number) => wq[o * R + r]!;
        for (let r = 0; r < R; r++) for (let o = 0; o < C; o++) {
          const v = e[r * C + o]!, mm = mis[r * C + o]!;
          wSq += wOf(r, o) ** 2; eSum += v; eSq += v * v; mSum += mm; mSq += mm * mm; gSq += (v - mm) ** 2;
        }
        const n = R * C;
        // compensation: per (row tile, output) the input-weighted mean of e over the tile's rows,
        // weights = the mean input code of each row over the captured inputs (what the calibration images give)
        const xMean = new Float64Array(R);
        let patches = 0;
        for (const seen of inputs) {
          const { x, P } = seen[li]!;
          for (let pp = 0; pp < P; pp++) for (let r = 0; r < R; r++) xMean[r] += x[pp * R + r]!;
          patches += P;
        }
        for (let r = 0; r < R; r++) xMean[r] /= patches;
        const comp = new Float64Array(R * C);
        for (let rt = 0; rt < L.rowTiles; rt++) {
          const rs: number[] = [];
          for (let r = 0; r < R; r++) if (Math.floor(m.rowMap[r]! / L.rows) === rt) rs.push(r);
          let xs = 0;
          for (const r of rs) xs += xMean[r]!;
          for (let o = 0; o < C; o++) {
            let s = 0;
            for (const r of rs) s += e[r * C + o]! * xMean[r]!;
            const c = xs > 0 ? Math.round(s / xs) : 0;
            for (const r of rs) comp[r * C + o] = e[r * C + o]! - c;
          }
        }
        // analog output errors on the captured inputs
        let ref2 = 0, tot2 = 0, mis2 = 0, gain2 = 0, comp2 = 0, adcNum = 0, adcDen = 0;
        for (const seen of inputs) {
          const { x, P } = seen[li]!;
          for (let pp = 0; pp < P; pp += STRIDE) {
            for (let o = 0; o < C; o++) {
              let y = 0, yt = 0, ym = 0, yc = 0;
              for (let r = 0; r < R; r++) {
                const xv = x[pp * R + r]!;
                if (xv === 0) continue;
                y += wOf(r, o) * xv; yt += e[r * C + o]! * xv; ym += mis[r * C + o]! * xv; yc += comp[r * C + o]! * xv;
              }
              ref2 += y * y; tot2 += yt * yt; mis2 += ym * ym; gain2 += (yt - ym) ** 2; comp2 += yc * yc;
            }
          }
          // the same layer on the engines, ADC in the loop
          const a0 = new Float64Array(C * P), a1 = new Float64Array(C * P);
          idealEngine.matmul(m.q, x, P, a0);
          irEngine.matmul(m.q, x, P, a1);
          for (let k = 0; k < a0.length; k++) { adcNum += (a1[k]! - a0[k]!) ** 2; adcDen += a0[k]! ** 2; }
        }
        const pct = (a: number, b: number) => (100 * Math.sqrt(a / Math.max(b, 1e-30))).toFixed(3);
        lines.push([scheme, tileRows, wire, m.name, n, Math.sqrt(wSq / n).toFixed(3), (100 * aW / nW).toFixed(3), (100 * aR / nR).toFixed(3), (100 * aWm / nWm).toFixed(3), (100 * aRm / nRm).toFixed(3),
          (eSum / n).toFixed(3), Math.sqrt(eSq / n).toFixed(3), (mSum / n).toFixed(3), Math.sqrt(mSq / n).toFixed(3), Math.sqrt(gSq / n).toFixed(3),
          pct(tot2, ref2), pct(mis2, ref2), pct(gain2, ref2), pct(comp2, ref2), pct(adcNum, adcDen)].join(','));
        console.error(lines[lines.length - 1]);
        writeFileSync(join(out, 'isolate.csv'), lines.join('\n') + '\n');
      }
    }
  }
}
console.error(`wrote ${join(out, 'isolate.csv')}`);

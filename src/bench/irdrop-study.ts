/**
 * IR drop studies (docs/results/README.md): not part of the tests or of `npm run bench`.
 *
 *   npx tsx src/bench/irdrop-study.ts error --out <dir> [--images n] [--wires 2.5,10] [--exact-layers 0,7] [--accuracy-images n]
 *     the first-order model against the exact nodal solver on real VGG8 tiles (the first
 *     subarray of every layer, every subarray of the exact layers): per-cell conductance error,
 *     column-current error over real reads, and the accuracy difference when the exact model
 *     replaces the first-order one in the layers given by index (0 = first conv);
 *   npx tsx src/bench/irdrop-study.ts accuracy --out <dir> [--images n] [--rows 64,128,256] [--wires 0,1,2.5,10] [--settings all|clean|faulty|mt] [--rate 2.5]
 *     accuracy against subarray rows and wire resistance, with and without MT-map
 *     (`plot --out <dir>` redraws its chart from the saved accuracy.csv).
 *
 * Both write CSV files and SVG charts into <dir>, and print what they do; `--set 'a.b=v;c.d=w'`
 * adds config overrides to every point.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseOverride, resolveConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { cellConductances, type Crossbar } from '../crossbar/reference.ts';
import { exactTransfer, firstOrderTransfer, subarrayNetwork } from '../crossbar/irdrop.ts';
import { forwardInt, type MatrixEngine } from '../nn/quant.ts';
import { renderVegaLite } from '../report/plot.ts';
import { evalCrossbar, evalInt, makeEngine, programCrossbar } from '../session/eval.ts';
import { inputCodes, prepare, type Prepared } from '../session/prepare.ts';
import { terminalProgress } from '../util/progress.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}
const numbers = (s: string) => s.split(',').map(Number);

/** The default run's array (preset neurosim-v1.4 with 32-row reads, assets/run-default.json) plus `overrides`. */
function config(overrides: string[]): Config {
  const extra = arg('set', '').split(';').filter((o) => o !== ''); // e.g. --set 'tile.signedScheme=differential'
  return resolveConfig({ preset: 'neurosim-v1.4', overrides: ['tile.parallelRead=32', ...overrides, ...extra].map(parseOverride) });
}

function irOverrides(wireOhm: number): string[] {
  return wireOhm > 0 ? ['tile.irDrop.enabled=true', `tile.irDrop.wireRowOhm=${wireOhm}`, `tile.irDrop.wireColOhm=${wireOhm}`] : [];
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** The inputs each compute layer receives for image i (captured through a wrapping engine). */
function layerInputs(p: Prepared, engine: MatrixEngine, image: number): { x: Int32Array; P: number }[] {
  const seen: { x: Int32Array; P: number }[] = [];
  const capture: MatrixEngine = {
    matmul(q, x, P, acc) {
      seen[q.index] = { x: Int32Array.from(x), P };
      engine.matmul(q, x, P, acc);
    },
  };
  forwardInt(p.qn, inputCodes(p, image), capture);
  return seen;
}

async function errorStudy(out: string): Promise<void> {
  const images = Number(arg('images', '4'));
  const wires = numbers(arg('wires', '1,2.5,10'));
  const exactLayers = numbers(arg('exact-layers', '0,7')); // compute-layer indices (0 = first conv)
  const accImages = Number(arg('accuracy-images', '100'));
  const progress = terminalProgress();
  const cellRows: string[] = ['wire_ohm,layer,rt,ct,cells,ideal_drop_mean_pct,fo_err_mean_pct,fo_err_p50_pct,fo_err_p99_pct,fo_err_max_pct,solve_s'];
  const readRows: string[] = ['wire_ohm,layer,rt,ct,reads,ideal_drop_mean_pct,fo_err_mean_pct,fo_err_p50_pct,fo_err_p99_pct,fo_err_max_pct,fo_err_max_dG,fo_err_p99_dG'];
  const accRows: string[] = ['wire_ohm,images,exact_layers,first_order_top1_pct,exact_top1_pct,differing_predictions'];
  const hist: { wire: number; errPct: number; count: number }[] = [];
  for (const wire of wires) {
    const cfg = config([...irOverrides(wire), `experiment.images=${Math.max(images, accImages)}`, 'faults.rate=0']);
    const p = prepare(cfg, progress);
    const xb = programCrossbar(p, cfg);
    const engine = makeEngine(xb);
    const inputs = Array.from({ length: images }, (_, i) => layerInputs(p, engine, i));
    const exactOf = new Map<number, Int32Array>();
    const binCounts = new Map<number, number>();
    for (let li = 0; li < xb.mappings.length; li++) {
      const m = xb.mappings[li]!;
      const L = m.layout;
      const G = cellConductances(m, xb.table, xb.faults[li]!.cells);
      const whole = exactLayers.includes(li);
      // Sampled tiles: the first subarray of the layer (all of them for exact layers).
      const tiles: [number, number][] = whole ? Array.from({ length: L.rowTiles * L.colTiles }, (_, t) => [Math.floor(t / L.colTiles), t % L.colTiles]) : [[0, 0]];
      const exactLayer = whole ? Int32Array.from(xb.conductance[li]!) : null;
      progress.log(`wire ${wire} Ω, layer ${m.name}: ${tiles.length} subarray(s) ${L.rows}x${L.cols} through the exact solver`);
      for (const [rt, ct] of tiles) {
        const net = subarrayNetwork(G, L, xb.table, cfg.tile.irDrop, rt, ct);
        const t0 = performance.now();
        const ex = exactTransfer(net);
        const solveS = (performance.now() - t0) / 1000;
        const fo = firstOrderTransfer(net);
        const lsb = xb.table.lsbSiemens;
        // Per cell: relative error of the model's (rounded) conductance against the exact one.
        const cellErr = new Float64Array(ex.length);
        let drop = 0;
        let errSum = 0;
        for (let c = 0; c < ex.length; c++) {
          const i = Math.floor(c / L.cols);
          const j = c % L.cols;
          const model = xb.conductance[li]![(rt * L.rows + i) * L.physCols + ct * L.cols + j]!;
          cellErr[c] = (Math.abs(model - ex[c]! / lsb) / (ex[c]! / lsb)) * 100;
          errSum += cellErr[c]!;
          drop += (1 - ex[c]! / net.g[c]!) * 100;
          if (exactLayer) exactLayer[(rt * L.rows + i) * L.physCols + ct * L.cols + j] = Math.round(ex[c]! / lsb);
        }
        void fo;
        cellErr.sort();
        cellRows.push([wire, m.name, rt, ct, ex.length, (drop / ex.length).toFixed(4), (errSum / ex.length).toFixed(4), percentile(cellErr, 0.5).toFixed(4), percentile(cellErr, 0.99).toFixed(4), cellErr[cellErr.length - 1]!.toFixed(4), solveS.toFixed(2)].join(','));
        // Per read: every (image, patch, group, bit) of this row tile; current error over the tile's columns.
        const readErr: number[] = [];
        const readErrDg: number[] = [];
        let readDrop = 0;
        for (const inp of inputs) {
          const { x, P } = inp[li]!;
          for (let pp = 0; pp < P; pp += Math.max(1, Math.floor(P / 16))) {
            for (let g = 0; g < L.groupsPerTile; g++) {
              for (let k = 0; k < p.qn.activationBits; k++) {
                const active: number[] = [];
                for (let r = rt * L.rows; r < Math.min(L.R, (rt + 1) * L.rows); r++) {
                  const local = m.rowMap[r]! - rt * L.rows;
                  if (Math.floor(local / L.parallelRead) !== g) continue;
                  if ((x[pp * L.R + r]! >> k) & 1) active.push(local);
                }
                if (active.length === 0) continue;
                for (let j = 0; j < L.cols; j++) {
                  let iModel = 0;
                  let iExact = 0;
                  let iIdeal = 0;
                  for (const i of active) {
                    iModel += xb.conductance[li]![(rt * L.rows + i) * L.physCols + ct * L.cols + j]!;
                    iExact += ex[i * L.cols + j]! / lsb;
                    iIdeal += net.g[i * L.cols + j]! / lsb;
                  }
                  const e = ((iModel - iExact) / iExact) * 100;
                  readErr.push(Math.abs(e));
                  readErrDg.push(Math.abs(iModel - iExact) / xb.table.dG);
                  readDrop += (1 - iExact / iIdeal) * 100;
                  const bin = Math.round(e * 10) / 10; // 0.1 % bins of the signed error
                  binCounts.set(bin, (binCounts.get(bin) ?? 0) + 1);
                }
              }
            }
          }
        }
        const re = Float64Array.from(readErr).sort();
        const rd = Float64Array.from(readErrDg).sort();
        const mean = re.reduce((a, b) => a + b, 0) / Math.max(1, re.length);
        readRows.push([wire, m.name, rt, ct, re.length, (readDrop / Math.max(1, re.length)).toFixed(4), mean.toFixed(4), percentile(re, 0.5).toFixed(4), percentile(re, 0.99).toFixed(4), (re[re.length - 1] ?? NaN).toFixed(4), (rd[rd.length - 1] ?? NaN).toFixed(3), percentile(rd, 0.99).toFixed(3)].join(','));
      }
      if (exactLayer) exactOf.set(li, exactLayer);
    }
    for (const [bin, count] of binCounts) hist.push({ wire, errPct: bin, count });
    await writeErrorFiles(out, cellRows, readRows, accRows, hist); // the tile errors, before the (slower) accuracy runs
    // Accuracy: the exact model in the exact layers (first-order elsewhere) against first-order everywhere.
    const first = evalInt(p, makeEngine(xb), 'first-order', progress);
    const mixed: Crossbar = { ...xb, conductance: xb.conductance.map((c, li) => exactOf.get(li) ?? c), stats: xb.stats.map(() => ({ reads: 0, conversions: 0, currentSum: 0 })) };
    const exactNames = exactLayers.map((li) => xb.mappings[li]!.name).join('+');
    const exact = evalInt(p, makeEngine(mixed), 'exact in ' + exactNames, progress);
    let differ = 0;
    for (let i = 0; i < first.predictions.length; i++) if (first.predictions[i] !== exact.predictions[i]) differ++;
    accRows.push([wire, p.test.count, exactNames, (first.top1 * 100).toFixed(2), (exact.top1 * 100).toFixed(2), differ].join(','));
    progress.log(`wire ${wire} Ω: first-order ${(first.top1 * 100).toFixed(2)} %, exact in ${exactNames} ${(exact.top1 * 100).toFixed(2)} %, ${differ} predictions differ`);
    await writeErrorFiles(out, cellRows, readRows, accRows, hist); // after every wire resistance
  }
}

async function writeErrorFiles(out: string, cellRows: string[], readRows: string[], accRows: string[], hist: { wire: number; errPct: number; count: number }[]): Promise<void> {
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'cell-error.csv'), cellRows.join('\n') + '\n');
  writeFileSync(join(out, 'read-error.csv'), readRows.join('\n') + '\n');
  writeFileSync(join(out, 'accuracy.csv'), accRows.join('\n') + '\n');
  hist = [...hist].sort((a, b) => a.wire - b.wire || a.errPct - b.errPct);
  writeFileSync(join(out, 'read-error-histogram.csv'), ['wire_ohm,signed_error_pct,reads', ...hist.map((h) => `${h.wire},${h.errPct},${h.count}`)].join('\n') + '\n');
  const svg = await renderVegaLite({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'First-order IR-drop model: column-current error against the exact solver (real VGG8 reads)',
    data: { values: hist.map((h) => ({ ...h, wire: `${h.wire} Ω` })) },
    mark: { type: 'line', interpolate: 'step-after' },
    width: 520,
    height: 260,
    encoding: {
      x: { field: 'errPct', type: 'quantitative', title: '(I_first-order − I_exact) / I_exact (%)' },
      y: { field: 'count', type: 'quantitative', title: 'column reads', scale: { type: 'symlog' } },
      color: { field: 'wire', type: 'nominal', title: 'wire per segment' },
    },
  });
  writeFileSync(join(out, 'read-error.svg'), svg);
  process.stderr.write(`wrote ${out}/{cell-error,read-error,read-error-histogram,accuracy}.csv and read-error.svg\n`);
}

async function accuracyStudy(out: string): Promise<void> {
  const images = Number(arg('images', '50'));
  const rowsList = numbers(arg('rows', '64,128,256'));
  const wires = numbers(arg('wires', '0,1,2.5,10'));
  const rate = Number(arg('rate', '2.5'));
  const seed = Number(arg('fault-seed', '1'));
  const progress = terminalProgress();
  progress.log(`fault seed ${seed}, ${rate} % stuck cells at SA1:SA0 = 5:1, ${images} images`);
  const rows: AccuracyRow[] = [];
  let p: Prepared | null = null;
  for (const tileRows of rowsList) {
    for (const wire of wires) {
      // clean: fault-free only; faulty: the stuck-cell points only; mt: MT-map only (with --rate 0, MT-map's mapping on a fault-free array)
      const which = arg('settings', 'all');
      const settings = which === 'clean' ? ([[0, 'none']] as const) : which === 'faulty' ? ([[rate, 'none'], [rate, 'mt-map']] as const) : which === 'mt' ? ([[rate, 'mt-map']] as const) : ([[0, 'none'], [rate, 'none'], [rate, 'mt-map']] as const);
      for (const [faultPct, mitigation] of settings) {
        const cfg = config([`tile.rows=${tileRows}`, ...irOverrides(wire), `experiment.images=${images}`, `faults.rate=${faultPct / 100}`, `faults.seed=${seed}`, `mitigation.method=${mitigation}`]);
        p ??= prepare(cfg, progress);
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        const r = evalCrossbar(p, cfg);
        const cpu = process.cpuUsage(c0);
        rows.push({ rows: tileRows, wire, mitigation, faultPct, top1: r.top1 * 100 });
        progress.log(`rows ${tileRows}, wire ${wire} Ω, faults ${faultPct} %, ${mitigation}: ${(r.top1 * 100).toFixed(2)} % (${((performance.now() - t0) / 1000).toFixed(0)} s, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} CPU s)`);
        writeAccuracyCsv(out, rows, images); // after every point, so an interrupted run keeps what it measured
      }
    }
  }
  await plotAccuracy(out, rows, images);
}

type AccuracyRow = { rows: number; wire: number; mitigation: string; faultPct: number; top1: number };

function writeAccuracyCsv(out: string, rows: AccuracyRow[], images: number): void {
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'accuracy.csv'), ['tile_rows,wire_ohm,fault_rate_pct,mitigation,images,top1_pct', ...rows.map((r) => `${r.rows},${r.wire},${r.faultPct},${r.mitigation},${images},${r.top1.toFixed(2)}`)].join('\n') + '\n');
}

/** The chart of accuracy.csv (also from a saved CSV: `plot --out <dir>`). */
async function plotAccuracy(out: string, rows: AccuracyRow[], images: number): Promise<void> {
  const rowsList = [...new Set(rows.map((r) => r.rows))].sort((a, b) => a - b);
  const wires = [...new Set(rows.map((r) => r.wire))].sort((a, b) => a - b);
  const svg = await renderVegaLite({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `VGG8 top-1 under IR drop (${images} images; wire resistance per cell segment on rows and columns)`,
    data: { values: rows.map((r) => ({ ...r, series: r.faultPct === 0 ? 'no faults' : `${r.faultPct} % faults, ${r.mitigation}`, panel: `${r.rows} rows` })) },
    facet: { column: { field: 'panel', type: 'nominal', title: null, sort: rowsList.map((n) => `${n} rows`) } },
    spec: {
      width: 220,
      height: 220,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'wire', type: 'quantitative', title: 'wire resistance per segment (Ω)', scale: { type: 'symlog' }, axis: { values: wires } },
        y: { field: 'top1', type: 'quantitative', title: 'top-1 accuracy (%)', scale: { domain: [0, 100] } },
        color: { field: 'series', type: 'nominal', title: null },
      },
    },
  });
  writeFileSync(join(out, 'accuracy.svg'), svg);
  process.stderr.write(`wrote ${out}/accuracy.csv and accuracy.svg\n`);
}

const [command] = process.argv.slice(2);
const out = arg('out', `runs/irdrop-${command}`);
if (command === 'error') await errorStudy(out);
else if (command === 'plot') {
  const lines = readFileSync(join(out, 'accuracy.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  await plotAccuracy(out, lines.map(([rows, wire, faultPct, mitigation, , top1]) => ({ rows: Number(rows), wire: Number(wire), faultPct: Number(faultPct), mitigation: mitigation!, top1: Number(top1) })), Number(lines[0]![4]));
}
else if (command === 'accuracy') await accuracyStudy(out);
else {
  process.stderr.write('usage: npx tsx src/bench/irdrop-study.ts error|accuracy --out <dir> [options]\n');
  process.exit(2);
}

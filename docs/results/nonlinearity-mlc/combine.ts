// Joins the non-linearity study's sweeps (run.sh: one per image chunk, cell width and (LTP, LTD)
// label pair, in RUNS/c<k>/cb<bits>-ltp<LTP>-ltd<LTD>/sweep.json) into one table per point:
// correct of images with a 95 % Wilson interval, read energy and latency per image.
//
// Only the chunks every one of the six sweeps finished are counted, so every point has the same
// images. A point's chunks are summed (correct, images, Σ read currents); its mapping's price
// (MT's extra adds per read, table bits) and its stuck cells must agree across chunks (the same
// faults and mapping), else the script stops. Energy and latency per image: `memxbar cost`'s
// model on each sweep config's activity (COST_IMAGES test images, default 4), the array current
// scaled by the point's Σ read currents per image over the same config's fault-free point without
// mitigation (src/cost/estimate.ts regulationFromSweep, as `memxbar run` prices its sweep).
//
// The cost run of each config (its activity; it does not depend on the sweeps) is kept in
// RUNS/cost-<config>.json and reused.
//
// Run: npx tsx docs/results/nonlinearity-mlc/combine.ts runs/nl docs/results/nonlinearity-mlc
// Writes OUT/nonlinearity.csv, OUT/table.md, OUT/accuracy.svg, OUT/energy.svg and a copy of every
// counted chunk's sweep.csv in OUT/chunks/c<k>/.
import { existsSync, mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { renderVegaLite } from '../../../src/report/plot.ts';
import { prepare, type Prepared } from '../../../src/session/prepare.ts';
import { loadNetwork } from '../../../src/nn/onnx.ts';
import { runCost, regulationFromSweep, type CostReport, type MeasuredPoint } from '../../../src/cost/estimate.ts';
import type { SweepPoint, SweepResult } from '../../../src/sweep/sweep.ts';
import type { Config } from '../../../src/config/schema.ts';
import { wilson } from '../../../src/util/wilson.ts';

const runs = process.argv[2] ?? 'runs/nl';
const outDir = process.argv[3] ?? 'docs/results/nonlinearity-mlc';
const costImages = Number(process.env.COST_IMAGES ?? 4);
const configs = [2, 4].flatMap((cb) => [['0', '0'], ['1.75', '-1.46'], ['4', '-4']].map(([ltp, ltd]) => ({ cb, ltp: ltp!, ltd: ltd!, name: `cb${cb}-ltp${ltp}-ltd${ltd}` })));

/** The cost run of a sweep's config, fault-free, no mitigation, on the first COST_IMAGES shipped test images (cached). */
function costOf(name: string, base: Config): { report: CostReport; pcfg: Config } {
  const pcfg: Config = { ...base, experiment: { ...base.experiment, dataPath: null, images: costImages }, mitigation: { ...base.mitigation, method: 'none' } };
  const cached = join(runs, `cost-${name}.json`);
  let report: CostReport;
  if (existsSync(cached)) report = JSON.parse(readFileSync(cached, 'utf8')) as CostReport;
  else {
    report = runCost(prepare(pcfg), { images: costImages, rates: [], ratios: [], mitigations: [], synthReport: null, compareNeurosim: false });
    writeFileSync(cached, JSON.stringify(report));
  }
  if (JSON.stringify(report.config.device) !== JSON.stringify(pcfg.device) || JSON.stringify(report.config.tile) !== JSON.stringify(pcfg.tile)) throw new Error(`${cached}: another config`);
  return { report, pcfg };
}

// COST_ONLY=1: compute the cost runs of the configs that have a finished sweep, and stop.
if (process.env.COST_ONLY) {
  for (const c of configs) {
    const k = [0, 1, 2, 3].find((i) => existsSync(join(runs, `c${i}`, c.name, 'sweep.json')));
    if (k === undefined) continue;
    costOf(c.name, (JSON.parse(readFileSync(join(runs, `c${k}`, c.name, 'sweep.json'), 'utf8')) as SweepResult).config);
    console.error(`${c.name}: cost run in ${join(runs, `cost-${c.name}.json`)}`);
  }
  process.exit(0);
}

const chunks: number[] = [];
for (let k = 0; existsSync(join(runs, `c${k}`)); k++) {
  if (configs.every((c) => existsSync(join(runs, `c${k}`, c.name, 'sweep.json')))) chunks.push(k);
  else console.error(`chunk ${k}: not every sweep finished, left out`);
}
if (!chunks.length) throw new Error(`no chunk in ${runs} has all six sweeps`);

const keyOf = (p: SweepPoint) => `${p.mitigation}|${p.rate}|${p.rate === 0 ? '-' : p.ratio}`;
const rows: string[] = ['cell_bits,ltp,ltd,mitigation,ratio,rate_pct,images,correct,top1_pct,wilson_lo_pct,wilson_hi_pct,stuck_cells,read_current_rel,extra_adds_per_read,energy_per_image_uj,latency_per_image_us'];
interface Row { cb: number; ltp: string; ltd: string; mitigation: string; ratio: string; ratePct: number; images: number; correct: number; lo: number; hi: number; rel: number; adds: number; energyUj: number; latencyUs: number }
const table: Row[] = [];
for (const c of configs) {
  const sums = new Map<string, SweepPoint>();
  let cfg: Config | null = null;
  for (const k of chunks) {
    const dir = join(runs, `c${k}`, c.name);
    const r = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as SweepResult;
    cfg ??= r.config;
    mkdirSync(join(outDir, 'chunks', `c${k}`), { recursive: true });
    copyFileSync(join(dir, 'sweep.csv'), join(outDir, 'chunks', `c${k}`, `${c.name}.csv`));
    for (const p of r.points) {
      const s = sums.get(keyOf(p));
      if (!s) {
        sums.set(keyOf(p), { ...p });
        continue;
      }
      if (s.stuckCells !== p.stuckCells || JSON.stringify(s.price) !== JSON.stringify(p.price)) throw new Error(`${dir}: ${keyOf(p)} has other faults or another mapping than chunk ${chunks[0]}`);
      s.correct += p.correct;
      s.images += p.images;
      s.currentSum += p.currentSum;
    }
  }
  const points = [...sums.values()];
  // Price every point on this config's activity (fault-free, no mitigation, COST_IMAGES test images).
  const { report, pcfg } = costOf(c.name, cfg!);
  // regulationFromSweep reads only the network of the prepared session (its layer geometry).
  const p = { net: loadNetwork(pcfg.network) } as Prepared;
  const priced = regulationFromSweep(p, report, points.map((x): MeasuredPoint => ({ mitigation: x.mitigation, rate: x.rate, ratio: x.ratio, images: x.images, currentSum: x.currentSum, price: x.price })));
  const clean = points.find((x) => x.rate === 0 && x.mitigation === 'none')!;
  for (const x of points) {
    const q = priced.find((y) => y.mitigation === x.mitigation && y.rate === x.rate && (x.rate === 0 || y.ratio === String(x.ratio)));
    if (!q) throw new Error(`${c.name}: ${keyOf(x)} not priced`);
    const { lo, hi } = wilson(x.correct, x.images);
    const row: Row = {
      cb: c.cb, ltp: c.ltp, ltd: c.ltd, mitigation: x.mitigation, ratio: x.rate === 0 ? "-" : String(x.ratio), ratePct: +(x.rate * 100).toPrecision(6), images: x.images, correct: x.correct, lo, hi,
      rel: x.currentSum / x.images / (clean.currentSum / clean.images), adds: x.price.extraOpsPerRead, energyUj: q.energyPerImageJ * 1e6, latencyUs: q.latencyPerImageS * 1e6,
    };
    table.push(row);
    rows.push([row.cb, row.ltp, row.ltd, row.mitigation, row.ratio, row.ratePct, row.images, row.correct, (100 * row.correct / row.images).toFixed(2), (100 * lo).toFixed(2), (100 * hi).toFixed(2), x.stuckCells, row.rel.toFixed(4), row.adds.toFixed(2), row.energyUj.toFixed(4), row.latencyUs.toFixed(3)].join(','));
  }
  console.error(`${c.name}: ${points.length} points, ${points[0]!.images} images each (chunks ${chunks.join(',')})`);
}
writeFileSync(join(outDir, 'nonlinearity.csv'), rows.join('\n') + '\n');

// The table of the results README: one row per cell width, label pair and mitigation.
const cols: [number, string][] = [[0, '-'], [2.5, '5:1'], [2.5, '1:5'], [10, '5:1'], [10, '1:5'], [50, '5:1'], [50, '1:5']];
const pct = (x: number) => (100 * x).toFixed(0);
const md = [
  `Correct of ${table[0]!.images} images (95 % Wilson interval, %) · read energy per image (µJ) · latency per image (µs):`,
  '',
  '| cells | LTP / LTD | mitigation | 0 % | 2.5 % 5:1 | 2.5 % 1:5 | 10 % 5:1 | 10 % 1:5 | 50 % 5:1 | 50 % 1:5 |',
  '|---:|---|---|---:|---:|---:|---:|---:|---:|---:|',
];
for (const c of configs) {
  for (const m of ['none', 'mt-map']) {
    const cells = cols.map(([rate, ratio]) => {
      const r = table.find((x) => x.cb === c.cb && x.ltp === c.ltp && x.mitigation === m && x.ratePct === rate && x.ratio === ratio);
      return r ? `${r.correct} (${pct(r.lo)}–${pct(r.hi)}) · ${r.energyUj.toFixed(2)} · ${r.latencyUs.toFixed(0)}` : '—';
    });
    md.push(`| ${c.cb} | ${c.ltp} / ${c.ltd.replace('-', '−')} | ${m} | ${cells.join(' | ')} |`);
  }
}
writeFileSync(join(outDir, 'table.md'), md.join('\n') + '\n');

// Accuracy with 95 % Wilson bars, one panel per cell width and label pair; the fault-free point
// is drawn in both ratios' series.
const n = table[0]!.images;
const values = table.flatMap((r) => (r.ratio === '-' ? ['5:1', '1:5'] : [r.ratio]).map((ratio) => ({
  panel: `${r.cb}-bit cells, LTP ${r.ltp} / LTD ${r.ltd}`, series: `${r.mitigation}, SA1:SA0 ${ratio}`, ratePct: r.ratePct,
  x: r.ratePct + (ratio === "5:1" ? -0.12 : 0.12) * Math.max(r.ratePct, 1) * (r.mitigation === 'none' ? 1 : 0.5), top1: 100 * r.correct / r.images, lo: 100 * r.lo, hi: 100 * r.hi, energy: r.energyUj, rel: r.rel,
})));
const xAxis = { field: 'x', type: 'quantitative' as const, title: 'stuck-at fault rate (%)', scale: { type: 'symlog' as const, constant: 1 }, axis: { values: [0, 2.5, 10, 50], labelExpr: "datum.value + ' %'" } };
const chart = (title: string, y: Record<string, unknown>, bars: boolean): TopLevelSpec => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title,
  data: { values },
  facet: { field: 'panel', type: 'nominal', title: null },
  columns: 3,
  spec: {
    width: 260,
    height: 200,
    encoding: { x: xAxis, color: { field: 'series', type: 'nominal', title: 'mitigation, ratio' } },
    layer: [
      ...(bars ? [{ mark: { type: 'rule' as const, strokeWidth: 1.5 }, encoding: { y: { field: 'lo', type: 'quantitative' as const }, y2: { field: 'hi' } } }] : []),
      { mark: { type: 'line' as const, point: true }, encoding: { y } },
    ],
  },
});
writeFileSync(join(outDir, 'accuracy.svg'), await renderVegaLite(chart(`VGG8-w0.5, incremental programming, ${n} images per point, fault seed 1: top-1 with 95 % Wilson intervals`, { field: 'top1', type: 'quantitative', title: 'top-1 (%)', scale: { domain: [0, 100] } }, true)));
writeFileSync(join(outDir, 'energy.svg'), await renderVegaLite(chart(`Read energy per image (memxbar cost's model, the array current of each point), ${n} images per point`, { field: 'energy', type: 'quantitative', title: 'energy per image (µJ)', scale: { zero: false } }, false)));
console.error(`wrote ${join(outDir, 'nonlinearity.csv')} (${table.length} points), table.md, accuracy.svg, energy.svg`);

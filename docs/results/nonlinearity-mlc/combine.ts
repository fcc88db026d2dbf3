// Joins the sweeps of the non-linearity study (one per cell width and (LTP, LTD) label pair:
// cb<bits>-ltp<LTP>-ltd<LTD>/) into one CSV and one chart; read energy relative to the linear
// device's fault-free run without mitigation with the same cells.
// `n20/cb<bits>-...`: the later sweeps with 20 images per point; the chart draws, for every point,
// the sweep with the most images (nonlinearity.csv keeps every sweep's row, with its image count).
// Run: npx tsx docs/results/nonlinearity-mlc/combine.ts docs/results/nonlinearity-mlc
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { accuracyChart, type AccuracyPoint } from '../../../src/report/plot.ts';

const dir = process.argv[2] ?? '.';
const pairs = [['0', '0'], ['1.75', '-1.46'], ['4', '-4']] as const;
const rows: Record<string, string>[] = [];
for (const [cb, ltp, ltd] of [2, 4].flatMap((cb) => pairs.map(([a, b]) => [String(cb), a, b] as const))) {
  // `-more`: a later sweep of the same array at more fault rates.
  for (const folder of ['', '-more'].map((suffix) => `cb${cb}-ltp${ltp}-ltd${ltd}${suffix}`).concat(`n20/cb${cb}-ltp${ltp}-ltd${ltd}`)) {
    const file = join(dir, folder, 'sweep.csv');
    if (!existsSync(file)) {
      console.error(`no ${file}: left out`);
      continue;
    }
    const text = readFileSync(file, 'utf8').trim().split('\n');
    const head = text[0]!.split(',');
    for (const line of text.slice(1)) {
      const f = line.split(',');
      rows.push({ cb, ltp, ltd, ...Object.fromEntries(head.map((h, i) => [h, f[i]!])) });
    }
  }
}
// the reference of the read energy: the linear device's fault-free run without mitigation, from the run with the most images
const baseOf = (cb: string) => rows.filter((r) => r.cb === cb && r.ltp === '0' && r.mitigation === 'none' && Number(r.rate) === 0).sort((a, b) => Number(b.images) - Number(a.images))[0]!;
const out = ['cell_bits,ltp,ltd,mitigation,ratio,rate_pct,images,correct,top1,read_energy_rel'];
const points: AccuracyPoint[] = [];
const keyOf = (r: Record<string, string>) => [r.cb, r.ltp, r.mitigation, Number(r.rate) === 0 ? '' : r.ratio, Number(r.rate)].join('|');
const most = new Map<string, number>();
for (const r of rows) most.set(keyOf(r), Math.max(most.get(keyOf(r)) ?? 0, Number(r.images)));
for (const r of rows) {
  const energy = Number(r.current_sum) / Number(baseOf(r.cb!).current_sum);
  out.push([r.cb, r.ltp, r.ltd, r.mitigation, r.ratio, Number(r.rate) * 100, r.images, r.correct, r.top1, energy.toFixed(4)].join(','));
  if (Number(r.images) !== most.get(keyOf(r))) continue;
  const top1 = 100 * Number(r.top1);
  const ratios = Number(r.rate) === 0 ? ['5:1', '1:5'] : [r.ratio!];
  for (const ratio of ratios) points.push({ ratePct: Number(r.rate) * 100, series: `${r.mitigation}, SA1:SA0 ${ratio}`, panel: `${r.cb}-bit cells, LTP ${r.ltp} / LTD ${r.ltd}`, mean: top1, lo: top1, hi: top1 });
}
writeFileSync(join(dir, 'nonlinearity.csv'), out.join('\n') + '\n');
writeFileSync(join(dir, 'accuracy.svg'), await accuracyChart(points, `VGG8-w0.5, 2- and 4-bit cells, incremental programming, fault seed 1 (each panel: the sweep with the most images)`));
console.error(`wrote ${join(dir, 'nonlinearity.csv')} (${out.length - 1} rows) and accuracy.svg`);

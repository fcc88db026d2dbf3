// Joins run.sh's sweeps into results.csv and accuracy.svg: none, mt-map, hosseini (the shipped
// model), fault-aware retraining (a model per rate and ratio, evaluated on the map it trained on),
// NIA and NIA + MT-map (a model per ratio trained at 10 %, evaluated on unseen maps).
// Run: npx tsx docs/results/train-compare/plot.ts OUTDIR   (copies the small files to runs/)
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { accuracyChart, type AccuracyPoint } from '../../../src/report/plot.ts';

const dir = process.argv[2]!;
const here = new URL('.', import.meta.url).pathname;
mkdirSync(join(here, 'runs'), { recursive: true });
type Row = { method: string; ratio: string; ratePct: number; images: number; correct: number; top1: number; trainSeconds: number | null };
const rows: Row[] = [];
const trainSeconds = (f: string) => (existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as { seconds: number }).seconds : null);
for (const sweep of readdirSync(dir).filter((f) => f.startsWith('sweep-') && existsSync(join(dir, f, 'sweep.csv')))) {
  const [head, ...lines] = readFileSync(join(dir, sweep, 'sweep.csv'), 'utf8').trim().split('\n');
  const col = head!.split(',');
  const tag = sweep.slice('sweep-'.length); // base, nia-5_1, fa-10-5_1
  const secs = tag === 'base' ? null : trainSeconds(join(dir, `train-${tag}.json`));
  for (const f of ['sweep.csv', 'summary.md', 'price.md']) if (existsSync(join(dir, sweep, f))) copyFileSync(join(dir, sweep, f), join(here, 'runs', `${sweep}-${f}`));
  if (tag !== 'base') copyFileSync(join(dir, `train-${tag}.json`), join(here, 'runs', `train-${tag}.json`));
  for (const line of lines) {
    const v = Object.fromEntries(line.split(',').map((x, i) => [col[i]!, x]));
    const method = tag === 'base' ? v.mitigation! : tag.startsWith('nia') ? (v.mitigation === 'none' ? 'NIA' : `NIA + ${v.mitigation}`) : 'fault-aware retraining';
    rows.push({ method, ratio: v.ratio!, ratePct: +(100 * Number(v.rate)).toPrecision(6), images: +v.images!, correct: +v.correct!, top1: +v.top1!, trainSeconds: secs });
  }
}
// A fault-free array has no SA1:SA0 ratio: the sweep runs 0 % once; it is drawn in every panel.
const ratios = ['5:1', '1:5'];
for (const r of rows.filter((r) => r.ratePct === 0)) for (const ratio of ratios) if (!rows.some((x) => x.method === r.method && x.ratio === ratio && x.ratePct === 0)) rows.push({ ...r, ratio });
// Fault-aware retraining on a fault-free array is the starting model: its 0 % point is none's.
for (const r of rows.filter((r) => r.method === 'none' && r.ratePct === 0)) rows.push({ ...r, method: 'fault-aware retraining', trainSeconds: 0 });
rows.sort((a, b) => a.ratio.localeCompare(b.ratio) || a.method.localeCompare(b.method) || a.ratePct - b.ratePct);
writeFileSync(join(here, 'results.csv'), 'method,ratio,rate_pct,images,correct,top1,train_seconds\n' + rows.map((r) => [r.method, r.ratio, r.ratePct, r.images, r.correct, r.top1.toFixed(4), r.trainSeconds ?? ''].join(',')).join('\n') + '\n');
const points: AccuracyPoint[] = rows.map((r) => ({ ratePct: r.ratePct, series: r.method, panel: `SA1:SA0 = ${r.ratio}`, mean: 100 * r.top1, lo: 100 * r.top1, hi: 100 * r.top1 }));
writeFileSync(join(here, 'accuracy.svg'), await accuracyChart(points, `VGG8-w0.5, offset mapping, 32-row reads: ${Math.max(...rows.map((r) => r.images))} test images, fault seed 1`));
console.log(rows.map((r) => `${r.method} ${r.ratio} ${r.ratePct}% ${(100 * r.top1).toFixed(1)} (${r.correct}/${r.images})${r.trainSeconds ? ` (${r.trainSeconds} s)` : ''}`).join('\n'));

// Joins the sweeps (none, mt-map, hosseini) and the fault-aware retrained models' evaluations
// of run.sh into results.csv and accuracy.svg. Run: npx tsx docs/results/train-faults/plot.ts OUTDIR
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { accuracyChart, type AccuracyPoint } from '../../../src/report/plot.ts';

const dir = process.argv[2]!;
const here = new URL('.', import.meta.url).pathname;
const rows: { method: string; ratio: string; ratePct: number; images: number; correct: number; top1: number; trainSeconds: number | null }[] = [];
for (const sweep of readdirSync(dir).filter((f) => f.startsWith('sweep') && !f.includes('.'))) {
  const [head, ...lines] = readFileSync(join(dir, sweep, 'sweep.csv'), 'utf8').trim().split('\n');
  const col = head!.split(',');
  for (const line of lines) {
    const v = Object.fromEntries(line.split(',').map((x, i) => [col[i]!, x]));
    rows.push({ method: v.mitigation!, ratio: v.ratio!, ratePct: +(100 * Number(v.rate)).toPrecision(6), images: +v.images!, correct: +v.correct!, top1: +v.top1!, trainSeconds: null });
  }
}
// Retrained models: the crossbar accuracy `memxbar train` printed after training when it ran on
// the sweeps' 40 images, else `memxbar eval --crossbar --json` of the model on them (eval-*.json).
for (const f of readdirSync(dir).filter((f) => f.startsWith('train-') && f.endsWith('.json'))) {
  const tag = f.slice('train-'.length, -'.json'.length);
  const [rate, ratio] = tag.split('-');
  const t = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  const evalFile = join(dir, `eval-${tag}.json`);
  const a = existsSync(evalFile) ? JSON.parse(readFileSync(evalFile, 'utf8')).crossbar : t.crossbarAfter;
  rows.push({ method: 'retrained (fault-aware)', ratio: ratio!.replace('_', ':'), ratePct: +rate!, images: a.images, correct: a.correct, top1: a.top1, trainSeconds: t.seconds });
}
// A fault-free array has no SA1:SA0 ratio: the sweep runs 0 % once; it is drawn in every panel.
const ratios = [...new Set(rows.map((r) => r.ratio))];
for (const r of rows.filter((r) => r.ratePct === 0)) for (const ratio of ratios) if (!rows.some((x) => x.method === r.method && x.ratio === ratio && x.ratePct === 0)) rows.push({ ...r, ratio });
// A retrained model on a fault-free array is the starting model: its 0 % point is none's.
for (const r of rows.filter((r) => r.method === 'none' && r.ratePct === 0)) rows.push({ ...r, method: 'retrained (fault-aware)', trainSeconds: 0 });
rows.sort((a, b) => a.ratio.localeCompare(b.ratio) || a.method.localeCompare(b.method) || a.ratePct - b.ratePct);
writeFileSync(join(here, 'results.csv'), 'method,ratio,rate_pct,images,correct,top1,train_seconds\n' + rows.map((r) => [r.method, r.ratio, r.ratePct, r.images, r.correct, r.top1.toFixed(4), r.trainSeconds ?? ''].join(',')).join('\n') + '\n');
const points: AccuracyPoint[] = rows.map((r) => ({ ratePct: r.ratePct, series: r.method, panel: `SA1:SA0 = ${r.ratio}`, mean: 100 * r.top1, lo: 100 * r.top1, hi: 100 * r.top1 }));
writeFileSync(join(here, 'accuracy.svg'), await accuracyChart(points, 'VGG8-w0.5, offset mapping, 32-row reads: 40 test images, fault seed 1'));
console.log(rows.map((r) => `${r.method} ${r.ratio} ${r.ratePct}% ${(100 * r.top1).toFixed(1)}${r.trainSeconds ? ` (${r.trainSeconds} s)` : ''}`).join('\n'));

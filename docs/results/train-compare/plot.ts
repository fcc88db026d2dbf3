// Joins the sweeps of run.sh and run-more.sh into results.csv and accuracy.svg (none, mt-map,
// hosseini on the shipped model; fault-aware retraining, a model per chip evaluated on the map it
// trained on; NIA and NIA + MT-map, a model per ratio trained at 10 %, evaluated on unseen maps),
// and the training losses (every lr-*.json and train-fa-*.json with a per-step history) into
// loss.svg and losses.csv.
// Run: npx tsx docs/results/train-compare/plot.ts [--before DIR] OUTDIR...   (copies the small files to runs/)
// --before DIR: a run.sh OUTDIR whose training ran before the training forward modelled the first
// layer as deployed (docs/train.md): its models are marked so in results.csv (column forward),
// and its fault-aware points, superseded by OUTDIR's, are left out of the plot.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { accuracyChart, renderVegaLite, type AccuracyPoint } from '../../../src/report/plot.ts';

const args = process.argv.slice(2);
const before = args[0] === '--before' ? args[1]! : null;
const dirs = [...(before ? [before] : []), ...args.slice(before ? 2 : 0)];
const here = new URL('.', import.meta.url).pathname;
mkdirSync(join(here, 'runs'), { recursive: true });
type Row = { method: string; ratio: string; ratePct: number; seed: number; images: number; correct: number; top1: number; trainSeconds: number | null; forward: string };
const rows: Row[] = [];
const trainSeconds = (f: string) => (existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as { seconds: number }).seconds : null);
for (const dir of dirs) {
  const old = dir === before;
  for (const sweep of readdirSync(dir).filter((f) => f.startsWith('sweep-') && existsSync(join(dir, f, 'sweep.csv')))) {
    const [head, ...lines] = readFileSync(join(dir, sweep, 'sweep.csv'), 'utf8').trim().split('\n');
    const col = head!.split(',');
    const tag = sweep.slice('sweep-'.length); // base[-RATES-sS], nia-5_1[-RATES-sS], fa-10-5_1[-sS]
    const kind = tag.split('-')[0]!;
    const trained = kind !== 'base';
    // An NIA model is run.sh's (trained once per ratio); a later OUTDIR evaluates a copy of it on other maps.
    const niaJson = kind === 'nia' ? [dir, ...(before ? [before] : [])].map((d) => join(d, `train-${tag.split('-').slice(0, 2).join('-')}.json`)).find((f) => existsSync(f)) : undefined;
    const secs = kind === 'fa' ? trainSeconds(join(dir, `train-${tag}.json`)) : niaJson ? trainSeconds(niaJson) : null;
    const fromBefore = old || (kind === 'nia' && before !== null && niaJson?.startsWith(before));
    const save = old ? `before-${sweep}` : sweep;
    for (const f of ['sweep.csv', 'summary.md', 'price.md']) if (existsSync(join(dir, sweep, f))) copyFileSync(join(dir, sweep, f), join(here, 'runs', `${save}-${f}`));
    if (niaJson) copyFileSync(niaJson, join(here, 'runs', `${fromBefore ? 'before-' : ''}${niaJson.split('/').at(-1)!}`));
    if (kind === 'fa' && existsSync(join(dir, `train-${tag}.json`))) copyFileSync(join(dir, `train-${tag}.json`), join(here, 'runs', `${old ? 'before-' : ''}train-${tag}.json`));
    // A retrained model belongs to the chip of its fault seed (-sS): other seeds' rows are not its chip.
    const chip = kind === 'fa' && /-s(\d+)$/.test(tag) ? Number(/-s(\d+)$/.exec(tag)![1]) : null;
    for (const line of lines) {
      const v = Object.fromEntries(line.split(',').map((x, i) => [col[i]!, x]));
      if (chip !== null && Number(v.seed) !== chip) continue;
      const method = kind === 'base' ? v.mitigation! : kind === 'nia' ? (v.mitigation === 'none' ? 'NIA' : `NIA + ${v.mitigation}`) : 'fault-aware retraining';
      // The same point measured by two sweeps (seed 1 again in a sweep of seeds 1..2): once.
      if (rows.some((r) => r.method === method && r.ratio === v.ratio && r.ratePct === +(100 * Number(v.rate)).toPrecision(6) && r.seed === +v.seed! && r.forward === (!trained ? '' : fromBefore ? 'conv1 unfolded' : 'as deployed'))) continue;
      rows.push({ method, ratio: v.ratio!, ratePct: +(100 * Number(v.rate)).toPrecision(6), seed: +v.seed!, images: +v.images!, correct: +v.correct!, top1: +v.top1!, trainSeconds: secs, forward: !trained ? '' : fromBefore ? 'conv1 unfolded' : 'as deployed' });
    }
  }
}
// A fault-free array has no SA1:SA0 ratio or seed: the sweep runs 0 % once; it is drawn in every panel.
const ratios = ['5:1', '1:5'];
for (const r of rows.filter((r) => r.ratePct === 0)) for (const ratio of ratios) if (!rows.some((x) => x.method === r.method && x.ratio === ratio && x.ratePct === 0 && x.forward === r.forward)) rows.push({ ...r, ratio });
// Fault-aware retraining on a fault-free array is the starting model: its 0 % point is none's.
for (const r of rows.filter((r) => r.method === 'none' && r.ratePct === 0)) rows.push({ ...r, method: 'fault-aware retraining', trainSeconds: 0 });
rows.sort((a, b) => a.ratio.localeCompare(b.ratio) || a.method.localeCompare(b.method) || a.seed - b.seed || a.ratePct - b.ratePct || a.forward.localeCompare(b.forward));
writeFileSync(join(here, 'results.csv'), 'method,ratio,rate_pct,fault_seed,images,correct,top1,train_seconds,forward\n' + rows.map((r) => [r.method, r.ratio, r.ratePct, r.seed, r.images, r.correct, r.top1.toFixed(4), r.trainSeconds ?? '', r.forward].join(',')).join('\n') + '\n');
// The plot: mean over the fault seeds measured (the bar spans them); superseded fault-aware points left out.
const shown = rows.filter((r) => !(r.method === 'fault-aware retraining' && r.forward === 'conv1 unfolded'));
const groups = new Map<string, Row[]>();
for (const r of shown) {
  const k = `${r.method}|${r.ratio}|${r.ratePct}`;
  groups.set(k, [...(groups.get(k) ?? []), r]);
}
const points: AccuracyPoint[] = [...groups.values()].map((g) => {
  const t = g.map((r) => 100 * r.top1);
  return { ratePct: g[0]!.ratePct, series: g[0]!.method, panel: `SA1:SA0 = ${g[0]!.ratio}`, mean: t.reduce((a, b) => a + b, 0) / t.length, lo: Math.min(...t), hi: Math.max(...t) };
});
const seeds = [...new Set(shown.filter((r) => r.ratePct > 0).map((r) => r.seed))].sort();
writeFileSync(join(here, 'accuracy.svg'), await accuracyChart(points, `VGG8-w0.5, offset mapping, 32-row reads: ${Math.max(...rows.map((r) => r.images))} test images, fault seeds ${seeds.join(', ')} (bars: the seeds' range)`));
console.log(rows.map((r) => `${r.method} ${r.ratio} ${r.ratePct}% s${r.seed} ${(100 * r.top1).toFixed(1)} (${r.correct}/${r.images})${r.trainSeconds ? ` (${r.trainSeconds} s)` : ''} ${r.forward}`).join('\n'));

// The learning-rate runs' models on the 500 images (run-more.sh eval-lr-…): their sweep files.
for (const dir of dirs.filter((d) => d !== before && existsSync(join(d, 'lr500')))) {
  for (const tag of readdirSync(join(dir, 'lr500'))) {
    for (const f of ['sweep.csv', 'summary.md']) if (existsSync(join(dir, 'lr500', tag, f))) copyFileSync(join(dir, 'lr500', tag, f), join(here, 'runs', `lr500-${tag}-${f}`));
  }
}

// Training losses: every run with a per-step history (train --json).
type H = { step: number; loss: number; accuracy: number };
const curves: { run: string; step: number; loss: number; accuracy: number }[] = [];
for (const dir of dirs.filter((d) => d !== before)) {
  for (const f of readdirSync(dir).filter((f) => /^(lr-.*|train-fa-.*)\.json$/.test(f))) {
    const text = readFileSync(join(dir, f), 'utf8');
    if (!text.trim()) continue; // still running
    const j = JSON.parse(text) as { history?: H[]; lr: number; steps: { to: number }; crossbarAfter: { top1: number; images: number } };
    if (!j.history) continue;
    copyFileSync(join(dir, f), join(here, 'runs', f));
    const run = `${f.replace(/\.json$/, '')} (lr ${j.lr}, after: ${(100 * j.crossbarAfter.top1).toFixed(0)} % on ${j.crossbarAfter.images})`;
    for (const h of j.history) curves.push({ run, ...h });
  }
}
if (curves.length) {
  writeFileSync(join(here, 'losses.csv'), 'run,step,loss,batch_accuracy\n' + curves.map((c) => [JSON.stringify(c.run), c.step, c.loss, c.accuracy].join(',')).join('\n') + '\n');
  // Mean over 10-step windows (a batch of 8 is noisy).
  const smooth = curves.map((c) => {
    const w = curves.filter((d) => d.run === c.run && d.step > c.step - 10 && d.step <= c.step);
    return { ...c, loss10: w.reduce((a, d) => a + d.loss, 0) / w.length };
  });
  writeFileSync(join(here, 'loss.svg'), await renderVegaLite({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'fault-aware retraining, training loss (mean of the last 10 steps), batch 8, Adam',
    width: 520, height: 300,
    layer: [
      {
        data: { values: smooth },
        mark: { type: 'line', clip: true },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'step' },
          y: { field: 'loss10', type: 'quantitative', title: 'cross-entropy', scale: { type: 'log', domain: [0.5, 16] } },
          color: { field: 'run', type: 'nominal', legend: { orient: 'bottom', columns: 1, labelLimit: 600 } },
        },
      },
      // Chance: a uniform guess over the 10 classes.
      { data: { values: [{ y: Math.log(10) }] }, mark: { type: 'rule', strokeDash: [4, 4], color: 'gray' }, encoding: { y: { field: 'y', type: 'quantitative' } } },
      { data: { values: [{ y: Math.log(10), label: 'chance, ln 10' }] }, mark: { type: 'text', align: 'right', dy: -6, color: 'gray' }, encoding: { y: { field: 'y', type: 'quantitative' }, x: { value: 515 }, text: { field: 'label' } } },
    ],
  }));
}

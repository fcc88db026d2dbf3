// Joins run.sh's outputs into results.csv, layers.md and pruning.svg: per pruning ratio the
// crossbar's top-1 on 500 test images, and the subarrays (tiles), area and energy per image of
// `memxbar cost` on the pruned model, each also as a percentage of the unpruned model's.
// Per-layer runs (run.sh LABEL:SPEC items) are rows named by their label, with their --prune-ratio;
// tradeoff.svg sets every run's top-1 against its tiles.
// Run: npx tsx docs/results/train-prune/plot.ts OUTDIR...   (copies the small files to runs/)
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderVegaLite } from '../../../src/report/plot.ts';

const dirs = process.argv.slice(2);
const here = new URL('.', import.meta.url).pathname;
mkdirSync(join(here, 'runs'), { recursive: true });
type Row = { run: string; ratio: number | null; spec: string; top1: number; correct: number; images: number; tiles: number; areaMm2: number; energyUJ: number; trainSeconds: number | null };
const rows: Row[] = [];
const layerTiles: Record<string, Record<string, number>> = {};
let layerInfo: { layer: string; R: number; C: number; colTiles: number; tilesUnpruned: number; breakEven: number }[] = [];
const runs: string[] = [];
for (const dir of dirs) {
  const read = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8'));
  const found = readdirSync(dir).filter((f) => /^eval-.+\.json$/.test(f) && existsSync(join(dir, `cost-${f.slice(5, -5)}`, 'cost.json'))).map((f) => f.slice(5, -5));
  for (const p of found) {
    if (runs.includes(p)) continue;
    runs.push(p);
    const e = read(`eval-${p}.json`).crossbar;
    const c = read(`cost-${p}/cost.json`).result;
    const t = existsSync(join(dir, `train-${p}.json`)) ? read(`train-${p}.json`) : null;
    if (t) {
      layerInfo = t.pruning;
      copyFileSync(join(dir, `train-${p}.json`), join(here, 'runs', `train-${p}.json`));
    }
    copyFileSync(join(dir, `eval-${p}.json`), join(here, 'runs', `eval-${p}.json`));
    copyFileSync(join(dir, `cost-${p}`, 'cost.md'), join(here, 'runs', `cost-${p}.md`));
    for (const l of c.layers as { name: string; tiles: number }[]) (layerTiles[l.name] ??= {})[p] = l.tiles;
    const uniform = /^[0-9.]+$/.test(p);
    const spec = t?.admm ? [...(t.admm.ratio ? [String(t.admm.ratio)] : []), ...Object.entries((t.admm.layers ?? {}) as Record<string, number>).map(([k, v]) => `${k}=${v}`)].join(',') : uniform ? p : '';
    rows.push({ run: p, ratio: uniform ? +p : null, spec, top1: e.top1, correct: e.correct, images: e.images, tiles: c.network.tiles, areaMm2: c.network.areaMm2.total, energyUJ: c.network.energyPerImageJ.total * 1e6, trainSeconds: t ? t.seconds : null });
  }
}
// The control (run.sh "control"): the same training without pruning, on the unpruned hardware.
for (const dir of dirs) {
  const f = join(dir, 'control-eval.json');
  const base0 = rows.find((r) => r.ratio === 0);
  if (!existsSync(f) || !base0 || rows.some((r) => r.run === 'control')) continue;
  const e = JSON.parse(readFileSync(f, 'utf8')).crossbar;
  const t = JSON.parse(readFileSync(join(dir, 'train-control.json'), 'utf8'));
  copyFileSync(f, join(here, 'runs', 'control-eval.json'));
  copyFileSync(join(dir, 'train-control.json'), join(here, 'runs', 'train-control.json'));
  rows.push({ ...base0, run: 'control', ratio: null, spec: 'none (the same training, no pruning)', top1: e.top1, correct: e.correct, images: e.images, trainSeconds: t.seconds });
}
rows.sort((a, b) => (a.ratio ?? 2) - (b.ratio ?? 2) || b.tiles - a.tiles);
const ratios = rows.filter((r) => r.run !== 'control').map((r) => r.run);
const base = rows.find((r) => r.ratio === 0)!;
writeFileSync(
  join(here, 'results.csv'),
  'run,prune_ratio,images,correct,top1,tiles,area_mm2,energy_uj_per_image,tiles_pct,area_pct,energy_pct,train_seconds\n' +
    rows.map((r) => [r.run, JSON.stringify(r.spec), r.images, r.correct, r.top1.toFixed(4), r.tiles, r.areaMm2.toFixed(4), r.energyUJ.toFixed(4), ((100 * r.tiles) / base.tiles).toFixed(1), ((100 * r.areaMm2) / base.areaMm2).toFixed(1), ((100 * r.energyUJ) / base.energyUJ).toFixed(1), r.trainSeconds ?? ''].join(',')).join('\n') + '\n',
);
const md = ['| layer | R × C | column tiles | break-even ratio | ' + ratios.map((p) => `tiles at ${p}`).join(' | ') + ' |', '|---|---|---:|---:|' + ratios.map(() => '---:').join('|') + '|'];
for (const l of layerInfo) md.push(`| ${l.layer} | ${l.R} × ${l.C} | ${l.colTiles} | ${l.breakEven.toFixed(3)} | ${ratios.map((p) => layerTiles[l.layer]?.[p] ?? '–').join(' | ')} |`);
writeFileSync(join(here, 'layers.md'), md.join('\n') + '\n');
const values = rows.filter((r) => r.ratio !== null).flatMap((r) => [
  { ratio: r.ratio, what: 'top-1 accuracy (%)', value: 100 * r.top1 },
  { ratio: r.ratio, what: 'tiles (% of unpruned)', value: (100 * r.tiles) / base.tiles },
  { ratio: r.ratio, what: 'area (% of unpruned)', value: (100 * r.areaMm2) / base.areaMm2 },
  { ratio: r.ratio, what: 'energy per image (% of unpruned)', value: (100 * r.energyUJ) / base.energyUJ },
]);
writeFileSync(
  join(here, 'pruning.svg'),
  await renderVegaLite({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `VGG8-w0.5, ADMM row pruning (layers of ≥ 2 row tiles): ${base.images} test images`,
    width: 420,
    height: 260,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'ratio', type: 'quantitative', title: 'pruning ratio (rows of each column tile)' },
      y: { field: 'value', type: 'quantitative', title: '%', scale: { domain: [0, 100] } },
      color: { field: 'what', type: 'nominal', title: null },
    },
  }),
);
writeFileSync(
  join(here, 'tradeoff.svg'),
  await renderVegaLite({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `ADMM row pruning: top-1 against tiles (${base.images} test images)`,
    width: 420,
    height: 260,
    data: { values: rows.map((r) => ({ run: r.ratio === null ? `per layer: ${r.run}` : `every layer at ${r.ratio}`, kind: r.ratio === null ? 'per-layer ratios' : 'one ratio', tilesPct: (100 * r.tiles) / base.tiles, top1: 100 * r.top1 })) },
    layer: [
      { mark: { type: 'line', point: true }, transform: [{ filter: "datum.kind === 'one ratio'" }], encoding: { x: { field: 'tilesPct', type: 'quantitative', title: 'tiles (% of unpruned)', scale: { domain: [0, 100] } }, y: { field: 'top1', type: 'quantitative', title: 'top-1 (%)', scale: { domain: [0, 100] } }, color: { value: '#4c78a8' } } },
      { mark: { type: 'point', filled: true, size: 80, shape: 'diamond' }, transform: [{ filter: "datum.kind === 'per-layer ratios'" }], encoding: { x: { field: 'tilesPct', type: 'quantitative' }, y: { field: 'top1', type: 'quantitative' }, color: { value: '#e45756' } } },
      { mark: { type: 'text', dx: 6, align: 'left', fontSize: 10 }, transform: [{ filter: "datum.run !== 'per layer: control'" }], encoding: { x: { field: 'tilesPct', type: 'quantitative' }, y: { field: 'top1', type: 'quantitative' }, text: { field: 'run' } } },
      // The control sits at 100 % tiles beside the break-even run: its label goes below.
      { mark: { type: 'text', dy: 14, dx: 6, align: 'left', fontSize: 10 }, transform: [{ filter: "datum.run === 'per layer: control'" }], encoding: { x: { field: 'tilesPct', type: 'quantitative' }, y: { field: 'top1', type: 'quantitative' }, text: { value: 'control (no pruning)' } } },
    ],
  }),
);
console.log(readFileSync(join(here, 'results.csv'), 'utf8') + '\n' + md.join('\n'));

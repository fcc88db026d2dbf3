// Joins the accuracy.csv files of several `src/bench/irdrop-study.ts accuracy` runs (each run one
// array variant: scheme and IR-drop compensation) into one accuracy-all.csv and one chart.
// Run: npx tsx docs/results/irdrop-array-size/combine.ts OUT_DIR 'offset|none=DIR1/accuracy.csv' 'offset|bias=DIR2/accuracy.csv' ...
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderVegaLite } from '../../../src/report/plot.ts';

const [out, ...inputs] = process.argv.slice(2);
if (!out || inputs.length === 0) {
  process.stderr.write('usage: combine.ts OUT_DIR scheme|compensation=path/accuracy.csv ...\n');
  process.exit(2);
}
type Row = { rows: number; wire: number; faultPct: number; scheme: string; mitigation: string; compensation: string; images: number; top1: number };
const rows: Row[] = [];
for (const spec of inputs) {
  const eq = spec.indexOf('=');
  const [scheme, compensation] = spec.slice(0, eq).split('|');
  const file = spec.slice(eq + 1);
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  for (const line of lines.slice(1)) {
    const [r, w, f, mit, n, top1] = line.split(',');
    rows.push({ rows: Number(r), wire: Number(w), faultPct: Number(f), scheme: scheme!, mitigation: mit!, compensation: Number(w) === 0 ? 'none' : compensation!, images: Number(n), top1: Number(top1) });
  }
}
rows.sort((a, b) => a.rows - b.rows || a.scheme.localeCompare(b.scheme) || a.compensation.localeCompare(b.compensation) || a.faultPct - b.faultPct || a.mitigation.localeCompare(b.mitigation) || a.wire - b.wire);
writeFileSync(
  join(out, 'accuracy-all.csv'),
  ['tile_rows,wire_ohm,fault_rate_pct,scheme,mitigation,ir_compensation,images,correct,top1_pct', ...rows.map((r) => [r.rows, r.wire, r.faultPct, r.scheme, r.mitigation, r.compensation, r.images, Math.round((r.top1 * r.images) / 100), r.top1.toFixed(2)].join(','))].join('\n') + '\n',
);
const wires = [...new Set(rows.map((r) => r.wire))].sort((a, b) => a - b);
const panels = [...new Set(rows.map((r) => r.rows))].sort((a, b) => a - b).map((n) => `${n} rows`);
const series = (r: Row) => `${r.scheme}, ${r.faultPct === 0 ? 'no faults' : `${r.faultPct} % stuck, ${r.mitigation}`}${r.compensation === 'none' ? '' : `, IR compensation ${r.compensation}`}`;
// IR drop off (wire 0) is drawn at every series of its scheme and faults as the leftmost point.
const values = rows.flatMap((r) => (r.wire === 0 && r.scheme === 'offset' && r.faultPct === 0 ? [r, { ...r, compensation: 'bias' }] : [r])).map((r) => ({ ...r, series: series(r), panel: `${r.rows} rows` }));
const svg = await renderVegaLite({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: 'VGG8-w0.5 top-1 under IR drop (first-order; wire resistance per cell segment on rows and columns)',
  data: { values },
  facet: { column: { field: 'panel', type: 'nominal', title: null, sort: panels } },
  spec: {
    width: 240,
    height: 220,
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'wire', type: 'quantitative', title: 'wire resistance per segment (Ω); 0 = IR drop off', scale: { type: 'symlog', constant: 0.01 }, axis: { values: wires, format: '~g' } },
      y: { field: 'top1', type: 'quantitative', title: 'top-1 accuracy (%)', scale: { domain: [0, 100] } },
      color: { field: 'series', type: 'nominal', title: null, legend: { labelLimit: 400, orient: 'bottom', columns: 2 } },
      tooltip: [{ field: 'images' }],
    },
  },
});
writeFileSync(join(out, 'accuracy.svg'), svg);
process.stderr.write(`wrote ${join(out, 'accuracy-all.csv')} (${rows.length} points) and accuracy.svg\n`);

// Joins the accuracy.csv files of several `src/bench/irdrop-study.ts accuracy` runs (each run one
// array variant: scheme and IR-drop compensation) into one accuracy-all.csv and one chart.
// Run: npx tsx docs/results/irdrop-array-size/combine.ts OUT_DIR 'offset|none=DIR1/accuracy.csv' 'offset|bias=DIR2/accuracy.csv' ...
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderVegaLite } from '../../../src/report/plot.ts';
import { wilson } from '../../../src/util/wilson.ts';

const [out, ...inputs] = process.argv.slice(2);
if (!out || inputs.length === 0) {
  process.stderr.write('usage: combine.ts OUT_DIR scheme|compensation=path/accuracy.csv ...\n');
  process.exit(2);
}
const correctOf = (r: { top1: number; images: number }) => Math.round((r.top1 * r.images) / 100);
type Row = { rows: number; wire: number; faultPct: number; scheme: string; mitigation: string; compensation: string; images: number; top1: number };
const rows: Row[] = [];
for (const spec of inputs) {
  const eq = spec.indexOf('=');
  const [scheme, compensation] = spec.slice(0, eq).split('|');
  const file = spec.slice(eq + 1);
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  if (lines[0]!.startsWith('tile_rows,wire_ohm,fault_rate_pct,scheme,')) {
    // an accuracy-all.csv of an earlier combine (its scheme and compensation per row)
    for (const line of lines.slice(1)) {
      const [r, w, f, sch, mit, comp, n, correct] = line.split(',');
      rows.push({ rows: Number(r), wire: Number(w), faultPct: Number(f), scheme: sch!, mitigation: mit!, compensation: comp!, images: Number(n), top1: (100 * Number(correct)) / Number(n) });
    }
    continue;
  }
  for (const line of lines.slice(1)) {
    const [r, w, f, mit, n, top1] = line.split(',');
    rows.push({ rows: Number(r), wire: Number(w), faultPct: Number(f), scheme: scheme!, mitigation: mit!, compensation: Number(w) === 0 ? 'none' : compensation!, images: Number(n), top1: Number(top1) });
  }
}
// One row per point: where runs measured the same point (on the same first images), the one with more images.
const keyOf = (r: Row) => [r.rows, r.wire, r.faultPct, r.scheme, r.mitigation, r.compensation].join('|');
const best = new Map<string, Row>();
for (const r of rows) if ((best.get(keyOf(r))?.images ?? -1) < r.images) best.set(keyOf(r), r);
rows.splice(0, rows.length, ...best.values());
/** Each point's 95 % Wilson interval, in percent. */
const interval = new Map(rows.map((r) => { const { lo, hi } = wilson(correctOf(r), r.images); return [r, { lo: 100 * lo, hi: 100 * hi }]; }));
rows.sort((a, b) => a.rows - b.rows || a.scheme.localeCompare(b.scheme) || a.compensation.localeCompare(b.compensation) || a.faultPct - b.faultPct || a.mitigation.localeCompare(b.mitigation) || a.wire - b.wire);
writeFileSync(
  join(out, 'accuracy-all.csv'),
  ['tile_rows,wire_ohm,fault_rate_pct,scheme,mitigation,ir_compensation,images,correct,top1_pct,wilson95_lo_pct,wilson95_hi_pct', ...rows.map((r) => [r.rows, r.wire, r.faultPct, r.scheme, r.mitigation, r.compensation, r.images, correctOf(r), r.top1.toFixed(2), interval.get(r)!.lo.toFixed(1), interval.get(r)!.hi.toFixed(1)].join(','))].join('\n') + '\n',
);
// The table of docs/results/README.md, on stdout.
console.log('| subarray rows | scheme | IR compensation | stuck cells, mitigation | wire per segment (Ω) | top-1 | correct / images | 95 % interval |');
console.log('|---:|---|---|---|---:|---:|---:|---:|');
for (const r of rows) {
  const { lo, hi } = interval.get(r)!;
  console.log(`| ${r.rows} | ${r.scheme} | ${r.compensation} | ${r.faultPct === 0 && r.mitigation === 'none' ? 'none' : `${r.faultPct} %, ${r.mitigation}`} | ${r.wire === 0 ? '0 (IR drop off)' : r.wire} | ${r.top1.toFixed(1)} % | ${correctOf(r)}/${r.images} | ${lo.toFixed(0)}–${hi.toFixed(0)} % |`);
}
const wires = [...new Set(rows.map((r) => r.wire))].sort((a, b) => a - b);
const panels = [...new Set(rows.map((r) => r.rows))].sort((a, b) => a - b).map((n) => `${n} rows`);
const series = (r: Row) => `${r.scheme}, ${r.faultPct === 0 ? (r.mitigation === 'none' ? 'no faults' : `no faults, ${r.mitigation}`) : `${r.faultPct} % stuck, ${r.mitigation}`}${r.compensation === 'none' ? '' : `, IR compensation ${r.compensation}`}`;
// IR drop off (wire 0) is drawn at every series of its scheme and faults as the leftmost point.
const values = rows.map((r) => ({ ...r, ...interval.get(r)! })).flatMap((r) => (r.wire === 0 && r.scheme === 'offset' && r.faultPct === 0 && r.mitigation === 'none' ? [r, { ...r, compensation: 'bias' }] : [r])).map((r) => ({ ...r, series: series(r), panel: `${r.rows} rows` }));
const svg = await renderVegaLite({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: 'VGG8-w0.5 top-1 under IR drop (first-order; wire resistance per cell segment on rows and columns)',
  data: { values },
  facet: { column: { field: 'panel', type: 'nominal', title: null, sort: panels } },
  spec: {
    width: 240,
    height: 220,
    encoding: {
      x: { field: 'wire', type: 'quantitative', title: 'wire resistance per segment (Ω); 0 = IR drop off', scale: { type: 'symlog', constant: 0.01 }, axis: { values: wires, format: '~g' } },
      color: { field: 'series', type: 'nominal', title: 'bars: 95 % Wilson interval', legend: { labelLimit: 400, titleLimit: 400, orient: 'bottom', columns: 2 } },
    },
    layer: [
      { mark: { type: 'line', point: true }, encoding: { y: { field: 'top1', type: 'quantitative', title: 'top-1 accuracy (%)', scale: { domain: [0, 100] } }, tooltip: [{ field: 'images' }] } },
      { mark: { type: 'rule', opacity: 0.7, strokeWidth: 1.5 }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
    ],
  },
});
writeFileSync(join(out, 'accuracy.svg'), svg);
process.stderr.write(`wrote ${join(out, 'accuracy-all.csv')} (${rows.length} points) and accuracy.svg\n`);

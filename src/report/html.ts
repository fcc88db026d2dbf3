/**
 * The `memxbar run` report as one self-contained HTML page: inline CSS, inline SVG charts,
 * no scripts and no external assets; links only to the files of the report folder
 * (vectors, logs, sub-reports), relative to the page.
 */
import { num } from './cost.ts';
import type { FlowCharts } from './charts.ts';
import type { FlowReport } from './flow-report.ts';
import { stepSpan } from './markdown.ts';
import type { SaRatio } from '../config/schema.ts';
import { energyHeader, hasPlainBaseline } from './sweep.ts';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const json = (v: unknown) => esc(JSON.stringify(v));

function table(head: string[], rows: string[][], numeric: boolean[] = []): string {
  const th = head.map((h, i) => `<th${numeric[i] ? ' class="n"' : ''}>${h}</th>`).join('');
  const trs = rows.map((r) => `<tr>${r.map((c, i) => `<td${numeric[i] ? ' class="n"' : ''}>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table>`;
}

function figure(svg: string | null, caption: string): string {
  if (!svg) return '';
  // The SVG of Vega carries its own width/height; the wrapper lets it scroll on narrow screens.
  return `<figure class="chart">${svg.replace(/^<\?xml[^>]*>\s*/, '')}<figcaption>${caption}</figcaption></figure>`;
}

const CSS = `
:root { --fg:#1d2330; --muted:#5b6475; --line:#dde2ea; --bg:#fff; --accent:#2457c5; --ok:#17803d; --bad:#b42318; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); margin: 0; }
main { max-width: 1180px; margin: 0 auto; padding: 28px 24px 60px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 36px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.meta { color: var(--muted); font-size: 13px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin: 20px 0 8px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.card .v { font-size: 22px; font-weight: 600; } .card .k { color: var(--muted); font-size: 12.5px; }
table { border-collapse: collapse; margin: 8px 0 12px; font-size: 13.5px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f5f7fa; font-weight: 600; } td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, monospace; background: #f2f4f7; padding: 1px 4px; border-radius: 3px; }
.ok { color: var(--ok); font-weight: 600; } .bad { color: var(--bad); font-weight: 600; }
figure.chart { margin: 10px 0 18px; overflow-x: auto; } figure.chart svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
p.note { color: var(--muted); font-size: 13.5px; max-width: 900px; }
a { color: var(--accent); }
details pre { font-size: 12px; background: #f7f8fa; padding: 8px; overflow-x: auto; }
`;

export function flowHtml(r: FlowReport, charts: FlowCharts): string {
  const c = r.config;
  const S = r.sweep.summary;
  const worst = Math.max(...r.sweep.result.spec.rates);
  const at = (m: string, ratio: SaRatio, rate: number) => S.find((s) => s.mitigation === m && s.ratio === ratio && s.rate === rate);
  const firstRatio = r.sweep.result.spec.ratios[0]!;
  const cosimOk = r.cosim.filter((v) => v.ok).length;
  const mtMapWorst = at('mt-map', firstRatio, worst);
  const noneWorst = at('none', firstRatio, worst);
  const cards: [string, string][] = [
    [pct(r.accuracy.crossbar), `crossbar top-1 (${r.accuracy.crossbarFaults.rate > 0 ? `${r.accuracy.crossbarFaults.rate * 100} % faults` : 'fault-free'}); float ${pct(r.accuracy.float)}`],
  ];
  if (noneWorst) cards.push([pct(noneWorst.meanTop1), `no mitigation, ${worst * 100} % stuck (${firstRatio})`]);
  if (mtMapWorst) cards.push([pct(mtMapWorst.meanTop1), `MT with fault map, ${worst * 100} % stuck (${firstRatio})`]);
  if (r.synth) cards.push([`${num(r.synth.tile.areaUm2 / 1e3, 3)}k µm²`, `tile periphery (MT +${num(r.synth.mtOverhead.overheadPct, 3)} %)`]);
  const n = r.cost.result.network;
  cards.push([`${num(n.energyPerImageJ.total * 1e6, 3)} µJ`, `energy per image, ${num(n.topsPerW, 3)} TOPS/W`]);
  cards.push([`${num(n.framesPerS, 3)}`, `frames/s (${num(n.latencyPerImageS.total * 1e3, 3)} ms per image)`]);
  if (r.cosim.length) cards.push([`${cosimOk} / ${r.cosim.length}`, 'co-simulated tiles bit-exact']);

  const diff = Object.entries(r.configDiff);
  const configHtml = diff.length
    ? table(['field', `preset <code>${esc(c.preset)}</code>`, 'this run'], diff.map(([k, v]) => [`<code>${esc(k)}</code>`, `<code>${json(v.preset)}</code>`, `<code>${json(v.value)}</code>`]))
    : `<p>The config is preset <code>${esc(c.preset)}</code> unchanged.</p>`;

  const accRows = S.map((s) => [esc(s.mitigation), esc(`${s.ratio}`), `${+(s.rate * 100).toPrecision(3)}`, (100 * s.meanTop1).toFixed(1), `${(100 * s.minTop1).toFixed(1)}–${(100 * s.maxTop1).toFixed(1)}`, String(s.seeds), s.relativeReadEnergy === null ? '–' : s.relativeReadEnergy.toFixed(3)]);
  const priceRows = S.filter((s) => s.rate === worst).map((s) => [esc(s.mitigation), esc(`${s.ratio}`), s.price.storageBitsPerSubarray.toFixed(0), s.price.extraCellsPerSubarray.toFixed(0), s.price.extraOpsPerRead.toFixed(1), s.price.cellsPerWeight.toFixed(3), s.relativeReadEnergy === null ? '–' : s.relativeReadEnergy.toFixed(3)]);

  const areaHtml = r.synth
    ? table(
        ['module', 'with MT (µm²)', 'without MT (µm²)', 'Δ (µm²)'],
        [
          ...r.synth.mtOverhead.byModule.map((m) => [`<code>${esc(m.module)}</code>`, num(m.withMtUm2), num(m.withoutMtUm2), num(m.deltaUm2)]),
          ['<b>tile</b>', `<b>${num(r.synth.mtOverhead.withMtUm2)}</b>`, `<b>${num(r.synth.mtOverhead.withoutMtUm2)}</b>`, `<b>${num(r.synth.mtOverhead.overheadUm2)}</b>`],
        ],
        [false, true, true, true],
      ) +
      `<p class="note">Yosys ${esc(r.synth.yosys)} against ${esc(r.synth.liberty.name)} (45 nm). ${r.synth.modules.filter((m) => m.estimate).map((m) => `<code>${esc(m.module)}</code>: ${esc(m.estimate!)}.`).join(' ')} The fault bitmap is the per-cell SA0/SA1 store; a design that keeps the map off-chip pays only the row remap and term tables (+${num(r.synth.mtOverhead.overheadExcludingBitmapUm2)} µm²). ${r.synth.bistTest ? ` On-chip march test (MATS+): ${num(r.synth.bistTest.seconds * 1e6)} µs + ${num(r.synth.bistTest.deviceWriteSeconds * 1e3)} ms of programming pulses, ≤ ${num(r.synth.bistTest.energyJ * 1e9)} nJ.` : ''} <a href="synth/synth-report.md">Synthesis report</a>.</p>`
    : `<p>Not synthesized: ${esc(r.synthSkipped ?? '')}. The cost model estimated the periphery.</p>`;

  const bd = (b: { array: number; adc: number; accumulation: number; other: number; total: number }, s: number) => [num(b.array * s), num(b.adc * s), num(b.accumulation * s), num(b.other * s), `<b>${num(b.total * s)}</b>`];
  const costHtml =
    table(['', 'array', 'ADC', 'accumulation', 'other', 'total'], [['area (mm²)', ...bd(n.areaMm2, 1)], ['energy per image (µJ)', ...bd(n.energyPerImageJ, 1e6)], ['latency per image (ms)', ...bd(n.latencyPerImageS, 1e3)]], [false, true, true, true, true, true]) +
    `<p class="note">${n.tiles} tiles of ${c.tile.rows}×${c.tile.cols}, ${r.cost.result.tech.nodeNm} nm, ${num(n.topsPerW, 3)} TOPS/W, ${num(n.topsPerMm2, 3)} TOPS/mm². Activity from ${r.cost.images} image(s) on the engine. Formulas and constants: docs/cost.md; <a href="cost/cost.md">cost report</a>.</p>` +
    regulationHtml(r.mtRegulation);

  const cosimHtml = r.cosim.length
    ? table(
        ['layer', 'tile', 'verdict', 'simulator', 'vectors', 'words', 'time (s)', 'files'],
        r.cosim.map((v) => [
          esc(v.label),
          `(${v.tile.join(', ')})`,
          v.error ? `<span class="bad">not run</span>: ${esc(v.error)}` : v.ok ? '<span class="ok">MATCH</span>' : '<span class="bad">MISMATCH</span>',
          esc(v.simulator),
          String(v.vectors),
          String(v.words),
          `${v.simulateSeconds.toFixed(1)} (+${v.buildSeconds.toFixed(1)} build)`,
          v.files.map((f) => `<a href="${esc(f)}">${esc(f.split('/').pop()!)}</a>`).join(' '),
        ]),
        [false, false, false, false, true, true, true, false],
      ) +
      `<p class="note">Each tile: the generated RTL with the behavioural array, on ${r.options.cosimPatches} sampled patches of one real image (seed 1), ${r.options.cosimFaultRate * 100} % stuck cells and ${esc(r.options.cosimMitigation)}, every output word compared with the reference model. Vectors are simulator-neutral (hex + <code>vectors.json</code>: docs/cosim.md).</p>` +
      r.cosim.filter((v) => !v.ok).map((v) => `<details open><summary>${esc(v.label)}</summary><pre>${esc(v.text)}</pre></details>`).join('')
    : `<p>Not run: ${esc(r.cosimSkipped ?? '')}.</p>`;
  const loopHtml = r.bistMt
    ? `<p>BIST → fault map → MT-map → write path → inference (${esc(r.bistMt.layer)}, ${esc(r.bistMt.simulator)}): ${r.bistMt.ok ? '<span class="ok">MATCH</span>' : '<span class="bad">MISMATCH</span>'}</p><pre>${esc(r.bistMt.text)}</pre>`
    : r.bistMtSkipped !== undefined ? `<p>BIST → MT-map loop not run: ${esc(r.bistMtSkipped ?? '')}.</p>` : '';

  const steps = table(['step', 'from – to (s)', 'seconds', 'CPU seconds'], r.steps.map((s) => [esc(s.step), stepSpan(s), s.seconds.toFixed(1), s.cpuSeconds === undefined ? '–' : s.cpuSeconds.toFixed(1)]), [false, true, true, true]);

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>memxbar run: ${esc(c.network.model)}, ${esc(c.preset)}</title>
<style>${CSS}</style></head>
<body><main>
<h1>memxbar: ${esc(c.network.model)} on ${c.tile.rows}×${c.tile.cols} crossbars</h1>
<div class="meta">preset <code>${esc(c.preset)}</code> · ${c.quant.weightBits}-bit weights, ${c.tile.cellBits} bit/cell, ${esc(c.tile.signedScheme)}, ${c.tile.adcBits}-bit ${esc(c.tile.adcMode)} ADC, ${c.tile.parallelRead}-row reads · memxbar ${esc(r.version)} · ${esc(r.createdAt)} · ${esc(r.machine)} · whole flow ${r.totalSeconds.toFixed(0)} s · fault seeds ${r.sweep.result.spec.seeds.join(', ')}</div>
<div class="cards">${cards.map(([v, k]) => `<div class="card"><div class="v">${esc(v)}</div><div class="k">${esc(k)}</div></div>`).join('')}</div>

<h2 id="config">Config</h2>
${configHtml}
<p class="note">Full config: <a href="report.json">report.json</a> (<code>config</code>).</p>

<h2 id="accuracy">Accuracy under stuck-at faults</h2>
<p>${r.accuracy.images} test images: float32 ${pct(r.accuracy.float)}, integer path ${pct(r.accuracy.integer)}, crossbar ${pct(r.accuracy.crossbar)}.</p>
${figure(charts.accuracy, `Top-1 against the fraction of stuck cells, SA1:SA0 = ${r.sweep.result.spec.ratios.join(' and ')}, one line per mitigation (band: min–max over fault seeds). none: plain mapping; mt-stats: MT from the expected fault ratio; mt-map: MT with the chip's fault map.`)}
${table(['mitigation', 'SA1:SA0', 'rate (%)', 'top-1 (%)', 'spread', 'seeds', energyHeader(S)], accRows, [false, false, true, true, false, true, true])}

<h2 id="price">Price of each mitigation (at ${worst * 100} % stuck cells)</h2>
${table(['mitigation', 'SA1:SA0', 'table bits / subarray', 'extra cells', 'extra adds / read', 'cells / weight', energyHeader(S)], priceRows, [false, false, true, true, true, true, true])}
<p class="note">Definitions: docs/mt.md. Read energy is the array's read-current sum over all reads, relative to ${hasPlainBaseline(S) ? 'the plain mapping without faults' : 'the same mitigation without faults (the sweep ran no plain mapping)'}.</p>

<h2 id="area">Tile area by module, with and without MT</h2>
${figure(charts.area, 'Digital periphery of one tile, synthesized with and without the MT hardware (row remap, term tables, fault bitmap).')}
${areaHtml}

<h2 id="energy">Energy and latency</h2>
${costHtml}
${figure(charts.energy, 'Energy per image by layer and category.')}
${figure(charts.latency, 'Latency per image by layer and category.')}
${sensitivityHtml(r.cost.sensitivity)}
${charts.tornado ? figure(charts.tornado, 'What moves energy, latency and area per image: each assumption at a lower and a higher value, relative to the configured accelerator.') : ''}

<h2 id="cosim">Co-simulation: RTL against the reference model</h2>
${cosimHtml}
${loopHtml}

<h2 id="time">Time</h2>
${steps}
<p class="note">Files: ${r.files.map((f) => `<a href="${esc(f)}">${esc(f)}</a>`).join(' · ')}</p>
</main></body></html>
`;
}

/** What moves the numbers (docs/cost.md §13): the sensitivity table of the cost step, variant / configured. */
function sensitivityHtml(rows: FlowReport['cost']['sensitivity']): string {
  if (!rows.length) return '';
  const pair = (x: [number, number] | null) => (x ? `${num(x[0], 3)} / ${num(x[1], 3)}` : '–');
  return (
    `<h3>What moves the numbers</h3>` +
    table(
      ['assumption', 'configured', 'low', 'high', 'energy low / high', 'latency low / high', 'area low / high', 'note'],
      rows.map((x) => [esc(x.assumption), esc(x.base), esc(x.low), esc(x.high), pair(x.energy), pair(x.latency), pair(x.area), esc(x.note)]),
      [false, false, false, false, true, true, true, false],
    ) +
    `<p class="note">One assumption at a time; figures are variant / configured per image. SAF and MT rows come from the fault sweep's points (in situ).</p>`
  );
}

/** MT's regulation of energy and latency: per fault rate and ratio, each mitigation's energy, its ratio to fault-free, and latency. */
function regulationHtml(rows: FlowReport['mtRegulation']): string {
  if (!rows.length) return '';
  const mits = [...new Set(rows.map((p) => p.mitigation))];
  const keys = [...new Set(rows.map((p) => `${p.rate}|${p.ratio}`))];
  const body = keys.map((key) => {
    const [rate, ratio] = key.split('|');
    const cells = mits.flatMap((m) => {
      const p = rows.find((q) => q.mitigation === m && `${q.rate}|${q.ratio}` === key);
      return p ? [num(p.energyPerImageJ * 1e6), p.relativeEnergy === null ? '–' : num(p.relativeEnergy, 4), num(p.latencyPerImageS * 1e3)] : ['–', '–', '–'];
    });
    return [num(Number(rate) * 100, 3), esc(ratio!), ...cells];
  });
  return (
    `<h3>MT's regulation of energy and latency</h3>` +
    table(['rate (%)', 'SA1:SA0', ...mits.flatMap((m) => [`${esc(m)}: energy (µJ)`, `${esc(m)}: vs fault-free`, `${esc(m)}: latency (ms)`])], body, [true, false, ...mits.flatMap(() => [true, true, true])]) +
    `<p class="note">Each sweep point priced by the cost model on the cost run's activity counts with its mitigation, mapping and measured Σ read currents (in situ, seeds averaged; no extra engine run).</p>`
  );
}

/**
 * The cost report as Markdown and SVG charts (the JSON is the CostReport itself).
 * Templates print; the numbers come computed from src/cost/ (estimate.ts, model.ts).
 */
import { CIRCUIT_OPTIONS, type CircuitOption } from '../cost/circuits.ts';
import type { CostReport, RegulationPoint } from '../cost/estimate.ts';
import type { Breakdown } from '../cost/model.ts';
import { neurosimMarkdown } from '../cost/neurosim.ts';
import type { SensitivityRow } from '../cost/sensitivity.ts';
import { renderVegaLite, stackedBarChart, type BarRow } from './plot.ts';

/** A number with `sig` significant digits, thousands separated, no exponent for ordinary magnitudes. */
export function num(x: number, sig = 4): string {
  if (!Number.isFinite(x)) return '–';
  if (x === 0) return '0';
  if (Math.abs(x) >= 1e7) return x.toExponential(sig - 1);
  const digits = Math.max(0, sig - 1 - Math.floor(Math.log10(Math.abs(x))));
  if (digits > 8) return x.toExponential(sig - 1);
  return Number(x.toFixed(digits)).toLocaleString('en-US', { maximumFractionDigits: digits });
}

const pct = (x: number) => `${num(100 * x, 3)} %`;
const CATS = ['array', 'adc', 'accumulation', 'other'] as const;
const CAT_LABEL: Record<(typeof CATS)[number], string> = { array: 'array', adc: 'ADC', accumulation: 'accumulation', other: 'other' };

function breakdownRow(label: string, b: Breakdown, s: number): string {
  return `| ${label} | ${CATS.map((c) => `${num(b[c] * s)} (${pct(b[c] / b.total)})`).join(' | ')} | **${num(b.total * s)}** |`;
}

export function costMarkdown(r: CostReport): string {
  const c = r.config;
  const res = r.result;
  const n = res.network;
  const L: string[] = [];
  L.push('# memxbar cost report', '');
  L.push(
    `${c.network.model}${c.network.model === 'random-vgg8' ? ` (width ${c.network.randomWidth})` : ''}, preset ${c.preset}, config \`${r.configHash}\`: ` +
      `${c.quant.weightBits}-bit weights, ${c.quant.activationBits}-bit activations; ${c.tile.rows}×${c.tile.cols} tiles, ${c.tile.cellBits} bit/cell, ${c.tile.signedScheme}; ` +
      `${c.tile.adcBits}-bit ${c.tile.adcKind === 'sar' ? 'SAR' : 'flash'} ADC (${c.tile.adcMode}), ${c.tile.colsPerAdc} columns per ADC; ${num(c.device.rOnOhm / 1e3, 4)} kΩ on, on/off ${c.device.onOffRatio}, ` +
      `${c.device.readVoltageV} V × ${num(c.device.readPulseS * 1e9, 3)} ns reads; ${res.tech.nodeNm} nm (Vdd ${res.tech.vddV} V), ${num(res.tech.clockHz / 1e9, 3)} GHz; ` +
      `mitigation ${c.mitigation.method}${c.faults.rate > 0 || c.faults.mapFile ? `, faults ${c.faults.mapFile ?? `${c.faults.rate} ${c.faults.sa1Sa0Ratio}`}` : ''}.`,
  );
  L.push('');
  L.push(
    `Activity measured on ${r.images} test image(s) with the ${c.engine} engine (top-1 on them: ${pct(r.top1)}); fault seed ${r.faultSeed}. ` +
      `Digital periphery: ${r.digital.source === 'synthesis' ? `synthesis report \`${r.digital.file}\` (${r.digital.note})` : r.digital.note}. Formulas and constants: docs/cost.md.`,
  );

  const cc = res.circuits;
  L.push('', `## Circuits (profile \`${cc.profile}\`)`, '');
  L.push('| option | in force | memxbar | NeuroSim | NeuroSim source |', '|---|---|---|---|---|');
  for (const [name, o] of Object.entries(CIRCUIT_OPTIONS)) L.push(`| \`cost.${name}\` | ${String(cc[name as CircuitOption])} | ${o.memxbar} | ${o.neurosim} | ${o.source} |`);
  if (cc.clock === 'sensing' || cc.senseAmp === 'current') L.push('', `Sensing delay: ${num(res.sensingDelayS * 1e9, 3)} ns.`);
  const sc = res.sensingCycle;
  if (sc) {
    const p = sc.parts;
    L.push(
      '',
      `Synchronous clock (NeuroSim V1.3 SubArray.cpp CalculateLatency, docs/cost.md §10): ${num(sc.cycleS * 1e9, 4)} ns = max(1 ns, β ${sc.beta} × (sense amplifier ${num(sc.senseAmpS * 1e9, 3)} ns` +
        (p
          ? ` + max(switch matrix ${num(p.switchMatrixS * 1e12, 3)} ps, multiplexer ${num(p.muxS * 1e12, 3)} ps + decoder ${num(p.muxDecoderS * 1e12, 3)} ps) + column RC ${num(p.columnRcS * 1e12, 3)} ps + encoder ${num(p.encoderS * 1e12, 3)} ps))`
          : `; the switch-matrix, multiplexer, decoder, column-RC and encoder delays are not ported for ${res.tech.nodeNm} nm))`) +
        '.',
    );
  }
  if (cc.leakage) L.push('', res.leakageModelled ? `Leakage: ${num(res.tileLeakageW * 1e6, 3)} µW per tile.` : `Leakage: NeuroSim's off current for ${res.tech.nodeNm} nm was not read; counted as 0.`);
  if (res.floorplan) L.push('', `NeuroSim floorplan: ${res.floorplan.subarrays} subarrays; speed-up per layer ${res.layers.map((l) => `${l.name} ${l.speedUp}`).join(', ')}.`);

  L.push('', '## Network, per image', '');
  L.push('| tiles | area (mm²) | energy (µJ) | latency (ms) | TOPS/W | TOPS | TOPS/mm² | frames/s | power (mW) |');
  L.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  L.push(`| ${num(n.tiles, 6)} | ${num(n.areaMm2.total)} | ${num(n.energyPerImageJ.total * 1e6)} | ${num(n.latencyPerImageS.total * 1e3)} | ${num(n.topsPerW)} | ${num(n.tops)} | ${num(n.topsPerMm2)} | ${num(n.framesPerS)} | ${num(n.powerW * 1e3)} |`);

  L.push('', '## Breakdown (NeuroSim\'s grouping)', '');
  L.push(`| | ${CATS.map((x) => CAT_LABEL[x]).join(' | ')} | total |`, '|---|---:|---:|---:|---:|---:|');
  L.push(breakdownRow('area (mm²)', n.areaMm2, 1));
  L.push(breakdownRow('energy per image (µJ)', n.energyPerImageJ, 1e6));
  L.push(breakdownRow('latency per image (ms)', n.latencyPerImageS, 1e3));

  L.push('', '### Items', '');
  L.push('| item | area (mm²) | energy per image (µJ) | latency per image (ms) |', '|---|---:|---:|---:|');
  const names = [...new Set([...Object.keys(n.areaMm2.items), ...Object.keys(n.energyPerImageJ.items), ...Object.keys(n.latencyPerImageS.items)])].sort();
  for (const name of names) {
    const a = n.areaMm2.items[name];
    const e = n.energyPerImageJ.items[name];
    const t = n.latencyPerImageS.items[name];
    L.push(`| \`${name}\` | ${a === undefined ? '' : num(a)} | ${e === undefined ? '' : num(e * 1e6)} | ${t === undefined ? '' : num(t * 1e3)} |`);
  }

  L.push('', '## Per layer, per image', '');
  L.push('| layer | R × C | patches | tiles | area (mm²) | energy (µJ) | array / ADC / acc. / other | latency (ms) | TOPS/W | TOPS | TOPS/mm² |', '|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|');
  for (const l of res.layers) {
    const e = l.energyPerImageJ;
    L.push(
      `| ${l.name} | ${l.R} × ${l.C} | ${l.P} | ${l.tiles} (${l.rowTiles} × ${l.colTiles}) | ${num(l.areaMm2.total)} | ${num(e.total * 1e6)} | ${CATS.map((x) => pct(e[x] / e.total)).join(' / ')} | ${num(l.latencyPerImageS.total * 1e3)} | ${num(l.topsPerW)} | ${num(l.tops)} | ${num(l.topsPerMm2)} |`,
    );
  }
  L.push('', 'A layer\'s area is its own tiles; the global buffer and the requantization lanes are chip-level (in the network area).');

  const t = res.tile;
  L.push('', '## One tile', '');
  L.push(
    `${t.adcs} ADCs, each converting ${t.slotsPerRead} columns per read; a read slot takes ${num(t.slotS * 1e9)} ns, the term combination ${num(t.combineS * 1e9)} ns, ` +
      `one input vector ${num(t.vectorS * 1e6)} µs. Digital areas are the 45 nm figures × ${num(t.digitalAreaScale)} (node scaling).`,
  );
  L.push('', '| item | area (µm²) |', '|---|---:|');
  for (const [name, a] of Object.entries(t.areaUm2.items)) L.push(`| \`${name}\` | ${num(a)} |`);
  L.push(`| **tile** | **${num(t.areaUm2.total)}** |`);

  if (r.faults.length) {
    L.push('', '## Stuck-at faults and MT', '');
    L.push(
      `Each point programs the accelerator with a fault map drawn at the rate and SA1:SA0 ratio (seed ${r.faultSeed}) and runs the same ${r.images} image(s) twice: ` +
        'on the same layer inputs as the fault-free plain accelerator (energy, TOPS/W: what its own conductances cost) and in situ (top-1, and the energy when its errors also change later layers\' inputs). ' +
        'Ratios are to the fault-free plain mapping. The RTL is synchronous, so latency does not depend on the currents.',
    );
    L.push('', '| mitigation | SA1:SA0 | rate (%) | stuck cells (SA1) | energy (µJ) | vs fault-free | array read vs fault-free | in situ vs fault-free | latency (ms) | area (mm²) | TOPS/W | top-1 |');
    L.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const p of r.faults) {
      L.push(
        `| ${p.mitigation} | ${p.rate === 0 ? '–' : p.ratio} | ${num(p.rate * 100, 3)} | ${num(p.stuckCells, 7)} (${num(p.sa1Cells, 7)}) | ${num(p.energyPerImageJ.total * 1e6)} | ${num(p.relativeEnergy, 4)} | ${num(p.relativeArrayRead, 4)} | ${num(p.relativeEnergyInSitu, 4)} | ${num(p.latencyPerImageS * 1e3)} | ${num(p.areaMm2)} | ${num(p.topsPerW)} | ${pct(p.top1)} |`,
      );
    }
  }

  L.push(...mtRegulationMarkdown(r));
  L.push(...sensitivityMarkdown(r.sensitivity));

  const m = r.mt;
  L.push('', '## What MT adds', '');
  L.push(
    `Per tile: +${num(m.tileOverheadUm2)} µm² (+${pct(m.tileOverheadUm2 / m.tileWithoutMtUm2)} of the ${num(m.tileWithoutMtUm2)} µm² tile without MT), ` +
      `of which the fault bitmap is ${num(m.tileOverheadUm2 - m.tileOverheadExclBitmapUm2)} µm²; without the bitmap +${num(m.tileOverheadExclBitmapUm2)} µm² (+${pct(m.tileOverheadExclBitmapUm2 / m.tileWithoutMtUm2)}). ` +
      `For the chip's ${num(n.tiles, 6)} tiles: +${num(m.chipOverheadMm2)} mm², or +${num(m.chipOverheadExclBitmapMm2)} mm² without the bitmap.`,
  );
  if (m.tableBitsUsedPerSubarray !== null) L.push('', `MT's fault-free mappings use ${num(m.tableBitsUsedPerSubarray)} table bits per subarray (src/mitigation/price.ts; the synthesized tables hold the worst case).`);
  if (m.relativeEnergyFaultFree !== null && m.logicEnergyJ !== null && m.arrayEnergyChangeJ !== null) {
    L.push(
      '',
      `Fault-free, on the same inputs, the MT build draws ×${num(m.relativeEnergyFaultFree, 4)} the plain build's energy per image: its tables, row remap and input-sum additions add ` +
        `${num(m.logicEnergyJ * 1e6)} µJ, and its mapping (zero points, polarities, pair encodings chosen partly for read energy) changes the array energy by ${num(m.arrayEnergyChangeJ * 1e6)} µJ.`,
    );
  }

  if (r.neurosim) L.push('', neurosimMarkdown(r.neurosim));

  L.push('', '## Constants', '', '| constant | value | unit | source |', '|---|---:|---|---|');
  for (const [name, k] of Object.entries(r.constants)) L.push(`| \`${name}\` | ${num(k.value)} | ${k.unit} | ${k.assumption ? '**assumption** — ' : ''}${k.source} |`);
  L.push('');
  return L.join('\n');
}

/** Energy and latency per image at every fault rate and ratio with none / MT-stats / MT-map (same inputs). */
export function mtRegulationMarkdown(r: CostReport): string[] {
  if (!r.faults.length) return [];
  return regulationTable(
    r.faults.map((p) => ({ mitigation: p.mitigation, rate: p.rate, ratio: p.rate === 0 ? '–' : `${p.ratio}`, seeds: 1, energyPerImageJ: p.energyPerImageJ.total, latencyPerImageS: p.latencyPerImageS, areaMm2: p.areaMm2, relativeEnergy: null })),
    'Energy (µJ) and latency (ms) per image, on the same layer inputs as the fault-free plain accelerator, for each mitigation; the ratio is to the same mitigation fault-free. ',
  );
}

/** MT's regulation table of `memxbar run`: the sweep's points priced by the cost model (estimate.ts regulationFromSweep). */
export function runRegulationMarkdown(rows: readonly RegulationPoint[]): string[] {
  if (!rows.length) return [];
  return regulationTable(
    rows,
    "Energy (µJ) and latency (ms) per image at each point of the fault sweep, priced on the cost run's activity counts with the point's mitigation, mapping and measured Σ read currents (in situ, seeds averaged; no extra engine run); the ratio is to the same mitigation fault-free. ",
  );
}

function regulationTable(rows: readonly RegulationPoint[], intro: string): string[] {
  const mits = [...new Set(rows.map((p) => p.mitigation))];
  const keys = [...new Set(rows.map((p) => `${p.rate}|${p.rate === 0 ? '–' : p.ratio}`))];
  const L = ['', '## MT\'s regulation of energy and latency', ''];
  L.push(intro + 'The MT paper claims MT avoids the energy and latency overhead stuck cells cause: here latency is set by the synchronous schedule and does not move with faults; energy follows the stuck conductances.');
  L.push('', `| rate (%) | SA1:SA0 | ${mits.map((m) => `${m}: energy | ${m}: vs fault-free | ${m}: latency`).join(' | ')} |`, `|---:|---|${mits.map(() => '---:|---:|---:').join('|')}|`);
  for (const key of keys) {
    const [rate, ratio] = key.split('|');
    const cells = mits.map((m) => {
      const p = rows.find((q) => q.mitigation === m && `${q.rate}` === rate && (q.rate === 0 || `${q.ratio}` === ratio));
      const clean = rows.find((q) => q.mitigation === m && q.rate === 0);
      return p ? `${num(p.energyPerImageJ * 1e6)} | ${clean ? num(p.energyPerImageJ / clean.energyPerImageJ, 4) : '–'} | ${num(p.latencyPerImageS * 1e3)}` : '– | – | –';
    });
    L.push(`| ${num(Number(rate) * 100, 3)} | ${ratio} | ${cells.join(' | ')} |`);
  }
  return L;
}

/** The sensitivity table (variant / configured, low and high end). */
export function sensitivityMarkdown(rows: SensitivityRow[]): string[] {
  if (!rows.length) return [];
  const L = ['', '## What moves the numbers', ''];
  L.push('One assumption at a time at a lower and a higher value; figures are variant / configured per image (docs/cost.md §13). Chart: `cost-tornado.svg`.', '');
  L.push('| assumption | configured | low | high | energy low / high | latency low / high | area low / high | note |', '|---|---|---|---|---:|---:|---:|---|');
  const pair = (x: [number, number] | null) => (x ? `${num(x[0], 3)} / ${num(x[1], 3)}` : '–');
  for (const s of rows) L.push(`| ${s.assumption} | ${s.base} | ${s.low} | ${s.high} | ${pair(s.energy)} | ${pair(s.latency)} | ${pair(s.area)} | ${s.note} |`);
  return L;
}

/** Tornado chart: percent change of energy, latency and area per image at each assumption's low and high end. */
export function tornadoChart(rows: SensitivityRow[], title = 'What moves energy, latency and area per image'): Promise<string> {
  const values: Record<string, unknown>[] = [];
  const order = [...rows].filter((r) => r.energy).sort((a, b) => spread(b) - spread(a)).map((r) => r.assumption);
  for (const r of rows) {
    for (const [metric, v] of [['energy', r.energy], ['latency', r.latency], ['area', r.area]] as const) {
      if (!v) continue;
      values.push({ assumption: r.assumption, metric, end: `low: ${r.low}`, side: 'low', change: (v[0] - 1) * 100 });
      values.push({ assumption: r.assumption, metric, end: `high: ${r.high}`, side: 'high', change: (v[1] - 1) * 100 });
    }
  }
  return renderVegaLite({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values },
    facet: { column: { field: 'metric', type: 'nominal', title: null, sort: ['energy', 'latency', 'area'] } },
    spec: {
      width: 240,
      mark: 'bar',
      encoding: {
        y: { field: 'assumption', type: 'nominal', title: null, sort: order },
        x: { field: 'change', type: 'quantitative', title: 'change per image (%)', scale: { type: 'symlog', constant: 10 } },
        color: { field: 'side', type: 'nominal', title: 'end', scale: { domain: ['low', 'high'] } },
        tooltip: [{ field: 'assumption' }, { field: 'end' }, { field: 'change', format: '.3g' }],
      },
    },
  });
}

function spread(r: SensitivityRow): number {
  return Math.max(...[r.energy, r.latency, r.area].flatMap((v) => (v ? v.map((x) => Math.abs(Math.log(x))) : [0])));
}

/** Energy per image by layer (and the network), stacked by category. */
export function energyChart(r: CostReport): Promise<string> {
  const rows: BarRow[] = [];
  for (const l of r.result.layers) for (const c of CATS) rows.push({ group: l.name, part: CAT_LABEL[c], value: l.energyPerImageJ[c] * 1e6 });
  for (const c of CATS) rows.push({ group: 'network', part: CAT_LABEL[c], value: r.result.network.energyPerImageJ[c] * 1e6 });
  return stackedBarChart(rows, `Energy per image by layer (${r.config.network.model}, ${r.result.tech.nodeNm} nm)`, 'energy per image (µJ)');
}

/** Energy per image at every fault point, stacked by category. */
export function faultChart(r: CostReport): Promise<string> {
  const rows: BarRow[] = [];
  for (const p of r.faults) {
    const group = `${p.mitigation}, ${p.rate === 0 ? 'fault-free' : `${num(p.rate * 100, 3)} % ${p.ratio}`}`;
    for (const c of CATS) rows.push({ group, part: CAT_LABEL[c], value: p.energyPerImageJ[c] * 1e6 });
  }
  return stackedBarChart(rows, 'Energy per image under stuck-at faults, with and without MT', 'energy per image (µJ)');
}

/** The names `costFiles` can give (an output folder is checked for them before the work). */
export const COST_FILES = ['cost.json', 'cost.md', 'cost-energy.svg', 'cost-faults.svg', 'cost-tornado.svg', 'neurosim.md', 'neurosim.json'];

/** Every output file of a cost run, rendered in memory. */
export async function costFiles(r: CostReport): Promise<Record<string, string>> {
  const files: Record<string, string> = {
    'cost.json': JSON.stringify(r, null, 1) + '\n',
    'cost.md': costMarkdown(r),
    'cost-energy.svg': await energyChart(r),
  };
  if (r.faults.length) files['cost-faults.svg'] = await faultChart(r);
  if (r.sensitivity.length) files['cost-tornado.svg'] = await tornadoChart(r.sensitivity);
  if (r.neurosim) {
    files['neurosim.md'] = neurosimMarkdown(r.neurosim) + '\n';
    files['neurosim.json'] = JSON.stringify(r.neurosim, null, 1) + '\n';
  }
  return files;
}

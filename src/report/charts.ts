/**
 * The charts of the `memxbar run` report, each a self-contained SVG (Vega-Lite, rendered
 * headlessly): accuracy against fault rate, tile area by module with and without MT,
 * energy and latency per image by layer, and what moves them (tornado).
 */
import { energyChart, tornadoChart } from './cost.ts';
import type { FlowReport } from './flow-report.ts';
import { sweepChart } from './sweep.ts';
import { stackedBarChart, type BarRow } from './plot.ts';

export interface FlowCharts {
  accuracy: string;
  area: string | null;
  energy: string;
  latency: string;
  /** What moves energy, latency and area per image (docs/cost.md §13); null without sensitivity rows. */
  tornado: string | null;
}

const CATS = ['array', 'adc', 'accumulation', 'other'] as const;
const LABEL: Record<(typeof CATS)[number], string> = { array: 'array', adc: 'ADC', accumulation: 'accumulation', other: 'other' };

export async function flowCharts(r: FlowReport): Promise<FlowCharts> {
  const c = r.config;
  const accuracy = await sweepChart(r.sweep.summary, `Top-1 against stuck-at fault rate (${c.network.model}, ${r.sweep.result.spec.images} images, fault seeds ${r.sweep.result.spec.seeds.join(', ')})`);
  let area: string | null = null;
  if (r.synth) {
    const rows: BarRow[] = [];
    for (const m of r.synth.mtOverhead.byModule) {
      rows.push({ group: 'tile with MT', part: m.module.replace(/^memxbar_/, ''), value: m.withMtUm2 });
      rows.push({ group: 'tile without MT', part: m.module.replace(/^memxbar_/, ''), value: m.withoutMtUm2 });
    }
    area = await stackedBarChart(rows, `Tile digital periphery by module (Yosys, memxbar45 Liberty, ${r.synth.design.rows}×${r.synth.design.cols} tile)`, 'area (µm², 45 nm)');
  }
  const energy = await energyChart(r.cost);
  const lat: BarRow[] = [];
  for (const l of r.cost.result.layers) for (const k of CATS) lat.push({ group: l.name, part: LABEL[k], value: l.latencyPerImageS[k] * 1e6 });
  const latency = await stackedBarChart(lat, `Latency per image by layer (${r.cost.result.tech.nodeNm} nm)`, 'latency per image (µs)');
  const tornado = r.cost.sensitivity.length ? await tornadoChart(r.cost.sensitivity) : null;
  return { accuracy, area, energy, latency, tornado };
}

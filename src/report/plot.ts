/**
 * Charts as self-contained SVG, rendered headlessly with Vega-Lite (no browser, no
 * external assets). Each function takes plain rows and returns the SVG text.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export async function renderVegaLite(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

export interface AccuracyPoint {
  /** Fault rate in percent. */
  ratePct: number;
  series: string;
  panel: string;
  mean: number;
  lo: number;
  hi: number;
}

/** Accuracy (%) against fault rate (%), one line per series, one panel per `panel`, band = spread. */
export function accuracyChart(rows: AccuracyPoint[], title: string): Promise<string> {
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values: rows as unknown as Record<string, unknown>[] },
    facet: { column: { field: 'panel', type: 'nominal', title: null } },
    spec: {
      width: 340,
      height: 240,
      encoding: {
        x: { field: 'ratePct', type: 'quantitative', title: 'stuck-at fault rate (%)', scale: { type: 'symlog', constant: 0.1 }, axis: { values: [0, 0.1, 0.5, 1, 2.5, 5, 10, 20, 50], format: '~g' } },
        color: { field: 'series', type: 'nominal', title: 'mitigation' },
      },
      layer: [
        { mark: { type: 'area', opacity: 0.18 }, encoding: { y: { field: 'lo', type: 'quantitative', title: 'top-1 accuracy (%)', scale: { domain: [0, 100] } }, y2: { field: 'hi' } } },
        { mark: { type: 'line', point: true }, encoding: { y: { field: 'mean', type: 'quantitative' } } },
      ],
    },
  };
  return renderVegaLite(spec);
}

export interface BarRow {
  group: string;
  part: string;
  value: number;
}

/** Stacked horizontal bars: one bar per group, stacked by part. */
export function stackedBarChart(rows: BarRow[], title: string, unit: string): Promise<string> {
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 520,
    data: { values: rows as unknown as Record<string, unknown>[] },
    mark: 'bar',
    encoding: {
      y: { field: 'group', type: 'nominal', title: null, sort: null },
      x: { field: 'value', type: 'quantitative', title: unit, stack: 'zero' },
      color: { field: 'part', type: 'nominal', title: null },
      tooltip: [{ field: 'group' }, { field: 'part' }, { field: 'value', format: '.4g' }],
    },
  };
  return renderVegaLite(spec);
}

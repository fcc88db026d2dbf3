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

/** A labelled reference mark on the accuracy chart (a published result), drawn in every panel. */
export interface ReferenceMark {
  ratePct: number;
  top1Pct: number;
  /** A result over a range of rates: drawn as a black line from here to `ratePct`. */
  fromRatePct?: number;
  label: string;
}

/**
 * Accuracy (%) against fault rate (%), one line per series, one panel per `panel`, band =
 * spread; `references` are drawn in every panel as black diamonds (a dashed line over a range
 * of rates) with their labels.
 */
export function accuracyChart(rows: AccuracyPoint[], title: string, references: readonly ReferenceMark[] = []): Promise<string> {
  const panels = [...new Set(rows.map((r) => r.panel))];
  const values = [
    ...rows.map((r) => ({ ...r, kind: 'sweep' })),
    ...panels.flatMap((panel) => references.map((m) => ({ kind: 'reference', panel, ratePct: m.ratePct, fromPct: m.fromRatePct ?? m.ratePct, mean: m.top1Pct, label: m.label }))),
  ];
  const sweepOnly = [{ filter: "datum.kind === 'sweep'" }];
  const refOnly = [{ filter: "datum.kind === 'reference'" }];
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values: values as unknown as Record<string, unknown>[] },
    facet: { column: { field: 'panel', type: 'nominal', title: null } },
    spec: {
      width: 340,
      height: 240,
      encoding: {
        x: { field: 'ratePct', type: 'quantitative', title: 'stuck-at fault rate (%)', scale: { type: 'symlog', constant: 0.1 }, axis: { values: [0, 0.1, 0.5, 1, 2.5, 5, 10, 20, 50], format: '~g' } },
      },
      layer: [
        { transform: sweepOnly, mark: { type: 'area', opacity: 0.18 }, encoding: { color: { field: 'series', type: 'nominal', title: 'mitigation' }, y: { field: 'lo', type: 'quantitative', title: 'top-1 accuracy (%)', scale: { domain: [0, 100] } }, y2: { field: 'hi' } } },
        { transform: sweepOnly, mark: { type: 'line', point: true }, encoding: { color: { field: 'series', type: 'nominal', title: 'mitigation' }, y: { field: 'mean', type: 'quantitative' } } },
        ...(references.length
          ? [
              { transform: refOnly, mark: { type: 'rule' as const, color: 'black', strokeDash: [4, 2] }, encoding: { x: { field: 'fromPct', type: 'quantitative' as const }, x2: { field: 'ratePct' }, y: { field: 'mean', type: 'quantitative' as const } } },
              { transform: refOnly, mark: { type: 'point' as const, shape: 'diamond', filled: true, color: 'black', size: 70 }, encoding: { y: { field: 'mean', type: 'quantitative' as const } } },
              { transform: refOnly, mark: { type: 'text' as const, align: 'right' as const, dx: -7, dy: -7, fontSize: 9, color: 'black' }, encoding: { y: { field: 'mean', type: 'quantitative' as const }, text: { field: 'label' } } },
            ]
          : []),
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

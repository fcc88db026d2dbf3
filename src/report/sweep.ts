/** A sweep's tables (CSV, Markdown summary and price) and its accuracy chart. */
import type { SummaryRow, SweepResult } from '../sweep/sweep.ts';
import { accuracyChart } from './plot.ts';

/** The price table: one row per mitigation (storage, cells, ops at the sweep's largest rate; energy at each rate). */
export function priceMarkdown(rows: SummaryRow[]): string {
  const lines = [`| mitigation | SA1:SA0 | rate (%) | table bits / subarray | extra cells | extra adds / read | cells / weight | ${energyHeader(rows)} |`, '|---|---|---:|---:|---:|---:|---:|---:|'];
  for (const s of rows) {
    if (s.rate === 0) continue;
    lines.push(`| ${s.mitigation} | ${s.ratio} | ${+(s.rate * 100).toPrecision(3)} | ${s.price.storageBitsPerSubarray.toFixed(0)} | ${s.price.extraCellsPerSubarray.toFixed(0)} | ${s.price.extraOpsPerRead.toFixed(1)} | ${s.price.cellsPerWeight.toFixed(3)} | ${s.relativeReadEnergy === null ? '–' : s.relativeReadEnergy.toFixed(3)} |`);
  }
  return lines.join('\n') + '\n';
}

export function sweepCsv(r: SweepResult): string {
  const head = 'mitigation,ratio,rate,seed,images,correct,top1,stuck_cells,sa1_cells,current_sum';
  const lines = r.points.map((p) => [p.mitigation, p.ratio, p.rate, p.seed, p.images, p.correct, p.top1.toFixed(6), p.stuckCells, p.sa1Cells, p.currentSum].join(','));
  return [head, ...lines].join('\n') + '\n';
}

/**
 * What the read energy column is relative to (`summarize`): the plain mapping without faults
 * when the sweep ran mitigation `none` (rate 0), else each mitigation's own fault-free mapping.
 */
export function energyHeader(rows: SummaryRow[]): string {
  return hasPlainBaseline(rows) ? 'read energy vs fault-free plain' : 'read energy vs the same mitigation fault-free';
}

/** The sweep ran the plain mapping without faults (mitigation `none`, rate 0), the read energy's baseline. */
export function hasPlainBaseline(rows: SummaryRow[]): boolean {
  return rows.some((s) => s.mitigation === 'none' && s.rate === 0);
}

export function summaryMarkdown(rows: SummaryRow[]): string {
  const lines = [`| mitigation | SA1:SA0 | rate (%) | top-1 mean (%) | spread (min–max) | seeds | ${energyHeader(rows)} |`, '|---|---|---:|---:|---|---:|---:|'];
  for (const s of rows) {
    lines.push(`| ${s.mitigation} | ${s.ratio} | ${+(s.rate * 100).toPrecision(3)} | ${(100 * s.meanTop1).toFixed(2)} | ${(100 * s.minTop1).toFixed(1)}–${(100 * s.maxTop1).toFixed(1)} | ${s.seeds} | ${s.relativeReadEnergy === null ? '–' : s.relativeReadEnergy.toFixed(3)} |`);
  }
  return lines.join('\n') + '\n';
}

export function sweepChart(rows: SummaryRow[], title: string): Promise<string> {
  return accuracyChart(
    rows.map((s) => ({ ratePct: s.rate * 100, series: s.mitigation, panel: `SA1:SA0 = ${s.ratio}`, mean: 100 * s.meanTop1, lo: 100 * s.minTop1, hi: 100 * s.maxTop1 })),
    title,
  );
}

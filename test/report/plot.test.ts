import { describe, expect, it } from 'vitest';
import { accuracyChart } from '../../src/report/plot.ts';
import { MT_PAPER_POINTS } from '../../src/report/mtPaper.ts';

describe('accuracy chart reference marks', () => {
  it('draws every published point, labelled, in every panel', async () => {
    const rows = ['5:1', '1:5'].flatMap((ratio) => [0, 2.5, 50].map((ratePct) => ({ ratePct, series: 'mt-map', panel: `SA1:SA0 = ${ratio}`, mean: 80, lo: 79, hi: 81 })));
    const svg = await accuracyChart(rows, 't', MT_PAPER_POINTS);
    for (const p of MT_PAPER_POINTS) expect(svg.split(`>${p.label}</text>`).length - 1).toBe(2);
    const plain = await accuracyChart(rows, 't');
    expect(plain).not.toContain('MT paper');
  });
});

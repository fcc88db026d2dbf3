import { describe, expect, it } from 'vitest';
import { energyHeader, priceMarkdown, summaryMarkdown } from '../../src/report/sweep.ts';
import type { SummaryRow } from '../../src/sweep/sweep.ts';
import { saRatio } from '../../src/config/schema.ts';

const row = (mitigation: SummaryRow['mitigation'], rate: number): SummaryRow => ({
  mitigation, ratio: saRatio('5:1'), rate, seeds: 1, meanTop1: 0.5, stdTop1: 0, minTop1: 0.5, maxTop1: 0.5, relativeReadEnergy: 1.5,
  price: { storageBitsPerSubarray: 0, extraCellsPerSubarray: 0, extraOpsPerRead: 0, cellsPerWeight: 14 },
});

describe('sweep tables say what the read energy is relative to', () => {
  it('the plain fault-free mapping when the sweep ran it, else each mitigation\'s own fault-free mapping', () => {
    const withPlain = [row('none', 0), row('mt-map', 0), row('mt-map', 0.5)];
    const without = [row('mt-map', 0), row('mt-map', 0.5)];
    expect(energyHeader(withPlain)).toBe('read energy vs fault-free plain');
    expect(energyHeader(without)).toBe('read energy vs the same mitigation fault-free');
    // A plain mapping with faults only is no baseline.
    expect(energyHeader([row('none', 0.5), ...without])).toBe('read energy vs the same mitigation fault-free');
    for (const md of [summaryMarkdown, priceMarkdown]) {
      expect(md(withPlain).split('\n')[0]).toContain('| read energy vs fault-free plain |');
      expect(md(without).split('\n')[0]).toContain('| read energy vs the same mitigation fault-free |');
    }
  });
});

/**
 * The native steps of a programming outside MT-map (src/native/kernels/program.cc): the fault
 * draw gives the TypeScript loop's cells (the same xoroshiro128+ stream per layer, the same
 * comparisons), and the cells' conductances the TypeScript loop's values, on 1 and 2 threads.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { saRatio } from '../../src/config/schema.ts';
import { SA0, SA1, drawFaults, type LayerShape } from '../../src/crossbar/faults.ts';
import { cellConductances } from '../../src/crossbar/reference.ts';
import type { ConductanceTable } from '../../src/crossbar/device.ts';
import type { LayerMapping, Layout } from '../../src/crossbar/layout.ts';
import { native, setKernelThreads } from '../../src/native/addon.ts';
import { Rng } from '../../src/util/rng.ts';

const shape = (name: string, physRows: number, physCols: number) => ({ name, layout: { physRows, physCols } }) as unknown as LayerShape;

afterEach(() => setKernelThreads(0));

describe('native fault draw', () => {
  it('is built', () => expect(typeof native()?.drawFaultCells).toBe('function'));
  // Rates at the ends (0 and 1, where every draw is stuck), a rate whose threshold is not an
  // integer, and the run's rates; ratios with both shares at their ends.
  const layers = [shape('a', 1, 1), shape('b', 37, 11), shape('c', 128, 256), shape('d', 300, 517), shape('e', 0, 5)];
  for (const threads of [1, 2]) {
    for (const rate of [0, 1e-9, 0.001, 0.025, 1 / 3, 0.5, 0.999999, 1]) {
      for (const ratio of ['5:1', '1:5', '1:0', '0:1', '1:1']) {
        it(`draws the TypeScript loop's cells (rate ${rate}, SA1:SA0 ${ratio}, ${threads} thread(s))`, () => {
          setKernelThreads(threads);
          for (const seed of [0, 1, 18, 0x7fffffff, 4294967295]) {
            const ts = drawFaults(layers, rate, saRatio(ratio), seed, { native: false });
            const nat = drawFaults(layers, rate, saRatio(ratio), seed);
            expect(nat.map((l) => [l.name, l.physRows, l.physCols])).toEqual(ts.map((l) => [l.name, l.physRows, l.physCols]));
            for (let i = 0; i < ts.length; i++) expect(Buffer.from(nat[i]!.cells).equals(Buffer.from(ts[i]!.cells))).toBe(true);
          }
        });
      }
    }
  }
  it('draws stuck cells at the rate and the ratio (a draw that could fail: 128×256 cells at 50 %, 5:1)', () => {
    const [l] = drawFaults([shape('c', 128, 256)], 0.5, saRatio('5:1'), 3);
    let sa1 = 0, sa0 = 0;
    for (const c of l!.cells) c === SA1 ? sa1++ : c === SA0 ? sa0++ : 0;
    expect(Math.abs((sa1 + sa0) / l!.cells.length - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(sa1 / (sa1 + sa0) - 5 / 6)).toBeLessThan(0.02);
  });
});

describe('native cell conductances', () => {
  for (const threads of [1, 2]) {
    it(`equal the TypeScript loop's, levels past the table included (${threads} thread(s))`, () => {
      setKernelThreads(threads);
      const rng = new Rng(7, threads);
      for (const [n, levels] of [[1, 2], [1000, 2], [70001, 4], [50000, 16]] as const) {
        const table = { gMin: 100, gMax: 4196, levelG: Int32Array.from({ length: levels }, (_, l) => 100 + Math.round((4096 * l) / (levels - 1))) } as ConductanceTable;
        const m = { levels: Uint8Array.from({ length: n }, () => (rng.int(10) === 0 ? 200 + rng.int(56) : rng.int(levels))) } as LayerMapping;
        const faults = Uint8Array.from({ length: n }, () => rng.int(3));
        const ts = cellConductances(m, table, faults, { native: false });
        expect(Array.from(cellConductances(m, table, faults))).toEqual(Array.from(ts));
      }
    });
  }
});

describe('stuck cells per row (four cells per step)', () => {
  it('counts every non-zero byte, rows of any width, views at any offset', async () => {
    const { rowBadness } = await import('../../src/mitigation/stuck.ts');
    const rng = new Rng(11, 0);
    for (const [rows, cols, offset] of [[3, 4, 0], [5, 8, 4], [7, 12, 1], [9, 13, 0], [64, 256, 0], [2, 1, 3]] as const) {
      const buf = new Uint8Array(offset + rows * cols);
      for (let i = 0; i < buf.length; i++) buf[i] = rng.int(4) === 0 ? 0 : [1, 2, 255, 16, 128][rng.int(5)]!;
      const cells = buf.subarray(offset);
      const L = { physRows: rows, physCols: cols } as unknown as Layout;
      const want = Array.from({ length: rows }, (_, r) => cells.subarray(r * cols, (r + 1) * cols).filter((c) => c !== 0).length);
      expect(Array.from(rowBadness(cells, L))).toEqual(want);
    }
  });
});

/**
 * MT-map on the native kernels (src/mitigation/mt-native.ts, src/native/kernels/mt_map.cc)
 * gives the TypeScript version's plan bit for bit: row map, zero points, polarities, stored
 * values, reference values, pairs and column offsets — on random small layers (fast-check: both
 * schemes, 1–2-bit cells, 3–8-bit weights, any fault rate, with and without the rows'
 * covariances, on 1 and 2 threads) and on tiles of the shipped VGG8-w0.5 with its real row
 * activity (the first row tile, 12 outputs), at 2.5 and 50 % stuck cells. And MT's row covariances accumulated by the native
 * kernel equal the TypeScript loop's.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.ts';
import { SA0, SA1 } from '../../src/crossbar/faults.ts';
import { layerLayout, type Layout, type MappingPlan } from '../../src/crossbar/layout.ts';
import { mtMapPlan } from '../../src/mitigation/mt.ts';
import { nativeMtMapAvailable } from '../../src/mitigation/mt-native.ts';
import { rowActivity, type RowActivity } from '../../src/mitigation/row-activity.ts';
import { native, setKernelThreads } from '../../src/native/addon.ts';
import type { QuantLayer } from '../../src/nn/quant.ts';
import { prepare } from '../../src/session/prepare.ts';
import { Rng } from '../../src/util/rng.ts';
import { config, tinyQuant } from '../helpers.ts';

/** Every field of a plan, as plain arrays (null stays null). */
function planFields(p: MappingPlan) {
  const arr = (a: ArrayLike<number> | null | undefined) => (a ? Array.from(a) : null);
  return { rowMap: arr(p.rowMap), zero: arr(p.zero), inverted: arr(p.inverted), pairPos: arr(p.pairPos), pairNeg: arr(p.pairNeg), stored: arr(p.stored), refStored: arr(p.refStored), columnOffset: arr(p.columnOffset) };
}

/** Each physical cell stuck with probability `rate`, SA1 with probability `sa1` of those. */
function randomCells(L: Layout, rate: number, sa1: number, rng: Rng): Uint8Array {
  const cells = new Uint8Array(L.physRows * L.physCols);
  for (let i = 0; i < cells.length; i++) if (rng.float() < rate) cells[i] = rng.float() < sa1 ? SA1 : SA0;
  return cells;
}

/**
 * Row statistics of `samples` random sparse input vectors (codes 0…255), as rowActivity
 * computes them: means, mean squares and the covariances per row tile (some rows never driven).
 */
function randomActivity(L: Layout, samples: number, withCovariance: boolean, rng: Rng): RowActivity {
  const n = L.rows;
  const x = Array.from({ length: samples }, () => Float64Array.from({ length: L.R }, (_, r) => (r % 5 === 3 || rng.float() < 0.4 ? 0 : rng.int(256))));
  const mean = Float64Array.from({ length: L.R }, (_, r) => x.reduce((s, v) => s + v[r]!, 0) / samples);
  const meanSquare = Float64Array.from({ length: L.R }, (_, r) => x.reduce((s, v) => s + v[r]! * v[r]!, 0) / samples);
  if (!withCovariance) return { mean, meanSquare };
  const covariance = new Float64Array(L.rowTiles * n * n);
  for (let t = 0; t < L.rowTiles; t++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const a = t * n + i;
        const b = t * n + j;
        if (a >= L.R || b >= L.R) continue;
        covariance[t * n * n + i * n + j] = x.reduce((s, v) => s + v[a]! * v[b]!, 0) / samples - mean[a]! * mean[b]!;
      }
    }
  }
  return { mean, meanSquare, covariance };
}

afterEach(() => setKernelThreads(0));

/** The default run's fault rates but 10 % (VGG8 tiles). */
const RATES = [0.025, 0.5];

describe.skipIf(!native())('native MT-map equals the TypeScript version', () => {
  it('on random layers (both schemes, any rate, with and without covariances, 1 and 2 threads)', () => {
    let reencoded = 0;
    fc.assert(
      fc.property(
        fc.record({
          scheme: fc.constantFrom('offset' as const, 'differential' as const),
          cellBits: fc.constantFrom(1, 2),
          weightBits: fc.integer({ min: 3, max: 8 }),
          rows: fc.constantFrom(4, 8, 16),
          cols: fc.constantFrom(16, 32),
          R: fc.integer({ min: 1, max: 40 }),
          C: fc.integer({ min: 1, max: 10 }),
          rate: fc.constantFrom(0, 0.05, 0.25, 0.5, 1),
          sa1: fc.constantFrom(0, 1 / 6, 5 / 6, 1),
          covariance: fc.boolean(),
          threads: fc.constantFrom(1, 2),
          seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        }),
        (c) => {
          const cfg = config({ quant: { weightBits: c.weightBits }, tile: { rows: c.rows, cols: c.cols, parallelRead: c.rows, cellBits: c.cellBits, signedScheme: c.scheme } });
          const L = layerLayout(c.R, c.C, cfg);
          expect(nativeMtMapAvailable(L)).toBe(true);
          const rng = new Rng(c.seed);
          const top = 2 ** (c.weightBits - 1) - 1;
          const q = { qWeight: Int32Array.from({ length: c.R * c.C }, () => rng.int(2 * top + 1) - top) } as QuantLayer; // mtMapPlan reads only the weights
          const input = { q, L, activity: randomActivity(L, 6, c.covariance, rng), cells: randomCells(L, c.rate, c.sa1, rng), stats: { rate: c.rate, sa1Share: c.sa1 } };
          setKernelThreads(c.threads);
          const ts = planFields(mtMapPlan(input, { native: false }));
          const nat = planFields(mtMapPlan(input));
          expect(nat).toEqual(ts);
          if (ts.stored?.some((x, k) => x !== q.qWeight[k]! + 2 ** (c.weightBits - 1)) || ts.columnOffset?.some((v) => v !== 0)) reencoded++;
        },
      ),
      { numRuns: 300, seed: 18 },
    );
    // The cases exercised the re-encoding, not only plain mappings.
    expect(reencoded).toBeGreaterThan(50);
  });

  it('row activity: the native covariances equal the TypeScript loop\'s (tile rows 4 and 16, 1 and 2 threads)', () => {
    const { qn, pixels, size } = tinyQuant(5);
    for (const [rows, threads] of [[4, 1], [16, 2]] as const) {
      setKernelThreads(threads);
      const nat = rowActivity(qn, pixels, size, 6, rows);
      expect(nat.every((a) => a.covariance!.some((v) => v !== 0))).toBe(true);
      expect(nat).toEqual(rowActivity(qn, pixels, size, 6, rows, { native: false }));
    }
  });

  it('on tiles of VGG8-w0.5 with its real row activity, at the default run rates, both schemes', () => {
    const cfg = resolveConfig({ preset: 'neurosim-v1.4' });
    const p = prepare(cfg);
    const n = cfg.tile.rows;
    const activity = rowActivity(p.qn, p.calibration.pixels, p.imageSize, 2, n);
    expect(activity).toEqual(rowActivity(p.qn, p.calibration.pixels, p.imageSize, 2, n, { native: false }));
    let compared = 0;
    for (const scheme of ['offset', 'differential'] as const) {
      const sub = { ...cfg, tile: { ...cfg.tile, signedScheme: scheme } };
      p.qn.layers.forEach((layer, li) => {
        // A row tile and 12 outputs of each layer: its real weights and row statistics.
        const R = Math.min(layer.rows, n);
        const C = Math.min(layer.cols, 12);
        const q = { qWeight: Int32Array.from({ length: R * C }, (_, k) => layer.qWeight[Math.floor(k / R) * layer.rows + (k % R)]!) } as QuantLayer;
        const a = activity[li]!;
        const L = layerLayout(R, C, sub);
        const act: RowActivity = { mean: a.mean.slice(0, R), meanSquare: a.meanSquare.slice(0, R), covariance: a.covariance!.slice(0, L.rowTiles * n * n) };
        for (const rate of RATES) {
          const cells = randomCells(L, rate, 5 / 6, new Rng(li * 10 + Math.round(rate * 1000)));
          const input = { q, L, activity: act, cells, stats: { rate, sa1Share: 5 / 6 } };
          expect(planFields(mtMapPlan(input)), `${scheme}, layer ${layer.layer.name}, ${rate * 100} %`).toEqual(planFields(mtMapPlan(input, { native: false })));
          compared++;
        }
      });
    }
    expect(compared).toBe(2 * p.qn.layers.length * RATES.length);
  });
});

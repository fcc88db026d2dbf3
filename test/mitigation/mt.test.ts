import { describe, expect, it } from 'vitest';
import type { Config, Mitigation } from '../../src/config/schema.ts';
import { drawFaults, networkLayerShapes, noFaults, SA0, SA1 } from '../../src/crossbar/faults.ts';
import { buildMapping, layerLayout, plainPlan, referenceColumn, weightColumn, type LayerMapping, type Layout } from '../../src/crossbar/layout.ts';
import { buildCrossbar, referenceEngine } from '../../src/crossbar/reference.ts';
import { fastEngine } from '../../src/engine/fast.ts';
import { rowActivity } from '../../src/mitigation/row-activity.ts';
import { mitigatedMappings } from '../../src/mitigation/index.ts';
import { priceOf } from '../../src/mitigation/price.ts';
import { mtMapPlan } from '../../src/mitigation/mt.ts';
import { bestReference, bestStored, nearestWithMask, offsetEffective } from '../../src/mitigation/offset.ts';
import { bestPair } from '../../src/mitigation/pairs.ts';
import { permuteRows } from '../../src/mitigation/stuck.ts';
import { forwardInt, quantizeImage, type QuantLayer } from '../../src/nn/quant.ts';
import { Rng } from '../../src/util/rng.ts';
import { config, tinyQuant } from '../helpers.ts';
import { saRatio } from '../../src/config/schema.ts';

const METHODS: Mitigation[] = ['none', 'mt-stats', 'mt-map', 'pytorx', 'zhang', 'hosseini'];

function setup(scheme: 'offset' | 'differential', method: Mitigation, cellBits = 1) {
  const cfg: Config = config({
    quant: { weightBits: 6 },
    tile: { rows: 16, cols: 32, parallelRead: 16, cellBits, signedScheme: scheme, adcMode: 'lossless', colsPerAdc: 1 },
    faults: { rate: 0.2, sa1Sa0Ratio: '5:1' },
    mitigation: { method },
  });
  const { qn, pixels, size } = tinyQuant(4, 6, 8);
  const shapes = networkLayerShapes(qn.net, cfg);
  const activity = rowActivity(qn, pixels, size, 3, cfg.tile.rows);
  return { cfg, qn, pixels, size, shapes, activity };
}

describe('every transformation is exact when there are no faults', () => {
  for (const scheme of ['offset', 'differential'] as const) {
    for (const method of METHODS) {
      it(`${method}, ${scheme}: the mapping changes, the computed result does not`, () => {
        const { cfg, qn, pixels, size, shapes, activity } = setup(scheme, method, scheme === 'offset' ? 1 : 2);
        // Plans are chosen for a fault map with 20 % stuck cells (PytorX's correction is for the
        // faults it compensates, and mt-map and hosseini store around the stuck cells what they will read,
        // so both are planned on the fault-free map)…
        const planFaults = method === 'pytorx' || method === 'mt-map' || method === 'hosseini' ? noFaults(shapes) : drawFaults(shapes, 0.2, saRatio('5:1'), 9);
        const mappings = mitigatedMappings(qn, cfg, planFaults, () => activity);
        // …and run on a fault-free array: the result is the exact integer product.
        const xb = buildCrossbar(qn, cfg, { mappings, faults: noFaults(shapes) });
        for (let n = 0; n < 3; n++) {
          const x = quantizeImage(pixels, n * size, size, 8);
          expect(Array.from(forwardInt(qn, x, referenceEngine(xb)))).toEqual(Array.from(forwardInt(qn, x)));
        }
        if (method === 'mt-map' || method === 'zhang' || (method === 'mt-stats' && scheme === 'differential')) {
          const plain = mitigatedMappings(qn, { ...cfg, mitigation: { ...cfg.mitigation, method: 'none' } }, noFaults(shapes), () => activity);
          expect(mappings.some((m, i) => m.levels.some((v, k) => v !== plain[i]!.levels[k]) || m.rowMap.some((v, k) => v !== plain[i]!.rowMap[k]))).toBe(true);
        }
      });
    }
  }
});

describe('with faults', () => {
  it('PytorX correction with the oracle map restores the exact result when the ADC is lossless', () => {
    const { cfg, qn, pixels, size, shapes, activity } = setup('offset', 'pytorx');
    const faults = drawFaults(shapes, 0.1, saRatio('5:1'), 3);
    const xb = buildCrossbar(qn, cfg, { mappings: mitigatedMappings(qn, cfg, faults, () => activity), faults });
    const x = quantizeImage(pixels, 0, size, 8);
    expect(Array.from(forwardInt(qn, x, referenceEngine(xb)))).toEqual(Array.from(forwardInt(qn, x)));
  });
  it('mitigated mappings run identically on the reference model and the fast engine', () => {
    for (const scheme of ['offset', 'differential'] as const) {
      for (const method of METHODS) {
        const { cfg, qn, pixels, size, shapes, activity } = setup(scheme, method);
        const fixed = { ...cfg, tile: { ...cfg.tile, adcMode: 'fixed-full-scale' as const, adcBits: 4 } };
        const faults = drawFaults(shapes, 0.15, saRatio('1:5'), 5);
        const mappings = mitigatedMappings(qn, fixed, faults, () => activity);
        const a = buildCrossbar(qn, fixed, { mappings, faults });
        const b = buildCrossbar(qn, fixed, { mappings, faults });
        const x = quantizeImage(pixels, 1 * size, size, 8);
        expect(Array.from(forwardInt(qn, x, fastEngine(b, 1)))).toEqual(Array.from(forwardInt(qn, x, referenceEngine(a))));
      }
    }
  });
  it('MT (map) leaves a smaller output error than no mitigation (over three fault maps)', () => {
    for (const scheme of ['offset', 'differential'] as const) {
      const { cfg, qn, pixels, size, shapes } = setup(scheme, 'mt-map');
      const activity = rowActivity(qn, pixels, size, 6);
      const err = (method: Mitigation) => {
        const c = { ...cfg, mitigation: { ...cfg.mitigation, method } };
        let e = 0;
        for (const seed of [11, 12, 13]) {
          const faults = drawFaults(shapes, 0.2, saRatio('5:1'), seed);
          const xb = buildCrossbar(qn, c, { mappings: mitigatedMappings(qn, c, faults, () => activity), faults });
          for (let n = 0; n < 6; n++) {
            const x = quantizeImage(pixels, n * size, size, 8);
            const got = forwardInt(qn, x, referenceEngine(xb));
            const want = forwardInt(qn, x);
            for (let i = 0; i < got.length; i++) e += (got[i]! - want[i]!) ** 2;
          }
        }
        return e;
      };
      expect(err('mt-map')).toBeLessThan(err('none'));
    }
  });
});

describe('MT cost pieces, worked by hand', () => {
  const L7 = layerLayout(4, 2, config({ quant: { weightBits: 8 }, tile: { rows: 4, cols: 32, parallelRead: 4, cellBits: 1, signedScheme: 'differential' } }));
  it('a stuck SA1 cell in G+ is cancelled by its partner: w = 0, G+ bit 3 stuck at 1 → (8, 8)', () => {
    expect(L7.S).toBe(7);
    expect(bestPair(0, L7, 8, 8, 0, 0)).toEqual({ xp: 8, xn: 8, error: 0 });
  });
  it('a stuck SA0 cell: w = 5 with G+ bit 0 stuck at 0 → (6, 1), the least energy, smallest X+', () => {
    expect(bestPair(5, L7, 1, 0, 0, 0)).toEqual({ xp: 6, xn: 1, error: 0 });
  });
  it('no room to cancel: w = 127 needs X+ = 127; G+ bit 6 stuck at 0 leaves an error of 64', () => {
    expect(bestPair(127, L7, 64, 0, 0, 0).error).toBe(-64);
  });
  const L4 = layerLayout(4, 2, config({ quant: { weightBits: 4 }, tile: { rows: 4, cols: 16, parallelRead: 4, cellBits: 1 } }));
  it('polarity inversion avoids a stuck MSB: w = 1, z = 8, MSB stuck at 0', () => {
    expect(offsetEffective(1, 8, false, L4, 0, 0, 0, 0)).toBe(1);
    expect(offsetEffective(1, 8, false, L4, 8, 0, 0, 0)).toBe(-7); // 1001 reads 0001
    expect(offsetEffective(1, 8, true, L4, 8, 0, 0, 0)).toBe(1); // stores 0110: the stuck 0 matches
  });
  it('row permutation: important rows go to clean physical rows', () => {
    const L = layerLayout(4, 1, config({ quant: { weightBits: 4 }, tile: { rows: 4, cols: 8, parallelRead: 4, cellBits: 1 } }));
    const cells = new Uint8Array(L.physRows * L.physCols);
    const stuck = [3, 0, 1, 2];
    stuck.forEach((n, pr) => { for (let j = 0; j < n; j++) cells[pr * L.physCols + j] = 2; });
    expect(Array.from(permuteRows(L, cells, Float64Array.from([1, 5, 0, 2])))).toEqual([3, 1, 0, 2]);
  });
});

/** Hardware weights of a mapping on a fault map, read linearly (a lossless ADC): W[o·R + r]. */
function computedWeights(m: LayerMapping, cells: Uint8Array): Int32Array {
  const L = m.layout;
  const top = 2 ** L.cellBits - 1;
  const read = (pr: number, j: number) => {
    const f = cells[pr * L.physCols + j];
    return f === SA1 ? top : f === SA0 ? 0 : m.levels[pr * L.physCols + j]!;
  };
  const W = new Int32Array(L.R * L.C);
  for (let r = 0; r < L.R; r++) {
    const rt = Math.floor(r / L.rows);
    const pr = m.rowMap[r]!;
    for (let o = 0; o < L.C; o++) {
      const t = rt * L.C + o;
      let v = m.inputSum ? m.inputSum[t]! : 0;
      for (let e = m.terms.start[t]!; e < m.terms.start[t + 1]!; e++) {
        const u = m.terms.unit[e]!;
        const neg = m.units.neg[u]!;
        v += m.terms.coef[e]! * (read(pr, m.units.pos[u]!) - (neg >= 0 ? read(pr, neg) : 0));
      }
      W[o * L.R + r] = v;
    }
  }
  return W;
}

/** A hand-made layer of R × C integer weights (weight [o·R + r]). */
function handLayer(R: number, C: number, weights: number[]): QuantLayer {
  return { index: 0, layer: { name: 'hand' }, rows: R, cols: C, qWeight: Int32Array.from(weights) } as unknown as QuantLayer;
}

/** Random stuck masks over S slices of cellBits bits (each cell stuck with probability p, half SA1). */
function randomMasks(rng: Rng, S: number, cellBits: number, p: number): { m: number; v: number } {
  const ones = 2 ** cellBits - 1;
  let m = 0;
  let v = 0;
  for (let s = 0; s < S; s++) {
    if (rng.float() < p) {
      m |= ones << (s * cellBits);
      if (rng.float() < 0.5) v |= ones << (s * cellBits);
    }
  }
  return { m, v };
}

describe('mt-map re-encodes around the stuck cells', () => {
  const L7 = layerLayout(4, 2, config({ quant: { weightBits: 8 }, tile: { rows: 4, cols: 32, parallelRead: 4, cellBits: 1, signedScheme: 'differential' } }));
  it('differential, opposite stuck MSBs: w = 0 with G+ MSB at 1 and G− MSB at 0 reads 64 − 63, error 1 (not 64)', () => {
    expect(bestPair(0, L7, 64, 64, 64, 0)).toEqual({ xp: 64, xn: 63, error: 1 });
  });
  it('differential, a running column bias is paid back: bias 4, mean 1, variance 1 → e* = −2, (8, 10)', () => {
    expect(bestPair(0, L7, 8, 8, 0, 0, 1, 1, 4)).toEqual({ xp: 8, xn: 10, error: -2 });
  });
  it('differential: the search finds the least cost, then the least energy, then the smallest X+ (brute force)', () => {
    const rng = new Rng(5, 1);
    for (const [cellBits, weightBits] of [[1, 5], [2, 7], [3, 7]] as const) {
      const L = layerLayout(4, 2, config({ quant: { weightBits }, tile: { rows: 4, cols: 64, parallelRead: 4, cellBits, signedScheme: 'differential' } }));
      const n = 2 ** (L.S * cellBits);
      const levels = (X: number) => { let t = 0; for (let s = 0; s < L.S; s++) t += Math.floor(X / 2 ** (s * cellBits)) % 2 ** cellBits; return t; };
      for (let k = 0; k < 300; k++) {
        const p = randomMasks(rng, L.S, cellBits, 0.5);
        const q = randomMasks(rng, L.S, cellBits, 0.5);
        const wMax = 2 ** (weightBits - 1) - 1;
        const w = rng.int(2 * wMax + 1) - wMax;
        // Integer statistics make exact ties (equal cost from both sides) common.
        const [mean, variance, bias] = k % 2 ? [rng.int(3), rng.int(2), rng.int(41) - 20] : [rng.float() * 2, rng.float(), (rng.float() - 0.5) * 100];
        const cost = (e: number) => (mean * mean + variance > 0 ? (bias + mean * e) ** 2 + variance * e * e : bias ** 2 + e * e);
        let best = { cost: Infinity, energy: Infinity, xp: -1, xn: -1 };
        for (let xp = 0; xp < n; xp++) {
          for (let xn = 0; xn < n; xn++) {
            const a = (xp & ~p.m) | p.v;
            const b = (xn & ~q.m) | q.v;
            const c = cost(a - b - w);
            const energy = levels(a) + levels(b);
            if (c < best.cost || (c === best.cost && (energy < best.energy || (energy === best.energy && (a < best.xp || (a === best.xp && b < best.xn)))))) best = { cost: c, energy, xp: a, xn: b };
          }
        }
        const got = bestPair(w, L, p.m, p.v, q.m, q.v, mean, variance, bias);
        expect({ xp: got.xp, xn: got.xn }).toEqual({ xp: best.xp, xn: best.xn });
        expect(got.error).toBe(best.xp - best.xn - w);
      }
    }
  });
  it('differential: a pair without stuck cells still encodes w exactly', () => {
    for (const w of [-127, -5, 0, 7, 127]) {
      const { xp, xn, error } = bestPair(w, L7, 0, 0, 0, 0);
      expect([xp - xn, error]).toEqual([w, 0]);
    }
  });

  const L8 = layerLayout(4, 2, config({ quant: { weightBits: 8 }, tile: { rows: 4, cols: 32, parallelRead: 4, cellBits: 1 } }));
  it('offset, a stuck high bit: w = 3, z = 128, bit 6 stuck at 1 → X = 127 (error −4), not 195 (error 64)', () => {
    expect(offsetEffective(3, 128, false, L8, 64, 64, 0, 0) - 3).toBe(64); // 1000 0011 reads 1100 0011
    expect(bestStored(3, 128, false, 128, L8, 64, 64)).toEqual({ x: 127, error: -4 }); // 0111 1111: bit 6 is 1 anyway
  });
  it('offset, a stuck reference MSB: bit 7 stuck at 0 → the reference reads 127, the row is stored around it', () => {
    expect(bestReference(128, L8, 128, 0)).toEqual({ x: 127, read: 127 });
    for (const w of [-127, -3, 0, 3, 127]) {
      expect(bestStored(w, 128, false, 127, L8, 0, 0)).toEqual({ x: w + 127, error: 0 });
      // Flipped column: −(X − 127) + (255 − 256) = w, X = 126 − w: every w but 127 fits.
      expect(bestStored(w, 128, true, 127, L8, 0, 0)).toEqual(w < 127 ? { x: 126 - w, error: 0 } : { x: 0, error: -1 });
    }
  });
  it('offset, a whole layer: a reference stuck at 0 in its MSB shifts its row by 128 without MT, not with mt-map', () => {
    const L = layerLayout(4, 2, config({ quant: { weightBits: 8 }, tile: { rows: 4, cols: 32, parallelRead: 4, cellBits: 1 } }));
    const weights = [5, -7, 0, 127, -127, 1, 64, -64];
    const q = handLayer(4, 2, weights);
    const cells = new Uint8Array(L.physRows * L.physCols);
    cells[2 * L.physCols + referenceColumn(L, 0, 7)] = SA0; // physical row 2, reference MSB
    const activity = { mean: new Float64Array(4), meanSquare: new Float64Array(4).fill(1) };
    const plain = computedWeights(buildMapping(q, L, plainPlan(L)), cells);
    expect(Array.from(plain, (v, k) => v - weights[k]!).filter((e) => e !== 0)).toEqual([128, 128]);
    const plan = mtMapPlan({ q, L, activity, cells, stats: { rate: 0.1, sa1Share: 0.5 } });
    expect(plan.refStored).not.toBeNull();
    expect(Array.from(computedWeights(buildMapping(q, L, plan), cells))).toEqual(weights);
  });
  it('offset, a whole column where no polarity helps: bit 6 stuck at 1 under w = 3, stuck at 0 under w = 5', () => {
    const L = layerLayout(4, 1, config({ quant: { weightBits: 8 }, tile: { rows: 4, cols: 32, parallelRead: 4, cellBits: 1 } }));
    const q = handLayer(4, 1, [9, -20, 3, 5]);
    const cells = new Uint8Array(L.physRows * L.physCols);
    cells[0 * L.physCols + weightColumn(L, 0, 6, 0)] = SA1;
    cells[3 * L.physCols + weightColumn(L, 0, 6, 0)] = SA0;
    const activity = { mean: new Float64Array(4), meanSquare: Float64Array.from([4, 3, 2, 1]) };
    const plan = mtMapPlan({ q, L, activity, cells, stats: { rate: 0.1, sa1Share: 0.5 } });
    // The least important rows go to the faulty physical rows: w = 3 to row 0, w = 5 to row 3.
    expect(Array.from(plan.rowMap)).toEqual([1, 2, 0, 3]);
    // Plain, w = 3 stores 1000 0011 (z = 128) or 1000 0010 (z = 127), bit 6 reads 1: error 64;
    // flipped, w = 5 stores 0111 1010 or 0111 1011, bit 6 reads 0: error 64. Re-encoded: z = 127,
    // plain, w = 3 stored as 127 = 0111 1111 (error −3) — the least Σ Var(x)·e² of the four choices
    // (z = 128 plain: X = 127, error −4; flipped: w = 5 errs by −6 (z = 128) or −5 (z = 127)).
    expect([plan.zero[0], plan.inverted[0]]).toEqual([127, 0]);
    expect(Array.from(plan.stored!)).toEqual([136, 107, 127, 132]);
    expect(Array.from(computedWeights(buildMapping(q, L, plan), cells))).toEqual([9, -20, 0, 5]);
  });
  it('buildMapping takes re-encoded values as they are, and refuses values out of range', () => {
    const q = handLayer(4, 2, [5, -7, 0, 127, -127, 1, 64, -64]);
    const off = layerLayout(4, 2, config({ quant: { weightBits: 8 }, tile: { rows: 4, cols: 32, parallelRead: 4, cellBits: 1 } }));
    const plan = { ...plainPlan(off), stored: new Int32Array(8).fill(200), refStored: new Int32Array(4).fill(3) };
    expect(buildMapping(q, off, plan).levels[weightColumn(off, 0, 7, 0)]).toBe(1); // 200 = 1100 1000
    expect(() => buildMapping(q, off, { ...plan, stored: new Int32Array(8).fill(256) })).toThrow(/stored value 256 of weight 5 \(output 0, row 0\) is not an integer in \[0, 2\^8\)/);
    expect(() => buildMapping(q, off, { ...plan, refStored: new Int32Array(4).fill(-1) })).toThrow(/reference value -1 of row 0, column tile 0/);
    expect(() => buildMapping(q, off, { ...plan, stored: new Int32Array(7) })).toThrow(/plan.stored has 7 entries, the layer needs 8/);
    const dif = layerLayout(4, 2, config({ quant: { weightBits: 8 }, tile: { rows: 4, cols: 32, parallelRead: 4, cellBits: 1, signedScheme: 'differential' } }));
    const pairs = { ...plainPlan(dif), pairPos: new Int32Array(8).fill(64), pairNeg: new Int32Array(8).fill(63) };
    expect(() => buildMapping(q, dif, pairs)).not.toThrow(); // X+ − X− need not be w
    expect(() => buildMapping(q, dif, { ...pairs, pairNeg: new Int32Array(8).fill(128) })).toThrow(/pair \(64, 128\) of weight 5 \(output 0, row 0\) is not two integers in \[0, 2\^7\)/);
  });
  it('nearestWithMask: the largest reading ≤ t and the smallest ≥ t (brute force, every t)', () => {
    const rng = new Rng(8, 2);
    for (let k = 0; k < 400; k++) {
      const bits = 1 + rng.int(7);
      const all = 2 ** bits - 1;
      const m = rng.int(all + 1);
      const v = rng.int(all + 1) & m;
      const readable = Array.from({ length: all + 1 }, (_, y) => y).filter((y) => (y & m) === v);
      for (let t2 = -4; t2 <= 2 * all + 4; t2++) {
        const t = t2 / 2;
        const below = readable.filter((y) => y <= t);
        const above = readable.filter((y) => y >= t);
        expect(nearestWithMask(t, m, v, bits)).toEqual({ below: below.length ? below[below.length - 1] : -1, above: above.length ? above[0] : -1 });
      }
    }
    expect(() => nearestWithMask(3, 2, 1, 4)).toThrow(RangeError);
  });
  it('mt-map programs every stuck cell to the level it is stuck at (the pair or value it stores is what the cells read)', () => {
    for (const scheme of ['offset', 'differential'] as const) {
      const { cfg, qn, shapes, activity } = setup(scheme, 'mt-map', 2);
      const faults = drawFaults(shapes, 0.3, saRatio('1:1'), 4);
      const mappings = mitigatedMappings(qn, cfg, faults, () => activity);
      let stuck = 0;
      mappings.forEach((m, i) => {
        const L: Layout = m.layout;
        const rows = new Set(m.rowMap); // physical rows holding a logical row
        const cols = new Set([...m.units.pos, ...m.units.neg].filter((j) => j >= 0)); // columns holding weights or references
        faults[i]!.cells.forEach((f, k) => {
          if (f === 0 || !rows.has(Math.floor(k / L.physCols)) || !cols.has(k % L.physCols)) return;
          stuck++;
          expect(m.levels[k]).toBe(f === SA1 ? 2 ** L.cellBits - 1 : 0);
        });
      });
      expect(stuck).toBeGreaterThan(50);
    }
  });
});

describe('mt-map: coordinate descent on the tile cost eᵀ·M·e, and the column offset', () => {
  /** Stuck masks of one side of weight (o, r) at its physical row (as src/mitigation/stuck.ts stuckMasks reads them). */
  const masksOf = (cells: Uint8Array, L: Layout, pr: number, o: number, side: 0 | 1) => {
    let m = 0;
    let v = 0;
    const ones = 2 ** L.cellBits - 1;
    for (let s = 0; s < L.S; s++) {
      const f = cells[pr * L.physCols + weightColumn(L, o, s, side)];
      if (f === SA0 || f === SA1) m |= ones << (s * L.cellBits);
      if (f === SA1) v |= ones << (s * L.cellBits);
    }
    return { m, v };
  };
  const read = (X: number, k: { m: number; v: number }) => (X & ~k.m) | k.v;

  it('ends where no single re-encoded weight can lower the cost (brute force over every pair), below the greedy alone', () => {
    const { cfg, qn, shapes, activity } = setup('differential', 'mt-map', 2);
    const faults = drawFaults(shapes, 0.3, saRatio('5:1'), 11);
    let checked = 0;
    let improved = 0;
    qn.layers.forEach((q, li) => {
      const L = layerLayout(q.rows, q.cols, cfg, 'test');
      const cells = faults[li]!.cells;
      const a = activity[li]!;
      const M = a.covariance!;
      const n = L.rows;
      const refined = mtMapPlan({ q, L, activity: a, cells, stats: { rate: 0.3, sa1Share: 5 / 6 } });
      const greedy = mtMapPlan({ q, L, activity: { mean: a.mean, meanSquare: a.meanSquare }, cells, stats: { rate: 0.3, sa1Share: 5 / 6 } });
      const top = 2 ** (L.S * L.cellBits);
      for (let rt = 0; rt < L.rowTiles; rt++) {
        for (let o = 0; o < L.C; o++) {
          const rows = Array.from({ length: Math.min(n, L.R - rt * n) }, (_, i) => rt * n + i);
          const errors = (plan: typeof refined) =>
            rows.map((r) => {
              const pr = plan.rowMap[r]!;
              const k = o * L.R + r;
              return read(plan.pairPos![k]!, masksOf(cells, L, pr, o, 0)) - read(plan.pairNeg![k]!, masksOf(cells, L, pr, o, 1)) - q.qWeight[k]!;
            });
          const cost = (e: number[]) => e.reduce((sum, ei, i) => sum + e.reduce((t, ej, j) => t + M[rt * n * n + i * n + j]! * ei * ej, 0), 0);
          const e = errors(refined);
          const c = cost(e);
          expect(c).toBeLessThanOrEqual(cost(errors(greedy)) + 1e-9);
          if (c < cost(errors(greedy)) - 1e-9) improved++;
          // Coordinate-wise optimal: no other pair of a weight with a stuck cell lowers the cost.
          rows.forEach((r, i) => {
            const pr = refined.rowMap[r]!;
            const p = masksOf(cells, L, pr, o, 0);
            const m = masksOf(cells, L, pr, o, 1);
            if (p.m === 0 && m.m === 0) return;
            checked++;
            let best = Infinity;
            for (let xp = 0; xp < top; xp++) {
              for (let xn = 0; xn < top; xn++) {
                const trial = e.slice();
                trial[i] = read(xp, p) - read(xn, m) - q.qWeight[o * L.R + r]!;
                best = Math.min(best, cost(trial));
              }
            }
            expect(c).toBeLessThanOrEqual(best + 1e-6 * Math.max(1, Math.abs(best)));
          });
        }
      }
    });
    expect(checked).toBeGreaterThan(20);
    expect(improved).toBeGreaterThan(0);
  });
  it('offset mapping: the same descent ends where no single re-encoded weight can lower the cost (brute force over every stored value)', () => {
    const { cfg, qn, shapes, activity } = setup('offset', 'mt-map', 1);
    const faults = drawFaults(shapes, 0.2, saRatio('1:5'), 13);
    let checked = 0;
    qn.layers.forEach((q, li) => {
      const L = layerLayout(q.rows, q.cols, cfg, 'test');
      const cells = faults[li]!.cells;
      const M = activity[li]!.covariance!;
      const n = L.rows;
      const plan = mtMapPlan({ q, L, activity: activity[li]!, cells, stats: { rate: 0.2, sa1Share: 1 / 6 } });
      const masksAt = (pr: number, col: (s: number) => number) => {
        let m = 0;
        let v = 0;
        for (let s = 0; s < L.S; s++) {
          const f = cells[pr * L.physCols + col(s)];
          if (f === SA0 || f === SA1) m |= 1 << s;
          if (f === SA1) v |= 1 << s;
        }
        return { m, v };
      };
      for (let rt = 0; rt < L.rowTiles; rt++) {
        for (let o = 0; o < L.C; o++) {
          const ct = Math.floor(o / L.outputsPerTile);
          const z = plan.zero[rt * L.colTiles + ct]!;
          const inv = plan.inverted[rt * L.C + o] === 1;
          const rows = Array.from({ length: Math.min(n, L.R - rt * n) }, (_, i) => rt * n + i);
          const computed = (r: number, X: number) => {
            const pr = plan.rowMap[r]!;
            const ref = read(plan.refStored![r * L.colTiles + ct]!, masksAt(pr, (s) => referenceColumn(L, ct, s)));
            const d = read(X, masksAt(pr, (s) => weightColumn(L, o, s, 0))) - ref;
            return inv ? -d + 2 ** L.weightBits - 1 - 2 * z : d;
          };
          const e = rows.map((r) => computed(r, plan.stored![o * L.R + r]!) - q.qWeight[o * L.R + r]!);
          const cost = (err: number[]) => err.reduce((sum, ei, i) => sum + err.reduce((t, ej, j) => t + M[rt * n * n + i * n + j]! * ei * ej, 0), 0);
          const c = cost(e);
          rows.forEach((r, i) => {
            const pr = plan.rowMap[r]!;
            const refRead = read(plan.refStored![r * L.colTiles + ct]!, masksAt(pr, (s) => referenceColumn(L, ct, s)));
            if (masksAt(pr, (s) => weightColumn(L, o, s, 0)).m === 0 && refRead === z) return; // stored exactly
            checked++;
            let best = Infinity;
            for (let X = 0; X < 2 ** L.weightBits; X++) {
              const trial = e.slice();
              trial[i] = computed(r, X) - q.qWeight[o * L.R + r]!;
              best = Math.min(best, cost(trial));
            }
            expect(c).toBeLessThanOrEqual(best + 1e-6 * Math.max(1, Math.abs(best)));
          });
        }
      }
    });
    expect(checked).toBeGreaterThan(20);
  });
  for (const scheme of ['differential', 'offset'] as const) it(`${scheme}: the column offset cancels each column's mean output error over the calibration inputs (first layer, lossless ADC)`, () => {
    const { cfg, qn, pixels, size, shapes, activity } = setup(scheme, 'mt-map', scheme === 'offset' ? 1 : 2);
    const faults = drawFaults(shapes, 0.3, saRatio('5:1'), 12);
    const mappings = mitigatedMappings(qn, cfg, faults, () => activity);
    const offset = mappings[0]!.columnOffset!;
    expect(offset.some((v) => v !== 0)).toBe(true);
    const layer0 = (engine: Parameters<typeof forwardInt>[2], n: number) => {
      let out: number[] = [];
      forwardInt(qn, quantizeImage(pixels, n * size, size, 8), engine, (q, acc) => {
        if (q.index === 0) out = Array.from(acc);
      });
      return out;
    };
    const xb = buildCrossbar(qn, cfg, { mappings, faults });
    const C = qn.layers[0]!.cols;
    const withOffset = new Float64Array(C);
    let P = 0;
    for (let n = 0; n < 3; n++) { // the three images rowActivity measured
      const got = layer0(referenceEngine(xb), n);
      const exact = layer0(undefined, n);
      const p = got.length / C;
      P += p;
      for (let o = 0; o < C; o++) {
        for (let v = 0; v < p; v++) withOffset[o] += got[o * p + v]! - exact[o * p + v]!;
      }
    }
    // The offset is the rounded mean error, so what is left of the mean is at most half a unit.
    for (let o = 0; o < C; o++) expect(Math.abs(withOffset[o]! / P)).toBeLessThanOrEqual(0.5 + 1e-9);
  });
});

describe("Zhang et al.'s value-range reduction: every weight split over k weight columns of fewer slices", () => {
  const tile = (scheme: 'offset' | 'differential', cellBits: number) => config({ quant: { weightBits: 8 }, tile: { rows: 8, cols: 64, parallelRead: 8, cellBits, signedScheme: scheme, adcMode: 'lossless', colsPerAdc: 1 } });
  it('the layout: the fewest slices whose k parts hold the largest value, k columns per output', () => {
    // Differential magnitude ≤ 127: k = 2 still needs 7 one-bit slices (2·63 < 127), k = 3 needs 6, k = 5 needs 5.
    const dif = (k: number) => layerLayout(8, 10, tile('differential', 1), 'fc', k);
    expect([1, 2, 3, 5].map((k) => [dif(k).S, dif(k).partTop, dif(k).Wc, dif(k).outputsPerTile])).toEqual([
      [7, 127, 4, 4],
      [7, 64, 4, 2],
      [6, 43, 5, 1],
      [5, 26, 6, 1],
    ]);
    // Offset X ≤ 255 with k reference columns per subarray: k = 3 → 7 slices, ⌊64/7⌋ − 3 = 6 weight columns, 2 outputs.
    const off = layerLayout(8, 10, tile('offset', 1), 'fc', 3);
    expect([off.S, off.partTop, off.Wc, off.outputsPerTile, off.colTiles]).toEqual([7, 85, 6, 2, 5]);
    // 2-bit cells: k = 3 parts of ≤ 43 need 3 slices (6 bits).
    expect(layerLayout(8, 10, tile('differential', 2), 'fc', 3).S).toBe(3);
    expect(() => layerLayout(8, 10, config({ quant: { weightBits: 8 }, tile: { cols: 16, signedScheme: 'differential' } }), 'layer "fc"', 3)).toThrow(
      /a subarray of 16 columns cannot hold one differential weight of 6 slices, split into 3 parts \(mitigation.valueRangeParts\)/,
    );
  });

  for (const scheme of ['offset', 'differential'] as const) {
    it(`${scheme}: exact without faults for k = 1..4, every column plain or flipped`, () => {
      const rng = new Rng(21, 4);
      const R = 12;
      const C = 5;
      const top = scheme === 'offset' ? 128 : 127;
      const q = handLayer(R, C, Array.from({ length: R * C }, () => (rng.uint32() % (2 * top)) - top + (scheme === 'offset' ? 0 : 1)));
      for (let k = 1; k <= 4; k++) {
        const L = layerLayout(R, C, tile(scheme, 1), 'fc', k);
        for (const flip of [0, 1]) {
          const plan = plainPlan(L);
          plan.inverted.fill(flip);
          const m = buildMapping(q, L, plan);
          expect(Array.from(computedWeights(m, new Uint8Array(L.physRows * L.physCols)))).toEqual(Array.from(q.qWeight));
          // Every part fits its slices, and the parts of a weight are no further apart than 1.
          expect(Math.max(...m.levels)).toBe(1);
        }
      }
    });
  }

  it('one stuck cell costs at most the top slice of a part: 32 instead of 64 (differential, k = 3)', () => {
    const q = handLayer(8, 4, [0, 1, -1, 5, -9, 30, -60, 127, -127, 64, -64, 3, 2, -2, 0, 0, 17, -17, 100, -100, 45, -45, 8, -8, 1, 1, 0, -3, 7, -7, 90, -90]);
    const worst = (k: number) => {
      const m = buildMapping(q, layerLayout(8, 4, tile('differential', 1), 'fc', k), plainPlan(layerLayout(8, 4, tile('differential', 1), 'fc', k)));
      let err = 0;
      for (let cell = 0; cell < m.levels.length; cell++) {
        for (const code of [SA0, SA1]) {
          const cells = new Uint8Array(m.levels.length);
          cells[cell] = code;
          const W = computedWeights(m, cells);
          for (let i = 0; i < W.length; i++) err = Math.max(err, Math.abs(W[i]! - q.qWeight[i]!));
        }
      }
      return err;
    };
    expect([worst(1), worst(3)]).toEqual([64, 32]);
  });

  it('zhang plans with k parts: flips chosen by Σ e² never lose to the plain mapping, and the price counts the extra cells and terms', () => {
    for (const scheme of ['offset', 'differential'] as const) {
      const cfg = config({ quant: { weightBits: 8 }, tile: { rows: 16, cols: 64, parallelRead: 16, cellBits: 1, signedScheme: scheme, adcMode: 'lossless', colsPerAdc: 1 }, mitigation: { method: 'zhang', valueRangeParts: 3 } });
      const { qn, pixels, size } = tinyQuant(4, 6, 8);
      const shapes = networkLayerShapes(qn.net, cfg);
      expect(shapes.every((s) => s.layout.parts === 3)).toBe(true);
      const faults = drawFaults(shapes, 0.1, saRatio('5:1'), 12);
      const activity = rowActivity(qn, pixels, size, 3, cfg.tile.rows);
      const zhang = mitigatedMappings(qn, cfg, faults, () => activity);
      zhang.forEach((m, i) => {
        const unflipped = buildMapping(m.q, m.layout, { ...plainPlan(m.layout), rowMap: m.rowMap });
        const sq = (a: Int32Array) => a.reduce((s, v, k) => s + (v - m.q.qWeight[k]!) ** 2, 0);
        expect(sq(computedWeights(m, faults[i]!.cells))).toBeLessThanOrEqual(sq(computedWeights(unflipped, faults[i]!.cells)));
      });
      const price = priceOf(zhang);
      const plainCfg = { ...cfg, mitigation: { ...cfg.mitigation, method: 'none' as const } };
      const plain = priceOf(mitigatedMappings(qn, plainCfg, drawFaults(networkLayerShapes(qn.net, plainCfg), 0.1, saRatio('5:1'), 12), () => activity));
      // Differential: 2·3·6 = 36 cells per weight against 2·7 = 14; offset: 3·7 per weight plus 3·7 per reference row.
      if (scheme === 'differential') expect([price.cellsPerWeight, plain.cellsPerWeight]).toEqual([36, 14]);
      expect(price.cellsPerWeight).toBeGreaterThan(2 * plain.cellsPerWeight);
      expect(price.extraCellsPerSubarray).toBeGreaterThan(0);
      expect(plain.extraCellsPerSubarray).toBe(0);
      // Per read: (3·6 − 7) more terms per output on differential pairs, (3·7 − 8)·2 on offset.
      expect(price.extraOpsPerRead).toBeGreaterThan(plain.extraOpsPerRead);
    }
  });
});

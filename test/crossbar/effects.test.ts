import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { saRatio } from '../../src/config/schema.ts';
import { conductanceTable } from '../../src/crossbar/device.ts';
import { columnNoise, effectConductances, incrementalTargets, ltdFraction, noiseTables, parseLevelTable, readKey } from '../../src/crossbar/effects.ts';
import { drawFaults, SA0, SA1 } from '../../src/crossbar/faults.ts';
import { buildMapping, layerLayout, plainMapping, plainPlan } from '../../src/crossbar/layout.ts';
import { buildCrossbar } from '../../src/crossbar/reference.ts';
import { fastEngine } from '../../src/engine/fast.ts';
import { native } from '../../src/native/addon.ts';
import { forwardInt, quantizeImage } from '../../src/nn/quant.ts';
import { hashKey, normalOf } from '../../src/util/counter-rng.ts';
import { config, tinyQuant, expectFastEqualsReference } from '../helpers.ts';

describe('counter-based draws', () => {
  it('the C++ read-noise draws equal the TypeScript ones', () => {
    const k = native()!;
    const J = 4000;
    const V = Float64Array.from({ length: J }, (_, j) => (j % 7 === 0 ? 0 : Math.floor(hashKey(j, 1) / 97)));
    const M = Float64Array.from({ length: J }, (_, j) => (j % 5 === 0 ? 0 : (hashKey(j, 2) % 100000) - 20000));
    for (const words of [[1, 0, 0, 0, 0, 0], [2147483647, 7, 3, 1, 7, 1023], [42, 2, 5, 0, 3, 17]]) {
      const out = new Float64Array(J);
      k.columnNoiseDraws(Uint32Array.from(words), V, M, out);
      const key = readKey(words[0]!, words[1]!, words[2]!, words[3]!, words[4]!, words[5]!);
      const ts = Float64Array.from({ length: J }, (_, j) => columnNoise(V[j]!, M[j]!, key, j));
      expect(Array.from(out)).toEqual(Array.from(ts));
      expect(new Set(ts).size).toBeGreaterThan(100); // really random-looking, not constant
    }
  });

  it('the normal deviate has mean 0 and variance 1 (Irwin–Hall of 12 bytes)', () => {
    let s = 0;
    let s2 = 0;
    const n = 200000;
    for (let i = 0; i < n; i++) {
      const z = normalOf(hashKey(9, i));
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.01);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.01);
  });
});

describe('device effects', () => {
  const base = { tile: { cellBits: 2 }, quant: { weightBits: 4 } } as const;

  it('stuck cells keep Gmax / Gmin exactly: no variation, no drift', () => {
    const cfg = config({ ...base, device: { readTimeSeconds: 3e7, variation: { deviceToDevice: 0.3, cycleToCycle: 0.3 }, drift: { model: 'constant', nu: 0.1, nuSigma: 0.05 } } });
    const t = conductanceTable(cfg);
    const levels = Uint8Array.from({ length: 400 }, (_, i) => i % 4);
    const faults = Uint8Array.from({ length: 400 }, (_, i) => (i % 3 === 0 ? SA1 : i % 3 === 1 ? SA0 : 0));
    const G = effectConductances(cfg, t, levels, faults, 0, null);
    for (let i = 0; i < 400; i++) {
      if (i % 3 === 0) expect(G[i]).toBe(t.gMax);
      if (i % 3 === 1) expect(G[i]).toBe(t.gMin);
    }
    const free = Array.from(G).filter((_, i) => i % 3 === 2);
    expect(free.some((g, n) => g !== t.levelG[levels[3 * n + 2]!])).toBe(true);
  });

  it('drift follows G·((t + t0)/t0)^(−ν) for a constant ν', () => {
    const cfg = config({ ...base, device: { readTimeSeconds: 980, drift: { model: 'constant', nu: 0.1, nuSigma: 0, t0Seconds: 20 } } });
    const t = conductanceTable(cfg);
    const G = effectConductances(cfg, t, Uint8Array.of(3, 1), new Uint8Array(2), 0, null);
    expect(G[0]).toBe(Math.round(t.gMax * 50 ** -0.1));
    expect(G[1]).toBe(Math.round(t.levelG[1]! * 50 ** -0.1));
  });

  it('cycle-to-cycle draws change with the cycle, device-to-device draws do not', () => {
    const levels = Uint8Array.from({ length: 200 }, (_, i) => 1 + (i % 3));
    const none = new Uint8Array(200);
    const d2d = (cycle: number) => effectConductances(config({ ...base, device: { variation: { deviceToDevice: 0.1, cycle } } }), conductanceTable(config(base)), levels, none, 0, null);
    const c2c = (cycle: number) => effectConductances(config({ ...base, device: { variation: { cycleToCycle: 0.1, cycle } } }), conductanceTable(config(base)), levels, none, 0, null);
    expect(Array.from(d2d(0))).toEqual(Array.from(d2d(1)));
    expect(Array.from(c2c(0))).not.toEqual(Array.from(c2c(1)));
  });

  it('incremental programming: 1-bit cells end at Gmin / Gmax; LTD nonlinearity moves the levels reached downwards only', () => {
    const one = config({ device: { nonlinearityLtp: 4, nonlinearityLtd: -4, programming: { scheme: 'incremental' } } });
    const t1 = conductanceTable(one);
    const T1 = incrementalTargets(one, t1);
    expect(T1[1]![0]).toBeCloseTo(t1.gMin, 9);
    expect(T1[0]![1]).toBe(t1.gMax);
    const cfg = config({ ...base, device: { nonlinearityLtp: 1.75, nonlinearityLtd: -1.46, programming: { scheme: 'incremental' } } });
    const t = conductanceTable(cfg);
    const T = incrementalTargets(cfg, t);
    for (let prev = 0; prev < 4; prev++) {
      for (let l = 0; l < 4; l++) {
        if (l >= prev) expect(T[prev]![l]).toBe(t.levelG[l]);
        else expect(T[prev]![l]).toBeLessThan(T[prev]![l + 1]!);
      }
    }
    // Going down by LTD from a state on the LTP curve does not land on the LTP level.
    expect(Math.abs(T[3]![1]! - t.levelG[1]!)).toBeGreaterThan(10);
    // The LTD curve is convex: below the straight line between its ends.
    expect(ltdFraction(64, 128, -4)).toBeLessThan(0.5);
    // A linear LTD (label 0) from a linear LTP lands on the linear levels.
    const lin = config({ ...base, device: { programming: { scheme: 'incremental' } } });
    const tl = conductanceTable(lin);
    expect(incrementalTargets(lin, tl)[3]![1]).toBeCloseTo(tl.levelG[1]!, 6);
  });

  it('read-noise tables: thermal + shot variance is linear in G, proportional is (kG)²', () => {
    const cfg = config({ device: { readNoise: { proportional: 0.01 } } });
    const t = conductanceTable(cfg);
    const { variance, mean } = noiseTables(cfg, t, Int32Array.of(0, 1000, 4096));
    expect(Array.from(variance)).toEqual([0, Math.round(100 * 256), Math.round(40.96 ** 2 * 256)]);
    expect(Array.from(mean)).toEqual([0, 0, 0]);
    const th = config({ device: { readNoise: { thermalShot: true } } });
    const v = noiseTables(th, t, Int32Array.of(1000, 2000)).variance;
    expect(Math.abs(v[1]! - 2 * v[0]!)).toBeLessThanOrEqual(1);
  });

  it('per-level tables: the wrong number of levels is refused naming the file and the config path', () => {
    const ok = 'level,meanSiemens,sigmaSiemens\n0,1e-6,1e-8\n1,4e-6,1e-8\n';
    expect(parseLevelTable(ok, 't.csv', 2).mean[1]).toBe(4e-6);
    expect(() => parseLevelTable(ok, 't.csv', 4)).toThrow(/t\.csv: the table has 2 levels.*needs 4 \(device\.variation\.tableFile\)/);
    expect(() => parseLevelTable(ok + '2,1,NaN\n3,1,0\n', 't.csv', 4)).toThrow(/t\.csv:4: sigmaSiemens "NaN"/);
  });
});

describe('reference model = fast engine with every effect on', () => {
  it('gives the same integers and statistics on random configs', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 1, max: 1000 }),
          cellBits: fc.integer({ min: 1, max: 4 }),
          weightBits: fc.integer({ min: 4, max: 8 }),
          activationBits: fc.integer({ min: 2, max: 6 }),
          adcBits: fc.integer({ min: 2, max: 8 }),
          adcMode: fc.constantFrom('lossless', 'fixed-full-scale'),
          signedScheme: fc.constantFrom('offset', 'differential'),
          rows: fc.constantFrom(8, 16, 64, 100),
          prDiv: fc.constantFrom(1, 2, 3),
          cols: fc.constantFrom(16, 32),
          rate: fc.constantFrom(0, 0.05, 0.3),
          nl: fc.constantFrom([0, 0], [1.75, -1.46], [4, -4]),
          scheme: fc.constantFrom('reset', 'incremental'),
          d2d: fc.constantFrom(0, 0.05, 0.3),
          c2c: fc.constantFrom(0, 0.05),
          levelModel: fc.constantFrom('none', 'reram-wan'),
          drift: fc.constantFrom('none', 'constant', 'pcm-aihwkit'),
          time: fc.constantFrom(0, 1, 3.15e8),
          thermal: fc.boolean(),
          rtn: fc.boolean(),
          k: fc.constantFrom(0, 0.01, 0.2),
          noiseSeed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          remap: fc.boolean(),
        }),
        (c) => {
          const cb = Math.min(c.cellBits, c.weightBits - 1);
          const cfg = config({
            quant: { weightBits: c.weightBits, activationBits: c.activationBits },
            tile: { cellBits: cb, signedScheme: c.signedScheme as 'offset', rows: c.rows, cols: c.cols, parallelRead: Math.ceil(c.rows / c.prDiv), adcBits: c.adcBits, adcMode: c.adcMode as 'lossless', colsPerAdc: 1 },
            device: {
              nonlinearityLtp: c.nl[0]!,
              nonlinearityLtd: c.nl[1]!,
              readTimeSeconds: c.time,
              programming: { scheme: c.scheme as 'reset', seed: c.seed },
              variation: { deviceToDevice: c.d2d, cycleToCycle: c.c2c, levelModel: c.levelModel as 'none', seed: c.seed + 1 },
              drift: { model: c.drift as 'none', nu: 0.06, nuSigma: 0.02 },
              readNoise: { thermalShot: c.thermal, rtn: c.rtn, proportional: c.k, seed: c.noiseSeed },
            },
          });
          const { qn, pixels, size } = tinyQuant(c.seed, c.weightBits, c.activationBits);
          // A mitigation's mapping: rows permuted within their tile, some columns flipped (docs/mt.md).
          const mappings = qn.layers.map((q) => {
            if (!c.remap) return plainMapping(q, cfg);
            const L = layerLayout(q.rows, q.cols, cfg);
            const plan = plainPlan(L);
            for (let r = 0; r < L.R; r++) {
              const rt = Math.floor(r / L.rows);
              const end = Math.min(L.R, (rt + 1) * L.rows);
              const j = r + ((r * 7 + c.seed) % (end - r));
              [plan.rowMap[r], plan.rowMap[j]] = [plan.rowMap[j]!, plan.rowMap[r]!];
            }
            for (let t = 0; t < plan.inverted.length; t++) plan.inverted[t] = (t + c.seed) % 3 === 0 ? 1 : 0;
            return buildMapping(q, L, plan);
          });
          const faults = drawFaults(mappings, c.rate, saRatio('5:1'), c.seed);
          const ref = buildCrossbar(qn, cfg, { mappings, faults });
          const fast = buildCrossbar(qn, cfg, { mappings, faults });
          expectFastEqualsReference(qn, ref, fast, pixels, size, c.activationBits, 2);
        },
      ),
      { numRuns: 60, seed: 20261202 },
    );
  });

  it('read noise changes the result, and the same seed gives the same result', () => {
    const run = (seed: number, k: number) => {
      const cfg = config({ tile: { rows: 16, cols: 32, parallelRead: 16, adcMode: 'lossless' }, device: { readNoise: { proportional: k, seed } } });
      const { qn, pixels, size } = tinyQuant(3);
      const xb = buildCrossbar(qn, cfg);
      const accs: number[][] = [];
      forwardInt(qn, quantizeImage(pixels, 0, size, 8), fastEngine(xb, 2), (_q, acc) => accs.push(Array.from(acc)));
      return accs;
    };
    expect(run(1, 0.05)).toEqual(run(1, 0.05));
    expect(run(1, 0.05)).not.toEqual(run(2, 0.05));
    expect(run(1, 0.05)).not.toEqual(run(1, 0));
  });
});

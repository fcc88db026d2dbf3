/**
 * "The spec stands alone": a vector set written by memxbar (vectors.json, manifest.json and
 * the hex files) is enough for an independent model (standalone-model.ts, which imports
 * nothing from src/) to recompute every expected word.
 *
 * Directed vectors: real vectors almost never put a current exactly on an ADC half step
 * (one in 849,840 conversions of the default run) and the default configurations calibrate
 * the ADC shift to 0. Here, for the two default configurations (preset neurosim-v1.4 and
 * `memxbar run`'s assets/run-default.json), cells are chosen so that conversions land on
 * exact half steps (I = (c + ½)·ΔG·2^m) below, inside and above the code range, with every
 * ADC shift m > 0 the tile takes; the expected words come from the reference model
 * (src/crossbar/reference.ts through test/rtl/reference.ts), the generated RTL computes
 * them under Icarus, and the independent model recomputes them from the files alone.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, resolveConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { adcSpec } from '../../src/crossbar/adc.ts';
import { conductanceTable } from '../../src/crossbar/device.ts';
import { buildFor, vectorContext } from '../../src/cosim/cosim.ts';
import { layerInputs, resolveLayer, samplePatches } from '../../src/cosim/layer.ts';
import { simulateSet } from '../../src/cosim/simulate.ts';
import { icarus } from '../../src/cosim/simulators/icarus.ts';
import { tileVectors } from '../../src/cosim/tile.ts';
import { renderVectorSet, type VectorSet } from '../../src/cosim/vectors.ts';
import { generateRtl, MANIFEST_FILE, type GeneratedRtl } from '../../src/rtl/generate.ts';
import type { Design, Term } from '../../src/rtl/design.ts';
import { programWrites } from '../../src/rtl/tables.ts';
import { referenceAdc, referenceOutputs } from '../rtl/reference.ts';
import { EXTRA, extraConfig, GOLDEN_NAMES, goldenConfig } from '../rtl/configs.ts';
import { rng } from '../rtl/random.ts';
import { recompute, rdiv } from './standalone-model.ts';
import { workload } from './workload.ts';

function writeSet(gen: GeneratedRtl, set: VectorSet, source: Record<string, unknown>, ctx: Parameters<typeof renderVectorSet>[3]): string {
  const dir = mkdtempSync(join(tmpdir(), 'memxbar-standalone-'));
  for (const [name, text] of renderVectorSet(gen, set, source, ctx)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, MANIFEST_FILE), gen.files.get(MANIFEST_FILE)!);
  return dir;
}

/**
 * Directed vectors for an offset tile and ADC shift m: vector v drives its own n_v rows of one
 * read group with code x_v; in those rows each unit column j holds conductances in [Gmin, Gmax]
 * that add up to exactly (c + ½)·ΔG·2^m, c spread over every value n_v rows can reach (codes
 * above maxCode clamp). Every other cell is at Gmin.
 */
function directedSet(cfg: Config, d: Design, m: number): { set: VectorSet; halfStepTargets: number } {
  if (d.scheme !== 'offset') throw new Error('directed vectors: single-ended units only');
  const step = d.dG * 2 ** m;
  const g = Array.from({ length: d.rows }, () => new Array<number>(d.cols).fill(d.gMin));
  const acts: Int32Array[] = [];
  const codes = [1, 2 ** d.actBits - 1, 0xa5 & (2 ** d.actBits - 1), 2 ** (d.actBits - 1)];
  let halfStepTargets = 0;
  for (let grp = 0; grp < d.groups; grp++) {
    let row = grp * d.parallelRead;
    const end = row + d.groupRows[grp]!;
    for (const n of [1, 2, 5, 24, 96]) {
      if (row + n > end) break;
      const x = new Int32Array(d.rows);
      for (let r = row; r < row + n; r++) x[r] = codes[acts.length % codes.length]!;
      const lo = Math.ceil((d.gMin * n) / step - 0.5);
      const hi = Math.floor((d.gMax * n) / step - 0.5);
      const put = (col: number, target: number) => {
        const base = Math.floor(target / n);
        for (let i = 0; i < n; i++) g[row + i]![col] = base + (i < target - base * n ? 1 : 0);
      };
      for (const u of d.units) {
        if (u.pos >= d.weightCols * d.slices) {
          // Reference columns: a whole number of steps, so that the weight columns' half steps do not
          // cancel in the ±terms (each output subtracts its reference).
          const c = Math.ceil((d.gMin * n) / step);
          if (c * step <= d.gMax * n) put(u.pos, c * step);
          continue;
        }
        if (lo > hi) continue; // n rows cannot reach a half step of this size: the column stays at Gmin
        const c = lo + ((u.pos * 7 + acts.length) % (hi - lo + 1));
        put(u.pos, ((2 * c + 1) * step) / 2);
        halfStepTargets++;
      }
      acts.push(x);
      row += n;
    }
  }
  const table = conductanceTable(cfg);
  // The full scale for which the ADC's shift is m: the smallest m with maxCode·ΔG·2^m ≥ FS.
  const adc = adcSpec(d.adcMode, d.adcBits, table, d.maxCode * d.dG * 2 ** (m - 1) + 1, false);
  if (adc.mode !== 'fixed' || adc.m !== m) throw new Error('internal: directed ADC shift');
  const regs = programWrites(d, { adcShift: m });
  const expected = referenceOutputs(cfg, d, [{ g }], acts.map((a) => [...a]), adc);
  return { set: { g, regs, acts, expected }, halfStepTargets };
}

const DEFAULTS = {
  'preset neurosim-v1.4': () => resolveConfig({ preset: 'neurosim-v1.4' }),
  'memxbar run default (assets/run-default.json)': () => resolveConfig({ file: join(PROJECT_ROOT, 'assets', 'run-default.json') }),
} as const;

describe('directed vectors: ADC half steps and shifts above 0, in the default configurations (Icarus)', () => {
  for (const [name, make] of Object.entries(DEFAULTS)) {
    describe(name, () => {
      const cfg = make();
      const gen = generateRtl({ config: cfg });
      const d = gen.design;
      let build: Awaited<ReturnType<typeof buildFor>>;
      beforeAll(async () => {
        build = await buildFor(icarus, gen, false);
      }, 300_000);

      it('is a fixed-calibrated tile whose ADC takes shifts above 0', () => {
        expect(d.adcMode).toBe('fixed-calibrated');
        expect(d.shiftMax).toBeGreaterThan(0);
      });

      for (let m = 1; m <= d.shiftMax; m++) {
        it(`ADC shift m = ${m}: the RTL, the reference model and the standalone model agree on every word`, async () => {
          const { set, halfStepTargets } = directedSet(cfg, d, m);
          expect(halfStepTargets).toBeGreaterThan(50);
          const dir = writeSet(gen, set, { directed: `half steps, ADC shift ${m}` }, { fullScale: d.maxCode * d.dG * 2 ** (m - 1) + 1, fullScaleSource: 'directed (chosen shift)', layer: null });
          const vj = JSON.parse(readFileSync(join(dir, 'vectors.json'), 'utf8'));
          expect(vj.adc).toMatchObject({ shift: m, step: d.dG * 2 ** m, minCode: 0, maxCode: d.maxCode });

          // The independent model, from the files alone.
          const alone = recompute(dir);
          expect(alone.shift).toBe(m);
          expect(alone.words).toEqual(set.expected);
          expect(alone.expected).toEqual(set.expected);
          expect(alone.halfSteps).toBeGreaterThanOrEqual(halfStepTargets);
          // The vectors tell the rounding rule: rounding halves down changes words.
          const down = recompute(dir, (x, s) => -rdiv(-x, s));
          expect(down.words).not.toEqual(set.expected);
          // Codes above the range clamp where 96 rows in one group can reach them.
          const reach = d.groupRows[0]! >= 128 && Math.floor((d.gMax * 96) / (d.dG * 2 ** m) - 0.5) > d.maxCode;
          expect(alone.clamped > 0).toBe(reach);

          // The generated RTL.
          const work = mkdtempSync(join(tmpdir(), 'memxbar-standalone-sim-'));
          const sim = await simulateSet(gen, build, set, work);
          expect(sim.output.xControlCycle).toBeNull();
          const got = set.acts.map((_, v) => Array.from({ length: d.weightCols }, (_, o) => sim.output.words.find((w) => w.vector === v && w.index === o)?.value ?? null));
          expect(got).toEqual(set.expected);
        }, 300_000);
      }
    });
  }
});

describe('a real tile\'s vector set stands alone', () => {
  const cases = [
    { layer: 'conv1', rt: 0, ct: 1, patches: 3 },
    { layer: 'fc1', rt: 31, ct: 34, patches: 1 },
  ] as const;
  for (const t of cases) {
    it(`${t.layer} tile (${t.rt}, ${t.ct}), 5 % faults and mt-map: the standalone model recomputes expected.hex`, () => {
      const { p, cfg, xb } = workload('faults + MT');
      const gen = generateRtl({ config: cfg });
      const layerIndex = resolveLayer(p, t.layer);
      const inp = layerInputs(p, xb, layerIndex, 1);
      const chosen = samplePatches(inp.images * inp.patchesPerImage, t.patches, 5);
      const tv = tileVectors(gen.design, xb, { layerIndex, rt: t.rt, ct: t.ct }, inp.x, chosen);
      const outSize = inp.outW > 1 ? { outH: inp.patchesPerImage / inp.outW, outW: inp.outW } : undefined;
      const dir = writeSet(gen, { g: tv.g, regs: tv.regs, acts: tv.acts, expected: tv.expected }, { test: t.layer }, vectorContext(gen, xb, tv, outSize));
      const alone = recompute(dir);
      expect(alone.words).toEqual(tv.expected);
      expect(tv.expected.flat().some((w) => w !== 0n)).toBe(true);

      // What vectors.json says about the layer and the ADC, against the programmed crossbar.
      const vj = JSON.parse(readFileSync(join(dir, 'vectors.json'), 'utf8'));
      const L = xb.mappings[layerIndex]!.layout;
      expect(vj.layer).toMatchObject({ index: layerIndex, R: L.R, C: L.C, rowTiles: L.rowTiles, colTiles: L.colTiles, rt: t.rt, ct: t.ct });
      expect(vj.layer.activeRows).toBe(Math.min(gen.design.rows, L.R - t.rt * gen.design.rows));
      // Rows past the layer's are 0 in every vector (docs/rtl.md: the input sum counts every row of the vector).
      for (const a of tv.acts) expect(a.subarray(vj.layer.activeRows).every((c) => c === 0)).toBe(true);
      const zero = xb.mappings[layerIndex]!.zero![t.rt * L.colTiles + t.ct]!;
      expect(vj.layer.zeroPoint).toBe(zero);
      const adc = xb.adc[layerIndex]!;
      if (adc.mode !== 'fixed') throw new Error('expected a fixed ADC');
      expect(vj.adc).toMatchObject({ mode: 'fixed-calibrated', shift: adc.m, fullScale: adc.fullScale, minCode: adc.minCode, maxCode: adc.maxCode });
      if (t.layer === 'conv1') expect(vj.layer.shape).toMatchObject({ inC: 3, kH: 3, kW: 3, outH: 32, outW: 32 });
      // A flipped offset column's input-sum coefficient is 2^b − 1 − 2z (docs/model.md §5.4).
      for (const c of vj.layer.inputSum) if (c !== 0) expect(c).toBe(2 ** gen.design.weightBits - 1 - 2 * zero);
    }, 300_000);
  }
});

describe('every ADC mode, scheme and ADC kind the RTL takes: the standalone model equals the reference model', () => {
  // The generated tile equals the reference model on these configs and tables (test/rtl/tile.sim.test.ts),
  // so the standalone model agreeing with the reference here means it agrees with the RTL.
  const configs: [string, Config][] = [
    ...GOLDEN_NAMES.map((n) => [n, goldenConfig(n)] as [string, Config]),
    ...(Object.keys(EXTRA) as (keyof typeof EXTRA)[]).map((n) => [n, extraConfig(n)] as [string, Config]),
  ];
  configs.forEach(([name, cfg], i) => {
    it(`${name}: random cells, row map, flipped terms, input-sum terms and ADC shift (seed ${101 + i})`, () => {
      const gen = generateRtl({ config: cfg });
      const d = gen.design;
      const r = rng(101 + i);
      const levels = [...conductanceTable(cfg).levelG];
      const g = Array.from({ length: d.rows }, () => Array.from({ length: d.cols }, () => (r.int(0, 3) === 0 ? r.int(d.gMin, d.gMax) : r.pick([...levels, d.gMin, d.gMax]))));
      const rowMap = r.shuffle(Array.from({ length: d.rows }, (_, k) => k));
      const terms: Term[][] = d.defaultTerms.map((ts) => {
        const invert = r.int(0, 1) === 1;
        return ts.map((t) => ({ ...t, neg: t.neg !== invert }));
      });
      const inputSum = d.defaultTerms.map(() => r.pick([-1, 0, 0, 1, 2, -4].filter((c) => Math.abs(c) <= 2 ** (2 ** d.termShiftBits - 1))));
      const adc = referenceAdc(cfg, d, d.adcMode === 'fixed-calibrated' ? (d.parallelRead * d.gMax) / r.pick([1, 3, 9]) : undefined);
      const regs = programWrites(d, { rowMap, terms, inputSum, ...(d.shiftProgrammable && adc.mode === 'fixed' ? { adcShift: adc.m } : {}) });
      const acts = Array.from({ length: 6 }, () => Int32Array.from({ length: d.rows }, () => r.int(0, 2 ** d.actBits - 1)));
      const expected = referenceOutputs(cfg, d, [{ g, rowMap, terms, inputSum }], acts.map((a) => [...a]), adc);
      const dir = writeSet(gen, { g, regs, acts, expected }, { test: name }, { fullScale: adc.mode === 'fixed' ? adc.fullScale : null, layer: null });
      const alone = recompute(dir);
      expect(alone.words).toEqual(expected);
      expect(expected.flat().some((w) => w !== 0n)).toBe(true);
      expect(alone.shift).toBe(adc.mode === 'fixed' ? adc.m : 0);
    });
  });
});

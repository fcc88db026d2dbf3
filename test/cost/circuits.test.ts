/** NeuroSim's circuit choices as cost-model options (docs/cost.md §12), each on a case worked by hand. */
import { describe, expect, it } from 'vitest';
import type { LayerActivity } from '../../src/cost/measure.ts';
import { BETA, MLSA_CURRENT_LP, neurosimFloorplan, neurosimTransferCycles, OFF_CURRENT_A_PER_M, PROFILES, resolveCircuits, sensingDelayS, ZETA } from '../../src/cost/circuits.ts';
import { k } from '../../src/cost/constants.ts';
import { estimateDigitalAreas } from '../../src/cost/digital.ts';
import { costModel, networkGeometry } from '../../src/cost/model.ts';
import { minGateAreaM2, techNode } from '../../src/cost/tech.ts';
import { sensitivity } from '../../src/cost/sensitivity.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import { buildVgg8 } from '../../src/nn/vgg8.ts';
import { config } from '../helpers.ts';

/** NeuroSim V1.3's example: full-width VGG8, 8-bit, 2 bits per cell, 100 kΩ / 10 MΩ, 128×128, 5-bit flash, 22 nm. */
const base: ConfigInput = { network: { model: 'random-vgg8', randomWidth: 1 }, tile: { cellBits: 2, adcKind: 'flash' }, device: { rOnOhm: 100e3, onOffRatio: 100 } };
const cfgWith = (cost: ConfigInput['cost']) => config({ ...base, cost });
const vgg8 = buildVgg8({ width: 1, seed: 1 });
const mem = cfgWith({});
const geometry = networkGeometry(vgg8, mem);
const activity: LayerActivity[] = geometry.map((g) => {
  const reads = g.P * g.layout.rowTiles * g.layout.colTiles * 8;
  return { name: g.name, reads, conversions: reads * 128, currentSum: 1e9, activeRowBits: g.P * g.R * 3, vectors: g.P, extraOpsPerRead: 0, storageBitsPerSubarray: 0 };
});
const digital = estimateDigitalAreas(mem);
const price = (cost: ConfigInput['cost']) => costModel({ cfg: cfgWith(cost), geometry, activity, digital });
const r0 = price({});
const t22 = techNode(22);
const gLsb = 1 / (100e3 * 4096);

describe('profile', () => {
  it('memxbar is the default; neurosim turns every option on; an explicit option overrides the profile', () => {
    expect(resolveCircuits(mem)).toEqual({ profile: 'memxbar', ...PROFILES.memxbar });
    expect(resolveCircuits(cfgWith({ circuits: 'neurosim' }))).toEqual({ profile: 'neurosim', ...PROFILES.neurosim });
    expect(resolveCircuits(cfgWith({ circuits: 'neurosim', leakage: false })).leakage).toBe(false);
    expect(resolveCircuits(cfgWith({ senseAmp: 'current' })).senseAmp).toBe('current');
  });
  it('an unknown profile is refused with the config path named', () => {
    expect(() => cfgWith({ circuits: 'spice' as never })).toThrow(/cost\.circuits: must be one of memxbar \| neurosim, got "spice"/);
  });
});

describe('current-mode sense amplifier (MultilevelSenseAmp.cpp)', () => {
  const r = price({ senseAmp: 'current' });
  it('column current over the 1 ns sensing delay: 0.0631 W·Ω · (0.5/0.5) · 1 ns · ΣG', () => {
    expect(r.layers[1]!.energyPerImageJ.items['array.read']).toBeCloseTo(0.0631 * 1e-9 * gLsb * 1e9, 20);
    expect(r0.layers[1]!.energyPerImageJ.items['array.read']).toBeCloseTo(0.25 * 10e-9 * gLsb * 1e9, 20);
  });
  it('31 sense amplifiers of 1.7 µW for 1 ns per conversion', () => {
    const conversions = activity[1]!.conversions;
    expect(r.layers[1]!.energyPerImageJ.items['adc.converters']).toBeCloseTo(conversions * 1.7e-6 * 31 * 1e-9, 15);
    expect(MLSA_CURRENT_LP[22]).toEqual({ aUw: 1.7, cW: 0.0631 });
  });
  it('sensing delay: 1 ns at ≤ 22 nm; at 45 nm the fit (0.0714·ln(R/1 kΩ) + 0.7651) ns, clamped to 1–10 ns', () => {
    expect(sensingDelayS(t22, 5e3, 0.5)).toBe(1e-9);
    expect(sensingDelayS(techNode(45), 1e6, 0.5)).toBeCloseTo((0.0714 * Math.log(1000) + 0.7651) * 1e-9, 15);
    expect(sensingDelayS(techNode(45), 1e3, 0.5)).toBe(1e-9); // 0.77 ns → 1 ns
    expect(sensingDelayS(techNode(130), 1e20, 0.5)).toBe(10e-9); // 10.5 ns → 10 ns
  });
});

describe('clock following the sensing delay (synchronous mode)', () => {
  const r = price({ clock: 'sensing' });
  // The rest of NeuroSim's sensing cycle (switch matrix or mux + decoder, column RC, encoder): src/cost/neurosim-delay.ts.
  const extra = r.sensingCycle!.parts!.totalS;
  it('flash: pulse 1 ns; slot = 1 ns sensing + the ported cycle parts; vector = 8 bits × 8 slots + 281 cycles', () => {
    expect(extra).toBeGreaterThan(0.3e-9);
    expect(extra).toBeLessThan(1e-9);
    expect(r.tile.slotS).toBeCloseTo(1e-9 + extra, 18);
    expect(r.tile.vectorS).toBeCloseTo((64 + 281) * (1e-9 + extra), 15);
    expect(r.layers[1]!.energyPerImageJ.items['array.read']).toBeCloseTo(0.25 * 1e-9 * gLsb * 1e9, 20);
    expect(r0.tile.vectorS).toBeCloseTo(921e-9, 15);
  });
  it('validated (ζ on): the clock is β = 1.4 × the sensing cycle, one column slot per clock', () => {
    const v = price({ clock: 'sensing', validationFactor: true });
    expect(BETA).toBe(1.4);
    expect(v.sensingCycle!.cycleS).toBeCloseTo(1.4 * (1e-9 + extra), 18);
    expect(v.tech.clockHz).toBeCloseTo(1 / (1.4 * (1e-9 + extra)), 0);
    expect(v.tile.slotS).toBeCloseTo(1.4 * (1e-9 + extra), 18);
  });
  it('buffers and H-trees counted per layer in clock cycles after computing; the RTL clock counts none', () => {
    const c = r.layers[0]!.latencyPerImageS.items;
    expect(c['other.buffers']).toBeGreaterThan(0);
    expect(c['other.htree']).toBeGreaterThan(0);
    expect(r0.layers[0]!.latencyPerImageS.items['other.buffers']).toBeUndefined();
  });
});

describe('NeuroSim V1.3 transfer cycles (Chip.cpp, Tile.cpp, Buffer.cpp, HTree.cpp), conv1 of VGG8 worked by hand', () => {
  const fp = neurosimFloorplan(geometry.map((g) => g.ns), 128, 128, 4);
  const t = neurosimTransferCycles(geometry.map((g) => ({ ...g.ns, vectors: g.validP, pooled: g.pooled })), fp, 128, 4, 8, 5, 8);
  it('V1.4 counting (Chip.cpp, Tile.cpp "230920 update"): no ⌈47 tiles / 1⌉ factor on the global buffer, tile buffers half read, half written', () => {
    const t4 = neurosimTransferCycles(geometry.map((g) => ({ ...g.ns, vectors: g.validP, pooled: g.pooled })), fp, 128, 4, 8, 5, 8, { version: '1.4', pipeline: false });
    expect(t4[0]!.globalBuffer).toBeCloseTo(t[0]!.globalBuffer / 47, 6);
    expect(t4[0]!.tileBuffer).toBeCloseTo(t[0]!.tileBuffer / 2, 6);
    expect(t4[0]!.globalHtree).toBe(t[0]!.globalHtree);
  });
  it('pipelined buffer sizing (V1.4 ChipInitialize): cores for Σ inputs / 2 = 145,408 activations · 8 bits → 71 cores; bus Σ over every tile, halved to ≤ 2048 bits', () => {
    const pp = neurosimFloorplan(geometry.map((g) => g.ns), 128, 128, 4, true);
    const tp = neurosimTransferCycles(geometry.map((g) => ({ ...g.ns, vectors: g.validP, pooled: g.pooled })), pp, 128, 4, 8, 5, 8, { version: '1.4', pipeline: true });
    let bus = pp.layers.reduce((s, x) => s + (x.novel ? 512 * 3 : 1024) * (1 + 1 / 8) * x.tiles, 0);
    while (bus > 2048) bus /= 2;
    expect(Math.ceil((8 * (3072 + 131072 + 32768 + 65536 + 16384 + 32768 + 8192 + 1024)) / 2 / 16384)).toBe(71);
    expect(tp[0]!.globalBuffer).toBeCloseTo((27 * 8 * 900 + 128 * 8 * 900) / 128 / Math.min(71, Math.ceil(bus / 128)), 6);
  });
  it('pooled layers: conv2, conv4, conv6', () => {
    expect(geometry.map((g) => g.pooled)).toEqual([false, true, false, true, false, true, false, false]);
  });
  it('global buffer: (27·8·900 + 128·8·900)/128 lines / min(64 cores, ⌈1512/128⌉) × ⌈47 tiles / 1⌉', () => {
    // bus: 3 conventional tiles (1024 + 128) + 5 novel-mapped (512·3 + 192) = 12096 bits, halved to 1512
    expect(t[0]!.globalBuffer).toBeCloseTo(((27 * 8 * 900 + 128 * 8 * 900) / 128 / 12) * 47, 6);
    expect(t[0]!.globalHtree).toBe(Math.ceil((27 * 8 * 900 + 128 * 8 * 900) / 1512));
  });
  it('tile buffers: in 2 × 27·900·8/32 / 2 cores; out 2 × 128·(1+16)·900/32 / 1 core; tile H-tree over 2·128 bits', () => {
    expect(t[0]!.tileBuffer).toBeCloseTo((2 * 27 * 900 * 8) / 32 / 2 + (2 * 128 * 17 * 900) / 32, 6);
    expect(t[0]!.tileHtree).toBeCloseTo((27 * 900 * 8 + 128 * 17 * 900) / 256, 6);
  });
  it('a novel-mapped, pooled layer: inputs / k to the tiles, outputs / 4 to the global buffer', () => {
    // conv2: 1152 rows, 900 vectors, 1 tile of 9 PEs
    expect(t[1]!.globalBuffer).toBeCloseTo(((1152 * 8 * 900) / 3 / 128 + (128 * 8 * 900) / 4 / 128) / 12 * 47, 6);
  });
});

describe('low-swing interconnect (HTree.cpp)', () => {
  const r = price({ interconnect: 'low-swing' });
  it('0.25·c_w·L·Vdd² per bit, inputs once per kernel row', () => {
    const g = geometry[1]!;
    const side = r.chip.sideMm * 1e-3;
    const tileSide = Math.sqrt(r.tile.areaUm2.total * 1e-12);
    const e = (L: number) => 0.25 * k('wireCapFPerM') * L * 0.85 * 0.85;
    const psumBits = 0; // checked below through the difference
    const expectChip = g.P * ((g.R * 8) / 3 + g.C * 8) * e(side);
    const got = r.layers[1]!.energyPerImageJ.items['other.interconnect']!;
    const lay = g.layout;
    const psumPart = got - expectChip;
    expect(psumPart).toBeGreaterThanOrEqual(psumBits);
    // The row-tile partial sums cross one tile: (RT − 1) · CT · Wc · psumBits bits per patch.
    expect(psumPart / (g.P * lay.colTiles * 31 * (lay.rowTiles - 1) * e(tileSide))).toBeCloseTo(Math.round(psumPart / (g.P * lay.colTiles * 31 * (lay.rowTiles - 1) * e(tileSide))), 9);
    expect(got).toBeLessThan(r0.layers[1]!.energyPerImageJ.items['other.interconnect']! / 2);
  });
});

describe('leakage of idle tiles (main.cpp)', () => {
  const r = price({ leakage: true });
  it('P_tile = periphery area / A_min · I_off · 2F · Vdd; layer i leaks (tiles − tiles_i) · t_i · P_tile', () => {
    const periphery = (r.tile.areaUm2.total - r.tile.areaUm2.items['array.cells']!) * 1e-12;
    const p = (periphery / minGateAreaM2(t22)) * OFF_CURRENT_A_PER_M[22]!.n * 2 * 22e-9 * 0.85;
    expect(r.tileLeakageW).toBeCloseTo(p, 18);
    const l = r.layers[6]!; // fc1: 2176 of 3395 tiles
    expect(l.energyPerImageJ.items['other.leakage']).toBeCloseTo((3395 - 2176) * l.latencyPerImageS.total * p, 18);
    expect(r0.network.energyPerImageJ.items['other.leakage']).toBe(0);
  });
  it('a node whose off current was not read: reported as not modelled', () => {
    const r45 = costModel({ cfg: config({ ...base, tech: { nodeNm: 45 }, cost: { leakage: true } }), geometry, activity, digital });
    expect(r45.leakageModelled).toBe(false);
    expect(r45.tileLeakageW).toBe(0);
  });
});

describe("NeuroSim's floorplan (Chip.cpp ChipFloorPlan)", () => {
  it('VGG8, 2-bit cells: 1024² tiles, 512² PEs, novel-mapped 512² × 9; 47 tiles, 4048 subarrays; speed-up 16, 4, 4, 2, 2, 1, 1, 8', () => {
    // By hand: CM layers conv1 (27 × 512), fc1 (8192 × 4096), fc2 (1024 × 40); utilisation 0.94 at 1024² tiles.
    // NM layers conv2–6 (C_in × 4·C_out per PE): 13 tiles at 512² PEs (utilisation 0.60, best of 2048, 1024, 512).
    const fp = neurosimFloorplan(geometry.map((g) => g.ns), 128, 128, 4);
    expect([fp.tileSizeCM, fp.peSizeCM, fp.peSizeNM, fp.numPENM]).toEqual([1024, 512, 512, 9]);
    expect(fp.layers.map((l) => l.tiles)).toEqual([1, 1, 2, 2, 4, 4, 32, 1]);
    expect(fp.subarrays).toBe(34 * 64 + 13 * 9 * 16);
    expect(fp.layers.map((l) => l.speedUp)).toEqual([16, 4, 4, 2, 2, 1, 1, 8]);
  });
  it('pipelined (V1.4 ChipDesignInitialize, OverallEachLayer): speed-up degree 8 clamped to 32/8 = 4, pipelineSpeedUp ⌈(IFM/8)²⌉ = 16, 16, 4, 4, 1, 1, 1, 1; tile rows × ⌈pipelineSpeedUp / duplication⌉', () => {
    const fp = neurosimFloorplan(geometry.map((g) => g.ns), 128, 128, 4);
    const pp = neurosimFloorplan(geometry.map((g) => g.ns), 128, 128, 4, true);
    // duplication 16, 4, 4, 2, 2, 1, 1, 8 → extra copies ⌈16/16⌉, ⌈16/4⌉, ⌈4/4⌉, ⌈4/2⌉, 1, 1, 1, 1
    const extra = [1, 4, 1, 2, 1, 1, 1, 1];
    expect(pp.layers.map((l) => l.speedUp)).toEqual([16, 16, 4, 4, 2, 1, 1, 8]);
    expect(pp.layers.map((l) => l.tiles)).toEqual(fp.layers.map((l, i) => l.tiles * extra[i]!));
    expect(pp.subarrays).toBe(fp.subarrays + 9 * 16 * (1 * 3 + 2 * 1));
  });
  it('area counts every subarray of the floorplan; a layer with speed-up s runs ceil(P/s) vectors', () => {
    const r = price({ floorplan: 'neurosim' });
    expect(r.network.tiles).toBe(4048);
    expect(r.layers[1]!.latencyPerImageS.total).toBeCloseTo(256 * 921e-9 + 10e-9, 12); // 1024 / 4
    // Same work: only the wires grow with the chip's side.
    const e = r.network.energyPerImageJ;
    const e0 = r0.network.energyPerImageJ;
    expect(e.total - e.items['other.interconnect']!).toBeCloseTo(e0.total - e0.items['other.interconnect']!, 15);
    expect(r.chip.sideMm).toBeGreaterThan(r0.chip.sideMm);
    expect(e.items['other.interconnect']!).toBeGreaterThan(e0.items['other.interconnect']!);
  });
});

describe('valid positions and the validation factor', () => {
  it('conv1 simulates 30² of its 32² positions; operations still count 32²', () => {
    const r = price({ positions: 'valid' });
    expect(r.layers[0]!.energyPerImageJ.total / r0.layers[0]!.energyPerImageJ.total).toBeCloseTo(900 / 1024, 12);
    expect(r.layers[0]!.latencyPerImageS.total / r0.layers[0]!.latencyPerImageS.total).toBeCloseTo(900 / 1024, 12);
    expect(r.network.opsPerImage).toBe(r0.network.opsPerImage);
    expect(r.layers[6]!.energyPerImageJ.total).toBe(r0.layers[6]!.energyPerImageJ.total); // fc: unchanged
  });
  it('ζ = 1.22 multiplies the energy and nothing else', () => {
    const r = price({ validationFactor: true });
    expect(r.network.energyPerImageJ.total / r0.network.energyPerImageJ.total).toBeCloseTo(ZETA, 12);
    expect(r.network.latencyPerImageS.total).toBe(r0.network.latencyPerImageS.total);
  });
});

describe('sensitivity', () => {
  it('each assumption at both ends, relative to the configured accelerator; read pulse ×10 raises energy and latency', () => {
    const rows = sensitivity({ cfg: mem, geometry: (c) => networkGeometry(vgg8, c), activity: { images: 1, correct: null, stuckCells: 0, sa1Cells: 0, cells: 0, layers: activity }, digital });
    const byName = Object.fromEntries(rows.map((r) => [r.assumption, r]));
    expect(Object.keys(byName)).toEqual(expect.arrayContaining(['read pulse', 'sense amplifier', 'ADC bits', 'ADC kind', 'columns per ADC', 'interconnect swing', 'technology node']));
    const pulse = byName['read pulse']!;
    expect(pulse.energy![1]).toBeGreaterThan(1);
    expect(pulse.latency![1]).toBeCloseTo((8 * 8 * 100e-9 + 281e-9) / 921e-9, 2);
    expect(pulse.area).toEqual([1, 1]);
    // The current-mode end: array read 0.25 · 10 ns → 0.0631 · 1 ns plus the sense amplifiers.
    const sa = byName['sense amplifier']!;
    const e0 = r0.network.energyPerImageJ.total;
    const rc = price({ senseAmp: 'current' });
    expect(sa.energy![1]).toBeCloseTo(rc.network.energyPerImageJ.total / e0, 12);
  });
});

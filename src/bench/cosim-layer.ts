/**
 * Co-simulation benchmark (`npm run bench`): one whole VGG8-w0.5 layer — every tile, one
 * image — co-simulated with each available simulator, every word checked against the
 * reference model. The simulation time excludes building the model (reported apart:
 * a build is made once per tile design and cached); each tile's time is the best of
 * BENCH_REPEATS runs, so that other load on the machine does not skew the ratio. fc2 by default: its 4 tiles take
 * Icarus seconds, while a conv layer's thousands of vectors would take it an hour.
 */
import { parseOverride, resolveConfig } from '../config/load.ts';
import { generateRtl } from '../rtl/generate.ts';
import { programCrossbar } from '../session/eval.ts';
import { prepare } from '../session/prepare.ts';
import { buildFor, cosimTile, type CosimResult } from '../cosim/cosim.ts';
import { layerInputs, layerLabel, resolveLayer } from '../cosim/layer.ts';
import { detectAll, type SimulatorName } from '../cosim/simulators/index.ts';
import { rowTileProduct, tileVectors } from '../cosim/tile.ts';

export interface CosimBenchRow {
  simulator: string;
  /** Wall time of simulating every tile (process start to exit; per tile the best of the repeats), build excluded. */
  seconds: number;
  tiles: number;
  layer: string;
  vectors: number;
  words: number;
  cycles: number;
  /** Build time of the testbench model (0 when it came from the cache). */
  buildSeconds: number;
  buildCached: boolean;
  /** Every word of every tile matched the reference model. */
  ok: boolean;
}

export const BENCH_LAYER = 'fc2';
/**
 * Simulators benched by default: CXXRTL is left out because its first build of the
 * 128 x 128 tile takes g++ 10 minutes or more (pass `simulators` to include it).
 */
export const BENCH_SIMULATORS: readonly SimulatorName[] = ['icarus', 'verilator'];

/** Each tile is simulated this many times and its fastest run counted (best of N: load on the machine only adds time). */
export const BENCH_REPEATS = 3;

export async function benchCosimLayer(
  opts: { layer?: string; simulators?: readonly SimulatorName[]; repeats?: number; onProgress?: (line: string) => void } = {},
): Promise<CosimBenchRow[]> {
  const wanted = opts.simulators ?? BENCH_SIMULATORS;
  const log = opts.onProgress ?? (() => {});
  const cfg = resolveConfig({
    preset: 'neurosim-v1.4',
    overrides: ['experiment.images=1', 'faults.rate=0.05', 'faults.sa1Sa0Ratio="5:1"', 'mitigation.method="mt-map"'].map(parseOverride),
  });
  log('cosim bench: preparing VGG8-w0.5 (5% SAF 5:1, mt-map)');
  const p = prepare(cfg);
  const xb = programCrossbar(p, cfg);
  const layerIndex = resolveLayer(p, opts.layer ?? BENCH_LAYER);
  const label = layerLabel(p, layerIndex);
  const L = xb.mappings[layerIndex]!.layout;
  const gen = generateRtl({ config: cfg });
  const inp = layerInputs(p, xb, layerIndex, 1);
  const vectors = Array.from({ length: inp.patchesPerImage }, (_, i) => i);
  // Expected words: one restricted reference product per row tile serves every column tile.
  const tiles = [];
  for (let rt = 0; rt < L.rowTiles; rt++) {
    const acc = rowTileProduct(xb, layerIndex, inp.x, vectors.length, rt);
    for (let ct = 0; ct < L.colTiles; ct++) tiles.push(tileVectors(gen.design, xb, { layerIndex, rt, ct }, inp.x, vectors, acc));
  }
  const rows: CosimBenchRow[] = [];
  for (const { simulator, detection } of detectAll()) {
    if (!wanted.includes(simulator.name)) continue;
    if (!detection.available) {
      log(`cosim bench: ${simulator.name} not available (${detection.detail})`);
      continue;
    }
    const build = await buildFor(simulator, gen, false, { start() {}, tick() {}, stop() {}, log });
    log(`cosim bench: ${simulator.name}, ${label}, ${tiles.length} tiles × ${vectors.length} vectors`);
    let seconds = 0;
    let cycles = 0;
    let ok = true;
    let words = 0;
    for (const tv of tiles) {
      let r: CosimResult | null = null;
      let best = Infinity;
      for (let k = 0; k < (opts.repeats ?? BENCH_REPEATS); k++) {
        r = await cosimTile({ gen, xb, tv, label, simulator, build, outDir: null, diagnose: false, vcd: false });
        best = Math.min(best, r.simulateSeconds);
      }
      r = r!;
      seconds += best;
      cycles += r.cycles;
      words += r.words;
      if (!r.ok) {
        ok = false;
        log(r.text.trimEnd());
      }
    }
    rows.push({ simulator: simulator.name, seconds, tiles: tiles.length, layer: label, vectors: tiles.length * vectors.length, words, cycles, buildSeconds: build.buildSeconds, buildCached: build.cached, ok });
    log(`cosim bench: ${simulator.name}: ${seconds.toFixed(2)} s for ${tiles.length} tiles (${cycles} cycles), build ${build.cached ? 'cached' : `${build.buildSeconds.toFixed(1)} s`}, ${ok ? 'all words match' : 'MISMATCH'}`);
  }
  return rows;
}

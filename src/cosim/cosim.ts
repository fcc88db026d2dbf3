/**
 * Co-simulation of one tile: the generated RTL with the behavioural array, on a layer's
 * real input vectors, against the reference model, word for word. `cosimTile` runs a
 * prepared tile (tests use it directly); `cosimLayerTile` does everything from a config,
 * as `memxbar cosim` does.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Config } from '../config/schema.ts';
import { effectSeeds, readNoiseOn } from '../crossbar/effects.ts';
import { networkLayerShapes } from '../crossbar/faults.ts';
import type { Crossbar } from '../crossbar/reference.ts';
import { generateRtl, MANIFEST_FILE, type GeneratedRtl } from '../rtl/generate.ts';
import { checkEngine, programCrossbar } from '../session/eval.ts';
import { loadInputs, prepare, type Prepared } from '../session/prepare.ts';
import { checkOutDir, writeOutputs } from '../util/output.ts';
import { ToolError, UnsupportedError } from '../errors.ts';
import { silentProgress, type Progress } from '../util/progress.ts';
import { firstMismatch } from './compare.ts';
import { diagnose } from './diagnose.ts';
import { layerInputs, layerLabel, resolveLayer, samplePatches, type LayerInputs } from './layer.ts';
import { mismatchText, successText, type CosimResult, type MismatchReport } from './result.ts';
import { simulateSet } from './simulate.ts';
import { chooseSimulator, type Simulator, type SimulatorName } from './simulators/index.ts';
import type { SimBuild } from './simulators/simulator.ts';
import { DEFAULT_MAX_VECS, regCapacity } from './testbench.ts';
import { checkTileInLayout, checkTileRunnable, tileVectors, type TileVectors } from './tile.ts';
import { cellWordBits, layerContext, renderVectorSet, VECTORS_MANIFEST, type VectorContext } from './vectors.ts';

/** Every file a co-simulation writes into its folder (checked before the work). */
const COSIM_FILES = [VECTORS_MANIFEST, 'cells.hex', 'noise.hex', 'regs.hex', 'acts.hex', 'expected.hex', MANIFEST_FILE, 'outputs.txt', 'failing.vcd', 'report.txt', 'report.json'];

export type { CosimResult, MismatchReport } from './result.ts';

export interface CosimTileRequest {
  gen: GeneratedRtl;
  xb: Crossbar;
  tv: TileVectors;
  /** Layer label for the report (e.g. `conv3 (/7/Conv)`). */
  label: string;
  /** Cells given to the simulated array (default: the tile's own); tests corrupt them. */
  cells?: TileVectors['g'];
  /** Expected words (default: the reference model's); tests corrupt them. */
  expected?: TileVectors['expected'];
  simulator: Simulator;
  /** A build of `simulator` for `gen` (built here if omitted). */
  build?: SimBuild;
  outDir: string | null;
  describePatch?: (patch: number) => string;
  source?: Record<string, unknown>;
  /** Output size of a conv layer, recorded in vectors.json (omitted when not given). */
  outSize?: { outH: number; outW: number };
  stall?: boolean;
  /** Localize a mismatch (input bit, row group, unit) with extra runs (default true). */
  diagnose?: boolean;
  /** Dump the failing window to failing.vcd in outDir (default true). */
  vcd?: boolean;
  progress?: Progress;
}

const hexOf = (v: bigint, bits: number) => (v < 0n ? v + (1n << BigInt(bits)) : v).toString(16).padStart(Math.ceil(bits / 4), '0');

/** Build the testbench for `gen`; `cells` (when given) sizes its cell words (cells above Gmax need wider ones). */
export async function buildFor(simulator: Simulator, gen: GeneratedRtl, trace: boolean, progress: Progress = silentProgress, cells?: TileVectors['g'], opts: { fewVectors?: boolean } = {}): Promise<SimBuild> {
  const cellBits = cells ? cellWordBits(gen, cells) : 0;
  const wide = cellBits > Number(gen.manifest.analogModel.GW) ? { cellBits } : {};
  return simulator.build(gen, { capacity: { maxRegs: regCapacity(gen), maxVecs: DEFAULT_MAX_VECS, ...wide }, trace, onLog: (l) => progress.log(l), ...(opts.fewVectors ? { fewVectors: true } : {}) });
}

/** What vectors.json records beyond the tile's files: the layer's ADC full scale and the layer itself. */
export function vectorContext(gen: GeneratedRtl, xb: Crossbar, tv: TileVectors, outSize?: { outH: number; outW: number }): VectorContext {
  const adc = xb.adc[tv.layerIndex]!;
  const d = gen.design;
  const fixed = adc.mode === 'fixed';
  return {
    fullScale: fixed ? adc.fullScale : null,
    fullScaleSource: !fixed ? null : d.adcMode === 'fixed-calibrated' ? 'calibrated (fixed-calibrated, docs/model.md §5.3)' : 'tile.parallelRead (fixed-full-scale)',
    layer: layerContext(d, xb, tv, outSize),
  };
}

export async function cosimTile(req: CosimTileRequest): Promise<CosimResult> {
  const { gen, xb, tv, simulator } = req;
  const d = gen.design;
  const progress = req.progress ?? silentProgress;
  const cells = req.cells ?? tv.g;
  const expected = req.expected ?? tv.expected;
  const build = req.build ?? (await buildFor(simulator, gen, false, progress, cells));
  const noise = tv.noise;
  const work = mkdtempSync(join(tmpdir(), 'memxbar-cosim-run-'));
  try {
    progress.log(`${simulator.name}: ${tv.acts.length} vectors on ${req.label} tile (${tv.rt}, ${tv.ct})`);
    const t0 = performance.now();
    const sim = await simulateSet(gen, build, { g: cells, regs: tv.regs, acts: tv.acts, noise }, work, {
      ...(req.stall ? { stall: true } : {}),
      onRun: (k, n) => n > 1 && progress.log(`  run ${k + 1}/${n}`),
    });
    const simulateSeconds = (performance.now() - t0) / 1000;
    const runOf = (v: number) => sim.runVectors.findIndex(([a, b]) => v >= a && v < b);
    const mm = firstMismatch(d, sim.output, expected, runOf);
    const got = tv.acts.map((_, v) => Array.from({ length: d.weightCols }, (_, o) => sim.output.words[v * d.weightCols + o]?.value ?? null));
    const files: string[] = [];
    const outFiles = new Map<string, string | Uint8Array>();
    if (req.outDir) {
      for (const [name, text] of renderVectorSet(
        gen,
        { g: cells, regs: tv.regs, acts: tv.acts, expected, noise },
        { ...(req.source ?? {}), layer: req.label, layerIndex: tv.layerIndex, tile: [tv.rt, tv.ct], patches: tv.patches },
        vectorContext(gen, xb, tv, req.outSize),
      )) outFiles.set(name, text);
      // The generator's manifest beside the vectors: the set needs no second command to be read.
      outFiles.set(MANIFEST_FILE, gen.files.get(MANIFEST_FILE)!);
      outFiles.set('outputs.txt', sim.output.words.map((w) => `${w.vector} ${w.index} ${w.raw} ${w.cycle} ${w.run}`).join('\n') + '\n');
    }
    let report: MismatchReport | null = null;
    if (mm) {
      const patch = tv.patches[mm.vector]!;
      const o = tv.ct * d.weightCols + mm.column;
      const C = xb.mappings[tv.layerIndex]!.layout.C;
      report = {
        kind: mm.kind,
        layer: req.label,
        layerIndex: tv.layerIndex,
        tile: { rt: tv.rt, ct: tv.ct },
        vector: mm.vector,
        patch,
        patchText: req.describePatch?.(patch) ?? `patch ${patch}`,
        column: mm.column,
        output: o < C ? o : null,
        cycle: mm.cycle,
        run: mm.run,
        window: null,
        expected: `${mm.expected} (0x${hexOf(mm.expected, d.psumBits)})`,
        got: mm.got === null ? null : mm.gotValue !== null ? `${mm.gotValue} (0x${mm.got})` : `0x${mm.got}`,
        diagnosis: null,
        vcd: null,
      };
      if (req.diagnose !== false && (mm.kind === 'value' || mm.kind === 'x')) {
        progress.log('mismatch: localizing (input bit, row group, unit)');
        try {
          report.diagnosis = await diagnose(gen, build, xb, tv, cells, mm.vector, mm.column, work);
        } catch (e) {
          if (!(e instanceof ToolError)) throw e;
          report.diagnosis = { bit: null, group: null, rows: [], pieceExpected: null, pieceGot: null, unit: null, unitsProbed: 0, note: `not localized: ${e.message}` };
        }
      }
      if (req.outDir && req.vcd !== false) {
        const from = Math.max(1, mm.windowStart - 2);
        const to = mm.cycle !== null ? mm.cycle + 2 : from + 50_000;
        progress.log(`mismatch: dumping cycles ${from}..${to} of run ${mm.run} to failing.vcd`);
        const tmpVcd = join(work, 'failing.vcd');
        try {
          const traced = simulator.name === 'verilator' ? await buildFor(simulator, gen, true, progress, cells) : build;
          await simulateSet(gen, traced, { g: cells, regs: tv.regs, acts: tv.acts, noise }, work, { vcd: { run: mm.run, path: tmpVcd, from, to }, ...(req.stall ? { stall: true } : {}) });
        } catch (e) {
          if (!(e instanceof ToolError)) throw e;
          progress.log(`mismatch: no VCD: ${e.message}`);
        }
        report.window = { from, to };
        if (existsSync(tmpVcd)) {
          const dest = join(req.outDir, 'failing.vcd');
          outFiles.set('failing.vcd', readFileSync(tmpVcd));
          report.vcd = dest;
        }
      }
    }
    const result: CosimResult = {
      ok: mm === null,
      simulator: simulator.name,
      vectors: tv.acts.length,
      words: tv.acts.length * d.weightCols,
      got,
      buildSeconds: build.buildSeconds,
      simulateSeconds,
      cycles: sim.runVectors.reduce((sum, _r, k) => sum + Math.max(0, ...sim.output.words.filter((w) => w.run === k).map((w) => w.cycle)), 0),
      runs: sim.runs,
      mismatch: report,
      files,
      text: '',
    };
    result.text = report ? mismatchText(report) : successText(result, req.label, tv);
    if (req.outDir) {
      outFiles.set('report.txt', result.text);
      outFiles.set('report.json', JSON.stringify({ ...result, got: undefined, text: undefined }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n');
      files.unshift(...writeOutputs(req.outDir, outFiles, { command: 'cosim' }));
    }
    return result;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface CosimRequest {
  cfg: Config;
  layer: string;
  rt: number;
  ct: number;
  images: number;
  /** Sample this many patches (all when null), drawn with `sampleSeed`. */
  patches: number | null;
  sampleSeed: number;
  simulator: SimulatorName | 'auto';
  outDir: string | null;
  stall?: boolean;
  progress?: Progress;
  /** A prepared network to reuse (tests, bench). */
  prepared?: Prepared;
  crossbar?: Crossbar;
  /** A build of the simulator for this config's RTL, started earlier (`memxbar run` starts it before the sweep); built here if omitted. */
  build?: SimBuild;
}

/** Describe patch v of LayerInputs: image, position. */
export function patchDescriber(inp: LayerInputs): (v: number) => string {
  return (v) => {
    const image = Math.floor(v / inp.patchesPerImage);
    const p = v % inp.patchesPerImage;
    return inp.patchesPerImage > 1 ? `image ${image}, patch ${p} (oy ${Math.floor(p / inp.outW)}, ox ${p % inp.outW})` : `image ${image}`;
  };
}

/**
 * The array effects (docs/model.md §9, §10) reach the behavioural array through the vectors:
 * per-cell conductances in cells.hex, the read noise of every read in noise.hex. Only the
 * Verilog testbench takes noise.hex: the CXXRTL twin is refused before any work.
 */
export function checkCosimEffects(cfg: Config, simulator: Simulator): void {
  if (readNoiseOn(cfg) && simulator.name === 'cxxrtl') {
    throw new UnsupportedError('the CXXRTL testbench does not take read noise (noise.hex); use --simulator icarus or verilator', 'device.readNoise');
  }
}

/** Everything `memxbar cosim` does: prepare, program, pick the tile and its vectors, simulate, compare. */
export async function cosimLayerTile(req: CosimRequest): Promise<CosimResult & { label: string; sampleSeed: number }> {
  const progress = req.progress ?? silentProgress;
  const cfg = req.cfg;
  checkEngine(cfg);
  // Refusals first: the RTL, the simulator, the inputs, the layer and tile, the output folder, before any long work.
  const gen = generateRtl({ config: cfg });
  const simulator = chooseSimulator(req.simulator);
  checkCosimEffects(cfg, simulator);
  const inputs = req.prepared ?? loadInputs(cfg);
  const layerIndex = resolveLayer(inputs, req.layer);
  checkTileInLayout(networkLayerShapes(inputs.net, cfg)[layerIndex]!, req);
  if (req.outDir) checkOutDir(req.outDir, COSIM_FILES);
  const p = 'qn' in inputs ? inputs : prepare(cfg, progress, inputs);
  const label = layerLabel(p, layerIndex);
  progress.log(`programming the crossbar (faults ${cfg.faults.rate} ${cfg.faults.sa1Sa0Ratio}, seed ${cfg.faults.seed}; mitigation ${cfg.mitigation.method})`);
  const seeds = effectSeeds(cfg);
  if (seeds) progress.log(`array effects: ${seeds}`);
  const xb = req.crossbar ?? programCrossbar(p, cfg);
  checkTileRunnable(xb, { layerIndex, rt: req.rt, ct: req.ct });
  const inp = layerInputs(p, xb, layerIndex, req.images);
  const total = inp.images * inp.patchesPerImage;
  const chosen = samplePatches(total, req.patches, req.sampleSeed);
  if (req.patches !== null && req.patches < total) progress.log(`sampled ${chosen.length} of ${total} patches (seed ${req.sampleSeed})`);
  const tv = tileVectors(gen.design, xb, { layerIndex, rt: req.rt, ct: req.ct }, inp.x, chosen);
  const build = req.build ?? (await buildFor(simulator, gen, false, progress, tv.g));
  const r = await cosimTile({
    gen,
    xb,
    tv,
    label,
    simulator,
    build,
    outDir: req.outDir,
    describePatch: patchDescriber(inp),
    ...(inp.outW > 1 || inp.patchesPerImage > 1 ? { outSize: { outH: inp.patchesPerImage / inp.outW, outW: inp.outW } } : {}),
    source: {
      images: req.images,
      patchesPerImage: inp.patchesPerImage,
      sampleSeed: req.patches === null ? null : req.sampleSeed,
      model: cfg.network.model,
      faults: { rate: cfg.faults.rate, sa1Sa0Ratio: cfg.faults.sa1Sa0Ratio, seed: cfg.faults.seed, mapFile: cfg.faults.mapFile ?? null },
      mitigation: cfg.mitigation.method,
    },
    ...(req.stall ? { stall: true } : {}),
    progress,
  });
  return { ...r, label, sampleSeed: req.sampleSeed };
}

/**
 * The whole test-and-repair loop of one tile, in the one testbench (docs/cosim.md "bist-mt"):
 *   1. the tile's march test (BIST) finds the stuck cells and writes its fault bitmap;
 *      the host reads the bitmap over the register interface;
 *   2. memxbar computes MT-map (src/mitigation) from the fault map with the BIST's map in
 *      place of this tile's region;
 *   3. the tile is programmed through its own write path (CSR CELL_WRITE, one cell per
 *      write, starting from the array the BIST left) and its MT tables;
 *   4. the layer's real vectors run, word for word against the reference model, which
 *      knows the chip's true stuck cells.
 * Steps 1 and 3–4 are two runs of the same compiled testbench: the second starts from the
 * array state the first wrote (+cells_out), with the same stuck cells.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import { conductanceTable } from '../crossbar/device.ts';
import { driftOn, readNoiseOn, variationOn } from '../crossbar/effects.ts';
import { countFaults, networkLayerShapes, type FaultMap } from '../crossbar/faults.ts';
import { UnsupportedError } from '../errors.ts';
import { bistCounts } from '../rtl/bist.ts';
import { CELL_WRITE_LEVEL_LSB, CSR, type Design } from '../rtl/design.ts';
import { generateRtl } from '../rtl/generate.ts';
import type { RegWrite } from '../rtl/tables.ts';
import { checkEngine, configuredFaults, programCrossbarWithFaults } from '../session/eval.ts';
import { loadInputs, prepare } from '../session/prepare.ts';
import { silentProgress } from '../util/progress.ts';
import { checkBistBuild, runBist, writePathFiles } from './bist.ts';
import { firstMismatch, parseSimOutput } from './compare.ts';
import { layerInputs, layerLabel, resolveLayer, samplePatches } from './layer.ts';
import { chooseSimulator } from './simulators/index.ts';
import { DEFAULT_MAX_VECS, regCapacity } from './testbench.ts';
import { checkTileInLayout, tileVectors } from './tile.ts';
import { actsHex, regsHex } from './vectors.ts';
import type { CosimRequest } from './cosim.ts';

/** What the loop needs of a co-simulation request: the layer's tile, its patches, the simulator. */
export type BistMtRequest = Pick<CosimRequest, 'cfg' | 'layer' | 'rt' | 'ct' | 'images' | 'patches' | 'sampleSeed' | 'simulator' | 'progress' | 'prepared'>;

export interface BistMtResult {
  ok: boolean;
  simulator: string;
  label: string;
  tile: { rt: number; ct: number; rows: number; cols: number };
  /** The tile's stuck cells (reference fault map) and how many fault-bitmap entries differ from it. */
  stuck: { sa0: number; sa1: number };
  mapMismatches: number;
  bistCycles: number;
  /** src/rtl/bist.ts's count for the tile (equal to bistCycles when the RTL is right). */
  bistCyclesModel: number;
  cellWrites: number;
  vectors: number;
  words: number;
  /** First word that differs from the reference model, or null. */
  mismatch: string | null;
  seconds: number;
  /** Simulator seconds of the BIST run and of the programming + inference run. */
  simSeconds: { bist: number; program: number };
  text: string;
  /** The tile the loop generated (with the write path and the BIST), for pricing its test. */
  design: Design;
  /** Level written to each cell through CELL_WRITE (row-major) and the tile's stuck map (0, 1 SA0, 2 SA1): for pricing the programming. */
  cellLevels: Uint8Array;
  stuckMap: Uint8Array;
}

/** Each cell (r, c) of tile (rt, ct) inside a layer's physical array: fn(r·cols + c, its index in the layer's map). */
function forEachTileCell(f: FaultMap[number], rows: number, cols: number, rt: number, ct: number, fn: (tileIndex: number, layerIndex: number) => void): void {
  for (let r = 0; r < rows; r++) {
    const pr = rt * rows + r;
    if (pr >= f.physRows) break;
    for (let c = 0; c < cols; c++) {
      const pc = ct * cols + c;
      if (pc < f.physCols) fn(r * cols + c, pr * f.physCols + pc);
    }
  }
}

/**
 * The loop programs the array through the write path's level table, so the cells hold the
 * table's ideal levels: the array effects that change a programmed cell or a read (docs/model.md
 * §9, §10) cannot reach it that way and are refused before any work.
 */
function checkBistLoopEffects(cfg: Config): void {
  const d = cfg.device;
  const where = d.programming.scheme !== 'reset' ? 'device.programming.scheme'
    : variationOn(cfg) ? 'device.variation' : driftOn(cfg) ? 'device.drift'
    : readNoiseOn(cfg) ? 'device.readNoise' : cfg.tile.irDrop.enabled ? 'tile.irDrop' : null;
  if (where !== null) {
    throw new UnsupportedError('the bist-mt loop writes ideal levels through the write path and does not carry the array effects; turn them off for this flow', where);
  }
}

export async function cosimBistMt(req: BistMtRequest): Promise<BistMtResult> {
  const progress = req.progress ?? silentProgress;
  // The loop computes MT-map from the BIST's map, whatever mitigation the config names.
  const cfg: Config = { ...req.cfg, mitigation: { ...req.cfg.mitigation, method: 'mt-map' } };
  checkEngine(cfg);
  checkBistLoopEffects(cfg);
  const gen = generateRtl({ config: cfg, options: { writePath: true, bist: true } });
  const d = gen.design;
  const simulator = chooseSimulator(req.simulator);
  checkBistBuild(gen, simulator.name);
  const inputs = req.prepared ?? loadInputs(cfg);
  const layerIndex = resolveLayer(inputs, req.layer);
  const shapes = networkLayerShapes(inputs.net, cfg);
  checkTileInLayout(shapes[layerIndex]!, req);
  const p = 'qn' in inputs ? inputs : prepare(cfg, progress, inputs);
  const label = layerLabel(p, layerIndex);
  const t0 = Date.now();

  const reference = configuredFaults(p, cfg, shapes);
  // The tile's region of the reference map, row-major rows × cols (0 outside the array).
  const stuck = new Uint8Array(d.rows * d.cols);
  forEachTileCell(reference[layerIndex]!, d.rows, d.cols, req.rt, req.ct, (t, l) => (stuck[t] = reference[layerIndex]!.cells[l]!));
  const table = conductanceTable(cfg);
  const levelOf = new Map<number, number>();
  table.levelG.forEach((g, l) => levelOf.set(g, l));

  const build = await simulator.build(gen, { capacity: { maxRegs: d.rows * d.cols + regCapacity(gen), maxVecs: DEFAULT_MAX_VECS }, trace: false, onLog: (l) => progress.log(l) });
  const work = mkdtempSync(join(tmpdir(), 'memxbar-bist-mt-'));
  try {
    // 1. BIST. The array before the test: every healthy cell at the top level (the test must write them).
    progress.log(`${simulator.name}: BIST on ${label} tile (${req.rt}, ${req.ct}), ${d.rows}x${d.cols} cells`);
    const top = table.levelG[table.levels - 1]!;
    const initial = Array.from({ length: d.rows }, (_, r) => Array.from({ length: d.cols }, (_, c) => {
      const s = stuck[r * d.cols + c];
      return s === 1 ? table.gMin : s === 2 ? table.gMax : top;
    }));
    const bist = await runBist(gen, build, initial, stuck, join(work, 'bist'));
    let mapMismatches = 0;
    for (let i = 0; i < stuck.length; i++) if (bist.map[i] !== stuck[i]) mapMismatches++;

    // 2. MT-map from the map the host read (this tile's region replaced by the BIST's).
    const measured: FaultMap = reference.map((l, i) => {
      if (i !== layerIndex) return l;
      const cells = l.cells.slice();
      forEachTileCell(l, d.rows, d.cols, req.rt, req.ct, (t, at) => (cells[at] = bist.map[t]!));
      return { ...l, cells };
    });
    progress.log('mt-map from the BIST\'s fault map');
    const xb = programCrossbarWithFaults(p, cfg, () => measured);
    const inp = layerInputs(p, xb, layerIndex, req.images);
    const chosen = samplePatches(inp.images * inp.patchesPerImage, req.patches, req.sampleSeed);
    const tv = tileVectors(d, xb, { layerIndex, rt: req.rt, ct: req.ct }, inp.x, chosen);

    // 3. Program the cells through the write path, then the MT tables.
    const writes: RegWrite[] = [];
    const cellLevels = new Uint8Array(d.rows * d.cols);
    for (let r = 0; r < d.rows; r++) for (let c = 0; c < d.cols; c++) {
      const level = levelOf.get(tv.g[r]![c]!);
      if (level === undefined) throw new UnsupportedError(`cell (${r}, ${c}) of the mapping holds conductance ${tv.g[r]![c]}, which is no level of the write drivers' table`, 'device');
      cellLevels[r * d.cols + c] = level;
      writes.push({ addr: CSR.CELL_WRITE, data: ((level << CELL_WRITE_LEVEL_LSB) | (r << d.colBits) | c) >>> 0 });
    }
    const regs = [...writes, ...tv.regs];
    const regsPath = join(work, 'regs.hex');
    const actsPath = join(work, 'acts.hex');
    const outPath = join(work, 'out.txt');
    writeFileSync(regsPath, regsHex(regs));
    writeFileSync(actsPath, actsHex(gen, tv.acts));
    const wp = writePathFiles(gen, stuck, work);
    // 4. Inference from the array the BIST left, with the chip's true stuck cells.
    progress.log(`${simulator.name}: ${writes.length} cell writes, ${tv.regs.length} table writes, ${tv.acts.length} vectors`);
    const run2 = await build.run({ cells: bist.cellsAfterPath, regs: regsPath, nRegs: regs.length, acts: actsPath, nVecs: tv.acts.length, out: outPath, levels: wp.levels, stuck: wp.stuck });
    const output = parseSimOutput(readFileSync(outPath, 'utf8'), d);
    const mm = firstMismatch(d, output, tv.expected);
    const mismatch = mm ? `vector ${mm.vector}, weight column ${mm.column}: expected ${mm.expected}, got ${mm.gotValue ?? mm.got ?? 'nothing'}` : null;
    const tileFaults = countFaults([{ name: '', physRows: d.rows, physCols: d.cols, cells: stuck }]);
    const model = bistCounts(d).cycles;
    const ok = mapMismatches === 0 && bist.cycles === model && mismatch === null;
    const result: BistMtResult = {
      ok,
      simulator: simulator.name,
      label,
      tile: { rt: req.rt, ct: req.ct, rows: d.rows, cols: d.cols },
      stuck: { sa0: tileFaults.sa0, sa1: tileFaults.sa1 },
      mapMismatches,
      bistCycles: bist.cycles,
      bistCyclesModel: model,
      cellWrites: writes.length,
      vectors: tv.acts.length,
      words: tv.acts.length * d.weightCols,
      mismatch,
      seconds: (Date.now() - t0) / 1000,
      simSeconds: { bist: bist.seconds, program: run2.seconds },
      text: '',
      design: d,
      cellLevels,
      stuckMap: stuck,
    };
    result.text = bistMtText(result);
    return result;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function bistMtText(r: BistMtResult): string {
  const lines = [
    `${r.ok ? 'MATCH' : 'MISMATCH'}: BIST → fault map → MT-map → write path → inference, ${r.label} tile (${r.tile.rt}, ${r.tile.ct}) on ${r.simulator}`,
    `  BIST: ${r.stuck.sa0} SA0 + ${r.stuck.sa1} SA1 of ${r.tile.rows * r.tile.cols} cells; fault bitmap ${r.mapMismatches === 0 ? 'equals the reference map' : `differs in ${r.mapMismatches} entries`}; ${r.bistCycles} cycles (model ${r.bistCyclesModel})`,
    `  programming: ${r.cellWrites} cell writes through CELL_WRITE, then the MT tables`,
    `  inference: ${r.vectors} vectors, ${r.words} words ${r.mismatch ? `— first mismatch: ${r.mismatch}` : 'equal to the reference model'}`,
    `  time: ${r.seconds.toFixed(1)} s (simulator: BIST ${r.simSeconds.bist.toFixed(1)} s, programming and inference ${r.simSeconds.program.toFixed(1)} s)`,
  ];
  return lines.join('\n') + '\n';
}

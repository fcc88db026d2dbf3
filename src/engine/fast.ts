/**
 * The fast engine: the reference model's semantics (docs/model.md), computed by native
 * kernels (src/native/kernels/) on all cores. It reads the same programmed
 * `Crossbar` (mappings, faults, ADCs) as the reference model and must give the same
 * integers, every one, and the same statistics (test/engine/fast*.test.ts). Per layer:
 *
 * - linear device, lossless ADC: the layer is exactly linear in its inputs, an integer GEMM
 *   with effective weights (fault-overridden cell levels through the recombination terms)
 *   plus a term in F[n] for single-ended units (AMX tiles, AVX-512 VNNI, or int64);
 * - linear device, 1-bit cells, fixed ADC (single-ended units or differential pairs): that
 *   GEMM minus a correction computed on bit planes: the shift's remainder (the parity of the
 *   active rows for m = 1) and the clamp of the reads that can clamp (at either end for pairs);
 * - per-cell conductances (programming variation, drift, incremental programming, IR drop,
 *   read noise; docs/model.md §9-10): read by read, each column current the sum of the active
 *   rows' integer conductances, the read noise drawn in vector lanes (kernels/cells.cc);
 * - anything else (multi-bit cells with a fixed ADC, nonlinear devices, current histograms of
 *   other layers): read by read, column by column, with popcounts.
 */
import type { Config } from '../config/schema.ts';
import { SA0, SA1 } from '../crossbar/faults.ts';
import { addColumnOffsets, addInputSums, type Crossbar } from '../crossbar/reference.ts';
import { gemm } from '../nn/ops.ts';
import { UnsupportedError } from '../errors.ts';
import type { MatrixEngine, QuantLayer } from '../nn/quant.ts';
import { kernelThreads, native, type CrossbarLayerArgs, type LayerPlan } from '../native/addon.ts';

/** Why the fast engine cannot run a config, or null when it can. Checked before any work. */
export function fastEngineRefusal(cfg: Config): { reason: string; where: string } | null {
  if (!native()) return { reason: 'the native kernels are not built (run `npm ci` or `npm run install`; node-gyp needs python3, make and g++)', where: 'engine' };
  if (cfg.tile.adcMode === 'self-ranging') return { reason: 'the fast engine does not support the self-ranging ADC (its range depends on every read of a batch); use engine "reference"', where: 'tile.adcMode' };
  if (cfg.quant.activationBits > 16) return { reason: 'the fast engine supports at most 16 activation bits', where: 'quant.activationBits' };
  return null;
}

type LayerArgs = CrossbarLayerArgs;

/** Pack one programmed layer into the kernel's tables (the native plan derives the rest). */
export function packLayer(xb: Crossbar, index: number): LayerArgs {
  const m = xb.mappings[index]!;
  const L = m.layout;
  for (let r = 0; r < L.R; r++) {
    // The kernels read a row with the terms of the tile that holds it (so does the reference
    // model for every row map that keeps rows in their tile, as all mappings do).
    if (Math.floor(m.rowMap[r]! / L.rows) !== Math.floor(r / L.rows)) {
      throw new UnsupportedError(`the fast engine needs every row mapped within its row tile; row ${r} goes to physical row ${m.rowMap[r]}`, `layer "${m.name}"`);
    }
  }
  const { table } = xb;
  const cells = xb.faults[index]!.cells;
  // Per-cell conductances (docs/model.md §9): planes are the bits of G − gBase, plane u weighs 2^u.
  const perCell = xb.perCell || xb.noise !== null;
  const Gc = xb.conductance[index]!;
  let gBase = table.gMin;
  let span = 0;
  let gAbs = 0;
  if (perCell) {
    for (let c = 0; c < Gc.length; c++) gBase = Math.min(gBase, Gc[c]!);
    for (let c = 0; c < Gc.length; c++) span = Math.max(span, Gc[c]! - gBase);
    for (let c = 0; c < Gc.length; c++) gAbs = Math.max(gAbs, Math.abs(Gc[c]!));
  }
  // The per-cell path (kernels/cells.cc) sums whole conductances in 32-bit lanes: a read of
  // parallelRead rows must fit; otherwise the planes below (the general path) take the layer.
  const cellsPath = perCell && gAbs * L.parallelRead < 2 ** 31;
  const linear = !perCell && xb.cfg.device.nonlinearityLtp <= 0;
  const U = cellsPath ? 0 : perCell ? Math.max(1, Math.ceil(Math.log2(span + 1))) : linear ? L.cellBits : table.levels - 1;
  const PR = L.parallelRead;
  const W = Math.ceil(PR / 64);
  const J = L.physCols;
  const G = L.groupsPerTile;
  const masks = new BigUint64Array(L.rowTiles * G * U * W * J);
  // Build masks as 32-bit halves for speed, then view them as 64-bit words (little endian).
  const halves = new Uint32Array(masks.buffer);
  for (let rt = 0; rt < (cellsPath ? 0 : L.rowTiles); rt++) {
    for (let i = 0; i < L.rows; i++) {
      const pr = rt * L.rows + i;
      const g = Math.floor(i / PR);
      const bit = i - g * PR;
      const w = bit >> 6;
      const half = (bit >> 5) & 1;
      const mask = (1 << (bit & 31)) >>> 0;
      for (let j = 0; j < J; j++) {
        const cell = pr * J + j;
        const f = cells[cell];
        const level = perCell ? Gc[cell]! - gBase : f === SA1 ? table.levels - 1 : f === SA0 ? 0 : m.levels[cell]!;
        for (let u = 0; u < U; u++) {
          const set = linear || perCell ? (level >>> u) & 1 : level === u + 1 ? 1 : 0;
          if (set) halves[2 * (((((rt * G + g) * U + u) * W + w) * J) + j) + half] |= mask;
        }
      }
    }
  }
  const planeWeight = Float64Array.from({ length: U }, (_, u) => (perCell ? 2 ** u : linear ? table.dG * 2 ** u : table.levelG[u + 1]! - table.gMin));
  const spec = xb.adc[index]!;
  if (spec.mode === 'self-ranging') throw new UnsupportedError('self-ranging ADC is not supported by the fast engine', 'tile.adcMode');
  const mShift = spec.mode === 'fixed' ? spec.m : 0;
  const maxCode = spec.mode === 'fixed' ? spec.maxCode : -1;
  const F = Float64Array.from({ length: PR + 1 }, (_, n) => Math.floor((2 * table.gMin * n + table.dG * 2 ** mShift) / (2 * table.dG)));
  const physToLogical = new Int32Array(L.physRows).fill(-1);
  for (let r = 0; r < L.R; r++) physToLogical[m.rowMap[r]!] = r;
  return {
    R: L.R,
    C: L.C,
    activationBits: xb.cfg.quant.activationBits,
    rowTiles: L.rowTiles,
    groups: G,
    parallelRead: PR,
    tileRows: L.rows,
    words: W,
    physCols: J,
    planes: U,
    physToLogical,
    masks,
    planeWeight,
    linear,
    m: mShift,
    maxCode,
    F,
    gMin: gBase,
    dG: table.dG,
    step: spec.step,
    units: m.units.pos.length,
    unitPos: m.units.pos,
    unitNeg: m.units.neg,
    differential: L.scheme === 'differential',
    termsStart: m.terms.start,
    termsUnit: m.terms.unit,
    termsCoef: m.terms.coef,
    layer: index,
    noiseSeed: xb.cfg.device.readNoise.seed,
    noiseVariance: xb.noise ? xb.noise[index]!.variance : null,
    noiseMean: xb.noise ? xb.noise[index]!.mean : null,
    cells: cellsPath ? Gc : null,
  };
}

/**
 * The fast engine for a programmed crossbar. Throws UnsupportedError for configs it refuses.
 * Each layer is prepared once (packLayer, then the native plan: effective weights for the
 * exact GEMM of a linear lossless layer, bit-sliced row vectors for 1-bit cells with a
 * fixed ADC, the popcount tables otherwise) and reused for every image.
 */
export function fastEngine(xb: Crossbar, threads = kernelThreads()): MatrixEngine {
  const refusal = fastEngineRefusal(xb.cfg);
  if (refusal) throw new UnsupportedError(refusal.reason, refusal.where);
  const kernels = native()!;
  const plans: (LayerPlan | undefined)[] = [];
  const stats = new Float64Array(2);
  return {
    matmul(q: QuantLayer, x: Int32Array, P: number, acc: Float64Array) {
      const i = q.index;
      const plan = (plans[i] ??= kernels.prepareLayer(packLayer(xb, i)));
      const hist = xb.currentHistogram?.[i];
      kernels.runLayer(plan, x, P, acc, threads, hist ?? null, stats);
      const mapping = xb.mappings[i]!;
      if (mapping.inputSum) addInputSums(mapping, x, P, acc); // digital input-sum term (polarity inversion)
      if (mapping.correction) gemm(mapping.correction, x, mapping.layout.R, P, mapping.layout.C, acc); // digital correction (PytorX)
      if (mapping.columnOffset) addColumnOffsets(mapping.columnOffset, P, acc); // MT's output offsets (layer bias)
      const L = mapping.layout;
      const units = mapping.units.pos.length;
      // Reads with no active row (skipped by the kernel) have I = 0 on every unit.
      if (hist) hist[0] += (P * L.rowTiles * L.groupsPerTile * xb.cfg.quant.activationBits - stats[1]!) * units;
      const readsPerBit = L.rowTiles * L.groupsPerTile * xb.cfg.quant.activationBits;
      const st = xb.stats[i]!;
      st.reads += P * L.colTiles * readsPerBit;
      st.conversions += P * units * readsPerBit;
      st.currentSum += stats[0]!;
    },
  };
}

/** The native path each layer of a programmed crossbar takes (for tests and benches). */
export function fastEnginePaths(xb: Crossbar): string[] {
  const kernels = native()!;
  return xb.mappings.map((_, i) => kernels.layerPath(kernels.prepareLayer(packLayer(xb, i))));
}

/**
 * The native kernels (src/native/kernels/), built by node-gyp at install time.
 * `native()` is null when they could not be built; callers then fall back to the
 * TypeScript kernels or refuse with a clear error.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../paths.ts';

/** A programmed layer's tables (src/engine/fast.ts packLayer), the input of prepareLayer. */
export interface CrossbarLayerArgs {
  R: number;
  C: number;
  activationBits: number;
  rowTiles: number;
  groups: number;
  parallelRead: number;
  tileRows: number;
  words: number;
  physCols: number;
  planes: number;
  physToLogical: Int32Array;
  masks: BigUint64Array;
  planeWeight: Float64Array;
  linear: boolean;
  m: number;
  maxCode: number;
  F: Float64Array;
  gMin: number;
  dG: number;
  step: number;
  units: number;
  unitPos: Int32Array;
  unitNeg: Int32Array;
  differential: boolean;
  termsStart: Int32Array;
  termsUnit: Int32Array;
  termsCoef: Int32Array;
  /** Compute layer index and read-noise seed (keys of the read-noise draws, docs/model.md §9.3). */
  layer: number;
  noiseSeed: number;
  /** Read noise per physical cell, row-major: variance (1/256 LSB²) and mean (1/256 LSB) of one read; null = off. */
  noiseVariance: Float64Array | null;
  noiseMean: Float64Array | null;
  /** Per-cell conductances (LSB), physRows × physCols row-major, for the per-cell path (planes 0, no masks); null = bit planes. */
  cells: Int32Array | null;
}

/** A layer prepared by the native code (opaque; freed with its last reference). */
export type LayerPlan = { readonly __layerPlan: unique symbol };

/**
 * How runLayer computes a prepared layer without a current histogram: `gemm-<kind>` (linear
 * lossless: the exact integer product), `gemm-<kind>+bitsliced` (linear 1-bit cells, fixed ADC:
 * that product minus a bit-sliced correction), `cells[-unchunked][+noise32|+noise64]` (per-cell conductances and read noise, read by read, kernels/cells.cc) or `general` (read by read, bit planes).
 */
export type LayerPath = string;

/** One layer for MT-map's programming (src/mitigation/mt-native.ts; the Layout's numbers, one part). */
export interface MtLayerArgs {
  R: number;
  C: number;
  rows: number;
  cols: number;
  S: number;
  cellBits: number;
  weightBits: number;
  outputsPerTile: number;
  Wc: number;
  rowTiles: number;
  colTiles: number;
  physCols: number;
  /** true: offset scheme; false: differential pairs. */
  offset: boolean;
  qWeight: Int32Array;
  cells: Uint8Array;
  rowMap: Int32Array;
  mean: Float64Array;
  variance: Float64Array;
  covariance: Float64Array | null;
}

export interface NativeKernels {
  gemmF32(W: Float32Array, X: Float32Array, R: number, P: number, O: number, out: Float64Array, threads: number): void;
  gemmI32(W: Int32Array, X: Int32Array, R: number, P: number, O: number, out: Float64Array, threads: number, narrow: boolean): void;
  /** Patch-major im2col of an int32 CHW tensor (src/nn/ops.ts im2col). */
  im2colI32(
    x: Int32Array, C: number, H: number, W: number, kH: number, kW: number, sH: number, sW: number,
    padTop: number, padLeft: number, outH: number, outW: number, out: Int32Array, padValue: Int32Array | null, threads: number,
  ): void;
  /** Max pooling of an int32 CHW tensor (src/nn/ops.ts maxPool). */
  maxPoolI32(x: Int32Array, C: number, H: number, W: number, kH: number, kW: number, sH: number, sW: number, y: Int32Array): void;
  /** The same on a float32 tensor (maxPool's comparisons: the first of equal values, NaN never taken). */
  maxPoolF32(x: Float32Array, C: number, H: number, W: number, kH: number, kW: number, sH: number, sW: number, y: Float32Array): void;
  /** y[i] = relu && acc[i] < 0 ? 0 : acc[i] rounded to float32 (src/nn/float.ts toFloat32). */
  accToF32(acc: Float64Array, relu: boolean, y: Float32Array): void;
  /** acc[o·P + p] += qBias[o]; then, with y, y = requantize(acc) (src/nn/quant.ts forwardInt). */
  biasRequant(acc: Float64Array, qBias: Float64Array, C: number, P: number, multiplier: number, shift: number, maxCode: number, y: Int32Array | null): void;
  prepareLayer(args: CrossbarLayerArgs): LayerPlan;
  /**
   * acc[o·P + p] += mvm[o][p] of the layer on patches x (patch-major); stats ← [Σ read
   * currents (energy figure), reads with at least one active row]. With `hist`, adds every
   * unit current (in ΔG, floored) of the reads with an active row to it.
   */
  runLayer(plan: LayerPlan, x: Int32Array, P: number, acc: Float64Array, threads: number, hist: Float64Array | null, stats: Float64Array): void;
  layerPath(plan: LayerPlan): LayerPath;
  /** MT-map, offset scheme, first stage: costs[(((rt·C + o)·2 + zi)·2 + inv)·2 + {0 cost, 1 energy}] (src/mitigation/mt.ts). */
  mtOffsetCosts(layer: MtLayerArgs, zeros: Int32Array, costs: Float64Array, threads: number): void;
  /** MT-map, offset scheme, second stage for the chosen zero points and polarities: stored, refStored, meanError. */
  mtOffsetMap(layer: MtLayerArgs, zero: Int32Array, inverted: Uint8Array, stored: Int32Array, refStored: Int32Array, meanError: Float64Array, threads: number): void;
  /** Both offset stages in one call on the same stuck masks: costs, then choose() (fills zero and inverted in place), then the map. */
  mtOffsetPlan(layer: MtLayerArgs, zeros: Int32Array, costs: Float64Array, choose: () => void, zero: Int32Array, inverted: Uint8Array, stored: Int32Array, refStored: Int32Array, meanError: Float64Array, threads: number): void;
  /** MT-map, differential pairs: pairPos, pairNeg and meanError (throws a RangeError when a pair search fails). */
  /** MT's row covariances: M[t·n² + i·n + j] += x[p·rows + t·n + i]·x[p·rows + t·n + j], i ≤ j, for each p of `patches` (src/mitigation/row-activity.ts). */
  tileMoments(x: Int32Array, rows: number, patches: Int32Array, n: number, M: Float64Array, threads: number): void;
  mtPairsMap(layer: MtLayerArgs, pairPos: Int32Array, pairNeg: Int32Array, meanError: Float64Array, threads: number): void;
  /** src/crossbar/faults.ts drawFaults for each layer's cells (zeroed first) with Rng seed seeds[i] (rng.ts mixSeed), layers spread over threads. */
  drawFaultCells(cells: Uint8Array[], seeds: Uint32Array, stuckBelow: number, sa1Below: number, threads: number): void;
  /** src/crossbar/reference.ts cellConductances: G[i] = SA1 ? gMax : SA0 ? gMin : levelG[levels[i]] (0 past the table). */
  cellConductances(levels: Uint8Array, faults: Uint8Array, levelG: Int32Array, gMin: number, gMax: number, G: Int32Array, threads: number): void;
  /** Switch AMX tiles off (or back on) for layers prepared afterwards; returns the features in use. */
  setFeatures(f?: { amx?: boolean }): { amx: boolean; avx512: boolean; avx512vnni: boolean };
  hardwareThreads: number;
  /** Instruction-set extensions the build uses that this CPU lacks (comma separated; '' = none). */
  cpuMissing: string;
  /** out[j] = read noise of column j (kernels/counter_rng.h) for the read keyed by words = (seed, layer, rt, g, k, p); for tests. */
  columnNoiseDraws(words: Uint32Array, V: Float64Array, M: Float64Array, out: Float64Array): void;
}

/** The addon node-gyp builds; MEMXBAR_NATIVE_PATH points at another build (tests of a variant). */
export const NATIVE_PATH = process.env.MEMXBAR_NATIVE_PATH || join(PROJECT_ROOT, 'build', 'Release', 'memxbar_native.node');

let loaded: NativeKernels | null | undefined;

export function native(): NativeKernels | null {
  if (loaded === undefined) {
    loaded = null;
    if (process.env.MEMXBAR_NO_NATIVE !== '1' && existsSync(NATIVE_PATH)) {
      const k = createRequire(import.meta.url)(NATIVE_PATH) as NativeKernels;
      // Built with -march=native for the machine that ran npm ci: on another CPU its kernels
      // would stop with an illegal instruction, so the TypeScript kernels run instead.
      if (k.cpuMissing) process.stderr.write(`memxbar: ${NATIVE_PATH} was built for a CPU with ${k.cpuMissing}, which this CPU lacks; using the TypeScript kernels (run \`npm run install\` on this machine)\n`);
      else loaded = k;
    }
  }
  return loaded;
}

/** experiment.threads of the config being run (0 = one per core); set by the session (src/session/prepare.ts). */
let configuredThreads = 0;

/** Use `threads` native threads from now on (experiment.threads; 0 = one per core). */
export function setKernelThreads(threads: number): void {
  configuredThreads = threads;
}

/**
 * Threads for native kernels: the MEMXBAR_THREADS environment variable (an override, e.g. for a
 * batch job's core allocation), else experiment.threads, else one per core. Results never depend
 * on it (every kernel's result is independent of how its blocks are spread over threads).
 */
export function kernelThreads(): number {
  const env = Number(process.env.MEMXBAR_THREADS);
  if (Number.isInteger(env) && env > 0) return env;
  return configuredThreads > 0 ? configuredThreads : availableParallelism();
}

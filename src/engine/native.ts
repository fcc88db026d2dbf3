/**
 * The native kernels (src/engine/native/kernels.cc), built by node-gyp at install time.
 * `native()` is null when they could not be built; callers then fall back to the
 * TypeScript kernels or refuse with a clear error.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/load.ts';

export interface CrossbarLayerArgs {
  x: Int32Array;
  P: number;
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
  acc: Float64Array;
  threads: number;
  /** Optional: histogram of |unit current| in units of dG (ADC calibration). */
  hist?: Float64Array;
}

export interface NativeKernels {
  gemmF32(W: Float32Array, X: Float32Array, R: number, P: number, O: number, out: Float64Array, threads: number): void;
  gemmI32(W: Int32Array, X: Int32Array, R: number, P: number, O: number, out: Float64Array, threads: number, narrow: boolean): void;
  crossbarLayer(args: CrossbarLayerArgs): { currentSum: number; activeReads: number };
  hardwareThreads: number;
}

export const NATIVE_PATH = join(PROJECT_ROOT, 'build', 'Release', 'memxbar_native.node');

let loaded: NativeKernels | null | undefined;

export function native(): NativeKernels | null {
  if (loaded === undefined) {
    loaded = null;
    if (process.env.MEMXBAR_NO_NATIVE !== '1' && existsSync(NATIVE_PATH)) {
      loaded = createRequire(import.meta.url)(NATIVE_PATH) as NativeKernels;
    }
  }
  return loaded;
}

/** Threads for native kernels: MEMXBAR_THREADS, else one per core. */
export function kernelThreads(): number {
  const env = Number(process.env.MEMXBAR_THREADS);
  return Number.isInteger(env) && env > 0 ? env : availableParallelism();
}

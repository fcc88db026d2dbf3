/**
 * What the cost model needs from real inference (docs/cost.md §7): per compute layer and per
 * image, the reads, conversions and Σ column currents the engines record (LayerStats), plus
 * the number of input vectors and of active (row, input bit) pairs, counted by wrapping the
 * engine. Run on the configured engine with the actual programmed and faulty conductances.
 */
import type { Config } from '../config/schema.ts';
import { countFaults, type FaultMap, type LayerShape } from '../crossbar/faults.ts';
import { priceOf } from '../mitigation/price.ts';
import { argmax } from '../nn/ops.ts';
import { forwardInt, type MatrixEngine } from '../nn/quant.ts';
import { makeEngine, programCrossbarWithFaults } from '../session/eval.ts';
import { inputCodes, type Prepared } from '../session/prepare.ts';
import { silentProgress, type Progress } from '../util/progress.ts';

export interface LayerActivity {
  name: string;
  /** Subarray reads per image (LayerStats.reads: one per patch, row tile, column tile, group, input bit). */
  reads: number;
  /** ADC conversions per image. */
  conversions: number;
  /** Σ column currents per image, conductance LSB · Vread (LayerStats.currentSum). */
  currentSum: number;
  /** Σ over input vectors and rows of the number of 1 bits of the input code, per image. */
  activeRowBits: number;
  /** Input vectors (patches) per image. */
  vectors: number;
  /** The mapping's extra digital additions per subarray read (src/mitigation/price.ts). */
  extraOpsPerRead: number;
  /** The mapping's table bits per subarray (src/mitigation/price.ts). */
  storageBitsPerSubarray: number;
}

export interface ActivityRun {
  images: number;
  /** Images the accelerator classified correctly; null when another engine drove the layers' inputs. */
  correct: number | null;
  stuckCells: number;
  sa1Cells: number;
  cells: number;
  layers: LayerActivity[];
}

/** Number of 1 bits over all codes of `x` (codes are non-negative, < 2^31). */
export function popcountSum(x: Int32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    let v = x[i]!;
    v -= (v >>> 1) & 0x55555555;
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    s += (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
  }
  return s;
}

/** An engine that runs `inner` and counts, per layer, input vectors and active (row, bit) pairs. */
export function countingEngine(inner: MatrixEngine, layers: number): { engine: MatrixEngine; vectors: Float64Array; activeRowBits: Float64Array } {
  const vectors = new Float64Array(layers);
  const activeRowBits = new Float64Array(layers);
  return {
    vectors,
    activeRowBits,
    engine: {
      matmul(q, x, P, acc) {
        vectors[q.index] += P;
        activeRowBits[q.index] += popcountSum(x.length === P * q.rows ? x : x.subarray(0, P * q.rows));
        inner.matmul(q, x, P, acc);
      },
    },
  };
}

/**
 * An engine whose results come from `driver` and which also runs `shadow` on the same inputs
 * (its results discarded): every layer of `shadow` sees exactly the inputs it would see in the
 * `driver`'s accelerator.
 */
export function shadowEngine(driver: MatrixEngine, shadow: MatrixEngine): MatrixEngine {
  return {
    matmul(q, x, P, acc) {
      driver.matmul(q, x, P, acc);
      shadow.matmul(q, x, P, new Float64Array(acc.length));
    },
  };
}

/**
 * Program the crossbar for `cfg` with the fault map `faultsFor` gives, run the first `images`
 * test images on the configured engine, and return the per-image activity of every layer.
 *
 * With `inputsFrom`, that engine computes the network (every layer's inputs) and the programmed
 * crossbar only runs beside it on the same inputs: its activity then differs from another
 * accelerator's only by its own conductances, not by activations its errors changed upstream.
 */
export function measureActivity(
  p: Prepared,
  cfg: Config,
  faultsFor: (layers: LayerShape[]) => FaultMap,
  images: number,
  progress: Progress = silentProgress,
  label = 'cost run',
  inputsFrom?: MatrixEngine,
): ActivityRun {
  const xb = programCrossbarWithFaults(p, cfg, faultsFor);
  const counter = countingEngine(makeEngine(xb), xb.mappings.length);
  const engine = inputsFrom ? shadowEngine(inputsFrom, counter.engine) : counter.engine;
  progress.start(label, images);
  let correct = 0;
  for (let i = 0; i < images; i++) {
    if (argmax(forwardInt(p.qn, inputCodes(p, i), engine)) === p.test.labels[i]) correct++;
    progress.tick();
  }
  progress.stop();
  const fc = countFaults(xb.faults);
  return {
    images,
    correct: inputsFrom ? null : correct,
    stuckCells: fc.sa0 + fc.sa1,
    sa1Cells: fc.sa1,
    cells: fc.cells,
    layers: xb.mappings.map((m, i) => {
      const st = xb.stats[i]!;
      const price = priceOf([m]);
      return {
        name: m.name,
        reads: st.reads / images,
        conversions: st.conversions / images,
        currentSum: st.currentSum / images,
        activeRowBits: counter.activeRowBits[i]! / images,
        vectors: counter.vectors[i]! / images,
        extraOpsPerRead: price.extraOpsPerRead,
        storageBitsPerSubarray: price.storageBitsPerSubarray,
      };
    }),
  };
}

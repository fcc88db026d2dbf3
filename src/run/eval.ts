/**
 * Accuracy of a prepared network on its test images: float32, integer path, and the
 * crossbar model (faults and mitigation as configured).
 */
import { performance } from 'node:perf_hooks';
import type { Config } from '../config/schema.ts';
import { drawFaults, loadFaultMap, type FaultMap } from '../crossbar/faults.ts';
import { plainMapping } from '../crossbar/layout.ts';
import { buildCrossbar, referenceEngine, type Crossbar } from '../crossbar/reference.ts';
import { UnsupportedError } from '../errors.ts';
import { preprocess } from '../data/cifar10.ts';
import { forwardFloat } from '../nn/float.ts';
import { argmax } from '../nn/ops.ts';
import { forwardInt, type MatrixEngine } from '../nn/quant.ts';
import { silentProgress, type Progress } from '../util/progress.ts';
import { inputCodes, type Prepared } from './prepare.ts';

export interface Accuracy {
  correct: number;
  images: number;
  top1: number;
  /** Images per second of this path. */
  imagesPerSecond: number;
}

function accuracy(correct: number, images: number, seconds: number): Accuracy {
  return { correct, images, top1: images ? correct / images : 0, imagesPerSecond: seconds > 0 ? images / seconds : 0 };
}

export function evalFloat(p: Prepared, progress: Progress = silentProgress): Accuracy & { predictions: Int32Array } {
  const n = p.test.count;
  const predictions = new Int32Array(n);
  progress.start('float32 inference', n);
  const t0 = performance.now();
  let correct = 0;
  for (let i = 0; i < n; i++) {
    predictions[i] = argmax(forwardFloat(p.net, preprocess(p.test.pixels, i, p.net.input)));
    if (predictions[i] === p.test.labels[i]) correct++;
    progress.tick();
  }
  progress.stop();
  return { ...accuracy(correct, n, (performance.now() - t0) / 1000), predictions };
}

export function evalInt(p: Prepared, engine?: MatrixEngine, label = 'integer inference', progress: Progress = silentProgress): Accuracy & { predictions: Int32Array } {
  const n = p.test.count;
  const predictions = new Int32Array(n);
  progress.start(label, n);
  const t0 = performance.now();
  let correct = 0;
  for (let i = 0; i < n; i++) {
    predictions[i] = argmax(forwardInt(p.qn, inputCodes(p, i), engine));
    if (predictions[i] === p.test.labels[i]) correct++;
    progress.tick();
  }
  progress.stop();
  return { ...accuracy(correct, n, (performance.now() - t0) / 1000), predictions };
}

/** The fault map a config asks for: loaded from `faults.mapFile`, or drawn from its seed. */
export function configuredFaults(p: Prepared, cfg: Config, layers: { name: string; layout: import('../crossbar/layout.ts').Layout }[]): FaultMap {
  if (cfg.faults.mapFile) return loadFaultMap(cfg.faults.mapFile, layers, cfg.faults.naming);
  return drawFaults(layers, cfg.faults.rate, cfg.faults.sa1Sa0Ratio, cfg.faults.seed);
}

/** Program the crossbar for a config (mapping by mitigation, faults). */
export function programCrossbar(p: Prepared, cfg: Config = p.cfg): Crossbar {
  if (cfg.mitigation.method !== 'none') {
    throw new UnsupportedError(`mitigation "${cfg.mitigation.method}" is not available in this build of the reference model`, 'mitigation.method');
  }
  if (cfg.tile.adcMode === 'fixed-calibrated') {
    throw new UnsupportedError('fixed-calibrated ADC calibration is not available in this build', 'tile.adcMode');
  }
  const mappings = p.qn.layers.map((q) => plainMapping(q, cfg));
  const faults = configuredFaults(p, cfg, mappings);
  return buildCrossbar(p.qn, cfg, { mappings, faults });
}

export function evalCrossbar(p: Prepared, cfg: Config = p.cfg, progress: Progress = silentProgress): Accuracy & { predictions: Int32Array; crossbar: Crossbar } {
  const xb = programCrossbar(p, cfg);
  const r = evalInt(p, referenceEngine(xb), 'crossbar (reference model)', progress);
  return { ...r, crossbar: xb };
}

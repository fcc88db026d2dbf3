/**
 * Everything a run needs before inference: the network, the test images and the
 * quantized network with its calibrated activation scales. One place, so every
 * command (eval, sweep, cosim, cost, run) sees the same integers.
 */
import type { Config } from '../config/schema.ts';
import { loadFaultMap, networkLayerShapes } from '../crossbar/faults.ts';
import { DataError } from '../errors.ts';
import { CIFAR10_TEST_SAMPLE, CIFAR10_TRAIN_SAMPLE, preprocess, readCifar10, type Cifar10Batch } from '../data/cifar10.ts';
import type { Network } from '../nn/graph.ts';
import { setKernelThreads } from '../native/addon.ts';
import { loadNetwork } from '../nn/onnx.ts';
import { quantizeNetwork, quantizeImage, type QuantNetwork } from '../nn/quant.ts';
import { silentProgress, type Progress } from '../util/progress.ts';

export interface Prepared {
  cfg: Config;
  net: Network;
  qn: QuantNetwork;
  test: Cifar10Batch;
  /** Pixels per image. */
  imageSize: number;
  /** Calibration images (training set sample). */
  calibration: Cifar10Batch;
  /** Calibrated ADC full scales, per (tile, device) config. */
  adcFullScaleCache: Map<string, number[]>;
  /** Row activity on the calibration images (for MT), computed on first use, with what it was measured for (`key`). */
  activity?: { key: string; rows: import('../mitigation/row-activity.ts').RowActivity[] };
}

/** What `prepare` reads before any long work. */
export interface Inputs {
  net: Network;
  test: Cifar10Batch;
  cal: Cifar10Batch;
}

/**
 * The quick first part of `prepare`: read and check the network, the test and calibration
 * images and the fault map (faults.mapFile), so that bad input is refused in a second —
 * before calibration, and before a command makes its output folder.
 */
export function loadInputs(cfg: Config): Inputs {
  const net = loadNetwork(cfg.network);
  const testPath = cfg.experiment.dataPath ?? CIFAR10_TEST_SAMPLE;
  const test = readCifar10(testPath, { limit: cfg.experiment.images });
  if (test.count < cfg.experiment.images) {
    throw new DataError(`asked for ${cfg.experiment.images} images but the file holds ${test.count}`, `experiment.images (${testPath})`);
  }
  const calPath = cfg.experiment.calibrationPath ?? CIFAR10_TRAIN_SAMPLE;
  const cal = readCifar10(calPath, { limit: cfg.quant.calibrationImages });
  if (cal.count < cfg.quant.calibrationImages) {
    throw new DataError(`asked for ${cfg.quant.calibrationImages} calibration images but the file holds ${cal.count}`, `quant.calibrationImages (${calPath})`);
  }
  if (cfg.faults.mapFile) loadFaultMap(cfg.faults.mapFile, networkLayerShapes(net, cfg), cfg.faults.naming);
  return { net, test, cal };
}

export function prepare(cfg: Config, progress: Progress = silentProgress, inputs: Inputs = loadInputs(cfg)): Prepared {
  const { net, test, cal } = inputs;
  setKernelThreads(cfg.experiment.threads);
  const calibration = Array.from({ length: cal.count }, (_, i) => preprocess(cal.pixels, i, net.input));
  progress.start('calibrating activations', calibration.length);
  const qn = quantizeNetwork(net, {
    weightBits: cfg.quant.weightBits,
    activationBits: cfg.quant.activationBits,
    calibration,
    percentile: cfg.quant.calibrationPercentile,
    onProgress: () => progress.tick(),
  });
  progress.stop();
  const imageSize = net.input.channels * net.input.height * net.input.width;
  return { cfg, net, qn, test, imageSize, calibration: cal, adcFullScaleCache: new Map() };
}

/** First-layer input codes of test image i. */
export function inputCodes(p: Prepared, i: number): Int32Array {
  return quantizeImage(p.test.pixels, i * p.imageSize, p.imageSize, p.qn.activationBits);
}

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
import { calibrateTops, quantizeNetwork, quantizeImage, type CalibratedTops, type QuantNetwork } from '../nn/quant.ts';
import { createHash } from 'node:crypto';
import { readCachedJson, writeCachedJson } from '../util/cache.ts';
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
  const tops = calibratedTops(net, cal, calibration, cfg.quant.calibrationPercentile, progress);
  const qn = quantizeNetwork(net, {
    weightBits: cfg.quant.weightBits,
    activationBits: cfg.quant.activationBits,
    calibration,
    percentile: cfg.quant.calibrationPercentile,
    tops,
  });
  const imageSize = net.input.channels * net.input.height * net.input.width;
  return { cfg, net, qn, test, imageSize, calibration: cal, adcFullScaleCache: new Map() };
}

/** Bump when the calibration (nn/quant.ts `calibrateTops`, `PercentileHistogram`) computes anything differently. */
const CALIBRATION_VERSION = 1;

/**
 * The key of a calibration: everything its result depends on — the network (every layer's
 * geometry, weights and biases, the input normalisation), the calibration images' pixels and
 * the percentile — hashed (sha256), with CALIBRATION_VERSION.
 */
export function calibrationKey(net: Network, cal: Cifar10Batch, percentile: number): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ version: CALIBRATION_VERSION, percentile, input: net.input, images: cal.count }));
  for (const l of net.layers) {
    const { weight, bias, ...geometry } = l as { weight?: Float32Array; bias?: Float32Array };
    h.update(JSON.stringify(geometry));
    if (weight) h.update(new Uint8Array(weight.buffer, weight.byteOffset, weight.byteLength));
    if (bias) h.update(new Uint8Array(bias.buffer, bias.byteOffset, bias.byteLength));
  }
  const imageSize = net.input.channels * net.input.height * net.input.width;
  h.update(cal.pixels.subarray(0, cal.count * imageSize));
  return h.digest('hex').slice(0, 32);
}

/**
 * The calibrated output ranges, from memxbar's cache folder (util/cache.ts) when this network,
 * these images and this percentile were calibrated before, else computed (and stored).
 */
function calibratedTops(net: Network, cal: Cifar10Batch, calibration: Float32Array[], percentile: number, progress: Progress): CalibratedTops {
  const key = calibrationKey(net, cal, percentile);
  const cached = readCachedJson<{ key: string; tops: CalibratedTops }>('calibration', key);
  if (cached?.key === key && cached.tops && Object.values(cached.tops).every((v) => typeof v === 'number' && Number.isFinite(v))) {
    progress.log(`calibration: ${calibration.length} images, from the cache (key ${key.slice(0, 12)})`);
    return cached.tops;
  }
  progress.start('calibrating activations', calibration.length);
  const tops = calibrateTops(net, calibration, percentile, () => progress.tick());
  progress.stop();
  writeCachedJson('calibration', key, { key, tops });
  return tops;
}

/** First-layer input codes of test image i. */
export function inputCodes(p: Prepared, i: number): Int32Array {
  return quantizeImage(p.test.pixels, i * p.imageSize, p.imageSize, p.qn.activationBits);
}

/**
 * Accuracy of a prepared network on its test images: float32, integer path, and the
 * crossbar model (faults and mitigation as configured).
 */
import { performance } from 'node:perf_hooks';
import type { Config } from '../config/schema.ts';
import { drawFaults, loadFaultMap, networkLayerShapes, type FaultMap, type LayerShape } from '../crossbar/faults.ts';
import { mitigatedMappings } from '../mitigation/index.ts';
import { activityKey, cachedRowActivity, type RowActivity } from '../mitigation/row-activity.ts';
import { createHash } from 'node:crypto';
import { readCachedJson, writeCachedJson } from '../util/cache.ts';
import { calibrateAdcFullScale } from '../crossbar/calibrate.ts';
import { checkDeviceEffects } from '../crossbar/effects.ts';
import { buildCrossbar, referenceEngine, type Crossbar } from '../crossbar/reference.ts';
import { UnsupportedError } from '../errors.ts';
import { fastEngine, fastEngineRefusal } from '../engine/fast.ts';
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
export function configuredFaults(_p: Prepared, cfg: Config, layers: LayerShape[]): FaultMap {
  if (cfg.faults.mapFile) return loadFaultMap(cfg.faults.mapFile, layers, cfg.faults.naming);
  return drawFaults(layers, cfg.faults.rate, cfg.faults.sa1Sa0Ratio, cfg.faults.seed);
}

/** Program the crossbar for a config (mapping by mitigation, faults from the config). */
export function programCrossbar(p: Prepared, cfg: Config = p.cfg): Crossbar {
  return programCrossbarWithFaults(p, cfg, (layers) => configuredFaults(p, cfg, layers));
}

/**
 * Program the crossbar with the fault map `faultsFor` returns for the layers' physical arrays.
 * `opts.native` false: mt-map's TypeScript version (the bench's baseline; the same crossbar).
 */
export function programCrossbarWithFaults(p: Prepared, cfg: Config, faultsFor: (layers: LayerShape[]) => FaultMap, opts: { native?: boolean } = {}): Crossbar {
  const faults = faultsFor(networkLayerShapes(p.net, cfg));
  const mappings = mitigatedMappings(p.qn, cfg, faults, () => activityOf(p, cfg), opts);
  const calibratedFullScale = cfg.tile.adcMode === 'fixed-calibrated' ? adcFullScale(p, cfg) : undefined;
  return buildCrossbar(p.qn, cfg, { mappings, faults, ...(calibratedFullScale ? { calibratedFullScale } : {}) });
}

/**
 * Row activity of every layer on the calibration images (computed once per prepared network
 * and activity setting, and kept in memxbar's cache folder: `cachedRowActivity`), with the
 * rows' covariances per row tile (MT-map's descent).
 */
export function activityOf(p: Prepared, cfg: Config): RowActivity[] {
  const tileRows = cfg.tile.rows;
  const key = `${cfg.mitigation.activityImages}/${tileRows}`;
  if (p.activity?.key !== key) p.activity = { key, rows: cachedRowActivity(p.qn, p.calibration.pixels, p.imageSize, cfg.mitigation.activityImages, tileRows).rows };
  return p.activity.rows;
}

/** Bump when `calibrateAdcFullScale` (crossbar/calibrate.ts) computes anything differently. */
const ADC_CALIBRATION_VERSION = 1;

/**
 * The calibrated ADC full scale of each layer for `cfg`: computed once per tile/device config
 * and kept in memxbar's cache folder (util/cache.ts) under a key hashing everything it depends
 * on — the quantized network and the calibration images (`activityKey`), the quantization, tile, device and
 * engine settings — so the next command finds it instead of running the calibration images again.
 */
export function adcFullScale(p: Prepared, cfg: Config): number[] {
  const key = JSON.stringify([cfg.tile, cfg.device, cfg.engine]);
  let fs = p.adcFullScaleCache.get(key);
  if (!fs) {
    const diskKey = createHash('sha256')
      .update(JSON.stringify({ version: ADC_CALIBRATION_VERSION, network: activityKey(p.qn, p.calibration.pixels, p.imageSize, cfg.tile.adcCalibrationImages), quant: cfg.quant, key }))
      .digest('hex')
      .slice(0, 32);
    const cached = readCachedJson<{ key: string; fullScale: number[] }>('adc-calibration', diskKey);
    if (cached?.key === diskKey && Array.isArray(cached.fullScale) && cached.fullScale.length === p.qn.layers.length && cached.fullScale.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0)) {
      fs = cached.fullScale;
    } else {
      fs = calibrateAdcFullScale(p.qn, cfg, p.calibration.pixels, p.imageSize, (xb) => makeEngine(xb));
      writeCachedJson('adc-calibration', diskKey, { key: diskKey, fullScale: fs });
    }
    p.adcFullScaleCache.set(key, fs);
  }
  return fs;
}

/** The configured engine (`engine`) for a programmed crossbar; refuses unsupported configs before any work. */
export function makeEngine(xb: Crossbar): MatrixEngine {
  return xb.cfg.engine === 'fast' ? fastEngine(xb) : referenceEngine(xb);
}

/** Check the configured engine can run `cfg` (throws UnsupportedError naming the field). */
export function checkEngine(cfg: Config): void {
  checkDeviceEffects(cfg);
  if (cfg.engine !== 'fast') return;
  const refusal = fastEngineRefusal(cfg);
  if (refusal) throw new UnsupportedError(`${refusal.reason}`, refusal.where);
}

export function evalCrossbar(p: Prepared, cfg: Config = p.cfg, progress: Progress = silentProgress): Accuracy & { predictions: Int32Array; crossbar: Crossbar } {
  checkEngine(cfg);
  const xb = programCrossbar(p, cfg);
  const r = evalInt(p, makeEngine(xb), `crossbar (${cfg.engine} engine)`, progress);
  return { ...r, crossbar: xb };
}

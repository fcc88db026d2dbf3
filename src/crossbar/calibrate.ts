/**
 * Design-time calibration of the fixed ADC range (`tile.adcMode = "fixed-calibrated"`):
 * the ideal array (plain mapping, no faults) runs `tile.adcCalibrationImages` calibration
 * images with a lossless ADC; the histogram of every column current of a layer gives its
 * full scale, the `tile.adcCalibrationPercentile`-th percentile (docs/model.md §5).
 */
import type { Config } from '../config/schema.ts';
import { quantizeImage, forwardInt, type MatrixEngine, type QuantNetwork } from '../nn/quant.ts';
import { conductanceTable } from './device.ts';
import { withoutEffects } from './effects.ts';
import { plainMapping } from './layout.ts';
import { buildCrossbar, type Crossbar } from './reference.ts';

/** Full-scale current (conductance LSB · Vread) per layer. */
export function calibrateAdcFullScale(
  qn: QuantNetwork,
  cfg: Config,
  calibrationPixels: Uint8Array,
  imageSize: number,
  makeEngine: (xb: Crossbar) => MatrixEngine,
): number[] {
  // The ideal array: no faults and no device effects (docs/model.md §9), the configured device curve.
  const ideal: Config = withoutEffects({ ...cfg, tile: { ...cfg.tile, adcMode: 'lossless' }, faults: { ...cfg.faults, rate: 0, mapFile: null } });
  const table = conductanceTable(ideal);
  const xb = buildCrossbar(qn, ideal, { mappings: qn.layers.map((q) => plainMapping(q, ideal)) });
  const maxBin = Math.ceil((cfg.tile.parallelRead * table.gMax) / table.dG) + 1;
  xb.currentHistogram = xb.mappings.map(() => new Float64Array(maxBin + 1));
  const engine = makeEngine(xb);
  const n = Math.min(cfg.tile.adcCalibrationImages, Math.floor(calibrationPixels.length / imageSize));
  for (let i = 0; i < n; i++) forwardInt(qn, quantizeImage(calibrationPixels, i * imageSize, imageSize, qn.activationBits), engine);
  return xb.currentHistogram.map((h) => {
    const total = h.reduce((a, b) => a + b, 0);
    const target = (cfg.tile.adcCalibrationPercentile / 100) * total;
    let seen = 0;
    for (let b = 0; b < h.length; b++) {
      seen += h[b]!;
      if (seen >= target) return (b + 1) * table.dG; // upper edge of the bin
    }
    return cfg.tile.parallelRead * table.gMax;
  });
}

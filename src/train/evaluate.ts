/**
 * What a trained network is worth on the crossbar: the usual pipeline (quantization,
 * activation calibration, the crossbar model with the fault map and the config's mitigation,
 * the configured engine) on the test images, as `memxbar eval --crossbar` runs it.
 */
import type { Config } from '../config/schema.ts';
import type { FaultMap } from '../crossbar/faults.ts';
import type { Network } from '../nn/graph.ts';
import { evalInt, makeEngine, programCrossbarWithFaults, type Accuracy } from '../session/eval.ts';
import { prepare, type Inputs, type Prepared } from '../session/prepare.ts';
import { silentProgress, type Progress } from '../util/progress.ts';

/** Top-1 of `net` on the crossbar with `faults` (the map training used or another, e.g. an unseen one for NIA). */
export function crossbarAccuracy(net: Network, cfg: Config, inputs: Inputs, faults: FaultMap, progress: Progress = silentProgress): Accuracy & { prepared: Prepared } {
  const p = prepare(cfg, progress, { ...inputs, net });
  const xb = programCrossbarWithFaults(p, cfg, () => faults);
  const { predictions: _p, ...acc } = evalInt(p, makeEngine(xb), `crossbar (${cfg.engine} engine)`, progress);
  return { ...acc, prepared: p };
}

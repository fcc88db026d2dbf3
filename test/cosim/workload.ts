/**
 * The real workload of the co-simulation tests: the shipped VGG8-w0.5 on the shipped
 * CIFAR-10 images (activation scales calibrated on 100 training images to keep the tests
 * short), programmed three ways: no faults; 5 % stuck-at faults (SA1:SA0 = 5:1, fault
 * seed 7); the same faults with MT (mt-map). Prepared once per test file.
 */
import { parseOverride, resolveConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Crossbar } from '../../src/crossbar/reference.ts';
import { programCrossbar } from '../../src/session/eval.ts';
import { prepare, type Prepared } from '../../src/session/prepare.ts';

export const SETTINGS = {
  'no faults': [],
  faults: ['faults.rate=0.05', 'faults.sa1Sa0Ratio="5:1"', 'faults.seed=7'],
  'faults + MT': ['faults.rate=0.05', 'faults.sa1Sa0Ratio="5:1"', 'faults.seed=7', 'mitigation.method="mt-map"'],
} as const;
export type Setting = keyof typeof SETTINGS;

const BASE = ['experiment.images=2', 'quant.calibrationImages=100', 'mitigation.activityImages=8'];

export function workloadConfig(setting: Setting, extra: string[] = []): Config {
  return resolveConfig({ preset: 'neurosim-v1.4', overrides: [...BASE, ...SETTINGS[setting], ...extra].map(parseOverride) });
}

let prepared: Prepared | null = null;
const crossbars = new Map<Setting, Crossbar>();

export function workload(setting: Setting): { p: Prepared; cfg: Config; xb: Crossbar } {
  const cfg = workloadConfig(setting);
  prepared ??= prepare(workloadConfig('no faults'));
  let xb = crossbars.get(setting);
  if (!xb) {
    xb = programCrossbar(prepared, cfg);
    crossbars.set(setting, xb);
  }
  return { p: prepared, cfg, xb };
}

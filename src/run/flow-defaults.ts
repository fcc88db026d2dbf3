/**
 * `memxbar run`'s defaults, apart from src/run/flow.ts so that the CLI's help shows them without
 * loading the flow (and everything it imports).
 */
import { join } from 'node:path';
import type { FlowOptions } from '../report/flow-report.ts';
import { PROJECT_ROOT } from '../paths.ts';

/** The config `memxbar run` uses without --config or --preset: neurosim-v1.4 with 32-row reads (docs: README). */
export const RUN_DEFAULT_CONFIG = join(PROJECT_ROOT, 'assets', 'run-default.json');

export const DEFAULT_FLOW: Omit<FlowOptions, 'out' | 'seeds'> = {
  images: 100,
  rates: [0, 0.025, 0.1, 0.5],
  ratios: ['5:1', '1:5'],
  mitigations: ['none', 'mt-stats', 'mt-map'],
  cosimLayers: ['conv1', 'conv4', 'fc2'],
  cosimPatches: 8,
  cosimSimulator: 'auto',
  cosimFaultRate: 0.05,
  cosimMitigation: 'mt-map',
  synth: true,
  costImages: 4,
};

/** Named configs the RTL tests run on (small tiles; the default 128x128 tile only in the CLI/bench). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT, resolveConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Overrides = { [k: string]: Json };

export const GOLDEN_DIR = join(PROJECT_ROOT, 'test', 'golden');
export const GOLDEN_NAMES = ['t16-offset-1b', 't16-diff-2b'] as const;

export function goldenConfigPath(name: string): string {
  return join(GOLDEN_DIR, name, 'config.json');
}

export function goldenConfig(name: string): Config {
  return resolveConfig({ file: goldenConfigPath(name) });
}

/** Configs beyond the goldens: multi-bit lossless with nothing a power of two, and a minimal corner. */
export const EXTRA: Record<string, Overrides> = {
  // 20 rows in groups of 6 (6,6,6,2), 24 columns, 3-bit cells, lossless SAR, 3 columns per ADC.
  'lossless-3b-odd': {
    quant: { weightBits: 8, activationBits: 5 },
    tile: { rows: 20, cols: 24, cellBits: 3, parallelRead: 6, adcMode: 'lossless', adcKind: 'sar', colsPerAdc: 3 },
  },
  // 1-bit activations, 1-bit ADC, one row per read, one column per ADC, 2-bit weights.
  'minimal-1b': {
    quant: { weightBits: 2, activationBits: 1 },
    tile: { rows: 8, cols: 18, cellBits: 1, parallelRead: 1, adcBits: 1, colsPerAdc: 1 },
  },
  // Lossless flash, 5 columns per ADC over 24 columns (the last ADC has 4).
  'lossless-flash-odd': {
    quant: { weightBits: 6, activationBits: 2 },
    tile: { rows: 12, cols: 24, cellBits: 2, parallelRead: 4, adcMode: 'lossless', adcKind: 'flash', colsPerAdc: 5, signedScheme: 'differential' },
    device: { conductanceLsbPerGmax: 64 },
  },
};

export function extraConfig(name: keyof typeof EXTRA): Config {
  return resolveConfig({ preset: 'neurosim-v1.4', overrides: [EXTRA[name]!] });
}

export function goldenRtlDir(name: string): string {
  return join(GOLDEN_DIR, name, 'rtl');
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

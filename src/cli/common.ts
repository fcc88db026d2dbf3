/**
 * Options every command shares, and the one way a command turns them into a Config:
 * defaults ← preset ← --config file ← named flags ← --set overrides.
 */
import { type Command, Option } from 'commander';
import { ratioProblem, saRatio, type Config, type Mitigation, type SaRatio } from '../config/schema.ts';
import { MITIGATIONS } from '../config/names.ts';
import { ConfigError } from '../errors.ts';
import { silentProgress, terminalProgress, type Progress } from '../util/progress.ts';

export interface CommonOptions {
  config?: string;
  preset?: string;
  set?: string[];
  quiet?: boolean;
  json?: boolean;
  [flag: string]: unknown;
}

/** A named flag and the config field it sets. */
interface FieldFlag {
  flags: string;
  key: string;
  path: string;
  description: string;
  parse: (v: string) => unknown;
}

const num = (v: string) => {
  const n = Number(v);
  return Number.isFinite(n) ? n : v; // let the schema report the bad value with its path
};
const str = (v: string) => v;
/** A fault rate in percent of cells (every fault-rate flag takes percent) → the fraction faults.rate holds. */
const percent = (flag: string) => (v: string) => {
  const n = Number(v.replace(/%$/, ''));
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) throw new ConfigError(`fault rates are percentages 0..100, got ${JSON.stringify(v)}`, flag);
  return n / 100;
};

/** Shortcuts for the fields people change most; anything else: --set path=value. */
export const FIELD_FLAGS: FieldFlag[] = [
  { flags: '--model <name|path>', key: 'model', path: 'network.model', description: 'shipped model name, .onnx path, or random-vgg8', parse: str },
  { flags: '--data <path>', key: 'data', path: 'experiment.dataPath', description: 'CIFAR-10 test batch (binary layout); default: the shipped 500-image sample', parse: str },
  { flags: '--images <n>', key: 'images', path: 'experiment.images', description: 'number of test images', parse: num },
  { flags: '--engine <name>', key: 'engine', path: 'engine', description: 'reference | fast', parse: str },
  { flags: '--fault-rate <percent>', key: 'faultRate', path: 'faults.rate', description: 'stuck-at fault rate in percent of cells, e.g. 5', parse: percent('--fault-rate') },
  { flags: '--ratio <a:b>', key: 'ratio', path: 'faults.sa1Sa0Ratio', description: 'SA1:SA0 ratio, e.g. 5:1', parse: str },
  { flags: '--fault-seed <n>', key: 'faultSeed', path: 'faults.seed', description: 'seed of the fault map', parse: num },
  { flags: '--fault-map <csv>', key: 'faultMap', path: 'faults.mapFile', description: 'load a fault map instead of drawing one', parse: str },
  { flags: '--mitigation <name>', key: 'mitigation', path: 'mitigation.method', description: MITIGATIONS.join(' | '), parse: str },
];

export function addConfigOptions(cmd: Command, fields: string[] = FIELD_FLAGS.map((f) => f.key)): Command {
  cmd
    .option('-c, --config <file>', 'JSON config file')
    .option('-p, --preset <name>', 'preset to start from (neurosim-v1.4, neurosim-v2.1)')
    .option('-s, --set <path=value...>', 'override any config field, e.g. --set tile.adcBits=6')
    .option('-q, --quiet', 'no progress output');
  for (const f of FIELD_FLAGS) if (fields.includes(f.key)) cmd.addOption(new Option(f.flags, `${f.description} (sets ${f.path})`));
  // The old spelling, a fraction: refused with the new one (a silent unit change would shift every rate 100x).
  if (fields.includes('faultRate')) cmd.addOption(new Option('--saf <fraction>').hideHelp());
  return cmd;
}

/** The config the options describe (loads the schema on first use, not at start-up). */
export async function configFromOptions(o: CommonOptions): Promise<Config> {
  const { parseOverride, resolveConfig } = await import('../config/load.ts');
  if (typeof o.saf === 'string') {
    const n = Number(o.saf);
    const hint = Number.isFinite(n) ? ` (--saf ${o.saf} is --fault-rate ${+(n * 100).toPrecision(6)})` : '';
    throw new ConfigError(`took a fraction and is gone: give --fault-rate in percent of cells, like --rates${hint}`, '--saf');
  }
  const overrides = [];
  for (const f of FIELD_FLAGS) {
    const v = o[f.key];
    if (typeof v === 'string') overrides.push(parseOverride(`${f.path}=${JSON.stringify(f.parse(v))}`));
  }
  for (const s of o.set ?? []) overrides.push(parseOverride(s));
  return resolveConfig({ preset: o.preset, file: o.config, overrides });
}

export function progressFor(o: CommonOptions): Progress {
  return o.quiet ? silentProgress : terminalProgress();
}

export function parseIntList(v: string, what: string): number[] {
  return v.split(',').map((s) => {
    const n = Number(s);
    if (!Number.isFinite(n)) throw new ConfigError(`not a number: ${JSON.stringify(s)}`, what);
    return n;
  });
}

export function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function listOf(v: string): string[] {
  return v.split(',').map((s) => s.trim());
}

/** `--rates`: fault rates in percent of cells ("0,2.5,10"; "none" or "" for none when `allowNone`) → fractions. */
export function parseRatesPercent(v: string, allowNone = false): number[] {
  if (allowNone && (v.trim() === '' || v.trim() === 'none')) return [];
  return listOf(v).map((s) => {
    const n = Number(s.replace(/%$/, ''));
    if (s === '' || !Number.isFinite(n) || n < 0 || n > 100) throw new ConfigError(`fault rates are percentages 0..100, got ${JSON.stringify(s)}`, '--rates');
    return n / 100;
  });
}

/** `--ratios`: SA1:SA0 ratios "a:b,…", parsed by the config schema's ratio parser. */
export function parseRatios(v: string): SaRatio[] {
  return listOf(v).map((r) => {
    if (ratioProblem(r)) throw new ConfigError(`must be ratios a:b, got ${JSON.stringify(r)}`, '--ratios');
    return saRatio(r);
  });
}

/** `--mitigations`: names from MITIGATIONS. */
export function parseMitigations(v: string): Mitigation[] {
  return listOf(v).map((m) => {
    if (!(MITIGATIONS as readonly string[]).includes(m)) throw new ConfigError(`unknown mitigation ${JSON.stringify(m)}; known: ${MITIGATIONS.join(', ')}`, '--mitigations');
    return m as Mitigation;
  });
}

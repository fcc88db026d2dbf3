/**
 * `memxbar run`: the whole flow on one config — accuracy and a short fault sweep with and
 * without MT, the tile RTL and its synthesis, a co-simulation of one tile of each layer
 * kind, energy / latency / area — written as report.html (self-contained), report.md and
 * report.json. Without --config or --preset it runs the shipped default,
 * assets/run-default.json: preset neurosim-v1.4 with 32-row reads.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { MITIGATIONS } from '../../config/names.ts';
import { SIMULATOR_NAMES, type SimulatorName } from '../../cosim/simulators/simulator.ts';
import { CheckFailedError, ConfigError } from '../../errors.ts';
import type { FlowOptions } from '../../report/flow-report.ts';
import { RUN_DEFAULT_CONFIG } from '../../run/flow-defaults.ts';
import { OPTION_DEFAULTS } from '../../config/schema.ts';
import { addConfigOptions, configFromOptions, out, parseMitigations, parseRatesPercent, parseRatios, progressFor, type CommonOptions } from '../common.ts';
import { VERSION } from '../../version.ts';

const DEFAULT_FLOW = OPTION_DEFAULTS.run;

interface RunCliOptions extends CommonOptions {
  out: string;
  images: string;
  rates: string;
  ratios: string;
  mitigations: string;
  seeds: string;
  cosimLayers: string;
  patches: string;
  simulator: string;
  synth: boolean;
  cosim: boolean;
}

function wholeNumber(v: string, what: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`must be a whole number ${min}..${max}, got ${JSON.stringify(v)}`, what);
  return n;
}

function list(v: string): string[] {
  return v.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export function flowOptionsFrom(o: RunCliOptions, faultSeed: number): FlowOptions {
  const rates = parseRatesPercent(o.rates);
  const ratios = parseRatios(o.ratios);
  const mitigations = parseMitigations(o.mitigations);
  if (rates.length === 0 || ratios.length === 0 || mitigations.length === 0) throw new ConfigError('give at least one rate, ratio and mitigation', '--rates / --ratios / --mitigations');
  const seeds = wholeNumber(o.seeds, '--seeds', 1, 100);
  return {
    out: o.out,
    images: wholeNumber(o.images, '--images', 1, 10000),
    rates,
    ratios,
    mitigations,
    seeds: Array.from({ length: seeds }, (_, i) => faultSeed + i),
    cosimLayers: o.cosim ? list(o.cosimLayers) : [],
    cosimPatches: wholeNumber(o.patches, '--patches', 1, 4096),
    cosimSimulator: o.simulator as SimulatorName | 'auto',
    cosimFaultRate: DEFAULT_FLOW.cosimFaultRate,
    cosimMitigation: DEFAULT_FLOW.cosimMitigation,
    synth: o.synth,
    costImages: DEFAULT_FLOW.costImages,
  };
}

export function register(program: Command): void {
  addConfigOptions(
    program
      .command('run')
      .description('the whole flow on one config (accuracy and fault sweep with and without MT, RTL, synthesis, co-simulation, energy/latency/area) as one report: report.html, report.md, report.json')
      .option('--out <dir>', 'report folder (a re-run replaces its report; a file memxbar did not write is never replaced)', 'memxbar-report')
      .option('--images <n>', 'test images for accuracy and the sweep', String(DEFAULT_FLOW.images))
      .option('--rates <list>', 'fault rates of the sweep, percent of cells', DEFAULT_FLOW.rates.map((r) => +(r * 100).toPrecision(3)).join(','))
      .option('--ratios <list>', 'SA1:SA0 ratios of the sweep', DEFAULT_FLOW.ratios.join(','))
      .option('--mitigations <list>', `mitigations compared (${MITIGATIONS.join(', ')})`, DEFAULT_FLOW.mitigations.join(','))
      .option('--seeds <n>', 'fault seeds per point (faults.seed, faults.seed+1, …)', '1')
      .option('--cosim-layers <list>', 'layers co-simulated, one tile each (first conv, a deep conv, an FC)', DEFAULT_FLOW.cosimLayers.join(','))
      .option('--patches <k>', 'sampled patches per co-simulated tile', String(DEFAULT_FLOW.cosimPatches))
      .option('--simulator <name>', `HDL simulator (auto, ${SIMULATOR_NAMES.join(', ')})`, 'auto')
      .option('--no-synth', 'skip Yosys synthesis (the cost model estimates the periphery)')
      .option('--no-cosim', 'skip the co-simulation'),
    ['model', 'data', 'engine', 'faultSeed'],
  ).action(async (o: RunCliOptions) => {
    if (o.simulator !== 'auto' && !(SIMULATOR_NAMES as readonly string[]).includes(o.simulator)) {
      throw new ConfigError(`unknown simulator ${JSON.stringify(o.simulator)}; known: auto, ${SIMULATOR_NAMES.join(', ')}`, '--simulator');
    }
    if (!o.config && !o.preset) o.config = RUN_DEFAULT_CONFIG;
    const { runFlow } = await import('../../run/flow.ts');
    const cfg = await configFromOptions(o);
    const opts = flowOptionsFrom(o, cfg.faults.seed);
    const progress = progressFor(o);
    progress.log(`memxbar run: config ${o.config ?? `preset ${o.preset}`}; fault seeds ${opts.seeds.join(', ')}; report in ${o.out}/`);
    const r = await runFlow(cfg, opts, VERSION, progress);
    out(`wrote ${join(o.out, 'report.html')} (and report.md, report.json) in ${r.totalSeconds.toFixed(0)} s`);
    const bad = r.cosim.filter((v) => !v.ok);
    if (bad.length) throw new CheckFailedError(`co-simulation: ${bad.map((v) => v.label).join(', ')} did not match the reference model; the report says where (${join(o.out, 'report.html')})`);
  });
}

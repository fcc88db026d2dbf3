/**
 * `memxbar cost`: energy, latency and area of the whole accelerator for a config, with
 * stuck-at faults and MT priced in (docs/cost.md). JSON, Markdown and SVG charts.
 */
import type { Command } from 'commander';
import { ConfigError } from '../../errors.ts';
import { OPTION_DEFAULTS } from '../../config/schema.ts';
import type { CostOptions } from '../../cost/estimate.ts';
import { checkOutDir, writeOutputs } from '../../util/output.ts';
import { addConfigOptions, configFromOptions, out, parseMitigations, parseRatesPercent, parseRatios, progressFor, type CommonOptions } from '../common.ts';

interface CostCliOptions extends CommonOptions {
  images: string;
  rates: string;
  ratios: string;
  mitigations: string;
  synthReport?: string;
  compareNeurosim?: boolean;
  out: string;
}

function parseImages(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 10000) throw new ConfigError(`must be a whole number 1..10000, got ${JSON.stringify(v)}`, '--images');
  return n;
}

export function register(program: Command): void {
  addConfigOptions(
    program
      .command('cost')
      .description('energy, latency and area of the whole accelerator (per layer and network; TOPS/W, TOPS/mm², frames/s), with stuck-at faults and MT priced in; JSON, Markdown and SVG')
      .option('--images <n>', 'test images run per point to measure the activity', '4')
      .option('--rates <list>', 'fault rates of the fault study, percent of cells ("none": no study)', '1,5,10')
      .option('--ratios <list>', 'SA1:SA0 ratios of the fault study', OPTION_DEFAULTS.cost.ratios.join(','))
      .option('--mitigations <list>', 'mitigations compared in the fault study', OPTION_DEFAULTS.cost.mitigations.join(','))
      .option('--synth-report <file>', 'synth-report.json of this config\'s tile (memxbar synth --out); default: an estimate from the design')
      .option('--compare-neurosim', 'also measure and price NeuroSim\'s published points (V1.3 VGG8 example, V1.4 release test) on their own configurations, side by side with NeuroSim; writes neurosim.md and neurosim.json')
      .option('--out <dir>', 'output folder', 'runs/cost'),
    ['model', 'data', 'engine', 'faultRate', 'ratio', 'faultSeed', 'faultMap', 'mitigation'],
  ).action(async (o: CostCliOptions) => {
    const images = parseImages(o.images);
    const [{ COST_FILES, costFiles, costMarkdown }, { checkCost, runCost }, { loadInputs, prepare }] = await Promise.all([
      import('../../report/cost.ts'),
      import('../../cost/estimate.ts'),
      import('../../session/prepare.ts'),
    ]);
    const base = await configFromOptions(o);
    const cfg = { ...base, experiment: { ...base.experiment, images } };
    const opts: CostOptions = {
      images,
      rates: parseRatesPercent(o.rates, true),
      ratios: parseRatios(o.ratios),
      mitigations: parseMitigations(o.mitigations),
      synthReport: o.synthReport ?? null,
      compareNeurosim: !!o.compareNeurosim,
    };
    // Refuse what cannot run before any work: engine, synthesis report, inputs, output folder.
    checkCost(cfg, opts);
    const inputs = loadInputs(cfg);
    checkOutDir(o.out, COST_FILES);
    const progress = progressFor(o);
    const p = prepare(cfg, progress, inputs);
    const report = runCost(p, opts, progress);
    const written = writeOutputs(o.out, await costFiles(report), { command: 'cost' });
    out(costMarkdown(report));
    for (const f of written) out(`wrote ${f}`);
  });
}

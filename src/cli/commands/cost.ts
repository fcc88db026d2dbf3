/**
 * `memxbar cost`: energy, latency and area of the whole accelerator for a config, with
 * stuck-at faults and MT priced in (docs/cost.md). JSON, Markdown and SVG charts.
 */
import type { Command } from 'commander';
import { MITIGATIONS } from '../../config/schema.ts';
import { ConfigError } from '../../errors.ts';
import { costFiles, costMarkdown } from '../../report/cost.ts';
import { checkCost, DEFAULT_MITIGATIONS, DEFAULT_RATIOS, runCost, type CostOptions } from '../../cost/estimate.ts';
import { loadInputs, prepare } from '../../session/prepare.ts';
import { ensureOutDir, writeAllAtomic } from '../../util/fsx.ts';
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
      .option('--ratios <list>', 'SA1:SA0 ratios of the fault study', DEFAULT_RATIOS.join(','))
      .option('--mitigations <list>', 'mitigations compared in the fault study', DEFAULT_MITIGATIONS.join(','))
      .option('--synth-report <file>', 'synth-report.json of this config\'s tile (memxbar synth --out); default: an estimate from the design')
      .option('--compare-neurosim', 'add the comparison with NeuroSim\'s published VGG8 example')
      .option('--out <dir>', 'output folder', 'runs/cost'),
    ['model', 'data', 'engine', 'faultRate', 'ratio', 'faultSeed', 'faultMap', 'mitigation'],
  ).action(async (o: CostCliOptions) => {
    const images = parseImages(o.images);
    const base = configFromOptions(o);
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
    ensureOutDir(o.out);
    const progress = progressFor(o);
    const p = prepare(cfg, progress, inputs);
    const report = runCost(p, opts, progress);
    const written = writeAllAtomic(o.out, await costFiles(report));
    out(costMarkdown(report));
    for (const f of written) out(`wrote ${f}`);
  });
}

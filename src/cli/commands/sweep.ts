import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { MITIGATIONS } from '../../config/schema.ts';
import { ConfigError, DataError } from '../../errors.ts';
import { checkEngine } from '../../session/eval.ts';
import { loadInputs, prepare } from '../../session/prepare.ts';
import { priceMarkdown, summaryMarkdown, sweepChart, sweepCsv } from '../../report/sweep.ts';
import { mergeSweeps, parseShard, runSweep, summarize, type SweepResult, type SweepSpec } from '../../sweep/sweep.ts';
import { ensureOutDir, writeAllAtomic } from '../../util/fsx.ts';
import { addConfigOptions, configFromOptions, out, parseMitigations, parseRatesPercent, parseRatios, progressFor, type CommonOptions } from '../common.ts';

/** A shard file holds what merging and writing read (a foreign or hand-edited file is refused, naming it). */
function checkSweepResult(r: Partial<SweepResult> | null, file: string): SweepResult {
  const list = (v: unknown) => Array.isArray(v);
  const ok =
    typeof r === 'object' && r !== null && typeof r.key === 'string' && typeof r.config?.network?.model === 'string' &&
    list(r.spec?.rates) && list(r.spec?.ratios) && list(r.spec?.seeds) && list(r.spec?.mitigations) &&
    list(r.points) && r.points!.every((pt) => typeof pt === 'object' && pt !== null && typeof pt.top1 === 'number' && typeof pt.price === 'object' && pt.price !== null);
  if (!ok) throw new DataError('not a memxbar sweep result (key, config, spec, points)', file);
  return r as SweepResult;
}

/** Write a sweep's outputs: JSON, CSV and (for complete sweeps) the summary table and SVG plot. */
export async function writeSweep(dir: string, r: SweepResult): Promise<string[]> {
  const shard = r.shard.count > 1 ? `.shard-${r.shard.index}-of-${r.shard.count}` : '';
  const files: Record<string, string> = {};
  if (shard) {
    files[`sweep${shard}.json`] = JSON.stringify(r, null, 1);
    files[`sweep${shard}.csv`] = sweepCsv(r);
  } else {
    const summary = summarize(r);
    files['sweep.json'] = JSON.stringify({ ...r, summary }, null, 1);
    files['sweep.csv'] = sweepCsv(r);
    files['summary.md'] = summaryMarkdown(summary);
    files['price.md'] = priceMarkdown(summary);
    files['accuracy.svg'] = await sweepChart(summary, `${r.config.network.model}, preset ${r.config.preset}, ${r.spec.images} images, ${r.spec.seeds.length} fault seeds`);
  }
  return writeAllAtomic(dir, files);
}

export function register(program: Command): void {
  addConfigOptions(
    program
      .command('sweep')
      .description('accuracy against stuck-at fault rate, SA1:SA0 ratio and mitigation, over several fault seeds; CSV, JSON, Markdown summary and SVG plot')
      .option('--rates <list>', 'fault rates in percent of cells', '0,0.1,1,2.5,10,50')
      .option('--ratios <list>', 'SA1:SA0 ratios', '5:1,1:5')
      .option('--seeds <n>', 'number of fault seeds (faults.seed, faults.seed+1, …)', '2')
      .option('--mitigations <list>', `mitigations to compare (${MITIGATIONS.join(', ')})`)
      .option('--out <dir>', 'output folder', 'runs/sweep')
      .option('--shard <i/N>', 'run only every N-th point starting at i (array jobs); merge with `memxbar merge`'),
    ['model', 'data', 'images', 'engine', 'faultSeed', 'mitigation'],
  ).action(async (o: CommonOptions & { rates: string; ratios: string; seeds: string; mitigations?: string; out: string; shard?: string }) => {
    const cfg = configFromOptions(o);
    const seedsN = Number(o.seeds);
    if (!Number.isInteger(seedsN) || seedsN < 1 || seedsN > 1000) throw new ConfigError(`must be a whole number 1..1000, got ${JSON.stringify(o.seeds)}`, '--seeds');
    const spec: SweepSpec = {
      rates: parseRatesPercent(o.rates),
      ratios: parseRatios(o.ratios),
      seeds: Array.from({ length: seedsN }, (_, i) => cfg.faults.seed + i),
      mitigations: parseMitigations(o.mitigations ?? cfg.mitigation.method),
      images: cfg.experiment.images,
    };
    const shard = o.shard ? parseShard(o.shard) : { index: 0, count: 1 };
    for (const m of spec.mitigations) checkEngine({ ...cfg, mitigation: { ...cfg.mitigation, method: m } });
    const inputs = loadInputs(cfg);
    ensureOutDir(o.out);
    const progress = progressFor(o);
    const p = prepare(cfg, progress, inputs);
    const r = runSweep(p, spec, shard, progress);
    const files = await writeSweep(o.out, r);
    if (shard.count === 1) out(summaryMarkdown(summarize(r)));
    for (const f of files) out(`wrote ${f}`);
  });

  program
    .command('merge')
    .description('merge the shard results of one sweep (sweep.shard-*.json) into the full sweep outputs')
    .argument('<files...>', 'shard JSON files')
    .option('--out <dir>', 'output folder', 'runs/sweep')
    .action(async (files: string[], o: { out: string }) => {
      const parts = files.map((f) => {
        let result: SweepResult;
        try {
          result = JSON.parse(readFileSync(f, 'utf8')) as SweepResult;
        } catch (e) {
          throw new DataError(`not a readable sweep result: ${(e as Error).message}`, f);
        }
        return { result: checkSweepResult(result, f), source: f };
      });
      const merged = mergeSweeps(parts);
      ensureOutDir(o.out);
      for (const f of await writeSweep(o.out, merged)) out(`wrote ${join(f)}`);
      out(summaryMarkdown(summarize(merged)));
    });
}

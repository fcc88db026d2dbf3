import type { Command } from 'commander';
import { addConfigOptions, configFromOptions, out, progressFor, type CommonOptions } from '../common.ts';

export function register(program: Command): void {
  addConfigOptions(
    program
      .command('eval')
      .description('top-1 accuracy on CIFAR-10 images: float32, the integer path, and (--crossbar) the crossbar model')
      .option('--crossbar', 'also run the crossbar model (faults and mitigation as configured)')
      .option('--no-float', 'skip the float32 pass')
      .option('--json', 'print the result as JSON'),
  ).action(async (o: CommonOptions & { crossbar?: boolean; float: boolean }) => {
    const [{ checkEngine, evalCrossbar, evalFloat, evalInt }, { prepare }, { effectSeeds }] = await Promise.all([import('../../session/eval.ts'), import('../../session/prepare.ts'), import('../../crossbar/effects.ts')]);
    const cfg = await configFromOptions(o);
    if (o.crossbar) checkEngine(cfg);
    const progress = progressFor(o);
    if (o.crossbar && cfg.faults.rate > 0 && !cfg.faults.mapFile) progress.log(`fault seed: ${cfg.faults.seed} (rate ${cfg.faults.rate}, SA1:SA0 ${cfg.faults.sa1Sa0Ratio})`);
    const effects = effectSeeds(cfg);
    if (o.crossbar && effects) progress.log(`device effects: ${effects}`);
    const p = prepare(cfg, progress);
    const result: Record<string, unknown> = { model: cfg.network.model, images: p.test.count, data: p.test.source, preset: cfg.preset };
    if (o.float) result.float = strip(evalFloat(p, progress));
    result.integer = strip(evalInt(p, undefined, 'integer inference', progress));
    if (o.crossbar) {
      const r = evalCrossbar(p, cfg, progress);
      result.crossbar = { ...strip(r), engine: cfg.engine, faults: cfg.faults, mitigation: cfg.mitigation.method };
    }
    if (o.json) return out(JSON.stringify(result, null, 2));
    out(`model ${cfg.network.model}, ${p.test.count} images from ${p.test.source}, preset ${cfg.preset}`);
    for (const k of ['float', 'integer', 'crossbar']) {
      const a = result[k] as { correct: number; images: number; top1: number; imagesPerSecond: number } | undefined;
      if (a) out(`${k.padEnd(9)} top-1 ${(100 * a.top1).toFixed(2)}% (${a.correct}/${a.images})  ${a.imagesPerSecond.toFixed(1)} images/s`);
    }
  });
}

function strip<T extends { predictions?: unknown; crossbar?: unknown }>(r: T): Omit<T, 'predictions' | 'crossbar'> {
  const { predictions: _p, crossbar: _c, ...rest } = r;
  return rest;
}

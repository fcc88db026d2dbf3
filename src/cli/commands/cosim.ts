/**
 * `memxbar cosim`: co-simulate one tile of a layer, the generated RTL with the behavioural
 * array, on the layer's real input vectors, against the reference model (docs/cosim.md).
 * Prints MATCH and exits 0 on a full match; otherwise prints the first mismatch, writes
 * the report and a VCD of the failing window to --out, and fails.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { CheckFailedError, ConfigError } from '../../errors.ts';
import { SIMULATOR_NAMES, type SimulatorName } from '../../cosim/simulators/simulator.ts';
import { DEFAULT_MAX_VECS } from '../../cosim/testbench.ts';
import { addConfigOptions, configFromOptions, out, parseIntList, progressFor, type CommonOptions } from '../common.ts';

/** The tile computed something else than the reference model (the report says what). */
export class CosimMismatchError extends CheckFailedError {}

interface CosimOptions extends CommonOptions {
  layer?: string;
  tile: string;
  patches?: string;
  sampleSeed: string;
  simulator: string;
  out: string;
  stall?: boolean;
  listSimulators?: boolean;
  flow: string;
}

function intOption(v: string | undefined, what: string, min: number, max = 2 ** 31 - 1): number | null {
  if (v === undefined) return null;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`must be an integer ${min}..${max}, got ${JSON.stringify(v)}`, what);
  return n;
}

export function register(program: Command): void {
  addConfigOptions(
    program
      .command('cosim')
      .description('co-simulate one tile of a layer: generated RTL + behavioural array vs the reference model, word for word, on real images')
      .option('--layer <name|index>', 'compute layer: its name (/7/Conv), index (2), or kind and rank (conv3, fc1)')
      .option('--tile <rt,ct>', 'row tile and column tile of the layer', '0,0')
      .option('--patches <k>', `a seeded sample of k patches, at most ${DEFAULT_MAX_VECS} (one simulation run; default: every patch of the images)`)
      .option('--sample-seed <n>', 'seed of the patch sample', '1')
      .addOption(new Option('--simulator <name>', 'HDL simulator').choices(['auto', ...SIMULATOR_NAMES]).default('auto'))
      .option('--out <dir>', 'write the vectors, outputs, report and (on a mismatch) failing.vcd here', 'cosim-out')
      .option('--stall', 'random back-pressure on the partial-sum output')
      .addOption(new Option('--flow <name>', 'tile: the programmed tile on real vectors; bist-mt: BIST → fault map → MT-map → write path → inference (docs/cosim.md)').choices(['tile', 'bist-mt']).default('tile'))
      .option('--list-simulators', 'list the simulators and whether they are installed, then exit'),
  ).action(async (o: CosimOptions) => {
    if (o.listSimulators) {
      const { detectAll } = await import('../../cosim/simulators/index.ts');
      for (const { simulator, detection } of detectAll()) out(`${simulator.name.padEnd(10)} ${detection.available ? 'available' : 'missing  '}  ${detection.detail}`);
      return;
    }
    if (!o.layer) throw new ConfigError('name the layer to co-simulate (e.g. --layer conv3)', '--layer');
    const tile = parseIntList(o.tile, '--tile');
    if (tile.length !== 2 || !tile.every((n) => Number.isInteger(n) && n >= 0)) throw new ConfigError(`expected two tile indices "rt,ct", got ${JSON.stringify(o.tile)}`, '--tile');
    // Co-simulation runs few images: 1 unless --images says otherwise.
    o.images ??= '1';
    const cfg = await configFromOptions(o);
    const patches = intOption(o.patches, '--patches', 1, DEFAULT_MAX_VECS);
    const sampleSeed = intOption(o.sampleSeed, '--sample-seed', 0)!;
    if (o.flow === 'bist-mt') {
      const { cosimBistMt } = await import('../../cosim/bistMt.ts');
      const b = await cosimBistMt({
        cfg, layer: o.layer, rt: tile[0]!, ct: tile[1]!, images: cfg.experiment.images, patches, sampleSeed,
        simulator: o.simulator as SimulatorName | 'auto', progress: progressFor(o),
      });
      // The test's and the programming's price beside the verdict (docs/rtl.md "Test time and energy").
      const { bistTestCost, bistTestCostText, programCost, programCostText } = await import('../../cost/bist.ts');
      const testCost = bistTestCost(cfg, b.design, { stuck: b.stuck });
      const program = programCost(cfg, b.design, b.cellLevels, b.stuckMap);
      if (o.json) out(JSON.stringify({ ...b, text: undefined, design: undefined, cellLevels: undefined, stuckMap: undefined, testCost, programCost: program }, null, 2));
      else process.stdout.write(`${b.text}  ${bistTestCostText(testCost)}\n  ${programCostText(program)}\n`);
      if (!b.ok) throw new CosimMismatchError(`bist-mt loop failed in ${b.label} tile (${b.tile.rt}, ${b.tile.ct}): ${b.mismatch ?? `${b.mapMismatches} fault-map entries differ, BIST ${b.bistCycles} cycles (model ${b.bistCyclesModel})`}`);
      return;
    }
    const { cosimLayerTile } = await import('../../cosim/cosim.ts');
    const r = await cosimLayerTile({
      cfg,
      layer: o.layer,
      rt: tile[0]!,
      ct: tile[1]!,
      images: cfg.experiment.images,
      patches,
      sampleSeed,
      simulator: o.simulator as SimulatorName | 'auto',
      outDir: o.out,
      ...(o.stall ? { stall: true } : {}),
      progress: progressFor(o),
    });
    if (o.json) out(JSON.stringify({ ok: r.ok, simulator: r.simulator, layer: r.label, vectors: r.vectors, words: r.words, mismatch: r.mismatch, files: r.files }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2));
    else process.stdout.write(r.text);
    if (!r.ok) {
      const m = r.mismatch!;
      throw new CosimMismatchError(`co-simulation mismatch in ${m.layer} tile (${m.tile.rt}, ${m.tile.ct}), vector ${m.vector}, column ${m.column}; report and VCD in ${o.out}`);
    }
  });
}

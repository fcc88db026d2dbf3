/**
 * `memxbar faults`: draw the stuck-at fault map of the configured network's physical
 * arrays and save it as CSV (docs/model.md §6), or (--check) load a saved or measured map
 * and validate it against the configured network.
 */
import { existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../../config/schema.ts';
import type { FaultMap } from '../../crossbar/faults.ts';
import { ConfigError, DataError } from '../../errors.ts';
import { checkOutDir, writeOutputs } from '../../util/output.ts';
import { addConfigOptions, configFromOptions, out, progressFor, type CommonOptions } from '../common.ts';

interface FaultsOptions extends CommonOptions {
  out?: string;
  check?: string;
  force?: boolean;
  json?: boolean;
}

export interface LayerCounts {
  name: string;
  physRows: number;
  physCols: number;
  cells: number;
  sa1: number;
  sa0: number;
}

function layerCounts(map: FaultMap, countFaults: typeof import('../../crossbar/faults.ts').countFaults): LayerCounts[] {
  return map.map((l) => ({ name: l.name, physRows: l.physRows, physCols: l.physCols, ...countFaults([l]) }));
}

function printCounts(rows: LayerCounts[]): void {
  const total = rows.reduce((t, r) => ({ cells: t.cells + r.cells, sa1: t.sa1 + r.sa1, sa0: t.sa0 + r.sa0 }), { cells: 0, sa1: 0, sa0: 0 });
  const w = Math.max(5, ...rows.map((r) => r.name.length));
  const line = (name: string, array: string, c: { cells: number; sa1: number; sa0: number }) =>
    `${name.padEnd(w)}  ${array.padStart(11)}  ${String(c.cells).padStart(10)}  ${String(c.sa1).padStart(8)}  ${String(c.sa0).padStart(8)}  ${c.cells ? ((100 * (c.sa1 + c.sa0)) / c.cells).toFixed(3) : '0.000'}%`;
  out(`${'layer'.padEnd(w)}  ${'array'.padStart(11)}  ${'cells'.padStart(10)}  ${'SA1'.padStart(8)}  ${'SA0'.padStart(8)}  stuck`);
  for (const r of rows) out(line(r.name, `${r.physRows}x${r.physCols}`, r));
  out(line('total', '', total));
}

function summary(cfg: Config, file: string, rows: LayerCounts[], drawn: boolean): Record<string, unknown> {
  return {
    model: cfg.network.model,
    preset: cfg.preset,
    file,
    naming: cfg.faults.naming,
    ...(drawn ? { seed: cfg.faults.seed, rate: cfg.faults.rate, sa1Sa0Ratio: cfg.faults.sa1Sa0Ratio } : {}),
    layers: rows,
  };
}

export function register(program: Command): void {
  addConfigOptions(
    program
      .command('faults')
      .description("draw the stuck-at fault map of the configured network's physical arrays and save it as CSV, or (--check) validate a saved map against the network")
      .option('--out <csv>', 'draw a map from faults.rate, faults.sa1Sa0Ratio and faults.seed and write it to this file')
      .option('--check <csv>', 'load a fault map and validate it against the configured network; print stuck cells per layer')
      .option('--force', 'let --out replace an existing file')
      .option('--json', 'print the counts as JSON'),
    ['model', 'faultRate', 'ratio', 'faultSeed'],
  ).action(async (o: FaultsOptions) => {
    if (o.out !== undefined && o.check !== undefined) throw new ConfigError('give either --out (draw and save a map) or --check (validate a map), not both', '--check');
    if (o.out === undefined && o.check === undefined) throw new ConfigError('nothing to do: give --out <csv> to draw and save a map, or --check <csv> to validate one', '--out');
    const [{ countFaults, drawFaults, faultMapToCsv, loadFaultMap, networkLayerShapes }, { loadNetwork }] = await Promise.all([import('../../crossbar/faults.ts'), import('../../nn/onnx.ts')]);
    const cfg = await configFromOptions(o);
    const layers = networkLayerShapes(loadNetwork(cfg.network), cfg);
    const progress = progressFor(o);

    if (o.check !== undefined) {
      const map = loadFaultMap(o.check, layers, cfg.faults.naming);
      const rows = layerCounts(map, countFaults);
      if (o.json) return out(JSON.stringify(summary(cfg, o.check, rows, false), null, 2));
      out(`${o.check}: a valid fault map for ${cfg.network.model} (preset ${cfg.preset}, naming ${cfg.faults.naming})`);
      printCounts(rows);
      return;
    }

    const path = o.out!;
    if (existsSync(path) && !o.force) throw new DataError('exists; pass --force to replace it', `--out ${path}`);
    // --force makes the named file replaceable (even one memxbar did not write); nothing else is.
    const replaceable = o.force ? [{ command: 'faults', files: [basename(path)] }] : [];
    checkOutDir(dirname(path), [basename(path)], { legacy: replaceable });
    progress.log(`fault seed: ${cfg.faults.seed} (rate ${cfg.faults.rate}, SA1:SA0 ${cfg.faults.sa1Sa0Ratio})`);
    const map = drawFaults(layers, cfg.faults.rate, cfg.faults.sa1Sa0Ratio, cfg.faults.seed);
    writeOutputs(dirname(path), { [basename(path)]: faultMapToCsv(map, cfg.faults.naming) }, { command: 'faults', legacy: replaceable });
    const rows = layerCounts(map, countFaults);
    if (o.json) return out(JSON.stringify(summary(cfg, path, rows, true), null, 2));
    out(`fault seed ${cfg.faults.seed}, rate ${cfg.faults.rate}, SA1:SA0 ${cfg.faults.sa1Sa0Ratio}, naming ${cfg.faults.naming}`);
    printCounts(rows);
    out(`wrote ${path}`);
  });
}

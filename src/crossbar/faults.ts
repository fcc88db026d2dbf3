/**
 * Stuck-at fault maps (docs/model.md §6): one code per physical cell of every layer,
 * drawn from a seed or loaded from a chip tester's CSV file.
 */
import { readFileSync } from 'node:fs';
import { saRatio, type Config, type FaultConfig, type SaRatio } from '../config/schema.ts';
import { DataError } from '../errors.ts';
import { isCompute, matrixCols, matrixRows, type Network } from '../nn/graph.ts';
import { kernelThreads, native } from '../native/addon.ts';
import { mixSeed, Rng } from '../util/rng.ts';
import { layerLayout, weightParts, type Layout } from './layout.ts';

export const OK = 0;
export const SA0 = 1; // stuck at Gmin
export const SA1 = 2; // stuck at Gmax

export interface LayerFaults {
  name: string;
  physRows: number;
  physCols: number;
  /** Code per cell, row-major: 0 ok, 1 SA0 (Gmin), 2 SA1 (Gmax). */
  cells: Uint8Array;
}

export type FaultMap = LayerFaults[];

export interface LayerShape {
  name: string;
  layout: Layout;
}

/**
 * The physical arrays of a network's compute layers, in order (the layer index is the
 * position here): what a fault map covers. Needs only layer shapes and the config, the
 * same layouts the mappings of the quantized network have: the plain one, or with `zhang`
 * the wider array of its value-range reduction (`weightParts`).
 */
export function networkLayerShapes(net: Network, cfg: Pick<Config, 'tile' | 'quant'> & Partial<Pick<Config, 'mitigation'>>): LayerShape[] {
  const parts = weightParts(cfg);
  return net.layers.filter(isCompute).map((l) => ({ name: l.name, layout: layerLayout(matrixRows(l), matrixCols(l), cfg, `layer "${l.name}"`, parts) }));
}

/**
 * Draw a fault map: each cell stuck with probability `rate`, SA1 with the ratio's share. Layer i
 * draws from Rng(seed, i): for each cell in order one uint32 against the rate and, when stuck,
 * one against the SA1 share. The native kernels (kernels/program.cc, the same generator and
 * comparisons, layers spread over threads) give the same cells; `native: false` runs this loop.
 */
export function drawFaults(layers: LayerShape[], rate: number, ratio: SaRatio, seed: number, opts: { native?: boolean } = {}): FaultMap {
  const share = ratio.sa1Share;
  const stuckBelow = rate * 4294967296;
  const sa1Below = share * 4294967296;
  const map = layers.map((l) => ({ name: l.name, physRows: l.layout.physRows, physCols: l.layout.physCols, cells: new Uint8Array(l.layout.physRows * l.layout.physCols) }));
  if (rate <= 0) return map;
  const k = opts.native === false ? null : native();
  if (k && typeof k.drawFaultCells === 'function') {
    k.drawFaultCells(map.map((l) => l.cells), Uint32Array.from(layers, (_, index) => mixSeed(seed, index)), stuckBelow, sa1Below, kernelThreads());
    return map;
  }
  map.forEach(({ cells }, index) => {
    const rng = new Rng(seed, index);
    for (let i = 0; i < cells.length; i++) {
      if (rng.uint32() < stuckBelow) cells[i] = rng.uint32() < sa1Below ? SA1 : SA0;
    }
  });
  return map;
}

/** Fault map with no stuck cells. */
export function noFaults(layers: LayerShape[]): FaultMap {
  return drawFaults(layers, 0, saRatio('1:1'), 0);
}

/** Counts of stuck cells. */
export function countFaults(map: FaultMap): { cells: number; sa0: number; sa1: number } {
  let cells = 0;
  let sa0 = 0;
  let sa1 = 0;
  for (const l of map) {
    const c = l.cells;
    cells += c.length;
    for (let i = 0; i < c.length; i++) {
      const v = c[i]!;
      if (v === SA0) sa0++;
      else if (v === SA1) sa1++;
    }
  }
  return { cells, sa0, sa1 };
}

const HEADER = '# memxbar fault map v1';

/** What a type name means under each naming (`faults.naming`). */
const NAMING_NOTE: Record<FaultConfig['naming'], string> = {
  standard: 'SA1 = stuck at Gmax, SA0 = stuck at Gmin',
  pytorx: 'SA0 = stuck at Gmax, SA1 = stuck at Gmin',
};

/**
 * The CSV text of a fault map (docs/model.md §6.2). Types are written in `naming`, so that
 * loading the file with the same `faults.naming` gives the same map back.
 */
export function faultMapToCsv(map: FaultMap, naming: FaultConfig['naming'] = 'standard'): string {
  const highName = naming === 'standard' ? 'SA1' : 'SA0';
  const lowName = naming === 'standard' ? 'SA0' : 'SA1';
  const lines = [
    HEADER,
    `# naming: ${naming} (${NAMING_NOTE[naming]})`,
    `# layers: ${map.map((l) => `${l.name} ${l.physRows}x${l.physCols}`).join(', ')}`,
    'layer,row,col,type',
  ];
  for (const l of map) {
    for (let i = 0; i < l.cells.length; i++) {
      const c = l.cells[i]!;
      if (c !== OK) lines.push(`${l.name},${Math.floor(i / l.physCols)},${i % l.physCols},${c === SA1 ? highName : lowName}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** A physical coordinate field: a plain decimal integer in 0..n−1. */
function coordinate(text: string, what: 'row' | 'col', n: number, layer: string, where: string): number {
  const v = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(v < n)) throw new DataError(`${what} ${JSON.stringify(text)} is outside layer ${layer}'s physical array (${what}s 0..${n - 1})`, where);
  return v;
}

/** Check a `# layers: name RxC, …` comment (written by faultMapToCsv) against the network. */
function checkLayersComment(list: string, byName: Map<string, LayerFaults>, where: string): void {
  const listed = new Set<string>();
  for (const entry of list.split(/,\s*/)) {
    const m = /^(.+)\s+(\d+)x(\d+)$/.exec(entry.trim());
    if (!m) throw new DataError(`cannot read the layer entry ${JSON.stringify(entry)}; expected "name ROWSxCOLS"`, where);
    const [, name, rows, cols] = m as unknown as [string, string, string, string];
    const l = byName.get(name);
    if (!l) throw new DataError(`the map was made for a layer ${JSON.stringify(name)} that the network does not have (it has ${[...byName.keys()].join(', ')})`, where);
    if (Number(rows) !== l.physRows || Number(cols) !== l.physCols) {
      throw new DataError(`the map was made for layer ${name} as a ${rows}x${cols} physical array, but the configured network maps it to ${l.physRows}x${l.physCols} (different tile or quantization settings, or Zhang's value-range reduction, mitigation.valueRangeParts?)`, where);
    }
    listed.add(name);
  }
  const missing = [...byName.keys()].filter((n) => !listed.has(n));
  if (missing.length) throw new DataError(`the map was made for a different network: it does not list layer(s) ${missing.join(', ')}`, where);
}

/**
 * Parse a fault-map CSV against the network's layout. `naming: "pytorx"` reads SA0/SA1
 * with PytorX's opposite meaning. Every error names the file and line.
 */
export function parseFaultMapCsv(text: string, layers: LayerShape[], source: string, naming: FaultConfig['naming'] = 'standard'): FaultMap {
  const map = noFaults(layers);
  const byName = new Map(map.map((l) => [l.name, l]));
  const lines = text.split(/\r?\n/);
  let sawHeader = false;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    const where = `${source}:${i + 1}`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const note = /^#\s*(naming|layers):\s*(.*)$/.exec(line);
      if (note?.[1] === 'naming') {
        const written = note[2]!.split(/\s/)[0];
        if (written !== naming) throw new DataError(`the map was written with naming "${written}" but faults.naming is "${naming}"; set faults.naming=${written} to read it`, where);
      } else if (note?.[1] === 'layers') {
        checkLayersComment(note[2]!, byName, where);
      }
      return;
    }
    if (!sawHeader) {
      if (line.replace(/\s/g, '') !== 'layer,row,col,type') throw new DataError(`expected the header "layer,row,col,type", got ${JSON.stringify(line.slice(0, 60))}`, where);
      sawHeader = true;
      return;
    }
    const f = line.split(',').map((s) => s.trim());
    if (f.length !== 4) throw new DataError(`expected 4 fields layer,row,col,type, got ${f.length}`, where);
    const [name, rowS, colS, type] = f as [string, string, string, string];
    const l = byName.get(name);
    if (!l) throw new DataError(`unknown layer ${JSON.stringify(name)}; the network has ${[...byName.keys()].join(', ')}`, where);
    const row = coordinate(rowS, 'row', l.physRows, name, where);
    const col = coordinate(colS, 'col', l.physCols, name, where);
    if (type !== 'SA0' && type !== 'SA1') throw new DataError(`type must be SA0 or SA1, got ${JSON.stringify(type)}`, where);
    const idx = row * l.physCols + col;
    if (l.cells[idx] !== OK) throw new DataError(`cell (${row}, ${col}) of ${name} is listed twice`, where);
    const highG = (type === 'SA1') === (naming === 'standard');
    l.cells[idx] = highG ? SA1 : SA0;
  });
  if (!sawHeader) throw new DataError('no header line "layer,row,col,type" (is this a memxbar fault map?)', source);
  return map;
}

export function loadFaultMap(path: string, layers: LayerShape[], naming: FaultConfig['naming'] = 'standard'): FaultMap {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DataError(`cannot read fault map: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, path);
  }
  return parseFaultMapCsv(text, layers, path, naming);
}

/**
 * Stuck-at fault maps (docs/model.md §6): one code per physical cell of every layer,
 * drawn from a seed or loaded from a chip tester's CSV file.
 */
import { readFileSync } from 'node:fs';
import { sa1Share } from '../config/load.ts';
import type { FaultConfig } from '../config/schema.ts';
import { DataError } from '../errors.ts';
import { Rng } from '../util/rng.ts';
import type { Layout } from './layout.ts';

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

/** Draw a fault map: each cell stuck with probability `rate`, SA1 with the ratio's share. */
export function drawFaults(layers: LayerShape[], rate: number, ratio: string, seed: number): FaultMap {
  const share = sa1Share(ratio);
  const stuckBelow = rate * 4294967296;
  const sa1Below = share * 4294967296;
  return layers.map((l, index) => {
    const n = l.layout.physRows * l.layout.physCols;
    const cells = new Uint8Array(n);
    if (rate > 0) {
      const rng = new Rng(seed, index);
      for (let i = 0; i < n; i++) {
        if (rng.uint32() < stuckBelow) cells[i] = rng.uint32() < sa1Below ? SA1 : SA0;
      }
    }
    return { name: l.name, physRows: l.layout.physRows, physCols: l.layout.physCols, cells };
  });
}

/** Fault map with no stuck cells. */
export function noFaults(layers: LayerShape[]): FaultMap {
  return drawFaults(layers, 0, '1:1', 0);
}

/** Counts of stuck cells. */
export function countFaults(map: FaultMap): { cells: number; sa0: number; sa1: number } {
  let cells = 0;
  let sa0 = 0;
  let sa1 = 0;
  for (const l of map) {
    cells += l.cells.length;
    for (const c of l.cells) {
      if (c === SA0) sa0++;
      else if (c === SA1) sa1++;
    }
  }
  return { cells, sa0, sa1 };
}

const HEADER = '# memxbar fault map v1';

/** The CSV text of a fault map (standard naming: SA1 = Gmax). */
export function faultMapToCsv(map: FaultMap): string {
  const lines = [HEADER, `# layers: ${map.map((l) => `${l.name} ${l.physRows}x${l.physCols}`).join(', ')}`, 'layer,row,col,type'];
  for (const l of map) {
    for (let i = 0; i < l.cells.length; i++) {
      const c = l.cells[i]!;
      if (c !== OK) lines.push(`${l.name},${Math.floor(i / l.physCols)},${i % l.physCols},${c === SA1 ? 'SA1' : 'SA0'}`);
    }
  }
  return lines.join('\n') + '\n';
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
    if (line === '' || line.startsWith('#')) return;
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
    const row = Number(rowS);
    const col = Number(colS);
    if (!Number.isInteger(row) || row < 0 || row >= l.physRows) throw new DataError(`row ${JSON.stringify(rowS)} is outside layer ${name}'s physical array (0..${l.physRows - 1})`, where);
    if (!Number.isInteger(col) || col < 0 || col >= l.physCols) throw new DataError(`col ${JSON.stringify(colS)} is outside layer ${name}'s physical array (0..${l.physCols - 1})`, where);
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

/**
 * The layer rule of docs/architecture.md over every import of src/: a module imports its own
 * folder and folders of lower layers only, and no import cycle exists. The layers are read
 * from the table in docs/architecture.md, so the page and this check cannot drift apart.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const SRC = join(ROOT, 'src');

/** folder (or root file of src/) → layer, from the table of docs/architecture.md. */
function layersFromDoc(): Map<string, number> {
  const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
  const layers = new Map<string, number>();
  for (const m of doc.matchAll(/^\| (\d+) \| `([^`]+)` \|/gm)) layers.set(m[2]!, Number(m[1]));
  return layers;
}

/** Source files of src/ with the relative paths they import (static, re-export and import()). */
function sourceImports(): Map<string, string[]> {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(p);
    }
  };
  walk(SRC);
  const out = new Map<string, string[]>();
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    const targets = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => relative(SRC, resolve(dirname(f), m[1]!)));
    out.set(relative(SRC, f), targets);
  }
  return out;
}

/** The unit a file belongs to: its top folder under src/, or the root file itself. */
const unitOf = (file: string) => (file.includes('/') ? file.split('/')[0]! : file);

/** Every import that breaks the rule, as "from → to (why)". */
export function layerViolations(imports: Map<string, string[]>, layers: Map<string, number>): string[] {
  const bad: string[] = [];
  for (const [file, targets] of imports) {
    const from = unitOf(file);
    const lf = layers.get(from);
    if (lf === undefined) {
      bad.push(`${file}: folder "${from}" has no layer in docs/architecture.md`);
      continue;
    }
    for (const t of targets) {
      const to = unitOf(t);
      if (to === from) continue;
      const lt = layers.get(to);
      if (lt === undefined) bad.push(`${file} → ${t}: "${to}" has no layer in docs/architecture.md`);
      else if (lt >= lf) bad.push(`${file} → ${t}: ${from} (layer ${lf}) may not import ${to} (layer ${lt})`);
    }
  }
  return bad;
}

/** Import cycles between files (strongly connected components of more than one file, or a self-import). */
export function importCycles(imports: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of imports.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (imports.get(v) ?? []).includes(v)) cycles.push(scc.sort());
    }
  };
  for (const v of imports.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

describe('architecture (docs/architecture.md)', () => {
  const layers = layersFromDoc();
  const imports = sourceImports();

  it('the page lists every folder of src/, and the imports were found', () => {
    expect(layers.size).toBeGreaterThanOrEqual(15);
    const units = new Set([...imports.keys()].map(unitOf));
    expect([...units].filter((u) => !layers.has(u))).toEqual([]);
    expect([...imports.values()].reduce((n, t) => n + t.length, 0)).toBeGreaterThan(300);
  });

  it('no module imports its own layer\'s other folders or a layer above', () => {
    expect(layerViolations(imports, layers)).toEqual([]);
  });

  it('no import cycle', () => {
    expect(importCycles(imports)).toEqual([]);
  });

  it('the checks catch what they are for (an upward import, a same-layer import, a cycle)', () => {
    const bad = new Map(imports);
    bad.set('nn/graph.ts', [...(imports.get('nn/graph.ts') ?? []), 'engine/fast.ts']);
    bad.set('cost/model.ts', [...(imports.get('cost/model.ts') ?? []), 'cosim/tile.ts']);
    expect(layerViolations(bad, layers).sort()).toEqual([
      'cost/model.ts → cosim/tile.ts: cost (layer 9) may not import cosim (layer 9)',
      'nn/graph.ts → engine/fast.ts: nn (layer 4) may not import engine (layer 6)',
    ]);
    const cyclic = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(importCycles(cyclic)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });
});

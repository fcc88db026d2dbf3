import { runCli } from '../cli-harness.ts';
/** `memxbar faults`: draw and save a fault map, check a saved one (docs/model.md §6). */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { register } from '../../src/cli/commands/faults.ts';
import { buildProgram, main } from '../../src/cli/main.ts';
import { resolveConfig, parseOverride } from '../../src/config/load.ts';
import { countFaults, drawFaults, loadFaultMap, networkLayerShapes, type FaultMap } from '../../src/crossbar/faults.ts';
import { isUserError } from '../../src/errors.ts';
import { loadNetwork } from '../../src/nn/onnx.ts';
import { saRatio } from '../../src/config/schema.ts';

/** A small network: random VGG8 at 1/16 width (8-bit weights, 128×128 tiles of the default preset). */
const MODEL = ['--model', 'random-vgg8', '--set', 'network.randomWidth=0.0625'];

/**
 * Run the CLI with `args`; returns the exit code and what it printed. Goes through `main`
 * once `faults` is wired into src/cli/main.ts; until then, through buildProgram() with the
 * command registered here and main's error handling (user errors → one line, exit 2).
 */
const cli = runCli;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'memxbar-faults-cli-'));
});
afterEach(() => vi.restoreAllMocks());

/** Fault maps as comparable strings (typed-array deep equality is slow on 100k cells). */
const digest = (map: FaultMap) => map.map((l) => `${l.name} ${l.physRows}x${l.physCols} ${Buffer.from(l.cells).toString('base64')}`);

/** The layer shapes the CLI sees for MODEL plus extra overrides. */
function layersFor(...sets: string[]) {
  const cfg = resolveConfig({ overrides: ['network.model="random-vgg8"', 'network.randomWidth=0.0625', ...sets].map(parseOverride) });
  return networkLayerShapes(loadNetwork(cfg.network), cfg);
}

describe('memxbar faults --out', () => {
  it('draws the map of the configured network, saves it and prints the seed and the counts', async () => {
    const path = join(dir, 'map.csv');
    const r = await cli('faults', ...MODEL, '--fault-rate', '5', '--ratio', '5:1', '--fault-seed', '3', '--out', path, '--quiet');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const layers = layersFor();
    const want = drawFaults(layers, 0.05, saRatio('5:1'), 3);
    expect(digest(loadFaultMap(path, layers))).toEqual(digest(want));
    const c = countFaults(want);
    expect(c.sa1 + c.sa0).toBeGreaterThan(0);
    expect(r.stdout).toContain('fault seed 3, rate 0.05, SA1:SA0 5:1');
    expect(r.stdout).toMatch(new RegExp(`^total +${c.cells} +${c.sa1} +${c.sa0} `, 'm'));
    expect(r.stdout).toMatch(/^conv1 +128x128 +16384 /m); // 27×8 on one 128×128 tile
    expect(r.stdout).toContain(`wrote ${path}`);
    // Written atomically: no stage is left beside it; the folder's owned-file list names it (src/util/output.ts).
    expect(readdirSync(dir).sort()).toEqual(['.memxbar-files.json', 'map.csv']);
    expect(JSON.parse(readFileSync(join(dir, '.memxbar-files.json'), 'utf8')).files).toEqual({ 'map.csv': 'faults' });
  });

  it('prints the seed on stderr unless --quiet', async () => {
    const r = await cli('faults', ...MODEL, '--fault-rate', '1', '--fault-seed', '12', '--out', join(dir, 'm.csv'));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('fault seed: 12 (rate 0.01, SA1:SA0 5:1)');
  });

  it('--json: per-layer counts that match the saved map', async () => {
    const path = join(dir, 'map.csv');
    const r = await cli('faults', ...MODEL, '--fault-rate', '10', '--ratio', '1:5', '--fault-seed', '4', '--out', path, '--json', '-q');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { seed: number; rate: number; sa1Sa0Ratio: string; layers: { name: string; cells: number; sa1: number; sa0: number }[] };
    expect([j.seed, j.rate, j.sa1Sa0Ratio]).toEqual([4, 0.1, '1:5']);
    const map = loadFaultMap(path, layersFor());
    expect(j.layers.map((l) => [l.name, l.cells, l.sa1, l.sa0])).toEqual(
      map.map((l) => {
        const c = countFaults([l]);
        return [l.name, c.cells, c.sa1, c.sa0];
      }),
    );
  });

  it('refuses to replace an existing file without --force', async () => {
    const path = join(dir, 'map.csv');
    writeFileSync(path, 'measured\n');
    const r = await cli('faults', ...MODEL, '--fault-rate', '1', '--out', path, '-q');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out ${path}: exists; pass --force`);
    expect(readFileSync(path, 'utf8')).toBe('measured\n');
    expect((await cli('faults', ...MODEL, '--fault-rate', '1', '--out', path, '--force', '-q')).code).toBe(0);
    expect(readFileSync(path, 'utf8')).toMatch(/^# memxbar fault map v1\n/);
  });

  it('writes the configured naming, which --check reads back only under the same naming', async () => {
    const path = join(dir, 'ptx.csv');
    expect((await cli('faults', ...MODEL, '--fault-rate', '2', '--set', 'faults.naming=pytorx', '--out', path, '-q')).code).toBe(0);
    expect(digest(loadFaultMap(path, layersFor(), 'pytorx'))).toEqual(digest(drawFaults(layersFor(), 0.02, saRatio('5:1'), 1)));
    const r = await cli('faults', ...MODEL, '--check', path);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${path}:2: the map was written with naming "pytorx"`);
    expect((await cli('faults', ...MODEL, '--set', 'faults.naming=pytorx', '--check', path)).code).toBe(0);
  });
});

describe('memxbar faults --check', () => {
  it('validates a map and prints the stuck cells per layer', async () => {
    const path = join(dir, 'chip.csv');
    writeFileSync(path, '# from a chip tester\nlayer,row,col,type\nconv1,0,0,SA1\nconv1,127,127,SA0\nfc2,3,4,SA1\n');
    const r = await cli('faults', ...MODEL, '--check', path);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${path}: a valid fault map for random-vgg8`);
    expect(r.stdout).toMatch(/^conv1 +128x128 +16384 +1 +1 +0\.012%$/m);
    expect(r.stdout).toMatch(/^fc2 +128x128 +16384 +1 +0 /m);
    expect(r.stdout).toMatch(/^conv2 +128x128 +16384 +0 +0 /m);
  });

  it('names the file and line of a bad entry', async () => {
    const path = join(dir, 'bad.csv');
    writeFileSync(path, 'layer,row,col,type\nconv1,0,0,SA1\nconv1,128,0,SA0\n');
    const r = await cli('faults', ...MODEL, '--check', path);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`memxbar: error: ${path}:3: row "128" is outside layer conv1's physical array (rows 0..127)\n`);
  });

  it('refuses a map drawn for other tile settings (the "# layers" line)', async () => {
    const path = join(dir, 'map.csv');
    expect((await cli('faults', ...MODEL, '--fault-rate', '1', '--out', path, '-q')).code).toBe(0);
    // 64-column tiles hold Wc = 64/8 − 1 = 7 weight columns: conv1 and conv2 (8 outputs) still take
    // 2 tiles = 128 columns, conv3 (16 outputs) takes 3 tiles = 192 columns instead of 2·128.
    const r = await cli('faults', ...MODEL, '--set', 'tile.cols=64', '--set', 'tile.colsPerAdc=8', '--check', path);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${path}:3: the map was made for layer conv3 as a 128x256 physical array, but the configured network maps it to 128x192`);
  });

  it('a missing file is an error naming it', async () => {
    const path = join(dir, 'nope.csv');
    const r = await cli('faults', ...MODEL, '--check', path);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`memxbar: error: ${path}: cannot read fault map: ENOENT\n`);
  });
});

describe('memxbar faults: bad requests', () => {
  it('needs exactly one of --out and --check', async () => {
    const none = await cli('faults', ...MODEL);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--out: nothing to do');
    const both = await cli('faults', ...MODEL, '--out', join(dir, 'a.csv'), '--check', join(dir, 'b.csv'));
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--check: give either --out');
    expect(existsSync(join(dir, 'a.csv'))).toBe(false);
  });

  it('a bad rate or ratio names the config field', async () => {
    const rate = await cli('faults', ...MODEL, '--fault-rate', '200', '--out', join(dir, 'a.csv'));
    expect(rate.code).toBe(2);
    expect(rate.stderr).toContain('--fault-rate: fault rates are percentages 0..100, got "200"');
    const old = await cli('faults', ...MODEL, '--saf', '0.05', '--out', join(dir, 'a.csv'));
    expect(old.code).toBe(2);
    expect(old.stderr).toContain('--saf: took a fraction and is gone: give --fault-rate in percent of cells, like --rates (--saf 0.05 is --fault-rate 5)');
    const ratio = await cli('faults', ...MODEL, '--ratio', '5-1', '--out', join(dir, 'a.csv'));
    expect(ratio.code).toBe(2);
    expect(ratio.stderr).toContain('faults.sa1Sa0Ratio: must be a ratio');
    expect(existsSync(join(dir, 'a.csv'))).toBe(false);
  });

  it('a tile too small for one weight names tile.cols and the layer', async () => {
    const r = await cli('faults', ...MODEL, '--set', 'tile.cols=8', '--set', 'tile.colsPerAdc=8', '--fault-rate', '10', '--out', join(dir, 'a.csv'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('tile.cols (layer "conv1")');
  });
});

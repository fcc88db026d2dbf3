/**
 * The robustness pass over every entry point (issue 9): malformed configs, truncated and
 * corrupt ONNX files, wrong-sized data and fault-map files, unwritable output folders and
 * absurd sizes. Each is refused with exit code 2 and exactly one line
 * `memxbar: error: …` that names the problem and where it is (the config path, the flag or
 * the file), without a stack trace, before any long work (calibration, Yosys, simulation),
 * and with nothing written: an existing output folder gets no new entry and the user's file
 * in it stays byte-identical; a new output folder is not created.
 *
 * test/cli/errors.test.ts has the first cases (mostly on `config` and `eval`); this suite
 * runs the same kinds of input through every command, in process (test/cli-harness.ts).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import onnxProto from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config/load.ts';
import { exportOnnx } from '../../src/nn/onnx-export.ts';
import { runCli } from '../cli-harness.ts';
import { tinyNet } from '../helpers.ts';

const { onnx } = onnxProto;
const D = mkdtempSync(join(tmpdir(), 'memxbar-robust-'));
const file = (name: string, content: string | Uint8Array) => {
  const p = join(D, name);
  writeFileSync(p, content);
  return p;
};
const folder = (name: string) => {
  const p = join(D, name);
  mkdirSync(p, { recursive: true });
  return p;
};

/** Long work (calibration alone) takes 10+ s on this machine; a refusal comes well before. */
const REFUSAL_MS = 5000;

/** Run the CLI; expect a refusal: exit 2, one `memxbar: error:` line naming every fragment, no stack, quickly. */
async function refused(args: string[], ...where: (string | RegExp)[]): Promise<string> {
  const t0 = performance.now();
  const r = await runCli(...args);
  const ms = performance.now() - t0;
  expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(2);
  expect(r.stderr, 'exactly one line').toMatch(/^memxbar: error: [^\n]+\n$/);
  expect(r.stderr).not.toContain('    at ');
  for (const w of where) {
    if (typeof w === 'string') expect(r.stderr).toContain(w);
    else expect(r.stderr).toMatch(w);
  }
  expect(ms, `refused after ${ms.toFixed(0)} ms: before any long work`).toBeLessThan(REFUSAL_MS);
  return r.stderr;
}

/**
 * An output folder holding a user's file, and the check that a refused command left it
 * as it was (no new entry, the file byte-identical). `fresh` is a path that must not exist.
 */
function outFolder(tag: string) {
  const dir = folder(`out-${tag}-${Math.random().toString(36).slice(2, 8)}`);
  const mine = randomBytes(256);
  writeFileSync(join(dir, 'notes.txt'), mine);
  const fresh = join(D, `new-${tag}-${Math.random().toString(36).slice(2, 8)}`);
  return {
    dir,
    fresh,
    mine,
    untouched() {
      expect(readdirSync(dir), `${dir}: nothing new`).toEqual(['notes.txt']);
      expect(readFileSync(join(dir, 'notes.txt')).equals(mine), 'the user file is byte-identical').toBe(true);
      expect(existsSync(fresh), `${fresh}: not created`).toBe(false);
    },
  };
}

/**
 * Every command that reads a config, as a function of its output location. `run` wants a
 * new or empty folder (it refuses one holding a user's file: tested below), so it gets a
 * fresh path; the others write into the folder holding the user's file. Case arguments
 * come after these, so they win over the defaults given here.
 */
type Out = ReturnType<typeof outFolder>;
const COMMANDS: Record<string, (o: Out) => string[]> = {
  eval: () => ['eval', '--crossbar', '--images', '1', '-q'],
  sweep: (o) => ['sweep', '--images', '1', '--rates', '0,10', '--seeds', '1', '--out', o.dir, '-q'],
  faults: (o) => ['faults', '--out', join(o.dir, 'map.csv'), '-q'],
  cosim: (o) => ['cosim', '--layer', 'fc2', '--simulator', 'icarus', '--out', o.dir, '-q'],
  cost: (o) => ['cost', '--images', '1', '--out', o.dir, '-q'],
  gen: (o) => ['gen', '--out', o.dir],
  config: () => ['config'],
  run: (o) => ['run', '--images', '4', '--no-synth', '--no-cosim', '--out', o.fresh, '-q'],
};
/** The commands that load the model and the images (`config` only resolves the config; gen and synth need no model). */
const MODEL_COMMANDS = ['eval', 'sweep', 'faults', 'cosim', 'cost', 'run'];
const DATA_COMMANDS = ['eval', 'sweep', 'cosim', 'cost', 'run'];

async function refusedBy(cmd: string, extra: string[], ...where: (string | RegExp)[]): Promise<void> {
  const o = outFolder(cmd);
  await refused([...COMMANDS[cmd]!(o), ...extra], ...where);
  o.untouched();
}

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

const SHIPPED_ONNX = readFileSync(join(PROJECT_ROOT, 'assets', 'models', 'vgg8-w0.5-cifar10.onnx'));
const cifarDims = (d: (number | string)[]) => ({ dim: d.map((x) => (typeof x === 'number' ? { dimValue: x } : { dimParam: x })) });

const CONFIGS = {
  'invalid JSON': { path: file('bad-json.json', '{\n  "tile": {\n    "rows": 64,\n  }\n}\n'), where: [/not valid JSON: .*position 32 \(line 4 column 3\)/] },
  'a wrong type': { path: file('wrong-type.json', JSON.stringify({ tile: { rows: '64' } })), where: ['tile.rows: must be an integer 2..4096, got "64"'] },
  'an unknown key': { path: file('unknown-key.json', JSON.stringify({ tilez: { rows: 64 } })), where: ['unknown field(s) "tilez"'] },
  'a JSON array': { path: file('array.json', '[1, 2, 3]'), where: ['a config file must hold a JSON object'] },
  'an empty file': { path: file('empty-config.json', ''), where: ['not valid JSON'] },
  'a missing path': { path: join(D, 'no-such-config.json'), where: ['cannot read config file: ENOENT'] },
  'a directory': { path: folder('config-dir.json'), where: ['cannot read config file: EISDIR'] },
};

const MODELS: Record<string, { path: string; where: (string | RegExp)[] }> = {
  'an empty file': { path: file('empty.onnx', ''), where: ['not an ONNX model'] },
  'truncated at byte 1': { path: file('trunc-1.onnx', SHIPPED_ONNX.subarray(0, 1)), where: [/cannot decode as an ONNX model.*truncated or not ONNX/] },
  'truncated at byte 200': { path: file('trunc-200.onnx', SHIPPED_ONNX.subarray(0, 200)), where: [/cannot decode as an ONNX model.*truncated or not ONNX/] },
  'truncated at 1/3': { path: file('trunc-third.onnx', SHIPPED_ONNX.subarray(0, Math.floor(SHIPPED_ONNX.length / 3))), where: [/cannot decode as an ONNX model.*truncated or not ONNX/] },
  'truncated one byte short': { path: file('trunc-end.onnx', SHIPPED_ONNX.subarray(0, SHIPPED_ONNX.length - 1)), where: [/cannot decode as an ONNX model.*truncated or not ONNX/] },
  'random bytes': { path: file('random.onnx', Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24)), where: [/cannot decode as an ONNX model|not an ONNX model/] },
  'a directory': { path: folder('model-dir.onnx'), where: ['cannot read model file'] },
  'a missing path': { path: join(D, 'no-such-model.onnx'), where: ['cannot read model file', 'ENOENT'] },
  'an MNIST-shaped graph': { path: file('mnist.onnx', exportOnnx(tinyNet(1, { inC: 1, hw: 28, classes: 10 }))), where: ['graph input "image": must be NCHW [N,3,32,32], is [N,1,28,28]'] },
  'an unsupported op': {
    path: file(
      'sigmoid.onnx',
      onnx.ModelProto.encode({
        irVersion: 8,
        opsetImport: [{ domain: '', version: 13 }],
        graph: {
          name: 'g',
          node: [{ name: 'squash', opType: 'Sigmoid', input: ['image'], output: ['logits'] }],
          input: [{ name: 'image', type: { tensorType: { elemType: 1, shape: cifarDims(['N', 3, 32, 32]) } } }],
          output: [{ name: 'logits', type: { tensorType: { elemType: 1, shape: cifarDims(['N', 3, 32, 32]) } } }],
        },
      }).finish(),
    ),
    where: ['node "squash" (Sigmoid): op Sigmoid is not supported'],
  },
  'a malformed model card': (() => {
    const path = file('carded.onnx', exportOnnx(tinyNet(2, { inC: 3, hw: 32, classes: 10 })));
    file('carded.json', JSON.stringify({ mean: 'cifar' }));
    return { path, where: [join(D, 'carded.json'), 'mean must be an array of numbers'] };
  })(),
};

const REC = 3073;
const DATA: Record<string, { path: string; where: (string | RegExp)[] }> = {
  'a size not a multiple of 3073': { path: file('odd.bin', new Uint8Array(REC * 3 + 7)), where: ['file size 9226 bytes is not a multiple of the 3073-byte record'] },
  'one byte short of a record': { path: file('short.bin', new Uint8Array(REC - 1)), where: ['is not a multiple of the 3073-byte record'] },
  'an empty file': { path: file('empty.bin', new Uint8Array(0)), where: ['file is empty'] },
  'a directory': { path: folder('data-dir.bin'), where: ['not a regular file'] },
  'a missing path': { path: join(D, 'no-such-data.bin'), where: ['cannot read CIFAR-10 file', 'ENOENT'] },
  'a label out of range': { path: file('bad-label.bin', Uint8Array.from({ length: REC * 2 }, (_, i) => (i === 0 ? 200 : 0))), where: ['@ byte 0', 'label 200 is not a CIFAR-10 class'] },
};

const MAP_HEADER = 'layer,row,col,type';
const FAULT_MAPS: Record<string, { path: string; where: (string | RegExp)[] }> = {
  'not a fault map': { path: file('not-a-map.csv', 'a,b,c\n1,2,3\n'), where: [':1: expected the header "layer,row,col,type"'] },
  'a row outside the array': { path: file('row-range.csv', `${MAP_HEADER}\n/0/Conv,1000000000,0,SA1\n`), where: [':2: row "1000000000" is outside layer /0/Conv\'s physical array (rows 0..127)'] },
  'an unknown layer': { path: file('layer.csv', `${MAP_HEADER}\n/99/Conv,0,0,SA1\n`), where: [':2: unknown layer "/99/Conv"'] },
  'a short line': { path: file('fields.csv', `${MAP_HEADER}\n/0/Conv,0\n`), where: [':2: expected 4 fields layer,row,col,type, got 2'] },
  'a bad type': { path: file('type.csv', `${MAP_HEADER}\n/0/Conv,0,0,SA2\n`), where: [':2: type must be SA0 or SA1, got "SA2"'] },
  'a cell listed twice': { path: file('twice.csv', `${MAP_HEADER}\n/0/Conv,0,0,SA1\n/0/Conv,0,0,SA0\n`), where: [':3: cell (0, 0) of /0/Conv is listed twice'] },
  'an empty file': { path: file('empty.csv', ''), where: ['no header line "layer,row,col,type"'] },
  'a directory': { path: folder('map-dir.csv'), where: ['cannot read fault map: EISDIR'] },
  'a missing path': { path: join(D, 'no-such-map.csv'), where: ['cannot read fault map: ENOENT'] },
  // 'a map of 64-row tiles' is drawn in beforeAll (memxbar faults --out with tile.rows=64).
};

/** A folder mkdir cannot create into, as this user: root writes through chmod, so it gets /proc. */
function unwritableFolder(): { path: string; code: RegExp } {
  if (process.getuid?.() === 0) return { path: '/proc/memxbar-robustness/out', code: /ENOENT|EACCES|EPERM/ };
  const ro = folder('read-only');
  chmodSync(ro, 0o555);
  return { path: join(ro, 'out'), code: /EACCES|EPERM|EROFS/ };
}

let otherTileMap: string;
let sweepJson: string;
let rtlDir: string;

beforeAll(async () => {
  otherTileMap = join(D, 'rows-64.csv');
  const f = await runCli('faults', '--out', otherTileMap, '--set', 'tile.rows=64', '--set', 'tile.parallelRead=64', '--fault-rate', '0.1', '-q');
  expect(f.code, f.stderr).toBe(0);
  FAULT_MAPS['a map of 64-row tiles'] = { path: otherTileMap, where: ['as a 64x', 'maps it to 128x', 'different tile or quantization settings'] };
  // A complete one-point sweep (1 calibration image: seconds), for merge.
  const swOut = join(D, 'sweep-whole');
  const s = await runCli('sweep', '--rates', '0', '--ratios', '5:1', '--seeds', '1', '--images', '1', '--set', 'quant.calibrationImages=1', '--out', swOut, '-q');
  expect(s.code, s.stderr).toBe(0);
  sweepJson = join(swOut, 'sweep.json');
  rtlDir = join(D, 'rtl');
  const g = await runCli('gen', '--set', 'tile.rows=8', '--set', 'tile.cols=18', '--set', 'tile.parallelRead=8', '--set', 'tile.colsPerAdc=6', '--out', rtlDir);
  expect(g.code, g.stderr).toBe(0);
});

// ---------------------------------------------------------------------------
// Malformed configs
// ---------------------------------------------------------------------------

describe('a malformed --config is refused by every command, naming the file', () => {
  for (const cmd of Object.keys(COMMANDS)) {
    for (const [what, c] of Object.entries(CONFIGS)) {
      it(`${cmd}: ${what}`, async () => refusedBy(cmd, ['--config', c.path], c.path, ...c.where));
    }
  }

  it('a bad value from a flag is not blamed on the config file', async () => {
    const f = file('fine.json', JSON.stringify({ tile: { adcBits: 6 } }));
    const e = await refused(['config', '--config', f, '--set', 'tile.rows=1000000000']);
    expect(e).toContain('tile.rows: must be an integer 2..4096, got 1000000000');
    expect(e).not.toContain(f);
    // run starts from its own default config file: a bad --images is the flag's, not that file's.
    const r = await refused(['run', '--images', '1e9', '--out', join(D, 'never'), '-q'], 'experiment.images');
    expect(r).not.toContain('run-default.json');
  });
});

// ---------------------------------------------------------------------------
// Truncated and corrupt ONNX models
// ---------------------------------------------------------------------------

describe('a truncated or corrupt --model is refused, naming the file', () => {
  for (const cmd of MODEL_COMMANDS) {
    for (const [what, m] of Object.entries(MODELS)) {
      const names = what === 'a malformed model card' ? [] : [m.path];
      it(`${cmd}: ${what}`, async () => refusedBy(cmd, ['--model', m.path], ...names, ...m.where));
    }
  }
});

// ---------------------------------------------------------------------------
// Data and fault-map files
// ---------------------------------------------------------------------------

describe('a wrong-sized or corrupt --data file is refused, naming the file', () => {
  for (const cmd of DATA_COMMANDS) {
    for (const [what, d] of Object.entries(DATA)) {
      it(`${cmd}: ${what}`, async () => refusedBy(cmd, ['--data', d.path], d.path, ...d.where));
    }
  }
  it('the calibration file too (experiment.calibrationPath)', async () => {
    for (const cmd of DATA_COMMANDS) await refusedBy(cmd, ['--set', `experiment.calibrationPath=${DATA['a size not a multiple of 3073']!.path}`], 'odd.bin', 'not a multiple');
  });
});

describe('a malformed fault map is refused before any work, naming the file and line', () => {
  /** How each command is given a fault map: the flag, or (run) faults.mapFile in a config file. */
  const withMap: Record<string, (p: string) => string[]> = {
    eval: (p) => ['--fault-map', p],
    cosim: (p) => ['--fault-map', p],
    cost: (p) => ['--fault-map', p],
    run: (p) => ['--config', file(`run-map-${Math.random().toString(36).slice(2, 8)}.json`, JSON.stringify({ faults: { mapFile: p } }))],
  };
  for (const cmd of Object.keys(withMap)) {
    it(`${cmd}: every malformed map`, async () => {
      for (const [what, m] of Object.entries(FAULT_MAPS)) {
        await expect(refusedBy(cmd, withMap[cmd]!(m.path), m.path, ...m.where), what).resolves.toBeUndefined();
      }
    });
  }
  it('faults --check: every malformed map', async () => {
    for (const [what, m] of Object.entries(FAULT_MAPS)) {
      await expect(refused(['faults', '--check', m.path, '-q'], m.path, ...m.where), what).resolves.toBeTypeOf('string');
    }
  });
});

// ---------------------------------------------------------------------------
// Unwritable output folders
// ---------------------------------------------------------------------------

describe('an unwritable --out is refused before any work; nothing is written', () => {
  /** Each command with its output option set to `out` (a folder; faults writes a file in it). */
  const withOut: Record<string, (out: string) => string[]> = {
    sweep: (out) => ['sweep', '--images', '1', '--out', out, '-q'],
    cost: (out) => ['cost', '--images', '1', '--out', out, '-q'],
    cosim: (out) => ['cosim', '--layer', 'fc2', '--simulator', 'icarus', '--out', out, '-q'],
    gen: (out) => ['gen', '--out', out],
    synth: (out) => ['synth', rtlDir, '--out', out],
    merge: (out) => ['merge', sweepJson, '--out', out],
    faults: (out) => ['faults', '--out', join(out, 'map.csv'), '-q'],
    run: (out) => ['run', '--images', '4', '--no-synth', '--no-cosim', '--out', out, '-q'],
  };
  for (const [cmd, args] of Object.entries(withOut)) {
    it(`${cmd}: --out is a file, under a file, unwritable`, async () => {
      const userFile = file(`user-file-${cmd}`, 'keep me');
      const before = readFileSync(userFile);
      // faults --out names the CSV: a file there is refused without --force (below); here its folder is the file.
      if (cmd !== 'faults') await refused(withOut[cmd]!(userFile), `--out ${userFile}`, 'exists and is not a folder');
      await refused(withOut[cmd]!(join(userFile, 'sub')), `${userFile}/sub`, 'ENOTDIR');
      const u = unwritableFolder();
      await refused(withOut[cmd]!(u.path), u.path, u.code);
      expect(readFileSync(userFile).equals(before)).toBe(true);
      expect(existsSync(u.path)).toBe(false);
    });
  }

  it('faults --out does not replace an existing file without --force', async () => {
    const o = outFolder('faults-force');
    await refused(['faults', '--out', join(o.dir, 'notes.txt'), '-q'], `--out ${join(o.dir, 'notes.txt')}`, 'exists; pass --force');
    o.untouched();
  });

  /** Each writing command, and one file it writes (its output folder holds a user's file of that name). */
  const writes: Record<string, [(out: string) => string[], string]> = {
    run: [(out) => ['run', '--images', '4', '--no-synth', '--no-cosim', '--out', out, '-q'], 'report.html'],
    gen: [(out) => ['gen', '--out', out], 'manifest.json'],
    synth: [(out) => ['synth', rtlDir, '--out', out], 'synth-report.md'],
    sweep: [(out) => ['sweep', '--images', '1', '--out', out], 'sweep.csv'],
    merge: [(out) => ['merge', sweepJson, '--out', out], 'summary.md'],
    cost: [(out) => ['cost', '--images', '1', '--out', out], 'cost.md'],
    cosim: [(out) => ['cosim', '--layer', 'fc2', '--simulator', 'icarus', '--out', out], 'vectors.json'],
    faults: [(out) => ['faults', '--out', join(out, 'map.csv')], 'map.csv'],
  };
  for (const [cmd, [args, name]] of Object.entries(writes)) {
    it(`${cmd} refuses to replace ${name} that memxbar did not write, before any work (no progress line), and leaves the folder as it was`, async () => {
      const o = outFolder(`foreign-${cmd}`);
      const theirs = randomBytes(64);
      writeFileSync(join(o.dir, name), theirs);
      // Without -q (run prints its config line even so): a progress line on stderr breaks the one-line check of refused().
      await refused(args(o.dir), `--out ${o.dir}`, cmd === 'faults' ? 'exists; pass --force' : `would overwrite ${name}, which memxbar did not write`);
      expect(readdirSync(o.dir).sort()).toEqual([name, 'notes.txt'].sort());
      expect(readFileSync(join(o.dir, name)).equals(theirs), `${name} byte-identical`).toBe(true);
      expect(readFileSync(join(o.dir, 'notes.txt')).equals(o.mine)).toBe(true);
    });
  }

  it('a new --out folder (and its parents) is not created when the input is refused', async () => {
    const fresh = join(D, 'fresh-parent', 'out');
    const bad = MODELS['truncated at 1/3']!.path;
    for (const cmd of ['sweep', 'cost', 'cosim']) {
      await refused([...withOut[cmd]!(fresh), '--model', bad], bad);
      expect(existsSync(join(D, 'fresh-parent')), cmd).toBe(false);
    }
    // run removes the folder it made when the run fails.
    await refused([...withOut.run!(join(D, 'fresh-run')), '--model', bad], bad);
    expect(existsSync(join(D, 'fresh-run'))).toBe(false);
    await refused(['synth', join(D, 'no-such-rtl'), '--out', fresh], 'no manifest.json');
    await refused(['merge', join(D, 'no-such-shard.json'), '--out', fresh], 'no-such-shard.json');
    expect(existsSync(join(D, 'fresh-parent'))).toBe(false);
  });
});

// ---------------------------------------------------------------------------
// Absurd sizes
// ---------------------------------------------------------------------------

describe('absurd sizes are refused before any work, naming the field or flag', () => {
  const common: [string[], ...string[]][] = [
    [['--set', 'tile.rows=1000000000'], 'tile.rows', '2..4096'],
    [['--set', 'tile.cols=1e9'], 'tile.cols', '2..4096'],
    [['--set', 'quant.weightBits=0'], 'quant.weightBits', '2..16'],
    [['--set', 'tile.adcBits=1000'], 'tile.adcBits', '1..12'],
  ];
  const images: [string[], ...string[]][] = [
    [['--images', '1e9'], 'experiment.images', '1000000000'],
    [['--images', '-1'], 'experiment.images', '-1'],
    [['--images', 'abc'], 'experiment.images', '"abc"'],
  ];
  const rates: [string[], ...string[]][] = [
    [['--fault-rate', '200'], '--fault-rate', '0..100'],
    [['--fault-rate', '-1'], '--fault-rate', '0..100'],
    [['--saf', '0.05'], '--saf', '--fault-rate 5'],
  ];
  const cases: Record<string, [string[], ...string[]][]> = {
    eval: [...common, ...images, ...rates],
    sweep: [
      ...common,
      ...images,
      [['--seeds', '1e9'], '--seeds', '1..1000'],
      [['--seeds', '0'], '--seeds'],
      [['--rates', '150'], '--rates', '"150"'],
      [['--rates', '0,-5'], '--rates', '"-5"'],
    ],
    faults: [...common, ...rates],
    cosim: [
      ...common,
      ...images,
      ...rates,
      [['--patches', '1e9'], '--patches', '1..4096'],
      [['--patches', '1e30'], '--patches'],
      [['--patches', '0'], '--patches'],
      [['--tile', '1000000000,0'], '--tile', 'outside layer "/24/Gemm"'],
      [['--tile', '-1,0'], '--tile'],
      [['--layer', 'conv99'], '--layer', 'no compute layer "conv99"'],
    ],
    cost: [
      ...common,
      ...rates,
      [['--images', '1e9'], '--images', '1..10000'],
      [['--images', '-1'], '--images'],
      [['--images', 'abc'], '--images'],
      [['--rates', '150'], '--rates', '0..100'],
    ],
    gen: [...common, [['--max-chain-tiles', '1e9'], 'maxChainTiles'], [['--max-chain-tiles', 'abc'], '--max-chain-tiles']],
    config: [...images.slice(1), ...rates],
    run: [
      ...common,
      ...images,
      [['--patches', '1e9'], '--patches', '1..4096'],
      [['--seeds', '1e9'], '--seeds'],
      [['--rates', '150'], '--rates', '0..100'],
    ],
  };
  for (const [cmd, list] of Object.entries(cases)) {
    it(`${cmd}: ${list.map(([a]) => a.join(' ')).join(', ')}`, async () => {
      for (const [args, ...where] of list) await refusedBy(cmd, args, ...where);
    });
  }
  it('synth: --exact-memory-bits below 16 or not a number', async () => {
    await refused(['synth', rtlDir, '--exact-memory-bits', '-1'], '--exact-memory-bits');
    await refused(['synth', rtlDir, '--exact-memory-bits', 'abc'], '--exact-memory-bits');
  });
});

// ---------------------------------------------------------------------------
// Entry points with their own inputs: merge's shards, synth's RTL folder, gen's --out
// ---------------------------------------------------------------------------

describe('merge: unreadable or foreign shard files are refused, naming the file', () => {
  const shards: Record<string, [string, string]> = {
    'invalid JSON': [file('shard-bad.json', '{"key": "abc", "points": ['), 'not a readable sweep result'],
    'truncated': [file('shard-trunc.json', '{"tool": "memxbar sweep", "key": "ab'), 'not a readable sweep result'],
    'a JSON array': [file('shard-array.json', '[]'), 'not a memxbar sweep result'],
    'no spec': [file('shard-nospec.json', JSON.stringify({ key: 'k', points: [] })), 'not a memxbar sweep result'],
    'malformed points': [file('shard-points.json', JSON.stringify({ key: 'k', config: { network: { model: 'm' } }, spec: { rates: [0], ratios: ['5:1'], seeds: [1], mitigations: ['none'] }, points: [null] })), 'not a memxbar sweep result'],
    'a directory': [folder('shard-dir.json'), 'EISDIR'],
    'a missing path': [join(D, 'no-such-shard.json'), 'ENOENT'],
  };
  for (const [what, [path, msg]] of Object.entries(shards)) {
    it(what, async () => {
      const o = outFolder('merge');
      await refused(['merge', path, '--out', o.dir], path, msg);
      o.untouched();
    });
  }
});

describe('synth: a folder memxbar gen did not write is refused before Yosys', () => {
  it('missing, a file, no manifest, a corrupt or foreign manifest', async () => {
    const o = outFolder('synth');
    const noManifest = folder('rtl-empty');
    const corrupt = folder('rtl-corrupt');
    writeFileSync(join(corrupt, 'manifest.json'), '{"generator": {"name": "mem');
    const foreign = folder('rtl-foreign');
    writeFileSync(join(foreign, 'manifest.json'), JSON.stringify({ name: 'my-web-app', files: ['index.html'] }));
    const cases: [string, string][] = [
      [join(D, 'no-such-rtl'), 'no manifest.json'],
      [file('rtl-is-a-file', 'x'), 'no manifest.json'],
      [noManifest, 'no manifest.json'],
      [corrupt, 'manifest.json is not valid JSON'],
      [foreign, 'manifest.json is not a manifest written by memxbar gen'],
    ];
    for (const [dir, msg] of cases) await refused(['synth', dir, '--out', o.dir], dir, msg);
    o.untouched();
  });
});

describe('gen --out never deletes files it did not create', () => {
  it('a foreign manifest.json (refused), or a memxbar manifest listing paths outside the folder: the user\'s files stay', async () => {
    const o = outFolder('gen-foreign');
    const outside = file('outside-victim.txt', 'outside');
    writeFileSync(join(o.dir, 'manifest.json'), JSON.stringify({ files: [{ name: 'notes.txt' }] }));
    // A manifest memxbar did not write is the user's: refused, both files stay.
    let r = await runCli('gen', '--set', 'tile.rows=8', '--set', 'tile.cols=18', '--set', 'tile.parallelRead=8', '--set', 'tile.colsPerAdc=6', '--out', o.dir);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('would overwrite manifest.json, which memxbar did not write');
    expect(JSON.parse(readFileSync(join(o.dir, 'manifest.json'), 'utf8'))).toEqual({ files: [{ name: 'notes.txt' }] });
    // A memxbar-looking manifest whose file list points out of the folder.
    writeFileSync(join(o.dir, 'manifest.json'), JSON.stringify({ generator: { name: 'memxbar' }, files: [{ name: '../outside-victim.txt' }, { name: '/etc/hostname' }] }));
    r = await runCli('gen', '--set', 'tile.rows=8', '--set', 'tile.cols=18', '--set', 'tile.parallelRead=8', '--set', 'tile.colsPerAdc=6', '--out', o.dir);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(outside, 'utf8')).toBe('outside');
    expect(existsSync('/etc/hostname') ? readFileSync('/etc/hostname').length : 1).toBeGreaterThan(0);
    expect(readFileSync(join(o.dir, 'notes.txt')).equals(o.mine)).toBe(true);
  });
});

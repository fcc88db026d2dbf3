/**
 * Every user error at the CLI: one line on stderr naming the problem and where it is,
 * exit code 2, no stack trace, and no output file left behind.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(__dirname, '..', '..', 'bin', 'memxbar.js');

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectUserError(args: string[], ...fragments: (string | RegExp)[]) {
  const r = run(args);
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines.length, r.stderr).toBe(1);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  for (const f of fragments) expect(r.stderr).toMatch(f);
}

const dir = mkdtempSync(join(tmpdir(), 'memxbar-cli-'));

describe('CLI user errors', () => {
  it('out-of-range field from --set names the path and the range', () => {
    expectUserError(['config', '--set', 'tile.adcBits=16'], 'tile.adcBits', '1..12', '16');
  });
  it('unknown field in a config file names the field and the file', () => {
    const f = join(dir, 'unknown.json');
    writeFileSync(f, JSON.stringify({ tile: { adcBitz: 5 } }));
    expectUserError(['config', '--config', f], 'adcBitz', f);
  });
  it('invalid JSON config names the file', () => {
    const f = join(dir, 'bad.json');
    writeFileSync(f, '{ "tile": ');
    expectUserError(['config', '--config', f], f, /JSON/);
  });
  it('missing config file', () => {
    expectUserError(['config', '--config', join(dir, 'nope.json')], 'nope.json', 'ENOENT');
  });
  it('unknown preset lists the known ones', () => {
    expectUserError(['config', '--preset', 'neurosim-v9'], 'neurosim-v9', 'neurosim-v1.4');
  });
  it('absurd sizes are refused by the schema, before any work', () => {
    expectUserError(['config', '--set', 'tile.rows=1000000000'], 'tile.rows', '4096');
  });
  it('a cross-field constraint names the field', () => {
    expectUserError(['config', '--set', 'tile.parallelRead=256'], 'tile.parallelRead', 'tile.rows');
  });
  it('missing model file', () => {
    expectUserError(['eval', '--model', join(dir, 'missing.onnx'), '--images', '1', '-q'], 'missing.onnx');
  });
  it('truncated model file names the file', () => {
    const f = join(dir, 'truncated.onnx');
    writeFileSync(f, readFileSync(join(__dirname, '..', '..', 'assets', 'models', 'vgg8-w0.5-cifar10.onnx')).subarray(0, 5000));
    expectUserError(['eval', '--model', f, '--images', '1', '-q'], 'truncated.onnx');
  });
  it('wrong-sized data file names the file and the size', () => {
    const f = join(dir, 'short.bin');
    writeFileSync(f, new Uint8Array(3073 * 2 + 100));
    expectUserError(['eval', '--data', f, '--images', '1', '-q'], 'short.bin', '3073');
  });
  it('asking for more images than the file holds', () => {
    const f = join(dir, 'two.bin');
    writeFileSync(f, new Uint8Array(3073 * 2));
    expectUserError(['eval', '--data', f, '--images', '5', '-q'], 'experiment.images', 'holds 2');
  });
  it('an engine that cannot run a config refuses before any work', () => {
    expectUserError(['eval', '--crossbar', '--engine', 'fast', '--set', 'tile.adcMode="self-ranging"', '--images', '1', '-q'], 'tile.adcMode', 'self-ranging');
  });
  it('an unwritable output folder is refused before any work and nothing is written', () => {
    const f = join(dir, 'a-file');
    writeFileSync(f, 'keep me');
    expectUserError(['sweep', '--out', join(f, 'sub'), '--images', '1', '-q'], 'a-file');
    expect(readFileSync(f, 'utf8')).toBe('keep me');
  });
  it('usage errors exit with 2', () => {
    const r = run(['no-such-command']);
    expect(r.code).toBe(2);
  });
});

describe('CLI happy paths', () => {
  it('config --schema prints a JSON Schema with the tile fields', () => {
    const r = run(['config', '--schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as { properties: { tile: { properties: Record<string, unknown> } } };
    expect(Object.keys(schema.properties.tile.properties)).toContain('adcBits');
  });
  it('config resolves preset ← flags', () => {
    const r = run(['config', '--preset', 'neurosim-v2.1', '--fault-rate', '5', '--set', 'tile.adcBits=6']);
    expect(r.code).toBe(0);
    const cfg = JSON.parse(r.stdout) as { tile: { cellBits: number; adcBits: number }; faults: { rate: number } };
    expect(cfg.tile.cellBits).toBe(5);
    expect(cfg.tile.adcBits).toBe(6);
    expect(cfg.faults.rate).toBe(0.05);
  });
  it('eval --json on a few shipped images reports float, integer and crossbar accuracy', () => {
    const r = run(['eval', '--crossbar', '--images', '4', '--set', 'quant.calibrationImages=8', '--json', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as Record<string, { correct: number; images: number }>;
    for (const k of ['float', 'integer', 'crossbar']) {
      expect(res[k]!.images).toBe(4);
      expect(res[k]!.correct).toBeGreaterThanOrEqual(0);
      expect(res[k]!.correct).toBeLessThanOrEqual(4);
    }
  });
  it('sweep writes CSV, JSON, summary and SVG; shards merge into the same result', () => {
    const common = ['--rates', '0,10', '--ratios', '5:1', '--seeds', '2', '--images', '2', '--set', 'quant.calibrationImages=8', '-q'];
    const whole = join(dir, 'whole');
    expect(run(['sweep', ...common, '--out', whole]).code).toBe(0);
    expect(readdirSync(whole).sort()).toEqual(['.memxbar-files.json', 'accuracy.svg', 'price.md', 'summary.md', 'sweep.csv', 'sweep.json']);
    expect(readFileSync(join(whole, 'accuracy.svg'), 'utf8')).toMatch(/^<svg/);
    const s0 = join(dir, 's0');
    const s1 = join(dir, 's1');
    expect(run(['sweep', ...common, '--out', s0, '--shard', '0/2']).code).toBe(0);
    expect(run(['sweep', ...common, '--out', s1, '--shard', '1/2']).code).toBe(0);
    const merged = join(dir, 'merged');
    const r = run(['merge', join(s0, 'sweep.shard-0-of-2.json'), join(s1, 'sweep.shard-1-of-2.json'), '--out', merged]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(merged, 'sweep.csv'), 'utf8')).toBe(readFileSync(join(whole, 'sweep.csv'), 'utf8'));
    // a missing shard is an error
    expectUserError(['merge', join(s0, 'sweep.shard-0-of-2.json'), '--out', join(dir, 'm2')], 'shard 1 of 2 missing');
    expect(existsSync(join(dir, 'm2', 'sweep.csv'))).toBe(false);
  });
});

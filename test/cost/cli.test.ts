import { runCli } from '../cli-harness.ts';
/** `memxbar cost`: outputs, progress on the terminal, and refusals before any work. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { register } from '../../src/cli/commands/cost.ts';
import { buildProgram, main } from '../../src/cli/main.ts';
import { isUserError } from '../../src/errors.ts';
import type { CostReport } from '../../src/cost/estimate.ts';

const TINY = ['--model', 'random-vgg8', '--set', 'network.randomWidth=0.0625', '--set', 'quant.calibrationImages=4', '--set', 'tile.adcCalibrationImages=2', '--set', 'mitigation.activityImages=2'];

/** Run the CLI (through `main` once `cost` is wired into src/cli/main.ts). */
const cli = runCli;

afterEach(() => vi.restoreAllMocks());

describe('memxbar cost', () => {
  it('writes JSON, Markdown and SVG charts, prints the report and shows progress', async () => {
    const out = mkdtempSync(join(tmpdir(), 'memxbar-cost-cli-'));
    const r = await cli('cost', ...TINY, '--images', '1', '--rates', '5', '--out', out);
    expect(r.code).toBe(0);
    for (const f of ['cost.json', 'cost.md', 'cost-energy.svg', 'cost-faults.svg']) expect(existsSync(join(out, f))).toBe(true);
    const report = JSON.parse(readFileSync(join(out, 'cost.json'), 'utf8')) as CostReport;
    expect(report.tool).toBe('memxbar cost');
    expect(report.result.network.energyPerImageJ.total).toBeGreaterThan(0);
    expect(report.faults.map((f) => [f.mitigation, f.rate, f.rate ? f.ratio : '-'])).toEqual([
      ['none', 0, '-'],
      ['none', 0.05, '5:1'],
      ['none', 0.05, '1:5'],
      ['mt-map', 0, '-'],
      ['mt-map', 0.05, '5:1'],
      ['mt-map', 0.05, '1:5'],
    ]);
    expect(readFileSync(join(out, 'cost-energy.svg'), 'utf8')).toMatch(/^<svg/);
    expect(r.stdout).toMatch(/## Network, per image/);
    expect(r.stdout).toMatch(/## Stuck-at faults and MT/);
    expect(r.stderr).toMatch(/configured accelerator/);
    expect(r.stderr).toMatch(/fault seed 1/);
  });

  it('--rates none skips the fault study; --compare-neurosim adds the comparison and names the differences', async () => {
    const out = mkdtempSync(join(tmpdir(), 'memxbar-cost-cli-'));
    const r = await cli('cost', ...TINY, '--images', '1', '--rates', 'none', '--compare-neurosim', '-q', '--out', out);
    expect(r.code).toBe(0);
    expect(existsSync(join(out, 'cost-faults.svg'))).toBe(false);
    const md = readFileSync(join(out, 'cost.md'), 'utf8');
    expect(md).toMatch(/## Against NeuroSim's published VGG8 example/);
    expect(md).toMatch(/Not the example's configuration:.*network\.randomWidth = 0\.0625 \(example: 1\)/);
    expect(r.stderr).toBe('');
  });

  it('refuses an unreadable synthesis report before any work, in one line', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'memxbar-cost-cli-')), 'never');
    const missing = join(tmpdir(), 'memxbar-no-such-report.json');
    const r = await cli('cost', ...TINY, '--synth-report', missing, '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`memxbar: error: --synth-report ${missing}: cannot read synthesis report: ENOENT\n`);
    expect(existsSync(out)).toBe(false);
    const notJson = join(mkdtempSync(join(tmpdir(), 'memxbar-cost-cli-')), 'r.json');
    writeFileSync(notJson, 'not json');
    const r2 = await cli('cost', ...TINY, '--synth-report', notJson, '--out', out);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/not a JSON synthesis report/);
  });

  it('refuses bad options with the option named, before any work', async () => {
    expect((await cli('cost', ...TINY, '--rates', '5,abc')).stderr).toMatch(/--rates: fault rates are percentages 0\.\.100, got "abc"/);
    expect((await cli('cost', ...TINY, '--images', '0')).stderr).toMatch(/--images: must be a whole number 1\.\.10000, got "0"/);
    expect((await cli('cost', ...TINY, '--mitigations', 'none,magic')).stderr).toMatch(/--mitigations: unknown mitigation "magic"/);
    const node = await cli('cost', ...TINY, '--set', 'tech.nodeNm=28', '--rates', 'none');
    expect(node.stderr).toMatch(/^memxbar: error: tech\.nodeNm: the cost model has NeuroSim's technology data for .* got 28\n$/);
    const selfRanging = await cli('cost', ...TINY, '--engine', 'reference', '--set', 'tile.adcMode="self-ranging"');
    expect(selfRanging.stderr).toMatch(/^memxbar: error: tile\.adcMode: the RTL generator implements adcMode lossless, fixed-full-scale and fixed-calibrated/);
  });
});

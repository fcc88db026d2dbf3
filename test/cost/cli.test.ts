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
      ['mt-stats', 0, '-'],
      ['mt-stats', 0.05, '5:1'],
      ['mt-stats', 0.05, '1:5'],
      ['mt-map', 0, '-'],
      ['mt-map', 0.05, '5:1'],
      ['mt-map', 0.05, '1:5'],
    ]);
    expect(existsSync(join(out, 'cost-tornado.svg'))).toBe(true);
    // MT's regulation: one row per rate and ratio with every mitigation; the sensitivity rows name every assumption.
    expect(r.stdout).toMatch(/## MT's regulation of energy and latency/);
    expect(r.stdout).toMatch(/\| 5 \| 5:1 \| [\d.,]+ \| [\d.]+ \| [\d.]+ \| [\d.,]+ \| [\d.]+ \| [\d.]+ \| [\d.,]+ \| [\d.]+ \| [\d.]+ \|/);
    expect(report.sensitivity.map((s) => s.assumption)).toEqual([
      'read pulse', 'sense amplifier', 'ADC bits', 'ADC kind', 'columns per ADC', 'interconnect swing', 'clock', 'floorplan', 'technology node', 'on/off ratio (re-measured)', 'SAF rate (MT off)', 'MT (fault-free)',
    ]);
    const saf = report.sensitivity.find((s) => s.assumption === 'SAF rate (MT off)')!;
    expect(saf.energy![0]).toBeLessThan(1); // SA0-heavy lowers the energy
    expect(saf.energy![1]).toBeGreaterThan(1); // SA1-heavy raises it
    expect(readFileSync(join(out, 'cost-energy.svg'), 'utf8')).toMatch(/^<svg/);
    expect(r.stdout).toMatch(/## Network, per image/);
    expect(r.stdout).toMatch(/## Stuck-at faults and MT/);
    expect(r.stderr).toMatch(/configured accelerator/);
    expect(r.stderr).toMatch(/fault seed 1/);
  });

  it('--rates none skips the fault study', async () => {
    const out = mkdtempSync(join(tmpdir(), 'memxbar-cost-cli-'));
    const r = await cli('cost', ...TINY, '--images', '1', '--rates', 'none', '-q', '--out', out);
    expect(r.code).toBe(0);
    expect(existsSync(join(out, 'cost-faults.svg'))).toBe(false);
    expect(r.stderr).toBe('');
  });

  it('--compare-neurosim: both published points side by side; with NeuroSim\'s circuits every headline figure within 1.5×, buffers and H-trees counted in its clock cycles', async () => {
    // One run for every assertion; the ADC range calibrated on the configured run's 2 images (TINY), not the preset's 8.
    const out = mkdtempSync(join(tmpdir(), 'memxbar-cost-cli-'));
    const r = await cli('cost', ...TINY, '--images', '1', '--rates', 'none', '--compare-neurosim', '-q', '--out', out);
    expect(r.code).toBe(0);
    const cmp = JSON.parse(readFileSync(join(out, 'neurosim.json'), 'utf8')) as NonNullable<CostReport['neurosim']>;
    expect(cmp.points.map((p) => p.point.id)).toEqual(['v1.3-vgg8', 'v1.4-release-test']);
    const within = (x: number, y: number) => x / y <= 1.5 && x / y >= 1 / 1.5;
    for (const pc of cmp.points) {
      const h = Object.fromEntries(pc.rows.filter((x) => x.group === 'headline').map((x) => [x.metric, x]));
      const l = Object.fromEntries(pc.rows.filter((x) => x.group === 'latency per image (µs)').map((x) => [x.metric, x]));
      // Both count the same operations per image.
      expect(h['operations per image']!.profile / h['operations per image']!.neurosim!).toBeCloseTo(1, 3);
      // Every headline figure with NeuroSim's circuits within 1.5× at both points; memxbar's own energy is far off.
      for (const m of ['chip area', 'energy efficiency', 'energy per image', 'throughput', 'frame rate', 'latency per image']) expect(within(h[m]!.profile, h[m]!.neurosim!)).toBe(true);
      expect(within(h['energy per image']!.memxbar, h['energy per image']!.neurosim!)).toBe(false);
      // NeuroSim's synchronous mode: buffers and H-trees, counted in clock cycles, outweigh sensing (as in V1.4's breakdown); memxbar's own overlaps them.
      expect(l['buffers']!.profile).toBeGreaterThan(l['ADC (sensing and conversion)']!.profile);
      expect(l['interconnect']!.profile).toBeGreaterThan(0);
      expect(l['buffers']!.memxbar).toBe(0);
      // The clock: β × (sense amplifier + the ported switch-matrix / multiplexer / decoder / column-RC / encoder delays).
      expect(h['frame rate']!.note).toMatch(/clock \d\.\d+ ns = β 1\.4 × \(sense amplifier 1\.00 ns \+ max\(switch matrix .* ps, mux .* \+ decoder .* ps\) \+ column RC .* ps \+ encoder .* ps\)/);
      expect(pc.withinHeadline).toBe(true);
    }
    // V1.4 publishes its breakdown and clock: on its pipelined floorplan with its buffer counting the buffer latency within 1.5× of
    // NeuroSim's; the clock compared with the one it printed, the X-Y bus named.
    const v14 = cmp.points[1]!;
    const buf = v14.rows.find((x) => x.metric === 'buffers' && x.group === 'latency per image (µs)')!;
    expect(within(buf.profile, buf.neurosim!)).toBe(true);
    expect(v14.rows.find((x) => x.metric === 'frame rate')!.note).toMatch(/NeuroSim V1\.4 printed 2\.23 ns here \(memxbar's 0\.\d+×/);
    expect(v14.rows.find((x) => x.metric === 'frame rate')!.note).toMatch(/pipelineSpeedUp.*X-Y bus/);
    const md = readFileSync(join(out, 'neurosim.md'), 'utf8');
    expect(md).toMatch(/### NeuroSim V1\.3's published VGG8 example/);
    expect(md).toMatch(/Data\/1\.4_Release_test\.csv/);
    expect(md).toMatch(/ADC range calibrated on 2 image\(s\)/);
    expect(r.stdout).toMatch(/## Against NeuroSim's published results/);
    expect(r.stderr).toBe('');
  }, 900_000);

  it('an unknown circuits profile: one line naming the config path, exit 2, nothing written', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'memxbar-cost-cli-')), 'never');
    const r = await cli('cost', ...TINY, '--set', 'cost.circuits="spice"', '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('memxbar: error: cost.circuits: must be one of memxbar | neurosim, got "spice"\n');
    expect(existsSync(out)).toBe(false);
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

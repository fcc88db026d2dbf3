/**
 * `memxbar run` end to end on a small tile (16×16, so that Yosys and the co-simulation take
 * seconds): the report folder, report.json, a self-contained report.html opened in headless
 * Chromium (every chart rendered, no console errors, a screenshot kept as a test artifact),
 * and the output-folder rules (a user's folder is refused untouched; a failed run leaves
 * nothing; a re-run replaces only what the previous run wrote).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FlowReport } from '../../src/report/flow-report.ts';
import { PROJECT_ROOT } from '../../src/config/load.ts';
import { runCli } from '../cli-harness.ts';
import { tempDir } from '../rtl/tools.ts';
import { CHROMIUM, chromiumInstalled, launchChromium } from './browser.ts';

const SMALL = [
  '--preset', 'neurosim-v1.4',
  '--set', 'tile.rows=16', '--set', 'tile.cols=16', '--set', 'tile.parallelRead=16',
  '--set', 'quant.calibrationImages=50', '--set', 'tile.adcCalibrationImages=2', '--set', 'mitigation.activityImages=50',
  '--images', '10', '--rates', '0,10', '--mitigations', 'none,mt-map',
  '--cosim-layers', 'conv1,fc2', '--patches', '2', '-q',
];
export const ARTIFACTS = join(PROJECT_ROOT, 'test-artifacts');

describe('memxbar run', () => {
  const out = join(tempDir('run'), 'report');
  let code = -1;
  let stderr = '';
  beforeAll(async () => {
    const r = await runCli('run', '--out', out, ...SMALL);
    code = r.code;
    stderr = r.stderr;
  }, 1_800_000); // minutes; with the 2 cores shared by many jobs (load average 25) it took over 15 min

  it('writes report.html, report.md, report.json and the step outputs', () => {
    expect(stderr).toBe('');
    expect(code).toBe(0);
    for (const f of ['report.html', 'report.md', 'report.json', '.memxbar-files.json', 'rtl/manifest.json', 'synth/synth-report.json', 'cost/cost.json', 'sweep/sweep.csv', 'sweep/accuracy.svg', 'cosim/conv1/vectors.json', 'cosim/fc2/report.txt']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(readdirSync(out).filter((f) => f.startsWith('.memxbar-stage'))).toEqual([]);
    const r = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as FlowReport;
    expect(r.configDiff['tile.rows']).toEqual({ preset: 128, value: 16 });
    expect(r.sweep.result.points.map((p) => `${p.mitigation}|${p.rate}|${p.ratio}`)).toEqual(['none|0|5:1', 'none|0.1|5:1', 'none|0.1|1:5', 'mt-map|0|5:1', 'mt-map|0.1|5:1', 'mt-map|0.1|1:5']);
    expect(r.cosim.map((v) => [v.layer, v.ok, v.error])).toEqual([['conv1', true, null], ['fc2', true, null]]);
    // The BIST → MT-map → write path → inference loop on the last co-simulated layer.
    expect(r.bistMt?.ok, r.bistMtSkipped ?? '').toBe(true);
    expect(r.bistMt?.layer).toBe('fc2');
    // The run's timeline: every step placed, in order of start; the co-simulation and the loop begin before the sweep ends (they run beside it).
    const starts = r.steps.map((s) => s.startSeconds);
    expect(starts.every((s) => typeof s === 'number' && s >= 0)).toBe(true);
    expect(starts).toEqual([...starts].sort((a, b) => a! - b!));
    const sweep = r.steps.find((s) => s.step === 'fault sweep')!;
    for (const name of ['co-simulation: conv1, fc2', 'BIST → MT-map → write path → inference: fc2']) {
      const s = r.steps.find((x) => x.step.startsWith(name) && x.step.endsWith('beside the sweep'));
      expect(s, name).toBeDefined();
      expect(s!.startSeconds!).toBeLessThan(sweep.startSeconds! + sweep.seconds);
    }
    expect(r.synth!.design.rows).toBe(16);
    expect(r.synth!.mtOverhead.withMtUm2).toBeGreaterThan(r.synth!.mtOverhead.withoutMtUm2);
    // The march test beside the MT price (synthesis report and run report) and the loop's programming, priced.
    expect(r.synth!.bistTest!.writePulses).toBe(3 * 16 * 16 * r.config.device.maxPulses);
    expect(readFileSync(join(out, 'synth', 'synth-report.md'), 'utf8')).toMatch(/\| test energy \(≤\) \| [\d,.]+ nJ, of which cell writes/);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('On-chip march test (MATS+) beside the MT price:');
    expect(r.bistMt!.text).toMatch(/test energy ≤ [\d.]+ nJ \(cell writes [\d.]+,/);
    expect(r.bistMt!.text).toMatch(/programming the mapping: \d+ cell writes, \d+ pulses/);
    expect(r.cost.digital.source).toBe('synthesis');
    // MT's regulation, priced from the sweep's own points: every mitigation at every rate and ratio;
    // latency is the synchronous schedule's (the same at every rate), energy moves with the stuck cells.
    expect(r.mtRegulation.map((x) => `${x.mitigation}|${x.rate}|${x.ratio}`).sort()).toEqual(['mt-map|0.1|1:5', 'mt-map|0.1|5:1', 'mt-map|0|–', 'none|0.1|1:5', 'none|0.1|5:1', 'none|0|–']);
    for (const x of r.mtRegulation) {
      const clean = r.mtRegulation.find((q) => q.mitigation === x.mitigation && q.rate === 0)!;
      expect(x.latencyPerImageS).toBeCloseTo(clean.latencyPerImageS, 12);
      expect(x.relativeEnergy).toBeCloseTo(x.energyPerImageJ / clean.energyPerImageJ, 12);
    }
    const sa1 = r.mtRegulation.find((x) => x.mitigation === 'none' && x.ratio === '5:1')!;
    const sa0 = r.mtRegulation.find((x) => x.mitigation === 'none' && x.ratio === '1:5')!;
    expect(sa1.energyPerImageJ).not.toBe(sa0.energyPerImageJ); // the stuck conductances move the array energy
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toMatch(/## MT's regulation of energy and latency[\s\S]*\| 10 \| 5:1 \| [\d.,]+ \| [\d.]+ \| [\d.]+ \| [\d.,]+ \| [\d.]+ \| [\d.]+ \|/);
    // What moves the numbers.
    expect(md).toMatch(/## What moves the numbers[\s\S]*\| read pulse \|/);
    // The SAF and MT rows of what moves the numbers come from the same sweep points.
    const saf = r.cost.sensitivity.find((x) => x.assumption === 'SAF rate (MT off)')!;
    expect(saf.low).toBe('10 % 1:5');
    expect(saf.energy![1]).toBeCloseTo(sa1.energyPerImageJ / r.mtRegulation.find((x) => x.mitigation === 'none' && x.rate === 0)!.energyPerImageJ, 12);
    expect(r.cost.sensitivity.find((x) => x.assumption === 'MT (fault-free)')!.high).toBe('mt-map');
    expect(md).toMatch(/\| SAF rate \(MT off\) \| fault-free \|/);
    expect(existsSync(join(out, 'cost', 'cost-tornado.svg'))).toBe(true);
    for (const f of r.files) expect(existsSync(join(out, f)), f).toBe(true);
    expect(r.steps.map((s) => s.step)).toContain('fault sweep');
  });

  it('report.html is self-contained: no scripts, no external assets, links only into the folder', () => {
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(/i);
    const links = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(5);
    for (const l of links) {
      expect(l, l).not.toMatch(/^[a-z]+:|^\/|\.\./);
      expect(existsSync(join(out, l)), l).toBe(true);
    }
  });

  it('opens in headless Chromium: every chart rendered, no console errors; screenshot saved', async () => {
    expect(chromiumInstalled(), `${CHROMIUM} missing: apt-get install -y chromium (.ci/run does)`).toBe(true);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
      page.on('pageerror', (e) => void errors.push(String(e)));
      // Generous timeouts: the page is local and static, but the machine may be shared and loaded.
      page.setDefaultTimeout(120_000);
      await page.goto(`file://${join(out, 'report.html')}`, { waitUntil: 'load', timeout: 120_000 });
      const charts = await page.$$eval('figure.chart svg', (svgs) =>
        svgs.map((s) => ({ w: s.getBoundingClientRect().width, h: s.getBoundingClientRect().height, marks: s.querySelectorAll('path, rect, line').length, text: s.textContent ?? '' })),
      );
      expect(charts).toHaveLength(5); // accuracy, area, energy, latency, what moves the numbers (tornado)
      for (const c of charts) {
        expect(c.w).toBeGreaterThan(200);
        expect(c.h).toBeGreaterThan(100);
        expect(c.marks).toBeGreaterThan(10);
      }
      expect(charts[0]!.text).toMatch(/stuck-at fault rate/);
      expect(await page.locator('.card').count()).toBeGreaterThanOrEqual(5);
      // Two co-simulated layers, and the BIST → MT-map loop's verdict with its own text.
      expect(await page.locator('text=MATCH').count()).toBe(4);
      expect(await page.locator('p:has-text("BIST → fault map → MT-map") .ok').count()).toBe(1);
      expect(await page.locator("h3:has-text(\"MT's regulation of energy and latency\")").count()).toBe(1);
      expect(await page.locator('h3:has-text("What moves the numbers")').count()).toBe(1);
      expect(charts[4]!.text).toMatch(/read pulse/);
      mkdirSync(ARTIFACTS, { recursive: true });
      const png = await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
      expect(png.length).toBeGreaterThan(50_000);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 300_000);

  it('refuses a folder where it would replace a file it did not write, and leaves the folder as it was', async () => {
    const dir = tempDir('run-user');
    writeFileSync(join(dir, 'thesis.tex'), 'mine');
    writeFileSync(join(dir, 'report.md'), 'my notes');
    const r = await runCli('run', '--out', dir, ...SMALL);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^memxbar: error: --out .*: would overwrite report\.md, which memxbar did not write/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(readdirSync(dir).sort()).toEqual(['report.md', 'thesis.tex']);
    expect(readFileSync(join(dir, 'thesis.tex'), 'utf8')).toBe('mine');
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toBe('my notes');
  });

  it('a refused run leaves no folder behind, and a previous report intact', async () => {
    const parent = tempDir('run-fail');
    const fresh = join(parent, 'a', 'b', 'new');
    const r = await runCli('run', '--out', fresh, ...SMALL, '--cosim-layers', 'conv9');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^memxbar: error: --layer: no compute layer "conv9"/);
    expect(readdirSync(parent)).toEqual([]); // the folders it made are gone too
    const before = readFileSync(join(out, 'report.json'), 'utf8');
    const again = await runCli('run', '--out', out, ...SMALL, '--cosim-layers', 'conv9');
    expect(again.code).toBe(2);
    expect(readFileSync(join(out, 'report.json'), 'utf8')).toBe(before);
    expect(readdirSync(out).filter((f) => f.startsWith('.memxbar-stage'))).toEqual([]);
  });

  it('a re-run into its own folder replaces what the previous run wrote, and only that', async () => {
    const r = await runCli('run', '--out', out, ...SMALL, '--rates', '0', '--mitigations', 'none', '--no-synth', '--no-cosim');
    expect(r.code).toBe(0);
    expect(existsSync(join(out, 'synth'))).toBe(false);
    expect(existsSync(join(out, 'cosim'))).toBe(false);
    const rep = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as FlowReport;
    expect(rep.synthSkipped).toBe('not asked for (--no-synth)');
    expect(rep.cosimSkipped).toBe('not asked for (--no-cosim)');
    const owned = JSON.parse(readFileSync(join(out, '.memxbar-files.json'), 'utf8')) as { files: Record<string, string> };
    expect(Object.keys(owned.files).sort()).toEqual([...rep.files].sort());
    expect(new Set(Object.values(owned.files))).toEqual(new Set(['run']));
  }, 300_000);
});

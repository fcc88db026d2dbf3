// Accuracy against programming variation, read noise and retention drift, without and with MT
// (docs/results/README.md, "Accuracy under variation, read noise and drift"; docs/model.md §9).
// Run: IMAGES=4 SIGMAS=0.1,0.3 D2DS= KS=0.05,0.2 TIMES=86400,315576000 npx tsx docs/results/array-effects-accuracy/study.ts docs/results/array-effects-accuracy
// One prepared network, one fault map per fault rate, the mapping of each mitigation computed once
// and reused for every effect setting (the effects act on the programmed cells, after the mapping);
// the ADC full scale is calibrated once on the ideal array (docs/model.md §5.3, §9).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseOverride, resolveConfig } from '../../../src/config/load.ts';
import type { Config } from '../../../src/config/schema.ts';
import { drawFaults, networkLayerShapes } from '../../../src/crossbar/faults.ts';
import { buildCrossbar } from '../../../src/crossbar/reference.ts';
import { effectSeeds } from '../../../src/crossbar/effects.ts';
import { mitigatedMappings } from '../../../src/mitigation/index.ts';
import { argmax } from '../../../src/nn/ops.ts';
import { forwardInt } from '../../../src/nn/quant.ts';
import { wilson } from '../../../src/util/wilson.ts';
import { renderVegaLite } from '../../../src/report/plot.ts';
import { activityOf, adcFullScale, makeEngine } from '../../../src/session/eval.ts';
import { inputCodes, prepare } from '../../../src/session/prepare.ts';

const out = process.argv[2] ?? '.';
const images = Number(process.env.IMAGES ?? 4);
const base = resolveConfig({ file: 'assets/run-default.json', overrides: (process.env.SETS ?? '').split(' ').filter(Boolean).map(parseOverride) });
type Dev = Config['device'];
interface Setting { study: string; x: number; label: string; device: (d: Dev) => Dev }
const YEAR = 365.25 * 86400;
// Each list may be empty (SIGMAS= runs no cycle-to-cycle point); IDEAL=0 skips the ideal array.
const list = (v: string | undefined, dflt: string) => (v ?? dflt).split(',').filter(Boolean).map(Number);
const settings: Setting[] = [
  ...(process.env.IDEAL === '0' ? [] : [{ study: 'none', x: 0, label: 'ideal array', device: (d: Dev) => d }]),
  ...list(process.env.SIGMAS, '0.1,0.3').map((s) => ({ study: 'programming variation (cycle-to-cycle σ)', x: s, label: `σ ${s}`, device: (d: Dev) => ({ ...d, variation: { ...d.variation, cycleToCycle: s } }) })),
  ...list(process.env.D2DS, '').map((s) => ({ study: 'programming variation (device-to-device σ)', x: s, label: `d2d σ ${s}`, device: (d: Dev) => ({ ...d, variation: { ...d.variation, deviceToDevice: s } }) })),
  ...list(process.env.KS, '0.05,0.2').map((k) => ({ study: 'read noise (proportional k, + PytorX thermal/shot/RTN)', x: k, label: `k ${k}`, device: (d: Dev) => ({ ...d, readNoise: { ...d.readNoise, proportional: k, thermalShot: true, rtn: true } }) })),
  ...list(process.env.TIMES, `86400,${10 * YEAR}`).map((t) => ({ study: 'drift (aihwkit PCM ν, seconds after programming)', x: t, label: `t ${t} s`, device: (d: Dev) => ({ ...d, readTimeSeconds: t, drift: { ...d.drift, model: 'pcm-aihwkit' as const } }) })),
];
const faultPoints = (process.env.RATES ?? '0,0.1').split(',').map((r) => ({ rate: Number(r), ratio: '5:1' }));
// IMAGES_NONE_FAULTY: images per point of the unmitigated faulty series (default IMAGES).
const imagesNoneFaulty = Number(process.env.IMAGES_NONE_FAULTY ?? images);
// FIRST=k: start at shipped test image k (a run over images k… adds to an earlier run over 0…k−1;
// table.ts and FROM_CSV sum the rows of one point).
const first = Number(process.env.FIRST ?? 0);
const mitigations = (process.env.MITS ?? 'none,mt-map').split(',') as ('none' | 'mt-map')[];
// FROM_CSV=a.csv,b.csv: only draw the chart from the rows of earlier runs (split across processes).
const fromCsv = process.env.FROM_CSV?.split(',') ?? null;
const p = fromCsv ? null! : prepare(base);
const fullScale = fromCsv ? [] : (activityOf(p, base), adcFullScale(p, base));
const rows: string[] = ['study,x,label,fault_rate,ratio,mitigation,images,correct,top1,current_sum'];
const partial = join(out, 'accuracy.partial.csv'); // rows as they come (a long run can be read before it ends)
// Drift is plotted against log10(t / s), the ideal array at 10^-1 s; the other effects against σ or k.
const xPlot = (study: string, x: number) => (study.startsWith('drift') ? Math.log10(x) : x);
const t0 = Date.now();
for (const file of fromCsv ?? []) rows.push(...readFileSync(file, 'utf8').trim().split('\n').slice(1));
// Every series' mapping first, then setting by setting every series (a run stopped early still
// compares the series on the settings it reached).
const series: { fp: (typeof faultPoints)[number]; mit: 'none' | 'mt-map'; mcfg: Config; mappings: ReturnType<typeof mitigatedMappings>; faults: ReturnType<typeof drawFaults> }[] = [];
for (const fp of fromCsv ? [] : faultPoints) {
  const layers = networkLayerShapes(p.net, base);
  const faults = drawFaults(layers, fp.rate, fp.ratio, base.faults.seed);
  for (const mit of mitigations) {
    if (fp.rate === 0 && mit !== 'none') continue; // no stuck cell: nothing for MT-map to map around
    const mcfg: Config = { ...base, faults: { ...base.faults, rate: fp.rate, sa1Sa0Ratio: fp.ratio }, mitigation: { ...base.mitigation, method: mit } };
    series.push({ fp, mit, mcfg, faults, mappings: mitigatedMappings(p.qn, mcfg, faults, () => activityOf(p, mcfg)) });
  }
}
for (const s of fromCsv ? [] : settings) {
  for (const { fp, mit, mcfg, mappings, faults } of series) {
    {
      const cfg: Config = { ...mcfg, device: s.device(base.device) };
      const c0 = process.cpuUsage();
      const xb = buildCrossbar(p.qn, cfg, { mappings, faults, calibratedFullScale: fullScale });
      const engine = makeEngine(xb);
      const n = fp.rate > 0 && mit === 'none' ? imagesNoneFaulty : images;
      if (first + n > p.test.labels.length) throw new Error(`FIRST+IMAGES=${first + n} but the test set has ${p.test.labels.length} images (pass a larger file with SETS="experiment.dataPath=… experiment.images=…")`);
      let correct = 0;
      for (let i = first; i < first + n; i++) if (argmax(forwardInt(p.qn, inputCodes(p, i), engine)) === p.test.labels[i]) correct++;
      const cpu = process.cpuUsage(c0);
      const cur = xb.stats.reduce((a, l) => a + l.currentSum, 0);
      rows.push([JSON.stringify(s.study), s.x, JSON.stringify(s.label), fp.rate, fp.ratio, mit, n, correct, (correct / n).toFixed(4), cur].join(','));
      writeFileSync(partial, rows.join('\n') + '\n');
      console.error(`${((Date.now() - t0) / 1000).toFixed(0)} s  ${mit} SAF ${fp.rate * 100} %  ${s.label}: ${correct}/${n} (images ${first}–${first + n - 1})  (${((cpu.user + cpu.system) / 1e6 / n).toFixed(3)} CPU s per image; ${effectSeeds(cfg) ?? 'no effects'}; fault seed ${base.faults.seed})`);
    }
  }
}
// Rows of one point from runs over different images (FIRST=) are summed: images, correct, current.
const merged = mergeRows(rows.slice(1));
writeFileSync(join(out, 'accuracy.csv'), [rows[0], ...merged.map((r) => r.line)].join('\n') + '\n');
const plot: Record<string, unknown>[] = [];
for (const r of merged) {
  const series = `${r.mit}, ${Number(r.rate) * 100} % SAF`;
  const { lo, hi } = wilson(r.correct, r.images);
  const y = { top1: (100 * r.correct) / r.images, lo: 100 * lo, hi: 100 * hi, images: r.images };
  if (r.study !== 'none') plot.push({ study: r.study, x: xPlot(r.study, r.x), series, ...y });
  else for (const st of new Set(merged.map((q) => q.study).filter((q) => q !== 'none'))) plot.push({ study: st, x: st.startsWith('drift') ? -1 : 0, series, ...y });
}
const svg = await renderVegaLite({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: `VGG8-w0.5, ${process.env.TITLE ?? 'run default (1-bit cells, 32-row reads)'}: accuracy under array effects (images per point: accuracy.csv)`,
  data: { values: plot },
  facet: { column: { field: 'study', type: 'nominal', title: null } },
  resolve: { scale: { x: 'independent' } },
  spec: {
    width: 260,
    height: 220,
    encoding: {
      x: { field: 'x', type: 'quantitative', title: 'σ, k, or log10(t / s) for drift (the ideal array at σ = k = 0, drift at t = 0.1 s)' },
      color: { field: 'series', type: 'nominal', title: 'mitigation, stuck cells (bars: 95 % Wilson interval)' },
    },
    layer: [
      { mark: { type: 'line', point: true }, encoding: { y: { field: 'top1', type: 'quantitative', title: 'top-1 accuracy (%)', scale: { domain: [0, 100] } }, tooltip: [{ field: 'images' }] } },
      { mark: { type: 'rule', opacity: 0.7, strokeWidth: 1.5 }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
    ],
  },
});
writeFileSync(join(out, 'accuracy.svg'), svg);
console.error(`wrote ${join(out, 'accuracy.csv')} and accuracy.svg in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

/** The rows of accuracy.csv, one per (study, x, fault rate, ratio, mitigation): runs over different images summed. */
function mergeRows(lines: string[]): { line: string; study: string; x: number; rate: string; mit: string; images: number; correct: number }[] {
  const byKey = new Map<string, { f: string[]; images: number; correct: number; current: bigint }>();
  for (const line of lines) {
    const m = /^"([^"]*)",([^,]*),"([^"]*)",([^,]*),([^,]*),([^,]*),([^,]*),([^,]*),([^,]*),([^,]*)$/.exec(line);
    if (!m) throw new Error(`not a row of accuracy.csv: ${line}`);
    const f = m.slice(1);
    const key = [f[0], f[1], f[3], f[4], f[5]].join('|');
    const e = byKey.get(key) ?? { f, images: 0, correct: 0, current: 0n };
    e.images += Number(f[6]);
    e.correct += Number(f[7]);
    e.current += BigInt(f[9]!);
    byKey.set(key, e);
  }
  return [...byKey.values()].map(({ f, images, correct, current }) => ({
    line: [JSON.stringify(f[0]), f[1], JSON.stringify(f[2]), f[3], f[4], f[5], images, correct, (correct / images).toFixed(4), current].join(','),
    study: f[0]!, x: Number(f[1]), rate: f[3]!, mit: f[5]!, images, correct,
  }));
}

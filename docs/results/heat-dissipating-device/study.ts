// Accuracy at each stuck-at fault rate with the conventional ReRAM (Wan et al. level-dependent
// cycle-to-cycle programming error, assets/devices/reram-wan.json) and the heat-dissipating
// memristor (the same σ × 0.7, assets/devices/reram-heat-dissipating.json), without and with MT
// (docs/results/README.md, "The heat-dissipating memristor against a conventional ReRAM"; docs/model.md §9.2).
// Run: IMAGES=8 RATES=0,0.025,0.1 RATIOS=5:1 MITS=none,mt-map npx tsx docs/results/heat-dissipating-device/study.ts docs/results/heat-dissipating-device
// One prepared network, one fault map per (rate, ratio), the mapping of each mitigation computed once and
// reused for both devices (variation acts on the programmed cells, after the mapping); the ADC full
// scale is calibrated once on the ideal array (docs/model.md §5.3, §9). FROM_CSV=a.csv,b.csv only redraws.
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
import { renderVegaLite } from '../../../src/report/plot.ts';
import { activityOf, adcFullScale, makeEngine } from '../../../src/session/eval.ts';
import { inputCodes, prepare } from '../../../src/session/prepare.ts';

const out = process.argv[2] ?? '.';
const images = Number(process.env.IMAGES ?? 8);
const sets = (process.env.SETS ?? '').split(' ').filter(Boolean).map(parseOverride);
// The array of the run default (32-row reads) on the devices' conductance range (rOnOhm of the device files), no variation.
const base = resolveConfig({ file: 'assets/devices/reram-wan.json', overrides: [parseOverride('tile.parallelRead=32'), parseOverride('device.variation.levelModel="none"'), ...sets] });
const devices = [
  ...(process.env.IDEAL === '0' ? [] : [{ name: 'no variation', file: 'assets/devices/reram-wan.json', sets: ['device.variation.levelModel="none"'] }]),
  { name: 'conventional ReRAM (Wan et al.)', file: 'assets/devices/reram-wan.json' },
  { name: 'heat-dissipating (σ × 0.7)', file: 'assets/devices/reram-heat-dissipating.json' },
].map((d: { name: string; file: string; sets?: string[] }) => ({ ...d, cfg: resolveConfig({ file: d.file, overrides: [parseOverride('tile.parallelRead=32'), ...(d.sets ?? []).map(parseOverride), ...sets] }) }));
const faultPoints = (process.env.RATES ?? '0,0.025,0.1').split(',').flatMap((r) => (process.env.RATIOS ?? '5:1').split(',').map((ratio) => ({ rate: Number(r), ratio }))).filter((f, i, a) => f.rate > 0 || a.findIndex((g) => g.rate === 0) === i);
const mitigations = (process.env.MITS ?? 'none,mt-map').split(',') as ('none' | 'mt-map')[];
const fromCsv = process.env.FROM_CSV?.split(',') ?? null;
const rows: string[] = ['device,fault_rate,ratio,mitigation,images,correct,top1,current_sum'];
const plot: Record<string, unknown>[] = [];
const partial = join(out, 'accuracy.partial.csv');
const t0 = Date.now();
for (const file of fromCsv ?? []) {
  const [, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  for (const line of lines) {
    const m = /^"([^"]*)",([^,]*),([^,]*),([^,]*),([^,]*),([^,]*),/.exec(line)!;
    rows.push(line);
    const [dev, rate, ratio, mit, imgs, correct] = m.slice(1);
    plot.push({ device: dev, series: `${dev}, ${mit}${Number(rate) > 0 ? `, ${ratio}` : ''}`, rate: Number(rate) * 100, top1: (100 * Number(correct)) / Number(imgs) });
  }
}
if (!fromCsv) {
  const p = prepare(base);
  activityOf(p, base);
  const fullScale = adcFullScale(p, base);
  const layers = networkLayerShapes(p.net, base);
  for (const fp of faultPoints) {
    const faults = drawFaults(layers, fp.rate, fp.ratio, base.faults.seed);
    for (const mit of mitigations) {
      if (fp.rate === 0 && mit !== 'none') continue;
      const mcfg: Config = { ...base, faults: { ...base.faults, rate: fp.rate, sa1Sa0Ratio: fp.ratio }, mitigation: { ...base.mitigation, method: mit } };
      const mappings = mitigatedMappings(p.qn, mcfg, faults, () => activityOf(p, mcfg));
      for (const dev of devices) {
        const cfg: Config = { ...mcfg, device: dev.cfg.device };
        const xb = buildCrossbar(p.qn, cfg, { mappings, faults, calibratedFullScale: fullScale });
        const engine = makeEngine(xb);
        let correct = 0;
        for (let i = 0; i < images; i++) if (argmax(forwardInt(p.qn, inputCodes(p, i), engine)) === p.test.labels[i]) correct++;
        const cur = xb.stats.reduce((a, l) => a + l.currentSum, 0);
        rows.push([JSON.stringify(dev.name), fp.rate, fp.ratio, mit, images, correct, (correct / images).toFixed(4), cur].join(','));
        writeFileSync(partial, rows.join('\n') + '\n');
        plot.push({ device: dev.name, series: `${dev.name}, ${mit}${fp.rate > 0 ? `, ${fp.ratio}` : ''}`, rate: fp.rate * 100, top1: (100 * correct) / images });
        console.error(`${((Date.now() - t0) / 1000).toFixed(0)} s  ${dev.name}  ${mit} SAF ${fp.rate * 100} % ${fp.ratio}: ${correct}/${images}  (${effectSeeds(cfg) ?? 'no effects'}; fault seed ${base.faults.seed})`);
      }
    }
  }
}
writeFileSync(join(out, 'accuracy.csv'), rows.join('\n') + '\n');
// The fault-free point belongs to both mitigations' lines.
const lines = plot.flatMap((q) => (q.rate === 0 ? mitigations.map((m) => ({ ...q, series: `${q.device}, ${m}` })) : [{ ...q, series: String(q.series).replace(/, [0-9]+:[0-9]+$/, '') }]));
const svg = await renderVegaLite({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: `VGG8-w0.5, run default array (1-bit cells, 32-row reads), Gmax 39.2 µS, ${images} images: conventional vs heat-dissipating ReRAM`,
  data: { values: lines },
  width: 420,
  height: 260,
  mark: { type: 'line', point: true },
  encoding: {
    x: { field: 'rate', type: 'quantitative', title: 'stuck cells (%)' },
    y: { field: 'top1', type: 'quantitative', title: 'top-1 accuracy (%)', scale: { domain: [0, 100] } },
    color: { field: 'series', type: 'nominal', title: 'device, mitigation' },
  },
});
writeFileSync(join(out, 'accuracy.svg'), svg);
console.error(`wrote ${join(out, 'accuracy.csv')} and accuracy.svg in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

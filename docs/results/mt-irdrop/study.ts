// MT under IR drop (docs/mt.md "MT under IR drop"): MT-map with and without the IR-aware row
// placement (mitigation.mt.irDropRows) on VGG8-w0.5, at each wire resistance and stuck-cell rate:
// top-1, and how far the network's outputs (the last layer's accumulators) are from the same
// mapping on an array without IR drop (relative L2 error, mean over images).
// Run: IMAGES=8 WIRES=0.25,1 RATES=0,0.025 npx tsx docs/results/mt-irdrop/study.ts docs/results/mt-irdrop
// Array: the run default (neurosim-v1.4, 32-row reads), first-order IR drop, driver and sense 0.1 Ω,
// fault seed 1 (SA1:SA0 5:1); the ADC full scale calibrated once on the ideal array.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseOverride, resolveConfig } from '../../../src/config/load.ts';
import type { Config } from '../../../src/config/schema.ts';
import { drawFaults, networkLayerShapes } from '../../../src/crossbar/faults.ts';
import { buildCrossbar } from '../../../src/crossbar/reference.ts';
import { mitigatedMappings } from '../../../src/mitigation/index.ts';
import { argmax } from '../../../src/nn/ops.ts';
import { forwardInt } from '../../../src/nn/quant.ts';
import { renderVegaLite } from '../../../src/report/plot.ts';
import { activityOf, adcFullScale, makeEngine } from '../../../src/session/eval.ts';
import { inputCodes, prepare } from '../../../src/session/prepare.ts';

const out = process.argv[2] ?? '.';
const images = Number(process.env.IMAGES ?? 8);
const wires = (process.env.WIRES ?? '0.25,1').split(',').map(Number);
const rates = (process.env.RATES ?? '0,0.025').split(',').map(Number);
const base = resolveConfig({ file: 'assets/run-default.json', overrides: (process.env.SETS ?? '').split(' ').filter(Boolean).map(parseOverride) });
const p = prepare(base);
activityOf(p, base);
const fullScale = adcFullScale(p, base);
const layers = networkLayerShapes(p.net, base);
const rows = ['wire_ohm,fault_rate,mitigation,images,correct,top1,output_rel_error'];
const plot: Record<string, unknown>[] = [];
const t0 = Date.now();
/** Logits (the last layer's accumulators) of image i on a crossbar, and whether it is classified right. */
function run(cfg: Config, mappings: ReturnType<typeof mitigatedMappings>, faults: ReturnType<typeof drawFaults>) {
  const xb = buildCrossbar(p.qn, cfg, { mappings, faults, calibratedFullScale: fullScale });
  const engine = makeEngine(xb);
  const last = p.qn.layers.length - 1;
  return Array.from({ length: images }, (_, i) => {
    let logits: number[] = [];
    const y = forwardInt(p.qn, inputCodes(p, i), engine, (q, acc) => {
      if (q.index === last) logits = Array.from(acc);
    });
    return { logits, right: argmax(y) === p.test.labels[i] };
  });
}
for (const rate of rates) {
  const faults = drawFaults(layers, rate, '5:1', base.faults.seed);
  for (const irDropRows of [false, true]) {
    const comp = base.tile.irDrop.compensation === 'none' ? '' : ` + IR compensation ${base.tile.irDrop.compensation}`;
    const mit = (irDropRows ? 'mt-map + IR-aware rows' : 'mt-map') + comp;
    for (const wire of wires) {
      const cfg: Config = {
        ...base,
        tile: { ...base.tile, irDrop: { ...base.tile.irDrop, enabled: true, wireRowOhm: wire, wireColOhm: wire } },
        faults: { ...base.faults, rate, sa1Sa0Ratio: base.faults.sa1Sa0Ratio },
        mitigation: { ...base.mitigation, method: 'mt-map', mt: { irDropRows } },
      };
      const mappings = mitigatedMappings(p.qn, cfg, faults, () => activityOf(p, cfg));
      // the reference: the same mapping without the IR-drop compensation (tile.irDrop.compensation) on an array without IR drop
      const idealCfg: Config = { ...cfg, tile: { ...cfg.tile, irDrop: { ...cfg.tile.irDrop, compensation: 'none' } } };
      const ideal = run({ ...cfg, tile: { ...cfg.tile, irDrop: { ...cfg.tile.irDrop, enabled: false } } }, mitigatedMappings(p.qn, idealCfg, faults, () => activityOf(p, cfg)), faults);
      const got = run(cfg, mappings, faults);
      const correct = got.filter((g) => g.right).length;
      const rel = got.reduce((s, g, i) => {
        const want = ideal[i]!.logits;
        const num = Math.hypot(...g.logits.map((v, k) => v - want[k]!));
        return s + num / Math.max(1, Math.hypot(...want));
      }, 0) / images;
      rows.push([wire, rate, JSON.stringify(mit), images, correct, (correct / images).toFixed(4), rel.toFixed(4)].join(','));
      writeFileSync(join(out, process.env.PARTIAL ?? 'results.partial.csv'), rows.join('\n') + '\n');
      plot.push({ wire, series: `${mit}, ${rate * 100} % stuck`, error: rel, top1: (100 * correct) / images });
      console.error(`${((Date.now() - t0) / 1000).toFixed(0)} s  wire ${wire} Ω  ${rate * 100} %  ${mit}: ${correct}/${images}, output error ${(rel * 100).toFixed(2)} % (fault seed ${base.faults.seed})`);
    }
  }
}
writeFileSync(join(out, 'results.csv'), rows.join('\n') + '\n');
const svg = await renderVegaLite({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: `VGG8-w0.5, run default array, IR drop (first-order), ${images} images: MT-map with and without IR-aware rows`,
  data: { values: plot },
  hconcat: [
    { width: 300, height: 220, mark: { type: 'line', point: true }, encoding: { x: { field: 'wire', type: 'quantitative', title: 'wire per segment (Ω)' }, y: { field: 'error', type: 'quantitative', title: 'output error against no IR drop (relative L2)' }, color: { field: 'series', type: 'nominal', title: null } } },
    { width: 300, height: 220, mark: { type: 'line', point: true }, encoding: { x: { field: 'wire', type: 'quantitative', title: 'wire per segment (Ω)' }, y: { field: 'top1', type: 'quantitative', title: 'top-1 (%)', scale: { domain: [0, 100] } }, color: { field: 'series', type: 'nominal', title: null } } },
  ],
});
writeFileSync(join(out, 'results.svg'), svg);
console.error(`wrote ${join(out, 'results.csv')} and results.svg in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

/** The `memxbar run` report as Markdown (the same sections as report.html, tables only). */
import { num, runRegulationMarkdown, sensitivityMarkdown } from './cost.ts';
import type { FlowReport, StepTime } from './flow-report.ts';
import { priceMarkdown, summaryMarkdown } from './sweep.ts';

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;

export function flowMarkdown(r: FlowReport): string {
  const c = r.config;
  const L: string[] = [];
  L.push(`# memxbar run: ${c.network.model}, preset ${c.preset}`, '');
  L.push(`memxbar ${r.version}, ${r.createdAt}, ${r.machine}; whole flow in ${r.totalSeconds.toFixed(0)} s. Seeds: fault seeds ${r.sweep.result.spec.seeds.join(', ')}; co-simulation patch sample seed 1.`, '');
  L.push('## Config (difference from its preset)', '');
  const diff = Object.entries(r.configDiff);
  if (diff.length === 0) L.push(`The config is preset \`${c.preset}\` unchanged.`);
  else {
    L.push('| field | preset | this run |', '|---|---|---|');
    for (const [k, v] of diff) L.push(`| \`${k}\` | \`${JSON.stringify(v.preset)}\` | \`${JSON.stringify(v.value)}\` |`);
  }
  L.push('', '## Accuracy', '');
  L.push(`${r.accuracy.images} test images.`, '');
  L.push('| path | top-1 |', '|---|---:|');
  L.push(`| float32 | ${pct(r.accuracy.float)} |`, `| integer (${c.quant.weightBits}-bit weights, ${c.quant.activationBits}-bit activations) | ${pct(r.accuracy.integer)} |`);
  const f = r.accuracy.crossbarFaults;
  L.push(`| crossbar (${c.engine} engine${f.rate > 0 ? `, ${f.rate * 100} % stuck ${f.ratio}, seed ${f.seed}` : ', no faults'}, mitigation ${f.mitigation}) | ${pct(r.accuracy.crossbar)} |`);
  L.push('', '## Accuracy under stuck-at faults', '', 'Chart: `sweep/accuracy.svg`.', '', summaryMarkdown(r.sweep.summary));
  L.push('## Price of each mitigation', '', priceMarkdown(r.sweep.summary));
  L.push('## Tile area (synthesis)', '');
  if (r.synth) {
    L.push('| module | with MT (µm²) | without MT (µm²) | Δ (µm²) |', '|---|---:|---:|---:|');
    for (const m of r.synth.mtOverhead.byModule) L.push(`| \`${m.module}\` | ${num(m.withMtUm2)} | ${num(m.withoutMtUm2)} | ${num(m.deltaUm2)} |`);
    L.push(`| **tile** | **${num(r.synth.mtOverhead.withMtUm2)}** | **${num(r.synth.mtOverhead.withoutMtUm2)}** | **${num(r.synth.mtOverhead.overheadUm2)}** |`);
    const bt = r.synth.bistTest;
    if (bt) {
      const area = r.synth.bist ? `${num(r.synth.bist.withBistUm2 - r.synth.bist.withoutBistUm2)} µm² (controller ${num(r.synth.bist.bistModuleUm2)})` : 'not in this synthesis (gen --write-path --bist)';
      L.push('', `On-chip march test (MATS+) beside the MT price: ${bt.cycles.toLocaleString('en-US')} cycles = ${num(bt.seconds * 1e6)} µs, + ${num(bt.deviceWriteSeconds * 1e3)} ms of device programming pulses (${bt.writePulses.toLocaleString('en-US')}); energy ≤ ${num(bt.energyJ * 1e9)} nJ, of which cell writes ${num(bt.cellWriteEnergyJ * 1e9)} nJ; BIST area ${area}.`);
    }
    L.push('', `Full report: \`synth/synth-report.md\`.`);
  } else L.push(`Not synthesized: ${r.synthSkipped}.`);
  const n = r.cost.result.network;
  L.push('', '## Energy, latency, area of the accelerator', '');
  L.push('| tiles | area (mm²) | energy per image (µJ) | latency per image (ms) | TOPS/W | frames/s |', '|---:|---:|---:|---:|---:|---:|');
  L.push(`| ${n.tiles} | ${num(n.areaMm2.total)} | ${num(n.energyPerImageJ.total * 1e6)} | ${num(n.latencyPerImageS.total * 1e3)} | ${num(n.topsPerW)} | ${num(n.framesPerS)} |`);
  L.push('', 'Breakdowns per layer: `cost/cost.md`; chart of what moves the numbers: `cost/cost-tornado.svg`.');
  L.push(...runRegulationMarkdown(r.mtRegulation), ...sensitivityMarkdown(r.cost.sensitivity), '');
  L.push('## Co-simulation', '');
  if (r.cosim.length === 0) L.push(`Not run: ${r.cosimSkipped}.`);
  else {
    L.push('| layer | tile | verdict | simulator | vectors | words | files |', '|---|---|---|---|---:|---:|---|');
    for (const v of r.cosim) L.push(`| ${v.label} | (${v.tile.join(', ')}) | ${v.error ? `not run: ${v.error}` : v.ok ? 'MATCH' : 'MISMATCH'} | ${v.simulator} | ${v.vectors} | ${v.words} | ${v.files.map((x) => `\`${x}\``).join(', ')} |`);
  }
  if (r.bistMt) L.push('', `BIST → fault map → MT-map → write path → inference (${r.bistMt.layer}, tile (0, 0), ${r.bistMt.simulator}, ${r.bistMt.seconds.toFixed(1)} s):`, '', '```', r.bistMt.text.trimEnd(), '```');
  else if (r.bistMtSkipped !== undefined) L.push('', `BIST → MT-map loop not run: ${r.bistMtSkipped}.`);
  L.push('', '## Time per step', '', 'CPU: every thread of memxbar and the child processes that finished during the step; work in the background (Yosys, the co-simulation build, the co-simulation beside the sweep) counts in the steps it overlaps; from – to: seconds since the run started.', '', '| step | from – to (s) | seconds | CPU seconds |', '|---|---:|---:|---:|');
  for (const s of r.steps) L.push(`| ${s.step} | ${stepSpan(s)} | ${s.seconds.toFixed(1)} | ${s.cpuSeconds === undefined ? '–' : s.cpuSeconds.toFixed(1)} |`);
  L.push('');
  return L.join('\n');
}

/** A step's place on the run's timeline: seconds from the run's start to its start and end ('–' when not recorded). */
export function stepSpan(s: StepTime): string {
  return s.startSeconds === undefined ? '–' : `${s.startSeconds.toFixed(1)} – ${(s.startSeconds + s.seconds).toFixed(1)}`;
}

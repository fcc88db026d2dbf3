// The measurement behind MEASURED_COST (src/sweep/balance.ts); docs/cluster.md says how it was run.
// Run: MEMXBAR_THREADS=1 npx tsx docs/results/sweep-cost/measure.ts   (MITS=none,none for the warm second pass; MITS=none,hosseini for measure-hosseini.jsonl)
import { performance } from 'node:perf_hooks';
import { resolveConfig, parseOverride } from '../../../src/config/load.ts';
import { prepare } from '../../../src/session/prepare.ts';
import { programCrossbarWithFaults, makeEngine, activityOf } from '../../../src/session/eval.ts';
import { drawFaults } from '../../../src/crossbar/faults.ts';
import { forwardInt } from '../../../src/nn/quant.ts';
import { inputCodes } from '../../../src/session/prepare.ts';
const base = resolveConfig({ overrides: [parseOverride('quant.calibrationImages=100'), parseOverride('mitigation.activityImages=100'), parseOverride('experiment.images=4'), ...(process.env.SETS ?? '').split(' ').filter(Boolean).map(parseOverride)] });
const p = prepare(base);
activityOf(p, base);
const images = 4;
for (const m of (process.env.MITS ?? 'none,mt-stats,mt-map,pytorx,zhang').split(',')) for (const rate of [0, 0.01, 0.1, 0.5]) {
  const cfg = { ...base, faults: { ...base.faults, rate, sa1Sa0Ratio: '5:1', seed: 1, mapFile: null }, mitigation: { ...base.mitigation, method: m as any } };
  const c0 = process.cpuUsage(); const t0 = performance.now();
  const xb = programCrossbarWithFaults(p, cfg, (layers) => drawFaults(layers, rate, '5:1', 1));
  const t1 = performance.now(); const c1 = process.cpuUsage(c0);
  const e = makeEngine(xb);
  for (let i = 0; i < images; i++) forwardInt(p.qn, inputCodes(p, i), e);
  const t2 = performance.now(); const c2 = process.cpuUsage(c0);
  console.log(JSON.stringify({ m, rate, mapS: +((t1 - t0) / 1000).toFixed(3), perImageS: +((t2 - t1) / 1000 / images).toFixed(4), mapCpuS: (c1.user+c1.system)/1e6, perImageCpuS: ((c2.user+c2.system)-(c1.user+c1.system))/1e6/images }));
}

// Old/new A/B of the float32 and integer paths against onnxruntime in one process (docs/results/bench-engine-blocked-gemm/README.md).
// Run: S=3 npx tsx docs/results/bench-engine-blocked-gemm/ab.ts f,i   (MEMXBAR_NATIVE_PATH=<other build> for the old kernels)
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { parseOverride, resolveConfig } from '../../../src/config/load.ts';
import { preprocess } from '../../../src/data/cifar10.ts';
import { forwardFloat } from '../../../src/nn/float.ts';
import { exportOnnx } from '../../../src/nn/onnx-export.ts';
import { forwardInt } from '../../../src/nn/quant.ts';
import { fastEngine } from '../../../src/engine/fast.ts';
import { programCrossbar } from '../../../src/run/eval.ts';
import { inputCodes, prepare } from '../../../src/run/prepare.ts';
const ort = createRequire(import.meta.url)('onnxruntime-node');
const cfgOf = (extra: string[]) => resolveConfig({ preset: 'neurosim-v1.4', overrides: ['experiment.images=50', ...extra].map(parseOverride) });
async function rate(fn: (i: number) => unknown, n: number, s: number) { await fn(0); const t0 = performance.now(); let k = 0; while (performance.now() - t0 < s * 1000) { await fn(k % n); k++; } return k / ((performance.now() - t0) / 1000); }
const p = prepare(cfgOf([]));
const n = p.test.count;
const imgs = Array.from({ length: n }, (_, i) => preprocess(p.test.pixels, i, p.net.input));
const session = await ort.InferenceSession.create(exportOnnx(p.net));
const only = process.argv[2]?.split(',');
const S = Number(process.env.S ?? 3);
const rows: [string, number][] = [];
const ortRate = () => rate((i) => session.run({ image: new ort.Tensor('float32', imgs[i]!, [1, 3, 32, 32]) }), n, S);
let o1 = await ortRate();
const want = (k: string) => !only || only.includes(k);
if (want('f')) rows.push(['float32', await rate((i) => forwardFloat(p.net, imgs[i]!), n, S)]);
if (want('i')) rows.push(['int', await rate((i) => forwardInt(p.qn, inputCodes(p, i)), n, S)]);
for (const [k, name, extra] of [['a', '(a)', []], ['b', '(b) lossless', ['tile.adcMode="lossless"']], ['c', '(c) differential', ['tile.signedScheme="differential"']]] as const) {
  if (!want(k)) continue;
  const fe = fastEngine(programCrossbar(p, cfgOf(['faults.rate=0.05', 'faults.sa1Sa0Ratio="5:1"', ...extra])));
  rows.push([name, await rate((i) => forwardInt(p.qn, inputCodes(p, i), fe), n, S)]);
}
const o2 = await ortRate();
const base = (o1 + o2) / 2;
console.log(`ort ${o1.toFixed(1)} / ${o2.toFixed(1)} img/s`);
for (const [k, r] of rows) console.log(`${k.padEnd(20)} ${r.toFixed(1).padStart(7)} img/s  ${(base / r).toFixed(2)}x`);

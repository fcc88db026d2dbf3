// CPU time per image of each VGG8-w0.5 path, one kernel thread, onnxruntime with one intra-op thread.
import { createRequire } from 'node:module';
const ROOT = process.env.ROOT!;
const { parseOverride, resolveConfig } = await import(`${ROOT}/src/config/load.ts`);
const { preprocess } = await import(`${ROOT}/src/data/cifar10.ts`);
const { forwardFloat } = await import(`${ROOT}/src/nn/float.ts`);
const { exportOnnx } = await import(`${ROOT}/src/nn/onnx-export.ts`);
const { forwardInt } = await import(`${ROOT}/src/nn/quant.ts`);
const { fastEngine } = await import(`${ROOT}/src/engine/fast.ts`);
const { programCrossbar } = await import(`${ROOT}/src/session/eval.ts`);
const { inputCodes, prepare } = await import(`${ROOT}/src/session/prepare.ts`);
const IMGS = Number(process.env.IMGS ?? 60);
const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };
async function per(fn: (i: number) => unknown, n: number) {
  for (let i = 0; i < 3; i++) await fn(i % n);
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const c0 = cpu();
    for (let k = 0; k < IMGS; k++) await fn(k % n);
    best = Math.min(best, (cpu() - c0) / IMGS);
  }
  return best;
}
const cfgOf = (extra: string[]) => resolveConfig({ preset: 'neurosim-v1.4', overrides: ['experiment.images=50', ...extra].map(parseOverride) });
const p = prepare(cfgOf([]));
const n = p.test.count;
const imgs = Array.from({ length: n }, (_, i) => preprocess(p.test.pixels, i, p.net.input));
const ort = createRequire(`${ROOT}/package.json`)('onnxruntime-node');
const s = await ort.InferenceSession.create(exportOnnx(p.net), { intraOpNumThreads: 1, interOpNumThreads: 1 });
const rows: [string, number][] = [];
rows.push(['onnxruntime float32 (1 thread)', await per((i) => s.run({ image: new ort.Tensor('float32', imgs[i]!, [1, 3, 32, 32]) }), n)]);
rows.push(['memxbar float32', await per((i) => forwardFloat(p.net, imgs[i]!), n)]);
rows.push(['memxbar integer path (8-bit)', await per((i) => forwardInt(p.qn, inputCodes(p, i)), n)]);
for (const [k, extra] of [['(a) neurosim-v1.4, 5% SAF', []], ['(b) lossless ADC, 5% SAF', ['tile.adcMode="lossless"']], ['(c) differential pairs, 5% SAF', ['tile.signedScheme="differential"']]] as const) {
  const fe = fastEngine(programCrossbar(p, cfgOf(['faults.rate=0.05', 'faults.sa1Sa0Ratio="5:1"', ...extra])), 1);
  rows.push([k, await per((i) => forwardInt(p.qn, inputCodes(p, i), fe), n)]);
}
for (const [name, ms] of rows) console.log(`| ${name} | ${ms.toFixed(2)} | ${(ms / rows[0]![1]).toFixed(2)}× |`);

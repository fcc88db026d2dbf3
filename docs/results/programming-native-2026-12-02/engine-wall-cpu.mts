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
const { setKernelThreads } = await import(`${ROOT}/src/native/addon.ts`);
const IMGS = Number(process.env.IMGS ?? 60);
const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };
async function per(fn: (i: number) => unknown, n: number) {
  for (let i = 0; i < 3; i++) await fn(i % n);
  let bw = Infinity, bc = Infinity;
  for (let round = 0; round < 3; round++) {
    const c0 = cpu(); const t0 = performance.now();
    for (let k = 0; k < IMGS; k++) await fn(k % n);
    bw = Math.min(bw, (performance.now() - t0) / IMGS); bc = Math.min(bc, (cpu() - c0) / IMGS);
  }
  return [bw, bc];
}
const cfgOf = (extra: string[]) => resolveConfig({ preset: 'neurosim-v1.4', overrides: ['experiment.images=50', ...extra].map(parseOverride) });
const p = prepare(cfgOf([]));
const n = p.test.count;
const imgs = Array.from({ length: n }, (_, i) => preprocess(p.test.pixels, i, p.net.input));
const ort = createRequire(`${ROOT}/package.json`)('onnxruntime-node');
const s = await ort.InferenceSession.create(exportOnnx(p.net));
const rows: [string, number[]][] = [];
rows.push(['onnxruntime float32 (default threads)', await per((i) => s.run({ image: new ort.Tensor('float32', imgs[i]!, [1, 3, 32, 32]) }), n)]);
const paths = (process.env.PATHS ?? 'f,i,a,b,c').split(',');
const fes: Record<string, any> = {};
for (const [k, extra] of [['a', []], ['b', ['tile.adcMode="lossless"']], ['c', ['tile.signedScheme="differential"']]] as const) {
  if (paths.includes(k)) fes[k] = programCrossbar(p, cfgOf(['faults.rate=0.05', 'faults.sa1Sa0Ratio="5:1"', ...extra]));
}
for (const th of (process.env.THREADS ?? '1,2').split(',').map(Number)) {
  setKernelThreads(th);
  if (paths.includes('f')) rows.push([`float32 t${th}`, await per((i) => forwardFloat(p.net, imgs[i]!), n)]);
  if (paths.includes('i')) rows.push([`integer t${th}`, await per((i) => forwardInt(p.qn, inputCodes(p, i)), n)]);
  for (const k of ['a', 'b', 'c']) if (fes[k]) { const fe = fastEngine(fes[k], th); rows.push([`(${k}) t${th}`, await per((i) => forwardInt(p.qn, inputCodes(p, i), fe), n)]); }
}
for (const [name, [w, c]] of rows) console.log(`| ${name} | ${w.toFixed(2)} | ${c.toFixed(2)} | ${(w / rows[0]![1][0]).toFixed(2)}× | ${(c / rows[0]![1][1]).toFixed(2)}× |`);

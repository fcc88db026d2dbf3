// Does the training forward (src/train/backprop.ts: quantization and stuck weights, no ADC, conv1
// approximate) predict what the crossbar model computes? Top-1 of both on the same test images,
// the same fault map, the same calibrated activation scales. Run from the project root:
//   npx tsx docs/results/train-compare/forward-check.ts MODEL.onnx|- RATE_PCT RATIO FAULT_SEED IMAGES [key=value ...]
// MODEL "-": the shipped model. Extra key=value: config overrides (e.g. tile.parallelRead=128).
import { resolveConfig, parseOverride } from '../../../src/config/load.ts';
import { networkLayerShapes } from '../../../src/crossbar/faults.ts';
import { preprocess } from '../../../src/data/cifar10.ts';
import { loadNetwork } from '../../../src/nn/onnx.ts';
import { loadInputs, prepare } from '../../../src/session/prepare.ts';
import { configuredFaults, evalInt, makeEngine, programCrossbarWithFaults } from '../../../src/session/eval.ts';
import { forwardBackward } from '../../../src/train/backprop.ts';
import { stuckOf } from '../../../src/train/train.ts';

const [model, rate, ratio, seed, images, ...extra] = process.argv.slice(2);
const cfg = resolveConfig({
  file: 'assets/run-default.json',
  overrides: [`quant.calibrationImages=100`, `experiment.images=${images}`, `faults.rate=${Number(rate) / 100}`, `faults.sa1Sa0Ratio=${ratio}`, `faults.seed=${seed}`, ...extra].map(parseOverride),
});
const inputs = loadInputs(cfg);
const net = model === '-' ? inputs.net : loadNetwork({ ...cfg.network, model: model! });
const p = prepare(cfg, undefined, { ...inputs, net });
const faults = configuredFaults(p, cfg, networkLayerShapes(p.net, cfg));
// CLEAN=name,…: those layers' cells fault-free in both (to find which layer the two disagree on).
for (const name of (process.env.CLEAN ?? '').split(',').filter(Boolean)) faults.find((f) => f.name === name)!.cells.fill(0);
const numerics = {
  weightBits: cfg.quant.weightBits,
  stuck: stuckOf(p.qn, cfg, faults),
  actScale: p.qn.layers.map((q) => q.requant?.outputScale ?? null),
  actMax: 2 ** cfg.quant.activationBits - 1,
};
let correct = 0, loss = 0;
for (let i0 = 0; i0 < p.test.count; i0 += 16) {
  const idx = Array.from({ length: Math.min(16, p.test.count - i0) }, (_, k) => i0 + k);
  const r = forwardBackward(p.net, numerics, idx.map((i) => preprocess(p.test.pixels, i, p.net.input)), idx.map((i) => p.test.labels[i]!), false);
  correct += r.correct;
  loss += r.loss * idx.length;
}
const xb = programCrossbarWithFaults(p, cfg, () => faults);
const acc = evalInt(p, makeEngine(xb));
console.log(JSON.stringify({ model, ratePct: Number(rate), ratio, faultSeed: Number(seed), images: p.test.count, overrides: extra, trainingForward: { correct, top1: correct / p.test.count, meanLoss: +(loss / p.test.count).toFixed(4) }, crossbar: { correct: acc.correct, top1: acc.top1 } }));

// Training numerics on VGG8-w0.5 (docs/train.md): memxbar's float32 forward (native gemmF32,
// src/nn/float.ts) as the baseline, against src/train/backprop.ts forward+backward on the same
// native GEMMs, float and with the crossbar's quantization and 5 % stuck cells, all in one run.
// Run: npx tsx docs/results/train-numerics/measure.ts [batch]   (tfjs: tfjs.mjs beside this file)
import { performance } from 'node:perf_hooks';
import { resolveConfig, parseOverride } from '../../../src/config/load.ts';
import { drawFaults, networkLayerShapes } from '../../../src/crossbar/faults.ts';
import { preprocess, readCifar10, CIFAR10_TRAIN_SAMPLE } from '../../../src/data/cifar10.ts';
import { forwardFloat } from '../../../src/nn/float.ts';
import { loadNetwork } from '../../../src/nn/onnx.ts';
import { quantizeNetwork } from '../../../src/nn/quant.ts';
import { forwardBackward } from '../../../src/train/backprop.ts';
import { stuckOf } from '../../../src/train/train.ts';
import { kernelThreads } from '../../../src/native/addon.ts';

const B = Number(process.argv[2] ?? 16);
const cfg = resolveConfig({ overrides: [parseOverride('tile.parallelRead=32')] });
const net = loadNetwork(cfg.network);
const data = readCifar10(CIFAR10_TRAIN_SAMPLE, { limit: 2 * B });
const images = Array.from({ length: B }, (_, i) => preprocess(data.pixels, i, net.input));
const labels = Array.from(data.labels.subarray(0, B));
const qn = quantizeNetwork(net, { weightBits: 8, activationBits: 8, calibration: images, percentile: 99.99 });
const stuck = stuckOf(qn, cfg, drawFaults(networkLayerShapes(net, cfg), 0.05, '5:1', 1));
const quantized = { weightBits: 8, stuck, actScale: qn.layers.map((q) => q.requant?.outputScale ?? null), actMax: 255 };
const float = { weightBits: null, stuck: [], actScale: [], actMax: 0 };
const time = (f: () => void, reps = 2) => { f(); const t = performance.now(); for (let k = 0; k < reps; k++) f(); return (performance.now() - t) / reps / B; };
const fwd = time(() => { for (const x of images) forwardFloat(net, x); });
const fwdBatch = time(() => forwardBackward(net, float, images, labels, false));
const fb = time(() => forwardBackward(net, float, images, labels));
const fbq = time(() => forwardBackward(net, quantized, images, labels));
const r = (v: number) => +v.toFixed(2);
console.log(JSON.stringify({ batch: B, threads: kernelThreads(), forwardFloatMsPerImage: r(fwd), trainForwardMsPerImage: r(fwdBatch), forwardBackwardMsPerImage: r(fb), forwardBackwardQuantFaultsMsPerImage: r(fbq), ratioForwardBackwardToForward: r(fb / fwd), ratioQuantFaultsToForward: r(fbq / fwd) }));

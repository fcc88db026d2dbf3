/** The float32 forward pass against onnxruntime (the test oracle) on 200 shipped test images. */
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { CIFAR10_TEST_SAMPLE, preprocess, readCifar10 } from '../../src/data/cifar10.ts';
import { forwardFloat } from '../../src/nn/float.ts';
import { exportOnnx } from '../../src/nn/onnx-export.ts';
import { loadNetwork, resolveModel } from '../../src/nn/onnx.ts';
import { argmax } from '../../src/nn/ops.ts';
import { buildVgg8 } from '../../src/nn/vgg8.ts';
import type { Network } from '../../src/nn/graph.ts';

async function compare(net: Network, model: Uint8Array | string, images: number) {
  const session = await ort.InferenceSession.create(model as string);
  const data = readCifar10(CIFAR10_TEST_SAMPLE, { limit: images });
  let maxDiff = 0;
  let sameTop1 = 0;
  for (let i = 0; i < data.count; i++) {
    const x = preprocess(data.pixels, i, net.input);
    const ours = forwardFloat(net, x);
    const theirs = (await session.run({ image: new ort.Tensor('float32', x, [1, 3, 32, 32]) })).logits!.data as Float32Array;
    for (let c = 0; c < ours.length; c++) maxDiff = Math.max(maxDiff, Math.abs(ours[c]! - theirs[c]!));
    if (argmax(ours) === argmax(theirs)) sameTop1++;
  }
  return { maxDiff, sameTop1, count: data.count };
}

describe('float32 forward pass vs onnxruntime', () => {
  it('the shipped VGG8-w0.5: same top-1 on all 200 images, max |logit difference| < 1e-3', async () => {
    const net = loadNetwork({ model: 'vgg8-w0.5-cifar10', randomWidth: 1, randomSeed: 1 });
    const r = await compare(net, resolveModel('vgg8-w0.5-cifar10'), 200);
    expect(r.count).toBe(200);
    expect(r.sameTop1).toBe(200);
    expect(r.maxDiff).toBeLessThan(1e-3);
  });
  it('a random full-width VGG8 exported to ONNX agrees too (exporter and forward pass)', async () => {
    const net = buildVgg8({ width: 1, seed: 5 });
    const r = await compare(net, exportOnnx(net), 5);
    expect(r.sameTop1).toBe(5);
    expect(r.maxDiff).toBeLessThan(1e-3);
  });
});

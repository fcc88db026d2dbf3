import { describe, expect, it } from 'vitest';
import { saRatio } from '../../src/config/schema.ts';
import type { Config } from '../../src/config/schema.ts';
import { drawFaults, networkLayerShapes } from '../../src/crossbar/faults.ts';
import { buildCrossbar, referenceEngine } from '../../src/crossbar/reference.ts';
import { mitigatedMappings } from '../../src/mitigation/index.ts';
import type { ComputeLayer, Network } from '../../src/nn/graph.ts';
import { forwardInt, quantizeImage, quantizeNetwork, type QuantNetwork } from '../../src/nn/quant.ts';
import { effectiveWeights, forwardBackward, parameters, stuckValue, type TrainNumerics } from '../../src/train/backprop.ts';
import { stuckWeights } from '../../src/train/stuck.ts';
import { config, randomImages, tinyNet, tinyQuant } from '../helpers.ts';

const FLOAT: TrainNumerics = { weightBits: null, stuck: [], actScale: [], actMax: 0 };

describe('backward pass', () => {
  it('gradients of every parameter equal central finite differences (float64 sums, tiny net)', () => {
    const net = tinyNet(3, { inC: 2, hw: 6, c1: 3, hidden: 5, classes: 4 });
    const { float } = randomImages(net, 3, 5);
    const labels = [0, 2, 3];
    const { grads } = forwardBackward(net, FLOAT, float, labels);
    const params = parameters(net);
    let checked = 0;
    params.forEach((p, i) => {
      for (const k of [0, Math.floor(p.length / 2), p.length - 1]) {
        const keep = p[k]!;
        const h = 1e-2;
        p[k] = keep + h;
        const up = forwardBackward(net, FLOAT, float, labels, false).loss;
        p[k] = keep - h;
        const down = forwardBackward(net, FLOAT, float, labels, false).loss;
        p[k] = keep;
        const fd = (up - down) / (2 * h);
        // float32 activations: agreement to a few 1e-3 of the gradient's scale.
        expect(Math.abs(grads[i]![k]! - fd)).toBeLessThan(2e-3 + 2e-2 * Math.abs(fd));
        checked++;
      }
    });
    expect(checked).toBe(params.length * 3);
    expect(grads.every((g) => g.some((v) => v !== 0))).toBe(true);
  });
});

describe('stuck weights', () => {
  for (const scheme of ['offset', 'differential'] as const) {
    it(`${scheme}: the integer weights the training forward uses are what the crossbar model computes (lossless ADC, bit-exact outputs)`, () => {
      const cfg: Config = config({
        quant: { weightBits: 6 },
        tile: { rows: 16, cols: 32, parallelRead: 16, cellBits: 1, signedScheme: scheme, adcMode: 'lossless', colsPerAdc: 1 },
      });
      const { qn, pixels, size } = tinyQuant(4, 6, 8);
      const faults = drawFaults(networkLayerShapes(qn.net, cfg), 0.1, saRatio('1:5'), 3);
      const xb = buildCrossbar(qn, cfg, { mappings: mitigatedMappings(qn, cfg, faults, () => []), faults });
      // The same network with each weight replaced by what its stuck cells compute.
      let listed = 0;
      const stuckQn: QuantNetwork = {
        ...qn,
        layers: qn.layers.map((q, i) => {
          const s = stuckWeights(q.rows, q.cols, cfg, faults[i]!.cells);
          const qWeight = q.qWeight.slice();
          if (s) for (let k = 0; k < s.index.length; k++) qWeight[s.index[k]!] = stuckValue(s, k, q.qWeight[s.index[k]!]!);
          listed += s?.index.length ?? 0;
          return { ...q, qWeight };
        }),
      };
      stuckQn.steps = qn.steps.map((st) => (st.kind === 'compute' ? { kind: 'compute', q: stuckQn.layers[st.q.index]! } : st));
      expect(listed).toBeGreaterThan(0);
      for (let n = 0; n < 3; n++) {
        const x = quantizeImage(pixels, n * size, size, 8);
        expect(Array.from(forwardInt(qn, x, referenceEngine(xb)))).toEqual(Array.from(forwardInt(stuckQn, x)));
      }
    });
  }
});

describe('the first layer as deployed (input normalisation folded in)', () => {
  it('with stuck cells, the training forward computes what the folded integer layer computes; the unfolded grid does not', () => {
    const base = tinyNet(4);
    const conv = { ...(base.layers[0] as ComputeLayer & { kind: 'conv' }), relu: false };
    // Means on the 8-bit grid, so that the deployed padding (the mean pixel code) is exactly the mean.
    const net: Network = { ...base, input: { ...base.input, mean: [102 / 255, 51 / 255], std: [0.25, 0.4] }, classes: conv.outC * 36, layers: [conv, { kind: 'flatten', name: 'flatten' }] };
    const { float, pixels } = randomImages(net, 3, 5);
    const qn = quantizeNetwork(net, { weightBits: 6, activationBits: 8, calibration: float, percentile: 99.9 });
    const cfg: Config = config({ quant: { weightBits: 6 }, tile: { rows: 16, cols: 32, parallelRead: 16, cellBits: 1, signedScheme: 'offset' } });
    const q = qn.layers[0]!;
    const faults = drawFaults(networkLayerShapes(net, cfg), 0.2, saRatio('1:5'), 2);
    const stuck = stuckWeights(q.rows, q.cols, cfg, faults[0]!.cells)!;
    expect(stuck.index.length).toBeGreaterThan(10);
    // Deployed: Σ q_eff·q_x on the pixel codes (padding with the mean pixel), ·s_w·s_x, + the folded float bias.
    const qEff = q.qWeight.slice();
    for (let k = 0; k < stuck.index.length; k++) qEff[stuck.index[k]!] = stuckValue(stuck, k, q.qWeight[stuck.index[k]!]!);
    const size = 2 * 36;
    const labels = [3, 40, 101];
    let deployedLoss = 0;
    for (let n = 0; n < 3; n++) {
      const logits: number[] = [];
      for (let o = 0; o < conv.outC; o++) {
        for (let y = 0; y < 6; y++) {
          for (let x = 0; x < 6; x++) {
            let acc = 0;
            for (let c = 0; c < 2; c++) {
              for (let ky = 0; ky < 3; ky++) {
                for (let kx = 0; kx < 3; kx++) {
                  const yy = y + ky - 1, xx = x + kx - 1;
                  const code = yy < 0 || yy >= 6 || xx < 0 || xx >= 6 ? q.padValue![c]! : pixels[n * size + c * 36 + yy * 6 + xx]!;
                  acc += qEff[((o * 2 + c) * 3 + ky) * 3 + kx]! * code;
                }
              }
            }
            logits.push(acc * q.weightScale * q.inputScale + q.layer.bias[o]!);
          }
        }
      }
      const m = Math.max(...logits);
      deployedLoss += Math.log(logits.reduce((s, z) => s + Math.exp(z - m), 0)) + m - logits[labels[n]!]!;
    }
    deployedLoss /= 3;
    const num: TrainNumerics = { weightBits: 6, stuck: [stuck], actScale: [null], actMax: 255 };
    const trained = forwardBackward(net, num, float, labels, false).loss;
    expect(Math.abs(trained - deployedLoss)).toBeLessThan(1e-4 * Math.abs(deployedLoss));
    // The stuck integers applied on the unfolded weights' grid (what training did before) miss it.
    const unfolded = effectiveWeights(conv.weight, 6, stuck);
    const plainNet: Network = { ...net, input: { ...net.input, mean: [0, 0], std: [1, 1] }, layers: [{ ...conv, weight: unfolded }, net.layers[1]!] };
    const plain = forwardBackward(plainNet, FLOAT, float, labels, false).loss;
    expect(Math.abs(plain - deployedLoss)).toBeGreaterThan(100 * 1e-4 * Math.abs(deployedLoss));
  });
});

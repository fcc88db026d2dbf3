import { describe, expect, it } from 'vitest';
import { saRatio } from '../../src/config/schema.ts';
import type { Config } from '../../src/config/schema.ts';
import { drawFaults, networkLayerShapes } from '../../src/crossbar/faults.ts';
import { buildCrossbar, referenceEngine } from '../../src/crossbar/reference.ts';
import { mitigatedMappings } from '../../src/mitigation/index.ts';
import { forwardInt, quantizeImage, type QuantNetwork } from '../../src/nn/quant.ts';
import { forwardBackward, parameters, stuckValue, type TrainNumerics } from '../../src/train/backprop.ts';
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

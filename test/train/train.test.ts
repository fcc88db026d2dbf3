import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { saRatio } from '../../src/config/schema.ts';
import type { Config } from '../../src/config/schema.ts';
import { drawFaults, networkLayerShapes } from '../../src/crossbar/faults.ts';
import { ConfigError, DataError } from '../../src/errors.ts';
import { forwardFloat } from '../../src/nn/float.ts';
import { exportOnnx } from '../../src/nn/onnx-export.ts';
import { parameters } from '../../src/train/backprop.ts';
import { train, type TrainOptions } from '../../src/train/train.ts';
import { silentProgress } from '../../src/util/progress.ts';
import { runCli } from '../cli-harness.ts';
import { config, randomImages, tinyNet } from '../helpers.ts';
import { quantizeNetwork } from '../../src/nn/quant.ts';

function setup() {
  const cfg: Config = config({
    quant: { weightBits: 6 },
    tile: { rows: 16, cols: 32, parallelRead: 16, cellBits: 1, adcMode: 'lossless', colsPerAdc: 1 },
    faults: { rate: 0.05, sa1Sa0Ratio: '5:1' },
  });
  const net = tinyNet(4);
  const { float, pixels } = randomImages(net, 8, 4);
  const qn = quantizeNetwork(net, { weightBits: 6, activationBits: 8, calibration: float, percentile: 99.9 });
  const labels = Uint8Array.from({ length: 8 }, (_, i) => i % net.classes);
  const data = { pixels, labels, count: 8, source: 'test images' };
  const faults = drawFaults(networkLayerShapes(net, cfg), 0.05, saRatio('5:1'), 2);
  return { cfg, net, qn, data, faults, float };
}

const opts = (over: Partial<TrainOptions> = {}): TrainOptions => ({ steps: 6, batch: 4, lr: 0.01, optimizer: 'adam', seed: 3, checkpoint: null, checkpointEvery: 2, resume: false, mode: 'fault-aware', ...over });
const tmp = () => mkdtempSync(join(tmpdir(), 'memxbar-train-'));

describe('train', () => {
  for (const mode of ['fault-aware', 'nia', 'float'] as const) {
    for (const optimizer of ['adam', 'sgd'] as const) {
      it(`${mode}, ${optimizer}: the loss on 8 images falls in 30 steps, and the weights change`, () => {
        const { cfg, net, qn, data, faults } = setup();
        const r = train(net, qn, cfg, data, faults, opts({ steps: 30, mode, optimizer, lr: optimizer === 'adam' ? 0.01 : 0.05 }), silentProgress);
        const first = (r.history[0]!.loss + r.history[1]!.loss) / 2;
        const last = (r.history[28]!.loss + r.history[29]!.loss) / 2;
        expect(last).toBeLessThan(first);
        expect(parameters(r.net).some((p, i) => p.some((v, k) => v !== parameters(net)[i]![k]))).toBe(true);
      });
    }
  }

  it('a resumed run ends with the same weights as an uninterrupted one, bit for bit', () => {
    const { cfg, net, qn, data, faults } = setup();
    const dir = tmp();
    const whole = train(net, qn, cfg, data, faults, opts(), silentProgress);
    const ckpt = join(dir, 'c.bin');
    train(net, qn, cfg, data, faults, opts({ steps: 3, checkpoint: ckpt }), silentProgress);
    const resumed = train(net, qn, cfg, data, faults, opts({ checkpoint: ckpt, resume: true }), silentProgress);
    expect(resumed.startStep).toBe(3);
    parameters(whole.net).forEach((p, i) => expect(Buffer.from(parameters(resumed.net)[i]!.buffer).equals(Buffer.from(p.buffer))).toBe(true));
  });

  it('refuses a learning rate ≤ 0, and a checkpoint of another model or config, leaving the checkpoint untouched', () => {
    const { cfg, net, qn, data, faults } = setup();
    for (const lr of [0, -1, NaN]) expect(() => train(net, qn, cfg, data, faults, opts({ lr }), silentProgress)).toThrow(ConfigError);
    const dir = tmp();
    const ckpt = join(dir, 'c.bin');
    train(net, qn, cfg, data, faults, opts({ steps: 2, checkpoint: ckpt }), silentProgress);
    const bytes = readFileSync(ckpt);
    const other = tinyNet(5);
    expect(() => train(other, qn, cfg, data, faults, opts({ checkpoint: ckpt, resume: true }), silentProgress)).toThrow(/another model/);
    const otherCfg = { ...cfg, faults: { ...cfg.faults, seed: 9 } };
    expect(() => train(net, qn, otherCfg, data, faults, opts({ checkpoint: ckpt, resume: true }), silentProgress)).toThrow(/another config/);
    expect(() => train(net, qn, cfg, data, faults, opts({ checkpoint: ckpt }), silentProgress)).toThrow(/--resume/);
    expect(readFileSync(ckpt).equals(bytes)).toBe(true);
    writeFileSync(join(dir, 'bad.bin'), 'nonsense');
    expect(() => train(net, qn, cfg, data, faults, opts({ checkpoint: join(dir, 'bad.bin'), resume: true }), silentProgress)).toThrow(DataError);
    expect(() => train(net, qn, cfg, data, faults, opts({ batch: 9 }), silentProgress)).toThrow(/needs at least/);
  });

  it('the exported ONNX model gives onnxruntime the float pass\'s predictions', async () => {
    const { cfg, net, qn, data, faults, float } = setup();
    const r = train(net, qn, cfg, data, faults, opts({ steps: 4 }), silentProgress);
    const session = await ort.InferenceSession.create(exportOnnx(r.net));
    const { channels, height, width } = r.net.input;
    const batch = new Float32Array(float.length * channels * height * width);
    float.forEach((x, n) => batch.set(x, n * x.length));
    const out = await session.run({ image: new ort.Tensor('float32', batch, [float.length, channels, height, width]) });
    const logits = out.logits!.data as Float32Array;
    const argmax = (a: ArrayLike<number>) => Array.from(a).indexOf(Math.max(...Array.from(a)));
    float.forEach((x, n) => {
      const mine = forwardFloat(r.net, x);
      expect(argmax(logits.subarray(n * r.net.classes, (n + 1) * r.net.classes))).toBe(argmax(mine));
      for (let k = 0; k < r.net.classes; k++) expect(Math.abs(logits[n * r.net.classes + k]! - mine[k]!)).toBeLessThan(1e-4);
    });
  });
});

describe('memxbar train: bad input, one line, exit 2, before any work', () => {
  it('a learning rate ≤ 0', async () => {
    const dir = tmp();
    const r = await runCli('train', '--train-data', 'assets/cifar10/train_500.bin', '--lr', '0', '--out', join(dir, 'm.onnx'), '-q');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--lr.*learning rate must be a number > 0/);
  });
  it('a data batch of the wrong size', async () => {
    const dir = tmp();
    const bad = join(dir, 'short.bin');
    writeFileSync(bad, readFileSync('assets/cifar10/train_500.bin').subarray(0, 3073 * 3 + 100));
    const r = await runCli('train', '--train-data', bad, '--out', join(dir, 'm.onnx'), '-q');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/not a multiple of the 3073-byte record/);
  });
  it('a checkpoint of another model: refused, the checkpoint untouched', async () => {
    const dir = tmp();
    const ckpt = join(dir, 'c.bin');
    const header = Buffer.from(JSON.stringify({ format: 'memxbar-train-checkpoint-1', model: '0123456789abcdef', config: 'x', step: 1, optimizer: 'adam', sizes: [1] }));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(header.length, 0);
    const bytes = Buffer.concat([len, header, Buffer.alloc(12)]);
    writeFileSync(ckpt, bytes);
    const r = await runCli('train', '--train-data', 'assets/cifar10/train_500.bin', '--checkpoint', ckpt, '--resume', '--out', join(dir, 'm.onnx'), '-q');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/checkpoint is of another model/);
    expect(readFileSync(ckpt).equals(bytes)).toBe(true);
  });
});


import type { Command } from 'commander';
import { ConfigError, DataError } from '../../errors.ts';
import { addConfigOptions, configFromOptions, out, progressFor, type CommonOptions } from '../common.ts';

interface TrainFlags extends CommonOptions {
  trainData: string;
  trainImages?: string;
  steps: string;
  batch: string;
  lr: string;
  optimizer: string;
  mode: string;
  seed: string;
  checkpoint?: string;
  checkpointEvery: string;
  resume?: boolean;
  pruneRatio?: string;
  rho: string;
  admmSteps?: string;
  admmEvery: string;
  out: string;
}

const number = (v: string, flag: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`not a number: ${JSON.stringify(v)}`, flag);
  return n;
};

export function register(program: Command): void {
  addConfigOptions(
    program
      .command('train')
      .description('fine-tune the model on the crossbar (fault-aware for the configured fault map, or noise injection) and export it to ONNX')
      .requiredOption('--train-data <paths>', 'CIFAR-10 training batches (binary layout), comma-separated')
      .option('--train-images <n>', 'use only the first n training images')
      .option('--steps <n>', 'optimizer steps', '100')
      .option('--batch <n>', 'images per step', '32')
      .option('--lr <x>', 'learning rate', '0.0001')
      .option('--optimizer <name>', 'adam | sgd (momentum 0.9)', 'adam')
      .option('--mode <name>', 'fault-aware (the configured fault map) | nia (a fresh fault map per step) | admm (pruning of crossbar rows and quantization) | float', 'fault-aware')
      .option('--prune-ratio <p>', 'admm: fraction of each column tile\'s rows pruned, 0 ≤ p < 1: p (every layer where it frees a subarray), name=p,… (those layers) or p,name=q,…')
      .option('--rho <x>', 'admm: penalty ρ of the augmented Lagrangian', '0.1')
      .option('--admm-steps <n>', 'admm: steps of the ADMM phase before hard pruning and masked fine-tuning (default: 2/3 of --steps)')
      .option('--admm-every <n>', 'admm: steps between the Z and U updates', '10')
      .option('--seed <n>', 'seed of the batch order (and of NIA\'s fault maps)', '1')
      .option('--checkpoint <file>', 'checkpoint file (written every --checkpoint-every steps and at the end)')
      .option('--checkpoint-every <n>', 'steps between checkpoints', '50')
      .option('--resume', 'continue from --checkpoint')
      .requiredOption('--out <file.onnx>', 'the trained model, ONNX')
      .option('--json', 'print the result as JSON'),
    ['model', 'data', 'images', 'engine', 'faultRate', 'ratio', 'faultSeed', 'faultMap', 'mitigation'],
  ).action(async (o: TrainFlags) => {
    const [{ readCifar10, CIFAR10_PIXELS }, { existsSync }, { loadInputs, prepare }, { configuredFaults }, { networkLayerShapes }, { train, checkTrainOptions, checkResume, admmTargets }, { crossbarAccuracy }, { exportOnnx }, { writeAtomic }, { pruningSummary, parsePruneRatio }] = await Promise.all([
      import('../../data/cifar10.ts'), import('node:fs'), import('../../session/prepare.ts'), import('../../session/eval.ts'), import('../../crossbar/faults.ts'),
      import('../../train/train.ts'), import('../../train/evaluate.ts'), import('../../nn/onnx-export.ts'), import('../../util/output.ts'), import('../../train/admm.ts'),
    ]);
    const cfg = await configFromOptions(o);
    const optimizer = o.optimizer;
    if (optimizer !== 'adam' && optimizer !== 'sgd') throw new ConfigError(`optimizer must be adam or sgd, got ${JSON.stringify(optimizer)}`, '--optimizer');
    const mode = o.mode;
    if (mode !== 'fault-aware' && mode !== 'nia' && mode !== 'float' && mode !== 'admm') throw new ConfigError(`mode must be fault-aware, nia, admm or float, got ${JSON.stringify(mode)}`, '--mode');
    if (mode === 'admm' && o.pruneRatio === undefined) throw new ConfigError('mode admm needs --prune-ratio', '--prune-ratio');
    if (mode !== 'admm' && o.pruneRatio !== undefined) throw new ConfigError('--prune-ratio is for --mode admm', '--prune-ratio');
    const steps = number(o.steps, '--steps');
    const admm = mode === 'admm'
      ? { ...parsePruneRatio(o.pruneRatio!), rho: number(o.rho, '--rho'), admmSteps: o.admmSteps === undefined ? Math.floor((2 * steps) / 3) : number(o.admmSteps, '--admm-steps'), every: number(o.admmEvery, '--admm-every') }
      : undefined;
    const opts = {
      steps, batch: number(o.batch, '--batch'), lr: number(o.lr, '--lr'), optimizer, mode,
      seed: number(o.seed, '--seed'), checkpoint: o.checkpoint ?? null, checkpointEvery: number(o.checkpointEvery, '--checkpoint-every'), resume: o.resume === true, admm,
    } as const;
    if (!Number.isInteger(opts.seed) || opts.seed < 0) throw new ConfigError(`seed must be a whole number ≥ 0, got ${opts.seed}`, '--seed');
    if (!o.out.endsWith('.onnx')) throw new ConfigError('the output must be an .onnx file', '--out');
    if (existsSync(o.out)) throw new DataError('exists; give a new path for the trained model', '--out');
    if (mode === 'nia' && cfg.faults.mapFile) throw new ConfigError('noise injection draws its own fault maps; --fault-map is the unseen chip it is evaluated on, give --fault-rate instead for training', '--fault-map');
    // Every input is read and checked before any work.
    const limit = o.trainImages === undefined ? undefined : number(o.trainImages, '--train-images');
    const batches = o.trainData.split(',').map((path) => readCifar10(path.trim()));
    const pixels = new Uint8Array(batches.reduce((a, b) => a + b.pixels.length, 0));
    const labels = new Uint8Array(batches.reduce((a, b) => a + b.count, 0));
    let at = 0;
    for (const b of batches) {
      pixels.set(b.pixels, at * CIFAR10_PIXELS);
      labels.set(b.labels, at);
      at += b.count;
    }
    const count = limit === undefined ? labels.length : Math.min(limit, labels.length);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new ConfigError(`--train-images must be a whole number ≥ 1, got ${limit}`, '--train-images');
    const data = { pixels: pixels.subarray(0, count * CIFAR10_PIXELS), labels: labels.subarray(0, count), count, source: o.trainData };
    checkTrainOptions(opts, data);
    const inputs = loadInputs(cfg);
    admmTargets(inputs.net, cfg, opts);
    checkResume(inputs.net, cfg, opts);
    const progress = progressFor(o);
    progress.log(`training seed: ${opts.seed}; ${mode === 'nia' ? `fault maps drawn per step at ${100 * cfg.faults.rate} % (SA1:SA0 ${cfg.faults.sa1Sa0Ratio}); evaluated on ` : ''}fault map ${cfg.faults.mapFile ?? `seed ${cfg.faults.seed}, rate ${100 * cfg.faults.rate} %, SA1:SA0 ${cfg.faults.sa1Sa0Ratio}`}`);
    const p = prepare(cfg, progress, inputs);
    const faults = configuredFaults(p, cfg, networkLayerShapes(p.net, cfg));
    const before = crossbarAccuracy(p.net, cfg, inputs, faults, progress);
    const r = train(p.net, p.qn, cfg, data, faults, opts, progress);
    const after = crossbarAccuracy(r.net, cfg, inputs, faults, progress);
    writeAtomic(o.out, exportOnnx(r.net));
    const pct = (a: { top1: number; correct: number; images: number }) => `${(100 * a.top1).toFixed(2)}% (${a.correct}/${a.images})`;
    const result = {
      mode, optimizer, lr: opts.lr, batch: opts.batch, seed: opts.seed, steps: { from: r.startStep, to: opts.steps }, trainImages: count, seconds: +r.seconds.toFixed(2),
      imagesPerSecond: +(((opts.steps - r.startStep) * opts.batch) / r.seconds).toFixed(2), mitigation: cfg.mitigation.method,
      crossbarBefore: { top1: before.top1, correct: before.correct, images: before.images }, crossbarAfter: { top1: after.top1, correct: after.correct, images: after.images },
      finalLoss: r.history.at(-1)?.loss ?? null, out: o.out,
      history: r.history.map((h) => ({ step: h.step, loss: +h.loss.toFixed(4), accuracy: h.accuracy })),
      ...(admm ? { admm, pruning: pruningSummary(r.net, cfg) } : {}),
    };
    if (o.json) return out(JSON.stringify(result, null, 2));
    out(`trained ${mode} (${optimizer}, lr ${opts.lr}, batch ${opts.batch}, seed ${opts.seed}), steps ${r.startStep + 1}..${opts.steps} in ${r.seconds.toFixed(1)} s (${result.imagesPerSecond} training images/s)`);
    out(`crossbar top-1 (${cfg.mitigation.method}, ${p.test.count} test images): before ${pct(before)}, after ${pct(after)}`);
    if (result.pruning) {
      for (const l of result.pruning) out(`  ${l.layer}: ${l.R}×${l.C}, kept rows ${l.keptRows}/${l.R * l.colTiles}, subarrays ${l.tiles} of ${l.tilesUnpruned} (break-even pruning ratio ${l.breakEven.toFixed(3)})`);
    }
    out(`wrote ${o.out}`);
  });
}

/**
 * Fine-tuning on the crossbar (docs/train.md): fault-aware retraining for one fault map (the
 * weights learn around the stuck cells), noise-injection training (PytorX's NIA: a fresh
 * fault map per step) and ADMM pruning and quantization in units of the crossbar's rows
 * (ADMM-NN, src/train/admm.ts). SGD with momentum or Adam, seeded batch order, resumable checkpoints.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { Config } from '../config/schema.ts';
import { drawFaults, networkLayerShapes, type FaultMap } from '../crossbar/faults.ts';
import { preprocess, type Cifar10Batch } from '../data/cifar10.ts';
import { ConfigError, DataError } from '../errors.ts';
import type { Network } from '../nn/graph.ts';
import type { QuantNetwork } from '../nn/quant.ts';
import { writeAtomic } from '../util/output.ts';
import type { Progress } from '../util/progress.ts';
import { mixSeed, Rng } from '../util/rng.ts';
import { breakEvenPruning } from '../crossbar/layout.ts';
import { applyGroups, keptGroups, layerRatios, projectStructured, pruneTargets, type AdmmOptions, type PruneTarget } from './admm.ts';
import { forwardBackward, parameters, type StuckWeights, type TrainNumerics } from './backprop.ts';
import { stuckWeights } from './stuck.ts';

export interface TrainOptions {
  steps: number;
  batch: number;
  lr: number;
  optimizer: 'adam' | 'sgd';
  /** Seed of the batch order (and, with noise injection, of the fault maps drawn per step). */
  seed: number;
  /** Checkpoint file, or null; written every `checkpointEvery` steps and at the end. */
  checkpoint: string | null;
  checkpointEvery: number;
  /** Continue from `checkpoint` (it must exist and match this model and config). */
  resume: boolean;
  /** 'fault-aware': the config's one fault map; 'nia': a fresh map per step at the config's rate and ratio; 'float': no quantization, no faults; 'admm': ADMM pruning and quantization (with the config's fault map, none at rate 0). */
  mode: 'fault-aware' | 'nia' | 'float' | 'admm';
  /** mode 'admm': its options (required there, ignored otherwise). */
  admm?: AdmmOptions;
}

export interface TrainResult {
  net: Network;
  /** Per step run in this call: step number (1-based), loss, batch accuracy. */
  history: { step: number; loss: number; accuracy: number }[];
  startStep: number;
  seconds: number;
}

/** Checks that need no work: learning rate, step and batch counts, data size. One-line errors. */
export function checkTrainOptions(o: TrainOptions, data: Cifar10Batch): void {
  if (!(o.lr > 0) || !Number.isFinite(o.lr)) throw new ConfigError(`learning rate must be a number > 0, got ${o.lr}`, '--lr');
  if (!Number.isInteger(o.steps) || o.steps < 1) throw new ConfigError(`steps must be a whole number ≥ 1, got ${o.steps}`, '--steps');
  if (!Number.isInteger(o.batch) || o.batch < 1) throw new ConfigError(`batch must be a whole number ≥ 1, got ${o.batch}`, '--batch');
  if (!Number.isInteger(o.checkpointEvery) || o.checkpointEvery < 1) throw new ConfigError(`checkpoint interval must be a whole number ≥ 1, got ${o.checkpointEvery}`, '--checkpoint-every');
  if (o.mode === 'admm') {
    const a = o.admm;
    if (!a) throw new ConfigError('mode admm needs its options (--prune-ratio)', '--mode');
    if (!(a.ratio >= 0 && a.ratio < 1)) throw new ConfigError(`pruning ratio must be a number in [0, 1), got ${a.ratio}`, '--prune-ratio');
    for (const [name, p] of Object.entries(a.layers ?? {})) {
      if (!(p >= 0 && p < 1)) throw new ConfigError(`layer "${name}": pruning ratio must be a number in [0, 1), got ${p}`, '--prune-ratio');
    }
    if (a.ratio === 0 && !Object.values(a.layers ?? {}).some((p) => p > 0)) throw new ConfigError('prunes nothing: give a ratio > 0 (for every layer, or name=p for one)', '--prune-ratio');
    if (!(a.rho > 0) || !Number.isFinite(a.rho)) throw new ConfigError(`ρ must be a number > 0, got ${a.rho}`, '--rho');
    // More ADMM steps than --steps: the run ends inside the ADMM phase (resume it with more steps).
    if (!Number.isInteger(a.admmSteps) || a.admmSteps < 0) throw new ConfigError(`ADMM steps must be a whole number ≥ 0, got ${a.admmSteps}`, '--admm-steps');
    if (!Number.isInteger(a.every) || a.every < 1) throw new ConfigError(`ADMM update interval must be a whole number ≥ 1, got ${a.every}`, '--admm-every');
  }
  if (o.batch > data.count) throw new DataError(`a batch of ${o.batch} images needs at least that many training images; the data holds ${data.count}`, data.source);
}

/** What a checkpoint must match: the starting network (geometry and weights) and the config fields training depends on. */
export function trainKeys(net: Network, cfg: Config, o: Pick<TrainOptions, 'optimizer' | 'mode' | 'batch' | 'seed' | 'admm'>): { model: string; config: string } {
  const h = createHash('sha256');
  for (const l of net.layers) {
    const { weight, bias, ...geometry } = l as { weight?: Float32Array; bias?: Float32Array };
    h.update(JSON.stringify(geometry));
    if (weight) h.update(new Uint8Array(weight.buffer, weight.byteOffset, weight.byteLength));
    if (bias) h.update(new Uint8Array(bias.buffer, bias.byteOffset, bias.byteLength));
  }
  const config = createHash('sha256')
    .update(JSON.stringify({ quant: cfg.quant, tile: cfg.tile, faults: cfg.faults, optimizer: o.optimizer, mode: o.mode, batch: o.batch, seed: o.seed, ...(o.mode === 'admm' ? { admm: o.admm } : {}) }))
    .digest('hex')
    .slice(0, 16);
  return { model: h.digest('hex').slice(0, 16), config };
}

const MAGIC = 'memxbar-train-checkpoint-1';

interface CheckpointHeader {
  format: string;
  model: string;
  config: string;
  step: number;
  optimizer: TrainOptions['optimizer'];
  sizes: number[];
  /** Sizes of the mode's own state after the optimizer's (ADMM: Z, U and the kept-group mask per pruned layer); absent = none. */
  extra?: number[];
}

/** Read a checkpoint and check that it belongs to this model and config; throws a one-line DataError otherwise. */
export function readCheckpoint(path: string, keys: { model: string; config: string }, sizes: number[], extraSizes: number[] = []): { step: number; params: Float32Array[]; state: Float32Array[]; extra: Float32Array[] } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DataError(`cannot read checkpoint: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, path);
  }
  const n = bytes.length >= 4 ? bytes.readUInt32LE(0) : -1;
  let h: CheckpointHeader;
  try {
    if (n < 2 || 4 + n > bytes.length) throw new Error('short');
    h = JSON.parse(bytes.subarray(4, 4 + n).toString('utf8')) as CheckpointHeader;
  } catch {
    throw new DataError('not a memxbar training checkpoint (no readable header)', path);
  }
  if (h.format !== MAGIC) throw new DataError(`not a memxbar training checkpoint (format ${JSON.stringify(h.format)})`, path);
  if (h.model !== keys.model) throw new DataError(`checkpoint is of another model (key ${h.model}, this model ${keys.model})`, path);
  if (h.config !== keys.config) throw new DataError(`checkpoint is of another config or training mode (key ${h.config}, this run ${keys.config})`, path);
  if (JSON.stringify(h.sizes) !== JSON.stringify(sizes)) throw new DataError('checkpoint parameter shapes differ from the model', path);
  if (JSON.stringify(h.extra ?? []) !== JSON.stringify(extraSizes)) throw new DataError('checkpoint state shapes differ from this training mode', path);
  const slots = h.optimizer === 'adam' ? 3 : 2;
  const floats = sizes.reduce((a, b) => a + b, 0) * slots + extraSizes.reduce((a, b) => a + b, 0);
  const body = bytes.subarray(4 + n);
  if (body.length !== floats * 4) throw new DataError(`checkpoint body has ${body.length} bytes, ${floats * 4} expected (truncated?)`, path);
  const all = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.length));
  let at = 0;
  const take = () => sizes.map((s) => all.slice(at, (at += s)));
  const params = take();
  const state = Array.from({ length: slots - 1 }, take).flat();
  const extra = extraSizes.map((s) => all.slice(at, (at += s)));
  return { step: h.step, params, state, extra };
}

function writeCheckpoint(path: string, keys: { model: string; config: string }, step: number, optimizer: TrainOptions['optimizer'], params: Float32Array[], state: Float32Array[], extra: Float32Array[]): void {
  const header = Buffer.from(JSON.stringify({ format: MAGIC, model: keys.model, config: keys.config, step, optimizer, sizes: params.map((p) => p.length), ...(extra.length ? { extra: extra.map((a) => a.length) } : {}) } satisfies CheckpointHeader));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length, 0);
  const parts = [len, header, ...[...params, ...state, ...extra].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))];
  writeAtomic(path, Buffer.concat(parts));
}

/**
 * The checkpoint a run resumes from (read and checked: this model, this config), or null for a
 * fresh run; refuses to start a fresh run over an existing checkpoint. Called before any work.
 */
export function checkResume(start: Network, cfg: Config, o: TrainOptions): { step: number; params: Float32Array[]; state: Float32Array[]; extra: Float32Array[] } | null {
  if (!o.resume) {
    if (o.checkpoint && existsSync(o.checkpoint)) throw new DataError('checkpoint exists: pass --resume to continue it, or another path', o.checkpoint);
    return null;
  }
  if (!o.checkpoint) throw new ConfigError('--resume needs --checkpoint FILE', '--resume');
  if (!existsSync(o.checkpoint)) throw new DataError('checkpoint to resume from does not exist', o.checkpoint);
  const c = readCheckpoint(o.checkpoint, trainKeys(start, cfg, o), parameters(start).map((p) => p.length), admmStateSizes(start, cfg, o));
  if (c.step >= o.steps) throw new ConfigError(`the checkpoint is at step ${c.step}, not below --steps ${o.steps}`, '--steps');
  return c;
}

/**
 * The layers ADMM prunes in this run ([] unless mode 'admm'). Throws a one-line ConfigError for a
 * layer name the model does not have, and when the ratios prune no layer (below every break-even ratio).
 */
export function admmTargets(net: Network, cfg: Config, o: Pick<TrainOptions, 'mode' | 'admm'>): PruneTarget[] {
  if (o.mode !== 'admm' || !o.admm) return [];
  const shapes = networkLayerShapes(net, cfg);
  const targets = pruneTargets(shapes.map((s) => s.layout), o.admm.ratio, layerRatios(shapes.map((s) => s.name), o.admm));
  if (targets.length === 0) {
    const low = shapes.map((s) => ({ name: s.name, p: breakEvenPruning(s.layout) })).sort((x, y) => x.p - y.p)[0];
    throw new ConfigError(`prunes no layer: no ratio given frees a subarray (the lowest break-even ratio is ${low?.p.toFixed(3)}, ${low?.name})`, '--prune-ratio');
  }
  return targets;
}

/** ADMM's checkpointed state: per pruned layer Z and U (the layer's weight count each) and the kept-group mask (colTiles·R). */
function admmStateSizes(net: Network, cfg: Config, o: TrainOptions): number[] {
  return admmTargets(net, cfg, o).flatMap((t) => [t.R * t.C, t.R * t.C, t.colTiles * t.R]);
}

/** A deep copy of a network (its weights are trained in place). */
export function cloneNetwork(net: Network): Network {
  return { ...net, layers: net.layers.map((l) => (l.kind === 'conv' || l.kind === 'fc' ? { ...l, weight: l.weight.slice(), bias: l.bias.slice() } : { ...l })) };
}

/** Training images of step t (0-based): a seeded permutation per epoch, so a resumed run sees what an uninterrupted one would. */
export function batchIndices(count: number, batch: number, seed: number, t: number): number[] {
  const perms = new Map<number, Int32Array>();
  const perm = (e: number) => {
    let p = perms.get(e);
    if (!p) {
      const rng = new Rng(seed, 1000 + e);
      p = Int32Array.from({ length: count }, (_, i) => i);
      for (let i = count - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [p[i], p[j]] = [p[j]!, p[i]!];
      }
      perms.set(e, p);
    }
    return p;
  };
  return Array.from({ length: batch }, (_, j) => {
    const k = t * batch + j;
    return perm(Math.floor(k / count))[k % count]!;
  });
}

/** Stuck weights of every compute layer for a fault map (plain mapping). */
export function stuckOf(qn: QuantNetwork, cfg: Config, faults: FaultMap): (StuckWeights | null)[] {
  return qn.layers.map((q, i) => stuckWeights(q.rows, q.cols, cfg, faults[i]!.cells, `layer "${q.layer.name}"`));
}

/**
 * Fine-tune `start` (a copy is trained) on `data`. `qn` gives the activation scales (the
 * quantized starting network), `faults` the one fault map of 'fault-aware' mode. Reads the
 * checkpoint first when resuming (all checks before any step; a bad checkpoint is left as it is).
 */
export function train(start: Network, qn: QuantNetwork, cfg: Config, data: Cifar10Batch, faults: FaultMap | null, o: TrainOptions, progress: Progress): TrainResult {
  checkTrainOptions(o, data);
  const net = cloneNetwork(start);
  const params = parameters(net);
  const keys = trainKeys(start, cfg, o);
  const slots = o.optimizer === 'adam' ? 2 : 1;
  let state: Float32Array[] = Array.from({ length: slots }, () => params.map((p) => new Float32Array(p.length))).flat();
  let step = 0;
  // ADMM (src/train/admm.ts): per pruned layer Z, U and, once hard-pruned, the kept row groups.
  const targets = admmTargets(start, cfg, o);
  const weightOf = (t: PruneTarget) => params[2 * t.index]!;
  const bits = cfg.quant.weightBits;
  let admm: { z: Float32Array; u: Float32Array; kept: Float32Array }[] = targets.map((t) => ({ z: projectStructured(weightOf(t), t, bits), u: new Float32Array(t.R * t.C), kept: new Float32Array(t.colTiles * t.R) }));
  const c = checkResume(start, cfg, o);
  if (c) {
    params.forEach((p, i) => p.set(c.params[i]!));
    state = c.state;
    step = c.step;
    admm = targets.map((_, k) => ({ z: c.extra[3 * k]!, u: c.extra[3 * k + 1]!, kept: c.extra[3 * k + 2]! }));
  }
  const a = o.admm;
  const hardPrune = () =>
    targets.forEach((t, k) => {
      const kept = keptGroups(weightOf(t), t);
      admm[k]!.kept.set(kept);
      applyGroups(weightOf(t), t, kept);
    });
  const remask = () => targets.forEach((t, k) => applyGroups(weightOf(t), t, Uint8Array.from(admm[k]!.kept)));
  if (a && step === 0 && a.admmSteps === 0) hardPrune();
  const extraState = () => admm.flatMap((x) => [x.z, x.u, x.kept]);
  const numerics: TrainNumerics = o.mode === 'float'
    ? { weightBits: null, stuck: [], actScale: [], actMax: 0 }
    : {
      weightBits: cfg.quant.weightBits,
      stuck: (o.mode === 'fault-aware' || o.mode === 'admm') && faults ? stuckOf(qn, cfg, faults) : [],
      actScale: qn.layers.map((q) => q.requant?.outputScale ?? null),
      actMax: 2 ** cfg.quant.activationBits - 1,
    };
  const shapes = networkLayerShapes(net, cfg);
  const history: TrainResult['history'] = [];
  const startStep = step;
  const t0 = performance.now();
  progress.start(`training (${o.mode}, ${o.optimizer}, lr ${o.lr}, batch ${o.batch}, seed ${o.seed})`, o.steps - step);
  const beta1 = 0.9, beta2 = 0.999, eps = 1e-8, momentum = 0.9;
  while (step < o.steps) {
    if (o.mode === 'nia') numerics.stuck = stuckOf(qn, cfg, drawFaults(shapes, cfg.faults.rate, cfg.faults.sa1Sa0Ratio, mixStepSeed(o.seed, step)));
    const idx = batchIndices(data.count, o.batch, o.seed, step);
    const images = idx.map((i) => preprocess(data.pixels, i, net.input));
    const labels = idx.map((i) => data.labels[i]!);
    const r = forwardBackward(net, numerics, images, labels);
    if (a && step < a.admmSteps) {
      // W-step: the gradient of ρ/2 ‖W − Z + U‖².
      targets.forEach((t, k) => {
        const w = weightOf(t), g = r.grads[2 * t.index]!, { z, u } = admm[k]!;
        for (let i = 0; i < w.length; i++) g[i] += a.rho * (w[i]! - z[i]! + u[i]!);
      });
    }
    step++;
    params.forEach((p, i) => {
      const g = r.grads[i]!;
      if (o.optimizer === 'adam') {
        const m = state[i]!, v = state[params.length + i]!;
        const c1 = 1 - beta1 ** step, c2 = 1 - beta2 ** step;
        for (let k = 0; k < p.length; k++) {
          m[k] = beta1 * m[k]! + (1 - beta1) * g[k]!;
          v[k] = beta2 * v[k]! + (1 - beta2) * g[k]! * g[k]!;
          p[k] -= (o.lr * (m[k]! / c1)) / (Math.sqrt(v[k]! / c2) + eps);
        }
      } else {
        const m = state[i]!;
        for (let k = 0; k < p.length; k++) {
          m[k] = momentum * m[k]! + g[k]!;
          p[k] -= o.lr * m[k]!;
        }
      }
    });
    if (a && step <= a.admmSteps && (step % a.every === 0 || step === a.admmSteps)) {
      // Z-step (projection onto the structured, quantized set) and U-step.
      targets.forEach((t, k) => {
        const w = weightOf(t), x = admm[k]!;
        const v = new Float32Array(w.length);
        for (let i = 0; i < w.length; i++) v[i] = w[i]! + x.u[i]!;
        x.z = projectStructured(v, t, bits);
        for (let i = 0; i < w.length; i++) x.u[i] += w[i]! - x.z[i]!;
      });
    }
    if (a && step === a.admmSteps) hardPrune();
    else if (a && step > a.admmSteps) remask();
    if (!Number.isFinite(r.loss)) throw new DataError(`loss is ${r.loss} at step ${step}: lower --lr (the last checkpoint is kept)`, '--lr');
    history.push({ step, loss: r.loss, accuracy: r.correct / o.batch });
    progress.tick();
    if (step % 10 === 0 || step === o.steps) progress.log(`step ${step}/${o.steps}: loss ${r.loss.toFixed(4)}, batch accuracy ${((100 * r.correct) / o.batch).toFixed(1)} %`);
    if (o.checkpoint && (step % o.checkpointEvery === 0 || step === o.steps)) writeCheckpoint(o.checkpoint, keys, step, o.optimizer, params, state, extraState());
  }
  progress.stop();
  return { net, history, startStep, seconds: (performance.now() - t0) / 1000 };
}

/** The fault seed of NIA's map at step t (0-based): the training seed mixed with the step (streams from 2^20 on, apart from the batch order's). */
export function mixStepSeed(seed: number, t: number): number {
  return mixSeed(seed, 2 ** 20 + t) >>> 1;
}

/**
 * The workload side of co-simulation: which compute layer a `--layer` names, and the
 * real input vectors of that layer (its im2col patches) on test images, as the
 * programmed accelerator produces them (faults and mitigation in every earlier layer).
 */
import { ConfigError } from '../errors.ts';
import type { Crossbar } from '../crossbar/reference.ts';
import { isCompute } from '../nn/graph.ts';
import { forwardInt, type MatrixEngine } from '../nn/quant.ts';
import { makeEngine } from '../session/eval.ts';
import { inputCodes, type Prepared } from '../session/prepare.ts';
import { Rng } from '../util/rng.ts';

/**
 * A compute layer by name (`/7/Conv`), by index among compute layers (`2`), or by kind
 * and rank (`conv3`: the third convolution, `fc1`: the first fully connected layer).
 * Needs only the network (not its calibration), so a bad name is refused before any work.
 */
export function resolveLayer(p: Pick<Prepared, 'net'>, spec: string): number {
  const layers = p.net.layers.filter(isCompute);
  const byName = layers.findIndex((l) => l.name === spec);
  if (byName >= 0) return byName;
  if (/^\d+$/.test(spec)) {
    const i = Number(spec);
    if (i < layers.length) return i;
  }
  const m = /^(conv|fc)(\d+)$/i.exec(spec);
  if (m) {
    const kind = m[1]!.toLowerCase() === 'conv' ? 'conv' : 'fc';
    const ofKind = layers.map((l, i) => ({ l, i })).filter(({ l }) => l.kind === kind);
    const hit = ofKind[Number(m[2]) - 1];
    if (hit) return hit.i;
  }
  const names = layers.map((_, i) => `${i}: ${layerLabel(p, i)}`).join(', ');
  throw new ConfigError(`no compute layer ${JSON.stringify(spec)}; the network has ${names}`, '--layer');
}

/** `conv3 (/7/Conv)`: kind and rank, then the model's own name. */
export function layerLabel(p: Pick<Prepared, 'net'>, index: number): string {
  const layers = p.net.layers.filter(isCompute);
  const l = layers[index]!;
  const rank = layers.filter((x, i) => i <= index && x.kind === l.kind).length;
  return `${l.kind}${rank} (${l.name})`;
}

export interface LayerInputs {
  layerIndex: number;
  /** Input vectors, patch-major: x[v·R + r]; v = image·patchesPerImage + patch. */
  x: Int32Array;
  R: number;
  patchesPerImage: number;
  images: number;
  /** Output width of a conv layer (patch p is at oy = floor(p / outW), ox = p mod outW); 1 for fc. */
  outW: number;
}

/**
 * The inputs of compute layer `layerIndex` on the first `images` test images, through the
 * configured engine on the programmed crossbar `xb` for the earlier layers (later layers
 * are not computed).
 */
export function layerInputs(p: Prepared, xb: Crossbar, layerIndex: number, images: number): LayerInputs {
  if (images > p.test.count) throw new ConfigError(`asked for ${images} images; ${p.test.count} are loaded`, '--images');
  const engine = makeEngine(xb);
  const R = p.qn.layers[layerIndex]!.rows;
  const chunks: Int32Array[] = [];
  let P = 0;
  const capture: MatrixEngine = {
    matmul(q, x, patches, acc) {
      if (q.index < layerIndex) engine.matmul(q, x, patches, acc);
      else if (q.index === layerIndex) {
        P = patches;
        chunks.push(Int32Array.from(x.subarray(0, patches * R)));
      }
      // Later layers: not needed (their accumulators stay 0).
    },
  };
  for (let i = 0; i < images; i++) forwardInt(p.qn, inputCodes(p, i), capture);
  const x = new Int32Array(chunks.length * P * R);
  chunks.forEach((c, i) => x.set(c, i * P * R));
  const outW = p.qn.layers[layerIndex]!.layer.kind === 'conv' ? Math.round(Math.sqrt(P)) : 1;
  return { layerIndex, x, R, patchesPerImage: P, images, outW };
}

/** Every patch (null) or a sorted sample of `k` distinct patches of `total`, drawn with `seed`. */
export function samplePatches(total: number, k: number | null, seed: number): number[] {
  if (k === null || k >= total) return Array.from({ length: total }, (_, i) => i);
  if (!Number.isInteger(k) || k < 1) throw new ConfigError(`must be a positive integer, got ${k}`, '--patches');
  const rng = new Rng(seed, 0);
  const idx = Array.from({ length: total }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(total - i);
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx.slice(0, k).sort((a, b) => a - b);
}
